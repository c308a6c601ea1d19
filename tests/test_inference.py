"""Inference compute, throughput and break-even (chapter 4)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sorabook.model import inference


def image_flops(table_flops_per_step, steps):
    """One DiT image: a step (the table's unit read as FLOPs, 1 pass) x the denoising steps."""
    return inference.flops_per_output(inference.flops_per_step(table_flops_per_step), steps)


def test_dit_image_flops():
    """Article §04: 524 x 10^9 FLOPs per step x 250 steps = 131 x 10^12 FLOPs per image.

    With the DiT paper's Table 4 value 524.60 x 10^9 the product is 131.15 x 10^12 (hand derivation).
    """
    assert_allclose(image_flops(524e9, 250), 131e12, rtol=1e-12)
    assert_allclose(image_flops(524.6e9, 250), 131.15e12, rtol=1e-12)


def test_guidance_and_flop_convention_multiply_the_step():
    """facts.md: classifier-free guidance runs two forward passes per step; flops_per_mac scales the table unit."""
    assert_allclose(inference.flops_per_step(524.6e9, 2.0, 2), 4 * 524.6e9, rtol=1e-12)


def test_dit_break_even():
    """Article §04: DiT breaks even after 7.6 million images (10^21 / 131.15 x 10^12 = 7.62 million)."""
    assert_allclose(inference.break_even_outputs(1e21, 131.15e12), 7.6249e6, rtol=1e-4)
    assert round(float(inference.break_even_outputs(1e21, 131e12)) / 1e6, 1) == 7.6


def test_video_flops_per_video():
    """Article §04: 2.8 x 10^15 FLOPs per step x 250 = 708 x 10^15 per video.

    Hand derivation with the table's 524.6 x 10^9 x 30 x 180 = 2.83284 x 10^15 per step: 708.21 x 10^15.
    """
    assert_allclose(inference.flops_per_output(2.83284e15, 250), 708.21e15, rtol=1e-12)


def test_per_minute_differs_from_per_video_for_other_lengths():
    """Hand derivation: a 20 s video costing X costs 3X per minute; a 60 s video costs the same per minute."""
    assert inference.flops_per_minute(7e17, 60.0) == 7e17
    assert_allclose(inference.flops_per_minute(1e17, 20.0), 3e17, rtol=1e-12)


def test_minutes_per_h100_hour():
    """Article §04: about 5 minutes per H100-hour. Hand derivation: 989.4e12 x 3600 / 708.21e15 = 5.0294."""
    assert_allclose(inference.minutes_per_gpu_hour(708.21e15, "H100-SXM"), 5.02936, rtol=1e-5)
    assert_allclose(inference.minutes_per_gpu_day(708.21e15, "H100-SXM"), 24 * 5.02936, rtol=1e-5)
    # half the utilisation, half the minutes; FP8 doubles the dense peak (facts.md: 1978.9 vs 989.4)
    assert_allclose(inference.minutes_per_gpu_hour(708.21e15, "H100-SXM", utilization=0.5), 5.02936 / 2, rtol=1e-5)
    assert_allclose(inference.minutes_per_gpu_hour(708.21e15, "H100-SXM", "fp8"), 5.02936 * 1978.9 / 989.4,
                    rtol=1e-5)


def test_sora_break_even():
    """Article §04: 15.3 million (conservative) and 38.1 million (optimistic) minutes.

    Hand derivation: 1.08e25 / 708.21e15 = 15.2497 million; 2.7e25 / 708.21e15 = 38.1243 million.
    """
    assert_allclose(inference.break_even_outputs(1.08e25, 708.21e15), 15.2497e6, rtol=1e-5)
    assert_allclose(inference.break_even_outputs(2.7e25, 708.21e15), 38.1243e6, rtol=1e-5)


def test_days_of_volume():
    """Article §04 reference volumes: 7.6M images over 95M a day; 15.3M minutes over 43M a day (hand)."""
    assert_allclose(inference.days_of_volume(7.6e6, 95e6), 0.08, rtol=1e-12)
    assert_allclose(inference.days_of_volume(43e6, 43e6), 1.0, rtol=0)


def test_llm_documents():
    """Article §04: FLOPs = 2 x parameters x tokens. Llama-2-70B: 2 x 70e9 x 1000 = 1.4e14;
    GPT-4 (2 active 220B experts): 2 x 440e9 x 1000 = 8.8e14 (hand derivation)."""
    assert_allclose(inference.llm_flops_per_document(70e9, 1000), 1.4e14, rtol=1e-12)
    assert_allclose(inference.llm_flops_per_document(inference.moe_active_params(220e9, 2), 1000), 8.8e14, rtol=1e-12)


def test_break_even_curve_crosses_training_at_break_even():
    """Hand derivation: the cumulative line reaches the training compute at training / per-output."""
    outputs, cumulative = inference.break_even_curve(708.21e15, 2.7e25)
    assert outputs[0] == 0 and cumulative[0] == 0
    assert_allclose(outputs[-1], 1.25 * 2.7e25 / 708.21e15, rtol=1e-12)
    assert_allclose(cumulative, outputs * 708.21e15, rtol=1e-12)


def test_report_defaults_reproduce_the_article():
    """The chapter-4 claims all agree at the article's defaults (article §04's printed numbers)."""
    from sorabook.results import registry as report

    rows = report.check_claims("04-inference-break-even")
    assert {r["key"] for r in rows} >= {"dit-image-flops", "dit-break-even-images", "video-flops-per-step",
                                        "video-flops-per-video", "video-minutes-per-h100-hour",
                                        "break-even-minutes-low", "break-even-minutes-high"}
    assert all(r["verdict"] == "agrees" for r in rows), rows


def test_fifty_steps_gives_five_times_the_minutes():
    """The issue's done-criterion: --set diffusion_steps=50 multiplies minutes per H100-hour by exactly 5."""
    from sorabook.params import resolve
    from sorabook.results import registry as report

    base = report.compute(resolve()[0], ["04-inference-break-even"])
    fifty = report.compute(resolve(sets=["diffusion_steps=50"])[0], ["04-inference-break-even"])
    assert_allclose(fifty["video-minutes-per-h100-hour"], 5 * base["video-minutes-per-h100-hour"], rtol=1e-12)
    assert_allclose(fifty["break-even-minutes-low"], 5 * base["break-even-minutes-low"], rtol=1e-12)


def test_arrays_and_scalars_agree():
    """One function serves a point and a sweep (style.md); plain numbers give plain floats."""
    steps = np.array([50, 100, 250])
    got = image_flops(524.6e9, steps)
    assert_allclose(got, [image_flops(524.6e9, int(s)) for s in steps], rtol=0)
    assert type(image_flops(524.6e9, 250)) is float
    assert type(inference.minutes_per_gpu_hour(708.21e15, "H100-SXM")) is float


positive = st.floats(1e-3, 1e6)
flops = st.floats(1e9, 1e30)


@given(flops, flops)
def test_break_even_is_training_over_per_output(train, per_output):
    """Invariant (style.md): break-even x per-output cost = training compute."""
    n = inference.break_even_outputs(train, per_output)
    assert_allclose(inference.cumulative_inference_flops(n, per_output), train, rtol=1e-12)


@given(st.integers(1, 5000), st.integers(1, 5000))
def test_more_steps_never_cost_less(a, b):
    """Invariant (style.md): more diffusion steps never cost less, and cost is linear in steps."""
    lo, hi = sorted((a, b))
    assert image_flops(524.6e9, lo) <= image_flops(524.6e9, hi)
    assert_allclose(image_flops(524.6e9, hi) * lo, image_flops(524.6e9, lo) * hi, rtol=1e-12)


@given(positive, positive, st.floats(0.01, 1.0))
def test_throughput_inverse_in_compute_linear_in_utilisation(scale, other, util):
    """Invariant: minutes per GPU-hour x FLOPs per minute = peak x utilisation x 3600 s."""
    f = 708.21e15 * scale
    assert_allclose(inference.minutes_per_gpu_hour(f, "H100-SXM", "bf16", util) * f, 989.4e12 * util * 3600,
                    rtol=1e-12)
