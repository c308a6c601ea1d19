"""The live page's Python start in Chromium, and what the runtime adds to the site (``make bench-pyodide``).

Measures, over ``--runs`` cold loads (default 5; each in a new browser context, so nothing is
cached), the time from navigation start to Python ready: the runtime loaded (Pyodide, the
standard library) and the package archive fetched, checked and unpacked, as
``book/_static/live/runtime.js`` does it; each phase's start is printed too. Target: load under
5 s on this machine. Then the bytes the runtime adds to the site (``_static/pyodide`` and
``runtime.js``), file by file. Figures are printed (and written to
``benchmarks/results/pyodide.json``), never asserted: the machine is shared and noisy.

By default the site is a folder made here with :func:`sorabook.book.pyodide.install` (the same
call and files as the build); ``--site _build/html`` measures a built site instead.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import browser_checks as bc  # noqa: E402  (the tests' server, launcher and request blocking)

from sorabook.book import pyodide  # noqa: E402

TARGET_S = 5.0
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>pyodide start</title></head><body>
<script type="module">
import { startPython } from "./_static/live/runtime.js";
const marks = {};
window.bench = startPython((phase) => { marks[phase] = performance.now(); }).then((py) => {
  const tokens = py.runPython("import sorabook.model.latent as L; L.tokens_per_latent_frame(1280, 720, 8, 2)");
  return { ready_ms: performance.now(), marks, tokens };
}, (err) => ({ error: String(err.message || err) }));
</script></body></html>
"""


def make_site(folder: Path, built: Path | None) -> Path:
    """A folder with the benchmark page and ``_static`` (a built site's, or a fresh install)."""
    if built is not None:
        (folder / "_static").symlink_to(built.resolve() / "_static", target_is_directory=True)
    else:
        pyodide.install(folder / "_static" / "pyodide")
        (folder / "_static" / "live").mkdir(parents=True)
        shutil.copyfile(ROOT / "book" / "_static" / "live" / "runtime.js", folder / "_static" / "live" / "runtime.js")
    (folder / "bench.html").write_text(PAGE)
    return folder


def cold_loads(site: Path, runs: int) -> list[dict]:
    """``runs`` visits of the benchmark page, each in a new context; every other host blocked."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p, bc.serve(site) as base:
        browser = bc.launch(p)
        try:
            for _ in range(runs):
                report = bc.PageReport("bench.html")
                context = browser.new_context()
                try:
                    page = context.new_page()
                    bc.record_requests(page, base, report)
                    bc.listen(page, base, report)
                    page.goto(base + "bench.html", wait_until="commit")
                    page.wait_for_function("() => window.bench !== undefined", timeout=60_000)
                    result = page.evaluate("() => window.bench")
                finally:
                    context.close()
                if "error" in result or report.problems():
                    raise SystemExit(f"bench-pyodide: the page failed: {result.get('error')} {report.problems()}")
                out.append(result)
                print(f"  load {len(out)}: ready at {result['ready_ms'] / 1000:.2f} s  ("
                      + ", ".join(f"{k} {v / 1000:.2f}" for k, v in result["marks"].items()) + ")", flush=True)
        finally:
            browser.close()
    return out


def site_bytes(site: Path) -> dict[str, int]:
    """Bytes of each file the runtime adds to the site."""
    static = site / "_static"
    files = sorted((static / "pyodide").iterdir()) + [static / "live" / "runtime.js"]
    return {f.relative_to(site).as_posix(): f.stat().st_size for f in files if f.is_file()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="cold loads (default 5)")
    ap.add_argument("--site", type=Path, default=None, help="a built site to measure (default: a fresh install)")
    args = ap.parse_args(argv)
    if not bc.CHROMIUM.exists():
        print(f"bench-pyodide: Chromium not found at {bc.CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-pyodide-") as tmp:
        site = make_site(Path(tmp), args.site)
        manifest = json.loads((site / "_static" / "pyodide" / pyodide.MANIFEST).read_text())
        print(f"Pyodide {manifest['pyodide']} (Python {manifest['python']}), {args.runs} cold loads in Chromium:")
        load_before = os.getloadavg()[0]
        loads = cold_loads(site, args.runs)
        load_after = os.getloadavg()[0]
        sizes = site_bytes(site)
    ready = [r["ready_ms"] / 1000 for r in loads]
    median = statistics.median(ready)
    print(f"navigation to Python ready: median {median:.2f} s (min {min(ready):.2f}, max {max(ready):.2f}); "
          f"target: load under {TARGET_S:.0f} s on this machine -> {'met' if median < TARGET_S else 'NOT met'}")
    print(f"  (1-minute load average {load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} CPUs: "
          f"start-up is CPU-bound, other work on the machine slows it)")
    total = sum(sizes.values())
    print(f"bytes the runtime adds to the site: {total:,} ({total / 2**20:.1f} MiB)")
    for name, size in sizes.items():
        print(f"  {size:>12,}  {name}")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "pyodide.json").write_text(json.dumps({
        "pyodide": manifest["pyodide"], "python": manifest["python"], "runs": loads,
        "ready_s": ready, "median_s": median, "load_average": [load_before, load_after], "target_s": TARGET_S, "bytes": sizes, "total_bytes": total,
    }, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
