"""Jupyter's side of the chapter kernels, on jupyter_client's public APIs.

- :class:`ForkProvisioner` is a kernel provisioner (``jupyter_client.provisioning``),
  registered under the entry point group ``jupyter_client.kernel_provisioners`` as
  :data:`PROVISIONER` (``pyproject.toml``). It launches a kernel by asking this process's
  fork server (:mod:`sorabook.book.kernels`) for one, and falls back to
  :class:`~jupyter_client.provisioning.LocalProvisioner`'s launch when it cannot.
- :class:`ForkingSpecManager` names that provisioner in the kernel specification's
  ``metadata.kernel_provisioner``, the documented way to select one, only while this
  process is connected to a fork server and the entry point is installed. Otherwise the
  specification is Jupyter's own, and so is the launch.
- :func:`wait_until_ready` is the readiness check (a coroutine): it accepts the reply to any
  ``kernel_info`` request it sent, so a kernel slow to answer (a loaded machine) is seen as
  ready as soon as it answers, and returns as soon as the kernel's ``idle`` status for one
  of them has come in on IOPub (jupyter_client's own check ends with 0.2 s of silence).
- :func:`kernel_manager_class` gives papermill a kernel manager on IPC sockets in a folder
  of its own (no TCP port races between parallel kernels) with all of the above.

The manager and its client are jupyter_client's asynchronous ones, as nbclient expects: it
waits for a cell's reply in a coroutine while another checks, every second, that the
kernel still runs. A blocking client's wait holds the event loop, so that check never
ran, and a kernel that died in a cell (a crash, the OOM killer, ``os._exit``) left the
build waiting for ever.
"""

from __future__ import annotations

import inspect
import os
import queue
import signal
import time

from jupyter_client import protocol_version_info
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import KernelProvisionerFactory, LocalProvisioner
from traitlets import DottedObjectName, default

from sorabook.book import kernels

__all__ = [
    "PROVISIONER",
    "ForkProvisioner",
    "ForkedProcess",
    "ForkingSpecManager",
    "IPCKernelManager",
    "ReadyClient",
    "kernel_manager_class",
    "wait_until_ready",
]

#: The provisioner's entry point name (group ``jupyter_client.kernel_provisioners``).
PROVISIONER = "sorabook-fork"


class ForkedProcess:
    """What :class:`~jupyter_client.provisioning.LocalProvisioner` uses of a :class:`subprocess.Popen`,
    for a kernel the fork server started.

    The server reaps its children, so the kernel's exit status is not known here: an
    exited kernel reports 0 (whatever the reason, the notebook's executor sees a kernel
    that stopped, as with any other kernel that died).
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        """The kernel with process id ``pid``."""
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """None while the kernel runs, then its exit status (0)."""
        if self.returncode is None and not kernels.running(self.pid):
            self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait (up to ``timeout`` seconds; None: without limit) for the kernel to exit; its exit status."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:  # a killed kernel is gone within milliseconds
            if deadline is not None and time.monotonic() > deadline:
                import subprocess

                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.005)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the kernel, if it still runs."""
        if self.poll() is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                self.returncode = 0

    def terminate(self) -> None:
        """SIGTERM."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL."""
        self.send_signal(signal.SIGKILL)


class ForkProvisioner(LocalProvisioner):
    """A provisioner whose kernels fork from this process's fork server (:func:`kernels.current`).

    It is :class:`~jupyter_client.provisioning.LocalProvisioner` (connection files,
    signals, clean-up) with one change: :meth:`launch_kernel` asks the server for the
    kernel. When the command is not this interpreter's ipykernel, when there is no
    server or it has died, or when it cannot fork, the kernel is launched as Jupyter
    launches it.
    """

    async def launch_kernel(self, cmd: list[str], **kwargs) -> dict:
        """Start the kernel for ``cmd`` (``env``, ``cwd`` in ``kwargs``); returns its connection info."""
        args = kernels.launcher_args(cmd)
        server = kernels.current()
        if args is None or server is None or not server.alive():
            return await super().launch_kernel(cmd, **kwargs)
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(server.pid)  # the kernel's parent, which it polls
        cwd = str(kwargs.get("cwd") or os.getcwd())
        try:
            with open(os.devnull, "rb") as devnull:
                pid = server.fork(args, cwd, env, (devnull.fileno(), 1, 2))
        except OSError:  # the server is gone: this kernel starts as Jupyter starts kernels
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedProcess(pid)
        self.pid = self.pgid = pid  # the kernel leads a session of its own
        self.cwd = cwd
        return self.connection_info


def fork_provisioner_available(spec: KernelSpec) -> bool:
    """Whether :data:`PROVISIONER` is installed (its entry point found) for kernel spec ``spec``."""
    probe = KernelSpec(**{**spec.to_dict(), "metadata": {"kernel_provisioner": {"provisioner_name": PROVISIONER}}})
    return KernelProvisionerFactory.instance().is_provisioner_available(probe)


class ForkingSpecManager(KernelSpecManager):
    """Kernel specifications that select :class:`ForkProvisioner` while a fork server is connected."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        """Jupyter's specification for ``kernel_name``; when this process is connected to a fork
        server, the spec runs ipykernel and names no provisioner of its own, it names
        :data:`PROVISIONER` in ``metadata.kernel_provisioner`` (which launches as Jupyter does
        a command that is not this interpreter's)."""
        spec = super().get_kernel_spec(kernel_name)
        server = kernels.current()
        if (server is None or not server.alive() or list(spec.argv[1:3]) != ["-m", "ipykernel_launcher"]
                or "kernel_provisioner" in spec.metadata or not fork_provisioner_available(spec)):
            return spec
        spec.metadata = {**spec.metadata, "kernel_provisioner": {"provisioner_name": PROVISIONER, "config": {}}}
        return spec


async def _value(result):
    """``result``, awaited first if it is awaitable (an asynchronous client's methods return coroutines)."""
    return await result if inspect.isawaitable(result) else result


async def wait_until_ready(client, timeout: float | None = None, interval: float = 1.0) -> dict:
    """Wait until the kernel of ``client`` answers; returns its ``kernel_info_reply``.

    Sends a ``kernel_info`` request every ``interval`` seconds (sooner once a reply is in
    but IOPub has not yet shown one of them) and keeps every request's id. Ready means:
    a ``kernel_info_reply`` to ANY of them has come in on the shell channel, and the
    kernel's ``idle`` status for ANY of them on IOPub (a subscription that misses what is
    published while it connects: seeing one proves it connected). A reply that arrives
    after the next request went out still counts, so a kernel slow to answer is never
    missed. Raises RuntimeError when the kernel dies or ``timeout`` seconds pass. Uses
    only the client's public methods (``kernel_info``, ``get_shell_msg``,
    ``get_iopub_msg``, ``is_alive``, ``session``), awaiting those that return an awaitable
    (an asynchronous client's), so that it never holds the event loop.
    """
    limit = float("inf") if timeout is None else timeout
    start = time.monotonic()
    sent: set[str] = set()
    reply, reply_at, idle = None, 0.0, False
    next_request = start
    while reply is None or not idle:
        now = time.monotonic()
        if now - start > limit:
            raise RuntimeError(f"Kernel didn't respond in {limit:.0f} seconds")
        if reply is not None:
            next_request = min(next_request, reply_at + 0.2)
        if now >= next_request:
            if not await _value(client.is_alive()):
                raise RuntimeError("Kernel died before replying to kernel_info")
            sent.add(await _value(client.kernel_info()))
            next_request = now + interval
        # Block (briefly, so that requests keep going out) on the channel awaited; drain the other.
        awaited = client.get_shell_msg if reply is None else client.get_iopub_msg
        for get in (client.get_shell_msg, client.get_iopub_msg):
            try:
                msg = await _value(get(timeout=0.05 if get == awaited else 0))
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") not in sent:
                continue
            if msg["msg_type"] == "kernel_info_reply" and reply is None:
                reply, reply_at = msg, time.monotonic()
            elif msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                idle = True
    major = int(reply["content"].get("protocol_version", "5").split(".")[0])
    if major != protocol_version_info[0]:
        client.session.adapt_version = major  # as jupyter_client does with the reply
    return reply


class ReadyClient(AsyncKernelClient):
    """An asynchronous kernel client whose :meth:`wait_for_ready` is :func:`wait_until_ready`."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Return once the kernel answers (see :func:`wait_until_ready`); RuntimeError after ``timeout`` s."""
        await wait_until_ready(self, timeout)


class IPCKernelManager(AsyncKernelManager):
    """An asynchronous kernel manager on IPC sockets under :attr:`ipc_dir` (no port races, no TCP warning), with
    :class:`ReadyClient` clients and :class:`ForkingSpecManager` specifications."""

    #: The folder of this manager's IPC socket files (set by :func:`kernel_manager_class`).
    ipc_dir = ""
    client_class = DottedObjectName(f"{__name__}.ReadyClient")

    def __init__(self, **kwargs) -> None:
        """A manager as :class:`AsyncKernelManager` makes one (``kwargs``), on IPC in :attr:`ipc_dir`."""
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.ip = os.path.join(self.ipc_dir, "kernel")

    @default("kernel_spec_manager")
    def _forking_spec_manager(self) -> KernelSpecManager:
        """The specifications: Jupyter's, naming :data:`PROVISIONER` while a fork server is connected."""
        return ForkingSpecManager(data_dir=self.data_dir)


def kernel_manager_class(ipc_dir: str) -> type[IPCKernelManager]:
    """An :class:`IPCKernelManager` class whose kernels' IPC sockets live in folder ``ipc_dir``."""

    class Manager(IPCKernelManager):
        """An :class:`IPCKernelManager` with its folder set."""

    Manager.ipc_dir = ipc_dir
    return Manager

