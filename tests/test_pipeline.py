"""The build end to end: execution, cache, results.json, anchors and failure safety."""

from __future__ import annotations

import json
import re

import pytest

from sorabook import params, pipeline

from sorabook.results import registry as report

from conftest import ROOT, run_cli, tree_snapshot

pytestmark = pytest.mark.build


def test_default_build_writes_site_and_results(default_build):
    out = default_build.out
    assert (out / "index.html").is_file()
    doc = json.loads((out / "results.json").read_text())
    assert doc["scenario"] == "article"
    assert set(doc["results"]) == set(report.RESULTS)
    assert (out / "results.csv").read_text().startswith("key,value")
    assert json.loads((out / "build.json").read_text())["parameters_sha256"] == doc["parameters_sha256"]


def test_results_json_equals_sorabook_results(default_build):
    """The site's numbers (recorded by the notebooks) equal the package's (no notebooks)."""
    site = json.loads((default_build.out / "results.json").read_text())
    direct = json.loads(run_cli("results", "--format", "json").stdout)
    assert {k: v["value"] for k, v in site["results"].items()} == {k: v["value"] for k, v in direct["results"].items()}
    assert site["parameters_sha256"] == direct["parameters_sha256"]
    assert site["claims"] == direct["claims"]


def test_every_anchor_resolves_in_its_page(default_build):
    doc = json.loads((default_build.out / "results.json").read_text())
    for key, r in doc["results"].items():
        page, anchor = r["anchor"].split("#")
        assert f'id="{anchor}"' in (default_build.out / page).read_text(), key


def test_pages_have_no_unresolved_glue_and_no_external_scripts(default_build):
    for page in default_build.out.rglob("*.html"):
        html = page.read_text()
        assert "{glue" not in html, page
        assert not re.search(r'<script[^>]+src="(https?:)?//', html), page
        assert not re.search(r'<link[^>]+href="(https?:)?//', html), page
    chapter = (default_build.out / "notebooks" / "01-latent-compression.html").read_text()
    assert "1,440" in chapter and "184,320" in chapter
    assert "mathjax/tex-chtml.js" in chapter


def test_changed_parameter_reaches_site_and_cache_skips_unchanged(tmp_path):
    """The pipeline issue: --set fps=30 shows 1,800 frames / 225 latent frames; a rebuild executes nothing."""
    cache = tmp_path / "cache"
    p, scenario = params.resolve(sets=["fps=30"])
    first = pipeline.build(p, scenario, tmp_path / "site", cache_dir=cache, root=ROOT)
    # every chapter that declares fps re-executes (chapter 1 and the later chapters that reuse its frames)
    assert "01-latent-compression" in first.executed
    doc = json.loads((tmp_path / "site" / "results.json").read_text())
    assert doc["results"]["video-frames"]["value"] == 1800.0
    assert doc["results"]["latent-frames"]["value"] == 225.0
    page = (tmp_path / "site" / "notebooks" / "01-latent-compression.html").read_text()
    assert "1,800" in page and "225" in page
    second = pipeline.build(p, scenario, tmp_path / "site", cache_dir=cache, root=ROOT)
    assert second.executed == []
    forced = pipeline.build(p, scenario, tmp_path / "site", cache_dir=cache, root=ROOT, force=True)
    assert forced.executed == first.executed


def test_only_chapters_declaring_a_changed_parameter_execute(tmp_path):
    """The cache is per chapter: train_utilization_realistic is declared by chapter 3 alone."""
    cache = tmp_path / "cache"
    p, scenario = params.resolve()
    pipeline.build(p, scenario, tmp_path / "site", cache_dir=cache, root=ROOT)
    q, _ = params.resolve(sets=["train_utilization_realistic=0.5"])
    again = pipeline.build(q, scenario, tmp_path / "site", cache_dir=cache, root=ROOT)
    assert again.executed == ["03-training-estimate"]
    doc = json.loads((tmp_path / "site" / "results.json").read_text())
    assert round(doc["results"]["train-h100-months-low-realistic"]["value"]) == round(4211.3065 / 0.5)


def test_cli_second_build_executes_nothing(tmp_path):
    env = {"SORABOOK_CACHE": str(tmp_path / "cache")}
    first = run_cli("build", "--out", str(tmp_path / "site"), env=env)
    assert first.returncode == 0, first.stderr
    n = len(report.CHAPTERS)
    assert f"chapters executed: {n} of {n}" in first.stdout
    second = run_cli("build", "--out", str(tmp_path / "site"), env=env)
    assert second.returncode == 0, second.stderr
    assert f"chapters executed: 0 of {n}" in second.stdout
    assert "Traceback" not in first.stderr + second.stderr
    assert "KeyboardInterrupt" not in first.stderr + second.stderr


def test_failing_chapter_keeps_previous_site(tmp_path, book_copy):
    cache = tmp_path / "cache"
    out = tmp_path / "site"
    p, scenario = params.resolve()
    pipeline.build(p, scenario, out, cache_dir=cache, root=book_copy)
    before = tree_snapshot(out)
    nb = book_copy / "notebooks" / "01-latent-compression.md"
    nb.write_text(nb.read_text().replace(
        'page.show_parameters(p, "tbl-params-latent-compression")',
        'raise RuntimeError("deliberately broken")'))
    with pytest.raises(pipeline.BuildError) as err:
        pipeline.build(p, scenario, out, cache_dir=cache, root=book_copy)
    message = str(err.value)
    assert "notebooks/01-latent-compression.md" in message
    assert re.search(r"code cell 3 \(line \d+: `raise RuntimeError", message) and "deliberately broken" in message
    assert tree_snapshot(out) == before
    leftovers = [x.name for x in tmp_path.iterdir() if x.name.startswith(".site.") and not x.name.endswith(".lock")]
    assert leftovers == []


def test_results_page_lists_every_result_with_link_and_citation(default_build):
    page = (default_build.out / "book" / "results.html").read_text()
    doc = json.loads((default_build.out / "results.json").read_text())
    for key, r in doc["results"].items():
        assert f'href="../{r["anchor"]}"' in page, key
        assert f"result `{key}` =" in page.replace("&#96;", "`"), key
    assert doc["parameters_sha256"] in page
    downloads = {p.name for p in (default_build.out / "_downloads").rglob("*") if p.is_file()}
    assert {"results.json", "results.csv"} <= downloads


def test_every_chapter_page_shows_provenance(default_build):
    doc = json.loads((default_build.out / "results.json").read_text())
    for stem in report.CHAPTERS:
        page = (default_build.out / "notebooks" / f"{stem}.html").read_text()
        assert "Provenance of this page" in page, stem
        assert doc["parameters_sha256"] in page, stem
        assert "Show the parameters this chapter ran with" in page, stem  # injected cell, collapsed


def test_scenarios_page_compares_every_shipped_scenario(default_build):
    page = (default_build.out / "book" / "scenarios.html").read_text()
    for name in params.scenario_names():
        assert f">{name}<" in page, name


def test_anchors_are_stable_across_parameter_changes(default_build, tmp_path):
    p, scenario = params.resolve(sets=["fps=25", "video_seconds=20"])
    other = pipeline.build(p, scenario, tmp_path / "site", cache_dir=tmp_path / "cache", root=ROOT)
    a = json.loads((default_build.out / "results.json").read_text())
    b = json.loads((other.out / "results.json").read_text())
    assert {k: r["anchor"] for k, r in a["results"].items()} == {k: r["anchor"] for k, r in b["results"].items()}
    assert a["parameters_sha256"] != b["parameters_sha256"]
    for key, r in b["results"].items():
        page, anchor = r["anchor"].split("#")
        assert f'id="{anchor}"' in (other.out / page).read_text(), key
    page = (other.out / "notebooks" / "01-latent-compression.html").read_text()
    assert re.search(r"fps(</span>)?</code> = 25", page)  # the provenance box names the changed parameter


def test_noop_rebuild_does_nothing_but_a_page_change_rebuilds_the_site(tmp_path, book_copy):
    cache, out = tmp_path / "cache", tmp_path / "site"
    p, scenario = params.resolve()
    pipeline.build(p, scenario, out, cache_dir=cache, root=book_copy)
    stamp = (out / "build.json").read_bytes()
    again = pipeline.build(p, scenario, out, cache_dir=cache, root=book_copy)
    assert again.up_to_date and again.executed == []
    assert (out / "build.json").read_bytes() == stamp  # the site was not touched
    intro = book_copy / "book" / "intro.md"
    intro.write_text(intro.read_text() + "\nAn added sentence for the test.\n")
    changed = pipeline.build(p, scenario, out, cache_dir=cache, root=book_copy)
    assert not changed.up_to_date and changed.executed == []
    assert "An added sentence for the test." in (out / "book" / "intro.html").read_text()


def test_reproduction_page_gathers_every_claim(default_build):
    page = (default_build.out / "book" / "reproduction.html").read_text()
    doc = json.loads((default_build.out / "results.json").read_text())
    assert len(doc["claims"]) == len(report.check_claims())
    for stem in {c["chapter"] for c in doc["claims"]}:
        assert f'href="../notebooks/{stem}.html"' in page, stem
    table = page[page.index("<table"):page.index("</table>")]
    assert table.count("<tr") == 1 + len(doc["claims"])
    assert sum(table.count(f"<strong>{v}</strong>") for v in ("agrees", "approximate", "disagrees")) == len(doc["claims"])


def test_corrected_scenario_builds_and_chapter_7_walks_to_its_values(tmp_path):
    """Issues 5 and 6: the book builds in the scenario `corrected` (every chapter, the Monte Carlo
    of chapter 8 included); the build's numbers are the package's, and chapter 7's corrected
    results equal chapters 3-5's results in that scenario."""
    p, scenario = params.resolve(scenario="corrected")
    pipeline.build(p, scenario, tmp_path / "site", jobs=2, cache_dir=tmp_path / "cache", root=ROOT)
    doc = json.loads((tmp_path / "site" / "results.json").read_text())
    values = {k: v["value"] for k, v in doc["results"].items()}
    direct = json.loads(run_cli("results", "--scenario", "corrected", "--format", "json").stdout)
    assert values == {k: v["value"] for k, v in direct["results"].items()}
    for key in ("video-minutes-per-h100-hour", "train-h100-months-low", "fleet-gpus-peak"):
        assert values[f"corrected-{key}"] == values[key]
    assert values["video-minutes-per-h100-hour-p05"] < values["video-minutes-per-h100-hour-p95"]
    page = (tmp_path / "site" / "notebooks" / "07-corrections.html").read_text()
    assert "corrected" in page and "fig-corrections" in page
