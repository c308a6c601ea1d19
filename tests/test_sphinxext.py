"""Markup corrections of sorabook.book.sphinxext (the browser tests check them on the built site)."""

from sorabook.book.sphinxext import fix_citation_roles


def test_citation_entries_become_list_items():
    """docutils 0.21's bibliography markup (writers/_html_base.py, visit_citation)."""
    body = ('<div role="list" class="citation-list">\n'
            '<div class="citation" id="id8" role="doc-biblioentry">x</div>\n</div>\n')
    fixed = fix_citation_roles(body)
    assert 'role="doc-biblioentry"' not in fixed
    assert fixed.count('role="listitem"') == 1 and 'role="list"' in fixed
