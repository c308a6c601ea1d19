"""The site folder (``--out``): what a build may replace there, and how it leaves nothing behind.

A build owns only what it wrote. Every site carries :data:`MARKER`, a JSON list of every file
the build wrote into it. :func:`check_out` lets a build replace a folder only when it is new,
empty, or holds a sorabook site; anything in it the marker does not list is the user's:

- an entry at the top of the site (``CNAME``, a publishing ``.git``, ``notes.txt``) is kept:
  :func:`foreign_entries` names it and :func:`sorabook.book.publish.publish` moves it into the
  new site as it swaps it in;
- anything else (a file of the user's inside a folder the build owns, a folder with no marker,
  a top-level name the new site also writes) refuses the build with :class:`OutError` (exit 2)
  before anything is written.

Symbolic links are never followed: a link in the site is an entry of its own, kept or refused,
never a folder to look into or delete through. :func:`held_signals` defers Ctrl-C, SIGTERM and
SIGHUP over the few steps that must not be cut in half (the swap, the clean-up).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat
from pathlib import Path
from typing import Iterator

__all__ = ["MARKER", "OutError", "check_out", "foreign_entries", "held_signals", "owned_files",
           "remove_tree", "write_marker"]

#: The file in a site listing every file the build wrote there (the build's claim on the folder).
MARKER = ".sorabook-site"

#: The longest name beside the site the build creates: ``.NAME.staging-XXXXXXXX``.
_EXTRA = len(".") + len(".staging-") + 8

#: The folders of the book's sources that the build copies into its staging folder.
SOURCE_FOLDERS = ("book", "notebooks")

#: Signals handled as Ctrl-C is (a supervisor's ``kill``, a closed terminal).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class OutError(ValueError):
    """``--out`` names a folder the build may not replace (bad input: exit 2, nothing written)."""


def write_marker(html: Path) -> None:
    """Write :data:`MARKER` into the finished site ``html``: every file in it, the marker included."""
    files = sorted(p.relative_to(html).as_posix() for p in html.rglob("*") if p.is_file() and not p.is_symlink())
    files = sorted({*files, MARKER})
    (html / MARKER).write_text(json.dumps({"sorabook-site": 1, "files": files}, indent=0) + "\n")


def owned_files(out: Path) -> set[str] | None:
    """The files the marker in ``out`` lists (paths relative to ``out``); None without a readable marker."""
    path = out / MARKER
    if path.is_symlink() or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return set(files)


def _walk(out: Path) -> Iterator[tuple[str, bool]]:
    """Every entry under ``out`` as (relative path, is a real folder), links never followed."""
    for folder, dirs, files in os.walk(out, followlinks=False):
        rel = Path(folder).relative_to(out)
        for name in dirs:
            path = Path(folder) / name
            yield (rel / name).as_posix(), not path.is_symlink()
        for name in files:
            yield (rel / name).as_posix(), False


def foreign_entries(out: Path, new_names: set[str] = frozenset()) -> list[str]:
    """The top-level entries of the site ``out`` the build did not write (kept as the site is
    replaced). Raises :class:`OutError` when ``out`` holds anything else the build may not
    replace: files but no marker, a user's file inside a folder the build owns, or a top-level
    entry of the user's whose name the new site (top-level names ``new_names``) also uses."""
    if out.is_symlink() or not out.is_dir():
        return []
    entries = list(_walk(out))
    if not entries:
        return []
    owned = owned_files(out)
    if owned is None:
        raise OutError(f"--out {out}: holds files but no sorabook site ({MARKER}); expected a new or empty "
                       "folder, or a site sorabook built (an older sorabook's site has none: remove it first)")
    owned_dirs = {p.rsplit("/", 1)[0] for p in owned if "/" in p}
    owned_dirs |= {d.rsplit("/", i)[0] for d in owned_dirs for i in range(d.count("/") + 1)}
    keep = []
    for rel, is_dir in entries:
        if rel in owned and not is_dir and not (out / rel).is_symlink():
            continue
        if is_dir and rel in owned_dirs:
            continue
        top = rel.split("/", 1)[0]
        if "/" not in rel:
            if rel in new_names:
                raise OutError(f"--out {out}: holds {rel!r}, which sorabook did not write and the new site "
                               "would replace; expected a site holding only what sorabook wrote there")
            keep.append(rel)
        elif top not in keep:
            raise OutError(f"--out {out}: holds {rel!r}, which sorabook did not write, inside a folder of the "
                           "site; expected your own files only at the top of the site (they are kept)")
    return keep


def check_out(out: Path, root: Path | None = None) -> Path:
    """The resolved site folder ``out`` if a build may write it; raises :class:`OutError` otherwise
    (a symbolic link loop, a name too long for the build's files beside it, a folder inside the
    book's sources under ``root``, a file, or a folder holding what the build did not write)."""
    shown = str(out)
    try:
        resolved = Path(os.path.abspath(out)).resolve(strict=False)
    except (OSError, RuntimeError):
        raise OutError(f"--out {shown}: is a symbolic link loop; expected a folder for the site") from None
    name_max = 255
    with contextlib.suppress(OSError, ValueError):
        probe = resolved.parent
        while not probe.exists():
            probe = probe.parent
        name_max = os.pathconf(probe, "PC_NAME_MAX")
    too_long = [part for part in resolved.parts if len(os.fsencode(part)) > name_max]
    if too_long or len(os.fsencode(resolved.name)) + _EXTRA > name_max:
        raise OutError(f"--out {shown[:80]}{'...' if len(shown) > 80 else ''}: its name has "
                       f"{len(os.fsencode(resolved.name))} bytes; expected at most {name_max - _EXTRA}")
    if root is not None:
        for folder in SOURCE_FOLDERS:
            src = Path(root).resolve() / folder
            if resolved == src or src in resolved.parents:
                raise OutError(f"--out {shown}: is inside the book's sources ({folder}/), which the build "
                               "copies; expected a folder outside them")
    if resolved.exists() and not resolved.is_dir():
        raise OutError(f"--out {shown}: is a file; expected a folder (it is replaced by the site)")
    try:
        foreign_entries(resolved)
    except OSError as err:
        raise OutError(f"--out {shown}: cannot be read ({err.strerror}); expected a folder you can read") from None
    return resolved


def remove_tree(path: Path, tries: int = 1) -> None:
    """Remove ``path`` and what is under it, never following a symbolic link (a link is removed as a
    file). With ``tries`` > 1, try again (0.2 s apart) while it is still there: a kernel on its way
    out may add a file while the folder is being removed."""
    import time

    for attempt in range(tries):
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return
        if attempt:
            time.sleep(0.2)
        if stat.S_ISDIR(mode):
            shutil.rmtree(path, ignore_errors=True)  # rmtree unlinks links, never descends through them
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """Defer Ctrl-C, SIGTERM and SIGHUP until the block is done (they are delivered just after)."""
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    except (AttributeError, ValueError, OSError):  # not the main thread's to block, or no pthreads
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
