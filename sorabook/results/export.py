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
from sorabook.results.registry import ALIASES, RESULTS, check_claims

__all__ = ["results_csv", "results_document", "versions"]


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


def results_document(params, scenario, values: Mapping[str, float], site: bool = True) -> dict:
    """The content of ``results.json`` for a parameter set and its results.

    ``site=False`` (``sorabook results``) lists only the versions that compute the
    numbers, not those that build the pages.
    """
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
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["key", "value", "unit", "description", "chapter", "anchor", "scenario", "parameters_sha256"])
    for key, r in doc["results"].items():
        writer.writerow([key, repr(r["value"]), r["unit"], r["description"], r["chapter"], r["anchor"],
                         doc["scenario"], doc["parameters_sha256"]])
    return buf.getvalue()
