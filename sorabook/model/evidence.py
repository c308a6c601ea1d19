"""What is known since the article, as data: measured runs, disclosed training, prices, events.

Each table is a CSV file in ``sorabook/data/evidence/`` (the site offers them for download).
Every row carries its source (a key of ``book/references.bib``), its date (ISO, year-month at
least), a tag saying what kind of figure it is and a flag saying whether it was read in the
primary source:

- ``tag``: ``measured`` (timed or metered by whoever states it), ``disclosed`` (stated by the
  party that spent it: a paper's GPU-hours), ``reported`` (press or analysts relaying a figure
  they did not make), ``estimated`` (someone's estimate, not a measurement);
- ``checked``: ``V`` read in the primary source, ``S`` only in a secondary one.

:func:`table` reads one file and checks every row against its schema (:data:`SCHEMAS`): a
bad cell raises :class:`EvidenceError` naming the file, the row and the column. Standard
library only.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from pathlib import Path

__all__ = ["CHECKED", "DESCRIPTIONS", "EVIDENCE_DIR", "EvidenceError", "SCHEMAS", "TAGS", "inference_runs", "table",
           "tables"]

#: Where the evidence tables live.
EVIDENCE_DIR = Path(__file__).parents[1] / "data" / "evidence"
#: What kind of figure a row holds.
TAGS = ("measured", "disclosed", "reported", "estimated")
#: Whether it was read in the primary source (V) or only in a secondary one (S).
CHECKED = ("V", "S")

_COMMON = {"date": "date", "tag": "tag", "checked": "checked", "source": "key", "note": "text"}

#: Each table's columns and their kinds: ``text``, ``key`` (a bibliography key), ``int``
#: (whole, >= 1), ``int?`` (empty or whole >= 1), ``float`` (finite, > 0), ``float?`` (empty or
#: finite > 0), ``date``, ``tag``, ``checked``. An empty optional cell reads as ``None``.
#: What each table holds: :data:`DESCRIPTIONS`.
SCHEMAS: dict[str, dict[str, str]] = {
    "inference": {"model": "text", "preset": "text", "gpu": "text", "gpus": "int", "width": "int", "height": "int",
                  "frames": "int", "steps": "int", "seconds": "float", "gpu_energy_wh": "float?",
                  "software": "text", **_COMMON},
    "training": {"model": "text", "params": "float", "gpu": "text", "gpu_count": "int?", "gpu_hours": "float",
                 "cost_usd": "float?", **_COMMON},
    "prices": {"provider": "text", "product": "text", "usd_per_video_second": "float", "resolution": "text",
               **_COMMON},
    "events": {"subject": "text", "quantity": "text", "value": "float?", "unit": "text", **_COMMON},
}

#: What each table holds, in one line (the site's download list shows it).
DESCRIPTIONS: dict[str, str] = {
    "inference": "measured generation runs of open video models: seconds per video end to end and GPU energy, "
                 "with the video's size, frames, steps and GPUs",
    "training": "training runs of video models, disclosed or estimated: parameters, GPU type and count, "
                "GPU-hours and cost as stated",
    "prices": "API prices of video generation in US dollars per second of video, with the resolution",
    "events": "reported usage, spend and events: Sora's launch and shutdown, spend and users, installs, "
              "volumes of Veo, analysts' estimates",
}


class EvidenceError(ValueError):
    """A cell of an evidence table that does not fit its column."""


_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def _cell(kind: str, raw: str):
    """The value of a cell of ``kind`` (see :data:`SCHEMAS`), or ``ValueError`` saying what was expected."""
    if kind == "text":
        return raw
    if kind == "key":
        if not re.fullmatch(r"[A-Za-z][\w.-]*", raw):
            raise ValueError("expected a bibliography key")
        return raw
    if kind in ("int", "int?"):
        if kind == "int?" and raw == "":
            return None
        try:
            value = int(raw)
        except ValueError:
            raise ValueError("expected a whole number >= 1") from None
        if value < 1:
            raise ValueError("expected a whole number >= 1")
        return value
    if kind in ("float", "float?"):
        if kind == "float?" and raw == "":
            return None
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("expected a finite number > 0") from None
        if not (math.isfinite(value) and value > 0):
            raise ValueError("expected a finite number > 0")
        return value
    if kind == "date":
        if not _DATE.match(raw):
            raise ValueError("expected a date YYYY-MM or YYYY-MM-DD")
        return raw
    allowed = {"tag": TAGS, "checked": CHECKED}[kind]
    if raw not in allowed:
        raise ValueError(f"expected one of {', '.join(allowed)}")
    return raw


@functools.lru_cache(maxsize=None)
def _read(name: str, folder: str) -> tuple[dict, ...]:
    """The rows of table ``name`` in ``folder``, checked (cached: the files ship with the package)."""
    schema = SCHEMAS[name]
    path = Path(folder) / f"{name}.csv"
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != list(schema):
            raise EvidenceError(f"{path.name}: columns {reader.fieldnames}; expected {list(schema)}")
        rows = []
        for n, raw in enumerate(reader, start=2):
            row = {}
            for column, kind in schema.items():
                try:
                    row[column] = _cell(kind, (raw[column] or "").strip())
                except ValueError as err:
                    raise EvidenceError(f"{path.name} line {n}, {column}: got {raw[column]!r}; {err}") from None
            rows.append(row)
    return tuple(rows)


def table(name: str, folder: Path = EVIDENCE_DIR) -> list[dict]:
    """The checked rows of evidence table ``name`` (a key of :data:`SCHEMAS`), as new dicts."""
    return [dict(r) for r in _read(name, str(folder))]


def tables(folder: Path = EVIDENCE_DIR) -> dict[str, list[dict]]:
    """Every evidence table by name."""
    return {name: table(name, folder) for name in SCHEMAS}


def inference_runs(folder: Path = EVIDENCE_DIR) -> list[dict]:
    """The measured inference runs (end to end: text encoder, denoising, decoder), one dict per run."""
    return table("inference", folder)
