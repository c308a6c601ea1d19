"""The live page in Debian's Chromium (``book/live.html``): the package's own code in the browser.

Every other host is blocked, as for every page. For five random re-runs the page's results equal
``sorabook results --set ...`` to 1e-12 relative; a bad value shows the command line's message;
the URL, the download and the command round-trip. Without Chromium these tests skip (fail in CI).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from numpy.testing import assert_allclose

import browser_checks as bc
from conftest import ROOT, run_cli
from live_cases import cases

from sorabook.book import live as site_live
from sorabook.params import REGISTRY, parse_set, validate
from sorabook.results import live

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
#: The fields in the page's order (chapter by chapter): the order of the command's --set flags.
FORM_ORDER = [n for g in site_live.groups(ROOT / "notebooks") for n in g["params"]]
STATE = "() => document.getElementById('sorabook-live').dataset.state"


@pytest.fixture(scope="module")
def base_url(browser, default_build):
    with bc.serve(default_build.out) as url:
        yield url


@pytest.fixture
def visit(browser, base_url):
    """Open the live page with ``sets`` in its query (phone or desktop) and wait until it settled;
    yields the page and its report (console errors, other hosts), checked clean at the end."""
    contexts = []

    def open_(sets=(), viewport=bc.DESKTOP, settle=("ready", "invalid", "failed")):
        context = browser.new_context(viewport=viewport, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        report = bc.PageReport("book/live.html")
        bc.record_requests(page, base_url, report)
        bc.listen(page, base_url, report)
        query = urlencode([tuple(s.split("=", 1)) for s in sets])
        page.goto(f"{base_url}book/live.html" + (f"?{query}" if query else ""), wait_until="load")
        page.wait_for_function(f"() => {list(settle)}.includes(({STATE})())", timeout=120_000)
        reports.append(report)
        page.sorabook_report = report
        return page

    reports: list = []
    yield open_
    for context in contexts:
        context.close()
    for r in reports:
        assert not r.console and not r.page_errors, (r.console, r.page_errors)
        assert not r.external and not r.http_errors, (r.external, r.http_errors)


def _shown(page) -> dict[str, float]:
    """Each shown result's full-precision value (data-value), as a float (Playwright hands large
    whole numbers over as Python ints)."""
    return {k: float(v) for k, v in page.evaluate("() => Object.fromEntries([...document.querySelectorAll('[data-key][data-value]')]"
                         ".map(e => [e.dataset.key, Number(e.dataset.value)]))").items()}


def test_five_random_reruns_equal_the_command_line(visit):
    for sets in cases():
        page = visit(sets)
        assert page.evaluate(STATE) == "ready", page.evaluate("document.querySelector('.live-status').textContent")
        proc = run_cli("results", "--format", "json", *[a for s in sets for a in ("--set", s)])
        expected = json.loads(proc.stdout)["results"]
        shown = _shown(page)
        chapter8 = {k for k, r in expected.items() if r["chapter"] == "08-uncertainty"}
        assert set(shown) == set(expected) - chapter8, sets
        for key, value in shown.items():
            assert_allclose(value, expected[key]["value"], rtol=1e-12, err_msg=f"{key} with {sets}")
        changed = [s for s in sets if validate(dict([parse_set(s)]))[s.split("=", 1)[0]]
                   != REGISTRY[s.split("=", 1)[0]].default]  # the page names only what differs
        in_form_order = sorted(changed, key=lambda s: FORM_ORDER.index(s.split("=", 1)[0]))
        assert page.locator(".live-command code").text_content() == live.command(in_form_order)


def test_a_bad_value_shows_the_command_lines_message(visit):
    page = visit(["fps=-3"])
    assert page.evaluate(STATE) == "invalid"
    message = page.locator(".live-error").text_content()
    assert message == live.recompute(["fps=-3"])["error"]
    assert message in run_cli("results", "--set", "fps=-3").stderr
    assert page.get_attribute("#live-fps", "aria-invalid") == "true"
    page.fill("#live-fps", "30")
    page.dispatch_event("#live-fps", "change")
    page.wait_for_function(f"() => ({STATE})() === 'ready'")
    assert page.locator(".live-error").is_hidden()
    assert _shown(page)["video-frames"] == 1800


def test_the_url_holds_the_changes_and_round_trips(visit):
    page = visit(["fps=30"])
    page.click("details:has(#live-gpu) > summary")  # the group holding the field, opened as a reader would
    page.select_option("#live-gpu", "B200")
    page.wait_for_function(f"() => ({STATE})() === 'ready' && location.search.includes('gpu=B200')")
    assert page.url.endswith("book/live.html?fps=30&gpu=B200")
    before = _shown(page)
    again = visit(["fps=30", "gpu=B200"])
    assert again.input_value("#live-fps") == "30" and again.input_value("#live-gpu") == "B200"
    assert _shown(again) == before


def test_download_gives_the_results_document_of_the_command_line(visit):
    sets = ["video_seconds=20", "attention=full-3d"]
    page = visit(sets)
    with page.expect_download() as info:
        page.click("text=Download results.json")
    doc = json.loads(open(info.value.path()).read())
    cli = json.loads(run_cli("results", "--format", "json", *[a for s in sets for a in ("--set", s)]).stdout)
    assert set(doc) == set(cli) and doc["parameters_sha256"] == cli["parameters_sha256"]
    for key, r in doc["results"].items():
        assert_allclose(r["value"], cli["results"][key]["value"], rtol=1e-12, err_msg=key)


def test_on_a_phone_nothing_scrolls_sideways_and_axe_finds_nothing(visit):
    page = visit(["fps=30"], viewport=PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # axe-core's CSSOM preload asks for stylesheets the page never loads (see browser_checks.check_page):
    # what the reader's page did is what is checked, before axe runs.
    report = page.sorabook_report
    seen = {k: list(getattr(report, k)) for k in ("console", "page_errors", "external", "http_errors")}
    assert bc.run_axe(page) == []
    for k, v in seen.items():
        setattr(report, k, v)
    (ROOT / "artifacts" / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ROOT / "artifacts" / "screenshots" / "live-phone.png"))


def test_each_chapter_panel_opens_its_group(visit, base_url):
    page = visit()
    page.goto(f"{base_url}notebooks/03-training-estimate.html", wait_until="load")
    page.click(".sorabook-live-panel a")
    page.wait_for_url("**/book/live.html#group-03-training-estimate")
    page.wait_for_function(f"() => document.getElementById('sorabook-live') && ({STATE})() === 'ready'",
                           timeout=120_000)
    assert page.evaluate("document.getElementById('group-03-training-estimate').open")
