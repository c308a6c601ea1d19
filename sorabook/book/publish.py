"""Publishing: one build at a time per site, swapped into place only when all of it succeeded.

:func:`build` strings the build together: :func:`sorabook.book.plan.plan`, then
:func:`sorabook.book.execute.execute`, :func:`sorabook.book.site.collect`,
:func:`~sorabook.book.site.assemble`, :func:`~sorabook.book.site.build_site` and
:func:`~sorabook.book.site.export` in a staging folder beside ``out``, then :func:`publish`.
Errors a user can fix raise :class:`BuildError` with a one-line message naming the
notebook and cell; the previous site stays in place.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from sorabook.book import live, outdir, site
from sorabook.book.execute import CELL_TIMEOUT, execute, worker_pool
from sorabook.book.outdir import OutError
from sorabook.book.plan import BuildError, ChapterRun, cache_dir as default_cache_dir, plan, project_root, site_key
from sorabook.params import Params, Scenario
from sorabook.results.export import results_document
from sorabook.results.specs import DomainError

__all__ = ["BuildError", "BuildResult", "OutError", "build", "locked", "publish", "site_is_current", "workers"]


def _why(err: BaseException) -> str:
    """The reason of an OS error (or of the first of a :class:`shutil.Error`'s), without its paths."""
    if isinstance(err, shutil.Error) and err.args and isinstance(err.args[0], list) and err.args[0]:
        text = str(err.args[0][0][-1])
        match = re.search(r"\[Errno \d+\] ([^:]+)", text)
        return match.group(1) if match else text[:200]
    return getattr(err, "strerror", None) or str(err)[:200]


def publish(html: Path, out: Path) -> None:
    """Swap ``html`` into ``out``: the old site stays until the new one is complete.

    What the build did not write at the top of the old site (``CNAME``, ``.git``) is moved into
    the new one (:func:`sorabook.book.outdir.foreign_entries`). An error (a full disk) or an
    interruption leaves the old site as it was and no partial copy beside it; a failure to
    write raises :class:`BuildError`.
    """
    out = out.resolve()
    try:
        keep = outdir.foreign_entries(out, {p.name for p in html.iterdir()})
    except outdir.OutError as err:
        raise BuildError(str(err)) from None
    new = out.with_name(f".{out.name}.new-{os.getpid()}")
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    try:
        shutil.copytree(html, new, symlinks=True)
    except BaseException as err:
        with outdir.held_signals():
            outdir.remove_tree(new)
        if isinstance(err, (OSError, shutil.Error)):
            raise BuildError(f"cannot write the site beside {out}: {_why(err)}; nothing was changed") from None
        raise
    with outdir.held_signals():  # the swap is never cut in half: a signal arrives just after it
        moved: list[str] = []
        try:
            for name in keep:
                os.rename(out / name, new / name)
                moved.append(name)
            if out.exists():
                os.replace(out, old)
            os.replace(new, out)
        except OSError as err:
            if old.exists() and not out.exists():
                os.replace(old, out)
            for name in moved:
                with contextlib.suppress(OSError):
                    os.rename(new / name, out / name)
            outdir.remove_tree(new)
            raise BuildError(f"cannot replace the site {out}: {_why(err)}; nothing was changed") from None
        outdir.remove_tree(old)


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out`` (file ``.OUT.lock`` beside it, removed after) for the whole
    build; raise :class:`BuildError` if another build holds it."""
    lock_path = out.with_name(f".{out.name}.lock")
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise BuildError(f"another build is writing {out}; wait for it to finish") from None
        try:  # the file locked is still the one at the path (not one a finished build removed)
            here = os.stat(lock_path)
            mine = os.fstat(fd)
            if (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino):
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        with outdir.held_signals():
            with contextlib.suppress(OSError):
                os.unlink(lock_path)
            os.close(fd)


def site_is_current(out: Path, key: str) -> bool:
    """Whether the site in ``out`` is complete and was built from inputs with site key ``key``."""
    try:
        manifest = json.loads((out / "build.json").read_text())
    except (OSError, ValueError):
        return False
    return manifest.get("site_key") == key and (out / "results.json").is_file() and (out / "index.html").is_file()


@dataclass
class BuildResult:
    """What a build did: the site, the results document, the chapters run and each phase's seconds."""

    out: Path
    results: dict
    runs: list[ChapterRun] = field(default_factory=list)
    seconds: dict = field(default_factory=dict)
    up_to_date: bool = False  # nothing changed since the site in ``out`` was built: nothing done

    @property
    def executed(self) -> list[str]:
        """The chapters executed by this build (the others came from the cache)."""
        return [r.stem for r in self.runs if not r.cached]


def _in_background(work: Callable[[], Any]) -> Callable[[], Any]:
    """Start ``work()`` in a daemon thread; the returned call waits for its value (or raises its error)."""
    import threading

    box: dict[str, Any] = {}

    def run() -> None:
        """Keep ``work()``'s value or error for the caller."""
        try:
            box["value"] = work()
        except BaseException as err:  # noqa: BLE001 - handed to the caller
            box["error"] = err

    thread = threading.Thread(target=run, name="sorabook-package-results", daemon=True)
    thread.start()

    def result() -> Any:
        """``work()``'s value, once the thread is done."""
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["value"]

    return result


def build(
    params: Params,
    scenario: Scenario,
    out: Path,
    *,
    jobs: int = 2,
    force: bool = False,
    root: Path | None = None,
    cache_dir: Path | None = None,
    chapters: Iterable[str] | None = None,
    progress: Callable[[ChapterRun], None] | None = None,
    cell_timeout: int = CELL_TIMEOUT,
) -> BuildResult:
    """Build the book for ``params`` into ``out``; the previous site survives any failure.

    ``jobs`` workers execute chapters; ``force`` re-executes every chapter and rebuilds a
    current site; ``cache_dir`` defaults to ``$SORABOOK_CACHE`` or ``ROOT/_build/cache``;
    ``progress(run)`` is called as each chapter is in; a cell may run ``cell_timeout`` seconds.
    ``BuildResult.seconds`` holds each phase's wall time in seconds.
    """
    from sorabook.results.registry import CHAPTERS, compute

    root = root or project_root()
    cache_dir = cache_dir or default_cache_dir(root)
    out = outdir.check_out(Path(out), root)  # OutError: bad input, nothing written
    created = [p for p in (out.parent, *out.parent.parents) if not p.exists()]
    out.parent.mkdir(parents=True, exist_ok=True)
    state = {"replaced": False}  # set once the new site is in ``out``
    try:
        with _private_temp(), locked(out):
            return _build(params, scenario, out, root, cache_dir, jobs=jobs, force=force, state=state,
                          chapters=tuple(chapters or CHAPTERS), progress=progress, compute=compute,
                          cell_timeout=cell_timeout)
    except BaseException as err:
        if isinstance(err, KeyboardInterrupt):  # the command says truthfully what happened
            err.site_replaced = state["replaced"]
        if not state["replaced"]:
            with outdir.held_signals():
                for folder in created:  # the folders this build made for a site it never wrote
                    with contextlib.suppress(OSError):
                        folder.rmdir()
        raise


def workers(jobs: int, chapters: int) -> int:
    """Worker processes for ``chapters`` chapters to run with ``--jobs`` ``jobs``: never more than the
    chapters, nor than the CPUs this process may run on (a chapter keeps one CPU busy)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(jobs, chapters, cpus))


@contextlib.contextmanager
def _private_temp() -> Iterator[Path]:
    """A temporary folder of this build's own, removed after it: the workers' and kernels' temporary
    files (IPC sockets, connection files with the kernels' signing keys) go there (``TMPDIR``,
    ``JUPYTER_RUNTIME_DIR``), so that an interrupted build leaves none of them behind."""
    folder = Path(tempfile.mkdtemp(prefix="sorabook-build-"))
    saved = {name: os.environ.get(name) for name in ("TMPDIR", "JUPYTER_RUNTIME_DIR")}
    os.environ["TMPDIR"] = os.environ["JUPYTER_RUNTIME_DIR"] = str(folder)
    try:
        yield folder
    finally:
        with outdir.held_signals():
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            outdir.remove_tree(folder, tries=25)


def _stop(pool) -> None:
    """Stop a worker pool now: its workers (and the fork server with them) end."""
    from sorabook.book.patches import terminate_workers

    if pool is not None:
        terminate_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def _build(params, scenario, out: Path, root: Path, cache_dir: Path, *, jobs: int, force: bool,
           state: dict, chapters: tuple, progress, compute, cell_timeout: int) -> BuildResult:
    """The steps of :func:`build`, with ``out`` checked and locked; ``state["replaced"]`` is set
    as soon as the new site is in ``out``."""
    timings = {}
    t0 = time.perf_counter()
    # A chapter never executed before will execute: start the workers (and their imports)
    # now, while this process reads the chapters.
    certain = len(chapters) if force else sum(not any((cache_dir / s).glob("*.ipynb")) for s in chapters)
    pool = worker_pool(workers(jobs, certain)) if certain else None
    try:
        runs = plan(root, params, chapters, cache_dir)
        key = site_key(root, runs, params, scenario)
        timings["plan"] = time.perf_counter() - t0
    except BaseException:
        _stop(pool)
        raise
    if not force and site_is_current(out, key):
        _stop(pool)
        for run in runs:
            run.cached = True
            if progress:
                progress(run)
        doc = json.loads((out / "results.json").read_text())
        return BuildResult(out, doc, runs, {"total": time.perf_counter() - t0}, up_to_date=True)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    except BaseException:
        _stop(pool)
        raise
    try:
        prov = site.provenance(root, params, scenario)
        box = site.provenance_box(prov)
        # What the package computes (to check the notebooks, and the scenario comparison)
        # is computed meanwhile, in this process, which otherwise waits for the workers.
        package = _in_background(lambda: (compute(params, set(chapters)), site.scenario_comparison()))
        try:
            execute(runs, staging, cache_dir, workers(jobs, len(runs)), force, progress, pool=pool,
                    ready=lambda path: site.insert_provenance(path, box), cell_timeout=cell_timeout)
        except BaseException:
            _stop(pool)
            raise
        timings["execute"] = time.perf_counter() - t0 - timings["plan"]
        t1 = time.perf_counter()
        try:
            expected, scenarios = package()
        except DomainError as err:  # a result outside its domain is never published
            raise BuildError(str(err)) from None
        doc = results_document(params, scenario, site.collect(staging / "notebooks", params, runs, expected))
        site.assemble(root, staging, doc, scenarios=scenarios)
        timings["assemble"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        html = site.build_site(staging)
        timings["jupyter_book"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        site.export(html, doc)
        live.write_spec(html, root / "notebooks", doc, scenarios)
        manifest = {
            "site_key": key,
            "built": prov["built"],
            "git_commit": prov["git_commit"],
            "scenario": scenario.name,
            "parameters_sha256": params.sha256,
            "chapters": [{"chapter": r.stem, "cached": r.cached, "seconds": round(r.seconds, 2),
                          "parameters": r.parameters} for r in runs],
            "versions": doc["versions"],
        }
        timings["export"] = time.perf_counter() - t1
        manifest["seconds"] = {k: round(v, 2) for k, v in timings.items()}
        (html / "build.json").write_text(json.dumps(manifest, indent=2) + "\n")
        outdir.write_marker(html)
        try:
            publish(html, out)
        finally:  # an interruption delivered just after the swap: the site WAS replaced
            state["replaced"] = _same_file(out / "build.json", html / "build.json")
        timings["total"] = time.perf_counter() - t0
    finally:
        with outdir.held_signals():
            outdir.remove_tree(staging, tries=25)
    return BuildResult(out, doc, runs, timings)


def _same_file(a: Path, b: Path) -> bool:
    """Whether files ``a`` and ``b`` hold the same bytes (False if either is missing)."""
    try:
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False
