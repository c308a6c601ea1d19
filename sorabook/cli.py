"""The command line: ``sorabook build | results | params | scenarios``.

It only parses arguments and calls :mod:`sorabook.params`, :mod:`sorabook.report`
and :mod:`sorabook.pipeline`. Bad input prints one line to stderr and exits 2,
before anything is written; a failed build exits 1 and leaves the previous site.
Heavy modules are imported only by the commands that need them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


class UsageError(Exception):
    """Bad input on the command line (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _add_param_args(p: argparse.ArgumentParser, with_params: bool = True) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--scenario", metavar="NAME", help="a shipped scenario (default: article)")
    if with_params:
        group.add_argument("--params", metavar="FILE", help="a YAML file of parameter: value lines")
        p.add_argument("--set", metavar="NAME=VALUE", action="append", default=[], dest="sets",
                       help="override one parameter (repeatable)")


def _parser() -> argparse.ArgumentParser:
    top = _Parser(prog="sorabook", description="Re-derive the compute economics of video generation.")
    from sorabook import __version__

    top.add_argument("--version", action="version", version=f"sorabook {__version__}")
    sub = top.add_subparsers(dest="command", required=True, parser_class=_Parser)

    b = sub.add_parser("build", help="execute the chapters and build the site")
    _add_param_args(b)
    b.add_argument("--out", metavar="DIR", default="_build/html", help="site folder (default: _build/html)")
    b.add_argument("--jobs", metavar="N", type=_jobs, default=min(4, os.cpu_count() or 1),
                   help="chapters executed in parallel (default: CPUs, at most 4)")
    b.add_argument("--force", action="store_true", help="execute every chapter, ignoring the cache")

    r = sub.add_parser("results", help="print the headline results, computed without notebooks")
    _add_param_args(r)
    r.add_argument("--format", choices=("table", "json", "csv"), default="table")
    r.add_argument("--uncertainty", action="store_true",
                   help="print 5/50/95 percentiles of the headline results (Monte Carlo, chapter 7)")
    r.add_argument("--draws", metavar="N", help="Monte Carlo draws (with --uncertainty; default: the parameter)")
    r.add_argument("--seed", metavar="S", help="Monte Carlo seed (with --uncertainty; default: the parameter)")

    q = sub.add_parser("params", help="list every parameter with value, unit, range and source")
    _add_param_args(q, with_params=False)
    q.add_argument("--format", choices=("table", "json"), default="table")

    sub.add_parser("scenarios", help="list the shipped scenarios")
    return top


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected a whole number from 1 to 64") from None
    if not 1 <= n <= 64:
        raise argparse.ArgumentTypeError(f"got {n}; expected a whole number from 1 to 64")
    return n


def _resolve(args):
    from sorabook.params import resolve

    return resolve(args.scenario, getattr(args, "params", None), getattr(args, "sets", ()))


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
    import tempfile

    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".sorabook-probe-"):
            return True
    except OSError:
        return False


def _table(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def results_table(doc: dict) -> str:
    """The headline results of a results document, as a plain-text table."""
    from sorabook.report import RESULTS
    from sorabook.results import format_value

    rows = [("result", "value", "unit")]
    for key, r in doc["results"].items():
        rows.append((key, format_value(r["value"], RESULTS[key].fmt), r["unit"]))
    head = f"scenario {doc['scenario']}, parameters sha256 {doc['parameters_sha256'][:12]}"
    return head + "\n" + _table(rows, right=(1,))


def cmd_results(args) -> int:
    from sorabook.report import compute
    from sorabook.results import results_csv, results_document

    if args.uncertainty:
        return cmd_uncertainty(args)
    if args.draws is not None or args.seed is not None:
        raise UsageError("sorabook results: --draws and --seed go with --uncertainty (see --help)")
    params, scenario = _resolve(args)
    doc = results_document(params, scenario, compute(params), site=False)
    if args.format == "json":
        print(json.dumps(doc, indent=2))
    elif args.format == "csv":
        sys.stdout.write(results_csv(doc))
    else:
        print(results_table(doc))
    return 0


def _number(text: str):
    """A command-line number as int or float when it reads as one (else the text, refused by the check)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def cmd_uncertainty(args) -> int:
    """``sorabook results --uncertainty``: percentiles of the headline results (sorabook.uncertainty)."""
    from sorabook import uncertainty
    from sorabook.params import load_uncertainty, validate

    params, scenario = _resolve(args)
    changes = {k: _number(v) for k, v in (("draws", args.draws), ("seed", args.seed)) if v is not None}
    params = params.replace(**validate(changes, "--" + next(iter(changes)) if len(changes) == 1 else "the command line"))
    distributions = load_uncertainty(args.scenario, args.params)
    sims = uncertainty.simulate(params, distributions)
    points = uncertainty.point(params)
    rows = {}
    for o in uncertainty.OUTPUTS:
        q = uncertainty.percentiles(sims[o.key])
        rows[o.key] = {"unit": o.unit, **{f"p{k:02d}": v for k, v in q.items()}, "point": points[o.key]}
    doc = {"scenario": scenario.name, "parameters_sha256": params.sha256, "draws": params.draws,
           "seed": params.seed, "uncertain": {n: d.text() for n, d in distributions.items() if d.kind != "fixed"},
           "percentiles": rows}
    if args.format == "json":
        print(json.dumps(doc, indent=2))
    elif args.format == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["output", "unit", "p05", "p50", "p95", "point"])
        for key, r in rows.items():
            w.writerow([key, r["unit"], repr(r["p05"]), repr(r["p50"]), repr(r["p95"]), repr(r["point"])])
        sys.stdout.write(buf.getvalue())
    else:
        from sorabook.results import format_value

        table = [("output", "p05", "p50", "p95", "point", "unit")]
        for key, r in rows.items():
            table.append((key, *(format_value(r[c], ".3g") for c in ("p05", "p50", "p95", "point")), r["unit"]))
        print(f"scenario {scenario.name}, {params.draws:,} draws, seed {params.seed} "
              f"(point: every parameter at its value)")
        print(_table(table, right=(1, 2, 3, 4)))
    return 0


def cmd_params(args) -> int:
    from sorabook.params import REGISTRY, resolve

    params, scenario = resolve(args.scenario)
    if args.format == "json":
        print(json.dumps({
            "scenario": scenario.name,
            "parameters": {
                name: {"value": params[name], "default": p.default, "unit": p.unit, "range": p.range_text(),
                       "description": p.description, "source": p.source}
                for name, p in REGISTRY.items()
            },
        }, indent=2))
        return 0
    rows = [("parameter", "value", "unit", "allowed", "description")]
    for name, p in REGISTRY.items():
        mark = " *" if params[name] != p.default else ""
        rows.append((name, f"{params[name]}{mark}", p.unit, p.range_text(), p.description))
    print(f"scenario {scenario.name} (* differs from the article)")
    print(_table(rows))
    return 0


def cmd_scenarios(args) -> int:
    from sorabook.params import load_scenario, scenario_names

    rows = [("scenario", "changes", "description")]
    for name in scenario_names():
        s = load_scenario(name)
        rows.append((name, str(len(s.overrides)), s.description))
    print(_table(rows))
    return 0


def cmd_build(args) -> int:
    params, scenario = _resolve(args)
    out = _check_out(args.out)

    from sorabook import pipeline

    from sorabook.report import CHAPTERS

    bar = _Progress(len(CHAPTERS))
    try:
        result = pipeline.build(params, scenario, out, jobs=args.jobs, force=args.force, progress=bar.update)
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


COMMANDS = {"build": cmd_build, "results": cmd_results, "params": cmd_params, "scenarios": cmd_scenarios}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as err:
        text = str(err)
        print(text if text.startswith("sorabook") else f"sorabook: {text}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as err:
        from sorabook.params import ParamError

        if isinstance(err, ParamError):
            print(f"sorabook: {err}", file=sys.stderr)
            return EXIT_BAD_INPUT
        from sorabook.pipeline import BuildError

        if isinstance(err, BuildError):
            print(f"sorabook: build failed: {err}", file=sys.stderr)
            print("sorabook: the previous site, if any, is unchanged", file=sys.stderr)
            return EXIT_FAILED
        raise
    except KeyboardInterrupt:
        print("sorabook: interrupted; the previous site, if any, is unchanged", file=sys.stderr)
        return 130
