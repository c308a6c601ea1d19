"""Result formatting, claim verdicts and the definitions in sorabook.report."""

from __future__ import annotations

import re

import pytest

from sorabook import report
from sorabook.params import resolve
from sorabook.results import format_value, relative_difference, verdict


def test_format_value():
    assert format_value(1.08e25, ".3g") == "1.08 × 10²⁵"
    assert format_value(5.2e-3, ".2g") == "0.0052"
    assert format_value(184320.0, ",.0f") == "184,320"
    assert format_value(2.5e-7, ".2g") == "2.5 × 10⁻⁷"


@pytest.mark.parametrize(
    "recomputed, printed, expected",
    [(101, 100, "agrees"), (102, 100, "agrees"), (97.9, 100, "approximate"), (125, 100, "approximate"),
     (126, 100, "disagrees"), (50, 100, "disagrees")],
)
def test_verdict_thresholds(recomputed, printed, expected):
    """The chapter 2-3 issue: agrees within 2 %, approximate within 25 %, disagrees beyond."""
    assert verdict(relative_difference(recomputed, printed)) == expected


def test_result_keys_are_permanent_names():
    for key, spec in report.RESULTS.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key), key
        assert spec.chapter in report.CHAPTERS, key
        assert spec.unit and spec.description, key
        assert spec.anchor == f"notebooks/{spec.chapter}.html#result-{key}"
    for alias, key in report.ALIASES.items():
        assert alias not in report.RESULTS and key in report.RESULTS


def test_compute_gives_every_result_as_a_float():
    p, _ = resolve()
    values = report.compute(p)
    assert set(values) == set(report.RESULTS)
    assert all(isinstance(v, float) for v in values.values())


def test_chapter_one_claims_agree():
    """Article §02 and §04: 262,144 pixels, 4,096 latent positions, 1,440 frames, 180 latent frames."""
    rows = report.check_claims("01-latent-compression")
    assert {r["key"] for r in rows} == {"pixel-positions", "latent-positions", "video-frames", "latent-frames"}
    assert all(r["verdict"] == "agrees" for r in rows)


def test_claims_use_the_articles_inputs_whatever_the_scenario():
    """A claim checks the article against its own inputs, not against a user's overrides."""
    before = report.check_claims()
    resolve(sets=["fps=30"])
    assert report.check_claims() == before
