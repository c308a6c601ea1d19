"""Executing chapters (sorabook.book.execute): the chapter cache, failures named by notebook and cell."""

from __future__ import annotations

import json

import pytest

from sorabook import params
from sorabook.book import execute, plan, publish

from conftest import ROOT


@pytest.mark.build
def test_changed_parameter_reaches_site_and_cache_skips_unchanged(tmp_path):
    """The pipeline issue: --set fps=30 shows 1,800 frames / 225 latent frames; a rebuild executes nothing."""
    cache = tmp_path / "cache"
    p, scenario = params.resolve(sets=["fps=30"])
    first = publish.build(p, scenario, tmp_path / "site", cache_dir=cache, root=ROOT)
    # every chapter that declares fps re-executes (chapter 1 and the later chapters that reuse its frames)
    assert "01-latent-compression" in first.executed
    doc = json.loads((tmp_path / "site" / "results.json").read_text())
    assert doc["results"]["video-frames"]["value"] == 1800.0
    assert doc["results"]["latent-frames"]["value"] == 225.0
    page = (tmp_path / "site" / "notebooks" / "01-latent-compression.html").read_text()
    assert "1,800" in page and "225" in page
    second = publish.build(p, scenario, tmp_path / "site", cache_dir=cache, root=ROOT)
    assert second.executed == []
    forced = publish.build(p, scenario, tmp_path / "site", cache_dir=cache, root=ROOT, force=True)
    assert forced.executed == first.executed


@pytest.mark.build
def test_only_chapters_declaring_a_changed_parameter_execute(tmp_path):
    """The cache is per chapter: train_utilization_realistic is declared by chapter 3 alone."""
    cache = tmp_path / "cache"
    p, scenario = params.resolve()
    publish.build(p, scenario, tmp_path / "site", cache_dir=cache, root=ROOT)
    q, _ = params.resolve(sets=["train_utilization_realistic=0.5"])
    again = publish.build(q, scenario, tmp_path / "site", cache_dir=cache, root=ROOT)
    assert again.executed == ["03-training-estimate"]
    doc = json.loads((tmp_path / "site" / "results.json").read_text())
    assert round(doc["results"]["train-h100-months-low-realistic"]["value"]) == round(4211.3065 / 0.5)


def test_a_failure_names_the_notebook_the_code_cell_and_its_line(tmp_path):
    import nbformat

    source = tmp_path / "09-example.md"
    source.write_text("# Title\n\n```{code-cell} ipython3\nx = 1\n```\n\n```{code-cell} ipython3\n"
                      "y = x / 0\n```\n")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 2", metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("y = x / 0", outputs=[nbformat.v4.new_output(
            "error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])]),
    ])
    err = ZeroDivisionError("division by zero")
    message = execute.failure_message(source, err, nb)
    assert message == "notebooks/09-example.md, code cell 2 (line 8: `y = x / 0`): ZeroDivisionError: division by zero"
    assert execute.failure_message(source, err, None) == "notebooks/09-example.md: ZeroDivisionError: division by zero"


def test_a_cached_chapter_is_taken_from_the_cache_without_a_worker(tmp_path):
    """A chapter whose key is in the cache is copied, marked cached and handed to ready()."""
    p, _ = params.resolve()
    runs = plan.plan(ROOT, p, ["01-latent-compression"])
    cached = tmp_path / "cache" / runs[0].stem / f"{runs[0].key}.ipynb"
    cached.parent.mkdir(parents=True)
    cached.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n')
    seen = []
    execute.execute(runs, tmp_path / "dest", tmp_path / "cache", jobs=1, ready=seen.append)
    assert runs[0].cached
    assert seen == [tmp_path / "dest" / "notebooks" / "01-latent-compression.ipynb"]
    assert seen[0].read_bytes() == cached.read_bytes()


# --- a chapter that kills its kernel, runs for ever, or stops itself (issue 19, items 2 and 8) ---

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

from conftest import BIN

#: The chapter the attacks go into: the largest source, so the first to run on a fresh cache.
ATTACKED = "08-uncertainty"


def _attack(root: Path, code: str) -> int:
    """Put a code cell holding ``code`` right after the parameters cell of chapter :data:`ATTACKED`
    in the book copy at ``root``; returns the cell's number among the chapter's code cells."""
    path = root / "notebooks" / f"{ATTACKED}.md"
    text = path.read_text()
    start = text.index(":tags: [parameters]")
    end = text.index("```\n", start) + len("```\n")
    path.write_text(text[:end] + f"\n```{{code-cell}} ipython3\n{code}\n```\n" + text[end:])
    return text[:end].count("```{code-cell}") + 1


def _marked(mark: str) -> list[str]:
    """The processes (``PID comm``) whose environment holds ``SORABOOK_TEST_MARK=mark``: all that a
    build run with it started (workers, fork server, kernels, forked or not)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if f"SORABOOK_TEST_MARK={mark}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(f"{entry.name} {(entry / 'comm').read_text().strip()}")
        except OSError:
            continue
    return found


def _build_guarded(root: Path, tmp_path: Path, *args: str, fork: bool = True, limit: float = 120):
    """``sorabook build --jobs 1 ARGS`` on the book at ``root`` with a fresh cache, killed after
    ``limit`` seconds; returns (exit status, stderr, seconds taken). Fails if the build had to be
    killed, or if any process it started is still alive 10 s after it ended."""
    mark = uuid.uuid4().hex
    env = {**os.environ, "SORABOOK_ROOT": str(root), "SORABOOK_CACHE": str(tmp_path / "cache"),
           "SORABOOK_TEST_MARK": mark, "SORABOOK_FORK_KERNELS": "1" if fork else "0"}
    start = time.monotonic()
    proc = subprocess.Popen([str(BIN / "sorabook"), "build", "--out", str(tmp_path / "site"), "--jobs", "1", *args],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        _, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        for line in _marked(mark):
            os.kill(int(line.split()[0]), signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"the build hung: still running after {limit} s")
    seconds = time.monotonic() - start
    deadline = time.monotonic() + 10
    while _marked(mark) and time.monotonic() < deadline:
        time.sleep(0.2)
    survivors = _marked(mark)
    for line in survivors:
        os.kill(int(line.split()[0]), signal.SIGKILL)
    assert survivors == [], f"processes of the build outlived it: {survivors}"
    return proc.returncode, err, seconds


@pytest.mark.build
@pytest.mark.parametrize("fork", [True, False], ids=["forked-kernels", "spawned-kernels"])
def test_a_kernel_that_dies_fails_the_build_naming_chapter_and_cell(book_copy, tmp_path, fork):
    """attack: a cell doing os._exit(3) (a crash, the OOM killer) hung the build for ever, with the fork
    server and without it: the kernel client was a blocking one, whose wait for the cell's reply (no
    time limit) held the event loop where nbclient checks every second that the kernel still runs."""
    n = _attack(book_copy, "import os\nos._exit(3)")
    code, err, _ = _build_guarded(book_copy, tmp_path, fork=fork)
    assert code == 1, err
    assert f"notebooks/{ATTACKED}.md, code cell {n} (line " in err and "`import os`" in err, err
    assert "kernel died" in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "site").exists()


@pytest.mark.build
def test_a_cell_over_the_time_limit_fails_the_build_naming_chapter_cell_and_limit(book_copy, tmp_path):
    """attack: `while True: pass` in a cell hung the build for ever: cells had no time limit."""
    n = _attack(book_copy, "while True:\n    pass")
    code, err, seconds = _build_guarded(book_copy, tmp_path, "--cell-timeout", "5")
    assert code == 1, err
    assert f"notebooks/{ATTACKED}.md, code cell {n} (line " in err and "`while True:`" in err, err
    assert "time limit of 5 s" in err, err
    assert "Traceback" not in err


@pytest.mark.build
def test_a_chapter_stopped_by_sys_exit_fails_naming_its_cell(book_copy, tmp_path):
    """attack: a cell doing sys.exit(0) stopped the chapter quietly (papermill takes it for a clean
    end): the build then reported a missing result, with no cell named."""
    n = _attack(book_copy, "import sys\nsys.exit(0)")
    code, err, _ = _build_guarded(book_copy, tmp_path)
    assert code == 1, err
    assert f"notebooks/{ATTACKED}.md, code cell {n} (line " in err and "`import sys`" in err, err
    assert "sys.exit" in err and "did not run" in err, err
    assert "missing" not in err


def test_the_cell_time_limit_is_a_build_option_with_one_default(tmp_path):
    """--cell-timeout is checked like every option (one line, exit 2, nothing written); its default is
    the build's."""
    from sorabook.cli import build as build_command

    from conftest import run_cli

    assert build_command.CELL_TIMEOUT == execute.CELL_TIMEOUT
    import inspect

    assert inspect.signature(publish.build).parameters["cell_timeout"].default == execute.CELL_TIMEOUT
    for bad in ("0", "-3", "1.5", "ten"):
        done = run_cli("build", "--out", str(tmp_path / "site"), "--cell-timeout", bad)
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "--cell-timeout" in done.stderr
    assert not (tmp_path / "site").exists()
