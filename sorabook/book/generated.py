"""Pages and boxes the build writes from a run: results, scenario comparison, provenance.

Every function returns MyST Markdown text. Text that comes from outside the
package (a user's scenario description, parameter values) passes through
:func:`sorabook.page.escape` so that it is shown as written, never interpreted.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from sorabook.book.page import code, escape, table_markdown
from sorabook.results.specs import format_value

__all__ = ["citation_block", "citation_blocks", "citation_line", "evidence_section", "provenance_box", "reproduction_page", "results_page", "scenarios_page",
           "stamp"]


def citation_line(doc: Mapping, key: str) -> str:
    """The line a reader pastes to cite one result of a run, on one line: what is cited first
    (``key = value unit``), then where it comes from in brackets (version, the scenario's label of
    :func:`sorabook.results.export.scenario_label`, parameters sha256)."""
    r = doc["results"][key]
    label = " ".join(str(doc.get("label", doc["scenario"])).split())
    cited = f"{key} = {format_value(r['value'])} {r['unit']}".strip()
    return (f"{cited} [sorabook {doc['versions']['sorabook']}; scenario: {label}; "
            f"parameters sha256 {doc['parameters_sha256']}]")


def citation_block(doc: Mapping, key: str) -> str:
    """One result's :func:`citation_line` as a code block of its own (one line to copy, with the site's
    copy button); its fence is longer than any run of backticks in the line."""
    line = citation_line(doc, key)
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", line)), default=0))
    return f"{fence}text\n{line}\n{fence}\n"


def citation_blocks(doc: Mapping) -> str:
    """Every result's :func:`citation_block`, in the document's order."""
    return "\n".join(citation_block(doc, key) for key in doc["results"])


def _value(value: Any) -> str:
    if isinstance(value, float):
        return format_value(value)
    return str(value)


def stamp(built: str) -> str:
    """The build's time stamp ``YYYY-MM-DD HH:MM UTC`` as an empty ``<time>`` element holding it in
    its ``datetime`` attribute.

    Sphinx's search index takes the words of a page's text, and of raw HTML without its tags, so
    the stamp is no search word and ``searchindex.js`` does not change with the hour of the
    build; :func:`sorabook.book.site.fill_stamps` writes the text into the built page. Any other
    text is returned escaped, as text.
    """
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d) UTC", built)
    if m is None:
        return escape(built)
    return f'<time class="sorabook-built" datetime="{m[1]}T{m[2]}Z"></time>'


def provenance_box(prov: Mapping) -> str:
    """The box at the top of every chapter page: what this page was computed with.

    A collapsed ``<details>`` element (no script needed): its one-line summary names the scenario and
    the start of the parameters' hash, the list inside holds the rest. Printed, it is open
    (``book/_static/sorabook.css``).
    """
    import html

    diffs = prov["differences"]
    changed = ", ".join(f"{code(k)} = {escape(_value(v))}" for k, v in diffs.items()) or "none"
    commit = prov.get("git_commit") or "not a git checkout"
    scenario = html.escape(" ".join(str(prov.get("label", prov["scenario"])).split()))
    summary = (f'<summary><span class="sorabook-provenance-title">{PROVENANCE_TITLE}</span>: scenario '
               f'<code>{scenario}</code>, parameters '
               f'<code>{html.escape(str(prov["parameters_sha256"])[:8])}</code>&hellip;</summary>')
    return "\n".join([
        '<details class="sorabook-provenance">',
        summary,
        "",
        f"- **Scenario:** {code(prov.get('label', prov['scenario']))}: {escape(prov['description'])}",
        f"- **Parameters that differ from the article's:** {changed}",
        f"- **Parameters sha256:** `{prov['parameters_sha256']}`",
        f"- **Built with:** sorabook {escape(prov['version'])}, git commit {code(commit)}, "
        f"on {stamp(prov['built'])}",
        "- The collapsed *injected parameters* cell under **Inputs** holds every value this chapter ran with; "
        "{doc}`/book/results` lists every result of this build and {doc}`/book/rerun` how to re-run it.",
        "",
        "</details>",
        "",
    ])


#: The provenance box's title, the first words of its summary line.
PROVENANCE_TITLE = "Provenance of this page"


def evidence_section(tables: Mapping[str, list] | None = None) -> str:
    """The results page's section listing the evidence tables for download, one line per table: its file
    ``evidence/NAME.csv`` (the build copies it beside the page and into the site), what it holds and
    how many rows. ``tables`` maps a table's name to its rows (default: :func:`sorabook.model.evidence.tables`)."""
    from sorabook.model import evidence

    if tables is None:
        tables = evidence.tables()
    lines = [
        "## Evidence",
        "",
        "The measured, disclosed, reported and estimated figures the book holds its estimate against, as "
        "the package reads them (`sorabook/data/evidence/`). Every row names its source (a key of the "
        "{doc}`/book/bibliography`), its date, a tag saying what kind of figure it is (measured, disclosed, "
        "reported or estimated) and whether it was read in the primary source (V) or only in a secondary one (S).",
        "",
    ]
    for name, rows in tables.items():
        n = len(rows)
        lines.append(f"- {{download}}`{name}.csv <evidence/{name}.csv>`: {escape(evidence.DESCRIPTIONS[name])} "
                     f"({n} {'row' if n == 1 else 'rows'}).")
    return "\n".join(lines) + "\n"


def results_page(doc: Mapping, evidence_tables: Mapping[str, list] | None = None) -> str:
    """``book/results.md``: every result of the run, with anchors, downloads and citation lines, and the
    evidence tables for download (:func:`evidence_section` of ``evidence_tables``)."""
    from sorabook.results.registry import RESULTS

    rows = []
    for key, r in doc["results"].items():
        rows.append({
            "key": f"{{ref}}`{key} <{RESULTS[key].anchor_id}>`",
            "value": format_value(r["value"], RESULTS[key].fmt),
            "unit": r["unit"],
            "description": r["description"],
            "chapter": f"{{doc}}`/notebooks/{r['chapter']}`",
        })
    table = table_markdown(
        rows,
        [("key", "result", "raw"), ("value", "value", None), ("unit", "unit", None),
         ("description", "description", None), ("chapter", "chapter", "raw")],
        "tbl-results",
        "Every headline result of this build; each key links to the sentence that states it.",
    )
    return "\n".join([
        "(results)=",
        "# Results",
        "",
        f"All {len(doc['results'])} headline results of this build, computed with scenario "
        f"{code(doc.get('label', doc['scenario']))} (parameters sha256 `{doc['parameters_sha256']}`). The same numbers, with "
        "the parameters and versions, are in {download}`results.json <results.json>` and "
        "{download}`results.csv <results.csv>`, and `sorabook results` prints them without building the book.",
        "",
        "A result's key is permanent: cite the key, the scenario and the parameters sha256, and link to the "
        "anchor in the chapter page (`page.html#result-<key>`), which stays the same across rebuilds and "
        "parameter changes. {doc}`/book/cite` explains how to cite the book itself.",
        "",
        table,
        "## Citation lines",
        "",
        "One line per result, ready to paste: the result's key, value and unit, then in brackets the "
        "version, the scenario (with the parameters changed from it, if any) and the parameters sha256 "
        "that identify the build.",
        "",
        citation_blocks(doc),
        evidence_section(evidence_tables),
    ])


def scenarios_page(comparison: Mapping[str, Mapping]) -> str:
    """``book/scenarios.md``: every shipped scenario side by side for the headline results.

    ``comparison`` maps a scenario name to ``{"description", "differences", "results"}``.
    """
    from sorabook.results.registry import RESULTS

    names = list(comparison)
    rows = []
    for key, spec in RESULTS.items():
        row = {"key": f"{{ref}}`{key} <{spec.anchor_id}>`", "unit": spec.unit}
        for name in names:
            row[name] = format_value(comparison[name]["results"][key], spec.fmt)
        rows.append(row)
    table = table_markdown(
        rows,
        [("key", "result", "raw"), *((n, n, None) for n in names), ("unit", "unit", None)],
        "tbl-scenarios",
        "Headline results of every shipped scenario, computed by the package during this build.",
    )
    described = []
    for name, entry in comparison.items():
        diffs = entry["differences"]
        changed = ", ".join(f"{code(k)} = {escape(_value(v))}" for k, v in diffs.items()) or \
            "none (this is the article's own set)"
        described += [code(name), f": {escape(entry['description'])}", "",
                      f"  Differs from `article` in: {changed}", ""]
    return "\n".join([
        "(scenarios)=",
        "# Scenarios",
        "",
        "A scenario is a named set of parameter values on top of the article's (files in "
        "`sorabook/scenarios/`). This page compares every shipped scenario; build the whole book in one with "
        "`sorabook build --scenario NAME`.",
        "",
        *described,
        table,
    ])


#: How each verdict reads in the reproduction table: a mark and the word, in a span of its own class
#: (``book/_static/sorabook.css`` makes ``disagrees`` stand out).
VERDICT_MARKS = {"agrees": "✓", "approximate": "≈", "disagrees": "✗"}


def verdict_cell(verdict: str) -> str:
    """The reproduction table's verdict cell: a mark, the verdict in words (bold when it disagrees), in
    ``<span class="sorabook-verdict sorabook-verdict-<verdict>">``."""
    words = f"**{verdict}**" if verdict == "disagrees" else verdict
    return (f'<span class="sorabook-verdict sorabook-verdict-{verdict}" aria-hidden="true">{VERDICT_MARKS.get(verdict, "")}</span> '
            f"{words}")


def chapter_span(stems) -> str:
    """The chapters ``stems`` name, in words from their numbers: ``chapter 5``, ``chapters 1 to 6``
    (consecutive) or ``chapters 1, 3 and 5``."""
    numbers = sorted({int(str(s).split("-", 1)[0]) for s in stems})
    if len(numbers) == 1:
        return f"chapter {numbers[0]}"
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"chapters {numbers[0]} to {numbers[-1]}"
    return "chapters " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


def reproduction_page(claims: list[Mapping]) -> str:
    """``book/reproduction.md``: every number the article prints, recomputed, in one table, the ones
    that disagree with the article's own inputs first in a callout above it and marked in it."""
    rows = []
    for c in claims:
        rows.append({
            "chapter": f"{{doc}}`/notebooks/{c['chapter']}`",
            "text": c["text"],
            "printed": f"{format_value(c['printed'])} {c['unit']}",
            "recomputed": f"{format_value(c['recomputed'])} {c['unit']}",
            "difference": f"{c['relative_difference']:+.1%}",
            "verdict": verdict_cell(c["verdict"]),
        })
    counts = {v: sum(c["verdict"] == v for c in claims) for v in ("agrees", "approximate", "disagrees")}
    disagree = [c for c in claims if c["verdict"] == "disagrees"]
    summary = (f"Of the article's {len(claims)} checked numbers, {counts['agrees']} agree with what its own "
               f"inputs give (within 2 %), {counts['approximate']} are approximate (within 25 %) and "
               f"{counts['disagrees']} disagree.")
    callout = []
    if disagree:
        summary += " The box above names the ones that disagree; the book carries the recomputed values forward."
        items = [f"- {{doc}}`{chapter_span([c['chapter']]).capitalize()} </notebooks/{c['chapter']}>`: the article "
                 f"prints “{escape(c['text'])}”; its own inputs give "
                 f"**{escape(format_value(c['recomputed']))} {escape(c['unit'])}**, "
                 f"{escape(format_value(c['printed']))} {escape(c['unit'])} printed "
                 f"({c['relative_difference']:+.0%})." for c in disagree]
        n = len(disagree)
        callout = [f":::{{admonition}} {n} printed {'number disagrees' if n == 1 else 'numbers disagree'} with "
                   "the article's own inputs", ":class: warning sorabook-disagrees", "", *items, ":::", ""]
    table = table_markdown(
        rows,
        [("chapter", "chapter", "raw"), ("text", "the article says", None), ("printed", "printed", None),
         ("recomputed", "recomputed", None), ("difference", "difference", None), ("verdict", "verdict", "raw")],
        "tbl-reproduction",
        "Every number the article prints, recomputed from the article's own stated inputs; "
        "✗ marks a number that disagrees, ≈ one that is approximate, ✓ one that agrees.",
    )
    where = chapter_span(c["chapter"] for c in claims) if claims else "no chapter"
    return "\n".join([
        "(reproduction)=",
        "# Reproduction: the article's numbers, checked",
        "",
        "Each chapter that reproduces a section of the article ends with the numbers the article prints "
        "there, recomputed from the inputs the article states (its defaults in this book), whatever scenario "
        "the book was built with. The verdict is **agrees** within 2 %, **approximate** within 25 %, "
        f"**disagrees** beyond. This page gathers the {len(claims)} of them from {where}.",
        "",
        *callout,
        summary,
        "",
        table,
    ])
