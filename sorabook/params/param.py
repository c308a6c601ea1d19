"""One assumption of the book: :class:`Param` (name, default, unit, range, source) and its check.

A bad value raises :class:`ParamError` with one line that names the parameter, the value and
what was expected (the command line turns it into exit code 2).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Mapping

__all__ = ["Param", "ParamError", "fmt", "show"]


class ParamError(ValueError):
    """A parameter set is invalid. ``str(err)`` is one line meant for a person."""


@dataclass(frozen=True)
class Param:
    """One assumption of the book.

    ``kind`` is ``"float"``, ``"int"``, ``"bool"``, ``"choice"`` or ``"mapping"`` (the
    Monte Carlo's distributions, validated by :func:`parse_uncertainty`). Numeric
    parameters lie in ``[low, high]``; ``low_open`` makes the lower bound
    exclusive (``> low``), which is how "zero where it divides" is refused.
    """

    name: str
    default: Any
    unit: str
    description: str
    source: str
    kind: str = "float"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] = ()

    def expectation(self) -> str:
        """What a valid value looks like, in words."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        if self.kind == "mapping":
            return "a mapping of parameter: distribution (fixed, or dist, low, high and mode)"
        what = "an integer" if self.kind == "int" else "a number"
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {fmt(self.low)}")
        if self.high is not None:
            parts.append(f"<= {fmt(self.high)}")
        return what + (" " + " and ".join(parts) if parts else "")

    def range_text(self) -> str:
        """Allowed values, compactly (for tables)."""
        if self.kind == "choice":
            return " | ".join(self.choices)
        if self.kind == "bool":
            return "true | false"
        if self.kind == "mapping":
            return "name: fixed | {dist, low, high[, mode]}"
        lo = "(" if self.low_open else "["
        return f"{lo}{fmt(self.low)}, {fmt(self.high)}]"

    def check(self, value: Any, origin: str = "") -> Any:
        """Return ``value`` normalised to this parameter's type, or raise ParamError."""
        where = f" (from {origin})" if origin else ""

        def fail(why: str = "") -> ParamError:
            return ParamError(
                f"parameter '{self.name}'{where}: {why or 'got ' + show(value)}; "
                f"expected {self.expectation()}"
            )

        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise fail()
        if self.kind == "mapping":
            if value is None:
                return {}
            if not isinstance(value, Mapping):
                raise fail()
            out = json.loads(json.dumps(value))  # a plain, JSON-able copy
            for spec in out.values():  # each distribution keeps where it was set
                if isinstance(spec, dict) and origin and "source" not in spec:
                    spec["source"] = origin
            return out
        if self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            if isinstance(value, str):
                import difflib

                lower = {c.lower(): c for c in self.choices}  # letter case aside: h100 -> H100-SXM
                near = difflib.get_close_matches(value.lower(), list(lower), n=1, cutoff=0.5)
                hint = f" (did you mean '{lower[near[0]]}'?)" if near else ""
                raise fail(f"got {show(value)}{hint}")
            raise fail()
        # numbers
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail()
        if isinstance(value, float) and not math.isfinite(value):
            raise fail(f"got {value}, which is not a finite number")
        if self.kind == "int":
            if isinstance(value, float):
                if not value.is_integer():
                    raise fail()
                value = int(value)
        else:
            value = float(value)
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            raise fail(f"got {fmt(value)}, out of range")
        if self.high is not None and value > self.high:
            raise fail(f"got {fmt(value)}, out of range")
        return value


def fmt(x: float | None) -> str:
    if x is None:
        return "?"
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}"


def show(value: Any) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {text!r}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "an empty value"
    return repr(value)

