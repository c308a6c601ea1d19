"""The browser runtime of the live page: Pyodide, copied into the site, and the package beside it.

Pyodide comes from npm, pinned in ``package-lock.json`` (``npm ci`` puts it in
``node_modules/pyodide``). Only the core runtime and Python's standard library are used
(:data:`RUNTIME_FILES`); no other Pyodide package (NumPy and the like) is loaded.

The lock's ``integrity`` is the SHA-512 of the npm tarball, which ``node_modules`` no longer
holds; so ``pyodide.sha256`` beside the lock records the SHA-256 of each runtime file, taken from
that very tarball after checking it against the lock (:func:`record_pins`, ``make pyodide-pins``).
Before anything is copied (:func:`install`), the installed version must equal the lock's, the
pins must be for that version and integrity, and every file must match its pin: a changed or
corrupted file is refused, and nothing is written.

:func:`install` writes, into one folder of the site (``_static/pyodide/``):

- the runtime files, as shipped;
- ``sorabook.zip``: the pure-Python parts of the package (:func:`package_archive`), byte for byte
  the same for the same sources and ``SOURCE_DATE_EPOCH``;
- ``manifest.json``: Pyodide's and Python's versions, Pyodide's licence and source, and each file's
  size and SHA-256, which the page (``book/_static/live/runtime.js``) checks the archive against.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Iterable

import sorabook
from sorabook.book.plan import BuildError

__all__ = [
    "ARCHIVE",
    "LIBRARIES",
    "MANIFEST",
    "PACKAGE_PARTS",
    "PINS",
    "RUNTIME_FILES",
    "RuntimeMissing",
    "check_runtime",
    "checkout",
    "install",
    "package_archive",
    "record_pins",
    "verified_runtime",
]

#: What Pyodide needs to start with no network and no package: the loader, the Emscripten
#: module and its WebAssembly, the standard library, and the package index it reads at start.
RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")

#: The parts of the package the page runs, relative to the package folder: pure Python and data.
PACKAGE_PARTS = ("__init__.py", "params", "model", "results", "data")
#: Pure-Python libraries the archive carries beside the package, their ``.py`` files only (the
#: pinned versions of the lock): PyYAML reads the shipped scenarios (its C speed-up is left out,
#: and PyYAML falls back to its own Python parser).
LIBRARIES = ("yaml",)

ARCHIVE = "sorabook.zip"
MANIFEST = "manifest.json"
#: The file beside ``package-lock.json`` with the SHA-256 of each runtime file of the pinned version.
PINS = "pyodide.sha256"

_NPM_KEY = "node_modules/pyodide"
_INSTALL = "run `npm ci` in {project} (it needs Node.js 18+ and npm; Debian: apt-get install nodejs npm)"


class RuntimeMissing(BuildError):
    """The browser runtime cannot be used: missing, another version than the lock's, or changed."""


def checkout() -> Path:
    """The folder holding ``package-lock.json`` and ``node_modules``: the one above the package."""
    return Path(sorabook.__file__).resolve().parents[1]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _locked(project: Path) -> tuple[str, str]:
    """The version and integrity ``package-lock.json`` pins for Pyodide."""
    lock = project / "package-lock.json"
    try:
        entry = json.loads(lock.read_text())["packages"][_NPM_KEY]
        return entry["version"], entry["integrity"]
    except (OSError, ValueError, KeyError, TypeError):
        raise RuntimeMissing(f"{lock} does not pin pyodide (expected a package-lock.json entry "
                             f"{_NPM_KEY!r} with version and integrity)") from None


def _pins(project: Path) -> tuple[str, str, dict[str, str]]:
    """``pyodide.sha256``: the version and integrity it was recorded for, and each file's SHA-256.

    Its first line is ``# pyodide VERSION INTEGRITY``; then ``sha256sum`` lines (``HASH  NAME``).
    """
    path = project / PINS
    try:
        lines = path.read_text().splitlines()
        head = re.fullmatch(r"# pyodide (\S+) (sha512-\S+)", lines[0])
        digests = dict(reversed(ln.split(None, 1)) for ln in lines[1:] if ln.strip())
    except (OSError, IndexError, ValueError):
        head = None
    if head is None:
        raise RuntimeMissing(f"{path} is missing or unreadable; run `make pyodide-pins` to record it")
    return head[1], head[2], {name.strip(): digest for name, digest in digests.items()}


def verified_runtime(project: Path | None = None) -> tuple[dict[str, bytes], dict]:
    """The runtime files' bytes by name, each checked against its pin, and their facts (version,
    Python's version). Raises :class:`RuntimeMissing` with one line saying what to do."""
    project = project or checkout()
    source = project / _NPM_KEY
    installed = source / "package.json"
    if not installed.is_file():
        raise RuntimeMissing(f"the browser runtime (Pyodide) is not installed: no {installed}; "
                             + _INSTALL.format(project=project))
    version, integrity = _locked(project)
    try:
        meta = json.loads(installed.read_text())
    except ValueError:
        meta = {}
    have, license_ = meta.get("version"), meta.get("license")
    if have != version:
        raise RuntimeMissing(f"node_modules has pyodide {have} but package-lock.json pins {version}; "
                             + _INSTALL.format(project=project))
    pinned_version, pinned_integrity, digests = _pins(project)
    if (pinned_version, pinned_integrity) != (version, integrity):
        raise RuntimeMissing(f"{PINS} was recorded for pyodide {pinned_version}, but package-lock.json pins "
                             f"{version} (or another tarball); run `make pyodide-pins`")
    files = {}
    for name in RUNTIME_FILES:
        path = source / name
        if not path.is_file():
            raise RuntimeMissing(f"{path} is missing; " + _INSTALL.format(project=project))
        data = path.read_bytes()
        if name not in digests:
            raise RuntimeMissing(f"{PINS} has no SHA-256 for {name}; run `make pyodide-pins`")
        if _sha256(data) != digests[name]:
            raise RuntimeMissing(f"{path} does not match its SHA-256 in {PINS} for pyodide {version} "
                                 f"(changed or corrupted); " + _INSTALL.format(project=project))
        files[name] = data
    try:
        python = json.loads(files["pyodide-lock.json"])["info"]["python"]
    except (ValueError, KeyError, TypeError):
        python = None
    return files, {"pyodide": version, "python": python, "license": license_,
                   "source": f"npm package pyodide@{version} ({integrity})"}


def check_runtime(project: Path | None = None) -> str:
    """The pinned Pyodide version, once its files are checked (:func:`verified_runtime`)."""
    return verified_runtime(project)[1]["pyodide"]


def _zip_time() -> tuple[int, int, int, int, int, int]:
    """Every archive entry's time: ``$SOURCE_DATE_EPOCH`` (UTC) when set, else 1980-01-01 00:00,
    kept within what a zip can hold (1980 to 2107)."""
    text = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    epoch = int(text) if re.fullmatch(r"[0-9]{1,12}", text) else 0
    when = time.gmtime(min(max(epoch, 315_532_800), 4_354_819_199))
    return when[:5] + (when.tm_sec // 2 * 2,)


def _package_files(package: Path, parts: Iterable[str]) -> list[tuple[str, Path]]:
    """``(name in the archive, file)`` for every file of ``parts`` (caches left out), sorted."""
    out = []
    for part in parts:
        path = package / part
        if path.is_file():
            found = [path]
        elif path.is_dir():
            found = [p for p in path.rglob("*") if p.is_file()]
        else:
            raise BuildError(f"{path}: no such file or folder in the package, for the browser archive")
        for p in found:
            rel = p.relative_to(package)
            if "__pycache__" in rel.parts or p.suffix in (".pyc", ".pyo"):
                continue
            out.append((f"{package.name}/{rel.as_posix()}", p))
    return sorted(set(out))


def _library_files(libraries: Iterable[str]) -> list[tuple[str, Path]]:
    """``(name in the archive, file)`` for the ``.py`` files of each installed library, sorted."""
    import importlib

    out = []
    for lib in libraries:
        folder = Path(importlib.import_module(lib).__file__).parent
        out += [(f"{lib}/{p.relative_to(folder).as_posix()}", p) for p in folder.rglob("*.py")
                if "__pycache__" not in p.parts]
    return sorted(out)


def package_archive(dest: Path, modules: Iterable[str] = PACKAGE_PARTS, package: Path | None = None,
                    libraries: Iterable[str] = LIBRARIES) -> str:
    """Zip the ``modules`` of the package (paths relative to its folder, ``package`` by default
    the installed ``sorabook``) into ``dest`` as ``sorabook/...``, with the ``.py`` files of the pure-Python
    ``libraries`` (:data:`LIBRARIES`); returns its SHA-256.

    The bytes depend only on the files and ``SOURCE_DATE_EPOCH``: entries sorted, one fixed
    time stamp (:func:`_zip_time`), mode 0644, fixed compression.
    """
    package = Path(package or Path(sorabook.__file__).parent)
    stamp = _zip_time()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, path in _package_files(package, modules) + _library_files(libraries):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            info.create_system = 3  # unix, whatever the machine
            zf.writestr(info, path.read_bytes(), compresslevel=9)
    data = buffer.getvalue()
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    return _sha256(data)


def install(dest: Path, project: Path | None = None, modules: Iterable[str] = PACKAGE_PARTS) -> dict:
    """Copy the checked runtime (:func:`verified_runtime`) into folder ``dest`` with the package
    archive (:data:`ARCHIVE`) and :data:`MANIFEST`; returns the manifest. A runtime that fails its
    check raises :class:`RuntimeMissing` before anything is written."""
    files, facts = verified_runtime(project)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    listed = {}
    for name, data in files.items():
        (dest / name).write_bytes(data)
        listed[name] = {"bytes": len(data), "sha256": _sha256(data)}
    modules = list(modules)
    digest = package_archive(dest / ARCHIVE, modules)
    manifest = {
        **facts,
        "files": listed,
        "package": {"file": ARCHIVE, "bytes": (dest / ARCHIVE).stat().st_size, "sha256": digest,
                    "version": sorabook.__version__, "modules": modules},
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def record_pins(tarball: Path, project: Path | None = None) -> Path:
    """Write ``pyodide.sha256`` from the npm tarball of the pinned Pyodide (``npm pack pyodide@VERSION``),
    once the tarball's SHA-512 equals the lock's ``integrity``; returns the file written."""
    project = project or checkout()
    version, integrity = _locked(project)
    algo, _, expected = integrity.partition("-")
    data = Path(tarball).read_bytes()
    if algo != "sha512" or base64.b64encode(hashlib.sha512(data).digest()).decode() != expected:
        raise RuntimeMissing(f"{tarball} is not the tarball package-lock.json pins for pyodide {version} "
                             f"(its SHA-512 differs from {integrity})")
    digests: dict[str, str] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("package/")
            if name in RUNTIME_FILES and member.isfile():
                digests[name] = _sha256(tar.extractfile(member).read())
    missing = [n for n in RUNTIME_FILES if n not in digests]
    if missing:
        raise RuntimeMissing(f"{tarball} lacks {', '.join(missing)}: this pyodide version needs other files "
                             f"(update RUNTIME_FILES in sorabook/book/pyodide.py)")
    out = project / PINS
    out.write_text(f"# pyodide {version} {integrity}\n"
                   + "".join(f"{digests[n]}  {n}\n" for n in RUNTIME_FILES))
    return out
