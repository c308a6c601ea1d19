"""What a build or a query publishes: ``results.json`` (every result with its unit, chapter and
anchor, the parameters and their SHA-256, the versions, the claims) and ``results.csv``."""

from __future__ import annotations

import contextlib
import csv
import io
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Mapping

import sorabook
from sorabook.params import defaults
from sorabook.results.registry import ALIASES, RESULTS, check_claims

__all__ = ["modified", "results_csv", "results_document", "scenario_label", "versions"]


def versions(site: bool = True) -> dict[str, str]:
    """Versions of the tools that make the numbers (and, with ``site``, the pages); NumPy's where it is
    installed (the live page computes without it), read without importing it."""
    out = {"python": sys.version.split()[0], "sorabook": sorabook.__version__}
    with contextlib.suppress(PackageNotFoundError):
        out["numpy"] = version("numpy")
    if site:
        for dist in ("matplotlib", "papermill", "jupytext", "jupyter-book", "sphinx", "myst-nb"):
            try:
                out[dist] = version(dist)
            except PackageNotFoundError:
                pass
    return out


def _shown(value) -> str:
    """A parameter's value as a label shows it: numbers as the book formats them, text as written."""
    from sorabook.results.specs import format_value

    if isinstance(value, float):
        return format_value(value)
    if isinstance(value, (dict, list, tuple)):
        return "(changed)"  # a block of values, e.g. the uncertainty distributions: too long for a label
    return " ".join(str(value).split())


def modified(params, scenario) -> dict:
    """The parameters of ``params`` that differ from the set ``scenario`` names: a shipped scenario's
    own values (the article's defaults and its overrides), so that ``--set fps=30`` on top of
    ``article`` gives ``{"fps": 30.0}``; for ``custom`` (a ``--params`` file, no shipped set) the
    differences from the article, as :meth:`Params.differences` gives them."""
    if scenario.name == "custom":
        return params.differences()
    own = {**defaults(), **scenario.overrides}
    return {k: v for k, v in dict(params).items() if k not in own or v != own[k]}


def scenario_label(params, scenario) -> str:
    """How a build or a query names what it computed, truthfully: the scenario's name alone when the
    parameters are its own (``article``), else with what differs (``article, modified: fps = 30``);
    a ``custom`` set (a ``--params`` file) names its differences from the article
    (``custom: fps = 30``, or ``custom: the article's values``)."""
    diffs = modified(params, scenario)
    shown = ", ".join(f"{k} = {_shown(v)}" for k, v in diffs.items())
    if scenario.name == "custom":
        return f"custom: {shown}" if diffs else "custom: the article's values"
    return f"{scenario.name}, modified: {shown}" if diffs else scenario.name


def results_document(params, scenario, values: Mapping[str, float], site: bool = True) -> dict:
    """The content of ``results.json`` for a parameter set and its results.

    ``scenario`` is the name of the scenario the parameters start from (``custom`` for a
    ``--params`` file); ``modified`` the parameters that differ from it (:func:`modified`) and
    ``label`` the two in words (:func:`scenario_label`), which every page and citation line shows.
    ``site=False`` (``sorabook results``) lists only the versions that compute the
    numbers, not those that build the pages.
    """
    return {
        "scenario": scenario.name,
        "label": scenario_label(params, scenario),
        "modified": modified(params, scenario),
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
    """``results.csv``: one row per result, with the run's scenario, parameters hash and scenario label
    (the last column, so that readers of the earlier columns are unaffected)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["key", "value", "unit", "description", "chapter", "anchor", "scenario", "parameters_sha256", "label"])
    for key, r in doc["results"].items():
        writer.writerow([key, repr(r["value"]), r["unit"], r["description"], r["chapter"], r["anchor"],
                         doc["scenario"], doc["parameters_sha256"], doc.get("label", doc["scenario"])])
    return buf.getvalue()
