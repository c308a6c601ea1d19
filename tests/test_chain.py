"""The chain from parameters to compute, GPU time and GPUs (sorabook.results.chain): each step once."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from sorabook.params import Params, defaults, resolve
from sorabook.results import chain

ARTICLE = Params(defaults())


def test_the_articles_chain_step_by_step():
    """Article §04: 60 s x 24 = 1,440 frames, / 8 = 180 latent frames, 1,024 tokens each; a step is
    524.6e9 x 30 x 180 = 2.833e15 FLOPs, a video 250 of them = 7.082e17; at the H100 SXM's 989.4e12
    FLOP/s a minute takes 715.8 s, so 3600 / 715.8 = 5.03 minutes per GPU-hour."""
    assert chain.frames(ARTICLE) == 1440 and chain.latent_frames(ARTICLE) == 180
    assert chain.tokens_per_frame(ARTICLE) == chain.tokens_per_image(ARTICLE) == 1024
    assert_allclose(chain.sample_factor(ARTICLE, 180), 30 * 180, rtol=1e-15)
    assert_allclose(chain.video_step_flops(ARTICLE), 524.6e9 * 30 * 180, rtol=1e-15)
    assert_allclose(chain.video_flops(ARTICLE), 524.6e9 * 30 * 180 * 250, rtol=1e-15)
    assert_allclose(chain.minutes_per_gpu_hour(ARTICLE), 3600 / (524.6e9 * 30 * 180 * 250 / 989.4e12), rtol=1e-12)
    assert_allclose(chain.fleet_supply(ARTICLE), 24 * chain.minutes_per_gpu_hour(ARTICLE), rtol=1e-12)


def test_dit_keeps_its_own_sampling_steps():
    """Issue 15 item 5: the video's 50 steps do not change DiT's 250 (524.6e9 x 2 x 2 x 250 = 5.246e14)."""
    corrected, _ = resolve("corrected")
    assert_allclose(chain.dit_image_flops(corrected), 524.6e9 * 2 * 2 * 250, rtol=1e-15)


def test_one_place_chooses_the_utilisation():
    """Training reads train_utilization; inference and the fleet their parameters, or with
    measured_utilization the calibrated value (chapter 6)."""
    p = ARTICLE.replace(inference_utilization=0.5, fleet_utilization=0.25, train_utilization=0.4)
    assert (chain.utilization(p, "train"), chain.utilization(p, "inference"), chain.utilization(p, "fleet")) \
        == (0.4, 0.5, 0.25)
    m = p.replace(measured_utilization=True)
    assert chain.utilization(m, "inference") == chain.utilization(m, "fleet") == chain.fitted_utilization(m)
    assert 0.05 < chain.fitted_utilization(m) < 1
    assert chain.utilization(m, "train") == 0.4
    assert_allclose(chain.minutes_per_gpu_hour(p), 0.5 * chain.minutes_per_gpu_hour(ARTICLE), rtol=1e-12)


def test_the_chain_takes_arrays_as_the_monte_carlo_passes_them():
    steps = np.array([50, 250])
    p = Params({**defaults(), "diffusion_steps": steps})
    assert_allclose(chain.video_flops(p), 524.6e9 * 30 * 180 * steps, rtol=1e-15)


def test_staged_training_prices_most_samples_as_short_low_resolution_clips():
    """Hand derivation at the article's inputs (linear count, 8x temporal compression): a full clip
    is 30 x 180 = 5,400 DiT passes; a 64-frame 256 x 256 clip is 30 x (64 / 8) x (16 x 16 / 1,024)
    = 60. With half the samples full: 0.5 x 5,400 + 0.5 x 60 = 2,730; the article's 1.0 keeps
    5,400, and the training compute scales with the factor."""
    p = Params(defaults())
    assert chain.train_video_factor(p) == 5_400
    half = p.replace(train_full_share=0.5)
    assert_allclose(chain.train_video_factor(half), 2_730, rtol=1e-12)
    assert_allclose(chain.sora_train_flops(half, 4.0) / chain.sora_train_flops(p, 4.0), 2_730 / 5_400, rtol=1e-12)
    shares = np.array([0.0, 0.5, 1.0])
    staged = Params({**defaults(), "train_full_share": shares})
    assert_allclose(chain.train_video_factor(staged), [60, 2_730, 5_400], rtol=1e-12)
