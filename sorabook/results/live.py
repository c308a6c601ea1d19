"""The live page's computation: what ``book/live.html`` runs in the reader's browser (Pyodide).

The page sends the text of its fields as ``name=value`` lines, exactly as ``sorabook build --set``
takes them; :func:`recompute` reads them with the command line's own parser
(:func:`sorabook.params.resolve`), so a bad value gets the command line's message, and computes
every result with the registry, as ``sorabook results`` does. Standard library only: NumPy is not
there in the browser, so the results that need it (chapter 8's Monte Carlo) are listed as
``unavailable`` instead of computed. :func:`recompute` never raises for a reader's input: it
returns ``{"ok": False, "error": one line}``.
"""

from __future__ import annotations

import json
import shlex
from typing import Any, Iterable, Mapping

from sorabook.params import ParamError, resolve
from sorabook.results.registry import CLAIMS, RESULTS
from sorabook.results.specs import DomainError, format_value

__all__ = ["command", "computable", "recompute", "scenario_results"]


def computable(params) -> tuple[dict[str, float], list[str]]:
    """Every result of ``params`` that the running Python can compute, and the keys of those that
    need a module it lacks (NumPy under Pyodide). A value outside its domain raises
    :class:`~sorabook.results.specs.DomainError` as it does for the command line."""
    values: dict[str, float] = {}
    missing: list[str] = []
    for key, spec in RESULTS.items():
        try:
            values[key] = spec.evaluate(params)
        except ImportError:
            missing.append(key)
    return values, missing


def command(sets: Iterable[str], scenario: str = "article") -> str:
    """The ``sorabook build`` line that builds the book with ``sets`` (each ``name=value``)."""
    words = ["sorabook", "build"]
    if scenario != "article":
        words += ["--scenario", scenario]
    for s in sets:
        words += ["--set", s]
    return " ".join(shlex.quote(w) for w in words)


def scenario_results(name: str) -> dict[str, Any]:
    """A shipped scenario's differences from the article and its computable results."""
    params, scenario = resolve(name)
    values, missing = computable(params)
    return {"scenario": name, "description": scenario.description, "differences": params.differences(),
            "results": values, "unavailable": missing}


def _change(new: float, old: float | None) -> tuple[float | None, str]:
    """The re-run's value over the built one, and how the page says it ("same", "x 2.5", "x 0.031")."""
    if old is None or old == 0:
        return None, "" if old is None else ("same" if new == 0 else "from 0")
    ratio = new / old
    return ratio, "same" if ratio == 1 else f"x {format_value(ratio, '.3g')}"


def recompute(sets: Iterable[str], scenario: str = "article", built: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Every computable result, the article's claims against them and the ``results.json`` document,
    for ``scenario`` with the ``name=value`` texts ``sets`` applied, as the command line reads them.

    Returns ``ok``, ``parameters`` (the full validated set), ``differences`` (from the article),
    ``parameters_sha256``, ``results`` (key -> value), ``unavailable`` (keys not computable here),
    ``texts`` (each value as the book formats it), ``changes`` and ``change_texts`` (over
    ``built``, the values the page was built with, where given), ``claims`` (each printed claim of
    the article with the value these parameters give, its verdict and its texts), ``command`` and
    ``document_json`` (``sorabook results --format json``'s output for these parameters); or
    ``ok: False`` and ``error``, the line the command line would print.
    """
    from sorabook.results.export import results_document

    sets = [s for s in sets if s.strip()]
    try:
        params, chosen = resolve(scenario, None, sets)
        values, missing = computable(params)
    except (ParamError, DomainError) as err:
        return {"ok": False, "error": str(err)}
    claims = []
    for claim in CLAIMS:
        row = claim.check(params)
        claims.append({**row, "printed_text": format_value(row["printed"]),
                       "recomputed_text": format_value(row["recomputed"])})
    built = built or {}
    changes = {key: _change(value, built.get(key)) for key, value in values.items()}
    return {
        "ok": True,
        "scenario": chosen.name,
        "parameters": dict(params),
        "differences": params.differences(),
        "parameters_sha256": params.sha256,
        "results": values,
        "texts": {key: format_value(value, RESULTS[key].fmt) for key, value in values.items()},
        "changes": {key: c[0] for key, c in changes.items()},
        "change_texts": {key: c[1] for key, c in changes.items()},
        "unavailable": missing,
        "claims": claims,
        "command": command(sets, scenario),
        "document_json": json.dumps(results_document(params, chosen, values, site=False), indent=2),
    }
