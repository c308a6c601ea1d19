"""Kernels forked from a warm server (sorabook.kernels): same outputs, same lifecycle."""

from __future__ import annotations

import json
import os
import signal
import tempfile
import time
from pathlib import Path

import pytest

from sorabook import kernels, pipeline

ROOT = Path(__file__).resolve().parents[1]


def _kernel_environment(monkeypatch) -> None:
    """What a build worker's environment holds (for this test only: the build's Sphinx reads it)."""
    for name, value in kernels.kernel_environment().items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def server(monkeypatch):
    """A fork server of this test's own, this process connected to it, stopped afterwards."""
    _kernel_environment(monkeypatch)
    srv = kernels.ForkServer()
    monkeypatch.setattr(kernels, "_server", kernels.Connection(srv.address, srv.pid))
    yield srv
    srv.close()


def _execute(source: Path, out: Path) -> dict:
    """Run a chapter with papermill as the build does (in this process); the executed notebook."""
    import jupytext
    import papermill

    declared = pipeline.chapter_parameters(source)
    with tempfile.TemporaryDirectory() as ipc:
        papermill.execute_notebook(jupytext.read(source), str(out), parameters=declared, kernel_name="python3",
                                   language="python", progress_bar=False, cwd=str(ROOT / "notebooks"),
                                   kernel_manager_class=kernels.kernel_manager_class(ipc),
                                   request_save_on_cell_execute=False, shutdown_kernel="immediate")
    nb = json.loads(out.read_text())
    for cell in nb["cells"]:  # what differs between any two runs: cell ids, timings, paths
        cell.pop("id", None)
        cell["metadata"].pop("papermill", None)
        cell["metadata"].pop("execution", None)
    nb["metadata"].pop("papermill", None)
    return nb


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.add(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


def _gone(pid: int, within: float) -> bool:
    deadline = time.time() + within
    while time.time() < deadline:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def test_a_forked_kernel_gives_the_outputs_of_a_spawned_one(tmp_path, monkeypatch):
    source = ROOT / "notebooks" / "01-latent-compression.md"
    monkeypatch.setattr(kernels, "_server", None)
    _kernel_environment(monkeypatch)
    spawned = _execute(source, tmp_path / "spawned.ipynb")
    srv = kernels.ForkServer()
    monkeypatch.setattr(kernels, "_server", kernels.Connection(srv.address, srv.pid))
    try:
        forked = _execute(source, tmp_path / "forked.ipynb")
        assert kernels._server.sock is not None, "the kernel was not forked"
    finally:
        srv.close()
    assert any(o.get("output_type") == "display_data" and "image/svg+xml" in o.get("data", {})
               for c in forked["cells"] for o in c.get("outputs", [])), "the chapter drew no figure"
    assert forked == spawned


def test_a_forked_kernel_is_the_servers_child_and_exits_with_it(server):
    with tempfile.TemporaryDirectory() as ipc:
        km = kernels.kernel_manager_class(ipc)(kernel_name="python3")
        km.start_kernel(cwd=str(ROOT))
        try:
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=30)
            pid = km.provisioner.pid
            assert pid in _children(server.pid)
            assert (Path("/proc") / str(pid) / "comm").read_text().strip() == kernels.KERNEL_NAME
            reply = kc.execute_interactive("import os; print(os.getcwd(), os.getppid())", timeout=30)
            assert reply["content"]["status"] == "ok"
            kc.stop_channels()
            os.kill(server.pid, signal.SIGKILL)  # the worker died, and its server with it
            assert _gone(pid, within=5), "the kernel outlived its server"
            assert km.is_alive() is False
        finally:
            km.shutdown_kernel(now=True)


def test_the_server_exits_when_its_owner_goes(tmp_path, monkeypatch):
    _kernel_environment(monkeypatch)
    srv = kernels.ForkServer()
    try:
        conn = kernels.Connection(srv.address, srv.pid)
        with open(os.devnull, "rb") as null:
            pid = conn.fork(["-f", str(tmp_path / "kernel.json")], str(tmp_path), dict(os.environ),
                            (null.fileno(), 1, 2))
        assert pid in _children(srv.pid)
        srv.proc.stdin.close()  # what the owner's death does to the pipe
        assert srv.proc.wait(timeout=30) == 0
        assert not Path(srv.folder).exists(), "the server left its socket behind"
        assert _gone(pid, within=5), "the kernel outlived its server"
    finally:
        srv.close()


def test_forking_falls_back_to_an_ordinary_launch(monkeypatch):
    monkeypatch.setenv("SORABOOK_FORK_KERNELS", "0")
    assert kernels.start_server() is None
    kernels.connect(None, None)
    assert kernels._server is None
    assert kernels._launcher_args(["/usr/bin/python3.9", "-m", "ipykernel_launcher", "-f", "c.json"]) is None
    assert kernels._launcher_args(["julia", "kernel.jl", "c.json"]) is None
    import sys

    assert kernels._launcher_args([sys.executable, "-m", "ipykernel_launcher", "-f", "c.json"]) == ["-f", "c.json"]


def test_a_kernel_starts_as_jupyter_starts_it_when_the_server_cannot_fork(monkeypatch, tmp_path):
    conn = kernels.Connection(str(tmp_path / "no-server"), os.getpid())  # alive, but not listening
    conn.connect_timeout = 0.2
    monkeypatch.setattr(kernels, "_server", conn)
    with tempfile.TemporaryDirectory() as ipc:
        km = kernels.kernel_manager_class(ipc)(kernel_name="python3")
        km.start_kernel(cwd=str(ROOT))
        try:
            pid = km.provisioner.pid
            cmdline = (Path("/proc") / str(pid) / "cmdline").read_text()
            assert "ipykernel_launcher" in cmdline
            kc = km.client()
            kc.start_channels()
            kc.wait_for_ready(timeout=60)
            kc.stop_channels()
        finally:
            km.shutdown_kernel(now=True)
