"""``sorabook params`` (every parameter with its value, unit, range and source) and
``sorabook scenarios`` (the shipped scenarios)."""

from __future__ import annotations

import json

from sorabook.cli.common import add_param_args, table

__all__ = ["add", "run_params", "run_scenarios"]


def add(sub) -> None:
    """The ``params`` and ``scenarios`` subcommands."""
    q = sub.add_parser("params", help="list every parameter with value, unit, range and source")
    add_param_args(q, with_params=False)
    q.add_argument("--format", choices=("table", "json"), default="table")
    sub.add_parser("scenarios", help="list the shipped scenarios")


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
    rows = [("parameter", "value", "unit", "allowed", "description")]
    for name, p in REGISTRY.items():
        mark = " *" if params[name] != p.default else ""
        rows.append((name, f"{params[name]}{mark}", p.unit, p.range_text(), p.description))
    print(f"scenario {scenario.name} (* differs from the article)")
    print(table(rows))
    return 0


def run_scenarios(args) -> int:
    """Print the shipped scenarios with their number of changes and description."""
    from sorabook.params import load_scenario, scenario_names

    rows = [("scenario", "changes", "description")]
    for name in scenario_names():
        s = load_scenario(name)
        rows.append((name, str(len(s.overrides)), s.description))
    print(table(rows))
    return 0
