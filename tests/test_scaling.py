"""Shape rules: a template scaled to a parameter budget."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sorabook.model import presets, scaling, transformer

WAN = presets.SORA_TEMPLATE


def test_shape_for_params_hits_the_budget():
    """The documented rule: Wan 2.1 14B (40 x 5120) scaled to 20e9 keeps d / N = 128 and lands within
    a few percent of the budget (whole layers and heads): 45 layers x 5,760 (chapter 6)."""
    s = scaling.shape_for_params(20e9, WAN)
    assert (s.layers, s.hidden) == (45, 5760)
    assert_allclose(transformer.param_count(s), 20e9, rtol=0.03)
    assert s.hidden % 128 == 0
    assert_allclose(s.hidden / s.layers, 128, rtol=0.03)


def test_scaled_shape_keeps_the_template():
    """Hand derivation: at 40 layers Wan's own ratio gives 40 x 128 = 5,120 and FFN 13,824 back."""
    s = scaling.scaled_shape(WAN, 40)
    assert (s.hidden, s.heads, s.ffn, s.text_mode, s.vae) == (5120, 40, 13824, "cross", (4, 8, 8))
    assert transformer.param_count(s) == transformer.param_count(WAN)


@given(st.floats(1e8, 1e12))
def test_depth_is_nearest_in_ratio(budget):
    """Definition: no other depth's parameter count is nearer the budget in log ratio."""
    depth = scaling.depth_for_params(budget, WAN)
    miss = [abs(math.log(transformer.param_count(scaling.scaled_shape(WAN, n)) / budget)) for n in range(1, 200)]
    assert miss[depth - 1] <= min(miss) + 1e-12


def test_arrays_and_scalars_agree():
    """The Monte Carlo passes an array of budgets: the depths are the scalars'."""
    budgets = np.array([1e9, 5e9, 20e9, 30e9, 1e11])
    assert list(scaling.depth_for_params(budgets, WAN)) == [scaling.depth_for_params(float(b), WAN) for b in budgets]
    assert type(scaling.depth_for_params(20e9, WAN)) is int
