"""Kernels forked from a warm server (sorabook.book.kernels, .provisioner): same outputs, same lifecycle;
the readiness check under load."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from sorabook.book import kernels, plan, provisioner

ROOT = Path(__file__).resolve().parents[1]



def _run(coro):
    """Run a coroutine in a fresh event loop of its own thread: an earlier test of the session may have
    left this thread with a running loop (nbclient's run_sync), where asyncio.run refuses to start."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()

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

    declared = plan.chapter_parameters(source)
    with tempfile.TemporaryDirectory() as ipc:
        papermill.execute_notebook(jupytext.read(source), str(out), parameters=declared, kernel_name="python3",
                                   language="python", progress_bar=False, cwd=str(ROOT / "notebooks"),
                                   kernel_manager_class=provisioner.kernel_manager_class(ipc),
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
    async def check(ipc: str) -> None:
        """Fork a kernel (IPC files in ``ipc``), run a cell, kill the server, see the kernel go."""
        km = provisioner.kernel_manager_class(ipc)(kernel_name="python3")
        await km.start_kernel(cwd=str(ROOT))
        try:
            kc = km.client()
            kc.start_channels()
            await kc.wait_for_ready(timeout=30)
            pid = km.provisioner.pid
            assert pid in _children(server.pid)
            assert (Path("/proc") / str(pid) / "comm").read_text().strip() == kernels.KERNEL_NAME
            reply = await kc.execute_interactive("import os; print(os.getcwd(), os.getppid())", timeout=30)
            assert reply["content"]["status"] == "ok"
            kc.stop_channels()
            os.kill(server.pid, signal.SIGKILL)  # the worker died, and its server with it
            assert _gone(pid, within=5), "the kernel outlived its server"
            assert await km.is_alive() is False
        finally:
            await km.shutdown_kernel(now=True)

    with tempfile.TemporaryDirectory() as ipc:
        _run(check(ipc))


def test_the_kernel_manager_and_client_are_asynchronous():
    """attack: a kernel that died in a cell hung the build for ever: the client was a blocking one,
    and its wait for the cell's reply held the event loop in which nbclient checks the kernel."""
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager

    with tempfile.TemporaryDirectory() as ipc:
        km = provisioner.kernel_manager_class(ipc)(kernel_name="python3")
        assert isinstance(km, AsyncKernelManager)
        assert isinstance(km.client(), AsyncKernelClient)


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
    assert kernels.launcher_args(["/usr/bin/python3.9", "-m", "ipykernel_launcher", "-f", "c.json"]) is None
    assert kernels.launcher_args(["julia", "kernel.jl", "c.json"]) is None
    import sys

    assert kernels.launcher_args([sys.executable, "-m", "ipykernel_launcher", "-f", "c.json"]) == ["-f", "c.json"]


def test_a_kernel_starts_as_jupyter_starts_it_when_the_server_cannot_fork(monkeypatch, tmp_path):
    conn = kernels.Connection(str(tmp_path / "no-server"), os.getpid())  # alive, but not listening
    conn.connect_timeout = 0.2
    monkeypatch.setattr(kernels, "_server", conn)

    async def check(ipc: str) -> None:
        """Start a kernel (IPC files in ``ipc``): launched as Jupyter launches it; it answers."""
        km = provisioner.kernel_manager_class(ipc)(kernel_name="python3")
        await km.start_kernel(cwd=str(ROOT))
        try:
            pid = km.provisioner.pid
            cmdline = (Path("/proc") / str(pid) / "cmdline").read_text()
            assert "ipykernel_launcher" in cmdline
            kc = km.client()
            kc.start_channels()
            await kc.wait_for_ready(timeout=60)
            kc.stop_channels()
        finally:
            await km.shutdown_kernel(now=True)

    with tempfile.TemporaryDirectory() as ipc:
        _run(check(ipc))


# --- the provisioner: selected through the kernel specification, installed as an entry point ---


def test_the_fork_provisioner_is_installed_and_named_by_the_spec_only_with_a_server(server, monkeypatch):
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group="jupyter_client.kernel_provisioners")}
    assert names.get(provisioner.PROVISIONER) == "sorabook.book.provisioner:ForkProvisioner", \
        "the provisioner's entry point is not installed: reinstall the package (make, or pip install -e .)"
    spec = provisioner.ForkingSpecManager().get_kernel_spec("python3")
    assert spec.metadata["kernel_provisioner"]["provisioner_name"] == provisioner.PROVISIONER
    monkeypatch.setattr(kernels, "_server", None)
    plain = provisioner.ForkingSpecManager().get_kernel_spec("python3")
    assert "kernel_provisioner" not in plain.metadata  # Jupyter's own specification, and launch


def test_no_private_hook_of_jupyter_client_is_overridden():
    """No method the kernel classes define replaces a private (underscore) one of their bases."""
    import ast
    import inspect

    tree = ast.parse(Path(provisioner.__file__).read_text())
    for node in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
        cls = getattr(provisioner, node.name)
        defined = [f.name for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
        private = [name for name in defined if name.startswith("_") and not name.startswith("__")]
        replaced = [name for name in private if any(hasattr(base, name) for base in inspect.getmro(cls)[1:])]
        assert replaced == [], f"{node.name} overrides {replaced}"


# --- the readiness check --------------------------------------------------------------------


class _Channel:
    """Messages delivered at set times (monotonic seconds), as a kernel client's channel gives them."""

    def __init__(self) -> None:
        self.due: list[tuple[float, dict]] = []

    def get(self, timeout: float) -> dict:
        import queue

        end = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            ready = sorted((t, n) for n, (t, _) in enumerate(self.due) if t <= now)
            if ready:
                return self.due.pop(ready[0][1])[1]
            if now >= end:
                raise queue.Empty
            time.sleep(min(0.005, end - now))


class _SlowKernel:
    """A kernel client whose kernel answers each ``kernel_info`` request ``lag`` seconds after it
    was sent: later than the check's next request (its interval is 1 s)."""

    def __init__(self, lag: float, alive: bool = True) -> None:
        from types import SimpleNamespace

        self.lag, self.alive, self.sent = lag, alive, []
        self.shell, self.iopub = _Channel(), _Channel()
        self.session = SimpleNamespace(adapt_version=None)

    def kernel_info(self) -> str:
        msg_id = f"request-{len(self.sent)}"
        self.sent.append(msg_id)
        at = time.monotonic() + self.lag
        parent = {"msg_id": msg_id}
        self.shell.due.append((at, {"msg_type": "kernel_info_reply", "parent_header": parent,
                                    "content": {"protocol_version": "5.4"}}))
        self.iopub.due.append((at, {"msg_type": "status", "parent_header": parent,
                                    "content": {"execution_state": "busy"}}))
        self.iopub.due.append((at + 0.01, {"msg_type": "status", "parent_header": parent,
                                           "content": {"execution_state": "idle"}}))
        return msg_id

    def get_shell_msg(self, timeout: float) -> dict:
        return self.shell.get(timeout)

    def get_iopub_msg(self, timeout: float) -> dict:
        return self.iopub.get(timeout)

    def is_alive(self) -> bool:
        return self.alive


def test_a_kernel_that_first_answers_after_the_next_request_is_seen_as_ready():
    """The old check sent a new request every second and dropped replies to earlier ones: a
    kernel answering after 1.5 s was never ready (each loop read one stale reply, sent one more)."""
    client = _SlowKernel(lag=1.5)
    t0 = time.monotonic()
    reply = _run(provisioner.wait_until_ready(client, timeout=20))
    assert time.monotonic() - t0 < 3.0
    assert reply["parent_header"]["msg_id"] == "request-0"
    assert len(client.sent) <= 3


def test_readiness_gives_up_on_a_dead_or_silent_kernel():
    with pytest.raises(RuntimeError, match="died"):
        _run(provisioner.wait_until_ready(_SlowKernel(lag=0.1, alive=False), timeout=5))
    with pytest.raises(RuntimeError, match="didn't respond in 1 seconds"):
        _run(provisioner.wait_until_ready(_SlowKernel(lag=60), timeout=1))


def test_a_chapter_executes_with_kernels_started_as_jupyter_does_under_cpu_load(tmp_path, monkeypatch):
    """SORABOOK_FORK_KERNELS=0 failed twice under load ("Kernel didn't respond in 60 seconds"):
    the same path, its kernel a new process, with four busy loops on the machine's cores."""
    import subprocess
    import sys

    from sorabook import params
    from sorabook.book import execute

    monkeypatch.setenv("SORABOOK_FORK_KERNELS", "0")
    burn = "import time\nend = time.monotonic() + 180\nwhile time.monotonic() < end:\n    pass\n"
    busy = [subprocess.Popen([sys.executable, "-c", burn]) for _ in range(4)]
    try:
        p, _ = params.resolve()
        runs = plan.plan(ROOT, p, ["01-latent-compression"])
        execute.execute(runs, tmp_path / "dest", tmp_path / "cache", jobs=1, force=True)
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
    executed = tmp_path / "dest" / "notebooks" / "01-latent-compression.ipynb"
    from sorabook.book.site import recorded_results

    assert recorded_results(executed), "the chapter recorded no result"
    log = (tmp_path / "dest" / "_logs" / "01-latent-compression.log").read_text()
    assert "Kernel didn't respond" not in log


def test_every_module_the_fork_server_preloads_exists():
    """The server skips a module that fails to import (kernels then start slower, silently): every name
    in PRELOAD must import, so a renamed module is caught here."""
    import importlib

    for name in kernels.PRELOAD:
        importlib.import_module(name)


_ORPHAN_CHECK = r'''
import ctypes, os, signal, sys, time
from pathlib import Path
from sorabook.book import kernels
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come here, not to init
os.environ.update(kernels.kernel_environment())
srv = kernels.ForkServer()
conn = kernels.Connection(srv.address, srv.pid)
with open(os.devnull, "rb") as null:
    pid = conn.fork(["-f", sys.argv[1]], sys.argv[2], dict(os.environ), (null.fileno(), 1, 2))
os.kill(srv.pid, signal.SIGKILL)  # before the kernel's own parent poller has started
srv.proc.wait()
deadline = time.time() + 20
while time.time() < deadline:
    if os.waitpid(pid, os.WNOHANG)[0] == pid:
        print("gone")
        break
    time.sleep(0.05)
else:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    print("survived")
'''


def test_a_kernel_whose_server_dies_as_it_starts_ends_under_a_subreaper(tmp_path):
    """attack (CI, a SIGTERM to a build just after its first kernel was forked): the server died
    before the kernel's parent poller started, so ipykernel stopped watching it and waited for the
    parent to become init; under a subreaper (a supervisor, a container's init) that never happens,
    and the kernel outlived the build."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", _ORPHAN_CHECK, str(tmp_path / "kernel.json"), str(tmp_path)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.stdout.strip() == "gone", done.stdout + done.stderr
