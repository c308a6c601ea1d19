"""How to cite (book/cite.md, CITATION.cff): the BibTeX entry and CITATION.cff say the same, and the
example citation line on the page is one the build wrote."""

from __future__ import annotations

import re

import yaml

import sorabook
from sorabook.book import findings, generated, site

from conftest import ROOT

CITE = ROOT / "book" / "cite.md"


def _bibtex() -> dict[str, str]:
    """The fields of the ``@software`` entry in book/cite.md."""
    block = CITE.read_text().split("```bibtex\n", 1)[1].split("\n```", 1)[0]
    assert block.startswith("@software{sorabook,\n") and block.endswith("\n}")
    return {m[1]: m[2] for m in re.finditer(r"^\s+(\w+)\s*=\s*\{(.*)\},?$", block, flags=re.M)}


def test_bibtex_entry_equals_citation_cff():
    """Title, author, version and year of the BibTeX entry are CITATION.cff's, and both carry the
    package's version; a ``url`` (or ``repository-code``) in CITATION.cff is the entry's ``url``, and the
    entry has no ``url`` CITATION.cff does not state."""
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    bib = _bibtex()
    assert bib["title"] == cff["title"]
    assert bib["author"] == "{" + cff["authors"][0]["name"] + "}"
    assert bib["version"] == str(cff["version"]) == sorabook.__version__
    assert bib["year"] == str(cff["date-released"])[:4]
    stated = cff.get("url") or cff.get("repository-code")
    assert bib.get("url") == stated


def test_example_citation_line_is_written_by_the_build(tmp_path):
    """cite.md holds no typed citation line: the build puts this build's first one in place of the
    marker, in a code block of its own."""
    text = CITE.read_text()
    assert text.count(site.CITE_EXAMPLE_MARKER) == 1 and "```text" not in text
    doc = findings.article_document()
    page = tmp_path / "cite.md"
    page.write_text(text)
    site.fill_marker(page, site.CITE_EXAMPLE_MARKER, generated.citation_block(doc, "pixel-positions"))
    filled = page.read_text()
    assert f"```text\n{generated.citation_line(doc, 'pixel-positions')}\n```\n" in filled
    assert site.CITE_EXAMPLE_MARKER not in filled
