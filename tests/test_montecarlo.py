"""The drawing of the Monte Carlo (sorabook/model/montecarlo.py): streams, one distribution, medians,
percentiles. Expected values are textbook moments or hand derivations, each named in its test."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sorabook.model import montecarlo as mc

N = 200_000


def _se(values: np.ndarray) -> float:
    """Five standard errors of the sample mean (a false failure about 1 in 10^6)."""
    return 5 * float(np.std(values)) / math.sqrt(len(values))


def _share_tol(p: float, n: int = N) -> float:
    """Five standard errors of a share p estimated from n draws."""
    return 5 * math.sqrt(p * (1 - p) / n)


def test_uniform_support_and_moments():
    """Uniform [a, b]: mean (a + b) / 2, variance (b - a)^2 / 12 (textbook moments)."""
    x = mc.draw("uniform", N, mc.stream(7, "u"), 0.3, 0.6)
    assert x.min() >= 0.3 and x.max() <= 0.6
    assert abs(x.mean() - 0.45) < _se(x)
    assert_allclose(x.var(), 0.3 ** 2 / 12, rtol=0.02)


def test_log_uniform_support_and_moments():
    """Log-uniform [a, b]: E[log X] = (log a + log b) / 2; E[X] = (b - a) / log(b / a) (textbook)."""
    x = mc.draw("log-uniform", N, mc.stream(7, "l"), 4.0, 10.0)
    assert x.min() >= 4.0 and x.max() <= 10.0
    assert abs(np.log(x).mean() - 0.5 * (np.log(4) + np.log(10))) < _se(np.log(x))
    assert abs(x.mean() - 6.0 / np.log(2.5)) < _se(x)


def test_triangular_support_and_moments():
    """Triangular (a, c, b): mean (a + b + c) / 3, variance (a²+b²+c²-ab-ac-bc) / 18 (textbook)."""
    a, c, b = 1.0, 2.0, 4.0
    x = mc.draw("triangular", N, mc.stream(7, "t"), a, b, c)
    assert x.min() >= a and x.max() <= b
    assert abs(x.mean() - (a + b + c) / 3) < _se(x)
    assert_allclose(x.var(), (a * a + b * b + c * c - a * b - a * c - b * c) / 18, rtol=0.02)


@pytest.mark.parametrize("kind, mode", [("uniform", None), ("log-uniform", None), ("triangular", 50.0)])
def test_integer_draws_are_whole_numbers_inside_the_range(kind, mode):
    """A count is never drawn between two whole numbers, and stays in [low, high] (issue 15 item 2)."""
    x = mc.draw(kind, N, mc.stream(3, kind), 30.0, 83.0, mode, integer=True)
    assert np.array_equal(x, np.rint(x))
    assert x.min() == 30.0 and x.max() == 83.0  # both ends are drawn
    assert set(np.unique(x)) == set(np.arange(30.0, 84.0))


def test_integer_log_uniform_gives_each_count_its_bin():
    """Hand derivation: X log-uniform on [29.5, 83.5], rounded: P(k) = log((k + 1/2) / (k - 1/2)) / log(83.5 / 29.5);
    the end counts 30 and 83 keep their full bin."""
    x = mc.draw("log-uniform", N, mc.stream(5, "steps"), 30.0, 83.0, integer=True)
    for k in (30, 50, 83):
        p = math.log((k + 0.5) / (k - 0.5)) / math.log(83.5 / 29.5)
        assert abs(np.mean(x == k) - p) < _share_tol(p), k


def test_integer_uniform_is_each_count_equally_likely():
    """Uniform whole numbers on [1, 2]: 1 and 2 each half the time (hand derivation)."""
    x = mc.draw("uniform", N, mc.stream(7, "cfg"), 1.0, 2.0, integer=True)
    assert set(np.unique(x)) == {1.0, 2.0}
    assert abs(np.mean(x == 2.0) - 0.5) < _share_tol(0.5)


def test_choice_draws_the_stated_probabilities():
    """choice of 1 (25 %) or 2 (75 %): shares within five standard errors of the stated weights."""
    x = mc.draw("choice", N, mc.stream(9, "cfg_passes"), values=(1.0, 2.0), weights=(0.25, 0.75))
    assert set(np.unique(x)) == {1.0, 2.0}
    assert abs(np.mean(x == 1.0) - 0.25) < _share_tol(0.25)


def test_fixed_and_degenerate_repeat_one_value_exactly():
    assert np.all(mc.draw("fixed", 10, None, point=3.5) == 3.5)
    assert np.all(mc.draw("triangular", 10, mc.stream(1, "x"), 2.0, 2.0, 2.0) == 2.0)
    assert np.all(mc.draw("choice", 10, mc.stream(1, "x"), values=(4.0,), weights=(1.0,)) == 4.0)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown distribution 'normal'"):
        mc.draw("normal", 10, mc.stream(1, "x"), 1.0, 2.0)


def test_streams_are_reproducible_and_per_name():
    """Same seed and name: the same draws bit for bit; another name or seed: other draws."""
    a = mc.draw("uniform", 1000, mc.stream(11, "a"), 0.0, 1.0)
    assert a.tobytes() == mc.draw("uniform", 1000, mc.stream(11, "a"), 0.0, 1.0).tobytes()
    assert a.tobytes() != mc.draw("uniform", 1000, mc.stream(11, "b"), 0.0, 1.0).tobytes()
    assert a.tobytes() != mc.draw("uniform", 1000, mc.stream(12, "a"), 0.0, 1.0).tobytes()


def test_medians():
    """Uniform: the midpoint; log-uniform: the geometric mean; triangular: a + sqrt((b-a)(c-a)/2) when the
    mode is past the middle; choice: the weighted median; integers: the median over [low-1/2, high+1/2],
    rounded (hand derivations)."""
    assert mc.median("uniform", 0.3, 0.6) == pytest.approx(0.45)
    assert mc.median("log-uniform", 4.0, 9.0) == pytest.approx(6.0)
    assert mc.median("triangular", 1.0, 3.0, 3.0) == pytest.approx(1 + math.sqrt(2))
    assert mc.median("triangular", 1.0, 3.0, 1.0) == pytest.approx(3 - math.sqrt(2))
    assert mc.median("choice", values=(1.0, 2.0), weights=(0.25, 0.75)) == 2.0
    assert mc.median("choice", values=(1.0, 2.0), weights=(0.75, 0.25)) == 1.0
    assert mc.median("log-uniform", 30.0, 83.0, integer=True) == round(math.sqrt(29.5 * 83.5))
    assert mc.median("fixed", point=7.0) == 7.0


def test_medians_match_the_draws():
    """The median a distribution reports is the median of its draws (within a few per mille)."""
    for kind, lo, hi, mode in (("log-uniform", 4.0, 10.0, None), ("triangular", 0.3, 0.6, 0.4)):
        x = mc.draw(kind, N, mc.stream(2, kind), lo, hi, mode)
        assert_allclose(np.median(x), mc.median(kind, lo, hi, mode), rtol=5e-3)


def test_percentiles_exceedance_and_rank():
    """On 1..100: the 5th/50th/95th percentiles (linear interpolation) are 5.95, 50.5 and 95.05; 10 of the
    100 values exceed 90; 30 lie at or below 30."""
    x = np.arange(1.0, 101.0)
    q = mc.percentiles(x)
    assert_allclose([q[5], q[50], q[95]], [5.95, 50.5, 95.05], rtol=1e-12)
    assert mc.exceedance(x, 90.0) == 0.10
    assert mc.share_at_or_below(x, 30.0) == 0.30
