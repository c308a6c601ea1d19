"""``sorabook params`` (every parameter with its value, unit, range, description and source) and
``sorabook scenarios`` (the shipped scenarios). Tables fit the terminal (:func:`.common.terminal_width`)."""

from __future__ import annotations

import csv
import io
import json
import math
import textwrap

from sorabook.cli.common import add_param_args, column_widths, table, table_blocks, terminal_width

__all__ = ["add", "run_params", "run_scenarios", "shown"]

#: The one-row table keeps its description column at least this wide, else each description goes
#: on its own lines under its parameter.
_MIN_DESCRIPTION = 30

#: Indent of the description and source lines under a parameter.
_INDENT = "    "


def add(sub) -> None:
    """The ``params`` and ``scenarios`` subcommands."""
    q = sub.add_parser("params", help="list every parameter with value, unit, range, description and source",
                       description="List every parameter of the book: its value in the scenario (* where it "
                                   "differs from the article's), unit, allowed values and description; --long "
                                   "adds where each value comes from. The table fits the terminal ($COLUMNS).")
    add_param_args(q, with_params=False)
    q.add_argument("--long", action="store_true", help="add each parameter's source (under its description)")
    q.add_argument("--format", choices=("table", "json", "csv"), default="table",
                   help="table (default), or every field as JSON or CSV")
    sub.add_parser("scenarios", help="list the shipped scenarios")


def _number(x: float, whole: bool) -> str:
    """A number as the book shows it: whole numbers with thousands separators (every digit of an
    integer parameter), others with every significant digit they have, large and
    small ones as x 10ⁿ (:func:`sorabook.results.specs.format_value`)."""
    from sorabook.results.specs import format_value

    if whole and math.isfinite(x) and float(x).is_integer():
        return f"{int(x):,}"
    if x.is_integer() and abs(x) < 1e9:
        return format_value(x, ",.0f")
    if not math.isfinite(x):
        return str(x)
    digits = next((d for d in range(1, 17) if float(f"{x:.{d}g}") == x), 17)
    if 1e-3 <= abs(x) < 1e6:
        return format_value(x, f".{digits}g")
    return format_value(x, f".{digits - 1}e")


def shown(p, value) -> str:
    """The value of parameter ``p`` as the table shows it (true/false, a choice, a number as the book
    writes it, a mapping by its number of entries)."""
    if p.kind == "bool":
        return "true" if value else "false"
    if p.kind == "mapping":
        return "none" if not value else f"{len(value)} set (see --format json)"
    if p.kind == "choice" or p.unit == "integer":  # a name, or a number as an identifier (the seed)
        return str(value)
    return _number(value, p.kind == "int")


def _allowed(p) -> str:
    """The allowed values of ``p``: ``1 to 16,384`` (``over 0 to 1`` without the lower bound), numbers
    written as :func:`shown` writes them (no interval brackets: ``[1,000, 5,000]`` would misread)."""
    if p.kind not in ("float", "int"):
        return p.range_text()
    lo, hi = ("?" if x is None else str(x) if p.unit == "integer" else _number(x, p.kind == "int")
              for x in (p.low, p.high))
    return f"{'over ' if p.low_open else ''}{lo} to {hi}"


def run_params(args) -> int:
    """Print the registry for a scenario (``*`` marks values that differ from the article's)."""
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
    if args.format == "csv":
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(("parameter", "value", "default", "unit", "allowed", "description", "source"))
        for name, p in REGISTRY.items():
            w.writerow((name, *(json.dumps(v) if isinstance(v, (bool, dict)) else v
                                for v in (params[name], p.default)), p.unit, p.range_text(), p.description, p.source))
        print(out.getvalue(), end="")
        return 0
    rows = [("parameter", "value", "unit", "allowed", "description")]
    for name, p in REGISTRY.items():
        mark = " *" if params[name] != p.default else ""
        rows.append((name, shown(p, params[name]) + mark, p.unit, _allowed(p), p.description))
    width = terminal_width()
    print(f"scenario {scenario.name} (* differs from the article)")
    if not args.long and column_widths(rows, width, wrap=(2, 3, 4))[4] >= _MIN_DESCRIPTION:
        print(table(rows, width=width, wrap=(2, 3, 4)))
        return 0
    blocks = table_blocks([r[:4] for r in rows], width=width, wrap=(2, 3))
    print("\n".join(blocks[0]))
    for block, (name, p) in zip(blocks[1:], REGISTRY.items()):
        print("\n".join(block))
        print(textwrap.fill(p.description, width, initial_indent=_INDENT, subsequent_indent=_INDENT,
                            break_on_hyphens=False))
        if args.long:
            print(textwrap.fill(f"source: {p.source}", width, initial_indent=_INDENT,
                                subsequent_indent=_INDENT + "  ", break_on_hyphens=False))
    return 0


def run_scenarios(args) -> int:
    """Print the shipped scenarios with their number of changes and description."""
    from sorabook.params import load_scenario, scenario_names

    rows = [("scenario", "changes", "description")]
    for name in scenario_names():
        s = load_scenario(name)
        rows.append((name, str(len(s.overrides)), s.description))
    print(table(rows, right=(1,), width=terminal_width(), wrap=(2,)))
    return 0
