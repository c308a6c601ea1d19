"""The live page's plumbing: Pyodide copied into the site (checked against its pins), the package
archive beside it, and ``book/_static/live/runtime.js`` starting Python from them in Chromium.

The unit tests need ``node_modules/pyodide`` (``npm ci``; ``make test`` runs it): without it they
skip, and fail in CI. The browser tests skip without Chromium like ``test_browser.py`` (fail in CI).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import browser_checks as bc
from conftest import ROOT
from sorabook.book import pyodide as P

IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
RUNTIME_JS = ROOT / "book" / "_static" / "live" / "runtime.js"


def _need(condition: bool, why: str) -> None:
    if not condition:
        if IN_CI:
            pytest.fail(f"CI=true and {why}", pytrace=False)
        pytest.skip(why)


@pytest.fixture(scope="module")
def installed() -> Path:
    """The checkout, with ``node_modules/pyodide`` installed."""
    _need((ROOT / "node_modules" / "pyodide" / "package.json").is_file(),
          "node_modules/pyodide is missing: run `npm ci` (make test does)")
    return ROOT


@pytest.fixture
def project(tmp_path, installed) -> Path:
    """A copy of the checkout's lock, pins and runtime files, to tamper with."""
    proj = tmp_path / "proj"
    src = proj / "node_modules" / "pyodide"
    src.mkdir(parents=True)
    for name in ("package-lock.json", P.PINS):
        shutil.copyfile(installed / name, proj / name)
    for name in (*P.RUNTIME_FILES, "package.json"):
        shutil.copyfile(installed / "node_modules" / "pyodide" / name, src / name)
    return proj


# --- copy and verify ---------------------------------------------------------------------


def test_install_copies_the_pinned_runtime_and_a_manifest_of_it(tmp_path, installed):
    dest = tmp_path / "site" / "_static" / "pyodide"
    manifest = P.install(dest)
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/pyodide"]
    assert manifest["pyodide"] == lock["version"]
    assert manifest["python"].startswith("3.") and manifest["license"] == "MPL-2.0"
    assert sorted(p.name for p in dest.iterdir()) == sorted([*P.RUNTIME_FILES, P.ARCHIVE, P.MANIFEST])
    assert json.loads((dest / P.MANIFEST).read_text()) == manifest
    for name in P.RUNTIME_FILES:
        data = (dest / name).read_bytes()
        assert data == (ROOT / "node_modules" / "pyodide" / name).read_bytes()
        assert manifest["files"][name] == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    archive = (dest / P.ARCHIVE).read_bytes()
    assert manifest["package"]["sha256"] == hashlib.sha256(archive).hexdigest()
    assert manifest["package"]["bytes"] == len(archive)


def test_the_pins_are_those_of_the_installed_files(installed):
    """``pyodide.sha256`` in sha256sum's format, for the version the lock pins."""
    lines = (ROOT / P.PINS).read_text().splitlines()
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/pyodide"]
    assert lines[0] == f"# pyodide {lock['version']} {lock['integrity']}"
    pinned = {name: digest for digest, name in (ln.split("  ") for ln in lines[1:])}
    assert sorted(pinned) == sorted(P.RUNTIME_FILES)
    for name, digest in pinned.items():
        assert hashlib.sha256((ROOT / "node_modules" / "pyodide" / name).read_bytes()).hexdigest() == digest


def test_a_tampered_runtime_file_is_refused_and_nothing_is_written(project, tmp_path):
    wasm = project / "node_modules" / "pyodide" / "pyodide.asm.wasm"
    data = bytearray(wasm.read_bytes())
    data[1000] ^= 0xFF
    wasm.write_bytes(bytes(data))
    dest = tmp_path / "out"
    with pytest.raises(P.RuntimeMissing, match=r"pyodide\.asm\.wasm does not match its SHA-256 .*run `npm ci`"):
        P.install(dest, project)
    assert not dest.exists()


@pytest.mark.parametrize("breakage, expected", [
    ("no-runtime", r"Pyodide\) is not installed: no .*package\.json; run `npm ci`"),
    ("other-version", r"node_modules has pyodide 0\.1\.0 but package-lock\.json pins .*; run `npm ci`"),
    ("missing-file", r"python_stdlib\.zip is missing; run `npm ci`"),
    ("stale-pins", r"pyodide\.sha256 was recorded for pyodide .*; run `make pyodide-pins`"),
])
def test_a_runtime_that_is_not_the_pinned_one_is_refused(project, breakage, expected):
    src = project / "node_modules" / "pyodide"
    if breakage == "no-runtime":
        shutil.rmtree(project / "node_modules")
    elif breakage == "other-version":
        meta = json.loads((src / "package.json").read_text())
        (src / "package.json").write_text(json.dumps({**meta, "version": "0.1.0"}))
    elif breakage == "missing-file":
        (src / "python_stdlib.zip").unlink()
    else:
        lock_path = project / "package-lock.json"
        lock = json.loads(lock_path.read_text())
        lock["packages"]["node_modules/pyodide"]["integrity"] = "sha512-AAAA"
        lock_path.write_text(json.dumps(lock))
    with pytest.raises(P.RuntimeMissing, match=expected):
        P.check_runtime(project)


def test_pins_are_recorded_only_from_the_locked_tarball(project, tmp_path):
    """:func:`record_pins` refuses a tarball whose SHA-512 is not the lock's integrity."""
    import io
    import tarfile

    fake = tmp_path / "pyodide.tgz"
    with tarfile.open(fake, "w:gz") as tar:
        for name in P.RUNTIME_FILES:
            data = (project / "node_modules" / "pyodide" / name).read_bytes()
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    before = (project / P.PINS).read_text()
    with pytest.raises(P.RuntimeMissing, match="not the tarball package-lock.json pins"):
        P.record_pins(fake, project)
    assert (project / P.PINS).read_text() == before


def test_the_build_without_the_runtime_stops_with_one_line_and_exit_2(tmp_path):
    """``sorabook build`` run from a copy of the package whose checkout has no node_modules: one line
    saying to run ``npm ci``, exit 2, no site written."""
    copy = tmp_path / "checkout"
    shutil.copytree(ROOT / "sorabook", copy / "sorabook", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("_config.yml", "_toc.yml", "package.json", "package-lock.json", P.PINS):
        shutil.copyfile(ROOT / name, copy / name)
    shutil.copytree(ROOT / "book", copy / "book")
    shutil.copytree(ROOT / "notebooks", copy / "notebooks")
    out = tmp_path / "site"
    env = {**os.environ, "PYTHONPATH": str(copy), "SORABOOK_CACHE": str(tmp_path / "cache")}
    env.pop("SORABOOK_ROOT", None)
    proc = subprocess.run([sys.executable, "-m", "sorabook", "build", "--out", str(out)], cwd=copy, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "run `npm ci`" in lines[0] and "Pyodide" in lines[0], proc.stderr
    assert not out.exists() and not (tmp_path / "cache").exists()


# --- the package archive ---------------------------------------------------------------------


def test_the_package_archive_is_byte_reproducible_and_holds_the_listed_parts(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = P.package_archive(tmp_path / "a.zip")
    (tmp_path / "pkg-cache").mkdir()  # time passes, another folder: same bytes
    second = P.package_archive(tmp_path / "b" / "b.zip")
    assert first == second
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b" / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert "sorabook/__init__.py" in names and "sorabook/model/latent.py" in names
    assert any(n.startswith("sorabook/data/evidence/") and n.endswith(".csv") for n in names)
    assert any(n.startswith("sorabook/params/") for n in names) and any(n.startswith("sorabook/results/") for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert not any(n.startswith(("sorabook/book/", "sorabook/cli/")) for n in names)
    shipped = {f"sorabook/{p.relative_to(ROOT / 'sorabook').as_posix()}"
               for part in P.PACKAGE_PARTS for p in [ROOT / "sorabook" / part, *(ROOT / "sorabook" / part).rglob("*")]
               if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    import yaml

    libraries = {f"yaml/{p.relative_to(Path(yaml.__file__).parent).as_posix()}"
                 for p in Path(yaml.__file__).parent.rglob("*.py") if "__pycache__" not in p.parts}
    assert P.LIBRARIES == ("yaml",)
    assert set(names) == shipped | libraries  # PyYAML's Python files only: no compiled extension
    assert not any(n.startswith("yaml/") and not n.endswith(".py") for n in names)


def test_the_archive_takes_its_time_from_source_date_epoch_and_its_parts_from_the_caller(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01 00:00 UTC
    P.package_archive(tmp_path / "m.zip", ["__init__.py", "model"], libraries=())
    with zipfile.ZipFile(tmp_path / "m.zip") as zf:
        infos = zf.infolist()
        assert zf.read("sorabook/model/latent.py") == (ROOT / "sorabook" / "model" / "latent.py").read_bytes()
    assert {i.date_time for i in infos} == {(2026, 1, 1, 0, 0, 0)}
    assert {i.filename.split("/")[1] for i in infos} == {"__init__.py", "model"}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225660")  # a minute later (zip times are to 2 s)
    P.package_archive(tmp_path / "n.zip", ["__init__.py", "model"], libraries=())
    assert (tmp_path / "n.zip").read_bytes() != (tmp_path / "m.zip").read_bytes()
    with pytest.raises(P.BuildError, match="no-such-part"):
        P.package_archive(tmp_path / "x.zip", ["no-such-part"])


# --- in the browser ---------------------------------------------------------------------------


SMOKE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>runtime smoke</title></head>
<body><p id="out">starting</p>
<script type="module">
import { startPython } from "./_static/live/runtime.js";
const phases = [];
window.smoke = startPython((phase) => phases.push(phase)).then((py) => {
  const value = py.runPython(`import sorabook.model.latent as L
L.tokens_per_latent_frame(1280, 720, 8, 2)`);
  const where = py.runPython("import sorabook; sorabook.__file__");
  document.getElementById("out").textContent = String(value);
  return { value, where, phases, version: py.version };
}, (err) => ({ error: String(err && err.message || err), phases }));
</script></body></html>
"""


def _smoke_site(folder: Path, static: Path | None = None) -> Path:
    """A site folder holding the smoke page; ``_static`` is ``static`` (a built site's) or a new one."""
    folder.mkdir(parents=True, exist_ok=True)
    if static is None:
        P.install(folder / "_static" / "pyodide")
        (folder / "_static" / "live").mkdir(parents=True)
        shutil.copyfile(RUNTIME_JS, folder / "_static" / "live" / "runtime.js")
    else:
        (folder / "_static").symlink_to(static, target_is_directory=True)
    (folder / "smoke.html").write_text(SMOKE_PAGE)
    return folder


def run_smoke(browser, site: Path, page_name: str = "smoke.html") -> tuple[dict, bc.PageReport]:
    """Open the smoke page of ``site`` served locally, every other host blocked; returns what
    the page's Python gave and what the visit saw."""
    report = bc.PageReport(page_name)
    with bc.serve(site) as base:
        context = browser.new_context()
        try:
            page = context.new_page()
            bc.record_requests(page, base, report)
            bc.listen(page, base, report)
            page.goto(base + page_name, wait_until="load")
            page.wait_for_function("() => window.smoke !== undefined", timeout=10_000)
            result = page.evaluate("() => window.smoke")
        finally:
            context.close()
    return result, report


@pytest.mark.browser
def test_python_runs_the_package_in_chromium_from_the_sites_own_copy(browser, installed, tmp_path):
    result, report = run_smoke(browser, _smoke_site(tmp_path / "site"))
    assert "error" not in result, result
    assert result["value"] == 3600
    assert result["where"].startswith("/home/pyodide/sorabook-site/sorabook/")
    assert result["phases"] == ["check", "runtime", "package", "unpack", "ready"]
    assert result["version"] == json.loads((ROOT / "node_modules" / "pyodide" / "package.json").read_text())["version"]
    assert report.problems() == {}, report.problems()


@pytest.mark.browser
def test_the_smoke_check_fails_on_a_broken_runtime_copy(browser, installed, tmp_path):
    """The same check sees a changed archive (refused against the manifest) and a missing runtime file."""
    site = _smoke_site(tmp_path / "site")
    archive = site / "_static" / "pyodide" / P.ARCHIVE
    archive.write_bytes(archive.read_bytes() + b"\0")
    result, report = run_smoke(browser, site)
    assert "does not match its manifest" in result.get("error", ""), result
    P.install(site / "_static" / "pyodide")
    (site / "_static" / "pyodide" / "python_stdlib.zip").unlink()
    result, report = run_smoke(browser, site)
    assert "error" in result, result
    assert any("python_stdlib.zip" in e for e in report.http_errors), report


def _inline_start(page) -> dict:
    """Run runtime.js as an inline module of ``page`` (no fetch of the module itself) and start it."""
    page.add_script_tag(type="module", content=RUNTIME_JS.read_text() + """
window.smoke = startPython().then(() => ({}), (err) => ({ error: err.message, isError: err instanceof Error }));""")
    page.wait_for_function("() => window.smoke !== undefined", timeout=10_000)
    return page.evaluate("() => window.smoke")


@pytest.mark.browser
def test_opened_from_a_file_it_says_to_serve_the_site(browser, installed, tmp_path):
    site = _smoke_site(tmp_path / "site")
    (site / "empty.html").write_text("<!doctype html><title>file</title>")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto((site / "empty.html").as_uri(), wait_until="load")
        result = _inline_start(page)
    finally:
        context.close()
    assert result["isError"] and "needs the site served over HTTP" in result["error"], result


@pytest.mark.browser
def test_without_webassembly_it_says_so(browser, installed, tmp_path):
    site = _smoke_site(tmp_path / "site")
    (site / "empty.html").write_text("<!doctype html><title>no wasm</title>")
    report = bc.PageReport("empty.html")
    with bc.serve(site) as base:
        context = browser.new_context()
        context.add_init_script("delete globalThis.WebAssembly;")
        try:
            page = context.new_page()
            bc.record_requests(page, base, report)
            page.goto(base + "empty.html", wait_until="load")
            result = _inline_start(page)
        finally:
            context.close()
    assert result["isError"] and "cannot run WebAssembly" in result["error"], result
    assert report.external == []


@pytest.mark.build
@pytest.mark.browser
def test_the_built_site_carries_the_runtime_and_starts_python(browser, default_build, tmp_path):
    static = default_build.out / "_static"
    manifest = json.loads((static / "pyodide" / P.MANIFEST).read_text())
    assert manifest["pyodide"] == P.check_runtime()
    assert (static / "live" / "runtime.js").read_bytes() == RUNTIME_JS.read_bytes()
    assert not any(p.startswith("_static/") for p in bc.site_pages(default_build.out))
    result, report = run_smoke(browser, _smoke_site(tmp_path / "site", static))
    assert result.get("value") == 3600, result
    assert report.problems() == {}, report.problems()


def test_a_new_runtime_pin_makes_the_site_out_of_date(tmp_path, monkeypatch):
    """The site key follows ``package-lock.json`` and ``pyodide.sha256``: a site built with
    another runtime is rebuilt, not kept as current."""
    from sorabook import params
    from sorabook.book import plan

    for name in ("package-lock.json", P.PINS):
        shutil.copyfile(ROOT / name, tmp_path / name)
    monkeypatch.setattr(plan, "_CHECKOUT", tmp_path)
    p, scenario = params.resolve()
    key = plan.site_key(ROOT, [], p, scenario)
    assert plan.site_key(ROOT, [], p, scenario) == key
    with (tmp_path / P.PINS).open("a") as f:
        f.write("\n")
    assert plan.site_key(ROOT, [], p, scenario) != key
