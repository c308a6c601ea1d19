"""The chapter notebooks against the registry, the toc and the book's rules."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from sorabook.results import registry as report
from sorabook.params import REGISTRY
from sorabook.book.plan import BuildError, chapter_parameters

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.md"))


def test_toc_lists_exactly_the_chapters_in_order():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    chapters = [f.split("/", 1)[1] for f in files if f.startswith("notebooks/")]
    assert chapters == list(report.CHAPTERS)
    assert [p.stem for p in NOTEBOOKS] == sorted(report.CHAPTERS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_matches_registry(path):
    """Same names and the same defaults as sorabook/params.py."""
    declared = chapter_parameters(path)
    assert declared, "a chapter declares the parameters it uses"
    for name, value in declared.items():
        assert name in REGISTRY, f"{path.name}: {name} is not in the registry"
        default = REGISTRY[name].default
        assert value == default and type(value) is type(default), f"{path.name}: {name} = {value!r}, registry {default!r}"


#: Parameters only `sorabook predict` reads (its --frames and --gpus), no chapter.
PREDICT_ONLY = {"clip_frames", "gpus_per_video"}


def test_every_registry_parameter_is_used_by_a_chapter():
    used = set().union(*(chapter_parameters(p) for p in NOTEBOOKS))
    assert set(REGISTRY) - used == PREDICT_ONLY


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_page_label_matches_file_name(path):
    text = path.read_text()
    label = path.stem.split("-", 1)[1]
    assert f"({label})=" in text


def test_derived_value_in_parameters_cell_is_refused(tmp_path):
    src = (ROOT / "notebooks" / "01-latent-compression.md").read_text()
    bad = tmp_path / "bad.md"
    bad.write_text(src.replace("fps = 24.0", "fps = 12.0 * 2"))
    with pytest.raises(BuildError, match="expected `name = literal`"):
        chapter_parameters(bad)


def test_no_executed_notebooks_are_committed():
    tracked = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True).stdout
    assert tracked.strip() == ""


GENERATED_PAGES = {"book/reproduction", "book/results", "book/scenarios"}  # written by the build from the run


def test_every_toc_entry_exists_or_is_generated():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    for f in files:
        assert f in GENERATED_PAGES or (ROOT / f"{f}.md").is_file(), f


def test_citation_cff_has_the_required_fields():
    """Citation File Format 1.2.0: cff-version, message, title, authors are required."""
    from sorabook import __version__

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    assert cff["message"] and cff["title"]
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    assert cff["version"] == __version__
    assert str(cff["date-released"])[:4].isdigit()
