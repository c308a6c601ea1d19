"""Computed headline results, remembered by what they are computed from.

``sorabook results`` computes every result of :data:`sorabook.results.registry.RESULTS`,
chapter 8's included: a 200,000-draw Monte Carlo that costs more than the rest of
the command together. The values depend only on the parameter values, the
package's source and the versions of Python and NumPy, so they are stored in the
build cache under a hash of exactly those, and read back when all of them match.
A cache that cannot be read or written is skipped: the values are then computed,
never guessed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Callable, Mapping

__all__ = ["computed", "digest", "key", "package_files"]

#: Entries kept; the oldest beyond this are removed when a new one is written.
MAX_ENTRIES = 200
_PACKAGE = Path(__file__).resolve().parents[1]


def package_files() -> list[Path]:
    """The package's source and data, in a stable order: what every computed value depends on
    besides the parameters (also part of the build cache's key)."""
    return sorted(p for p in _PACKAGE.rglob("*")
                  if p.suffix in {".py", ".yaml", ".json"} and "__pycache__" not in p.parts)


def digest(*parts: bytes | str) -> str:
    """SHA-256 (64 hex digits) of ``parts``, each preceded by its length in bytes: the one hashing
    scheme of the project (this cache's keys and every key of the build).

    The length prefix keeps any two different sequences of parts apart (no separator can be
    forged by a file's content). The first part names what a key identifies.
    """
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def key(params_sha256: str, numpy_version: str) -> str:
    """Key of the parameter values, the package source and data (``.py``, ``.yaml``, ``.json``), Python and NumPy."""
    files = [part for path in package_files() for part in (str(path.relative_to(_PACKAGE)), path.read_bytes())]
    return digest("results", params_sha256, sys.version, numpy_version, *files)


def computed(params, compute: Callable[[object], Mapping[str, float]], folder: Path | None) -> dict[str, float]:
    """``compute(params)``, or the values it gave before for the same inputs, kept in ``folder``
    (the caller's choice: ``sorabook results`` uses the build cache's ``results/``; None: no cache)."""
    from importlib.metadata import PackageNotFoundError, version

    if folder is None:
        return dict(compute(params))
    try:  # the installed NumPy's version, read without importing NumPy (a tenth of a second)
        numpy_version = version("numpy")
    except PackageNotFoundError:
        numpy_version = "none"
    path = folder / f"{key(params.sha256, numpy_version)}.json"
    with contextlib.suppress(OSError, ValueError):
        stored = json.loads(path.read_text())
        if isinstance(stored, dict) and all(isinstance(v, float) for v in stored.values()):
            return stored
    values = {k: float(v) for k, v in compute(params).items()}
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(values))  # repr of each float: read back bit for bit
        os.replace(tmp, path)
        _prune(folder)
    return values


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for old in entries[:-MAX_ENTRIES]:
        with contextlib.suppress(OSError):
            old.unlink()
