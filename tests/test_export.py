"""What a build or a query publishes (sorabook.results.export): results.json's schema and results.csv."""

from __future__ import annotations

import csv
import io

from sorabook.params import resolve
from sorabook.results import registry
from sorabook.results.export import results_csv, results_document


def _doc(scenario="article", sets=()):
    p, s = resolve(scenario, sets=sets)
    return results_document(p, s, registry.compute(p), site=False), p


def test_document_lists_every_result_with_unit_chapter_and_anchor():
    doc, p = _doc()
    assert set(doc["results"]) == set(registry.RESULTS)
    r = doc["results"]["latent-frames"]
    assert r["value"] == 180 and r["unit"] == "latent frames"
    assert r["anchor"] == "notebooks/01-latent-compression.html#result-latent-frames"
    assert doc["parameters_sha256"] == p.sha256 and doc["parameters"]["fps"] == 24.0
    assert set(doc["aliases"].values()) <= set(registry.RESULTS)
    assert doc["claims"] == registry.check_claims()
    assert "numpy" in doc["versions"] and "sphinx" not in doc["versions"]


def test_csv_has_one_row_per_result_and_reads_back_every_float_exactly():
    doc, _ = _doc("corrected")
    rows = list(csv.DictReader(io.StringIO(results_csv(doc))))
    assert [r["key"] for r in rows] == list(doc["results"])
    assert all(float(r["value"]) == doc["results"][r["key"]]["value"] for r in rows)
    assert {r["scenario"] for r in rows} == {"corrected"}
