"""What every command shares: the one-line usage error, the parser that raises it, the scenario and
parameter options, reading a registry parameter from a command-line flag, and plain-text tables."""

from __future__ import annotations

import argparse
import math
import os
import sys
import textwrap
from typing import Any, Callable, Sequence

__all__ = ["UsageError", "Parser", "add_param_args", "registry_value", "column_widths", "resolve_args", "table", "table_blocks",
           "terminal_width", "whole"]


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


def terminal_width(default: int = 80) -> int:
    """Columns the output should fit: ``$COLUMNS`` when set, else the terminal of stdout (or of
    stderr, for ``sorabook params | less``), else ``default``; never under 40."""
    text = os.environ.get("COLUMNS", "").strip()
    if text.isdigit() and int(text) > 0:
        return max(40, int(text))
    for stream in (sys.stdout, sys.stderr):
        try:
            return max(40, os.get_terminal_size(stream.fileno()).columns)
        except (AttributeError, ValueError, OSError):  # not a terminal, or a test's capture
            continue
    return default


def _wrapped(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters (words kept whole where they fit)."""
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def column_widths(rows: Sequence[Sequence[str]], width: int | None = None, wrap: Sequence[int] = ()) -> list[int]:
    """The widths of a table's columns: each its longest cell; with ``width``, the columns in ``wrap``
    narrowed, widest first, until a line fits (each down to its header's width or 10 characters)."""
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    if width is None:
        return widths
    floor = {i: min(widths[i], max(10, len(str(rows[0][i])))) for i in wrap}
    excess = sum(widths) + 2 * (len(widths) - 1) - width
    while excess > 0:
        room = [i for i in wrap if widths[i] > floor[i]]
        if not room:
            break
        i = max(room, key=lambda j: widths[j])
        widths[i] -= 1
        excess -= 1
    return widths


def table_blocks(rows: Sequence[Sequence[str]], right: Sequence[int] = (), width: int | None = None,
                 wrap: Sequence[int] = ()) -> list[list[str]]:
    """Rows as a plain-text table, one block of lines per row (the first block: the header and its
    rule). With ``width``, the columns in ``wrap`` narrow as :func:`column_widths` says and their
    text wraps in them."""
    cells = [[str(c) for c in r] for r in rows]
    widths = column_widths(cells, width, wrap)
    blocks = []
    for n, row in enumerate(cells):
        parts = [_wrapped(c, widths[i]) if i in wrap else [c] for i, c in enumerate(row)]
        lines = []
        for k in range(max(len(p) for p in parts)):
            cell = [p[k] if k < len(p) else "" for p in parts]
            lines.append("  ".join(c.rjust(w) if i in right else c.ljust(w)
                                   for i, (c, w) in enumerate(zip(cell, widths))).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
        blocks.append(lines)
    return blocks


def table(rows: Sequence[Sequence[str]], right: Sequence[int] = (), width: int | None = None,
          wrap: Sequence[int] = ()) -> str:
    """Rows as a plain-text table: the first row is the header, ``right`` the right-aligned columns;
    with ``width``, the columns in ``wrap`` wrap so that lines fit it (:func:`table_blocks`)."""
    return "\n".join(line for block in table_blocks(rows, right, width, wrap) for line in block)
