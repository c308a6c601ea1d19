"""Executing the chapters: a pool of workers runs each with papermill, or takes it from the cache.

- :func:`worker_pool` starts the ``spawn`` workers (and the kernel fork server of
  :mod:`sorabook.book.kernels`) as early as the build knows it will need them;
- :func:`run_chapter` executes one chapter in a worker, its kernel on IPC connection files
  of its own (:mod:`sorabook.book.provisioner`), its output to the chapter's log;
- :func:`failure_message` (from :mod:`sorabook.book.failures`) names the notebook and the code cell that failed;
- :func:`execute` runs the chapters longest first, tidies each executed notebook and keeps
  it in the chapter cache (``CACHE/STEM/KEY.ipynb``, keyed by :func:`sorabook.book.plan.plan`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from sorabook.book.failures import CellWatch as _CellWatch, cell_label, failure_message
from sorabook.book.plan import BuildError, ChapterRun

__all__ = [
    "CELL_TIMEOUT",
    "KERNELSPEC",
    "cell_label",
    "execute",
    "failure_message",
    "finish_notebook",
    "read_notebook",
    "run_chapter",
    "worker_pool",
    "write_notebook",
]

#: The kernel specification every chapter runs with (text notebooks carry none).
KERNELSPEC = "python3"


def _ignore_interrupts() -> None:
    """Ctrl-C is the main process's to handle: it stops the workers, whose kernels exit with them
    (ipykernel polls its parent). No worker prints a KeyboardInterrupt."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _prepare_worker(server_address: str | None = None, server_pid: int | None = None) -> None:
    """A worker's set-up, run once as it starts: the kernels' environment, the line to the fork
    server (none: kernels start as Jupyter starts them), and the imports every chapter needs."""
    _ignore_interrupts()
    from sorabook.book import kernels

    os.environ.update(kernels.kernel_environment())
    kernels.connect(server_address, server_pid)
    import jupytext  # noqa: F401
    import papermill  # noqa: F401

    import sorabook.book.provisioner  # noqa: F401


#: Seconds a cell may run before the build stops it and fails (``sorabook build --cell-timeout``).
CELL_TIMEOUT = 600


def run_chapter(source: str, out_path: str, parameters: dict, cwd: str, log_path: str,
                cell_timeout: int = CELL_TIMEOUT) -> tuple[bool, str, float]:
    """Execute one chapter (in a worker process) into ``out_path``, each cell allowed
    ``cell_timeout`` seconds; returns (ok, failure message, seconds it took)."""
    start = time.perf_counter()
    ok, message = _execute_chapter(source, out_path, parameters, cwd, log_path, cell_timeout)
    return ok, message, time.perf_counter() - start


def _execute_chapter(source: str, out_path: str, parameters: dict, cwd: str, log_path: str,
                     cell_timeout: int = CELL_TIMEOUT) -> tuple[bool, str]:
    """Papermill on chapter ``source`` with ``parameters``, each cell allowed ``cell_timeout``
    seconds; returns (ok, failure message). A kernel that dies, a cell over its time limit and
    a ``sys.exit`` fail the chapter, named by notebook and cell."""
    import logging

    _ignore_interrupts()
    # Kernel start-up chatter goes to the chapter's log, never to the user's terminal.
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    from sorabook.book.kernels import kernel_environment
    from sorabook.book.provisioner import kernel_manager_class

    os.environ.update(kernel_environment())  # a worker's own environment
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("papermill").setLevel(logging.WARNING)

    import jupytext
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    stem = Path(source).stem
    nb = jupytext.read(source)
    watch = _CellWatch(nb)

    def at_cell(cell) -> str:
        """``notebooks/X.md, code cell N (...)`` for the chapter's ``cell`` (None: the chapter alone)."""
        return f"notebooks/{stem}.md" + (f", {cell_label(Path(source), nb, cell)}" if cell is not None else "")

    with tempfile.TemporaryDirectory(prefix="sorabook-ipc-") as ipc_dir:
        try:
            papermill.execute_notebook(
                nb,
                out_path,
                parameters=parameters,
                kernel_name=KERNELSPEC,
                language="python",
                progress_bar=False,
                cwd=cwd,
                kernel_manager_class=kernel_manager_class(ipc_dir),
                # One write of the finished notebook (or of the failed one), not two after every
                # cell: each write serialises and validates the whole, growing notebook.
                request_save_on_cell_execute=False,
                # Every output is in by then: stop the kernel, skip its half-second teardown.
                shutdown_kernel="immediate",
                execution_timeout=cell_timeout,
                on_cell_start=watch.start,
                on_cell_error=watch.error,
            )
        except PapermillExecutionError as err:
            failed = None
            with contextlib.suppress(Exception):
                import nbformat

                failed = nbformat.read(out_path, as_version=4)
            return False, failure_message(Path(source), err, failed)
        except DeadKernelError:
            return False, (f"{at_cell(watch.running)}: the kernel died while this cell ran (a crash, "
                           "os._exit, or the system out of memory); the cells after it did not run")
        except CellTimeoutError:
            return False, (f"{at_cell(watch.running)}: the cell ran longer than the time limit of "
                           f"{cell_timeout} s (--cell-timeout) and was stopped")
        except Exception as err:  # the kernel did not start, ...
            return False, f"{at_cell(watch.running)}: {type(err).__name__}: {err}"
    if watch.exited is not None:
        return False, (f"{at_cell(watch.exited)}: the chapter stopped here with sys.exit; "
                       "the cells after it did not run")
    return True, ""


def read_notebook(path: Path):
    """A notebook the build wrote (papermill validated it then), read without validating it again."""
    from nbformat.v4 import nbjson

    return nbjson.reads(path.read_text(encoding="utf-8"))


def write_notebook(nb, path: Path) -> None:
    """What ``nbformat.write`` writes, without its validation (a third of the time of each write)."""
    from nbformat.v4 import nbjson

    text = nbjson.writes(nb)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def finish_notebook(path: Path, source_rel: str) -> None:
    """Tidy an executed notebook: input and output paths relative to the project, no timings,
    cell ids ``cell-N`` by position, parameter cells shown as the page needs.

    What is left depends only on the chapter and what it printed, so two builds of the same
    inputs publish the same ``_sources/notebooks/*.ipynb``: jupytext gives every cell a random id
    each time it reads a chapter, and papermill records the staging folder's (random) path.
    """
    nb = read_notebook(path)
    meta = nb.metadata.setdefault("papermill", {})
    meta["input_path"] = source_rel
    meta["output_path"] = Path(source_rel).with_suffix(".ipynb").as_posix()
    meta.pop("start_time", None)
    meta.pop("end_time", None)
    meta.pop("duration", None)
    if (nb.nbformat, nb.nbformat_minor) >= (4, 5):  # cell ids exist from nbformat 4.5 on
        for n, cell in enumerate(nb.cells):
            cell["id"] = f"cell-{n}"
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "hide-input" not in tags:
            cell.metadata["tags"] = [*tags, "hide-input"]  # what ran: visible, collapsed
        elif "parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]  # the defaults: in the inputs table
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    write_notebook(nb, path)


def _store(cache_dir: Path, run: ChapterRun, executed: Path) -> None:
    """Put an executed chapter in the cache atomically; drop the chapter's other entries."""
    target = cache_dir / run.stem / f"{run.key}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{run.key}.{os.getpid()}.tmp")
    shutil.copyfile(executed, tmp)
    os.replace(tmp, target)  # concurrent builds of the same chapter write identical content
    for old in target.parent.glob("*.ipynb"):
        if old != target:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()


def _durations_path(cache_dir: Path) -> Path:
    """Where the seconds each chapter last took are kept."""
    return cache_dir / "seconds.json"


def _expected_seconds(cache_dir: Path, runs: list[ChapterRun]) -> dict[str, float]:
    """How long (s) each chapter took when it last ran; unknown ones ranked by source size (bytes / 1e4)."""
    try:
        known = json.loads(_durations_path(cache_dir).read_text())
    except (OSError, ValueError):
        known = {}
    return {r.stem: float(known.get(r.stem, r.source.stat().st_size / 1e4 + 1e3)) for r in runs}


def _record_seconds(cache_dir: Path, runs: list[ChapterRun]) -> None:
    """Remember how long (s) each executed chapter took, for the next build's order."""
    path = _durations_path(cache_dir)
    with contextlib.suppress(OSError, ValueError):
        try:
            known = json.loads(path.read_text())
        except FileNotFoundError:
            known = {}
        known.update({r.stem: round(r.seconds, 2) for r in runs if not r.cached})
        tmp = path.with_name(f".seconds.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(known, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, path)


def worker_pool(jobs: int):
    """The ``spawn`` process pool chapters run in, its ``jobs`` workers started (and importing) now.

    The pool owns the build's kernel :class:`~sorabook.book.kernels.ForkServer` (started here,
    stopped with the pool), which every worker forks its kernels from.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from sorabook.book import kernels

    class WorkerPool(ProcessPoolExecutor):
        """A process pool that stops the fork server as it shuts down."""

        def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
            """Shut the pool down (see :class:`ProcessPoolExecutor`), then stop the fork server."""
            try:
                super().shutdown(wait=wait, cancel_futures=cancel_futures)
            finally:
                if server is not None:
                    server.close()

    server = kernels.start_server()  # first: its imports run while the workers start
    pool = WorkerPool(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                      initializer=_prepare_worker,
                      initargs=(server.address, server.pid) if server is not None else ())
    for _ in range(jobs):  # each submit starts one more worker while none is idle
        pool.submit(int)
    return pool


def execute(
    runs: list[ChapterRun],
    dest: Path,
    cache_dir: Path,
    jobs: int,
    force: bool = False,
    progress: Callable[[ChapterRun], None] | None = None,
    pool=None,
    ready: Callable[[Path], None] | None = None,
    cell_timeout: int = CELL_TIMEOUT,
) -> list[ChapterRun]:
    """Execute (or take from the cache) every chapter into ``dest/notebooks/STEM.ipynb``; returns ``runs``.

    Each cell may run ``cell_timeout`` seconds; a cell over it, a kernel that dies and a
    ``sys.exit`` fail the chapter (a :class:`BuildError` naming the notebook and the cell).

    Chapters run in a ``spawn`` process pool of ``jobs`` workers (or in ``pool``,
    from :func:`worker_pool`, which this call shuts down), longest first by their
    last recorded time, so that no long chapter starts last. ``ready(path)`` is
    called in this process on each notebook as soon as it is in ``dest``. The
    first failing chapter raises :class:`BuildError`; the others are cancelled.
    """
    from concurrent.futures import FIRST_EXCEPTION, wait

    from sorabook.book.patches import terminate_workers

    nb_dir = dest / "notebooks"
    nb_dir.mkdir(parents=True, exist_ok=True)
    logs = dest / "_logs"
    logs.mkdir(exist_ok=True)
    todo = []
    for run in runs:
        cached = cache_dir / run.stem / f"{run.key}.ipynb"
        try:
            if force:
                raise FileNotFoundError
            shutil.copyfile(cached, nb_dir / f"{run.stem}.ipynb")
        except FileNotFoundError:  # not cached (or evicted by a concurrent build)
            todo.append(run)
            continue
        run.cached = True
        if ready:
            ready(nb_dir / f"{run.stem}.ipynb")
        if progress:
            progress(run)
    if not todo:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        return runs
    expected = _expected_seconds(cache_dir, todo)
    todo.sort(key=lambda r: -expected[r.stem])
    pool = pool or worker_pool(min(jobs, len(todo)))
    try:
        futures = {}
        for run in todo:
            out = nb_dir / f"{run.stem}.ipynb"
            fut = pool.submit(run_chapter, str(run.source), str(out), run.parameters, str(nb_dir),
                              str(logs / f"{run.stem}.log"), cell_timeout)
            futures[fut] = run
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for fut in done:
                run = futures[fut]
                ok, message, run.seconds = fut.result()
                if not ok:
                    for other in pending:
                        other.cancel()
                    raise BuildError(message)
                out = nb_dir / f"{run.stem}.ipynb"
                finish_notebook(out, f"notebooks/{run.stem}.md")
                _store(cache_dir, run, out)
                if ready:
                    ready(out)
                if progress:
                    progress(run)
    except BaseException:
        terminate_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=False)  # every chapter is in: the workers exit while the book is assembled
    _record_seconds(cache_dir, todo)
    return runs
