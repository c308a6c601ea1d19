"""Reliability: bad input, interrupted and failing builds, determinism, concurrency, escaping."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from sorabook import params
from sorabook.book import execute, kernels, plan, publish
from sorabook.results import registry as report

from conftest import BIN, ROOT, run_cli, tree_snapshot

TEN_MB = "# " + "x" * 10_000_000 + "\n"

# (name, argv, files to create first {name: text or bytes}, fragment expected on stderr)
BAD_INPUTS = [
    # --set
    ("set-unknown", ["build", "--set", "fsp=30"], {}, "did you mean 'fps'"),
    ("set-unknown-far", ["build", "--set", "resolution=4k"], {}, "unknown parameter 'resolution'"),
    ("set-text", ["build", "--set", "fps=abc"], {}, "expected a number"),
    ("set-nan", ["build", "--set", "fps=nan"], {}, "not a finite number"),
    ("set-yaml-nan", ["build", "--set", "fps=.nan"], {}, "not a finite number"),
    ("set-inf", ["build", "--set", "fps=inf"], {}, "not a finite number"),
    ("set-minus-inf", ["build", "--set", "video_seconds=-inf"], {}, "not a finite number"),
    ("set-negative", ["build", "--set", "fps=-24"], {}, "out of range"),
    ("set-zero-divides", ["build", "--set", "fps=0"], {}, "expected a number >= 1"),
    ("set-zero-compression", ["build", "--set", "temporal_compression=0"], {}, "out of range"),
    ("set-zero-patch", ["build", "--set", "patch_size=0"], {}, "out of range"),
    ("set-fraction-int", ["build", "--set", "temporal_compression=2.5"], {}, "expected an integer"),
    ("set-list", ["build", "--set", "fps=[24, 30]"], {}, "got a list"),
    ("set-mapping", ["build", "--set", "fps={a: 1}"], {}, "got a mapping"),
    ("set-empty", ["build", "--set", "fps="], {}, "got an empty value"),
    ("set-no-equals", ["build", "--set", "fps"], {}, "expected NAME=VALUE"),
    ("set-no-name", ["build", "--set", "=3"], {}, "parameter name before '='"),
    ("set-boolean", ["build", "--set", "fps=yes"], {}, "got the boolean true"),
    ("set-too-large", ["build", "--set", "video_seconds=1e9"], {}, "out of range"),
    ("set-constraint", ["build", "--set", "image_size=520"], {}, "multiple of"),
    ("set-yaml-error", ["build", "--set", "fps=[1"], {}, "YAML syntax error"),
    # --params FILE
    ("params-list", ["build", "--params", "p.yaml"], {"p.yaml": "- 1\n- 2\n"}, "expected a YAML mapping"),
    ("params-scalar", ["build", "--params", "p.yaml"], {"p.yaml": "42\n"}, "expected a YAML mapping"),
    ("params-empty", ["build", "--params", "p.yaml"], {"p.yaml": ""}, "expected a YAML mapping"),
    ("params-syntax", ["build", "--params", "p.yaml"], {"p.yaml": "fps: [1\n"}, "YAML syntax error at line"),
    ("params-duplicate", ["build", "--params", "p.yaml"], {"p.yaml": "fps: 24\nfps: 30\n"}, "appears twice"),
    ("params-10mb", ["build", "--params", "p.yaml"], {"p.yaml": TEN_MB}, "expected at most"),
    ("params-missing", ["build", "--params", "absent.yaml"], {}, "no such file"),
    ("params-unknown", ["build", "--params", "p.yaml"], {"p.yaml": "parameters:\n  fsp: 30\n"}, "did you mean 'fps'"),
    ("params-python-tag", ["build", "--params", "p.yaml"], {"p.yaml": "fps: !!python/object:os.system x\n"},
     "YAML syntax error"),
    ("params-extra-key", ["build", "--params", "p.yaml"], {"p.yaml": "parameters: {}\nextends: x\n"},
     "unexpected top-level key"),
    ("params-binary", ["build", "--params", "p.yaml"], {"p.yaml": b"\xff\xfe\x00fps"}, "cannot be read as UTF-8"),
    ("params-list-parameters", ["build", "--params", "p.yaml"], {"p.yaml": "parameters: [1]\n"},
     "expected a mapping"),
    ("params-nan", ["build", "--params", "p.yaml"], {"p.yaml": "fps: .nan\n"}, "not a finite number"),
    ("params-share-string", ["build", "--params", "p.yaml"], {"p.yaml": "fps: '24'\n"}, "expected a number"),
    # --scenario
    ("scenario-path", ["build", "--scenario", "../x"], {}, "is not a scenario name"),
    ("scenario-slash", ["build", "--scenario", "a/b"], {}, "is not a scenario name"),
    ("scenario-absolute", ["build", "--scenario", "/etc/passwd"], {}, "is not a scenario name"),
    ("scenario-empty", ["build", "--scenario", ""], {}, "is not a scenario name"),
    ("scenario-typo", ["build", "--scenario", "artcle"], {}, "did you mean 'article'"),
    ("scenario-and-params", ["build", "--scenario", "article", "--params", "p.yaml"], {"p.yaml": "fps: 30\n"},
     "not allowed with argument"),
    # --out
    ("out-file", ["build", "--out", "afile"], {"afile": "data"}, "is a file"),
    ("out-unwritable", ["build", "--out", "/proc/sorabook-site"], {}, "cannot write in /proc"),
    ("out-current", ["build", "--out", "."], {}, "is the current folder or above it"),
    ("out-empty-name", ["build", "--out", ""], {}, "expected a folder for the site"),
    ("out-foreign-folder", ["build", "--out", "docs"], {"docs/notes.txt": "mine"}, "holds files but no sorabook site"),
    ("out-project-with-build-json", ["build", "--out", "proj"],  # issue 19: was deleted whole, exit 0
     {"proj/build.json": "{}", "proj/precious.txt": "mine", "proj/src/main.py": "print(1)"},
     "holds files but no sorabook site (.sorabook-site)"),
    ("out-long-name", ["build", "--out", "s" * 250], {}, "its name has 250 bytes; expected at most"),
    ("cache-a-file", ["build"], {"cache": "not a folder"}, "expected a folder for the build cache"),
    # --jobs
    ("jobs-zero", ["build", "--jobs", "0"], {}, "expected a whole number from 1 to 64"),
    ("jobs-negative", ["build", "--jobs", "-1"], {}, "expected a whole number from 1 to 64"),
    ("jobs-text", ["build", "--jobs", "two"], {}, "expected a whole number from 1 to 64"),
    ("jobs-fraction", ["build", "--jobs", "1.5"], {}, "expected a whole number from 1 to 64"),
    ("jobs-too-many", ["build", "--jobs", "65"], {}, "expected a whole number from 1 to 64"),
    # sorabook predict
    ("predict-unknown-model", ["predict", "--model", "wan2.1", *"--width 1280 --height 720 --frames 81 --steps 50".split()],
     {}, "did you mean 'wan2.1-14b'"),
    ("predict-zero-frames", ["predict", "--model", "wan2.1-14b", "--frames", "0"], {},
     "parameter 'clip_frames' (from --frames): got 0"),
    ("predict-zero-width", ["predict", "--model", "wan2.1-14b", "--width", "0"], {},
     "parameter 'frame_width' (from --width): got 0"),
    ("predict-mfu", ["predict", "--model", "wan2.1-14b", "--mfu", "1.5"], {},
     "parameter 'inference_utilization' (from --mfu): got 1.5"),
    ("predict-tiny-mfu", ["predict", "--model", "wan2.1-14b", "--mfu", "5e-324", "--format", "json"], {},
     "parameter 'inference_utilization' (from --mfu): got 4.94066e-324, out of range"),
    ("predict-gpus", ["predict", "--model", "wan2.1-14b", "--gpus", "0"], {},
     "parameter 'gpus_per_video' (from --gpus): got 0"),
    ("predict-gpu-case", ["predict", "--model", "wan2.1-14b", "--gpu", "h100-sxm"], {}, "did you mean 'H100-SXM'?"),
    ("set-gpu-short", ["results", "--set", "gpu=h100"], {}, "did you mean 'H100-SXM'?"),
    ("predict-gpu", ["predict", "--model", "wan2.1-14b", "--gpu", "H100"], {}, "H100"),
    # other commands
    ("results-format", ["results", "--format", "xml"], {}, "invalid choice"),
    ("results-set", ["results", "--set", "fps=nan"], {}, "not a finite number"),
    ("params-set", ["params", "--set", "fps=30"], {}, "unrecognized arguments"),
    ("unknown-command", ["frobnicate"], {}, "invalid choice"),
]


def test_bad_input_matrix_has_enough_cases():
    """The reliability issue asks for at least 40 bad inputs."""
    assert len(BAD_INPUTS) >= 40


@pytest.mark.parametrize("name, argv, files, fragment", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, name, argv, files, fragment):
    for rel, content in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = tree_snapshot(tmp_path)
    if argv[0] == "build" and "--out" not in argv:
        argv = [*argv, "--out", "site"]
    proc = run_cli(*argv, cwd=tmp_path, env={"SORABOOK_CACHE": str(tmp_path / "cache")})
    assert proc.returncode == 2, proc.stderr
    assert fragment in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("sorabook")
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert tree_snapshot(tmp_path) == before
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == \
        sorted({*files, *(str(Path(f).parent) for f in files if "/" in f)})


# --- failures and interruptions ---------------------------------------------------------------


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _is_kernel(pid: int) -> bool:
    """A kernel started by Jupyter (its command line) or forked by the build (its name)."""
    try:
        cmdline = (Path("/proc") / str(pid) / "cmdline").read_text(errors="replace")
        comm = (Path("/proc") / str(pid) / "comm").read_text().strip()
    except OSError:
        return False
    return "ipykernel" in cmdline or comm == kernels.KERNEL_NAME


@pytest.mark.build
def test_ctrl_c_during_execution_keeps_site_and_leaves_no_kernel(tmp_path, default_build):
    out = tmp_path / "site"
    import shutil

    shutil.copytree(default_build.out, out)
    before = tree_snapshot(out)
    proc = subprocess.Popen([str(BIN / "sorabook"), "build", "--force", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "SORABOOK_CACHE": str(tmp_path / "cache")})
    seen: set[int] = set()
    deadline = time.time() + 60
    kernel_seen = False
    while time.time() < deadline and not kernel_seen:  # wait until a kernel runs
        seen |= _descendants(proc.pid)
        kernel_seen = any(_is_kernel(p) for p in seen if _alive(p))
        time.sleep(0.05)
    assert kernel_seen, "no kernel started"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    time.sleep(2.5)  # a kernel notices its parent is gone within a second
    assert [p for p in seen if _alive(p)] == []
    assert tree_snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir() if ".staging-" in p.name or ".new-" in p.name] == []


# --- determinism -----------------------------------------------------------------------------


@pytest.mark.build
def test_same_inputs_give_identical_results_and_outputs(tmp_path, default_build):
    p, scenario = params.resolve()
    other = publish.build(p, scenario, tmp_path / "site", cache_dir=tmp_path / "cache", root=ROOT, force=True)
    a = json.loads((default_build.out / "results.json").read_text())
    b = json.loads((other.out / "results.json").read_text())
    assert a == b  # results.json carries no date; build.json does
    for stem in report.CHAPTERS:
        html_a = (default_build.out / "notebooks" / f"{stem}.html").read_text()
        html_b = (other.out / "notebooks" / f"{stem}.html").read_text()
        assert _without_build_stamp(html_a) == _without_build_stamp(html_b), stem


def _without_build_stamp(html: str) -> str:
    """A page without the provenance line that names the commit and the build date."""
    return "\n".join(ln for ln in html.splitlines() if "git commit" not in ln and " UTC" not in ln)


@pytest.mark.build
def test_executed_outputs_are_byte_identical(tmp_path):
    """Two executions of the same chapter give the same outputs (figures included)."""
    p, scenario = params.resolve()
    runs = plan.plan(ROOT, p, report.CHAPTERS[:1])
    outs = []
    for n in range(2):
        dest = tmp_path / f"run{n}"
        execute.execute(runs, dest, tmp_path / f"cache{n}", jobs=1, force=True)
        nb = json.loads((dest / "notebooks" / f"{runs[0].stem}.ipynb").read_text())
        outs.append([c.get("outputs") for c in nb["cells"]])
    assert outs[0] == outs[1]


# --- concurrency -----------------------------------------------------------------------------


@pytest.mark.build
def test_two_builds_into_different_folders_at_once(tmp_path):
    env = {"SORABOOK_CACHE": str(tmp_path / "cache")}
    procs = [subprocess.Popen([str(BIN / "sorabook"), "build", "--force", "--jobs", "1", "--out", str(tmp_path / f"s{i}")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env})
             for i in range(2)]
    results = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    a, b = (json.loads((tmp_path / f"s{i}" / "results.json").read_text()) for i in range(2))
    assert a == b


@pytest.mark.build
def test_two_builds_into_the_same_folder_never_interleave(tmp_path, default_build):
    import shutil

    out = tmp_path / "site"
    shutil.copytree(default_build.out, out)
    env = {**os.environ, "SORABOOK_CACHE": str(tmp_path / "cache")}
    procs = [subprocess.Popen([str(BIN / "sorabook"), "build", "--force", "--out", str(out), "--set", f"fps={f}"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for f in (25, 30)]
    results = [p.communicate(timeout=600) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes in ([0, 0], [0, 1]), results
    if codes == [0, 1]:
        loser = next(r for p, r in zip(procs, results) if p.returncode == 1)
        assert "another build is writing" in loser[1]
    doc = json.loads((out / "results.json").read_text())
    page = (out / "notebooks" / "01-latent-compression.html").read_text()
    assert doc["parameters_sha256"] in page  # the site and its results.json come from one build


# --- escaping --------------------------------------------------------------------------------


@pytest.mark.build
def test_scenario_text_is_shown_as_written_never_interpreted(tmp_path):
    hostile = "<script>alert('x')</script> `code` {glue:text}`video-frames` **bold** [link](http://x.invalid)"
    path = tmp_path / "hostile.yaml"
    path.write_text(json.dumps({"description": hostile, "parameters": {"fps": 30}}))
    p, scenario = params.resolve(params_file=path)
    built = publish.build(p, scenario, tmp_path / "site", cache_dir=tmp_path / "cache", root=ROOT)
    page = (built.out / "notebooks" / "01-latent-compression.html").read_text()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page
    assert "<strong>bold</strong>" not in page and "**bold**" in page
    assert 'href="http://x.invalid"' not in page
    assert "{glue:text}" in page  # shown literally, not resolved


# --- upgrade safety --------------------------------------------------------------------------


def test_every_published_result_name_still_resolves():
    """A published key stays a key or becomes an alias of one; new keys are added to the list."""
    lines = (ROOT / "tests" / "data" / "published-results.txt").read_text().splitlines()
    published = [ln for ln in lines if ln and not ln.startswith("#")]
    for key in published:
        assert report.lookup(key).key in report.RESULTS, key
    assert set(report.RESULTS) <= set(published), "add new result keys to tests/data/published-results.txt"


def test_an_alias_resolves_to_the_renamed_result(monkeypatch):
    spec = report.RESULTS["latent-frames"]
    monkeypatch.setitem(report.ALIASES, "latent-frame-count", "latent-frames")
    assert report.lookup("latent-frame-count") is spec
