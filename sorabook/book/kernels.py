"""Chapter kernels forked from a warm server instead of started from nothing.

A fresh IPython kernel spends about a second importing ipykernel, and each chapter
another second importing NumPy, Matplotlib and the book's own modules: on two cores,
eight chapters paid for those imports eight times over. A :class:`ForkServer` is one
Python process per build that imports all of that once, then forks a kernel for every
chapter. The fork is the kernel the spec's command (``python -m ipykernel_launcher
-f CONNECTION``) would have started: same arguments, working folder, environment,
standard streams and session of its own. It never outlives the server: the server kills
the kernels still running as it exits, and Linux kills a kernel whose server dies
(``PR_SET_PDEATHSIG``; ipykernel's own parent poller misses a parent that is gone before
its thread starts).

What a fork shares with its server is modules, never state: the server imports and
runs no chapter code, so every kernel starts from the same snapshot, and a chapter
runs to the same outputs as in a spawned kernel (``tests/test_kernels.py`` compares
them). The one backend module whose import hooks into the running IPython shell,
``matplotlib_inline.backend_inline``, is left to the kernel.

This module is the standard library alone (the server runs it as ``python -m
sorabook.book.kernels``). The build's worker pool starts the server
(:func:`start_server`), and each of its workers calls :func:`connect`. Jupyter's side,
a kernel provisioner that asks the server for a kernel, is
:mod:`sorabook.book.provisioner`; kernels start as Jupyter starts them when there is no
server, when it has died, when the kernel command is not this interpreter's ipykernel,
or when ``SORABOOK_FORK_KERNELS=0``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

__all__ = [
    "KERNEL_NAME",
    "PRELOAD",
    "Connection",
    "ForkServer",
    "connect",
    "current",
    "enabled",
    "kernel_environment",
    "launcher_args",
    "running",
    "start_server",
]

#: Imported once by the server: the kernel and what the chapters import.
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",  # the kernel imports debugpy as it starts: a quarter of a second
    "IPython.display",
    "numpy",
    "matplotlib.pyplot",
    "myst_nb",
    "myst_nb.ext.glue",
    "sorabook.book.page",
    "sorabook.book.plots",
    "sorabook.results.registry",
    "sorabook.results.corrections",
    "sorabook.model.predict",
    "sorabook.results.uncertainty",
)

_MAX_MESSAGE = 1 << 20

#: What ``ps -o comm`` shows for a forked kernel (its command line is the server's).
KERNEL_NAME = "sorabook-kernel"

_server: "Connection | None" = None  # this process's connection to a server, if any


class ForkServer:
    """The warm process that forks kernels, started by the build; workers :func:`connect` to it.

    It listens on a Unix socket in a private folder, and exits when :meth:`close` is
    called or when its owner dies (its standard input, a pipe from the owner, closes).
    """

    def __init__(self) -> None:
        """Start the server process (it imports :data:`PRELOAD`, then listens)."""
        self.folder = tempfile.mkdtemp(prefix="sorabook-kernels-")
        self.address = os.path.join(self.folder, "server")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sorabook.book.kernels", self.address],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )

    @property
    def pid(self) -> int:
        """The server's process id (the parent of every kernel it forks)."""
        return self.proc.pid

    def close(self) -> None:
        """Stop the server (kernels it forked exit as they see their parent go) and remove its folder."""
        with contextlib.suppress(OSError):
            self.proc.stdin.close()  # end of file: the server exits
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


class Connection:
    """A worker's line to a :class:`ForkServer` (opened at the first kernel it asks for)."""

    #: Seconds to wait for the server to listen (it binds its socket as it starts).
    connect_timeout = 30.0
    #: Seconds to wait for a reply (the first waits for the server's imports, a few seconds).
    reply_timeout = 300.0

    def __init__(self, address: str, pid: int) -> None:
        """A line to the server listening at ``address`` with process id ``pid`` (not opened yet)."""
        self.address, self.pid = address, pid
        self.sock: socket.socket | None = None

    def alive(self) -> bool:
        """Whether the server still runs."""
        return running(self.pid)

    def _connect(self) -> socket.socket:
        """The open socket to the server, waiting up to :attr:`connect_timeout` seconds for it to listen."""
        import time

        deadline = time.monotonic() + self.connect_timeout
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            try:
                sock.connect(self.address)
                sock.settimeout(self.reply_timeout)  # a server stuck in its imports: start kernels as Jupyter does
                return sock
            except (FileNotFoundError, ConnectionRefusedError):
                sock.close()
                if time.monotonic() > deadline or not self.alive():
                    raise OSError("the kernel fork server is not listening") from None
                time.sleep(0.01)

    def fork(self, argv: list[str], cwd: str, env: dict[str, str], stdio: tuple[int, int, int]) -> int:
        """Start a kernel as ``python -m ipykernel_launcher ARGV`` would; returns its pid."""
        if self.sock is None:
            self.sock = self._connect()
        request = json.dumps({"argv": argv, "cwd": cwd, "env": env}).encode()
        socket.send_fds(self.sock, [request], list(stdio))
        reply = self.sock.recv(_MAX_MESSAGE)  # after the server's imports, for the first kernel
        if not reply:
            raise OSError("the kernel fork server exited")
        answer = json.loads(reply)
        if "error" in answer:
            raise OSError(f"the kernel fork server could not fork: {answer['error']}")
        return int(answer["pid"])


def kernel_environment() -> dict[str, str]:
    """What every chapter's kernel finds in its environment besides this process's: a worker
    and the server (whose imports read some of it) put it in theirs."""
    return {
        "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "0"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }


def enabled() -> bool:
    """Whether kernels are forked (``SORABOOK_FORK_KERNELS=0`` starts each as Jupyter does)."""
    return os.environ.get("SORABOOK_FORK_KERNELS", "1") != "0" and hasattr(socket, "send_fds")


def start_server() -> ForkServer | None:
    """A new :class:`ForkServer`, or None when forking is switched off."""
    return ForkServer() if enabled() else None


def connect(address: str | None, pid: int | None) -> Connection | None:
    """Fork this process's kernels from the server at ``address`` with process id ``pid`` (None:
    start them as Jupyter does); returns the connection, also given by :func:`current`."""
    global _server
    _server = Connection(address, pid) if address and pid else None
    return _server


def current() -> Connection | None:
    """This process's connection to a fork server, or None when its kernels start as Jupyter's do."""
    return _server


def launcher_args(cmd: list[str]) -> list[str] | None:
    """The arguments after ``-m ipykernel_launcher`` when ``cmd`` runs this interpreter's ipykernel
    (the only kernels a server can fork); None for any other command."""
    if len(cmd) >= 3 and cmd[1:3] == ["-m", "ipykernel_launcher"]:
        try:
            if os.path.samefile(cmd[0], sys.executable):
                return cmd[3:]
        except OSError:
            return None
    return None


def running(pid: int) -> bool:
    """Whether ``pid`` runs: neither gone nor a zombie (an orphan waits as one where nothing reaps)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True


# --- the server process ---------------------------------------------------------------------


def _name_process(name: str) -> None:
    """Set this process's name (``/proc/PID/comm``, 15 characters), where Linux allows it."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass


def _die_with(parent: int) -> None:
    """Have Linux kill this process when its parent ``parent`` ends (``PR_SET_PDEATHSIG``), and end
    it now if that parent has already gone: ipykernel's own poller gives up watching a parent that
    is gone before its thread starts, and the orphan then lived for ever under a subreaper."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def _become_kernel(request: dict, fds: list[int], server: int) -> int:
    """In the forked child of process ``server``: become ``python -m ipykernel_launcher ARGV`` and
    run until the kernel stops; returns its exit status. The caller exits with it the ordinary
    way (``SystemExit``), so that the kernel's exit handlers run as in a spawned kernel."""
    try:
        os.setsid()
        _die_with(server)
        _name_process(KERNEL_NAME)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import importlib.util

        # ipykernel reads JPY_PARENT_PID when it is imported, here long before the fork: the
        # parent it is to poll (this server) is passed on its command line instead.
        sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin, *request["argv"],
                    f"--IPKernelApp.parent_handle={os.getppid()}"]
        from ipykernel import kernelapp

        try:
            kernelapp.launch_new_instance()
        except SystemExit as stop:
            return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        return 0
    except BaseException:  # noqa: BLE001 - reported on the kernel's stderr, as a crashed kernel's would be
        import traceback

        traceback.print_exc()
        return 1


def _reap(forked: set[int]) -> None:
    """Reap the kernels in ``forked`` that have exited, and forget them."""
    for pid in list(forked):
        try:
            done, _status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            forked.discard(pid)


def serve(address: str) -> None:
    """Listen at ``address``, import :data:`PRELOAD`, then fork a kernel for each request, until
    standard input (the owner's pipe) closes."""
    import importlib
    import select

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(address)
    listener.listen(16)  # workers may connect while the imports run; they wait for the first reply
    os.environ.update(kernel_environment())
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel adds its own folder back
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module that fails here fails, visibly, in the chapter
            pass
    lifeline = sys.stdin.fileno()
    connections: list[socket.socket] = []
    forked: set[int] = set()  # kernels not reaped yet: their ids cannot be reused
    while True:
        ready, _, _ = select.select([lifeline, listener, *connections], [], [])
        _reap(forked)
        if lifeline in ready and not os.read(lifeline, 1 << 12):
            # The owner is done (or dead): end the kernels still running (each leads a session
            # of its own), remove the socket and its folder, then exit without tearing down a
            # few hundred modules.
            for pid in forked:
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.unlink(address)
                os.rmdir(os.path.dirname(address))
            os._exit(0)
        if listener in ready:
            connections.append(listener.accept()[0])
        for conn in [c for c in connections if c in ready]:
            try:
                message, fds, _flags, _addr = socket.recv_fds(conn, _MAX_MESSAGE, 3)
            except OSError:
                message, fds = b"", []
            if not message:
                connections.remove(conn)
                conn.close()
                continue
            server = os.getpid()
            try:
                pid = os.fork()
            except OSError as err:
                for fd in fds:
                    os.close(fd)
                conn.send(json.dumps({"error": str(err)}).encode())
                continue
            if pid == 0:  # the kernel: leaves the loop, and this process, as a kernel exits
                listener.close()
                for other in connections:
                    other.close()
                raise SystemExit(_become_kernel(json.loads(message), fds, server))
            forked.add(pid)
            for fd in fds:
                os.close(fd)
            conn.send(json.dumps({"pid": pid}).encode())


if __name__ == "__main__":
    serve(sys.argv[1])
