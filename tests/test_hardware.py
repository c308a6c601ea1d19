"""The GPU catalogue and the conversions of FLOPs to GPU time."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sorabook.model import hardware

GPU_PRECISION = st.sampled_from([(g, pr) for g in hardware.GPUS for pr in hardware.PRECISIONS
                                 if not (g == "A100-SXM" and pr == "fp8")])
UTIL = st.floats(0.01, 1.0)


def test_catalogue_matches_facts():
    """facts.md, dense peaks: H100 SXM 989.4 BF16 / 1978.9 FP8 TFLOP/s, H100 PCIe 756, A100 312, 700 W."""
    assert hardware.peak_flops_per_s("H100-SXM") == 989.4e12
    assert hardware.peak_flops_per_s("H100-SXM", "fp8") == 1978.9e12
    assert hardware.peak_flops_per_s("H100-PCIe") == 756e12
    assert hardware.peak_flops_per_s("A100-SXM") == 312e12
    assert hardware.board_power_w("H100-SXM") == 700.0
    assert {g.tag for g in hardware.GPUS.values()} <= {"V", "S", "U"}


def test_sparse_peak_is_twice_dense():
    """facts.md: H100 SXM with 2:4 sparsity, 1978.9 BF16 / 3957.8 FP8 TFLOP/s."""
    assert_allclose(hardware.peak_flops_per_s("H100-SXM", "bf16", sparse=True), 1978.9e12, rtol=1e-4)
    assert hardware.peak_flops_per_s("H100-SXM", "fp8", sparse=True) == 3957.8e12


def test_a100_has_no_fp8():
    with pytest.raises(ValueError, match="no dense fp8"):
        hardware.peak_flops_per_s("A100-SXM", "fp8")


def test_article_gpu_months():
    """Article §04: 1.08e25 FLOPs = 4,211 H100-months and 2.7e25 = 10,528 (H100 SXM dense BF16, 30-day months)."""
    assert round(float(hardware.gpu_months(1.08e25, "H100-SXM"))) == 4_211
    assert round(float(hardware.gpu_months(2.7e25, "H100-SXM"))) == 10_528


def test_article_dit_days():
    """Article §04: 1e21 FLOPs is 'one H100 for 12 days' (11.7 at the dense BF16 peak) or 0.4 H100-months."""
    assert_allclose(hardware.gpu_days(1e21, "H100-SXM"), 11.698, rtol=1e-4)
    assert round(float(hardware.gpu_months(1e21, "H100-SXM")), 1) == 0.4


def test_units_are_consistent():
    flops = 3.6e18
    s = hardware.gpu_seconds(flops, "H100-SXM")
    assert_allclose(hardware.gpu_hours(flops, "H100-SXM"), s / 3600, rtol=1e-12)
    assert_allclose(hardware.gpu_days(flops, "H100-SXM"), s / 86400, rtol=1e-12)
    assert_allclose(hardware.gpu_months(flops, "H100-SXM", days_per_month=31), s / 86400 / 31, rtol=1e-12)


def test_arrays():
    got = hardware.gpu_months(np.array([1.08e25, 2.7e25]), "H100-SXM", utilization=np.array([1.0, 0.4]))
    assert_allclose(got, [4211.3065, 26320.666], rtol=1e-6)


@given(st.floats(1e15, 1e27), GPU_PRECISION, UTIL, UTIL)
def test_gpu_time_inversely_proportional_to_utilisation(flops, gp, u1, u2):
    """GPU-months x utilisation is constant: twice the utilisation, half the GPU time."""
    gpu, precision = gp
    a = hardware.gpu_months(flops, gpu, precision, u1)
    b = hardware.gpu_months(flops, gpu, precision, u2)
    assert_allclose(a * u1, b * u2, rtol=1e-12)


@given(st.floats(1e15, 1e27), GPU_PRECISION, GPU_PRECISION, UTIL)
def test_gpu_time_inversely_proportional_to_peak(flops, g1, g2, util):
    """GPU-months x peak FLOP/s x utilisation = FLOPs / seconds per month, whatever the GPU."""
    for gpu, precision in (g1, g2):
        months = hardware.gpu_months(flops, gpu, precision, util)
        product = months * hardware.peak_flops_per_s(gpu, precision) * util
        assert_allclose(product, flops / (30 * 86400), rtol=1e-12)


@given(st.floats(1e15, 1e27), st.floats(1e15, 1e27))
def test_gpu_time_additive_in_flops(a, b):
    assert_allclose(hardware.gpu_hours(a + b, "H100-SXM"),
                    hardware.gpu_hours(a, "H100-SXM") + hardware.gpu_hours(b, "H100-SXM"), rtol=1e-12)


def test_sparse_peak_halves_the_time():
    """Definition (gpu_seconds = FLOPs / (peak x utilisation)); facts.md: the 2:4-sparse peak is twice the dense."""
    dense = hardware.gpu_seconds(1.08e25, "H100-SXM", "bf16", 0.4)
    assert_allclose(hardware.gpu_seconds(1.08e25, "H100-SXM", "bf16", 0.4, sparse=True), dense / 2, rtol=1e-12)
    assert_allclose(dense, 1.08e25 / (989.4e12 * 0.4), rtol=1e-15)


def test_scalars_come_back_as_floats():
    """Plain numbers in, plain floats out (no NumPy scalar: style.md)."""
    for f in (hardware.gpu_seconds, hardware.gpu_hours, hardware.gpu_days, hardware.gpu_months):
        assert type(f(1e21, "H100-SXM")) is float
    assert hardware.peak_tflops("H100-SXM") == 989.4
