"""What a chapter notebook calls: set itself up, state its results by key, show tables.

A chapter starts with its papermill ``parameters`` cell, then::

    p = page.setup(globals())

which validates the declared parameters, applies the figure style and returns the
restricted :class:`~sorabook.params.Params` view. A result is stated with
``page.record("train-h100-months-low")``: the registry (:mod:`sorabook.results.registry`)
computes it from the chapter's parameters, checks its domain, glues it for the prose and
shows it under a stable anchor. The notebook never repeats the expression. Tables are
displayed as MyST Markdown so that they get a caption, a name and a number like any other table.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from sorabook.book import plots
from sorabook.params import REGISTRY, Params, from_namespace
from sorabook.results.registry import check_claims, lookup
from sorabook.results.specs import format_value

__all__ = ["META_KEY", "code", "escape", "format_value", "glue_text", "glue_value", "record", "setup", "show_claims",
           "show_parameters", "show_table", "text", "value"]

#: Key of the output metadata that carries a recorded result in an executed notebook.
META_KEY = "sorabook_result"

#: The parameters of the chapter being executed (set by :func:`setup`).
_STATE: dict[str, Params] = {}


class _Text:
    """A glued text, shown without quotes. Glue stores an object's repr, and MyST-NB's text role
    reads it back with ``ast.literal_eval``: a bare "990,849" would come back as the tuple
    (990, 849), so the repr is the quoted string, which the role turns back into the text."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return repr(self.text)


def text(value: Any) -> _Text:
    """``value`` as a text to glue and show without quotes (``{glue:text}`` of a name, e.g. a GPU)."""
    return _Text(str(value))


def setup(namespace: Mapping[str, Any]) -> Params:
    """Validate the chapter's declared parameters, glue each under its own name, set the style."""
    from myst_nb import glue

    params = from_namespace(namespace)
    _STATE["params"] = params
    for name, value in params.items():  # parameters glued under their snake_case names
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            glue(name, float(value), display=False)
            glue(f"{name}-text", _Text(format_value(float(value))), display=False)
        else:
            glue(name, _Text(str(value)) if isinstance(value, str) else value, display=False)
    plots.use()
    return params


def _params() -> Params:
    if "params" not in _STATE:
        raise RuntimeError("page.setup(globals()) must run before a result is recorded")
    return _STATE["params"]


def value(key: str, params: Params | None = None) -> float:
    """The value of the result ``key`` for this chapter's parameters, or for ``params`` (e.g.
    ``p.replace(diffusion_steps=50)`` in a table of variants), computed by the registry and checked
    against its domain; nothing is stated or glued."""
    return lookup(key).evaluate(_params() if params is None else params)


def record(key: str) -> float:
    """State the headline result ``key`` on the page being executed, and return its value.

    The registry computes it from the chapter's parameters (:func:`value`). Glues ``key`` (a
    Python float, for ``{glue:text}`` with a format spec) and ``key-text`` (the value formatted
    by the result's own spec, with its unit), and displays the statement with the stable anchor
    ``(result-<key>)=`` plus the data the build collects. Raises ``KeyError`` for a key that
    the registry does not define, :class:`~sorabook.results.specs.DomainError` for a value
    outside the result's domain.
    """
    from IPython.display import display
    from myst_nb import glue

    spec = lookup(key)
    number = spec.evaluate(_params())
    shown = format_value(number, spec.fmt)
    glue(spec.key, number, display=False)
    glue(f"{spec.key}-text", _Text(f"{shown} {spec.unit}".strip()), display=False)
    markdown = (
        f"({spec.anchor_id})=\n"
        f"**{spec.description}:** {shown} {spec.unit} "
        f"<span class=\"result-key\">[`{spec.key}`](#{spec.anchor_id})</span>\n"
    )
    display(
        {"text/markdown": markdown, "text/plain": f"{spec.key} = {shown}"},
        metadata={META_KEY: {"key": spec.key, "value": number}},
        raw=True,
    )
    return number


def glue_value(name: str, number: float, fmt: str = "auto") -> float:
    """Glue a number the chapter computed with a :mod:`sorabook` function for the prose: ``name``
    (a Python float, for a format spec) and ``name-text`` (formatted, e.g. 2 × 10¹⁰)."""
    from myst_nb import glue

    number = float(number)
    glue(name, number, display=False)
    glue(f"{name}-text", _Text(format_value(number, fmt)), display=False)
    return number


def glue_text(name: str, words: Any) -> None:
    """Glue a text (a GPU's name, a clip's size) for the prose, shown without quotes."""
    from myst_nb import glue

    glue(name, _Text(str(words)), display=False)


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
    link = live_link(name)
    if link:
        from IPython.display import Markdown, display

        display(Markdown(link))


def live_link(table_name: str) -> str:
    """The panel under a chapter's inputs table (``tbl-params-<chapter without its number>``): a link
    to the live page's group of that chapter; empty for a table of no chapter."""
    from sorabook.results.registry import CHAPTERS

    words = table_name.removeprefix("tbl-params-")
    stem = next((c for c in CHAPTERS if c.split("-", 1)[1] == words), None)
    if stem is None or words == table_name:
        return ""
    return (f'<div class="admonition tip sorabook-live-panel"><p class="admonition-title">Re-run it here</p>'
            f'<p>Change these inputs in your browser and every result of the book recomputes: '
            f'<a href="../book/live.html#group-{stem}">re-run it here</a>.</p></div>')


def show_claims(chapter: str) -> None:
    """The article's numbers in ``chapter``, recomputed from its own inputs, as a named table."""
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
