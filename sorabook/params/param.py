"""One assumption of the book: :class:`Param` (name, default, unit, range, source) and its check.

A bad value raises :class:`ParamError` with one line that names the parameter, the value and
what was expected (the command line turns it into exit code 2).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from sorabook.params.literals import Unbounded, digits_text, int_digits, quote

__all__ = ["Param", "ParamError", "fmt", "nearest", "show", "shown_number"]


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
            """The one-line error: this parameter, its origin, ``why`` (or the value), the expectation."""
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
            try:  # a plain, JSON-able copy, -0.0 read as 0.0
                out = _plain(json.loads(json.dumps(value)))
            except (TypeError, ValueError, RecursionError):
                raise fail("got a mapping holding values that are not text, numbers, lists or mappings") from None
            for spec in out.values():  # each distribution keeps where it was set
                if isinstance(spec, dict) and origin and "source" not in spec:
                    spec["source"] = origin
            return out
        if self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            if isinstance(value, str):
                near = nearest(value, self.choices, cutoff=0.5)  # h100 -> H100-SXM, h200 -> H200-SXM
                hint = f" (did you mean '{near}'?)" if near else ""
                raise fail(f"got {show(value)}{hint}")
            raise fail()
        # numbers
        if isinstance(value, str):
            raise fail(f"got {show(value)}{self._number_hint(value)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail()
        if isinstance(value, Unbounded) and value.whole:
            raise fail(f"got {shown_number(value)}, out of range")
        if isinstance(value, float) and not math.isfinite(value):
            raise fail(f"got {shown_number(value)}, which is not a finite number")
        if self.kind == "int" and isinstance(value, float) and not value.is_integer():
            raise fail()
        # the range is checked on the value as given: a 400-digit whole number compares exactly
        # (converting it to a float first would overflow)
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            raise fail(f"got {fmt(value)}, out of range")
        if self.high is not None and value > self.high:
            raise fail(f"got {fmt(value)}, out of range")
        if self.kind == "int":
            return int(value)
        return float(value) + 0.0  # + 0.0 turns -0.0 into 0.0: one value, one SHA-256


    def _number_hint(self, text: str) -> str:
        """`` (did you mean 0.46?)`` for a number written as people write it in prose, when the
        reading is a valid value: a percentage of a share (``46%``), thousands separators
        (``1,000,000``); else an empty text."""
        from sorabook.params.literals import read_number

        text = text.strip()
        if text.endswith("%") and self.unit.startswith("share"):
            x = read_number(text[:-1].strip())
            guess = None if x is None or isinstance(x, bool) else round(x / 100, 15)
        elif re.fullmatch(r"[-+]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", text):
            guess = read_number(text.replace(",", ""))
        else:
            return ""
        try:
            guess = self.check(guess)
        except ParamError:
            return ""
        return f" (did you mean {fmt(guess)}?)"


def nearest(text: str, options: Sequence[str], cutoff: float = 0.6) -> str | None:
    """The option a person most likely meant by ``text``, or None: the same name in another letter
    case or with ``-`` for ``_`` (``FPS`` -> ``fps``), else the first option that starts with it
    (``h200`` -> ``H200-SXM``, not ``B200``), else the closest by :mod:`difflib` above ``cutoff``."""
    import difflib

    def key(s: str) -> str:
        """A name as compared: lower case, ``-`` and ``_`` alike."""
        return s.strip().lower().replace("-", "_")

    keyed = {}
    for option in options:
        keyed.setdefault(key(option), option)
    k = key(text)
    if not k:
        return None
    if k in keyed:
        return keyed[k]
    starts = [o for kk, o in keyed.items() if kk.startswith(k)]
    if starts and len(k) > 1:
        return starts[0]
    near = difflib.get_close_matches(k, list(keyed), n=1, cutoff=cutoff)
    return keyed[near[0]] if near else None


def _plain(value: Any) -> Any:
    """A JSON value with every ``-0.0`` replaced by ``0.0`` (the same number, the same hash)."""
    if isinstance(value, float):
        return value + 0.0
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def fmt(x: float | None) -> str:
    """A number as shown in a message or a table: whole numbers plainly, others in ``g`` notation;
    a whole number too large for a float by its number of digits."""
    if x is None:
        return "?"
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    if isinstance(x, int) and not isinstance(x, bool):
        if abs(x) < 10**15:
            return str(x)
        try:
            return f"{float(x):g}"
        except OverflowError:
            return f"{'minus ' if x < 0 else ''}a {int_digits(x):,}-digit number"
    return f"{x:g}"


def shown_number(x: float) -> str:
    """A non-finite number as shown in a message: as the person wrote it when it was read from
    text too large to hold (``1e309``, ``a 5,000-digit number``), else ``inf``/``-inf``/``nan``."""
    if isinstance(x, Unbounded):
        return digits_text(x.text)
    return str(x)


def show(value: Any) -> str:
    """What a refused value was, in words: ``the text '...'`` (shortened, control characters
    escaped), ``the boolean true``, ``a list``, ``a mapping``, ``an empty value`` or the number."""
    if isinstance(value, str):
        return f"the text {quote(value, 40)}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "an empty value"
    if isinstance(value, float) and not math.isfinite(value):
        return shown_number(value)
    if isinstance(value, int):
        return fmt(value)
    if isinstance(value, float):
        return repr(value + 0.0)
    return f"a value of type {type(value).__name__}"
