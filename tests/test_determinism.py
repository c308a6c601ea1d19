"""Byte-identical builds (issue 19, item 4).

Two clean builds of the same inputs, each with its own cache, publish the same bytes in every
file but ``build.json`` (its timings) when ``SOURCE_DATE_EPOCH`` fixes the time stamp; without
it they differ only in the provenance box's time stamp. What differed before: every executed
notebook in ``_sources/`` (jupytext's random cell ids, papermill's staging path), every
chapter page (the stamp) and ``searchindex.js`` (the stamp's words indexed for search).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import json
import types
from pathlib import Path

import pytest

from sorabook import params
from sorabook.book import execute, generated, publish, site
from sorabook.params import ParamError

from conftest import ROOT, run_cli, tree_snapshot

EPOCH = "1700000000"  # 2023-11-14 22:13:20 UTC
CHAPTER = ROOT / "notebooks" / "01-latent-compression.md"


def _differing(a: Path, b: Path, ignore: tuple[str, ...] = ("build.json",)) -> list[str]:
    """The files (relative names) that differ between the trees ``a`` and ``b`` or are in one only."""
    ta, tb = tree_snapshot(a), tree_snapshot(b)
    names = sorted((set(ta) | set(tb)) - set(ignore))
    return [n for n in names if ta.get(n) != tb.get(n)]


def _build(base: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean build of the default scenario into ``base/site-NAME`` with its own cache
    ``base/cache-NAME`` (argument and ``$SORABOOK_CACHE``); returns the site folder."""
    cache = base / f"cache-{name}"
    monkeypatch.setenv("SORABOOK_CACHE", str(cache))
    p, scenario = params.resolve()
    return publish.build(p, scenario, base / f"site-{name}", jobs=2, cache_dir=cache, root=ROOT).out


def _clock(at: _dt.datetime) -> types.SimpleNamespace:
    """Stands for the ``datetime`` module in :mod:`sorabook.book.site`: ``datetime.now()`` gives ``at``."""

    class Frozen(_dt.datetime):
        """``datetime`` whose ``now`` is ``at``."""

        @classmethod
        def now(cls, tz=None):
            """The stopped time."""
            return at

    return types.SimpleNamespace(datetime=Frozen, timezone=_dt.timezone)


# --- the parts, without a build ------------------------------------------------------------------


def test_executed_notebook_ids_and_paths_do_not_depend_on_the_read(tmp_path):
    """attack: jupytext gives every cell a random id each time it reads a chapter, and papermill
    records the (random) staging folder as the output path: two tidied executions of the same
    chapter differed in every cell id. Now ids are ``cell-N`` and both paths are relative."""
    import jupytext

    texts = []
    for n in range(2):
        nb = jupytext.read(CHAPTER)
        nb.metadata["papermill"] = {"output_path": f"/tmp/.site.staging-{n}abc/notebooks/x.ipynb",
                                    "start_time": f"2024-01-0{n + 1}", "duration": n}
        path = tmp_path / f"run{n}.ipynb"
        execute.write_notebook(nb, path)
        execute.finish_notebook(path, "notebooks/01-latent-compression.md")
        texts.append(path.read_bytes())
    assert texts[0] == texts[1]
    nb = json.loads(texts[0])
    assert [c["id"] for c in nb["cells"]] == [f"cell-{n}" for n in range(len(nb["cells"]))]
    assert nb["metadata"]["papermill"]["output_path"] == "notebooks/01-latent-compression.ipynb"
    assert nb["metadata"]["papermill"]["input_path"] == "notebooks/01-latent-compression.md"


def test_time_stamp_follows_source_date_epoch(monkeypatch):
    """attack: the stamp was the time of the build even with ``SOURCE_DATE_EPOCH`` set."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert site.build_time() == "2023-11-14 22:13 UTC"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert site.build_time() == "1970-01-01 00:00 UTC"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "")  # empty: unset
    monkeypatch.setattr(site, "_dt", _clock(_dt.datetime(2031, 1, 2, 3, 4, tzinfo=_dt.timezone.utc)))
    assert site.build_time() == "2031-01-02 03:04 UTC"


@pytest.mark.parametrize("value", ["abc", "-1", "1e9", "1700000000.5", "\u0661\u0662", "9" * 13,
                                   "253402300800", "1\n2", "7" * 100_000])
def test_a_malformed_source_date_epoch_is_one_line(monkeypatch, value):
    """Contract: a value that is not whole seconds within what a date can show is refused in one
    short line naming the variable (a 100 KB value is not echoed whole)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    with pytest.raises(ParamError) as err:
        site.build_time()
    text = str(err.value)
    assert text.startswith("SOURCE_DATE_EPOCH=") and "\n" not in text and len(text) < 200
    assert "expected a whole number of seconds" in text


def test_a_malformed_source_date_epoch_stops_the_build(tmp_path):
    """Contract: ``sorabook build`` with a malformed ``SOURCE_DATE_EPOCH`` exits 2 with one line and
    writes no site."""
    proc = run_cli("build", "--out", str(tmp_path / "site"),
                   env={"SOURCE_DATE_EPOCH": "yesterday", "SORABOOK_CACHE": str(tmp_path / "cache")})
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "sorabook: SOURCE_DATE_EPOCH='yesterday': expected a whole number of seconds since 1970-01-01 UTC, "
        "from 0 to 253402300799 (or leave it unset)"]
    assert not (tmp_path / "site").exists()


def test_the_stamp_is_no_search_word():
    """attack: Sphinx indexed the stamp's words ("2026", "14", "49", "utc"), so ``searchindex.js``
    changed with the minute of the build. Its word collector, on the box's stamp, now finds none;
    :func:`site.fill_stamps` writes the text into the built page."""
    from docutils import nodes
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document
    from sphinx.search import WordCollector
    from sphinx.search.en import SearchEnglish

    element = generated.stamp("2031-01-02 03:04 UTC")
    doc = new_document("page", get_default_settings(Parser))
    para = nodes.paragraph()
    para += nodes.Text("Built on ")
    para += nodes.raw("", element, format="html")
    doc += para
    collector = WordCollector(doc, SearchEnglish({}))
    doc.walk(collector)  # as Sphinx feeds its index
    assert collector.found_words == ["Built", "on"]
    assert generated.stamp("not a stamp <b>") == "not a stamp \\<b\\>"  # anything else: escaped text


def test_fill_stamps_writes_the_time_into_the_pages(tmp_path):
    """Contract of ``fill_stamps``: each empty stamp element gets its text; filling twice changes
    nothing more; other pages are left as they are."""
    page = tmp_path / "notebooks" / "x.html"
    page.parent.mkdir()
    box = generated.provenance_box({"scenario": "article", "description": "d", "differences": {},
                                    "parameters_sha256": "0" * 64, "version": "1", "git_commit": None,
                                    "built": "2031-01-02 03:04 UTC"})
    page.write_text(f"<p>on {generated.stamp('2031-01-02 03:04 UTC')}</p>\n")
    other = tmp_path / "index.html"
    other.write_text("<p>no stamp</p>\n")
    site.fill_stamps(tmp_path)
    filled = '<p>on <time class="sorabook-built" datetime="2031-01-02T03:04Z">2031-01-02 03:04 UTC</time></p>\n'
    assert page.read_text() == filled
    site.fill_stamps(tmp_path)
    assert page.read_text() == filled and other.read_text() == "<p>no stamp</p>\n"
    assert generated.stamp("2031-01-02 03:04 UTC") in box


# --- two clean builds ----------------------------------------------------------------------------


@pytest.mark.build
def test_two_clean_builds_with_source_date_epoch_are_byte_identical(tmp_path, monkeypatch):
    """attack: two clean builds with separate caches and ``SOURCE_DATE_EPOCH`` set differed in every
    executed notebook of ``_sources/`` (random cell ids, the staging path), every chapter page and
    ``searchindex.js`` (the stamp). Now every file but ``build.json`` is the same, byte for byte."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    a = _build(tmp_path, "a", monkeypatch)
    b = _build(tmp_path, "b", monkeypatch)
    differing = _differing(a, b)
    assert not differing, f"{len(differing)} files differ: {', '.join(differing)}"
    page = (a / "notebooks" / "01-latent-compression.html").read_text()
    assert '<time class="sorabook-built" datetime="2023-11-14T22:13Z">2023-11-14 22:13 UTC</time>' in page
    assert str(tmp_path) not in (a / "_sources" / "notebooks" / "01-latent-compression.ipynb").read_text()


@pytest.mark.build
def test_two_clean_builds_differ_only_in_the_time_stamp(tmp_path, monkeypatch):
    """attack: without ``SOURCE_DATE_EPOCH``, two builds at different times differed beyond the stamp:
    ``searchindex.js`` indexed its words, the notebooks had random ids. Now, with the clock at two
    different years, days, hours and minutes, only the lines holding the stamp differ."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    times = [_dt.datetime(2031, 1, 2, 3, 4, tzinfo=_dt.timezone.utc),
             _dt.datetime(2032, 5, 6, 7, 8, tzinfo=_dt.timezone.utc)]
    sites = []
    for name, at in zip("ab", times):
        monkeypatch.setattr(site, "_dt", _clock(at))
        sites.append(_build(tmp_path, name, monkeypatch))
    a, b = sites
    differing = _differing(a, b)
    assert "searchindex.js" not in differing
    assert differing, "the two stamps should show in the pages"
    for name in differing:
        lines_a = (a / name).read_text().splitlines()
        lines_b = (b / name).read_text().splitlines()
        changed = [ln for ln in difflib.unified_diff(lines_a, lines_b, n=0, lineterm="")
                   if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
        assert changed and all("sorabook-built" in ln for ln in changed), (name, changed[:4])
    for stem in ("01-latent-compression", "08-uncertainty"):
        assert "2031-01-02 03:04 UTC</time>" in (a / "notebooks" / f"{stem}.html").read_text()
        assert "2032-05-06 07:08 UTC</time>" in (b / "notebooks" / f"{stem}.html").read_text()
