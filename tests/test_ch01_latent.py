"""Chapter 1, latent compression: its results (sorabook.results.ch01_latent) and its notebook.

The notebook checks here (:func:`check_notebook`) are shared by the tests of chapters 1 to 5: a
chapter states its results by key only (the registry computes them), states each of its own
results once, and its parameters cell declares every parameter those results read, for the
article's and the corrected scenario (a chapter's restricted parameters refuse an undeclared one).
"""

from __future__ import annotations

import ast
import re

import jupytext
import pytest
from numpy.testing import assert_allclose

from sorabook.params import from_namespace, resolve
from sorabook.results import registry

from conftest import ROOT

STEM = "01-latent-compression"

_RECORD = re.compile(r"""page\.record\(\s*["']([a-z0-9-]+)["']\s*\)""")
_USED = re.compile(r"""page\.(?:record|value)\(\s*f?["']([a-z0-9{}-]+)["']""")


def code_cells(stem: str) -> list:
    return [c for c in jupytext.read(ROOT / "notebooks" / f"{stem}.md").cells if c.cell_type == "code"]


def parameters_cell(stem: str) -> dict:
    """The literals of a chapter's papermill ``parameters`` cell."""
    cell = next(c for c in code_cells(stem) if "parameters" in c.metadata.get("tags", []))
    tree = ast.parse(cell.source)
    return {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body}


def check_notebook(stem: str) -> None:
    """Every result of ``stem`` is recorded by key exactly once and computable from its parameters cell."""
    source = "\n".join(c.source for c in code_cells(stem))
    assert "page.record(" not in re.sub(_RECORD, "", source), f"{stem}: a record passes more than its key"
    recorded = _RECORD.findall(source)
    own = [k for k, s in registry.RESULTS.items() if s.chapter == stem]
    assert sorted(recorded) == sorted(own), f"{stem}: records {recorded}, registry has {own}"
    used = {k for k in _USED.findall(source) if "{" not in k}
    declared = parameters_cell(stem)
    for scenario in ("article", "corrected"):
        full, _ = resolve(scenario)
        chapter = from_namespace({name: full[name] for name in declared})
        for key in sorted(set(own) | used):
            registry.lookup(key).evaluate(chapter)  # AttributeError names an undeclared parameter


def test_notebook_records_its_results_by_key_from_its_parameters():
    check_notebook(STEM)


def chapter_values(stem: str, scenario: str = "article", sets=()) -> dict:
    """The results of chapter ``stem`` in ``scenario`` with ``--set`` style changes ``sets``."""
    p, _ = resolve(scenario, sets=sets)
    return registry.compute(p, [stem])


def _values(scenario: str) -> dict:
    return chapter_values(STEM, scenario)


def test_article_values():
    """Hand derivation (article §02 and §04): 512² = 262,144 pixels; (512 / 8)² = 4,096 latent
    positions; 3 x 512² / (4 x 64²) = 48 times fewer numbers; (512 / 16)² = 1,024 tokens; 60 s x 24
    = 1,440 frames; / 8 = 180 latent frames; 180 x 1,024 = 184,320 tokens."""
    v = _values("article")
    expected = {"pixel-positions": 262_144, "latent-positions": 4_096, "latent-compression-ratio": 48,
                "dit-tokens-per-image": 1_024, "video-frames": 1_440, "latent-frames": 180,
                "tokens-per-latent-frame": 1_024, "tokens-per-video": 184_320}
    for key, value in expected.items():
        assert_allclose(v[key], value, rtol=1e-12, err_msg=key)


def test_corrected_values():
    """Hand derivation: 20 s x 24 = 480 frames, / 4 = 120 latent frames; 1280 x 720 / 16² = 80 x 45
    = 3,600 tokens a latent frame; 120 x 3,600 = 432,000 tokens. The image is unchanged."""
    v = _values("corrected")
    expected = {"dit-tokens-per-image": 1_024, "video-frames": 480, "latent-frames": 120,
                "tokens-per-latent-frame": 3_600, "tokens-per-video": 432_000}
    for key, value in expected.items():
        assert_allclose(v[key], value, rtol=1e-12, err_msg=key)


def test_an_undeclared_parameter_is_named():
    """The check the notebook tests rely on: a chapter's restricted parameters refuse a name the
    parameters cell did not declare, naming it."""
    declared = parameters_cell(STEM)
    declared.pop("fps")
    with pytest.raises(AttributeError, match="'fps'"):
        registry.lookup("video-frames").evaluate(from_namespace(declared))
