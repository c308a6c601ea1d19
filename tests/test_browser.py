"""The site as readers see it: every page of a fresh build in Debian's Chromium.

The checks live in ``browser_checks.py`` so the same code passes the real site and
fails the sabotaged copies at the end of this file. Without Chromium these tests skip
with the reason (``-ra`` prints it); in CI (``CI=true``) they fail instead.
Screenshots and the printed chapters are left in ``artifacts/`` for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest

import browser_checks as bc
from conftest import ROOT
from sorabook.results.registry import CHAPTERS

pytestmark = pytest.mark.browser

#: A word the site's search must find, and the chapter it must lead to. The issue asks for a
#: term from chapter 4; until chapter 4 is in the book, chapter 1's "latent".
#: ``SORABOOK_SEARCH`` overrides it as ``term:chapter-stem``.
# The issue asks for a term of chapter 4: "Instagram" appears in its break-even prose only.
SEARCH_TERM, SEARCH_CHAPTER = os.environ.get("SORABOOK_SEARCH", "Instagram:04-inference-break-even").split(":", 1)

ARTIFACTS = ROOT / "artifacts"
IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _chapter_page(stem: str) -> str:
    return f"notebooks/{stem}.html"


# --- fixtures: one browser, one server, one visit per page for the whole session -------


@pytest.fixture(scope="session")
def site(default_build) -> Path:
    return default_build.out


@pytest.fixture(scope="session")
def base_url(browser, site):
    with bc.serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def reports(browser, site, base_url) -> dict[str, bc.PageReport]:
    """Every page visited once (desktop width) with every check, axe-core included."""
    t0 = time.perf_counter()
    out = {path: bc.check_page(browser, base_url, path) for path in bc.site_pages(site)}
    print(f"\nbrowser: {len(out)} pages checked in {time.perf_counter() - t0:.1f} s")
    return out


def _failing(reports, kind: str) -> dict[str, list[str]]:
    return {path: getattr(r, kind) for path, r in reports.items() if getattr(r, kind)}


# --- every page -------------------------------------------------------------------------


def test_every_page_of_the_site_is_visited(reports):
    """The sweep covers the home page, search, and every chapter of report.CHAPTERS."""
    assert {"index.html", "search.html"} <= set(reports)
    assert {_chapter_page(c) for c in CHAPTERS} <= set(reports)


@pytest.mark.parametrize("kind", ["console", "page_errors", "external", "http_errors"])
def test_pages_load_cleanly_from_the_local_server_only(reports, kind):
    """No console error or warning, no uncaught error, no request to another host, no 4xx/5xx."""
    assert _failing(reports, kind) == {}


def test_every_image_decodes(reports):
    assert _failing(reports, "broken_images") == {}
    assert all(reports[_chapter_page(c)].image_count > 0 for c in CHAPTERS), "every chapter has a figure"


def test_math_is_typeset(reports):
    assert _failing(reports, "math") == {}
    assert sum(r.math_count for r in reports.values()) > 0, "the book has formulas to check"


def test_every_glued_number_is_in_the_prose(reports):
    assert _failing(reports, "glue") == {}
    assert all(reports[_chapter_page(c)].glue_count > 0 for c in CHAPTERS), "chapters glue their numbers"


def test_no_serious_or_critical_accessibility_violation(reports):
    """axe-core (the pinned axe-playwright-python wheel's axe.min.js) on every page."""
    assert _failing(reports, "axe") == {}


def test_sidebar_reaches_every_chapter(reports, browser, base_url):
    """Every page's sidebar links every chapter; clicking the link on the home page opens it."""
    wanted = {urljoin(base_url, _chapter_page(c)) for c in CHAPTERS}
    assert {path: sorted(wanted - set(r.sidebar)) for path, r in reports.items() if wanted - set(r.sidebar)} == {}
    context = browser.new_context(viewport=bc.DESKTOP)
    try:
        page = context.new_page()
        for stem in CHAPTERS:
            page.goto(urljoin(base_url, "book/intro.html"))
            page.locator(f'nav.bd-docs-nav a[href$="{_chapter_page(stem)}"]').first.click()
            page.wait_for_load_state("load")
            assert page.url.split("#")[0] == urljoin(base_url, _chapter_page(stem))
            assert page.locator("article h1").first.is_visible()
    finally:
        context.close()


def test_search_finds_a_term_of_a_chapter(browser, base_url):
    found = bc.search(browser, base_url, SEARCH_TERM)
    assert urljoin(base_url, _chapter_page(SEARCH_CHAPTER)) in found, (SEARCH_TERM, found)


# --- the reader's first screen and the page at a phone's and a desktop's width ----------------

VIEWPORTS = [pytest.param(bc.PHONE, id="390px"), pytest.param(bc.DESKTOP, id="1280px")]


def test_sidebar_toggle_opens_the_chapter_list_on_a_phone(browser, base_url):
    """At 390 px the chapter list is hidden until the reader taps the visible menu button; after
    the tap every chapter link is on screen and not covered (before the fix both themes' scripts
    bound the first ``.primary-toggle``, a hidden one, and the tap did nothing)."""
    wanted = [urljoin(base_url, _chapter_page(c)) for c in CHAPTERS]
    seen = bc.sidebar_toggle(browser, base_url, _chapter_page(CHAPTERS[2]), wanted, bc.PHONE)
    assert seen["toggles"] == 1, seen
    assert seen["before"] == [], "the chapter list is hidden on a phone until asked for"
    assert seen["after"] == wanted, seen


def test_sidebar_toggle_collapses_the_sidebar_on_a_desktop(browser, base_url):
    """At 1280 px the chapter list is shown; the same button hides it."""
    wanted = [urljoin(base_url, _chapter_page(c)) for c in CHAPTERS]
    seen = bc.sidebar_toggle(browser, base_url, _chapter_page(CHAPTERS[2]), wanted, bc.DESKTOP)
    assert seen["toggles"] == 1 and seen["before"] == wanted and seen["after"] == [], seen


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_nothing_scrolls_sideways_or_is_clipped(browser, site, base_url, viewport):
    """Every page at 390 and 1280 px: the document is no wider than the viewport, and no element
    hides what overflows it (overflow hidden or clip) unless it scrolls; a wide table, formula or
    code block scrolls or wraps inside its own box."""
    found = {path: bc.overflow(browser, base_url, path, viewport) for path in bc.site_pages(site)}
    assert {path: lines for path, lines in found.items() if lines} == {}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_no_empty_header_bar_and_one_search_box(browser, base_url, viewport):
    """No bar across the top of the page that holds only a second search box; one search field shows."""
    for path in ("book/intro.html", _chapter_page(CHAPTERS[0])):
        seen = bc.header(browser, base_url, path, viewport)
        assert seen == {"searches": 1, "empty_bars": []}, (path, seen)


def test_browser_titles_do_not_repeat_the_book_title(reports):
    """The home page is titled "sorabook: ..." once, not "X — X"; other pages "Page — Book"."""
    repeated = {}
    for path, r in reports.items():
        parts = [part.strip() for part in r.title.split("\u2014")]
        if len(parts) != len(set(parts)):
            repeated[path] = r.title
    assert repeated == {}
    assert "\u2014" not in reports["book/intro.html"].title


def test_provenance_box_is_one_line_until_opened(browser, base_url):
    """On a phone the provenance box is a summary of at most two lines (it filled the first
    screen); opened, it shows the full parameters hash and the build."""
    for stem in CHAPTERS:
        seen = bc.provenance(browser, base_url, _chapter_page(stem), bc.PHONE)
        assert seen["height"] <= 70, (stem, seen["height"])
        assert "Provenance of this page" in seen["text"]
    assert seen["open_height"] > 3 * seen["height"]
    assert re.search(r"[0-9a-f]{64}", seen["open_text"].replace("\n", "")), seen["open_text"]
    assert "Built with" in seen["open_text"]


@pytest.fixture(scope="session")
def citations(browser, base_url):
    """The bibliography's labels and text, and the in-text citations of every chapter."""
    context = browser.new_context(viewport=bc.DESKTOP)
    try:
        page = context.new_page()
        bc.open_page(page, urljoin(base_url, "book/bibliography.html"))
        labels = page.evaluate("() => Array.from(document.querySelectorAll('div.citation .label'), l => l.textContent.trim())")
        text = page.evaluate("() => document.querySelector('article').innerText")
        cited = set()
        for stem in CHAPTERS:
            bc.open_page(page, urljoin(base_url, _chapter_page(stem)))
            cited |= set(page.evaluate("() => Array.from(document.querySelectorAll('.bibtex-citation a'),"
                                       " a => a.textContent.replace(/\\s+/g, ' ').trim())"))
        cited = {c for c in cited if re.search(r", (\d{4}|n\.d\.)$", c)}  # {cite:t} links its year alone
        return {"labels": labels, "text": text, "cited": cited}
    finally:
        context.close()


def test_bibliography_lists_sources_as_the_text_cites_them(citations):
    """One citation style: the list is labelled author-year ("[Peebles and Xie, 2023]", with a, b
    for two works of one author and year) and every author-year citation of the text is one of
    those labels."""
    labels = citations["labels"]
    assert labels and all(re.fullmatch(r"\[.+, (\d{4}|n\.d\.)[a-z]?\]", lab) for lab in labels), labels
    plain = {re.sub(r"(\d{4})[a-z]\]$", r"\1]", lab)[1:-1] for lab in labels}
    assert citations["cited"] and citations["cited"] <= plain, sorted(citations["cited"] - plain)


def test_bibliography_shows_no_latex_escapes_or_missing_sources(citations):
    """No TeX escape left in the text ("\\$200k") and no source the repository does not hold."""
    assert "\\$" not in citations["text"] and "$200k" in citations["text"]
    assert "facts.md" not in citations["text"]


@pytest.mark.parametrize("stem", CHAPTERS)
def test_figure_text_is_readable_on_a_phone(browser, base_url, stem):
    """Every text of every figure (labels, ticks, legends, annotations) is at least 9 CSS px as a
    390 px phone shows the figure: the SVG's glyph scale (points) times the rendered width."""
    figures = bc.figure_text(browser, base_url, _chapter_page(stem), bc.PHONE)
    assert figures and all(f["texts"] for f in figures), figures
    small = {f["src"]: sorted({(t["text"], t["px"]) for t in f["texts"] if t["px"] < 9})[:6] for f in figures}
    assert {k: v for k, v in small.items() if v} == {}


@pytest.mark.parametrize("stem", CHAPTERS)
def test_figures_carry_no_offset_text(browser, base_url, stem):
    """No axis shows Matplotlib's offset text ("1e25") in place of its unit."""
    figures = bc.figure_text(browser, base_url, _chapter_page(stem), bc.DESKTOP)
    offsets = [(f["src"], t["text"]) for f in figures for t in f["texts"] if bc.OFFSET_TEXT.match(t["text"])]
    assert offsets == []


# --- print and screenshots -----------------------------------------------------------------


def _squash(text: str) -> str:
    """Text without whitespace and with plain quotes (PDF extraction breaks lines anywhere)."""
    return re.sub(r"\s+", "", text.replace("\u2019", "'").replace("\u2018", "'")).lower()


@pytest.mark.parametrize("stem", CHAPTERS)
def test_chapter_prints_to_pdf_with_its_figures(browser, base_url, stem):
    """A reader's "Save as PDF": the title, more than one page, every figure shown in print."""
    pdf = ARTIFACTS / "pdf" / f"{stem}.pdf"
    shown = bc.print_pdf(browser, base_url, _chapter_page(stem), pdf)
    pages, text = bc.pdf_text(pdf)
    assert pages > 1
    assert shown["title"] and _squash(shown["title"]) in _squash(text)
    assert shown["images"] and all(i["visible"] and i["decoded"] for i in shown["images"]), shown["images"]
    for caption in shown["captions"]:  # "Fig. 1 Transformer tokens of ..." printed beside its figure
        assert _squash(" ".join(caption.split()[:6])) in _squash(text), caption


@pytest.mark.parametrize("stem", CHAPTERS)
def test_printed_chapter_keeps_headings_with_their_text(browser, base_url, stem):
    """Printed (A4): no page ends with a heading, every table fits the printed column, and the
    collapsed parameters cell is not printed as a "Show the parameters" toggle."""
    pdf = ARTIFACTS / "pdf" / "layout" / f"{stem}.pdf"
    layout = bc.print_layout(browser, base_url, _chapter_page(stem), pdf)
    pages = bc.pdf_pages(pdf)
    headings = {_squash(h) for h in layout["headings"]}
    ends = [(n + 1, lines[-1]) for n, lines in enumerate(pages) if lines and _squash(lines[-1]) in headings]
    assert ends == [], f"pages ending with a heading: {ends}"
    assert layout["wide"] == []
    assert "showtheparameters" not in _squash(" ".join(" ".join(p) for p in pages))


def _png_size(path: Path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


@pytest.mark.parametrize("name, viewport", [("desktop", bc.DESKTOP), ("phone", bc.PHONE)])
@pytest.mark.parametrize("label, path", [("intro", "book/intro.html"), ("chapter", _chapter_page(CHAPTERS[0]))])
def test_screenshots_for_people(browser, base_url, label, path, name, viewport):
    """Full-page screenshots in artifacts/screenshots/ (git-ignored) at 1280 and 390 px."""
    out = ARTIFACTS / "screenshots" / f"{label}-{name}.png"
    bc.screenshot(browser, base_url, path, out, viewport)
    width, height = _png_size(out)
    assert width == viewport["width"] and height >= viewport["height"]


# --- the checks can fail ---------------------------------------------------------------------


def _add_external_script(site: Path) -> str:
    page = site / "book" / "intro.html"
    page.write_text(page.read_text().replace("</head>", '<script src="https://example.com/x.js"></script></head>', 1))
    return "book/intro.html"


def _delete_an_image(site: Path) -> str:
    page = _chapter_page(CHAPTERS[0])
    src = re.search(r'<img[^>]+src="([^"]+)"', (site / page).read_text()).group(1)
    (site / page).parent.joinpath(src).resolve().unlink()
    return page


def _unresolve_glue(site: Path) -> str:
    page = _chapter_page(CHAPTERS[0])
    html = (site / page).read_text()
    html = re.sub(r'(<span class="pasted-text">)[^<]*(</span>)', r"\1\2", html, count=1)
    (site / page).write_text(html.replace("<p>", "<p>{glue:text}`tokens-per-video:,.0f` ", 1))
    return page


def _drop_alt_text(site: Path) -> str:
    page = _chapter_page(CHAPTERS[0])
    (site / page).write_text(re.sub(r'<img alt="[^"]*"', "<img", (site / page).read_text(), count=1))
    return page


@pytest.mark.parametrize("sabotage, kind, expected", [
    (_add_external_script, "external", "https://example.com/x.js"),
    (_delete_an_image, "broken_images", "_images/"),
    (_unresolve_glue, "glue", "unresolved: {glue:text}"),
    (_drop_alt_text, "axe", "critical image-alt"),
], ids=["external-script", "missing-image", "unresolved-glue", "missing-alt"])
def test_checks_report_a_sabotaged_copy(browser, site, tmp_path, sabotage, kind, expected):
    """A copy of the built site with one defect: the same checks name it."""
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    path = sabotage(copy)
    with bc.serve(copy) as url:
        report = bc.check_page(browser, url, path, axe=kind == "axe")
    assert any(expected in line for line in getattr(report, kind)), report.problems()
    if kind == "broken_images":  # the reader's browser also asked for it and got a 404
        assert any(line.startswith("404 ") for line in report.http_errors), report.http_errors
    if kind == "glue":
        assert any(line.startswith("empty glued value") for line in report.glue), report.glue


# --- the layout checks can fail: each sabotage brings back one defect the issue found ---------


def _static(copy: Path, name: str) -> Path:
    return copy / "_static" / name


def _drop_site_css(copy: Path) -> None:
    """The site without its own stylesheet: the theme's rules alone (the old site's layout)."""
    _static(copy, "sorabook.css").write_text("/* removed */\n")


def _hidden_toggle_first(copy: Path) -> None:
    """A hidden ``.primary-toggle`` before the visible one: what the theme's own header had."""
    for page in copy.rglob("*.html"):
        html = page.read_text()
        page.write_text(re.sub(r"(<body[^>]*>)", r'\1<button class="primary-toggle" style="display:none">m</button>',
                               html, count=1))


def _search_bar(copy: Path) -> None:
    """A header bar across the top holding a second search field."""
    for page in copy.rglob("*.html"):
        page.write_text(page.read_text().replace(
            '<div class="bd-container">',
            '<header class="bd-header" style="display:block;height:64px"><button class="btn search-button-field search-button__button">'
            "Search</button></header><div class=\"bd-container\">", 1))


def _repeat_title(copy: Path) -> None:
    page = copy / "book" / "intro.html"
    page.write_text(re.sub(r"<title>([^<]*)</title>", r"<title>\1 &#8212; \1</title>", page.read_text(), count=1))


def _open_provenance(copy: Path) -> None:
    for page in (copy / "notebooks").glob("*.html"):
        page.write_text(page.read_text().replace('<details class="sorabook-provenance">',
                                                 '<details class="sorabook-provenance" open>'))


def _alpha_label_and_tex(copy: Path) -> None:
    page = copy / "book" / "bibliography.html"
    html = page.read_text().replace("$200k", "\\$200k")
    page.write_text(re.sub(r'(<span class="label"><span class="fn-bracket">\[</span>)[^<]*', r"\1PX23", html, count=1))


def _small_figure_text(copy: Path) -> None:
    """One figure's text at half size and one text of it turned into an offset text "1e25"."""
    svg = sorted((copy / "_images").glob("*.svg"))
    for f in svg:
        text = f.read_text()
        text = re.sub(r"scale\(([0-9.]+) -([0-9.]+)\)", lambda m: f"scale({float(m[1]) / 2:g} -{float(m[2]) / 2:g})", text)
        f.write_text(re.sub(r'(<g id="text_\d+">\s*<!--)[^>]*(-->)', r"\1 1e25 \2", text, count=1))


@pytest.mark.parametrize("sabotage, check", [
    (_drop_site_css, lambda b, url: bc.overflow(b, url, "book/results.html", bc.PHONE)),
    (_drop_site_css, lambda b, url: bc.overflow(b, url, _chapter_page(CHAPTERS[1]), bc.DESKTOP)),
    (_hidden_toggle_first, lambda b, url: (lambda s: s["after"] == [] and ["toggle did nothing"])(
        bc.sidebar_toggle(b, url, _chapter_page(CHAPTERS[0]), [urljoin(url, _chapter_page(CHAPTERS[0]))], bc.PHONE))),
    (_search_bar, lambda b, url: bc.header(b, url, "book/intro.html", bc.DESKTOP)["empty_bars"]),
    (_repeat_title, lambda b, url: (lambda t: len(set(p.strip() for p in t.split("\u2014"))) == 1 and [t])(
        bc.check_page(b, url, "book/intro.html", axe=False).title)),
    (_open_provenance, lambda b, url: (lambda s: s["height"] > 70 and [s["height"]])(
        bc.provenance(b, url, _chapter_page(CHAPTERS[0]), bc.PHONE))),
    (_small_figure_text, lambda b, url: [t for f in bc.figure_text(b, url, _chapter_page(CHAPTERS[0]), bc.PHONE)
                                         for t in f["texts"] if t["px"] < 9]),
    (_small_figure_text, lambda b, url: [t for f in bc.figure_text(b, url, _chapter_page(CHAPTERS[0]), bc.DESKTOP)
                                         for t in f["texts"] if bc.OFFSET_TEXT.match(t["text"])]),
], ids=["page-wider-than-phone", "clipped-math", "hidden-toggle-first", "search-bar", "repeated-title",
        "open-provenance", "small-figure-text", "offset-text"])
def test_layout_checks_report_a_sabotaged_copy(browser, site, tmp_path, sabotage, check):
    """A copy of the built site with one of the issue's defects back: the check reports it."""
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    sabotage(copy)
    with bc.serve(copy) as url:
        assert check(browser, url)


def test_bibliography_check_reports_labels_and_escapes(browser, site, tmp_path):
    """Sabotaged bibliography: an alphabetic label "[PX23]" and a TeX escape "\\$200k"."""
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    _alpha_label_and_tex(copy)
    with bc.serve(copy) as url:
        context = browser.new_context(viewport=bc.DESKTOP)
        page = context.new_page()
        bc.open_page(page, urljoin(url, "book/bibliography.html"))
        labels = page.evaluate("() => Array.from(document.querySelectorAll('div.citation .label'), l => l.textContent.trim())")
        text = page.evaluate("() => document.querySelector('article').innerText")
        context.close()
    assert "[PX23]" in labels and not all(re.fullmatch(r"\[.+, (\d{4}|n\.d\.)[a-z]?\]", lab) for lab in labels)
    assert "\\$200k" in text


def test_print_check_reports_the_old_print_layout(browser, site, tmp_path):
    """Without the site's print rules, chapter 7 prints a heading alone at the foot of a page and
    the "Show the parameters" toggle."""
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    _drop_site_css(copy)
    stem = "07-corrections" if "07-corrections" in CHAPTERS else CHAPTERS[-1]
    with bc.serve(copy) as url:
        layout = bc.print_layout(browser, url, _chapter_page(stem), tmp_path / "old.pdf")
    pages = bc.pdf_pages(tmp_path / "old.pdf")
    headings = {_squash(h) for h in layout["headings"]}
    assert [lines[-1] for lines in pages if lines and _squash(lines[-1]) in headings]
    assert "showtheparameters" in _squash(" ".join(" ".join(p) for p in pages))
