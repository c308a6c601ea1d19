"""What a chapter notebook calls to set itself up and show tables.

A chapter starts with its papermill ``parameters`` cell, then::

    p = page.setup(globals())

which validates the declared parameters, applies the figure style and returns the
restricted :class:`~sorabook.params.Params` view. Tables are displayed as MyST
Markdown so that they get a caption, a name and a number like any other table.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from sorabook import plots
from sorabook.params import REGISTRY, Params, from_namespace
from sorabook.results import format_value, record

__all__ = ["code", "escape", "glue_value", "record", "setup", "show_claims", "show_parameters", "show_table"]


def setup(namespace: Mapping[str, Any]) -> Params:
    """Validate the chapter's declared parameters, glue each under its own name, set the style."""
    from myst_nb import glue

    params = from_namespace(namespace)
    for name, value in params.items():  # parameters glued under their snake_case names
        glue(name, float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value,
             display=False)
    plots.use()
    return params


def glue_value(name: str, value: float, fmt: str = "auto") -> float:
    """Glue a derived number for the prose: ``name`` (a Python float, for a format spec) and
    ``name-text`` (formatted by :func:`~sorabook.results.format_value`, e.g. 2 × 10¹⁰)."""
    from myst_nb import glue

    from sorabook.results import _Text

    value = float(value)
    glue(name, value, display=False)
    glue(f"{name}-text", _Text(format_value(value, fmt)), display=False)
    return value


def escape(text: Any) -> str:
    """Text made safe to place in a MyST table cell: shown as written, never interpreted."""
    out = str(text)
    for ch in "\\`*_{}[]<>()#+!|$":
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split())


def code(text: Any) -> str:
    """Text as inline code (shown as written; a backtick inside becomes a quote)."""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"


def _cell(value: Any, fmt: str | None) -> str:
    if value is None:
        return "n/d"
    if fmt == "cite":  # a key of book/references.bib
        return f"{{cite:p}}`{value}`"
    if fmt == "raw":  # MyST written by the package itself (roles, links)
        return str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and fmt:
        return format_value(float(value), fmt)
    return escape(value)


def table_markdown(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[tuple[str, str, str | None]],
    name: str,
    caption: str,
) -> str:
    """A named, captioned MyST table (the caption is the author's MyST; cells are escaped).

    ``columns`` are ``(key, header, format)``: a Python format spec for numbers,
    ``"cite"`` for a bibliography key, ``"raw"`` for MyST the package wrote itself,
    or ``None`` for text shown as written.
    """
    lines = [f":::{{table}} {caption}", f":name: {name}", ""]
    lines.append("| " + " | ".join(escape(h) for _, h, _ in columns) + " |")
    lines.append("|" + "|".join("---:" if f and f not in ("cite", "raw") else "---" for _, _, f in columns) + "|")
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(k), f) for k, _, f in columns) + " |")
    lines.append(":::")
    return "\n".join(lines) + "\n"


def show_table(rows, columns, name: str, caption: str) -> None:
    """Display a named, captioned table (see :func:`table_markdown`)."""
    from IPython.display import Markdown, display

    display(Markdown(table_markdown(rows, columns, name, caption)))


def show_parameters(params: Params, name: str, names: Iterable[str] | None = None) -> None:
    """The chapter's inputs: value, unit, allowed range, description and source."""
    rows = []
    for key in names or params:
        spec = REGISTRY[key]
        rows.append({
            "name": f"{key}",
            "value": format_value(params[key]) if spec.kind in ("float", "int") else params[key],
            "unit": spec.unit,
            "description": spec.description,
            "source": spec.source,
        })
    show_table(
        rows,
        [("name", "parameter", None), ("value", "value", None), ("unit", "unit", None),
         ("description", "meaning", None), ("source", "source", None)],
        name,
        "Inputs of this chapter: the values this build ran with (`sorabook params` lists the allowed ranges).",
    )


def show_claims(chapter: str) -> None:
    """The article's numbers in ``chapter``, recomputed from its own inputs, as a named table."""
    from sorabook.report import check_claims

    rows = []
    for c in check_claims(chapter):
        rows.append({
            "text": c["text"],
            "printed": f"{format_value(c['printed'])} {c['unit']}",
            "recomputed": f"{format_value(c['recomputed'])} {c['unit']}",
            "difference": f"{c['relative_difference']:+.1%}",
            "verdict": c["verdict"],
        })
    show_table(
        rows,
        [("text", "the article says", None), ("printed", "printed", None), ("recomputed", "recomputed", None),
         ("difference", "difference", None), ("verdict", "verdict", None)],
        f"tbl-claims-{chapter.split('-', 1)[1]}",
        "The article's numbers in this chapter, recomputed from its own stated inputs "
        "(agrees: within 2 %; approximate: within 25 %; disagrees: beyond).",
    )
