"""The command line: results without notebooks, parameter listings, one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from sorabook import cli

from sorabook.results import registry as report

from conftest import ROOT, run_cli, tree_snapshot


def test_results_json_has_the_documented_shape():
    proc = run_cli("results", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc) >= {"scenario", "parameters", "parameters_sha256", "versions", "results", "claims"}
    assert set(doc["results"]) == set(report.RESULTS)
    for r in doc["results"].values():
        assert set(r) >= {"value", "unit", "description", "chapter", "anchor"}
    assert doc["results"]["latent-frames"]["value"] == 180.0


def test_results_follow_set_overrides():
    doc = json.loads(run_cli("results", "--format", "json", "--set", "fps=30").stdout)
    assert doc["results"]["video-frames"]["value"] == 1800.0
    assert doc["results"]["latent-frames"]["value"] == 225.0
    assert doc["parameters"]["fps"] == 30.0


def test_results_csv_and_table(capsys):
    assert cli.main(["results", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("key,value,unit")
    assert len(lines) == 1 + len(report.RESULTS)
    assert cli.main(["results"]) == 0
    assert "latent-frames" in capsys.readouterr().out


def test_params_and_scenarios(capsys):
    assert cli.main(["params", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["parameters"]["fps"]["unit"] == "frames/s"
    assert cli.main(["scenarios"]) == 0
    assert "article" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["results", "--set", "fsp=30"], "did you mean 'fps'"),
        (["results", "--set", "fps=abc"], "parameter 'fps'"),
        (["results", "--scenario", "../x"], "is not a scenario name"),
        (["results", "--scenario", "article", "--params", "x.yaml"], "not allowed with argument"),
        (["results", "--format", "xml"], "invalid choice"),
        (["build", "--jobs", "0"], "expected a whole number from 1 to 64"),
        (["build", "--jobs", "two"], "expected a whole number from 1 to 64"),
        (["build", "--set", "fps=-1"], "out of range"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, fragment, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_build_with_a_typo_exits_2_and_writes_nothing(tmp_path):
    """The pipeline issue: `sorabook build --set fsp=30` suggests fps and writes nothing."""
    (tmp_path / "keep").write_text("x")
    before = tree_snapshot(tmp_path)
    proc = run_cli("build", "--set", "fsp=30", "--out", str(tmp_path / "site"),
                   env={"SORABOOK_CACHE": str(tmp_path / "cache")})
    assert proc.returncode == 2
    assert "did you mean 'fps'" in proc.stderr and proc.stderr.count("\n") == 1
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert tree_snapshot(tmp_path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["keep"]


def test_build_out_is_a_file(tmp_path):
    target = tmp_path / "site"
    target.write_text("not a folder")
    proc = run_cli("build", "--out", str(target))
    assert proc.returncode == 2 and "is a file" in proc.stderr
    assert target.read_text() == "not a folder"


# --- suggestions for what a reader types ------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, hint",
    [
        (["results", "--set", "FPS=30"], "unknown parameter 'FPS' in --set (did you mean 'fps'?)"),
        (["results", "--set", "frame-width=720"], "(did you mean 'frame_width'?)"),
        (["results", "--set", "gpu=h100"], "got the text 'h100' (did you mean 'H100-SXM'?)"),
        (["results", "--set", "gpu=h200"], "got the text 'h200' (did you mean 'H200-SXM'?)"),
        (["predict", "--model", "wan2.1-14b", "--gpu", "b200"], "(did you mean 'B200'?)"),
        (["results", "--set", "train_utilization=46%"], "got the text '46%' (did you mean 0.46?)"),
        (["results", "--set", "dit_batch_size=1,024"], "(did you mean 1024?)"),
        (["result"], "invalid choice: 'result' (did you mean 'results'?)"),
        (["Build"], "invalid choice: 'Build' (did you mean 'build'?)"),
        (["results", "--format", "jsn"], "invalid choice: 'jsn' (did you mean 'json'?)"),
    ],
)
def test_a_near_miss_names_what_was_meant(argv, hint, capsys):
    """Issue "The book as readers meet it": ``--set FPS=30``, ``--set gpu=h100``, ``--set
    train_utilization=46%`` and ``sorabook result`` got no suggestion. Each is still refused (one line,
    exit 2, nothing on stdout) and now names the value or name the reader meant."""
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert hint in err, err
    assert err.count("\n") == 1 and "Traceback" not in err and out == ""


@pytest.mark.parametrize(
    "argv, unlike",
    [
        (["results", "--set", "fps=30%"], "did you mean"),  # frames/s is no share: no percentage reading
        (["results", "--set", "train_utilization=150%"], "did you mean"),  # 1.5 is out of range too
        (["results", "--set", "x=1"], "did you mean"),
        (["frobnicate"], "did you mean"),
    ],
)
def test_no_suggestion_that_would_be_refused_or_is_a_guess(argv, unlike, capsys):
    """A suggestion is offered only when it is a valid value or a close name."""
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert unlike not in err and err.count("\n") == 1


# --- tables that fit the terminal -------------------------------------------------------------------


def _words(text: str) -> str:
    """``text`` with its line breaks and runs of spaces as single spaces (a wrapped text read back)."""
    return " ".join(text.split())


@pytest.mark.parametrize("columns", ["80", "120", "200"])
def test_params_fits_the_terminal_and_writes_numbers_as_the_book_does(columns, capsys, monkeypatch):
    """Issue "The book as readers meet it": ``sorabook params`` was 308 characters wide and printed
    20000000000.0, 1e+21 and [0, 4.29497e+09]. Now every line fits $COLUMNS, the numbers read as in
    the book (sora_params 2 × 10¹⁰, the DiT's 1 × 10²¹ table flop, the seed's exact bound), and every
    description is there whole (wrapped)."""
    from sorabook.params import REGISTRY

    monkeypatch.setenv("COLUMNS", columns)
    assert cli.main(["params"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= int(columns)
    for bad in ("20000000000.0", "1e+21", "e+", "4.29497e+09", "60.0"):
        assert bad not in out
    rows = {line.split()[0]: line for line in out.splitlines() if line and not line.startswith(" ")}
    assert "2\u00a0×\u00a010¹⁰" in rows["sora_params"] and "1\u00a0×\u00a010²¹" in rows["dit_train_flops"]
    assert "0 to 4294967295" in rows["seed"] and " 20240301 " in rows["seed"]
    assert "3,000,000" in rows["dit_train_steps"] and "0.001 to 1" in rows["train_utilization"]
    assert set(REGISTRY) <= set(rows)
    for p in REGISTRY.values():
        assert _words(p.description) in _words(out)


def test_params_long_shows_each_source_and_csv_has_them(capsys, monkeypatch):
    """``params`` promised a source column it did not print: ``--long`` puts each parameter's
    source under its description (still within $COLUMNS); ``--format csv`` has every field."""
    import csv
    import io

    from sorabook.params import REGISTRY

    monkeypatch.setenv("COLUMNS", "80")
    assert cli.main(["params", "--long"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    for p in REGISTRY.values():
        assert _words(f"source: {p.source}") in _words(out)
    assert cli.main(["params", "--format", "csv", "--scenario", "corrected"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["parameter"] for r in rows] == list(REGISTRY)
    by_name = {r["parameter"]: r for r in rows}
    assert by_name["fps"]["source"] == REGISTRY["fps"].source
    assert by_name["flops_per_mac"]["value"] == "2.0" and by_name["flops_per_mac"]["default"] == "1.0"


def test_params_one_row_per_parameter_on_a_wide_terminal(capsys, monkeypatch):
    """A wide terminal gets one row per parameter, its description beside it."""
    monkeypatch.setenv("COLUMNS", "200")
    assert cli.main(["params"]) == 0
    out = capsys.readouterr().out
    fps = next(line for line in out.splitlines() if line.startswith("fps "))
    assert "frames/s" in fps and "frame rate of the generated video" in fps


@pytest.mark.parametrize("columns", ["80", "132"])
def test_scenarios_fit_the_terminal(columns, capsys, monkeypatch):
    """Issue: the scenarios' rule was about 600 dashes (the corrected scenario's description on one
    line). Now the description wraps within $COLUMNS and reads whole."""
    from sorabook.params import load_scenario

    monkeypatch.setenv("COLUMNS", columns)
    assert cli.main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= int(columns)
    assert _words(load_scenario("corrected").description) in _words(out)


# --- a reader who stops reading --------------------------------------------------------------------


def _pipeline(script: str, *args: str, tmp_path) -> subprocess.CompletedProcess:
    """``script`` run by bash with ``set -o pipefail``; ``$0`` is this Python, ``$@`` the arguments."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SORABOOK_CACHE": str(tmp_path / "cache")}
    return subprocess.run([shutil.which("bash") or "/bin/bash", "-c", "set -o pipefail; " + script,
                           sys.executable, *args], capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=300)


@pytest.mark.parametrize("args", [["results"], ["results", "--format", "json"], ["params", "--long"],
                                  ["scenarios"], ["predict", "--model", "wan2.1-14b"]])
def test_piped_into_head_the_command_ends_quietly(args, tmp_path):
    """Issue: ``sorabook results | head`` ended in a BrokenPipeError traceback. Here ``head -1``
    has printed its line and left a second before the command writes: the command ends with no
    message and 141 (128 + SIGPIPE, as ``cat`` or ``seq`` do) or 0, never a traceback."""
    proc = _pipeline('{ echo first; sleep 1; exec "$0" -m sorabook "$@"; } | head -1', *args, tmp_path=tmp_path)
    assert proc.stdout == "first\n"
    assert proc.stderr == "" and proc.returncode in (0, 141), proc.stderr



def test_predict_help_lists_every_preset(capsys, monkeypatch):
    """Issue: ``predict --help`` said "see sorabook/predict.py" (and, once it listed them, broke
    ``open-sora-2.0`` across two lines at a hyphen). Now each preset of
    :data:`sorabook.model.presets.PRESETS` starts a line, whole, with its model and default video."""
    from sorabook.model.presets import PRESETS

    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit) as done:
        cli.main(["predict", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "predict.py" not in out and max(len(line) for line in out.splitlines()) <= 80
    starts = {line.split()[0] for line in out.splitlines() if line.startswith("  ") and line.split()}
    for name, preset in PRESETS.items():
        assert name in starts
        assert f"{name} " in out and preset.model.name in out


# --- what a build prints ----------------------------------------------------------------------------


@pytest.fixture
def stub_build(tmp_path, monkeypatch, capsys):
    """``sorabook build`` with the build itself replaced by one that returns the real results of the
    default scenario, run in ``tmp_path`` (what the command prints, in a second)."""
    from types import SimpleNamespace

    from sorabook.book import publish
    from sorabook.cli import build as build_command
    from sorabook.results.registry import CHAPTERS

    assert cli.main(["results", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)

    def fake(params, scenario, out, **kwargs):
        """The stand-in for :func:`publish.build`: every chapter executed, nothing written."""
        runs = [SimpleNamespace(stem=f"{n:02d}-chapter", cached=False, seconds=1.0) for n in range(len(CHAPTERS))]
        return publish.BuildResult(out=out, results=doc, runs=runs, seconds={"total": 12.5})

    monkeypatch.setattr(publish, "build", fake)
    monkeypatch.setattr(build_command, "_check_runtime", lambda: None)
    monkeypatch.setenv("SORABOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return doc


def test_build_ends_with_the_site_and_a_one_line_summary(stub_build, capsys):
    """Issue: the build ended with about 100 result rows that pushed the site's path off the screen.
    Now it prints what ran and, last, the site's path with a summary; no result rows."""
    from sorabook.results.registry import CHAPTERS, RESULTS

    assert cli.main(["build", "--out", "site"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"chapters executed: {len(CHAPTERS)} of {len(CHAPTERS)}")
    assert lines[-1] == (f"site: site/index.html ({len(CHAPTERS)} chapters, {len(RESULTS)} results in results.json "
                         "and results.csv beside it; `sorabook results` lists them)")


def test_build_results_flag_prints_the_table_before_the_site(stub_build, capsys):
    """``--results`` brings the table back, above the site's line, which stays last."""
    assert cli.main(["build", "--out", "site", "--results"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("latent-frames ") for line in lines)
    assert lines[-1].startswith("site: site/index.html (")


# --- long silent steps say what they do --------------------------------------------------------------


def test_make_says_what_it_installs_and_builds():
    """Issue: ``make book`` on a fresh clone installed for minutes in silence. Each long step now
    announces itself before it starts (``make -n`` lists the commands a fresh clone would run)."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    proc = subprocess.run([make, "-n", "book", "test", "VENV=/nonexistent/venv", "NODE_STAMP=/nonexistent/stamp"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    first = {word: next(i for i, line in enumerate(lines) if word in line)
             for word in ("-m venv", "npm ci --", "sorabook build", "-m pytest")}
    for word, says in (("-m venv", "installing the pinned packages"), ("npm ci --", "installing Pyodide"),
                       ("sorabook build", "building the book"), ("-m pytest", "running the tests")):
        assert says in lines[first[word] - 1], (word, lines[first[word] - 1])


def test_the_build_fixture_announces_itself_under_quiet_pytest(tmp_path):
    """Issue: ``make test`` was silent for minutes while the browser tests built the book. The build
    fixture announces itself with :func:`conftest.announce`, which reaches the terminal under ``-q``
    and output capture (a plain print in a fixture would be captured and never shown)."""
    import inspect

    import conftest

    assert "announce(pytestconfig, \"building the book" in inspect.getsource(conftest.default_build)
    (tmp_path / "test_inner.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'tests')!r})\n"
        "from conftest import announce\n\n"
        "def test_one(pytestconfig):\n"
        "    print('captured, not shown')\n"
        "    announce(pytestconfig, 'building the book for the tests...')\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "building the book for the tests..." in proc.stdout.splitlines()
    assert "captured, not shown" not in proc.stdout


def test_results_table_fits_the_terminal(capsys, monkeypatch):
    """The results table was 97 characters wide (long units): at $COLUMNS=80 the unit column wraps,
    every key keeps its value on its row, and the values are those of the JSON."""
    from sorabook.results.registry import RESULTS

    monkeypatch.setenv("COLUMNS", "80")
    assert cli.main(["results"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 80
    keys = {line.split()[0] for line in lines[3:] if line and not line.startswith(" ")}
    assert keys == set(RESULTS)
