"""``sorabook results``: every headline result computed without notebooks (and, with
``--uncertainty``, chapter 8's percentiles), as a table, JSON or CSV."""

from __future__ import annotations

import json
import sys

from sorabook.cli.common import UsageError, add_param_args, registry_value, resolve_args, table, terminal_width

__all__ = ["add", "results_table", "run"]


def add(sub) -> None:
    """The ``results`` subcommand's options."""
    r = sub.add_parser("results", help="print the headline results, computed without notebooks")
    add_param_args(r)
    r.add_argument("--format", choices=("table", "json", "csv"), default="table")
    r.add_argument("--uncertainty", action="store_true",
                   help="print 5/50/95 percentiles of the headline results (Monte Carlo, chapter 8)")
    r.add_argument("--draws", metavar="N", type=registry_value("draws", "--draws"),
                   help="Monte Carlo draws (with --uncertainty; default: the parameter)")
    r.add_argument("--seed", metavar="S", type=registry_value("seed", "--seed"),
                   help="Monte Carlo seed (with --uncertainty; default: the parameter)")


def results_table(doc: dict, width: int | None = None) -> str:
    """The headline results of a results document, as a plain-text table (with ``width``, the unit
    column wraps so that lines fit it)."""
    from sorabook.results.registry import RESULTS
    from sorabook.results.specs import format_value

    rows = [("result", "value", "unit")]
    for key, r in doc["results"].items():
        rows.append((key, format_value(r["value"], RESULTS[key].fmt), r["unit"]))
    head = f"scenario {doc['scenario']}, parameters sha256 {doc['parameters_sha256'][:12]}"
    return head + "\n" + table(rows, right=(1,), width=width, wrap=(2,))


def _cache_folder():
    """Where ``sorabook results`` keeps computed values: ``results/`` of the build cache of the
    project holding the package (or ``$SORABOOK_CACHE``), none outside a project."""
    from sorabook.book.plan import BuildError, cache_dir, project_root

    try:
        return cache_dir(project_root()) / "results"
    except BuildError:
        return None


def run(args) -> int:
    """Print the results (exit 1 with one line if a result falls outside its domain)."""
    from sorabook.results import cache
    from sorabook.results.export import results_csv, results_document
    from sorabook.results.registry import compute

    if args.uncertainty:
        return _uncertainty(args)
    if args.draws is not None or args.seed is not None:
        raise UsageError("sorabook results: --draws and --seed go with --uncertainty (see --help)")
    params, scenario = resolve_args(args)
    doc = results_document(params, scenario, cache.computed(params, compute, _cache_folder()), site=False)
    if args.format == "json":
        print(json.dumps(doc, indent=2))
    elif args.format == "csv":
        sys.stdout.write(results_csv(doc))
    else:
        print(results_table(doc, terminal_width()))
    return 0


def _uncertainty(args) -> int:
    """``sorabook results --uncertainty``: chapter 8's results (the Monte Carlo's percentiles), in the
    same schema, table and formats as every other result; ``--draws``/``--seed`` set those parameters."""
    from sorabook.results import cache
    from sorabook.results.export import results_csv, results_document
    from sorabook.results.registry import RESULTS, compute

    params, scenario = resolve_args(args)
    changes = {k: v for k, v in (("draws", args.draws), ("seed", args.seed)) if v is not None}
    if changes:  # each already read and checked as its parameter by registry_value
        params = params.replace(**changes)
    values = cache.computed(params, compute, _cache_folder())  # one cache entry per parameter set: every result
    chapter8 = {k: v for k, v in values.items() if RESULTS[k].chapter.endswith("uncertainty")}
    doc = results_document(params, scenario, chapter8, site=False)
    if args.format == "json":
        print(json.dumps(doc, indent=2))
    elif args.format == "csv":
        sys.stdout.write(results_csv(doc))
    else:
        print(f"{params.draws:,} draws, seed {params.seed}")
        print(results_table(doc, terminal_width()))
    return 0
