"""Executing chapters (sorabook.book.execute): the chapter cache, failures named by notebook and cell."""

from __future__ import annotations

import json

import pytest

from sorabook import params
from sorabook.book import execute, plan, publish

from conftest import ROOT


@pytest.mark.build
def test_changed_parameter_reaches_site_and_cache_skips_unchanged(tmp_path):
    """The pipeline issue: --set fps=30 shows 1,800 frames / 225 latent frames; a rebuild executes nothing."""
    cache = tmp_path / "cache"
    p, scenario = params.resolve(sets=["fps=30"])
    first = publish.build(p, scenario, tmp_path / "site", cache_dir=cache, root=ROOT)
    # every chapter that declares fps re-executes (chapter 1 and the later chapters that reuse its frames)
    assert "01-latent-compression" in first.executed
    doc = json.loads((tmp_path / "site" / "results.json").read_text())
    assert doc["results"]["video-frames"]["value"] == 1800.0
    assert doc["results"]["latent-frames"]["value"] == 225.0
    page = (tmp_path / "site" / "notebooks" / "01-latent-compression.html").read_text()
    assert "1,800" in page and "225" in page
    second = publish.build(p, scenario, tmp_path / "site", cache_dir=cache, root=ROOT)
    assert second.executed == []
    forced = publish.build(p, scenario, tmp_path / "site", cache_dir=cache, root=ROOT, force=True)
    assert forced.executed == first.executed


@pytest.mark.build
def test_only_chapters_declaring_a_changed_parameter_execute(tmp_path):
    """The cache is per chapter: train_utilization_realistic is declared by chapter 3 alone."""
    cache = tmp_path / "cache"
    p, scenario = params.resolve()
    publish.build(p, scenario, tmp_path / "site", cache_dir=cache, root=ROOT)
    q, _ = params.resolve(sets=["train_utilization_realistic=0.5"])
    again = publish.build(q, scenario, tmp_path / "site", cache_dir=cache, root=ROOT)
    assert again.executed == ["03-training-estimate"]
    doc = json.loads((tmp_path / "site" / "results.json").read_text())
    assert round(doc["results"]["train-h100-months-low-realistic"]["value"]) == round(4211.3065 / 0.5)


def test_a_failure_names_the_notebook_the_code_cell_and_its_line(tmp_path):
    import nbformat

    source = tmp_path / "09-example.md"
    source.write_text("# Title\n\n```{code-cell} ipython3\nx = 1\n```\n\n```{code-cell} ipython3\n"
                      "y = x / 0\n```\n")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 2", metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("y = x / 0", outputs=[nbformat.v4.new_output(
            "error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])]),
    ])
    err = ZeroDivisionError("division by zero")
    message = execute.failure_message(source, err, nb)
    assert message == "notebooks/09-example.md, code cell 2 (line 8: `y = x / 0`): ZeroDivisionError: division by zero"
    assert execute.failure_message(source, err, None) == "notebooks/09-example.md: ZeroDivisionError: division by zero"


def test_a_cached_chapter_is_taken_from_the_cache_without_a_worker(tmp_path):
    """A chapter whose key is in the cache is copied, marked cached and handed to ready()."""
    p, _ = params.resolve()
    runs = plan.plan(ROOT, p, ["01-latent-compression"])
    cached = tmp_path / "cache" / runs[0].stem / f"{runs[0].key}.ipynb"
    cached.parent.mkdir(parents=True)
    cached.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n')
    seen = []
    execute.execute(runs, tmp_path / "dest", tmp_path / "cache", jobs=1, ready=seen.append)
    assert runs[0].cached
    assert seen == [tmp_path / "dest" / "notebooks" / "01-latent-compression.ipynb"]
    assert seen[0].read_bytes() == cached.read_bytes()
