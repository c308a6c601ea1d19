"""The evidence tables in the built site (sorabook.book.site): copied as shipped, beside the results page
for its download links and into the site as ``evidence/NAME.csv``; without a full build."""

from __future__ import annotations

import re

import pytest

from sorabook import params
from sorabook.book import site
from sorabook.model import evidence
from sorabook.results import export, registry

from conftest import ROOT


@pytest.fixture(scope="module")
def doc():
    p, scenario = params.resolve()
    return export.results_document(p, scenario, registry.compute(p), site=False)


def _same_as_shipped(folder):
    for name in evidence.SCHEMAS:
        shipped = (evidence.EVIDENCE_DIR / f"{name}.csv").read_bytes()
        assert (folder / f"{name}.csv").read_bytes() == shipped, name
    assert {p.stem for p in folder.glob("*.csv")} == set(evidence.SCHEMAS)


def test_copy_evidence_writes_every_table_as_shipped(tmp_path):
    written = site.copy_evidence(tmp_path / "evidence")
    assert [p.name for p in written] == [f"{n}.csv" for n in evidence.SCHEMAS]
    _same_as_shipped(tmp_path / "evidence")


def test_assemble_puts_the_tables_where_the_results_page_links(tmp_path, doc):
    """Every ``{download}`` target of the staged results page is a file beside it (Sphinx resolves it
    relative to the page, ``book/``), and the evidence files are the shipped ones."""
    site.assemble(ROOT, tmp_path, doc, scenarios={})
    page = tmp_path / "book" / "results.md"
    targets = re.findall(r"\{download\}`[^<`]*<([^>]+)>`", page.read_text())
    assert {f"evidence/{n}.csv" for n in evidence.SCHEMAS} <= set(targets)
    for target in targets:
        assert (page.parent / target).is_file(), target
    _same_as_shipped(tmp_path / "book" / "evidence")


def test_export_writes_the_tables_into_the_site(tmp_path, doc):
    """``export`` (after the anchors check, here on stand-in pages holding every anchor) writes
    ``evidence/NAME.csv`` beside results.json."""
    html = tmp_path / "html"
    for r in doc["results"].values():
        page, anchor = r["anchor"].split("#")
        (html / page).parent.mkdir(parents=True, exist_ok=True)
        with (html / page).open("a") as f:
            f.write(f'<span id="{anchor}"></span>\n')
    site.export(html, doc)
    assert (html / "results.json").is_file() and (html / "results.csv").is_file()
    _same_as_shipped(html / "evidence")
