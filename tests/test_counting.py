"""How a pass over a clip is counted: the article's reference, the Sora-class architecture rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sorabook.model import counting, dit, presets, transformer

#: The book's tokenisation at the article's defaults: t = 8, f = 8, patch 2, 4 latent channels.
ARTICLE = dict(width=512, height=512, latent_frames=180, temporal=8, spatial=8, patch=2, channels=4)


def test_reference_is_dit_xl2_at_512():
    """DiT paper §3 and Table 4: XL/2 at 512x512 has 1,024 tokens and 524.5 x 10⁹ counted MACs
    (524.60 printed); the linear rule's price per latent frame is tokens / 1,024."""
    assert counting.REFERENCE_TOKENS == 1024
    assert counting.REFERENCE_MACS == dit.forward_macs(dit.config("XL"), 2, 512) == 524_538_298_368
    assert counting.resolution_factor(1024) == 1.0
    assert counting.resolution_factor(80 * 45) == 3600 / 1024  # 1280x720 at 8 x 2


def test_sora_depth_is_the_presets_rule():
    """Chapter 6's rule (presets.sora_corrected_model): 20e9 parameters -> 45 layers; an array of
    budgets gives, element by element, the depths of the scalars."""
    assert counting.sora_depth(20e9) == presets.sora_corrected_model(20e9).layers == 45
    budgets = np.array([10e9, 14e9, 20e9, 30e9])
    assert list(counting.sora_depth(budgets)) == [presets.sora_corrected_model(b).layers for b in budgets]


@pytest.mark.parametrize("attention", ["per-frame", "full-3d"])
def test_pass_is_the_transformers_count(attention):
    """Definition: a pass is transformer.forward_macs of :func:`counting.architecture` over
    latent_frames x t frames (non-causal: the same latent frames back); the share is
    transformer.attention_share of the same."""
    model = counting.architecture(20e9, 8, 8, 2, 4, attention)
    assert model.layers == 45 and model.vae == (8, 8, 8) and not model.causal
    macs = counting.pass_macs(attention, 20e9, **ARTICLE)
    assert macs == transformer.forward_macs(model, 512, 512, 180 * 8)
    share = counting.pass_attention_share(attention, 20e9, **ARTICLE)
    assert share == transformer.attention_share(model, 512, 512, 180 * 8)
    assert type(macs) is float and 0 < share < 1


def test_per_frame_is_linear_and_full_3d_is_not():
    """Hand derivation: per frame, twice the latent frames cost twice; with full 3D attention the
    products grow with the square of the tokens, so twice the frames cost more than twice."""
    args = dict(ARTICLE, latent_frames=90)
    per = [counting.pass_macs("per-frame", 20e9, **dict(args, latent_frames=n)) for n in (90, 180)]
    full = [counting.pass_macs("full-3d", 20e9, **dict(args, latent_frames=n)) for n in (90, 180)]
    assert_allclose(per[1], 2 * per[0], rtol=1e-12)
    assert full[1] > 2 * full[0]
    assert counting.pass_attention_share("full-3d", 20e9, **ARTICLE) > counting.pass_attention_share(
        "per-frame", 20e9, **ARTICLE)


def test_arrays_are_counted_once_per_distinct_row():
    """The Monte Carlo passes arrays: the result has their shape and each element equals the
    scalar count of its row."""
    rng = np.random.default_rng(15)
    params = np.exp(rng.uniform(np.log(10e9), np.log(30e9), 200))
    frames = rng.choice([60.0, 180.0], 200)
    got = counting.pass_macs("full-3d", params, 1280, 720, frames, 4, 8, 2, 16)
    assert got.shape == (200,)
    for i in (0, 17, 199):
        assert got[i] == counting.pass_macs("full-3d", float(params[i]), 1280, 720, float(frames[i]), 4, 8, 2, 16)
    shares = counting.pass_attention_share("per-frame", params, 1280, 720, frames, 4, 8, 2, 16)
    assert np.all((shares > 0) & (shares < 1))


def test_linear_is_not_an_architecture():
    """The linear count has no architecture: a person gets the valid names."""
    with pytest.raises(ValueError, match="per-frame"):
        counting.pass_macs("linear", 20e9, **ARTICLE)


@given(st.floats(1e9, 1e12), st.integers(1, 400))
def test_counts_are_positive_and_shares_in_unit_interval(params, n_latent):
    """Every count is in its domain: MACs positive and finite, shares in [0, 1]."""
    for attention in ("per-frame", "full-3d"):
        macs = counting.pass_macs(attention, params, 1280, 720, n_latent, 4, 8, 2, 16)
        share = counting.pass_attention_share(attention, params, 1280, 720, n_latent, 4, 8, 2, 16)
        assert np.isfinite(macs) and macs > 0
        assert 0.0 <= share <= 1.0
