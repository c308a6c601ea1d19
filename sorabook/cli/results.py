"""``sorabook results``: every headline result computed without notebooks (and, with
``--uncertainty``, chapter 8's percentiles), as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import sys

from sorabook.cli.common import UsageError, add_param_args, resolve_args, table

__all__ = ["add", "results_table", "run"]


def add(sub) -> None:
    """The ``results`` subcommand's options."""
    r = sub.add_parser("results", help="print the headline results, computed without notebooks")
    add_param_args(r)
    r.add_argument("--format", choices=("table", "json", "csv"), default="table")
    r.add_argument("--uncertainty", action="store_true",
                   help="print 5/50/95 percentiles of the headline results (Monte Carlo, chapter 8)")
    r.add_argument("--draws", metavar="N", help="Monte Carlo draws (with --uncertainty; default: the parameter)")
    r.add_argument("--seed", metavar="S", help="Monte Carlo seed (with --uncertainty; default: the parameter)")


def results_table(doc: dict) -> str:
    """The headline results of a results document, as a plain-text table."""
    from sorabook.results.registry import RESULTS
    from sorabook.results.specs import format_value

    rows = [("result", "value", "unit")]
    for key, r in doc["results"].items():
        rows.append((key, format_value(r["value"], RESULTS[key].fmt), r["unit"]))
    head = f"scenario {doc['scenario']}, parameters sha256 {doc['parameters_sha256'][:12]}"
    return head + "\n" + table(rows, right=(1,))


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
    doc = results_document(params, scenario, cache.computed(params, compute), site=False)
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


def _uncertainty(args) -> int:
    """``sorabook results --uncertainty``: percentiles of the headline results (chapter 8)."""
    from sorabook.params import distributions, validate
    from sorabook.results import uncertainty
    from sorabook.results.specs import format_value

    params, scenario = resolve_args(args)
    changes = {k: _number(v) for k, v in (("draws", args.draws), ("seed", args.seed)) if v is not None}
    params = params.replace(**validate(changes, "--" + next(iter(changes)) if len(changes) == 1 else "the command line"))
    dists = distributions(params)
    sims = uncertainty.simulate(params, dists)
    points = uncertainty.point(params)
    rows = {}
    for o in uncertainty.OUTPUTS:
        q = uncertainty.percentiles(sims[o.key])
        rows[o.key] = {"unit": o.unit, **{f"p{k:02d}": v for k, v in q.items()}, "point": points[o.key]}
    doc = {"scenario": scenario.name, "parameters_sha256": params.sha256, "draws": params.draws,
           "seed": params.seed, "uncertain": {n: d.text() for n, d in dists.items() if d.kind != "fixed"},
           "percentiles": rows}
    if args.format == "json":
        print(json.dumps(doc, indent=2))
    elif args.format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["output", "unit", "p05", "p50", "p95", "point"])
        for key, r in rows.items():
            w.writerow([key, r["unit"], repr(r["p05"]), repr(r["p50"]), repr(r["p95"]), repr(r["point"])])
        sys.stdout.write(buf.getvalue())
    else:
        rows_out = [("output", "p05", "p50", "p95", "point", "unit")]
        for key, r in rows.items():
            rows_out.append((key, *(format_value(r[c], ".3g") for c in ("p05", "p50", "p95", "point")), r["unit"]))
        print(f"scenario {scenario.name}, {params.draws:,} draws, seed {params.seed} "
              f"(point: every parameter at its value)")
        print(table(rows_out, right=(1, 2, 3, 4)))
    return 0
