"""What a result is: number formatting, claim verdicts, domains (sorabook.results.specs)."""

from __future__ import annotations



import pytest
from hypothesis import given
from hypothesis import strategies as st

from sorabook.results.specs import format_value, relative_difference, verdict


def test_format_value():
    assert format_value(1.08e25, ".3g") == "1.08\u00a0×\u00a010²⁵"
    assert format_value(5.2e-3, ".2g") == "0.0052"
    assert format_value(184320.0, ",.0f") == "184,320"
    assert format_value(2.5e-7, ".2g") == "2.5\u00a0×\u00a010⁻⁷"


@pytest.mark.parametrize(
    "recomputed, printed, expected",
    [(101, 100, "agrees"), (102, 100, "agrees"), (97.9, 100, "approximate"), (125, 100, "approximate"),
     (126, 100, "disagrees"), (50, 100, "disagrees")],
)
def test_verdict_thresholds(recomputed, printed, expected):
    """The chapter 2-3 issue: agrees within 2 %, approximate within 25 %, disagrees beyond."""
    assert verdict(relative_difference(recomputed, printed)) == expected




@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
       st.sampled_from(["auto", ".3g", ".4g", ",.0f", ".2e", ".1%"]))
def test_a_formatted_number_has_no_breakable_space(value, fmt):
    """A number never wraps inside a table cell: "2.5 × 10²⁴" is joined by no-break spaces."""
    assert " " not in format_value(value, fmt)


def test_one_rule_for_whole_and_fractional_numbers_of_one_size():
    """The article's printed 15,300,000 and the recomputed 15,234,567.8 read alike (hand: both are
    10⁶ or more, so three significant digits x 10ⁿ); below 10⁶ both are whole with separators."""
    assert format_value(15_300_000) == "1.53\u00a0×\u00a010⁷"
    assert format_value(15_234_567.8) == "1.52\u00a0×\u00a010⁷"
    assert format_value(12_608) == format_value(12_608.2) == "12,608"
    assert format_value(4_211) == "4,211" and format_value(10_528.4) == "10,528"
