"""Sphinx hooks that correct the generated markup for assistive technology.

Listed in ``_config.yml`` (``sphinx: config: extensions``) as ``sorabook.book.sphinxext``;
``tests/test_browser.py`` runs axe-core on every page of the built site and finds what each
fix here is for.
"""

from __future__ import annotations

__all__ = ["fix_citation_roles", "setup"]


def fix_citation_roles(body: str) -> str:
    """Bibliography entries as ``role="listitem"`` instead of ``role="doc-biblioentry"``.

    docutils 0.21 wraps the entries of a bibliography in ``<div role="list">`` and gives each
    ``role="doc-biblioentry"``; a list must own list items (axe-core: aria-required-children,
    critical), and DPUB-ARIA 1.1 deprecates ``doc-biblioentry`` for that reason.
    """
    return body.replace('role="doc-biblioentry"', 'role="listitem"')


def _page_context(app, pagename, templatename, context, doctree) -> None:
    """Sphinx ``html-page-context`` handler: apply :func:`fix_citation_roles` to the page body."""
    if "body" in context:
        context["body"] = fix_citation_roles(context["body"])


def setup(app) -> dict:
    """Register the handler with Sphinx; returns the extension's metadata (parallel-safe)."""
    app.connect("html-page-context", _page_context)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
