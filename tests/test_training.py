"""The article's training estimate (chapter 3): its formula, GPU time and the disclosed budgets."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sorabook.model import hardware, training

from conftest import ROOT

POS = st.floats(1e-3, 1e3)


def article_flops(dataset_scale, dit_train_flops=1e21, model_scale=30.0, latent_frames=180.0, video_fraction=0.5,
                  count_images=False):
    """Article §04's formula through train_flops: a video sample costs model_scale x latent_frames DiT
    images, an image sample model_scale; the table's unit read as FLOPs (1 per MAC)."""
    return training.train_flops(dit_train_flops, 1.0, dataset_scale, model_scale * latent_frames, model_scale,
                                video_fraction, count_images)


def test_article_conservative_and_optimistic():
    """Article §04: 10^21 x 30 x 4 x (180 / 2) ≈ 1.1e25 (1.08e25) and x 10 ≈ 2.7e25 FLOPs."""
    assert_allclose(article_flops(4.0), 1.08e25, rtol=1e-12)
    assert_allclose(article_flops(10.0), 2.7e25, rtol=1e-12)


def test_article_gpu_months_from_the_formula():
    """Article §04: 'equal to 4,211 - 10,528 H100 running for one month'."""
    low = article_flops(4.0)
    high = article_flops(10.0)
    assert round(float(hardware.gpu_months(low, "H100-SXM", "bf16", 1.0, 30.0))) == 4_211
    assert round(float(hardware.gpu_months(high, "H100-SXM", "bf16", 1.0, 30.0))) == 10_528


def test_data_mix_factor():
    """Article §04: (180 / 2) = 90; its stated 50/50 mix with images at 1x implies 0.5 x 180 + 0.5 x 1 = 90.5."""
    assert training.data_mix_factor(180, 0.5) == 90
    assert training.data_mix_factor(180, 0.5, count_images=True) == 90.5
    assert training.data_mix_factor(180, 1.0, count_images=True) == 180
    assert training.data_mix_factor(180, 0.0, count_images=True) == 1


def test_only_sxm_dense_bf16_reproduces_4211():
    """Article §04's 4,211: of the H100 figures (SXM/PCIe, dense/sparse, BF16/FP8), only SXM dense BF16 gives it."""
    rows = training.peak_alternatives(1.08e25)
    hits = [r for r in rows if round(r["gpu_months"]) == 4_211]
    assert [(r["gpu"], r["precision"], r["sparsity"]) for r in hits] == [("H100-SXM", "BF16", "dense")]
    assert len(rows) == 8


def test_factor_rows_end_at_the_estimate():
    rows = training.factor_rows(1e21, 1.0, 4, 30 * 180, 30, 0.5)
    assert [r["factor"] for r in rows] == [1e21, 30, 4, 90]
    assert_allclose(rows[-1]["flops"], 1.08e25, rtol=1e-12)


def test_sensitivity_rows():
    """Chapter 3: the article first; all corrections together = 1.2087 (paper base) x 2 (FLOPs/MAC) x 2.5 x 90.5/90."""
    rows = training.sensitivity_rows(1e21, 1.2086784e21, 30, 4, 10, 180, 0.5, "H100-SXM", "bf16", 1.0, 0.4)
    assert round(rows[0]["low"]) == 4_211 and round(rows[0]["high"]) == 10_528 and rows[0]["ratio"] == 1
    assert_allclose(rows[-1]["ratio"], 1.2086784 * 2 * 2.5 * 90.5 / 90, rtol=1e-12)
    assert_allclose(rows[4]["ratio"], 2.5, rtol=1e-12)


def test_disclosed_budgets():
    """facts.md: Open-Sora 2.0 4,160 H200 GPU-days; Open-Sora 1.0 200 H800-days; Seaweed-7B 665,000 H100 GPU-hours;
    Movie Gen up to 6,144 H100 (a count, not a duration)."""
    rows = {r["model"]: r for r in training.disclosed_rows(30.0)}
    assert_allclose(rows["Seaweed-7B"]["gpu_months"], 665_000 / 24 / 30, rtol=1e-12)
    assert_allclose(rows["Open-Sora 2.0"]["gpu_months"], 4_160 / 30, rtol=1e-12)
    assert_allclose(rows["Open-Sora 1.0"]["gpu_months"], 200 / 30, rtol=1e-12)
    assert rows["Movie Gen"]["gpu_months"] is None and rows["Movie Gen"]["gpus"] == 6_144
    assert {r["tag"] for r in rows.values()} <= {"V", "S", "U", "V/S"}


def test_disclosed_sources_are_in_the_bibliography():
    keys = set(re.findall(r"@\w+\{([^,]+),", (ROOT / "book" / "references.bib").read_text()))
    assert {d.source for d in training.DISCLOSED} <= keys


def test_comparison_bars_skip_counts_without_time():
    bars = training.comparison_bars(30.0, [("estimate", 4211.0)])
    assert [b[2] for b in bars] == ["disclosed"] * 3 + ["estimate"]
    assert not any(b[0].startswith("Movie Gen") for b in bars)
    assert_allclose(training.days_on_cluster(6_144, 6_144), 30.0)


@given(POS, POS, POS, POS, st.floats(0.0, 1.0), st.booleans(), st.floats(0.01, 100))
def test_training_compute_is_linear_in_each_factor(base, model, data, frames, fraction, images, k):
    """Article §04's formula is a product: scaling any one factor by k scales the estimate by k."""
    f = article_flops(data, base, model, frames, fraction, images)
    assert_allclose(article_flops(data, k * base, model, frames, fraction, images), k * f, rtol=1e-12)
    assert_allclose(article_flops(data, base, k * model, frames, fraction, images), k * f, rtol=1e-12)
    assert_allclose(article_flops(k * data, base, model, frames, fraction, images), k * f, rtol=1e-12)


@given(POS, POS, POS, st.floats(1, 1000), st.floats(0.01, 1.0), st.floats(0.01, 100))
def test_linear_in_frames_and_video_share_as_the_article_counts(base, model, data, frames, fraction, k):
    """With the article's method (images not counted), compute is linear in latent frames and in the video share."""
    f = article_flops(data, base, model, frames, fraction)
    assert_allclose(article_flops(data, base, model, k * frames, fraction), k * f, rtol=1e-12)
    if k * fraction <= 1:
        assert_allclose(article_flops(data, base, model, frames, k * fraction), k * f, rtol=1e-12)


@given(st.floats(1, 1000), st.floats(0.0, 1.0))
def test_counting_images_never_lowers_compute(frames, fraction):
    assert training.data_mix_factor(frames, fraction, True) >= training.data_mix_factor(frames, fraction, False)


@pytest.mark.parametrize("scale", [4.0, 10.0])
def test_gpu_months_inversely_proportional_to_peak_times_utilisation(scale):
    """GPU-months x peak x utilisation is the same for every row of the H100 alternatives."""
    flops = article_flops(scale)
    for util in (1.0, 0.4):
        for r in training.peak_alternatives(flops, 30.0, util):
            assert_allclose(r["gpu_months"] * r["peak_tflops"] * 1e12 * util, flops / (30 * 86400), rtol=1e-12)


def test_flops_per_mac_and_arrays():
    """Hand derivation: with 2 FLOPs per multiply-accumulate the estimate doubles (2.16e25); arrays of
    draws give the scalars' values element by element (the Monte Carlo passes arrays)."""
    import numpy as np

    assert_allclose(training.train_flops(1e21, 2.0, 4.0, 5400.0, 30.0, 0.5), 2.16e25, rtol=1e-12)
    scales = np.array([4.0, 10.0])
    assert_allclose(training.train_flops(1e21, 1.0, scales, 5400.0, 30.0, 0.5), [1.08e25, 2.7e25], rtol=1e-12)
    assert type(training.train_flops(1e21, 1.0, 4.0, 5400.0, 30.0, 0.5)) is float
