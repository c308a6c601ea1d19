"""The site (sorabook.book.site): pages, provenance boxes, anchors, results.json against the package."""

from __future__ import annotations

import html
import json
import re

import pytest

from sorabook import params
from sorabook.results import registry as report
from sorabook.book import generated, publish
from sorabook.results.specs import format_value

from conftest import ROOT, run_cli

pytestmark = pytest.mark.build


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


def test_results_page_lists_every_result_with_link_and_citation(default_build):
    page = (default_build.out / "book" / "results.html").read_text()
    doc = json.loads((default_build.out / "results.json").read_text())
    for key, r in doc["results"].items():
        assert f'href="../{r["anchor"]}"' in page, key
        assert generated.citation_line(doc, key) in html.unescape(page), key
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
    other = publish.build(p, scenario, tmp_path / "site", cache_dir=tmp_path / "cache", root=ROOT)
    a = json.loads((default_build.out / "results.json").read_text())
    b = json.loads((other.out / "results.json").read_text())
    assert {k: r["anchor"] for k, r in a["results"].items()} == {k: r["anchor"] for k, r in b["results"].items()}
    assert a["parameters_sha256"] != b["parameters_sha256"]
    assert (b["scenario"], b["modified"]) == ("article", {"fps": 25.0, "video_seconds": 20.0})
    assert b["label"] == "article, modified: video_seconds = 20, fps = 25"  # in the registry's order
    assert "scenario <code>article, modified: video_seconds = 20, fps = 25</code>" in (
        other.out / "notebooks" / "02-dit-scaling.html").read_text()
    for key, r in b["results"].items():
        page, anchor = r["anchor"].split("#")
        assert f'id="{anchor}"' in (other.out / page).read_text(), key
    page = (other.out / "notebooks" / "01-latent-compression.html").read_text()
    assert re.search(r"fps(</span>)?</code> = 25", page)  # the provenance box names the changed parameter


def test_reproduction_page_gathers_every_claim(default_build):
    page = (default_build.out / "book" / "reproduction.html").read_text()
    doc = json.loads((default_build.out / "results.json").read_text())
    assert len(doc["claims"]) == len(report.check_claims())
    for stem in {c["chapter"] for c in doc["claims"]}:
        assert f'href="../notebooks/{stem}.html"' in page, stem
    table = page[page.index("<table"):page.index("</table>")]
    assert table.count("<tr") == 1 + len(doc["claims"])
    assert table.count('class="sorabook-verdict sorabook-verdict-') == len(doc["claims"])
    off = [c for c in doc["claims"] if c["verdict"] == "disagrees"]
    assert table.count("<strong>disagrees</strong>") == len(off)
    callout = page[page.index("sorabook-disagrees"):page.index("<table")]
    assert all(c["text"] in html.unescape(callout) for c in off)


def test_front_page_leads_with_what_the_book_found(default_build):
    """The front page's first block, right under its title, is "What the book found", with the numbers
    of this build's results.json, linked to their anchors."""
    page = (default_build.out / "book" / "intro.html").read_text()
    doc = json.loads((default_build.out / "results.json").read_text())
    body = page[page.index('<article class="bd-article">'):]
    title, found, argues = (body.index(t) for t in ("<h1>sorabook", "What the book found", "What the article argues"))
    assert title < found < body.index("In March 2024") < argues  # right under the title, before any prose
    block = body[body.index("sorabook-findings"):argues]
    value = format_value(doc["results"]["corrected-video-minutes-per-h100-hour"]["value"],
                         report.RESULTS["corrected-video-minutes-per-h100-hour"].fmt)
    assert value in block and "07-corrections.html#result-corrected-video-minutes-per-h100-hour" in block
    assert "sorabook: what the book found" not in page  # the marker line is gone
    cite = html.unescape((default_build.out / "book" / "cite.html").read_text())
    assert generated.citation_line(doc, next(iter(doc["results"]))) in cite


def test_a_jupyter_book_failure_is_said_plainly():
    """attacks (issue 19, item 8): Jupyter Book's failure showed raw ANSI colours and "line 80004" (a
    line of the executed notebook's JSON); a full disk said "0 warnings or errors"."""
    from pathlib import Path

    from sorabook.book.site import jupyter_book_failure

    staging = Path("/tmp/.site.staging-x")
    raw = ("\x1b[91m/tmp/.site.staging-x/notebooks/02-dit-scaling.ipynb:80004: WARNING: undefined label: "
           "'fig-x'\x1b[39;49;00m\nbuild succeeded, 1 warning.\n")
    message = jupyter_book_failure(raw, staging)
    assert "\x1b" not in message and ".staging" not in message and "80004" not in message
    assert "notebooks/02-dit-scaling.md: WARNING: undefined label" in message
    assert message.startswith("jupyter-book build failed (1 warnings or errors)")
    full = "Traceback ...\nOSError: [Errno 28] No space left on device: '/tmp/x/_build/html/a.html'\n"
    assert jupyter_book_failure(full, staging) == "jupyter-book build failed: the disk is full (No space left on device)"
    other = "Traceback (most recent call last):\nRuntimeError: something else\n"
    assert jupyter_book_failure(other, staging) == "jupyter-book build failed: RuntimeError: something else"
