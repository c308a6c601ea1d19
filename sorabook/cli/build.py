"""``sorabook build``: execute the chapters and build the site into ``--out``."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from sorabook.cli.common import UsageError, add_param_args, default_jobs, resolve_args, terminal_width, whole

__all__ = ["add", "run"]

#: The default of ``--cell-timeout``: ``sorabook.book.execute.CELL_TIMEOUT`` (a test holds them
#: equal), not imported here: the command line answers ``--help`` and bad input without
#: importing the build.
CELL_TIMEOUT = 600


def add(sub) -> None:
    """The ``build`` subcommand's options."""
    b = sub.add_parser("build", help="execute the chapters and build the site")
    add_param_args(b)
    b.add_argument("--out", metavar="DIR", default=None,
                   help="site folder (default: _build/html in the project, wherever you run from)")
    b.add_argument("--jobs", metavar="N", type=whole(1, 64), default=default_jobs(),
                   help="chapters executed in parallel (default: CPUs, at most 4; never more than the "
                        "chapters to run or the CPUs)")
    b.add_argument("--force", action="store_true", help="execute every chapter, ignoring the cache")
    b.add_argument("--results", action="store_true",
                   help="also print the results table (as `sorabook results` does) before the site's path")
    b.add_argument("--cell-timeout", metavar="SECONDS", type=whole(1, 86400), default=CELL_TIMEOUT,
                   help=f"seconds a notebook cell may run before the build stops it and fails "
                        f"(default: {CELL_TIMEOUT})")


def _check_out(text: str | None) -> Path:
    """The site folder, refused unless it is new, empty, or a site sorabook built (see
    :func:`sorabook.book.outdir.check_out`); by default the project's ``_build/html``."""
    from sorabook.book.outdir import OutError, check_out
    from sorabook.book.plan import project_root

    if text is None:  # beside the project (and its cache), wherever the command runs
        text = str(project_root() / "_build" / "html")
    if not text.strip():
        raise UsageError("--out '': expected a folder for the site")
    out = Path(text).expanduser()
    try:
        resolved = check_out(out, project_root())
    except OutError as err:
        raise UsageError(str(err)) from None
    if resolved == Path.cwd().resolve() or resolved in Path.cwd().resolve().parents or resolved == Path("/"):
        raise UsageError(f"--out {text}: is the current folder or above it; expected a folder for the site")
    probe = resolved.parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not _writable(probe):
        raise UsageError(f"--out {text}: cannot write in {probe}; expected a folder you can write to")
    if out.is_dir() and not _writable(out):
        raise UsageError(f"--out {text}: the folder is not writable; expected a folder you can write to")
    return out


def _check_cache() -> None:
    """Refuse (exit 2) a build cache that cannot be used: ``$SORABOOK_CACHE`` a file, or not writable."""
    from sorabook.book.plan import cache_dir, project_root

    cache = cache_dir(project_root())
    where = f"SORABOOK_CACHE={cache}" if os.environ.get("SORABOOK_CACHE") else f"the build cache {cache}"
    probe = cache
    while not probe.exists() and not probe.is_symlink():
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"{where}: {probe} is not a folder; expected a folder for the build cache")
    if not _writable(probe):
        raise UsageError(f"{where}: cannot write in {probe}; expected a folder you can write to")


def _check_runtime() -> None:
    """Refuse (exit 2) a build without the live page's runtime: ``node_modules/pyodide`` missing, of
    another version than ``package-lock.json`` pins, or changed (:mod:`sorabook.book.pyodide`)."""
    from sorabook.book.pyodide import RuntimeMissing, check_runtime

    try:
        check_runtime()
    except RuntimeMissing as err:
        raise UsageError(str(err)) from None


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: handled as Ctrl-C is (the build stops and cleans up)."""

    def __init__(self, signum: int):
        """The interruption by signal ``signum``."""
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _stopping_on_signals():
    """While the block runs, SIGTERM and SIGHUP stop the build as Ctrl-C does, workers and kernels
    included; the previous handlers are restored after it."""
    import signal

    def stop(signum, frame):
        """Raise :class:`Stopped` in the main thread, where the build cleans up as for Ctrl-C."""
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _writable(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (tried, then removed: root passes os.access)."""
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".sorabook-probe-"):
            return True
    except OSError:
        return False


def run(args) -> int:
    """Build the site; print what ran and, last, where the site is (SIGTERM and SIGHUP act as Ctrl-C)."""
    with _stopping_on_signals():
        return _run(args)


def _run(args) -> int:
    """Build the site; print what ran, the results with ``--results``, and, last, the site's path."""
    params, scenario = resolve_args(args)
    out = _check_out(args.out)
    _check_cache()
    _check_runtime()

    from sorabook.book import publish
    from sorabook.cli.results import results_table
    from sorabook.results.registry import CHAPTERS

    bar = _Progress(len(CHAPTERS))
    try:
        result = publish.build(params, scenario, out, jobs=args.jobs, force=args.force, progress=bar.update,
                               cell_timeout=args.cell_timeout)
    except publish.OutError as err:  # the folder changed since it was checked
        raise UsageError(str(err)) from None
    except KeyboardInterrupt as err:
        return _interrupted(err, out)
    finally:
        bar.close()
    executed = result.executed
    print(f"chapters executed: {len(executed)} of {len(result.runs)}"
          + (f" ({', '.join(executed)})" if executed else " (all from the cache)")
          + f"; {result.seconds['total']:.1f} s")
    if args.results:
        print(results_table(result.results, terminal_width()))
    print(_site_line(result))
    return 0


def _site_line(result) -> str:
    """The build's last line: where the site is (relative to the current folder when inside it) and
    what it holds, so that it stays in view at the bottom of the terminal."""
    index = Path(result.out) / "index.html"
    try:
        shown = index.resolve().relative_to(Path.cwd().resolve())
    except (OSError, ValueError):  # elsewhere: the path as the build has it
        shown = index
    what = (f"{len(result.runs)} chapters, {len(result.results['results'])} results in results.json and "
            "results.csv beside it; `sorabook results` lists them")
    if result.up_to_date:
        return f"site: {shown} is up to date (nothing changed since it was built; {what})"
    return f"site: {shown} ({what})"


def _interrupted(err: KeyboardInterrupt, out: Path) -> int:
    """Say what an interruption (Ctrl-C, SIGTERM, SIGHUP) did; returns the exit code (128 + signal)."""
    import signal

    signum = getattr(err, "signum", signal.SIGINT)
    what = {signal.SIGTERM: "stopped by SIGTERM", signal.SIGHUP: "stopped by SIGHUP"}.get(signum, "interrupted")
    if getattr(err, "site_replaced", False):
        done = f"the new site WAS published to {out} before it stopped"
    else:
        done = "the previous site, if any, is unchanged; nothing was left behind"
    print(f"sorabook: {what}; {done}", file=sys.stderr)
    return 128 + int(signum)


class _Progress:
    """One progress bar over chapters on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, total: int):
        self.total, self.done = total, 0
        self.tty = sys.stderr.isatty()
        self.bar = None
        if self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="chapters", unit="ch", file=sys.stderr, leave=False)

    def update(self, run) -> None:
        self.done += 1
        how = "cached" if run.cached else f"executed in {run.seconds:.1f} s"
        if self.bar is not None:
            self.bar.set_postfix_str(f"{run.stem} {how}")
            self.bar.update(1)
        else:
            print(f"[{self.done}/{self.total}] {run.stem}: {how}", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


