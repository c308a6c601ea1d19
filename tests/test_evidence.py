"""sorabook.model.evidence: the evidence tables parse, cite sources that exist, and refuse bad cells.

Expected values come from the tables' own contract (the module docstring and :data:`SCHEMAS`), the
bibliography ``book/references.bib`` and the GPU catalogue :data:`sorabook.model.hardware.GPUS`.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from sorabook.model import evidence, hardware

ROOT = Path(__file__).resolve().parents[1]
BIB_KEYS = set(re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "book" / "references.bib").read_text(), flags=re.M))
#: No row may be dated after this (the evidence is collected up to late 2026).
LATEST = "2026-12-01"


@pytest.mark.parametrize("name", list(evidence.SCHEMAS))
def test_every_table_parses_with_its_columns(name):
    """Each schema has its CSV file, with at least one row, and every row has exactly the schema's columns,
    the common ones last (date, tag, checked, source, note)."""
    rows = evidence.table(name)
    assert rows, name
    columns = list(evidence.SCHEMAS[name])
    assert columns[-5:] == ["date", "tag", "checked", "source", "note"]
    for row in rows:
        assert list(row) == columns


def test_every_csv_file_has_a_schema():
    """A CSV file without a schema would ship unchecked."""
    files = {p.stem for p in evidence.EVIDENCE_DIR.glob("*.csv")}
    assert files == set(evidence.SCHEMAS)


@pytest.mark.parametrize("name", list(evidence.SCHEMAS))
def test_every_source_is_in_the_bibliography(name):
    missing = {r["source"] for r in evidence.table(name)} - BIB_KEYS
    assert not missing, f"{name}.csv cites keys missing from book/references.bib: {sorted(missing)}"


@pytest.mark.parametrize("name", list(evidence.SCHEMAS))
def test_tags_checks_and_dates_are_valid(name):
    """Tags and checked flags from the documented sets; dates not after 2026-12-01 (ISO dates compare as text
    once both are cut to the same length)."""
    for row in evidence.table(name):
        assert row["tag"] in evidence.TAGS
        assert row["checked"] in evidence.CHECKED
        assert row["date"] <= LATEST[:len(row["date"])], row


def test_inference_gpus_are_in_the_catalogue():
    unknown = {r["gpu"] for r in evidence.inference_runs()} - set(hardware.GPUS)
    assert not unknown


def test_training_gpus_are_in_the_catalogue():
    unknown = {r["gpu"] for r in evidence.table("training")} - set(hardware.GPUS)
    assert not unknown


def test_optional_cells_read_as_none_and_numbers_as_numbers():
    """Hand: Seaweed-7B's GPU count is not disclosed (empty), its 665,000 H100 GPU-hours are (abstract);
    Open-Sora 2.0's 224 GPUs and $199.6k are stated; the "completely unsustainable" remark has no value."""
    training = {r["model"]: r for r in evidence.table("training")}
    assert training["Seaweed-7B"]["gpu_count"] is None
    assert training["Seaweed-7B"]["gpu_hours"] == 665_000.0
    assert training["Open-Sora 2.0 (all stages)"]["gpu_count"] == 224
    assert training["Open-Sora 2.0 (all stages)"]["cost_usd"] == 199_600.0
    events = evidence.table("events")
    remark = [r for r in events if "unsustainable" in r["quantity"]]
    assert len(remark) == 1 and remark[0]["value"] is None
    prices = {(r["product"], r["resolution"]): r["usd_per_video_second"] for r in evidence.table("prices")}
    assert prices[("sora-2", "1280x720")] == 0.10


def _write(folder: Path, name: str, rows: list[list[str]]) -> None:
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(list(evidence.SCHEMAS[name]))
        writer.writerows(rows)


GOOD_TRAINING = ["M", "7e9", "H100-SXM", "", "1000", "", "2025-04", "disclosed", "V", "seaweed2025", ""]


@pytest.mark.parametrize("column, bad, expected", [
    ("gpu_hours", "lots", "finite number"),
    ("gpu_hours", "-5", "finite number"),
    ("gpu_count", "2.5", "whole number"),
    ("gpu_count", "0", "whole number"),
    ("date", "March 2025", "YYYY-MM"),
    ("tag", "rumoured", "measured, disclosed"),
    ("checked", "X", "V, S"),
    ("source", "no key!", "bibliography key"),
])
def test_a_malformed_cell_names_file_line_and_column(tmp_path, column, bad, expected):
    """The second data row (line 3 of the file, after the header) holds the bad cell."""
    row = list(GOOD_TRAINING)
    row[list(evidence.SCHEMAS["training"]).index(column)] = bad
    _write(tmp_path, "training", [GOOD_TRAINING, row])
    with pytest.raises(evidence.EvidenceError) as err:
        evidence.table("training", folder=tmp_path)
    message = str(err.value)
    assert message.startswith(f"training.csv line 3, {column}: got {bad!r}"), message
    assert expected in message


def test_a_good_temporary_table_reads(tmp_path):
    """The same writer with only good rows reads back, so the failures above are the bad cells'."""
    _write(tmp_path, "training", [GOOD_TRAINING])
    (row,) = evidence.table("training", folder=tmp_path)
    assert row["gpu_count"] is None and row["cost_usd"] is None and row["gpu_hours"] == 1000.0


def test_wrong_columns_are_refused(tmp_path):
    (tmp_path / "prices.csv").write_text("provider,product,price\nOpenAI,sora-2,0.1\n")
    with pytest.raises(evidence.EvidenceError, match=r"prices\.csv: columns"):
        evidence.table("prices", folder=tmp_path)


def test_every_table_is_described():
    """The site's download list shows one description per table (``DESCRIPTIONS``)."""
    assert list(evidence.DESCRIPTIONS) == list(evidence.SCHEMAS)
    assert all(evidence.DESCRIPTIONS.values())
