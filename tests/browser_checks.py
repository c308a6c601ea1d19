"""What a reader's browser sees: the checks behind ``tests/test_browser.py``.

Plain functions over a Playwright browser and a folder holding a built site, so the
same code checks the real site and the sabotaged copies that prove each check can fail.
Playwright drives Debian's Chromium (``/usr/bin/chromium``); nothing is downloaded.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import urljoin, urlsplit

#: Debian's Chromium; ``SORABOOK_CHROMIUM`` points elsewhere.
CHROMIUM = Path(os.environ.get("SORABOOK_CHROMIUM", "/usr/bin/chromium"))

#: Headless Chromium as root in a container, quiet: no sandbox, no /dev/shm, no GPU, and
#: none of the browser's own traffic (updates, sync, first-run pages).
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

#: axe-core impacts that fail a page.
AXE_FAILING = ("serious", "critical")

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


# --- the site ------------------------------------------------------------------------


def site_pages(site: Path) -> list[str]:
    """Every HTML page of a built site, relative to it, sorted; Sphinx's template
    fragments under ``_static`` (``webpack-macros.html``) are not pages."""
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if not p.relative_to(site).parts[0].startswith("_")
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no request log on stderr
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 on a free port in a thread; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def launch(playwright):
    """Debian's Chromium, headless, with :data:`LAUNCH_ARGS`."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)


def axe_script() -> Path:
    """axe.min.js as shipped by the pinned ``axe-playwright-python`` wheel."""
    from axe_playwright_python.base import AXE_FILE_PATH

    return Path(AXE_FILE_PATH)


# --- one page ------------------------------------------------------------------------


@dataclass
class PageReport:
    """Everything a visit to one page saw. Every list empty means a clean page."""

    path: str
    title: str = ""
    console: list[str] = field(default_factory=list)          # console errors and warnings
    page_errors: list[str] = field(default_factory=list)      # uncaught exceptions
    external: list[str] = field(default_factory=list)         # requests to another host (aborted)
    http_errors: list[str] = field(default_factory=list)      # responses >= 400, failed requests
    broken_images: list[str] = field(default_factory=list)    # images that did not decode
    math: list[str] = field(default_factory=list)             # math left as TeX or a MathJax error
    glue: list[str] = field(default_factory=list)             # unresolved or empty glued values
    axe: list[str] = field(default_factory=list)              # serious or critical violations
    math_count: int = 0
    image_count: int = 0
    glue_count: int = 0
    sidebar: list[str] = field(default_factory=list)          # pages the sidebar links to

    def problems(self) -> dict[str, list[str]]:
        """The non-empty problem lists by kind."""
        kinds = ("console", "page_errors", "external", "http_errors", "broken_images", "math", "glue", "axe")
        return {k: getattr(self, k) for k in kinds if getattr(self, k)}


def _is_local(url: str, base_url: str) -> bool:
    u, b = urlsplit(url), urlsplit(base_url)
    if u.scheme in ("data", "blob", "about"):
        return True
    return (u.scheme, u.netloc) == (b.scheme, b.netloc)


def record_requests(page, base_url: str, report: PageReport) -> None:
    """Route every request of ``page``: the local server's go through, any other host is
    recorded in ``report.external`` and aborted (the site must not depend on it)."""

    def handle(route) -> None:
        url = route.request.url
        if _is_local(url, base_url):
            route.continue_()
        else:
            report.external.append(url)
            route.abort()

    page.route("**/*", handle)


def listen(page, base_url: str, report: PageReport) -> None:
    """Record console errors and warnings, uncaught errors, HTTP errors and local failures."""
    page.on("console", lambda m: m.type in ("error", "warning")
            and report.console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: report.page_errors.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and report.http_errors.append(f"{r.status} {r.url}"))
    page.on("requestfailed", lambda r: _is_local(r.url, base_url)
            and report.http_errors.append(f"failed ({r.failure}) {r.url}"))


_IMAGES_JS = """async () => {
  const out = [];
  for (const img of Array.from(document.images)) {
    img.loading = "eager";                       // lazy images off screen load too
    try { await img.decode(); } catch (e) {}
    if (!img.complete || img.naturalWidth === 0) out.push(img.getAttribute("src") || img.currentSrc);
  }
  return [document.images.length, out];
}"""

# MathJax 3 typesets after load; its startup promise resolves once every formula is done.
_MATH_JS = """async () => {
  const sources = Array.from(document.querySelectorAll(".math"));
  if (sources.length === 0) return [0, []];
  const deadline = Date.now() + 15000;
  while (!(window.MathJax && MathJax.startup && MathJax.startup.promise) && Date.now() < deadline)
    await new Promise(r => setTimeout(r, 50));
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) return [sources.length, ["MathJax did not load"]];
  await MathJax.startup.promise;
  const out = [];
  sources.forEach((el, i) => {
    if (!el.querySelector("mjx-container")) out.push(`formula ${i + 1} not typeset: ${el.textContent.trim().slice(0, 60)}`);
    if (el.querySelector("mjx-merror, [data-mjx-error]")) out.push(`formula ${i + 1} has a MathJax error`);
  });
  return [sources.length, out];
}"""

# myst-nb renders glued text as span.pasted-text / pasted-inline; the role's source text
# "{glue" surviving in the page means a value that was never pasted.
_GLUE_JS = """() => {
  const out = [];
  const text = document.body.textContent;  // collapsed boxes (provenance, parameters) too
  let i = text.indexOf("{glue");
  if (i >= 0) out.push("unresolved: " + text.slice(i, i + 60));
  const pasted = document.querySelectorAll(".pasted-text, .pasted-inline");
  pasted.forEach((el, k) => {
    if (!el.textContent.trim()) out.push(`empty glued value #${k + 1}`);
  });
  return [pasted.length, out];
}"""

_SIDEBAR_JS = """() => Array.from(document.querySelectorAll("nav.bd-docs-nav a[href]"),
                                  a => a.href.split("#")[0])"""


# Sideways scrolling and clipping: the page must be no wider than the viewport, and no element
# of the page's content may hide what overflows it (overflow hidden or clip) unless it scrolls.
# MathJax's assistive MathML is clipped on purpose (it is for screen readers only).
_OVERFLOW_JS = """() => {
  const out = [];
  const vw = document.documentElement.clientWidth;
  const sw = document.documentElement.scrollWidth;
  if (sw > vw) out.push(`page scrolls sideways: ${sw} px wide in a ${vw} px viewport`);
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + Array.from(el.classList).slice(0, 3).map(c => "." + c).join("");
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("mjx-assistive-mml, .sr-only, .visually-hidden")) continue;
    if (el.tagName.startsWith("MJX-") && el.tagName !== "MJX-CONTAINER") continue;  // MathJax's own glyph boxes
    if (el.scrollWidth <= el.clientWidth + 1 || el.clientWidth === 0) continue;
    const cs = getComputedStyle(el);
    if (!/hidden|clip/.test(cs.overflowX) || cs.visibility === "hidden") continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const text = (el.innerText || el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 50);
    out.push(`${name(el)} clips ${el.scrollWidth - el.clientWidth} px of ${el.scrollWidth}: ${text}`);
  }
  return out;
}"""


def overflow(browser, base_url: str, path: str, viewport) -> list[str]:
    """What of ``path`` at ``viewport`` scrolls sideways or is clipped (see ``_OVERFLOW_JS``);
    formulas are typeset and images decoded first."""
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        open_page(page, urljoin(base_url, path))
        page.evaluate(_MATH_JS)
        page.evaluate(_IMAGES_JS)
        return page.evaluate(_OVERFLOW_JS)
    finally:
        context.close()


def run_axe(page) -> list[str]:
    """axe-core on the loaded page; one line per serious or critical violation."""
    page.add_script_tag(path=str(axe_script()))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    out = []
    for v in result["violations"]:
        if v.get("impact") in AXE_FAILING:
            targets = ", ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:5])
            out.append(f"{v['impact']} {v['id']} ({len(v['nodes'])} nodes: {targets}): {v['help']}")
    return out


def open_page(page, url: str) -> None:
    """Go to ``url`` and wait until it settled: loaded, redirects (the home page's meta
    refresh) followed, and the network quiet for a moment where it gets quiet in 5 s."""
    page.goto(url, wait_until="load")
    try:
        refresh = page.evaluate("() => !!document.querySelector('meta[http-equiv=\"Refresh\" i]')")
    except Exception:  # the refresh navigated while we asked
        refresh = True
    if refresh and page.url.split("#")[0] == url:
        page.wait_for_url(lambda u: u.split("#")[0] != url, wait_until="load")
    page.wait_for_load_state("load")
    try:
        page.wait_for_load_state("networkidle", timeout=5000)
    except Exception:  # a page that keeps a connection open is still checked
        pass


def check_page(browser, base_url: str, path: str, *, axe: bool = True, viewport=DESKTOP) -> PageReport:
    """Open ``path`` of the served site in a fresh context and run every check on it."""
    report = PageReport(path)
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        record_requests(page, base_url, report)
        listen(page, base_url, report)
        open_page(page, urljoin(base_url, path))
        report.title = page.title()
        report.image_count, report.broken_images = page.evaluate(_IMAGES_JS)
        report.math_count, report.math = page.evaluate(_MATH_JS)
        report.glue_count, report.glue = page.evaluate(_GLUE_JS)
        report.sidebar = page.evaluate(_SIDEBAR_JS)
        if axe:
            # axe-core's CSSOM preload fetches stylesheets itself and resolves their @import
            # against the document (/_static/styles/theme.css's "../basic.css" becomes
            # /basic.css, a 404): what the reader's page did is recorded before axe runs.
            seen = {k: list(getattr(report, k)) for k in ("console", "page_errors", "external", "http_errors")}
            report.axe = run_axe(page)
            for k, v in seen.items():
                setattr(report, k, v)
    finally:
        context.close()
    return report


# --- search, print, screenshots --------------------------------------------------------


def search(browser, base_url: str, term: str) -> list[str]:
    """The result links (absolute, without anchors) the site's search page lists for ``term``."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(urljoin(base_url, f"search.html?q={term}"), wait_until="load")
        # Sphinx writes "Search finished, found N page(s)" once the index is searched.
        page.wait_for_function(
            "() => { const s = document.querySelector('#search-results .search-summary, p.search-summary');"
            " return s && /found/i.test(s.textContent); }",
            timeout=20000,
        )
        return page.evaluate("""() => Array.from(document.querySelectorAll('#search-results ul.search li a'),
                                                 a => a.href.split('#')[0].split('?')[0])""")
    finally:
        context.close()


@contextmanager
def _printed(browser, base_url: str, path: str, out: Path, viewport: dict):
    """``path`` opened at ``viewport`` in print media (maths typeset, images decoded), yielded to be
    read, then printed to ``out`` (A4, backgrounds) as a reader's "Save as PDF" would."""
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        open_page(page, urljoin(base_url, path))
        page.evaluate(_MATH_JS)
        page.emulate_media(media="print")
        page.evaluate(_IMAGES_JS)
        yield page
        out.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(path=str(out), format="A4", print_background=True)
    finally:
        context.close()


def print_pdf(browser, base_url: str, path: str, out: Path) -> dict:
    """Print ``path`` to ``out`` as a reader's "Save as PDF" would (print media, A4,
    backgrounds). Returns what the printed page showed: its title and, for each image,
    whether it was laid out and decoded in print media."""
    with _printed(browser, base_url, path, out, DESKTOP) as page:
        shown = page.evaluate("""() => ({
            title: (document.querySelector("article h1, main h1") || {}).textContent || "",
            images: Array.from(document.querySelectorAll("article img, main img"), img => {
              const r = img.getBoundingClientRect();
              return {src: img.getAttribute("src"), visible: r.width > 0 && r.height > 0
                      && getComputedStyle(img).visibility !== "hidden", decoded: img.naturalWidth > 0};
            }),
            captions: Array.from(document.querySelectorAll("article figcaption, main figcaption"),
                                 c => c.textContent.trim()),
        })""")
    shown["title"] = re.sub(r"\s+", " ", shown["title"].replace("#", "")).strip()
    return shown


def screenshot(browser, base_url: str, path: str, out: Path, viewport: dict) -> None:
    """A full-page screenshot of ``path`` at ``viewport`` into ``out``."""
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    try:
        page = context.new_page()
        open_page(page, urljoin(base_url, path))
        page.evaluate(_MATH_JS)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
    finally:
        context.close()


def pdf_text(pdf: Path) -> tuple[int, str]:
    """Number of pages and the text of a PDF (pypdf)."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    return len(reader.pages), "\n".join(p.extract_text() or "" for p in reader.pages)


# --- the reader's first screen: sidebar toggle, header, provenance box, title -------------------

_SHOWN_JS = """el => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && cs.visibility !== "hidden" && cs.display !== "none"; }"""

# A link a reader can use: laid out, inside the viewport's width, and the element at its centre
# (after scrolling it into view) is the link itself, not something covering it.
_REACHABLE_JS = """(hrefs) => hrefs.filter(href => {
  const a = Array.from(document.querySelectorAll("nav.bd-docs-nav a[href]")).find(a => a.href.split("#")[0] === href);
  if (!a) return false;
  a.scrollIntoView({block: "center"});
  const r = a.getBoundingClientRect(), cs = getComputedStyle(a);
  if (r.width === 0 || r.height === 0 || cs.visibility === "hidden" || r.left < 0 || r.right > innerWidth) return false;
  const hit = document.elementFromPoint(r.left + Math.min(r.width / 2, 20), r.top + r.height / 2);
  return !!hit && (hit === a || a.contains(hit));
})"""


def sidebar_toggle(browser, base_url: str, path: str, hrefs: list[str], viewport) -> dict:
    """Open ``path`` at ``viewport``, note which of ``hrefs`` the sidebar shows usably, click the
    visible sidebar toggle (``.primary-toggle``) and note again. Returns ``toggles`` (how many
    are visible), ``before`` and ``after`` (the usable links)."""
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        open_page(page, urljoin(base_url, path))
        toggles = page.locator(".primary-toggle:visible")
        out = {"toggles": toggles.count(), "before": page.evaluate(_REACHABLE_JS, hrefs), "after": []}
        if out["toggles"]:
            page.evaluate("() => window.scrollTo(0, 0)")
            toggles.first.click()
            page.wait_for_timeout(400)  # the theme's dialog or collapse
            out["after"] = page.evaluate(_REACHABLE_JS, hrefs)
        return out
    finally:
        context.close()


_HEADER_JS = """() => {
  const shown = """ + _SHOWN_JS + """;
  const searches = Array.from(document.querySelectorAll(".search-button__button, form.bd-search")).filter(shown);
  // a bar across the page whose only visible controls are search fields (or none)
  const bars = Array.from(document.querySelectorAll("header, .bd-header")).filter(shown).filter(h =>
    Array.from(h.querySelectorAll("a, button, input")).filter(shown).every(c => c.closest(".search-button__button, form.bd-search")))
    .map(h => `${h.tagName.toLowerCase()}#${h.id} (${Math.round(h.getBoundingClientRect().height)} px)`);
  return {searches: searches.length, empty_bars: bars};
}"""


def header(browser, base_url: str, path: str, viewport) -> dict:
    """The visible search fields (``searches``) and header bars holding nothing but search
    fields (``empty_bars``) of ``path`` at ``viewport``."""
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        open_page(page, urljoin(base_url, path))
        return page.evaluate(_HEADER_JS)
    finally:
        context.close()


def provenance(browser, base_url: str, path: str, viewport) -> dict:
    """The provenance box of a chapter at ``viewport``: its height closed (``height``) and its
    full text (``text``), then its height and whether the full parameters hash is shown once a
    reader clicks its summary (``open_height``, ``open_text``)."""
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        open_page(page, urljoin(base_url, path))
        box = page.locator(".sorabook-provenance").first
        out = {"height": box.bounding_box()["height"], "text": box.text_content(), "viewport": page.viewport_size}
        page.locator(".sorabook-provenance summary, .sorabook-provenance .admonition-title").first.click()
        out["open_height"] = box.bounding_box()["height"]
        out["open_text"] = box.inner_text()
        return out
    finally:
        context.close()


# --- figures: the size of their text as the reader's screen shows it -----------------------------

# Matplotlib's SVG (svg.fonttype "path") draws each text as glyph paths in a <g id="text_N">
# that starts with the text as a comment and scales the glyphs by font size / 100 (points,
# the viewBox's unit). Shown text size in CSS px = points x rendered width / viewBox width.
_FIGURE_TEXT_JS = """async () => {
  const out = [];
  for (const img of Array.from(document.querySelectorAll("article img"))) {
    const src = img.currentSrc || img.src;
    if (!/\\.svg([?#]|$)/.test(src)) continue;
    const svg = new DOMParser().parseFromString(await (await fetch(src)).text(), "image/svg+xml").documentElement;
    const box = (svg.getAttribute("viewBox") || "").split(/[\\s,]+/).map(Number);
    const shown = img.getBoundingClientRect().width;
    const texts = [];
    for (const g of Array.from(svg.querySelectorAll('g[id^="text_"]'))) {
      const note = Array.from(g.childNodes).find(n => n.nodeType === 8);
      const m = /scale\\(([0-9.]+) -[0-9.]+\\)/.exec(g.innerHTML);
      if (!note || !m || !note.textContent.trim()) continue;
      texts.push({text: note.textContent.trim(), px: +(parseFloat(m[1]) * 100 * shown / box[2]).toFixed(2)});
    }
    out.push({src: src.split("/").pop(), shown_px: shown, natural_px: box[2] * 4 / 3, texts});
  }
  return out;
}"""

#: Matplotlib's offset text ("1e25", "×10²⁵") in a figure: the unit left to a corner of the axis.
OFFSET_TEXT = re.compile(r"^[-+−]?(\d+(\.\d+)?e[-+−]?\d+|×\s*10[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+|\$\\times\\mathdefault\{10\^\{-?\d+\}\}.*)$")


def figure_text(browser, base_url: str, path: str, viewport) -> list[dict]:
    """Every SVG figure of ``path`` at ``viewport``: its file, shown and natural width, and each
    text with its shown size in CSS px."""
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        open_page(page, urljoin(base_url, path))
        page.evaluate(_IMAGES_JS)
        return page.evaluate(_FIGURE_TEXT_JS)
    finally:
        context.close()


# --- print ----------------------------------------------------------------------------------------

#: A4 at 96 px per inch: the width Chromium lays a printed page out at (Playwright's page.pdf has no margins).
A4_PX = {"width": 794, "height": 1123}

_PRINT_LAYOUT_JS = """() => ({
  headings: Array.from(document.querySelectorAll("article :is(h1, h2, h3, h4)"),
                       h => h.textContent.replace(/#/g, "").trim()).filter(Boolean),
  wide: Array.from(document.querySelectorAll("article table")).filter(t => {
      const box = t.closest(".pst-scrollable-table-container") || t.parentElement;
      const article = document.querySelector("article").getBoundingClientRect();
      return t.getBoundingClientRect().right > article.right + 1 || box.scrollWidth > box.clientWidth + 1;
    }).map(t => (t.querySelector("caption") || t).textContent.trim().slice(0, 60)),
})"""


def print_layout(browser, base_url: str, path: str, out: Path) -> dict:
    """Print ``path`` to ``out`` (as :func:`print_pdf`) and return, laid out for print at A4's
    width, its headings (``headings``) and the tables wider than the printed column (``wide``)."""
    with _printed(browser, base_url, path, out, A4_PX) as page:
        return page.evaluate(_PRINT_LAYOUT_JS)


def pdf_pages(pdf: Path) -> list[list[str]]:
    """The non-empty text lines of each page of a PDF (pypdf)."""
    from pypdf import PdfReader

    return [[ln.strip() for ln in (p.extract_text() or "").splitlines() if ln.strip()] for p in PdfReader(str(pdf)).pages]
