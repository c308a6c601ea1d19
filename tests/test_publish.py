"""Publishing (sorabook.book.publish): the build end to end, the lock, the swap, failure safety."""

from __future__ import annotations

import json
import re

import pytest

from sorabook import params
from sorabook.results import registry as report
from sorabook.book import outdir, publish
from sorabook.book.publish import BuildError

from conftest import ROOT, run_cli, tree_snapshot


@pytest.mark.build
def test_default_build_writes_site_and_results(default_build):
    out = default_build.out
    assert (out / "index.html").is_file()
    doc = json.loads((out / "results.json").read_text())
    assert doc["scenario"] == "article"
    assert set(doc["results"]) == set(report.RESULTS)
    assert (out / "results.csv").read_text().startswith("key,value")
    assert json.loads((out / "build.json").read_text())["parameters_sha256"] == doc["parameters_sha256"]


@pytest.mark.build
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


@pytest.mark.build
def test_noop_rebuild_does_nothing_but_a_page_change_rebuilds_the_site(tmp_path, book_copy):
    cache, out = tmp_path / "cache", tmp_path / "site"
    p, scenario = params.resolve()
    publish.build(p, scenario, out, cache_dir=cache, root=book_copy)
    stamp = (out / "build.json").read_bytes()
    again = publish.build(p, scenario, out, cache_dir=cache, root=book_copy)
    assert again.up_to_date and again.executed == []
    assert (out / "build.json").read_bytes() == stamp  # the site was not touched
    intro = book_copy / "book" / "intro.md"
    intro.write_text(intro.read_text() + "\nAn added sentence for the test.\n")
    changed = publish.build(p, scenario, out, cache_dir=cache, root=book_copy)
    assert not changed.up_to_date and changed.executed == []
    assert "An added sentence for the test." in (out / "book" / "intro.html").read_text()


@pytest.mark.build
def test_corrected_scenario_builds_and_chapter_7_walks_to_its_values(tmp_path):
    """Issues 5 and 6: the book builds in the scenario `corrected` (every chapter, the Monte Carlo
    of chapter 8 included); the build's numbers are the package's, and chapter 7's corrected
    results equal chapters 3-5's results in that scenario."""
    p, scenario = params.resolve(scenario="corrected")
    publish.build(p, scenario, tmp_path / "site", jobs=2, cache_dir=tmp_path / "cache", root=ROOT)
    doc = json.loads((tmp_path / "site" / "results.json").read_text())
    values = {k: v["value"] for k, v in doc["results"].items()}
    direct = json.loads(run_cli("results", "--scenario", "corrected", "--format", "json").stdout)
    assert values == {k: v["value"] for k, v in direct["results"].items()}
    for key in ("video-minutes-per-h100-hour", "train-h100-months-low", "fleet-gpus-peak"):
        assert values[f"corrected-{key}"] == values[key]
    assert values["video-minutes-per-h100-hour-p05"] < values["video-minutes-per-h100-hour-p95"]
    page = (tmp_path / "site" / "notebooks" / "07-corrections.html").read_text()
    assert "corrected" in page and "fig-corrections" in page


@pytest.mark.build
def test_failing_chapter_keeps_previous_site(tmp_path, book_copy):
    cache = tmp_path / "cache"
    out = tmp_path / "site"
    p, scenario = params.resolve()
    publish.build(p, scenario, out, cache_dir=cache, root=book_copy)
    before = tree_snapshot(out)
    nb = book_copy / "notebooks" / "01-latent-compression.md"
    nb.write_text(nb.read_text().replace(
        'page.show_parameters(p, "tbl-params-latent-compression")',
        'raise RuntimeError("deliberately broken")'))
    with pytest.raises(BuildError) as err:
        publish.build(p, scenario, out, cache_dir=cache, root=book_copy)
    message = str(err.value)
    assert "notebooks/01-latent-compression.md" in message
    assert re.search(r"code cell 3 \(line \d+: `raise RuntimeError", message) and "deliberately broken" in message
    assert tree_snapshot(out) == before
    leftovers = [x.name for x in tmp_path.iterdir() if x.name.startswith(".site.") and not x.name.endswith(".lock")]
    assert leftovers == []


def test_a_result_outside_its_domain_stops_the_build_and_keeps_the_site(tmp_path, book_copy, monkeypatch):
    """Issue 15: a value outside its domain is never published; exit 1 with the result's name, and the
    previous site stays (here a definition is made to give -1 in this process)."""
    import dataclasses

    cache = tmp_path / "cache"
    out = tmp_path / "site"
    p, scenario = params.resolve(sets=["fps=30"])
    publish.build(p, scenario, out, cache_dir=cache, root=book_copy)
    before = tree_snapshot(out)
    spec = report.RESULTS["latent-frames"]
    monkeypatch.setitem(report.RESULTS, "latent-frames", dataclasses.replace(spec, compute=lambda q: -1.0))
    q, _ = params.resolve(sets=["fps=25"])
    with pytest.raises(BuildError, match=r"result 'latent-frames' came out as -1.0 with parameters fps=25.0; "
                                         r"expected a finite number > 0"):
        publish.build(q, scenario, out, cache_dir=cache, root=book_copy)
    assert tree_snapshot(out) == before


def test_publish_swaps_the_new_site_in_and_leaves_nothing_beside_it(tmp_path):
    old, new = tmp_path / "site", tmp_path / "html"
    old.mkdir()
    (old / "index.html").write_text("old")
    outdir.write_marker(old)
    new.mkdir()
    (new / "index.html").write_text("new")
    publish.publish(new, old)
    assert (old / "index.html").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["html", "site"]


def test_a_second_build_into_a_locked_folder_is_refused(tmp_path):
    out = tmp_path / "site"
    with publish.locked(out):
        with pytest.raises(BuildError, match="another build is writing"):
            with publish.locked(out):
                pass
    with publish.locked(out):  # released
        pass


def test_a_site_is_current_only_when_complete_and_of_the_same_key(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "build.json").write_text(json.dumps({"site_key": "k"}))
    assert not publish.site_is_current(out, "k")  # no results.json, no index.html
    (out / "results.json").write_text("{}")
    (out / "index.html").write_text("")
    assert publish.site_is_current(out, "k")
    assert not publish.site_is_current(out, "other")
