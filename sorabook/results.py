"""Headline results and the article's claims: definitions, formatting and recording.

A *result* is a number the book states and readers cite. It has a permanent,
lowercase, hyphenated key (``train-h100-months-low``), a unit, a description, the
chapter that states it, and a function of the parameters that computes it (the
definitions live in :mod:`sorabook.report`). The same definitions serve three
readers:

- ``sorabook results`` evaluates them directly, without notebooks;
- a chapter calls :func:`record` with the value its cells derived: the value is
  glued for the prose, stated on the page under a stable anchor
  (``#result-<key>``), and emitted as data that the build collects into
  ``results.json``;
- the build checks that what each notebook recorded equals what the package
  computes for the same parameters.

A *claim* is a number the article prints, recomputed from the article's own
stated inputs; its verdict says whether the printed number follows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

__all__ = [
    "Claim",
    "META_KEY",
    "ResultSpec",
    "format_value",
    "results_csv",
    "results_document",
    "versions",
    "record",
    "text",
    "verdict",
]

#: Key of the output metadata that carries a recorded result in an executed notebook.
META_KEY = "sorabook_result"

#: Verdict thresholds on the relative difference |recomputed - printed| / |printed|.
AGREES_WITHIN = 0.02
APPROXIMATE_WITHIN = 0.25


@dataclass(frozen=True)
class ResultSpec:
    """Definition of one headline result (see :mod:`sorabook.report`)."""

    key: str
    unit: str
    description: str
    chapter: str
    fmt: str
    compute: Callable[[Any], float] = field(repr=False, compare=False)
    aliases: tuple[str, ...] = ()

    @property
    def anchor_id(self) -> str:
        """HTML id of the statement of this result on its chapter page."""
        return f"result-{self.key}"

    @property
    def anchor(self) -> str:
        """``page.html#id`` of the statement, relative to the site's root."""
        return f"notebooks/{self.chapter}.html#{self.anchor_id}"


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

    ``"auto"``: whole numbers below 10⁹ and any number from 10³ to 10⁶ rounded to a
    whole number with thousands separators, other numbers from 0.001 to 10³ with four
    significant digits, the rest as x 10ⁿ.
    """
    if fmt == "auto":
        if float(value).is_integer() and abs(value) < 1e9:
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
        return f"{mant} × 10{str(int(exp)).translate(_SUPERSCRIPT)}"
    return text


class _Text:
    """A glued text without quotes (glue shows an object's repr)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def text(value: Any) -> _Text:
    """``value`` as a text to glue and show without quotes (``{glue:text}`` of a name, e.g. a GPU)."""
    return _Text(str(value))


def record(key: str, value: float) -> float:
    """State a headline result on the page being executed, and return it.

    Glues ``key`` (a Python float, for ``{glue:text}`` with a format spec) and
    ``key-text`` (the value formatted by the result's own spec, with its unit),
    and displays the statement with the stable anchor ``(result-<key>)=`` plus
    the data the build collects. Raises ``KeyError`` for a key that
    :mod:`sorabook.report` does not define.
    """
    from IPython.display import display
    from myst_nb import glue

    from sorabook.report import RESULTS

    spec = RESULTS[key]
    value = float(value)
    text = format_value(value, spec.fmt)
    glue(key, value, display=False)
    glue(f"{key}-text", _Text(f"{text} {spec.unit}".strip()), display=False)
    markdown = (
        f"({spec.anchor_id})=\n"
        f"**{spec.description}:** {text} {spec.unit} "
        f"<span class=\"result-key\">[`{key}`](#{spec.anchor_id})</span>\n"
    )
    display(
        {"text/markdown": markdown, "text/plain": f"{key} = {text}"},
        metadata={META_KEY: {"key": key, "value": value}},
        raw=True,
    )
    return value


def versions(site: bool = True) -> dict[str, str]:
    """Versions of the tools that make the numbers (and, with ``site``, the pages)."""
    import sys

    import numpy

    import sorabook

    out = {"python": sys.version.split()[0], "sorabook": sorabook.__version__, "numpy": numpy.__version__}
    if site:
        from importlib.metadata import PackageNotFoundError, version

        for dist in ("matplotlib", "papermill", "jupytext", "jupyter-book", "sphinx", "myst-nb"):
            try:
                out[dist] = version(dist)
            except PackageNotFoundError:
                pass
    return out


def results_document(params, scenario, values: Mapping[str, float], site: bool = True) -> dict:
    """The content of ``results.json`` for a parameter set and its results.

    ``site=False`` (``sorabook results``) lists only the versions that compute the
    numbers, not those that build the pages.
    """
    from sorabook.report import ALIASES, RESULTS, check_claims

    return {
        "scenario": scenario.name,
        "scenario_description": scenario.description,
        "parameters": dict(params),
        "parameters_sha256": params.sha256,
        "versions": versions(site),
        "results": {
            key: {
                "value": values[key],
                "unit": spec.unit,
                "description": spec.description,
                "chapter": spec.chapter,
                "anchor": spec.anchor,
            }
            for key, spec in RESULTS.items()
            if key in values
        },
        "aliases": dict(ALIASES),
        "claims": check_claims(),
    }


def results_csv(doc: Mapping) -> str:
    """``results.csv``: one row per result, with the run's scenario and parameters hash."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["key", "value", "unit", "description", "chapter", "anchor", "scenario", "parameters_sha256"])
    for key, r in doc["results"].items():
        writer.writerow([key, repr(r["value"]), r["unit"], r["description"], r["chapter"], r["anchor"],
                         doc["scenario"], doc["parameters_sha256"]])
    return buf.getvalue()
