"""The live page (``book/live.html``) in Chromium: load and recompute times (part of ``make bench``).

Opens the live page of a built site (``--site``, default: a build made here into a temporary
folder) ``--loads`` times, each in a new browser context (nothing cached), and reads the time from
navigation to the first results shown (Pyodide, the package and the first recompute); then, in
one page, changes a field ``--changes`` times and reads each recompute's time as the page measured
it (Python and the tables, ``data-recompute-ms``). Prints medians beside the targets (load under
5 s, recompute under 100 ms on this machine); figures only, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import browser_checks as bc  # noqa: E402

LOAD_TARGET_S = 5.0
RECOMPUTE_TARGET_MS = 100.0
STATE = "document.getElementById('sorabook-live').dataset"


def measure(site: Path, loads: int, changes: int) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    ready, recompute = [], []
    with sync_playwright() as p, bc.serve(site) as base:
        browser = bc.launch(p)
        try:
            for i in range(loads):
                context = browser.new_context()
                try:
                    page = context.new_page()
                    page.goto(base + "book/live.html", wait_until="commit")
                    page.wait_for_function(f"() => document.getElementById('sorabook-live') && {STATE}.state === 'ready'",
                                           timeout=120_000)
                    ready.append(float(page.evaluate(f"{STATE}.readyMs")) / 1000)
                    print(f"  load {i + 1}: results shown {ready[-1]:.2f} s after navigation", flush=True)
                    if i == loads - 1:
                        for k in range(changes):
                            page.fill("#live-fps", str(25 + k))
                            page.dispatch_event("#live-fps", "change")
                            page.wait_for_function(f"() => {STATE}.state === 'ready' && location.search.includes("
                                                   f"'fps={25 + k}')", timeout=30_000)
                            recompute.append(float(page.evaluate(f"{STATE}.recomputeMs")))
                finally:
                    context.close()
        finally:
            browser.close()
    return ready, recompute


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, help="a built site (default: build one into a temporary folder)")
    ap.add_argument("--loads", type=int, default=3)
    ap.add_argument("--changes", type=int, default=10)
    args = ap.parse_args(argv)
    if not bc.CHROMIUM.exists():
        print(f"bench-live: Chromium not found at {bc.CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "site"
            print("bench-live: building the book into a temporary folder...", flush=True)
            subprocess.run([sys.executable, "-m", "sorabook", "build", "--out", str(site)], check=True,
                           stdout=subprocess.DEVNULL)
        load = os.getloadavg()[0]
        ready, recompute = measure(site, args.loads, args.changes)
    r, c = statistics.median(ready), statistics.median(recompute)
    print(f"live page, first results after navigation: median {r:.2f} s over {len(ready)} cold loads "
          f"(target under {LOAD_TARGET_S:.0f} s: {'met' if r < LOAD_TARGET_S else 'NOT met'})")
    print(f"live page, recompute per change: median {c:.1f} ms, max {max(recompute):.1f} ms over {len(recompute)} "
          f"changes (target under {RECOMPUTE_TARGET_MS:.0f} ms: {'met' if c < RECOMPUTE_TARGET_MS else 'NOT met'})")
    print(f"  (1-minute load average {load:.1f} on {os.cpu_count()} CPUs at the start)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
