"""The plan (sorabook.book.plan): the project root, parameters cells, the one hashing scheme (the
package's layout is tests/test_layers.py's)."""

from __future__ import annotations

import pytest

from sorabook import params
from sorabook.book import plan
from sorabook.book.plan import BuildError, chapter_parameters

from conftest import ROOT

HEADER = "---\njupytext:\n  text_representation: {extension: .md, format_name: myst}\n---\n\n"

# What a chapter's text is: (what it declares, or the BuildError message it gives)
PARAMETER_CELLS = {
    "options as lines": ("```{code-cell} ipython3\n:tags: [parameters]\n\nfps = 30.0\n```\n", {"fps": 30.0}),
    "yaml options block": ("```{code-cell} ipython3\n---\ntags: [parameters]\n---\nfps = 30.0\n```\n", {"fps": 30.0}),
    "a code cell quoted in a longer fence": (
        "````markdown\n```{code-cell} ipython3\n:tags: [parameters]\nfps = 1.0\n```\n````\n\n"
        "```{code-cell} ipython3\n:tags: [parameters]\nfps = 30.0\n```\n", {"fps": 30.0}),
    # jupytext: a list item's code is markdown, not a cell
    "an indented code cell": ("- item\n\n  ```{code-cell} ipython3\n  :tags: [parameters]\n  fps = 30.0\n  ```\n",
                              "chapter.md: expected exactly one cell tagged 'parameters', found 0"),
    # jupytext takes the rest of the file as the cell
    "a fence left open": ("```{code-cell} ipython3\n:tags: [parameters]\nfps = 30.0\n", {"fps": 30.0}),
    "two parameters cells": ("```{code-cell} ipython3\n:tags: [parameters]\nfps = 1.0\n```\n\n"
                             "```{code-cell} ipython3\n:tags: [parameters]\nfps = 30.0\n```\n",
                             "chapter.md: expected exactly one cell tagged 'parameters', found 2"),
    "a derived value": ("```{code-cell} ipython3\n:tags: [parameters]\nfps = 12.0 * 2\n```\n",
                        "chapter.md: parameters cell line 1: expected `name = literal`"),
}


@pytest.mark.parametrize("case", PARAMETER_CELLS)
def test_the_parameters_cell_is_read_as_jupytext_reads_the_chapter(tmp_path, case):
    body, expected = PARAMETER_CELLS[case]
    path = tmp_path / "chapter.md"
    path.write_text(HEADER + body)
    if isinstance(expected, str):
        with pytest.raises(BuildError) as err:
            chapter_parameters(path)
        assert str(err.value) == expected
    else:
        assert chapter_parameters(path) == expected


def test_a_chapter_declaring_a_name_outside_the_registry_is_refused(tmp_path, book_copy):
    nb = book_copy / "notebooks" / "01-latent-compression.md"
    nb.write_text(nb.read_text().replace("fps = 24.0", "fps = 24.0\nframes_per_sec = 24.0"))
    with pytest.raises(BuildError, match="declares 'frames_per_sec', which is not in the registry"):
        plan.plan(book_copy, params.resolve()[0], ["01-latent-compression"])


def test_the_plan_remembers_each_reading_until_the_chapter_changes(tmp_path, book_copy, monkeypatch):
    """jupytext reads a chapter once per text (and environment); the build cache keeps the reading."""
    p, _ = params.resolve()
    cache = tmp_path / "cache"
    first = plan.plan(book_copy, p, ["01-latent-compression"], cache)
    assert (cache / "01-latent-compression" / "parameters.json").is_file()

    def no_reading(path):
        raise AssertionError(f"{path.name} read again")

    monkeypatch.setattr(plan, "_parameters_source", no_reading)
    again = plan.plan(book_copy, p, ["01-latent-compression"], cache)
    assert [(r.parameters, r.key) for r in again] == [(r.parameters, r.key) for r in first]
    monkeypatch.undo()
    nb = book_copy / "notebooks" / "01-latent-compression.md"
    nb.write_text(nb.read_text().replace("fps = 24.0", "fps = 24.0\nframes_per_sec = 24.0"))
    with pytest.raises(BuildError, match="frames_per_sec"):  # read again: the text changed
        plan.plan(book_copy, p, ["01-latent-compression"], cache)


def test_digest_frames_each_part():
    assert plan.digest("ab", "c") != plan.digest("a", "bc")
    assert plan.digest("a\0", "b") != plan.digest("a", "\0b")
    assert plan.digest(b"x") == plan.digest("x")
    assert len(plan.digest()) == 64


def test_a_chapter_key_follows_the_parameters_it_declares_and_nothing_else():
    p, _ = params.resolve()
    q, _ = params.resolve(sets=["train_utilization_realistic=0.5"])
    chapters = ["01-latent-compression", "03-training-estimate"]
    a = {r.stem: r for r in plan.plan(ROOT, p, chapters)}
    b = {r.stem: r for r in plan.plan(ROOT, q, chapters)}
    assert a["01-latent-compression"].key == b["01-latent-compression"].key
    assert a["03-training-estimate"].key != b["03-training-estimate"].key
    assert b["03-training-estimate"].parameters["train_utilization_realistic"] == 0.5
    assert set(a["01-latent-compression"].parameters) == set(chapter_parameters(a["01-latent-compression"].source))


def test_the_site_key_follows_pages_configuration_and_scenario(book_copy):
    p, scenario = params.resolve()
    runs = plan.plan(book_copy, p, ["01-latent-compression"])
    key = plan.site_key(book_copy, runs, p, scenario)
    assert plan.site_key(book_copy, runs, p, scenario) == key
    intro = book_copy / "book" / "intro.md"
    intro.write_text(intro.read_text() + "\nOne more sentence.\n")
    assert plan.site_key(book_copy, runs, p, scenario) != key
    _, corrected = params.resolve(scenario="corrected")
    assert plan.site_key(book_copy, runs, p, corrected) != plan.site_key(book_copy, runs, p, scenario)


def test_the_project_root_is_found_from_the_package_or_sorabook_root(monkeypatch, book_copy):
    monkeypatch.delenv("SORABOOK_ROOT", raising=False)
    assert plan.project_root() == ROOT
    monkeypatch.setenv("SORABOOK_ROOT", str(book_copy))
    assert plan.project_root() == book_copy


# --- the build's layout -----------------------------------------------------------------------


