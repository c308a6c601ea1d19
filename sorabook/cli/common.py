"""What every command shares: the one-line usage error, the parser that raises it, the scenario and
parameter options, reading a registry parameter from a command-line flag, and plain-text tables."""

from __future__ import annotations

import argparse
import math
import os
from typing import Any, Callable, Sequence

__all__ = ["UsageError", "Parser", "add_param_args", "registry_value", "resolve_args", "table", "whole"]


class UsageError(Exception):
    """Bad input on the command line (exit 2)."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage dump) and exit 2."""

    def error(self, message: str):
        """Raise the one-line UsageError (``main`` makes it one bounded line with escapes); an
        invalid choice (``sorabook result``, ``--format jsn``) names the nearest one."""
        raise UsageError(f"{self.prog}: {_with_suggestion(message)} (see --help)")


def _with_suggestion(message: str) -> str:
    """argparse's ``invalid choice: 'X' (choose from ...)`` with `` (did you mean 'Y'?)`` after 'X'
    when a choice is near (:func:`sorabook.params.param.nearest`); any other message as it is. (Read
    from the message text: argparse has no public hook for it before Python 3.14.)"""
    import re

    found = re.search(r"invalid choice: ('(?:[^'\\]|\\.)*'|\S+) \(choose from (.*)\)", message)
    if not found:
        return message
    from sorabook.params.param import nearest

    given = found.group(1).strip("'")
    choices = [c.strip("'\"") for c in found.group(2).split(", ")]
    near = nearest(given, choices)
    if near is None:
        return message
    return message[:found.end(1)] + f" (did you mean '{near}'?)" + message[found.end(1):]


def add_param_args(p: argparse.ArgumentParser, with_params: bool = True) -> None:
    """``--scenario`` (and, with ``with_params``, ``--params FILE`` and repeatable ``--set NAME=VALUE``)."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("--scenario", metavar="NAME", help="a shipped scenario (default: article)")
    if with_params:
        group.add_argument("--params", metavar="FILE", help="a YAML file of parameter: value lines")
        p.add_argument("--set", metavar="NAME=VALUE", action="append", default=[], dest="sets",
                       help="override one parameter (repeatable)")


def resolve_args(args):
    """The validated parameters and scenario of ``--scenario``/``--params``/``--set``."""
    from sorabook.params import resolve

    return resolve(args.scenario, getattr(args, "params", None), getattr(args, "sets", ()))


def registry_value(name: str, flag: str) -> Callable[[str], Any]:
    """An argparse type that reads a flag's text as the registry parameter ``name`` reads a ``--set``
    value (same number reading, range, choices and suggestions; the message names the flag)."""
    def parse(text: str) -> Any:
        """``text`` read and checked as the parameter (UsageError naming the flag)."""
        from sorabook.params import ParamError, parse_set, validate

        try:
            _, value = parse_set(f"{name}={text}")
            return validate({name: value}, flag)[name]
        except ParamError as err:
            raise UsageError(str(err)) from None

    return parse


def whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` (to ``high``), read by the one number reader
    (:func:`sorabook.params.literals.read_number`: ``08`` is 8, ``1e3`` is 1000, a 400-digit number
    is out of range, not an overflow)."""
    expected = f"a whole number >= {low}" if high is None else f"a whole number from {low} to {high}"

    def parse(text: str) -> int:
        """``text`` as a whole number in range, or ArgumentTypeError (one line, the text quoted)."""
        from sorabook.params.literals import Unbounded, digits_text, quote, read_number

        n = read_number(text)
        if isinstance(n, Unbounded) and n.whole:
            raise argparse.ArgumentTypeError(f"got {digits_text(n.text)}, out of range; expected {expected}")
        if isinstance(n, float) and math.isfinite(n) and n.is_integer():
            n = int(n)
        if not isinstance(n, int):
            raise argparse.ArgumentTypeError(f"got {quote(text)}; expected {expected}")
        if n < low or (high is not None and n > high):
            raise argparse.ArgumentTypeError(f"got {digits_text(text)}, out of range; expected {expected}")
        return n

    return parse


def default_jobs() -> int:
    """Chapters executed in parallel by default: the CPUs, at most 4."""
    return min(4, os.cpu_count() or 1)


def table(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """Rows as a plain-text table: the first row is the header, ``right`` the right-aligned columns."""
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
