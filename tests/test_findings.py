"""sorabook.book.findings: "What the book found", at the top of the front page and of the README.

Every number in the block comes from the results document given (never typed): these tests change the
document and check that the text follows, and check the README's block against the article scenario's.
"""

from __future__ import annotations

import copy
import re

import pytest

from sorabook.book import findings, site
from sorabook.book.plan import BuildError
from sorabook.results import ch09_evidence
from sorabook.results.registry import RESULTS
from sorabook.results.specs import format_value

from conftest import ROOT


@pytest.fixture(scope="module")
def doc():
    """The article scenario's results document, as ``sorabook results --format json`` gives it."""
    return findings.article_document()


def _shown(doc, key):
    return format_value(doc["results"][key]["value"], RESULTS[key].fmt)


def test_block_states_the_disagreeing_claims_with_their_differences(doc):
    """The first finding names every claim whose verdict is ``disagrees`` (chapter 5's fleet, by the
    reproduction check), with its recomputed value and signed difference, and counts the others."""
    first = findings.findings(doc)[0]
    off = [c for c in doc["claims"] if c["verdict"] == "disagrees"]
    assert off and first.startswith(f"**{len(off)} of the article's {len(doc['claims'])} printed numbers do not follow")
    for c in off:
        assert f"“{c['text']}” comes out at {format_value(c['recomputed'])} {c['unit']}" in first
        assert f"({c['relative_difference']:+.0%})".replace("%", " %") in first
    agree = sum(c["verdict"] == "agrees" for c in doc["claims"])
    assert f"The other {agree} agree within 2 %" in first
    assert "{doc}`every" not in first and "{doc}`the reproduction table </book/reproduction>`" in first


def test_block_states_the_corrected_cost_its_range_and_the_evidence(doc):
    """Findings 2 to 4 carry the results by key, each linked to its anchor: the corrected minutes per
    GPU-hour against this build's, chapter 8's 5th-95th percentiles, training and the fleet, the
    measured cost per second of video against the article's (3,600 / (60 x 5.03) = 12 H100-seconds),
    the spend-implied fleet and the training checks."""
    text = "\n".join(findings.findings(doc))
    for key in ("corrected-video-minutes-per-h100-hour", "corrected-vs-article-minutes-ratio",
                "video-minutes-per-h100-hour", "corrected-video-minutes-per-h100-hour-p05",
                "corrected-video-minutes-per-h100-hour-p95", "corrected-train-h100-months-low",
                "train-h100-months-p05", "train-h100-months-p95", "corrected-fleet-gpus-peak", "fleet-gpus-peak",
                "evidence-measured-h100-seconds-per-video-second", "evidence-spend-implied-gpus",
                "train-check-open-sora-2-ratio", "train-check-seaweed-7b-ratio"):
        assert f"{{ref}}`{_shown(doc, key)} <result-{key}>`" in text, key
    assert "give 12 (too low by 22x)" in text
    spend, fleet = (doc["results"][k]["value"] for k in ("evidence-spend-implied-gpus", "fleet-gpus-peak"))
    assert f"({ch09_evidence.verdict(fleet, spend)})" in text
    from sorabook.params import Params, defaults
    from sorabook.results import registry

    minutes = registry.lookup("video-minutes-per-h100-hour").evaluate(Params(defaults()))
    assert registry.lookup("gpu-seconds-per-video-second").evaluate(Params(defaults())) == pytest.approx(
        3600 / (60 * minutes), rel=1e-12)  # hand: 3,600 GPU-seconds make 60 x minutes seconds of video


def test_block_follows_the_document_not_typed_numbers(doc):
    """Change the numbers of the document: the block changes with them (nothing is typed)."""
    other = copy.deepcopy(doc)
    other["results"]["corrected-video-minutes-per-h100-hour"]["value"] = 0.123
    other["results"]["evidence-spend-implied-gpus"]["value"] = 4321.0
    for c in other["claims"]:
        c["verdict"] = "agrees"
    text = "\n".join(findings.findings(other))
    assert "0.123 <result-corrected-video-minutes-per-h100-hour>" in text
    assert "4,321 <result-evidence-spend-implied-gpus>" in text
    assert text.startswith(f"**All {len(doc['claims'])} of the article's printed numbers follow from its own inputs:**")


def test_block_of_a_modified_build_says_so(doc):
    """A build whose parameters differ from its scenario names its label where it compares with its own
    chain, and the block's last line names the label and the parameters' hash."""
    other = {**doc, "label": "article, modified: fps = 30", "parameters_sha256": "ab" * 32}
    block = findings.findings_block(other)
    assert "with this build's inputs (article, modified: fps = 30)" in block
    assert "scenario “article, modified: fps = 30”, parameters sha256 `abababababab`" in block
    assert "the article's inputs" not in block


def test_a_partial_build_leaves_out_what_it_did_not_compute(doc):
    """A build of some chapters holds only their results: the findings that need others are left out."""
    partial = {**doc, "results": {k: r for k, r in doc["results"].items() if r["chapter"] < "07"}}
    assert len(findings.findings(partial)) == 1


def test_block_is_an_admonition_at_the_top_of_the_front_page(doc, tmp_path):
    """The build replaces the marker line of book/intro.md, right under its title, with the block."""
    lines = (ROOT / "book" / "intro.md").read_text().splitlines()
    title = next(i for i, ln in enumerate(lines) if ln.startswith("# "))
    assert lines[title + 1:title + 3] == ["", findings.MARKER]
    page = tmp_path / "intro.md"
    page.write_text("\n".join(lines) + "\n")
    site.fill_marker(page, findings.MARKER, findings.findings_block(doc))
    text = page.read_text()
    assert findings.MARKER not in text
    assert text.split("\n", 3)[3].startswith(":::{admonition} What the book found\n:class: sorabook-findings\n")
    with pytest.raises(BuildError, match="expected the line"):
        site.fill_marker(page, findings.MARKER, "x")


def test_readme_block_is_what_the_article_scenario_gives(doc):
    """The README's section is generated (``python -m sorabook.book.findings README.md``), not typed:
    it must equal what this module gives for the article scenario. If this fails, run that command."""
    text = (ROOT / "README.md").read_text()
    start, end = text.index(findings.README_BEGIN), text.index(findings.README_END) + len(findings.README_END)
    assert text[start:end] == findings.readme_block(doc), "run: python -m sorabook.book.findings README.md"
    assert text.index(findings.README_BEGIN) < text.index("## Two commands")  # the findings come first
    assert "{ref}" not in text[start:end] and "{doc}" not in text[start:end]  # no site roles on a forge


def test_main_rewrites_only_the_readme_block(tmp_path, doc):
    """``main``: the text around the block is kept; a README without the markers is refused."""
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\nbefore\n\n{findings.README_BEGIN}\nold\n{findings.README_END}\n\nafter\n")
    assert findings.main([str(readme)], document=lambda: doc) == 0
    assert readme.read_text() == f"# x\n\nbefore\n\n{findings.readme_block(doc)}\n\nafter\n"
    readme.write_text("no markers\n")
    with pytest.raises(ValueError):
        findings.main([str(readme)], document=lambda: doc)
    assert re.search(r"^- \*\*", findings.readme_block(doc), flags=re.M)
