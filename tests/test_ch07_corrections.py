"""Chapter 7, what the estimate leaves out: its results (sorabook.results.ch07_corrections), its
notebook, and the agreements the issue asked for (issue 15, items 4, 7 and 8)."""

from __future__ import annotations

from numpy.testing import assert_allclose

from sorabook.model import latent
from sorabook.params import Params, defaults, resolve
from sorabook.results import chain, corrections, registry

from test_ch01_latent import check_notebook

STEM = "07-corrections"
ARTICLE = Params(defaults())


def test_notebook_records_its_results_by_key_from_its_parameters():
    check_notebook(STEM)


def test_break_even_moves_by_passes_and_clip_length_which_offset():
    """Item 4, hand derivation: steps and guidance change only inference, 250 passes per video become
    50 x 2 = 100, so the break-even rises 250 / 100 = 2.5x; a corrected minute is three 20 s clips
    while a training sample is one clip, a factor 1/3; together 250 / 300 = 0.833."""
    walk = corrections.walk(ARTICLE, registry.lookup("break-even-minutes-low").evaluate)
    assert_allclose(corrections.factor(walk, ("cfg_passes", "diffusion_steps")), 250 / 100, rtol=1e-12)
    assert_allclose(corrections.factor(walk, ("video_seconds",)), 1 / 3, rtol=1e-12)
    assert_allclose(corrections.factor(walk, ("cfg_passes", "diffusion_steps", "video_seconds")), 250 / 300,
                    rtol=1e-12)
    # the cost of a pass cancels: flops_per_mac and the frame size leave the break-even as it is
    assert_allclose(corrections.factor(walk, ("flops_per_mac",)), 1.0, rtol=1e-12)
    assert_allclose(corrections.factor(walk, ("frame size",)), 1.0, rtol=1e-12)


def test_chapter_7_and_a_corrected_build_state_one_number_for_one_quantity():
    """Item 7: the Sora-class clip of chapter 7 is the corrected scenario's clip, so its minutes per
    GPU-hour are the corrected scenario's chapter-4 value (the old chapter-6 keys are aliases)."""
    corrected, _ = resolve("corrected")
    article = registry.compute(ARTICLE)
    built = registry.compute(corrected)
    for key, base in (("corrected-video-minutes-per-h100-hour", "video-minutes-per-h100-hour"),
                      ("corrected-train-h100-months-low", "train-h100-months-low"),
                      ("corrected-fleet-gpus-peak", "fleet-gpus-peak")):
        assert_allclose(article[key], built[base], rtol=1e-12)
    assert registry.lookup("sora-class-minutes-per-h100-hour").key == "corrected-video-minutes-per-h100-hour"
    assert registry.lookup("sora-class-attention-share").key == "attention-share-corrected"
    # 20 s x 24 fps = 480 frames, / 4 = 120 latent frames of 80 x 45 = 3,600 tokens: 432,000
    assert article["sora-class-tokens"] == 120 * 3600
    # the clip's seconds at the calibrated utilisation give its minutes per GPU-hour (a minute is three clips)
    assert_allclose(article["sora-minute-h100-seconds"], 3 * article["sora-class-h100-seconds"], rtol=1e-12)
    assert_allclose(60 * 60 / article["sora-minute-h100-seconds"], article["corrected-video-minutes-per-h100-hour"],
                    rtol=1e-12)


def test_one_latent_frame_rule_for_the_clip():
    """Item 8: the chain and the counted transformer see the same latent frames (480 frames, 4x: 120)."""
    c = corrections.corrected(ARTICLE)
    assert chain.latent_frames(c) == latent.latent_frames(480, 4) == 120
