"""Sphinx hooks for the book: markup corrections for assistive technology, and the
bibliography's author-year labels.

Listed in ``_config.yml`` (``sphinx: config: extensions``) as ``sorabook.book.sphinxext``;
``tests/test_browser.py`` runs axe-core on every page of the built site and finds what each
markup fix here is for. Only documented extension points are used: Sphinx's
``html-page-context`` event and pybtex's plugin registry (``bibtex_default_style: sorabook``).
"""

from __future__ import annotations

from collections import Counter

__all__ = ["AuthorYearLabels", "author_year_label", "fix_citation_roles", "setup"]

#: The name of the pybtex formatting style registered by :func:`setup` (``bibtex_default_style``).
STYLE_NAME = "sorabook"


def fix_citation_roles(body: str) -> str:
    """Bibliography entries as ``role="listitem"`` instead of ``role="doc-biblioentry"``.

    docutils 0.21 wraps the entries of a bibliography in ``<div role="list">`` and gives each
    ``role="doc-biblioentry"``; a list must own list items (axe-core: aria-required-children,
    critical), and DPUB-ARIA 1.1 deprecates ``doc-biblioentry`` for that reason.
    """
    return body.replace('role="doc-biblioentry"', 'role="listitem"')


def _plain(latex: str) -> str:
    """A name or year as plain text: ``{OpenAI}`` -> ``OpenAI``."""
    from pybtex.richtext import Text

    return Text.from_latex(latex).render_as("text")


def author_year_label(entry) -> str:
    """The label of a bibliography entry as the text cites it (``bibtex_reference_style:
    author_year``): ``Plappert, 2024``, ``Peebles and Xie, 2023``, ``Brooks et al., 2024``.

    Authors, else editors, by last name (with von part); ``X and others`` in the ``.bib`` stays
    "X and others", as the text's citations print it; the year, or ``n.d.``.
    """
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_plain(" ".join(p.prelast_names + p.last_names)) for p in persons]
    if not names:
        who = _plain(entry.fields.get("key", entry.key))
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {_plain(entry.fields.get('year', 'n.d.'))}"


def _label_style():
    from pybtex.style.labels import BaseLabelStyle

    class AuthorYearLabels(BaseLabelStyle):
        """pybtex label style: :func:`author_year_label`, with ``a``, ``b``... after the year
        where two entries would get the same label."""

        def format_labels(self, sorted_entries):
            labels = [author_year_label(e) for e in sorted_entries]
            total, seen = Counter(labels), Counter()
            for label in labels:
                if total[label] == 1:
                    yield label
                else:
                    yield label + "abcdefghijklmnopqrstuvwxyz"[seen[label]]
                    seen[label] += 1

    return AuthorYearLabels


def _sorting_style():
    from pybtex.style.sorting import BaseSortingStyle

    class ByLabel(BaseSortingStyle):
        """pybtex sorting style, as author-year lists go: by the first name of the label
        (people and organisations alike, case-insensitive), one author before two before
        "et al.", then year and title."""

        def sorting_key(self, entry):
            who, year = author_year_label(entry).rsplit(", ", 1)
            first = who.removesuffix(" et al.").split(" and ")[0]
            rank = 0 if who == first else 1 if not who.endswith(" et al.") else 2
            return (first.casefold(), rank, year, entry.fields.get("title", "").casefold())

    return ByLabel


def _formatting_style():
    from pybtex.style.formatting.plain import Style as Plain

    class Style(Plain):
        """pybtex's ``plain`` entry format, sorted and labelled by author and year."""

        default_label_style = _label_style()
        default_sorting_style = _sorting_style()

    return Style


def __getattr__(name):  # AuthorYearLabels without importing pybtex at module import
    if name == "AuthorYearLabels":
        return _label_style()
    raise AttributeError(name)


def _page_context(app, pagename, templatename, context, doctree) -> None:
    """Sphinx ``html-page-context`` handler: apply :func:`fix_citation_roles` to the page body."""
    if "body" in context:
        context["body"] = fix_citation_roles(context["body"])


def setup(app) -> dict:
    """Register the handler with Sphinx and the ``sorabook`` bibliography style with pybtex;
    returns the extension's metadata (parallel-safe)."""
    from pybtex.plugin import register_plugin

    register_plugin("pybtex.style.formatting", STYLE_NAME, _formatting_style(), force=True)
    app.connect("html-page-context", _page_context)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
