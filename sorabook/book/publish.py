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
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from sorabook.book import site
from sorabook.book.execute import CELL_TIMEOUT, execute, worker_pool
from sorabook.book.plan import BuildError, ChapterRun, cache_dir as default_cache_dir, plan, project_root, site_key
from sorabook.params import Params, Scenario
from sorabook.results.export import results_document
from sorabook.results.specs import DomainError

__all__ = ["BuildError", "BuildResult", "build", "locked", "publish", "site_is_current"]


def publish(html: Path, out: Path) -> None:
    """Swap ``html`` into ``out``: the old site stays until the new one is complete."""
    out = out.resolve()
    new = out.with_name(f".{out.name}.new-{os.getpid()}")
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    shutil.copytree(html, new)
    if out.exists():
        os.replace(out, old)
    os.replace(new, out)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out`` (file ``.OUT.lock`` beside it) for the whole build;
    raise :class:`BuildError` if another build holds it."""
    lock_path = out.with_name(f".{out.name}.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"another build is writing {out}; wait for it to finish") from None
        yield
    finally:
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
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    timings = {}
    with locked(out):
        t0 = time.perf_counter()
        chapters = tuple(chapters or CHAPTERS)
        # A chapter never executed before will execute: start the workers (and their imports)
        # now, while this process reads the chapters.
        never_run = force or any(not any((cache_dir / stem).glob("*.ipynb")) for stem in chapters)
        pool = worker_pool(jobs) if never_run else None
        try:
            runs = plan(root, params, chapters, cache_dir)
            key = site_key(root, runs, params, scenario)
            timings["plan"] = time.perf_counter() - t0
        except BaseException:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            raise
        if not force and site_is_current(out, key):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            for run in runs:
                run.cached = True
                if progress:
                    progress(run)
            doc = json.loads((out / "results.json").read_text())
            return BuildResult(out, doc, runs, {"total": time.perf_counter() - t0}, up_to_date=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
        try:
            prov = site.provenance(root, params, scenario)
            box = site.provenance_box(prov)
            # What the package computes (to check the notebooks, and the scenario comparison)
            # is computed meanwhile, in this process, which otherwise waits for the workers.
            package = _in_background(lambda: (compute(params, set(chapters)), site.scenario_comparison()))
            execute(runs, staging, cache_dir, jobs, force, progress, pool=pool,
                    ready=lambda path: site.insert_provenance(path, box), cell_timeout=cell_timeout)
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
            publish(html, out)
            timings["total"] = time.perf_counter() - t0
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return BuildResult(out, doc, runs, timings)
