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


def test_a_modified_build_is_labelled_with_its_changes():
    """Issue "the book as readers meet it": ``--set fps=30`` on the article was published as scenario
    ``article``. ``scenario`` keeps its meaning (the set the parameters start from); ``modified`` holds the
    parameters that differ from that set and ``label`` says both."""
    doc, _ = _doc(sets=["fps=30"])
    assert (doc["scenario"], doc["modified"], doc["label"]) == ("article", {"fps": 30.0}, "article, modified: fps = 30")
    plain, _ = _doc()
    assert (plain["scenario"], plain["modified"], plain["label"]) == ("article", {}, "article")
    corrected, p = _doc("corrected")
    assert (corrected["modified"], corrected["label"]) == ({}, "corrected") and p.differences()
    both, _ = _doc("corrected", ["gpu=B200", "fps=25"])
    assert both["modified"] == {"fps": 25.0, "gpu": "B200"}
    assert both["label"].startswith("corrected, modified: ") and {"fps = 25", "gpu = B200"} == set(
        both["label"].removeprefix("corrected, modified: ").split(", "))
    rows = list(csv.DictReader(io.StringIO(results_csv(doc))))
    assert {r["label"] for r in rows} == {"article, modified: fps = 30"} and {r["scenario"] for r in rows} == {"article"}


def test_a_params_file_is_labelled_custom_with_its_differences(tmp_path):
    """A ``--params`` file has no shipped set: ``custom``, labelled with its differences from the article."""
    f = tmp_path / "mine.yaml"
    f.write_text("fps: 30\ndiffusion_steps: 50\n")
    p, s = resolve(params_file=f)
    doc = results_document(p, s, registry.compute(p, ["01-latent-compression"]), site=False)
    assert doc["scenario"] == "custom" and doc["modified"] == p.differences() == {"fps": 30.0, "diffusion_steps": 50}
    assert doc["label"] == "custom: fps = 30, diffusion_steps = 50"
    f.write_text("fps: 24\n")
    p, s = resolve(params_file=f)
    assert results_document(p, s, {}, site=False)["label"] == "custom: the article's values"
