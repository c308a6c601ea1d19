"""The live page's computation (:mod:`sorabook.results.live`) and its spec (:mod:`sorabook.book.live`),
in CPython: the same numbers and messages as the command line, and the same with NumPy missing
(as in the browser) except for the results that need it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from numpy.testing import assert_allclose

from conftest import ROOT, run_cli
from live_cases import cases

from sorabook.book import live as site_live
from sorabook.params import REGISTRY, parse_set, validate
from sorabook.results import live
from sorabook.results.registry import RESULTS


@pytest.mark.parametrize("sets", cases(), ids=lambda s: " ".join(s))
def test_recompute_equals_the_command_line(sets):
    """Every result of the re-run equals ``sorabook results --set ...`` (JSON) to 1e-12 relative,
    and the document has the command line's schema and parameter hash."""
    args = [a for s in sets for a in ("--set", s)]
    proc = run_cli("results", "--format", "json", *args)
    assert proc.returncode == 0, proc.stderr
    cli_doc = json.loads(proc.stdout)
    out = live.recompute(sets)
    assert out["ok"]
    assert out["parameters_sha256"] == cli_doc["parameters_sha256"]
    doc = json.loads(out["document_json"])
    assert set(doc) == set(cli_doc) and doc["parameters"] == cli_doc["parameters"]
    for key, value in out["results"].items():
        assert_allclose(value, cli_doc["results"][key]["value"], rtol=1e-12, err_msg=key)
    assert out["command"] == "sorabook build " + " ".join(f"--set {s}" for s in sets)


@pytest.mark.parametrize("bad", ["fps=-3", "FPS=30", "gpu=h100", "train_utilization=46%", "frame_width=abc"])
def test_a_bad_value_gets_the_command_lines_message(bad):
    """The error is the line ``sorabook results --set`` prints (after its "sorabook: " prefix)."""
    out = live.recompute([bad])
    assert out == {"ok": False, "error": out["error"]}
    proc = run_cli("results", "--set", bad)
    assert proc.returncode == 2
    assert out["error"] in proc.stderr.strip()
    assert "Traceback" not in proc.stderr


def test_without_numpy_only_the_monte_carlo_is_unavailable():
    """In an interpreter where ``import numpy`` fails (as under Pyodide) the re-run succeeds; the
    results it cannot compute are exactly chapter 8's, and the others equal CPython's with NumPy."""
    script = textwrap.dedent("""
        import json, sys
        sys.modules["numpy"] = None
        from sorabook.results import live
        out = live.recompute(["fps=30", "gpu=B200"])
        print(json.dumps({"ok": out["ok"], "results": out["results"], "unavailable": out["unavailable"]}))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["ok"]
    chapter8 = {k for k, s in RESULTS.items() if s.chapter == "08-uncertainty"}
    assert set(got["unavailable"]) == chapter8
    full = live.recompute(["fps=30", "gpu=B200"])["results"]
    for key, value in got["results"].items():
        assert_allclose(value, full[key], rtol=1e-12, err_msg=key)


def test_changes_against_the_built_values():
    """Each result's change is the re-run over the built value: fps 24 -> 30 gives 1,800 frames
    over 1,440 (x 1.25); an unchanged result says "same"."""
    built = live.recompute([])["results"]
    out = live.recompute(["fps=30"], built=built)
    assert out["changes"]["video-frames"] == 1800 / 1440
    assert out["change_texts"]["video-frames"] == "x 1.25"
    assert out["change_texts"]["dit-train-images"] == "same"
    assert out["texts"]["video-frames"] == "1,800"


def test_command_quotes_what_a_shell_would_split():
    assert live.command(["fps=30"]) == "sorabook build --set fps=30"
    assert live.command(["distribution_overrides={\"fps\": 1}"], "corrected") == \
        "sorabook build --scenario corrected --set 'distribution_overrides={\"fps\": 1}'"


def test_spec_lists_every_parameter_once_in_chapter_order():
    """Every registry parameter is a field exactly once; groups follow the chapters; each field's
    text reads back (as ``--set`` reads it) to this build's value."""
    doc = json.loads(run_cli("results", "--format", "json").stdout)
    spec = site_live.spec(ROOT / "notebooks", doc)
    names = [n for g in spec["groups"] for n in g["params"]]
    assert sorted(names) == sorted(REGISTRY) and len(names) == len(set(names))
    assert spec["groups"][0]["chapter"] == "01-latent-compression"
    assert "fps" in spec["groups"][0]["params"]
    for name, text in spec["values"].items():
        _, value = parse_set(f"{name}={text}")
        assert validate({name: value})[name] == doc["parameters"][name], name
    assert [r["key"] for r in spec["results"]] == list(RESULTS)
    built = {r["key"]: r["built"] for r in spec["results"]}
    assert built["latent-frames"] == 180.0


def test_every_chapter_inputs_table_links_to_its_group_on_the_live_page():
    """The panel under each chapter's inputs table links to that chapter's group of fields (the id
    the page gives the group's fieldset); a table of no chapter gets no panel."""
    from sorabook.book import page
    from sorabook.results.registry import CHAPTERS

    for stem in CHAPTERS:
        link = page.live_link("tbl-params-" + stem.split("-", 1)[1])
        assert f'href="../book/live.html#group-{stem}"' in link, stem
    assert page.live_link("tbl-params-nothing") == "" and page.live_link("tbl-corrections") == ""
