"""What a result is: number formatting, claim verdicts, domains (sorabook.results.specs)."""

from __future__ import annotations



import pytest

from sorabook.results.specs import format_value, relative_difference, verdict


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


