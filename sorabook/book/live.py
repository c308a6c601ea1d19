"""What the live page (``book/live.html``, "Re-run it here") needs from the build: ``spec.json``.

The page builds its form and its tables from this file, and recomputes in the reader's browser
with the package's own code (:mod:`sorabook.results.live`, under Pyodide). The file holds every
registry parameter, grouped as the chapters' parameter cells group them (each parameter once, in
the first chapter that declares it; the rest under "Other settings"), with unit, range, choices,
description and source; every result with its unit, description, chapter, anchor and this build's
value, already formatted as the book formats it; and the shipped scenarios' values, for the
comparison. Written by :func:`write_spec` when the site is assembled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from sorabook.params import REGISTRY
from sorabook.params.param import Param
from sorabook.results.registry import CHAPTERS, RESULTS
from sorabook.results.specs import format_value

__all__ = ["SPEC_PATH", "groups", "spec", "write_spec"]

#: Where the spec lands in the site (the page fetches it relative to itself).
SPEC_PATH = Path("_static") / "live" / "spec.json"


def _title(stem: str) -> str:
    """A chapter's title from its stem: ``03-training-estimate`` -> ``3. Training estimate``."""
    number, _, words = stem.partition("-")
    return f"{int(number)}. {words.replace('-', ' ').capitalize()}"


def groups(notebooks: Path) -> list[dict[str, Any]]:
    """The form's groups: one per chapter, holding its declared parameters not already in an earlier
    group (``params``) and naming those that are (``shared``); then every remaining registry
    parameter (the Monte Carlo's settings) under "Other settings"."""
    from sorabook.book.plan import chapter_parameters

    placed: set[str] = set()
    out = []
    for stem in CHAPTERS:
        declared = [n for n in chapter_parameters(notebooks / f"{stem}.md") if n in REGISTRY]
        names = [n for n in declared if n not in placed]
        placed.update(names)
        out.append({"id": f"group-{stem}", "chapter": stem, "title": _title(stem), "params": names,
                    "shared": [n for n in declared if n not in names]})
    rest = [n for n in REGISTRY if n not in placed]
    if rest:
        out.append({"id": "group-other", "chapter": None, "title": "Other settings", "params": rest, "shared": []})
    return out


def _field(p: Param) -> dict[str, Any]:
    return {"name": p.name, "kind": p.kind, "unit": p.unit, "default": p.default, "low": p.low, "high": p.high,
            "low_open": bool(getattr(p, "low_open", False)), "choices": list(p.choices or ()),
            "description": p.description, "source": p.source}


def _text(value: Any) -> str:
    """A parameter value as the form shows it and ``--set`` reads it back."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def spec(notebooks: Path, doc: Mapping, scenarios: Mapping[str, Mapping] | None = None) -> dict[str, Any]:
    """The live page's spec for the build whose ``results.json`` content is ``doc``.

    ``scenarios``: :func:`sorabook.book.site.scenario_comparison`'s output (name -> description,
    differences, results), shown beside the reader's re-run; none by default.
    """
    params = {name: _field(p) for name, p in REGISTRY.items()}
    built = doc["parameters"]
    return {
        "scenario": doc["scenario"],
        "parameters_sha256": doc["parameters_sha256"],
        "groups": groups(notebooks),
        "params": params,
        "values": {name: _text(built[name]) for name in params},
        "defaults": {name: _text(p.default) for name, p in REGISTRY.items()},
        "results": [{"key": key, "unit": s.unit, "description": s.description, "chapter": s.chapter,
                     "anchor": s.anchor, "fmt": s.fmt,
                     "built": doc["results"][key]["value"] if key in doc["results"] else None,
                     "built_text": format_value(doc["results"][key]["value"], s.fmt) if key in doc["results"] else ""}
                    for key, s in RESULTS.items()],
        "scenarios": {name: {"description": s["description"],
                             "results": {k: format_value(v, RESULTS[k].fmt) for k, v in s["results"].items()}}
                      for name, s in (scenarios or {}).items()},
    }


def write_spec(html: Path, notebooks: Path, doc: Mapping, scenarios: Mapping[str, Mapping] | None = None) -> Path:
    """Write :func:`spec` to ``html / SPEC_PATH`` (sorted keys, so the same build writes the same bytes)."""
    out = html / SPEC_PATH
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(spec(notebooks, doc, scenarios), sort_keys=True, indent=1) + "\n")
    return out
