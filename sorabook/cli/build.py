"""``sorabook build``: execute the chapters and build the site into ``--out``."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from sorabook.cli.common import UsageError, add_param_args, default_jobs, resolve_args, whole

__all__ = ["add", "run"]

#: The default of ``--cell-timeout``: ``sorabook.book.execute.CELL_TIMEOUT`` (a test holds them
#: equal), not imported here: the command line answers ``--help`` and bad input without
#: importing the build.
CELL_TIMEOUT = 600


def add(sub) -> None:
    """The ``build`` subcommand's options."""
    b = sub.add_parser("build", help="execute the chapters and build the site")
    add_param_args(b)
    b.add_argument("--out", metavar="DIR", default="_build/html", help="site folder (default: _build/html)")
    b.add_argument("--jobs", metavar="N", type=whole(1, 64), default=default_jobs(),
                   help="chapters executed in parallel (default: CPUs, at most 4)")
    b.add_argument("--force", action="store_true", help="execute every chapter, ignoring the cache")
    b.add_argument("--cell-timeout", metavar="SECONDS", type=whole(1, 86400), default=CELL_TIMEOUT,
                   help=f"seconds a notebook cell may run before the build stops it and fails "
                        f"(default: {CELL_TIMEOUT})")


def _check_out(text: str) -> Path:
    """The site folder, refused unless it is new, empty, or an earlier site (it gets replaced)."""
    if not text.strip():
        raise UsageError("--out '': expected a folder for the site")
    out = Path(text).expanduser()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {text}: is a file; expected a folder (it is replaced by the site)")
    resolved = out.resolve()
    if resolved == Path.cwd().resolve() or resolved in Path.cwd().resolve().parents or resolved == Path("/"):
        raise UsageError(f"--out {text}: is the current folder or above it; expected a folder for the site")
    if out.is_dir() and any(out.iterdir()) and not (out / "build.json").is_file():
        raise UsageError(f"--out {text}: holds files but no sorabook site (build.json); expected a new or "
                         "empty folder, or an earlier site, since the site replaces it")
    parent = out.resolve().parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not _writable(probe):
        raise UsageError(f"--out {text}: cannot write in {probe}; expected a folder you can write to")
    if out.is_dir() and not _writable(out):
        raise UsageError(f"--out {text}: the folder is not writable; expected a folder you can write to")
    return out


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
    """Build the site; print where it is and the results."""
    params, scenario = resolve_args(args)
    out = _check_out(args.out)

    from sorabook.book import publish
    from sorabook.cli.results import results_table
    from sorabook.results.registry import CHAPTERS

    bar = _Progress(len(CHAPTERS))
    try:
        result = publish.build(params, scenario, out, jobs=args.jobs, force=args.force, progress=bar.update,
                               cell_timeout=args.cell_timeout)
    finally:
        bar.close()
    executed = result.executed
    if result.up_to_date:
        print(f"site: {result.out}/index.html is up to date (nothing changed since it was built)")
    else:
        print(f"site: {result.out}/index.html  (results.json and results.csv beside it)")
    print(f"chapters executed: {len(executed)} of {len(result.runs)}"
          + (f" ({', '.join(executed)})" if executed else " (all from the cache)")
          + f"; {result.seconds['total']:.1f} s")
    print(results_table(result.results))
    return 0


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


