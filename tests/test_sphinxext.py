"""Markup corrections of sorabook.book.sphinxext (the browser tests check them on the built site)."""

from sorabook.book.sphinxext import fix_citation_roles


def test_citation_entries_become_list_items():
    """docutils 0.21's bibliography markup (writers/_html_base.py, visit_citation)."""
    body = ('<div role="list" class="citation-list">\n'
            '<div class="citation" id="id8" role="doc-biblioentry">x</div>\n</div>\n')
    fixed = fix_citation_roles(body)
    assert 'role="doc-biblioentry"' not in fixed
    assert fixed.count('role="listitem"') == 1 and 'role="list"' in fixed


def _entry(key, authors, year, title="t"):
    from pybtex.database import Entry, Person

    return Entry("misc", fields={"year": year, "title": title}, persons={"author": [Person(a) for a in authors]})


def test_author_year_labels_as_the_text_cites():
    """Hand-written labels as sphinxcontrib-bibtex's author_year citations print them (seen in the
    built chapters): one, two, three authors, ``and others``, a braced organisation."""
    from sorabook.book.sphinxext import author_year_label

    assert author_year_label(_entry("a", ["Plappert, Matthias"], "2024")) == "Plappert, 2024"
    assert author_year_label(_entry("b", ["Peebles, William", "Xie, Saining"], "2023")) == "Peebles and Xie, 2023"
    assert author_year_label(_entry("c", ["Brooks, Tim", "Peebles, Bill", "Holmes, C"], "2024")) == "Brooks et al., 2024"
    assert author_year_label(_entry("d", ["Dubey, A", "others"], "2024")) == "Dubey and others, 2024"
    assert author_year_label(_entry("e", ["{OpenAI}"], "2025")) == "OpenAI, 2025"


def test_registered_style_sorts_and_tells_apart_equal_labels():
    """The ``sorabook`` pybtex style: sorted by first name, one author before two; two works of one
    author and year get ``a`` and ``b``."""
    from pybtex.database import BibliographyData
    from pybtex.plugin import find_plugin

    from sorabook.book import sphinxext

    class App:
        def connect(self, *args):
            pass

    sphinxext.setup(App())
    data = BibliographyData({"x": _entry("x", ["{Google}"], "2025", "b"), "y": _entry("y", ["{Google}"], "2025", "a"),
                             "p2": _entry("p2", ["Peebles, W", "Xie, S"], "2023"), "p1": _entry("p1", ["Peebles, W"], "2023")})
    labels = [e.label for e in find_plugin("pybtex.style.formatting", "sorabook")().format_bibliography(data)]
    assert labels == ["Google, 2025a", "Google, 2025b", "Peebles, 2023", "Peebles and Xie, 2023"]
