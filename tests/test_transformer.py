"""The first-principles video-transformer counter: DiT's Table 4, hand-derived cases, invariants,
long clips beyond fixed-width integers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sorabook.model import counting, transformer as T

#: DiT paper (Peebles & Xie 2023, arXiv 2212.09748) Table 1: depth, width, heads.
TABLE1 = {"S": (12, 384, 6), "B": (12, 768, 12), "L": (24, 1024, 16), "XL": (28, 1152, 16)}

#: DiT paper Table 4 as quoted in /work/shared/reference/facts.md: (model, image size, "Gflops", params M).
TABLE4 = [
    ("S/8", 256, 0.36, 33), ("S/4", 256, 1.41, 33), ("S/2", 256, 6.06, 33),
    ("B/8", 256, 1.42, 131), ("B/4", 256, 5.56, 130), ("B/2", 256, 23.01, 130),
    ("L/8", 256, 5.01, 459), ("L/4", 256, 19.70, 458), ("L/2", 256, 80.71, 458),
    ("XL/8", 256, 7.39, 676), ("XL/4", 256, 29.05, 675), ("XL/2", 256, 118.64, 675),
    ("XL/2", 512, 524.60, 675),
]


def _dit(model: str):
    size, patch = model.split("/")
    return T.dit(*TABLE1[size], int(patch))


@pytest.mark.parametrize("model, size, gflops, params_m", TABLE4)
def test_dit_table4_gflops_are_multiply_accumulates(model, size, gflops, params_m):
    """DiT paper Table 4 ("Flops (G)", "Params (M)"): every row within 1 % when the table's
    Gflops are read as multiply-accumulates (one image: 1 frame, f8 VAE, 4 channels)."""
    dit = _dit(model)
    macs = float(T.forward_macs(dit, size, size, 1))
    assert_allclose(macs / 1e9, gflops, rtol=0.01)
    assert_allclose(T.param_count(dit) / 1e6, params_m, rtol=0.01)


def test_dit_table4_is_not_flops():
    """DiT paper Table 4, XL/2 at 512: 524.60 Gflops. Read as FLOPs (2 per MAC) the count is 2x off,
    so the table counts multiply-accumulates."""
    dit = _dit("XL/2")
    flops = float(T.forward_flops(dit, 512, 512, 1))
    assert_allclose(flops / 1e9, 2 * 524.60, rtol=0.01)
    assert abs(flops / 1e9 / 524.60 - 1) > 0.9


def test_flops_are_twice_macs():
    """Definition: one multiply-accumulate is a multiply and an add, two floating-point operations."""
    m = T.VideoDiT(name="m", layers=3, hidden=64, heads=4, vae=(4, 8, 8), causal=True, latent_channels=16)
    frames = np.array([1, 5, 9, 41])
    assert_allclose(T.forward_flops(m, 128, 64, frames), 2 * T.forward_macs(m, 128, 64, frames), rtol=1e-15)


def test_one_layer_toy_by_hand():
    """Hand derivation. 1 block, d = 8, 2 heads (a = 8), MLP 4x (f = 32), patch 1x2x2, VAE 1x8x8,
    C = 4, out_factor 1, no text, per-block adaLN 6d. A 32x32 image: latent 4x4, 2x2 = 4 tokens.

    patch embedding 4·(1·2·2·4)·8 = 512; timestep 256·8 + 64 = 2112; modulation 6·8·8 = 384;
    attention projections 4·4·8·8 = 1024; attention products 2·4²·8 = 256; MLP 4·2·8·32 = 2048;
    final layer 2·8·8 + 4·8·16 = 128 + 512 = 640. Total 6,976 MACs.
    """
    toy = T.VideoDiT(name="toy", layers=1, hidden=8, heads=2, patch=(1, 2, 2), vae=(1, 8, 8), latent_channels=4)
    parts = T.forward_macs_breakdown(toy, 32, 32, 1)
    expected = {"patch embedding": 512, "timestep embedder": 2112, "modulation": 384, "attention projections": 1024,
                "attention products": 256, "MLP": 2048, "final layer": 640}
    for key, value in expected.items():
        assert float(parts[key]) == value, key
    assert float(T.forward_macs(toy, 32, 32, 1)) == 6976


def test_cross_attention_toy_by_hand():
    """Hand derivation. The toy above with cross-attention to X = 3 text tokens of width 5 (one
    projection): text embedding 3·5·8 = 120; cross projections (2·4 + 2·3)·8·8 = 896; cross
    products 2·4·3·8 = 192; the self-attention sequence stays the 4 video tokens."""
    toy = T.VideoDiT(name="toy", layers=1, hidden=8, heads=2, text_mode="cross", text_tokens=3, text_dim=5)
    parts = T.forward_macs_breakdown(toy, 32, 32, 1)
    assert float(parts["text embedding"]) == 120
    assert float(parts["cross-attention projections"]) == 896
    assert float(parts["cross-attention products"]) == 192
    assert float(parts["attention products"]) == 256


def test_joint_text_lengthens_the_sequence():
    """Hand derivation: joint attention with X = 3 text tokens makes S = 4 + 3 = 7, so the products
    are 2·7²·8 = 784 and the projections 4·7·8·8 = 1792."""
    toy = T.VideoDiT(name="toy", layers=1, hidden=8, heads=2, text_mode="joint", text_tokens=3)
    parts = T.forward_macs_breakdown(toy, 32, 32, 1)
    assert float(parts["attention products"]) == 784
    assert float(parts["attention projections"]) == 1792


def test_tokens_of_published_models():
    """facts.md: CogVideoX 49 frames -> 13 latent frames; Mochi 1 848x480, 163 frames -> 44,520
    visual tokens (VAE 6x8x8, patch 2); Wan 2.1 1280x720, 81 frames -> 21 x 45 x 80 = 75,600."""
    cog = T.VideoDiT(name="c", layers=1, hidden=64, heads=1, vae=(4, 8, 8), causal=True)
    assert T.tokens(cog, 720, 480, 49)["latent_frames"] == 13
    mochi = T.VideoDiT(name="m", layers=1, hidden=64, heads=1, vae=(6, 8, 8), causal=True)
    assert float(T.tokens(mochi, 848, 480, 163)["video_tokens"]) == 44_520
    assert float(T.tokens(cog, 1280, 720, 81)["video_tokens"]) == 75_600


def test_attention_products_are_quadratic_in_tokens_and_linear_in_layers():
    """Definition of full 3D attention: Q Kᵀ and A V cost 2·S²·a per block, so doubling the
    latent frames quadruples them and doubling the blocks doubles them."""
    m = T.VideoDiT(name="m", layers=4, hidden=128, heads=4, vae=(4, 8, 8), causal=True)
    a = T.forward_macs_breakdown(m, 256, 256, 1 + 4 * 8)["attention products"]
    b = T.forward_macs_breakdown(m, 256, 256, 1 + 4 * 17)["attention products"]  # 9 -> 18 latent frames
    assert_allclose(b / a, 4.0, rtol=1e-12)
    c = T.forward_macs_breakdown(m.with_(layers=8), 256, 256, 1 + 4 * 8)["attention products"]
    assert_allclose(c / a, 2.0, rtol=1e-12)
    lin = T.forward_macs_breakdown(m, 256, 256, 1 + 4 * 17)["MLP"] / T.forward_macs_breakdown(m, 256, 256, 33)["MLP"]
    assert_allclose(lin, 2.0, rtol=1e-12)


def test_per_frame_attention_is_linear_in_frames():
    """The article's extrapolation: with attention within each latent frame only, compute is the
    per-frame count x latent frames (180 frames = 180 x one image)."""
    m = T.dit(28, 1152, 16, 2).with_(attention="per-frame", vae=(8, 8, 8))
    one = T.forward_macs(m, 512, 512, 8)
    assert_allclose(T.forward_macs(m, 512, 512, 1440), 180 * one, rtol=1e-12)
    assert_allclose(one, T.forward_macs(T.dit(28, 1152, 16, 2), 512, 512, 1), rtol=1e-12)


def test_vectorised_over_frames_matches_scalars():
    """Arrays and scalars give the same counts (style: one function serves a point and a sweep)."""
    m = T.VideoDiT(name="m", layers=2, hidden=64, heads=4, vae=(4, 8, 8), causal=True, text_mode="cross",
                   text_tokens=7, text_dim=32)
    frames = np.array([1, 5, 81])
    vec = T.forward_macs(m, 128, 64, frames)
    assert_allclose(vec, [float(T.forward_macs(m, 128, 64, int(f))) for f in frames], rtol=1e-15)


@settings(max_examples=40, deadline=None)
@given(k=st.integers(0, 30), layers=st.integers(1, 6))
def test_more_frames_never_cost_less(k, layers):
    """Invariant: compute grows with the clip's length."""
    m = T.VideoDiT(name="m", layers=layers, hidden=32, heads=2, vae=(4, 8, 8), causal=True)
    assert T.forward_macs(m, 64, 64, 1 + 4 * (k + 1)) > T.forward_macs(m, 64, 64, 1 + 4 * k)


@pytest.mark.parametrize("w, h, f, fragment", [
    (1280, 720, 0, "frames: got 0; expected a whole number >= 1"), (1280, 720, -3, "expected a whole number >= 1"),
    (1280, 720, 2.5, "frames: got 2.5; expected a whole number"), (0, 720, 81, "width: got 0"),
    (1280, float("nan"), 81, "height: got nan; expected a whole number"), (1280, 720, True, "expected a whole number"),
])
def test_sizes_that_are_not_whole_numbers_are_refused(w, h, f, fragment):
    """Only sizes that are not whole numbers >= 1 are refused, with one line naming the argument."""
    m = T.VideoDiT(name="m", layers=1, hidden=32, heads=2, vae=(4, 8, 8), causal=True)
    with pytest.raises(T.ShapeError, match=fragment):
        T.forward_macs(m, w, h, f)


def test_sizes_are_padded_as_the_pipelines_pad():
    """latent.py's one rule: a causal 4x8x8 autoencoder with 2x2 patches counts 1279 as 1280, 1080 as
    1088 and 80 frames as 81 (both 21 latent frames); arrays of frames are checked as arrays."""
    m = T.VideoDiT(name="m", layers=1, hidden=32, heads=2, vae=(4, 8, 8), causal=True)
    assert T.forward_macs(m, 1279, 720, 81) == T.forward_macs(m, 1280, 720, 81)
    assert T.forward_macs(m, 1280, 1080, 81) == T.forward_macs(m, 1280, 1088, 81)
    assert T.forward_macs(m, 1280, 720, 80) == T.forward_macs(m, 1280, 720, 81)
    with pytest.raises(T.ShapeError, match="expected a whole number >= 1"):
        T.forward_macs(m, 1280, 720, np.array([81, 0]))


def test_temporal_patch_pads_the_latent_frames():
    """Hand derivation, a 2x2x2 patch as CogVideoX 1.5's (its pipeline pads): 81 frames -> 21 latent
    frames, padded to 22 = 11 temporal patches; 720x480 at 8 x 2: 45 x 30 = 1,350 tokens per latent
    frame; 11 x 1,350 = 14,850 video tokens."""
    m = T.VideoDiT(name="m", layers=1, hidden=32, heads=2, vae=(4, 8, 8), causal=True, patch=(2, 2, 2))
    tk = T.tokens(m, 720, 480, 81)
    assert (tk["latent_frames"], tk["tokens_per_frame"], tk["video_tokens"]) == (22, 1350, 14_850)


def _closed_form(model, width, height, frames):
    """The table of forward_macs_breakdown's docstring in Python floats, for a model with
    cross-attention text (two projection layers), shared modulation and full attention."""
    t, pt = model.vae[0], model.patch[0]
    lat = 1.0 + -(-(frames - 1) // t)
    lat = -(-lat // pt) * pt
    per = float(-(-width // (model.vae[2] * model.patch[2])) * -(-height // (model.vae[1] * model.patch[1])))
    v = lat / pt * per
    x = float(model.text_tokens)
    d, a, f, n, m = model.hidden, model.attention_width, model.ffn, model.layers, model.modulation_outputs
    pvc = model.patch_volume * model.latent_channels
    return (v * pvc * d + x * (model.text_dim * d + d * d) + (256 * d + d * d + m * d * d) + n * v * 4 * d * a
            + n * 2 * v * v * a + n * (2 * v + 2 * x) * d * a + n * 2 * v * x * a + n * v * 2 * d * f
            + (2 * d * d + v * d * pvc * model.out_factor))


@pytest.mark.parametrize("which, width, height, frames", [
    ("sora-corrected", 3840, 2160, 1441), ("wan2.1-14b", 1280, 720, 6001)])
def test_long_clips_do_not_overflow(which, width, height, frames):
    """Issue 15: these counts pass 2⁶³ and came out negative on int64. Hand derivation.

    sora-corrected (45 layers x 5760, a = 5760, causal 4x8x8, patch 1x2x2) at 3840x2160, 1,441
    frames: 1 + 1440 / 4 = 361 latent frames x (240 x 135 = 32,400) = 11,696,400 tokens; the
    attention products alone are 45 x 2 x 11,696,400² x 5,760 = 7.09e19 MACs (int64 ends at
    9.22e18). Wan 2.1 14B (40 x 5120) at 1280x720, 6,001 frames: 1,501 x 3,600 = 5,403,600
    tokens; products 40 x 2 x 5,403,600² x 5,120 = 1.196e19. Expected: every term of the
    docstring's table in floats; positive, finite, attention share in [0, 1].
    """
    from sorabook.model import presets

    model = presets.PRESETS[which].model
    tk = T.tokens(model, width, height, frames)
    v = {"sora-corrected": 11_696_400, "wan2.1-14b": 5_403_600}[which]
    assert tk["video_tokens"] == v
    a = model.attention_width
    products = T.forward_macs_breakdown(model, width, height, frames)["attention products"]
    assert_allclose(products, model.layers * 2.0 * v * v * a, rtol=1e-15)
    assert products > 2.0 ** 63
    macs = T.forward_macs(model, width, height, frames)
    assert np.isfinite(macs) and macs > 0
    assert_allclose(macs, _closed_form(model, width, height, frames), rtol=1e-12)
    share = T.attention_share(model, width, height, frames)
    assert 0.0 <= share <= 1.0 and share > 0.99
    vec = T.forward_macs(model, width, height, np.array([frames, frames], dtype=np.int64))
    assert_allclose(vec, [macs, macs], rtol=1e-15)  # NumPy integer arrays are counted in floats too


def test_bad_shapes_are_refused():
    """A model must have positive sizes and a known text mode."""
    with pytest.raises(T.ShapeError, match="text_mode"):
        T.VideoDiT(name="m", layers=1, hidden=32, heads=2, text_mode="sideways")
    with pytest.raises(T.ShapeError, match="layers must be >= 1"):
        T.VideoDiT(name="m", layers=0, hidden=32, heads=2)


@pytest.mark.parametrize("model", [
    T.VideoDiT(name="causal", layers=4, hidden=256, heads=4, vae=(4, 8, 8), causal=True),
    T.VideoDiT(name="causal-pt2", layers=4, hidden=256, heads=4, vae=(4, 8, 8), causal=True, patch=(2, 2, 2)),
    T.VideoDiT(name="plain", layers=4, hidden=256, heads=4, vae=(8, 8, 8), text_mode="cross", text_tokens=64),
])
def test_attention_dominates_from_is_the_first_clip_past_one_half(model):
    """Definition: the shortest clip (among the frame counts that need no padding) whose attention
    share exceeds 1/2; the bisection finds what a walk over every such clip finds."""
    from sorabook.model import latent

    got = counting.attention_dominates_from(model, 256, 256, max_frames=2000)
    walk = [f for f in range(1, 2001)
            if latent.valid_frames(f, model.vae[0], model.causal, model.patch[0]) == f
            and T.attention_share(model, 256, 256, f) > 0.5]
    assert got == walk[0]
    assert counting.attention_dominates_from(model, 256, 256, max_frames=walk[0] - 1) is None
