"""Shared fixtures: the repository root and one default build reused by the site tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests: no per-example deadline (the 2-core CI machine runs builds beside them, and
# timing is not what they test) and derandomized, so a run is reproducible.
settings.register_profile("sorabook", deadline=None, derandomize=True)
settings.load_profile("sorabook")

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the installed ``sorabook`` command; returns the completed process."""
    return subprocess.run([str(BIN / "sorabook"), *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env={**os.environ, **(env or {})}, timeout=900)


def tree_snapshot(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` with its bytes (to prove nothing changed)."""
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def announce(config: pytest.Config, text: str) -> None:
    """Print ``text`` on its own line of the terminal now, even under ``-q`` and output capture (a
    long step such as the book's build says what it is doing instead of leaving the run silent)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    held = capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext()
    with held:  # what capsys.disabled() does, for a session fixture
        if reporter is not None:
            reporter.write("\n")  # off the line of progress dots (an empty line if there were none)
            reporter.write_line(text)
            reporter.flush()
        else:
            print(text, file=sys.__stderr__, flush=True)


@pytest.fixture(scope="session")
def default_build(tmp_path_factory, pytestconfig):
    """One build of the default scenario, into a temporary folder, with its own cache."""
    import time

    from sorabook import params
    from sorabook.book import publish

    base = tmp_path_factory.mktemp("default-build")
    p, scenario = params.resolve()
    announce(pytestconfig, "building the book for the site and browser tests (about 2 minutes on 2 cores)...")
    start = time.perf_counter()
    result = publish.build(p, scenario, base / "site", jobs=2, cache_dir=base / "cache", root=ROOT)
    announce(pytestconfig, f"book built in {time.perf_counter() - start:.0f} s; the tests that use it run now")
    return result


@pytest.fixture
def book_copy(tmp_path):
    """A copy of the book's sources (config, toc, book/, notebooks/) to modify in a test."""
    root = tmp_path / "root"
    root.mkdir()
    for name in ("_config.yml", "_toc.yml", "requirements.lock"):
        shutil.copyfile(ROOT / name, root / name)
    for name in ("book", "notebooks"):
        shutil.copytree(ROOT / name, root / name)
    return root


IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one for the whole session (Playwright's sync API runs one
    event loop per thread: a second ``sync_playwright()`` in the same session fails); skipped (failed
    in CI) when it is missing."""
    import browser_checks as bc

    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the lock installs it
        missing = f"Playwright is not installed ({exc}); run `make test`"
    if missing is None and not bc.CHROMIUM.exists():
        missing = f"Chromium not found at {bc.CHROMIUM}: `apt-get install chromium` to run the browser tests"
    if missing:
        if IN_CI:
            pytest.fail(f"CI=true and {missing}", pytrace=False)
        pytest.skip(missing)
    with sync_playwright() as p:
        b = bc.launch(p)
        yield b
        b.close()
