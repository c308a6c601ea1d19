"""What a result and a claim are (the bottom of the results layer).

A *result* is a number the book states and readers cite. It has a permanent, lowercase,
hyphenated key (``train-h100-months-low``), a unit, a description, the chapter that states it,
a display format, a *domain* (the values it may take: every result is finite, and positive or
a share, as its unit says) and the function of the parameters that computes it. A value
outside its domain is never published: :meth:`ResultSpec.evaluate` raises
:class:`DomainError`, which the build and ``sorabook results`` turn into exit code 1.

A *claim* is a number the article prints, recomputed from the article's own stated inputs;
its verdict says whether the printed number follows.

Each chapter module of :mod:`sorabook.results` makes one :class:`Chapter` and registers its
results and claims on it with the decorators :meth:`Chapter.result` and :meth:`Chapter.claim`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

__all__ = [
    "AGREES_WITHIN",
    "APPROXIMATE_WITHIN",
    "Chapter",
    "Claim",
    "DOMAINS",
    "DomainError",
    "ResultSpec",
    "format_value",
    "relative_difference",
    "verdict",
]

#: Verdict thresholds on the relative difference |recomputed - printed| / |printed|.
AGREES_WITHIN = 0.02
APPROXIMATE_WITHIN = 0.25

#: The domains a result may declare: name -> (test on a finite float, what it means in words).
DOMAINS: dict[str, tuple[Callable[[float], bool], str]] = {
    "positive": (lambda v: v > 0, "a finite number > 0"),
    "share": (lambda v: 0 <= v <= 1, "a finite share in [0, 1]"),
    "nonnegative": (lambda v: v >= 0, "a finite number >= 0"),
}

#: Units that are shares of something (their results default to the ``share`` domain).
_SHARE_UNITS = ("share", "share of peak", "of draws")

#: Units of the fleet's demand and size, which are zero when no video is AI-generated (both AI shares
#: may be 0): their results default to the ``nonnegative`` domain.
_DEMAND_UNITS = ("GPUs", "min/day", "MW", "GW")


class DomainError(ArithmeticError):
    """A result came out outside its declared domain. ``str(err)`` is one line for a person."""


def _domain_for(unit: str) -> str:
    if unit in _SHARE_UNITS:
        return "share"
    return "nonnegative" if unit in _DEMAND_UNITS else "positive"


@dataclass(frozen=True)
class ResultSpec:
    """Definition of one headline result: key, unit, words, chapter, format, domain, function."""

    key: str
    unit: str
    description: str
    chapter: str
    fmt: str
    compute: Callable[[Any], float] = field(repr=False, compare=False)
    aliases: tuple[str, ...] = ()
    domain: str = "positive"

    @property
    def anchor_id(self) -> str:
        """HTML id of the statement of this result on its chapter page."""
        return f"result-{self.key}"

    @property
    def anchor(self) -> str:
        """``page.html#id`` of the statement, relative to the site's root."""
        return f"notebooks/{self.chapter}.html#{self.anchor_id}"

    def check(self, value: Any, params: Mapping[str, Any] | None = None) -> float:
        """``value`` as a float if it lies in the domain; else :class:`DomainError` naming the
        result, the value, the domain and the parameters that differ from the article's."""
        test, words = DOMAINS[self.domain]
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if math.isfinite(number) and test(number):
            return number
        where = ""
        if params is not None and hasattr(params, "differences"):
            diff = params.differences()
            shown = ", ".join(f"{k}={v!r}" for k, v in list(diff.items())[:8]) + (", ..." if len(diff) > 8 else "")
            where = f" with parameters {shown}" if diff else " with the article's parameters"
        raise DomainError(f"result '{self.key}' came out as {number!r}{where}; expected {words} "
                          f"({self.unit}); nothing was published")

    def evaluate(self, params: Any) -> float:
        """The result for ``params``, checked against its domain (:meth:`check`)."""
        return self.check(self.compute(params), params)


@dataclass(frozen=True)
class Claim:
    """A number the article prints, and how to recompute it from the article's inputs."""

    key: str
    chapter: str
    text: str
    printed: float
    unit: str
    compute: Callable[[Any], float] = field(repr=False, compare=False)
    note: str = ""

    def check(self, params) -> dict:
        """The claim as data: printed, recomputed, relative difference, verdict."""
        recomputed = float(self.compute(params))
        rel = relative_difference(recomputed, self.printed)
        return {
            "key": self.key,
            "chapter": self.chapter,
            "text": self.text,
            "printed": self.printed,
            "recomputed": recomputed,
            "unit": self.unit,
            "relative_difference": rel,
            "verdict": verdict(rel),
            "note": self.note,
        }


class Chapter:
    """The results and claims one chapter states, registered with decorators in reading order."""

    def __init__(self, stem: str):
        self.stem = stem
        self.results: dict[str, ResultSpec] = {}
        self.claims: list[Claim] = []

    def result(self, key: str, unit: str, description: str, fmt: str, aliases: Iterable[str] = (),
               domain: str | None = None):
        """Decorator: register ``func(params) -> float`` as the result ``key`` of this chapter."""
        domain = domain or _domain_for(unit)
        if domain not in DOMAINS:
            raise ValueError(f"result '{key}': unknown domain {domain!r}")

        def register(func: Callable[[Any], float]) -> Callable[[Any], float]:
            if key in self.results:
                raise ValueError(f"result '{key}' is defined twice")
            self.results[key] = ResultSpec(key, unit, description, self.stem, fmt, func, tuple(aliases), domain)
            return func

        return register

    def claim(self, key: str, text: str, printed: float, unit: str, note: str = ""):
        """Decorator: register ``func(params) -> float`` as the recomputation of a printed number."""

        def register(func: Callable[[Any], float]) -> Callable[[Any], float]:
            self.claims.append(Claim(key, self.stem, text, printed, unit, func, note))
            return func

        return register


def relative_difference(recomputed: float, printed: float) -> float:
    """``(recomputed - printed) / |printed|`` (signed)."""
    return (recomputed - printed) / abs(printed)


def verdict(rel: float) -> str:
    """``agrees`` within 2 %, ``approximate`` within 25 %, else ``disagrees``."""
    if abs(rel) <= AGREES_WITHIN:
        return "agrees"
    if abs(rel) <= APPROXIMATE_WITHIN:
        return "approximate"
    return "disagrees"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_value(value: float, fmt: str = "auto") -> str:
    """Format a number for reading: a Python format spec, with ``e`` notation as x 10ⁿ.

    ``"auto"``, the book's one rule for numbers: whole numbers below 10⁶ and any number from
    10³ to 10⁶ rounded to a whole number with thousands separators, other numbers from 0.001
    to 10³ with four significant digits, the rest (10⁶ and more, whole or not) as x 10ⁿ with
    three. The spaces around "x" are no-break spaces: a number never wraps inside a table cell.
    """
    if fmt == "auto":
        if float(value).is_integer() and abs(value) < 1e6:
            fmt = ",.0f"
        elif 1e3 <= abs(value) < 1e6:
            fmt = ",.0f"
        elif 1e-3 <= abs(value) < 1e6:
            fmt = ".4g"
        else:
            fmt = ".3g"
    text = format(value, fmt)
    if "e" in text and math.isfinite(value):
        mant, exp = text.split("e")
        return f"{mant}\u00a0×\u00a010{str(int(exp)).translate(_SUPERSCRIPT)}"
    return text
