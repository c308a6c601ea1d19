"""The plan of a build: where the book is, what each chapter declares, and what identifies it.

- :func:`project_root` finds the repository holding the book's sources;
- :func:`chapter_parameters` reads a chapter's ``parameters`` cell with jupytext (the one
  reader of notebooks in the build) and refuses anything but ``name = literal`` lines;
  :func:`remembered_parameters` keeps that reading in the build cache;
- :func:`sorabook.results.cache.digest` is the one hashing scheme: the environment key, every chapter's
  cache key and the site key are digests of their parts;
- :func:`plan` gives a :class:`ChapterRun` per chapter: the parameters it declares, their
  values, and its cache key.

:class:`BuildError` lives here, at the bottom of the build, so that every later step can
raise it without importing upward.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import sorabook
from sorabook.params import Params, Scenario
from sorabook.results.cache import digest

__all__ = [
    "BuildError",
    "ChapterRun",
    "chapter_parameters",
    "chapter_key",
    "digest",
    "environment_key",
    "git_commit",
    "plan",
    "project_root",
    "remembered_parameters",
    "site_key",
]

#: The files beside ``book/`` whose content makes up the site (configuration and reading order).
CONFIG_FILES = ("_config.yml", "_toc.yml")
#: The checkout of the package: its ``package-lock.json`` pins the live page's runtime.
_CHECKOUT = Path(sorabook.__file__).resolve().parents[1]


class BuildError(RuntimeError):
    """A build failed for a reason the message explains in one line (exit code 1)."""


def project_root() -> Path:
    """The repository holding ``_toc.yml`` and ``notebooks/``: ``$SORABOOK_ROOT``, else the folder
    above the package, else the current folder. Raises :class:`BuildError` when none holds them."""
    env = os.environ.get("SORABOOK_ROOT")
    candidates = [Path(env)] if env else []
    candidates += [Path(sorabook.__file__).resolve().parents[1], Path.cwd()]
    for cand in candidates:
        if (cand / "_toc.yml").is_file() and (cand / "notebooks").is_dir():
            return cand
    raise BuildError("cannot find the book sources (_toc.yml and notebooks/); run from the repository")


def cache_dir(root: Path) -> Path:
    """The build cache: ``$SORABOOK_CACHE``, else ``ROOT/_build/cache`` (executed chapters, their
    timings, parsed parameters cells, and ``results/`` for ``sorabook results``)."""
    return Path(os.environ.get("SORABOOK_CACHE", root / "_build" / "cache"))


# --- the parameters cell ------------------------------------------------------------------


def parameters_cell(nb, name: str):
    """The one cell of notebook ``nb`` tagged ``parameters`` (``name`` is the file, for the message)."""
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise BuildError(f"{name}: expected exactly one cell tagged 'parameters', found {len(cells)}")
    return cells[0]


def literal_assignments(source: str, name: str) -> dict[str, Any]:
    """``{name: value}`` of a parameters cell made of ``name = literal`` lines.

    Anything else (a derived value, a call, two targets) raises :class:`BuildError` naming
    the file ``name`` and the line: papermill injects overrides after the cell, so a derived
    value would silently keep its default.
    """
    out: dict[str, Any] = {}
    for node in ast.parse(source).body:
        ok = isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        try:
            value = ast.literal_eval(node.value) if ok else None
        except ValueError:
            ok = False
        if not ok:
            raise BuildError(f"{name}: parameters cell line {node.lineno}: expected `name = literal`")
        out[node.targets[0].id] = value
    return out


def chapter_parameters(path: Path) -> dict[str, Any]:
    """The names and default values a chapter declares in its ``parameters`` cell, read with jupytext."""
    return literal_assignments(_parameters_source(Path(path)), Path(path).name)


def _parameters_source(path: Path) -> str:
    """The source of the ``parameters`` cell of chapter ``path``, as jupytext reads the chapter."""
    import jupytext

    return parameters_cell(jupytext.read(path), path.name).source


def remembered_parameters(path: Path, environment: str, cache_dir: Path | None) -> dict[str, Any]:
    """:func:`chapter_parameters`, remembered in ``CACHE/STEM/parameters.json``.

    The entry holds the cell's source as jupytext read it, under a digest of the chapter's
    text and the environment key (which covers the lock, so jupytext's version): importing
    jupytext and reading the chapters costs half a second, more than the rest of a no-op
    rebuild. A missing, stale or unreadable entry means one more reading by jupytext.
    """
    key = digest("parameters", path.read_bytes(), environment)
    memo = None if cache_dir is None else Path(cache_dir) / path.stem / "parameters.json"
    if memo is not None:
        try:
            entry = json.loads(memo.read_text())
            if entry.get("key") == key and isinstance(entry.get("source"), str):
                return literal_assignments(entry["source"], path.name)
        except (OSError, ValueError, AttributeError):
            pass
    source = _parameters_source(path)
    declared = literal_assignments(source, path.name)
    if memo is not None:
        try:
            memo.parent.mkdir(parents=True, exist_ok=True)
            tmp = memo.with_name(f".parameters.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"key": key, "source": source}) + "\n")
            os.replace(tmp, memo)
        except OSError:
            pass
    return declared


# --- the one hashing scheme ---------------------------------------------------------------


def _files(paths: Iterable[Path], base: Path) -> list[bytes | str]:
    """Each file's path relative to ``base`` followed by its bytes: the parts of a digest over files."""
    parts: list[bytes | str] = []
    for path in paths:
        parts += [path.relative_to(base).as_posix(), path.read_bytes()]
    return parts


def environment_key(root: Path) -> str:
    """What every chapter depends on besides its own text and parameters: the package's source,
    scenarios and data (:func:`sorabook.results.cache.package_files`), the dependency lock
    ``requirements.lock`` (absent: empty) and the Python version."""
    from sorabook.results.cache import package_files

    lock = root / "requirements.lock"
    return digest("environment", sys.version, *_files(package_files(), Path(sorabook.__file__).parent),
                  lock.read_bytes() if lock.is_file() else b"")


def chapter_key(source: Path, values: dict[str, Any], environment: str) -> str:
    """A chapter's cache key: its text, the values of the parameters it declares, the environment key."""
    return digest("chapter", source.read_bytes(), json.dumps(values, sort_keys=True), environment)


def git_commit(root: Path) -> str | None:
    """The repository's commit, with ``+dirty`` when the book's sources differ from it; None outside git."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sorabook", "notebooks", "book",
                                *CONFIG_FILES], cwd=root, capture_output=True, text=True, timeout=10)
        return sha.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


@dataclass
class ChapterRun:
    """One chapter of a build: where it comes from, what it ran with, how it went (``seconds``: wall time)."""

    stem: str
    source: Path
    parameters: dict[str, Any]
    key: str
    cached: bool = False
    seconds: float = 0.0


def site_key(root: Path, runs: list[ChapterRun], params: Params, scenario: Scenario) -> str:
    """Identity of everything a site is made from.

    The chapters' cache keys (text, parameters, package, lock), the configuration and
    hand-written pages, the parameters' hash, the scenario's name and description and the
    git commit (shown in the provenance box), and the live page's pinned runtime (``package-lock.json``,
    ``pyodide.sha256``; :mod:`sorabook.book.pyodide`). Equal keys mean the site in place is what a
    build would produce, up to its build date.
    """
    pages = sorted(p for p in (root / "book").rglob("*") if p.is_file())
    runtime = [p.read_bytes() for p in (_CHECKOUT / "package-lock.json", _CHECKOUT / "pyodide.sha256") if p.is_file()]
    return digest("site", *(r.key for r in runs), *_files([root / n for n in CONFIG_FILES] + pages, root),
                  params.sha256, scenario.name, scenario.description, git_commit(root) or "", *runtime)


def plan(root: Path, params: Params, chapters: Iterable[str], cache_dir: Path | None = None) -> list[ChapterRun]:
    """The chapters of a build (stems of ``notebooks/*.md``) with the parameters each declares,
    their values in ``params``, and its cache key. A declared name outside the registry raises
    :class:`BuildError`. With the build's ``cache_dir``, each chapter's reading is remembered
    there (:func:`remembered_parameters`)."""
    env = environment_key(root)
    runs = []
    for stem in chapters:
        source = root / "notebooks" / f"{stem}.md"
        declared = remembered_parameters(source, env, cache_dir)
        unknown = sorted(set(declared) - set(params))
        if unknown:
            raise BuildError(f"{source.name}: parameters cell declares {unknown[0]!r}, which is not in the registry")
        values = {k: params[k] for k in declared}
        runs.append(ChapterRun(stem, source, values, chapter_key(source, values, env)))
    return runs
