"""DiT parameter and compute counts (chapter 2) against the DiT paper's tables."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sorabook.model import dit, latent, transformer

XL = dit.config("XL")
SIZES = st.sampled_from(list(dit.CONFIGS.values()))
PATCHES = st.sampled_from([1, 2, 4, 8])


def test_table1_configurations():
    """DiT paper Table 1: S 12/384/6, B 12/768/12, L 24/1024/16, XL 28/1152/16."""
    got = {n: (c.depth, c.hidden, c.heads) for n, c in dit.CONFIGS.items()}
    assert got == {"S": (12, 384, 6), "B": (12, 768, 12), "L": (24, 1024, 16), "XL": (28, 1152, 16)}
    assert dit.config("XL/2") is XL


def test_table4_is_the_papers():
    """DiT paper Table 4 as printed: 12 rows at 256x256 and XL/2 at 512x512 (118.64 / 524.60 Gflops)."""
    labels = [r.label for r in dit.TABLE4]
    assert len(labels) == 13 and len(set(labels)) == 13
    by = {r.label: r for r in dit.TABLE4}
    assert by["XL/2-256"].gflops == 118.64 and by["XL/2-512"].gflops == 524.60
    assert by["S/8-256"].gflops == 0.36 and by["XL/8-256"].params_m == 676


def test_tokens_are_the_latent_modules():
    """DiT §3: a 32x32 latent (256 px) in 2x2 patches is 256 tokens; 64x64 (512 px) is 1,024 (the one
    tokeniser, :func:`sorabook.model.latent.tokens_per_latent_frame`, as the table rows report)."""
    rows = {r["label"]: r for r in dit.reproduce_table4()}
    assert rows["XL/2-256"]["tokens"] == latent.tokens_per_latent_frame(256, 256, 8, 2) == 256
    assert rows["XL/2-512"]["tokens"] == 1024
    assert rows["S/8-256"]["tokens"] == 16


def test_xl2_parameters_by_hand():
    """Hand derivation: 28 x (18d² + 15d) + embedders + final layer at d = 1152 = 674,834,720 (Table 4: 675M)."""
    d = 1152
    blocks = 28 * (18 * d * d + 15 * d)
    rest = (16 * d + d) + (256 * d + d + d * d + d) + 1001 * d + (2 * d * d + 2 * d + 32 * d + 32)
    assert dit.param_count(XL, 2) == blocks + rest == 674_834_720


def test_xl2_forward_macs_by_hand():
    """Hand derivation: 28 x (12Td² + 2T²d + 6d²) + patchify + embedder + final layer; T = 1,024 at 512x512."""
    d, t = 1152, 1024
    blocks = 28 * (12 * t * d * d + 2 * t * t * d + 6 * d * d)
    rest = t * 16 * d + (256 * d + d * d) + (2 * d * d + t * d * 32)
    assert dit.forward_macs(XL, 2, 512) == blocks + rest == 524_538_298_368


@pytest.mark.parametrize("row", dit.TABLE4, ids=lambda r: r.label)
def test_table4_reproduced_within_one_percent(row):
    """DiT paper Table 4: every Gflops entry (read as multiply-accumulates) and parameter count within 1 %."""
    cfg = dit.config(row.size)
    assert_allclose(dit.forward_macs(cfg, row.patch_size, row.image_size) / 1e9, row.gflops, rtol=0.01)
    assert_allclose(dit.param_count(cfg, row.patch_size) / 1e6, row.params_m, rtol=0.01)


@pytest.mark.parametrize("row", dit.TABLE4, ids=lambda r: r.label)
def test_parameter_counts_round_to_the_table(row):
    """DiT paper Table 4 prints parameters in whole millions: every count rounds to the printed one.

    With the fixed position embedding counted, B/2 would round to 131M and XL/2-512 to 676M:
    the paper's counts exclude it.
    """
    assert round(dit.param_count(dit.config(row.size), row.patch_size) / 1e6) == row.params_m


def test_large_models_match_to_the_printed_digit_or_next():
    """DiT paper Table 4: L and XL rows agree within 0.05 % (a few elementwise ops are not counted)."""
    for r in dit.reproduce_table4():
        if r["model"].startswith(("L", "XL")):
            assert abs(r["gflops_rel_error"]) < 5e-4, r["label"]


def test_table_counts_multiply_accumulates_not_flops():
    """Chapter 2's finding: as MACs the worst error is < 1 %; as FLOPs (2 per MAC) every row is ~100 % off."""
    assert dit.max_table4_rel_error(1.0) < 0.01
    assert all(r["gflops_rel_error"] > 0.95 for r in dit.reproduce_table4(2.0))
    assert dit.max_table4_rel_error(2.0) > 0.95


def test_attention_products_are_in_the_table():
    """facebookresearch/DiT issue 47: a module profiler (thop) reports 28.8 Gflops for XL/4, the table 29.05.

    Without the attention products the count is the profiler's; with them, the table's.
    """
    parts = dit.forward_macs_breakdown(XL, 4, 256)
    total = sum(parts.values())
    assert_allclose((total - parts["attention products"]) / 1e9, 28.8, rtol=0.002)
    assert_allclose(total / 1e9, 29.05, rtol=0.0005)


def test_adaln_is_once_per_sample():
    """DiT models.py: the adaLN-Zero modulation maps the conditioning vector, once per sample, not per token."""
    a = dit.forward_macs_breakdown(XL, 2, 256)["adaLN-Zero modulation"]
    b = dit.forward_macs_breakdown(XL, 2, 512)["adaLN-Zero modulation"]
    assert a == b == 28 * 6 * 1152 * 1152
    shares = {r["part"]: r for r in dit.breakdown_rows(XL, 2, 512)}
    assert shares["adaLN-Zero modulation"]["params_share"] > 0.3
    assert shares["adaLN-Zero modulation"]["macs_share"] < 0.001


def test_training_compute_paper_convention():
    """DiT paper: Gflops x batch x steps x 3. XL/2-512: 524.60e9 x 256 x 3M x 3 = 1.2087e21; XL/2-256 at 7M: 6.378e20."""
    assert_allclose(dit.training_compute(524.60e9, 256, 3_000_000), 1.2086784e21, rtol=1e-12)
    assert_allclose(dit.training_compute(118.64e9, 256, dit.TRAIN_STEPS[256]), 6.3780864e20, rtol=1e-12)
    assert_allclose(dit.training_compute(524.60e9, 256, 3_000_000, flops_per_mac=2), 2.4173568e21, rtol=1e-12)


def test_arrays_and_scalars_agree():
    sizes = np.array([256, 512, 1024])
    got = dit.forward_macs(XL, 2, sizes)
    assert_allclose(got, [dit.forward_macs(XL, 2, int(s)) for s in sizes], rtol=0)
    steps = np.array([1e6, 3e6])
    assert_allclose(dit.training_compute(524.6e9, 256, steps), [4.02893e20, 1.2086784e21], rtol=1e-5)


@given(SIZES, PATCHES, st.sampled_from([128, 256, 512, 1024]))
def test_attention_products_grow_with_the_square_of_tokens(cfg, p, size):
    """Hand derivation: doubling the image side quadruples T and multiplies T²d by 16; linear parts by 4."""
    a = dit.forward_macs_breakdown(cfg, p, size)
    b = dit.forward_macs_breakdown(cfg, p, 2 * size)
    assert b["attention products"] == 16 * a["attention products"]
    assert b["MLP"] == 4 * a["MLP"] and b["attention projections"] == 4 * a["attention projections"]


@given(SIZES, PATCHES, st.sampled_from([128, 256, 512, 1024]))
def test_more_pixels_never_cost_less(cfg, p, size):
    assert dit.forward_macs(cfg, p, 2 * size) > dit.forward_macs(cfg, p, size)
    share = transformer.attention_share(dit.model(cfg, p), np.array([size, 2 * size]), np.array([size, 2 * size]), 1)
    assert share[1] > share[0]


@given(st.floats(1e9, 1e13), st.floats(1, 1e4), st.floats(1, 1e8), st.floats(0.1, 10))
def test_training_compute_is_linear_in_each_factor(flops, batch, steps, k):
    base = dit.training_compute(flops, batch, steps)
    assert_allclose(dit.training_compute(k * flops, batch, steps), k * base, rtol=1e-12)
    assert_allclose(dit.training_compute(flops, k * batch, steps), k * base, rtol=1e-12)
    assert_allclose(dit.training_compute(flops, batch, k * steps), k * base, rtol=1e-12)
    assert_allclose(dit.training_compute(flops, batch, steps, flops_per_mac=k), k * base, rtol=1e-12)


def test_scaling_rows_cover_twelve_models():
    """DiT paper §4: 4 sizes x 3 patch sizes; at a fixed size, halving the patch ~quadruples compute."""
    rows = dit.scaling_rows(256)
    assert len(rows) == 12
    xl = {r["patch_size"]: r for r in rows if r["size"] == "XL"}
    assert 3.9 < xl[2]["gmacs"] / xl[4]["gmacs"] < 4.2
    assert abs(xl[2]["params"] - xl[8]["params"]) / xl[2]["params"] < 0.002
    curves = dit.share_curves()
    assert set(curves) == set(dit.CONFIGS) and all(len(t) == len(s) for t, s in curves.values())
    tokens, shares = curves["XL"]
    assert tokens[2] == 256 and all(type(x) is float for x in tokens + shares)  # 256 px, patch 2
    assert shares == sorted(shares) and 0 < shares[0] < shares[-1] < 1


def test_evidence_numbers():
    ev = dit.evidence()
    assert ev["xl-attention-half-tokens"] == 6 * 1152
    assert 0.03 < ev["xl2-256-attention-share"] < 0.04
    assert ev["s8-printing"] > 0.0056  # S/8's error is inside its printing precision


def test_scalars_come_back_as_floats():
    """Plain numbers in, plain floats out (style.md: scalars with the standard library)."""
    assert type(dit.forward_macs(XL, 2, 512)) is float
    assert type(dit.forward_gmacs(XL, 2, 512)) is float
    assert type(dit.training_compute(524.6e9, 256, 3_000_000)) is float
    assert type(dit.param_count(XL, 2)) is int
