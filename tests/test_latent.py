"""Latent compression arithmetic (chapter 1)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sorabook import latent


def test_article_image_numbers():
    """Article §02 Detail 1: a 512x512 image has 262,144 pixels and 64x64 = 4,096 latent positions."""
    assert latent.pixel_positions(512, 512) == 262_144
    assert latent.latent_positions(512, 512, 8) == 4_096


def test_dit_tokens_per_image():
    """DiT paper §3: XL/2 at 512x512 sees a 64x64x4 latent cut into 2x2 patches: 32^2 = 1,024 tokens."""
    assert latent.tokens_per_latent_frame(512, 512, 8, 2) == 1_024
    assert latent.tokens_per_latent_frame(256, 256, 8, 2) == 256


def test_compression_of_values():
    """Hand derivation: 512*512*3 pixel values over 64*64*4 latent values = 48."""
    ratio = latent.pixel_values(512, 512, 3) / latent.latent_values(512, 512, 8, 4)
    assert ratio == 48


def test_article_video_numbers():
    """Article §04: 60 s at 24 fps = 1,440 frames; 8x in time -> 180 latent frames."""
    frames = latent.video_frames(60, 24)
    assert frames == 1_440
    assert latent.latent_frames(frames, 8) == 180
    assert latent.tokens_per_video(180, 1_024) == 184_320


def test_pipeline_issue_example():
    """The pipeline issue's check: 30 fps gives 1,800 frames and 225 latent frames."""
    assert latent.latent_frames(latent.video_frames(60, 30), 8) == 225


def test_causal_autoencoder_keeps_first_frame():
    """facts.md / CogVideoX: 49 frames -> 13 latent frames with 4x causal compression."""
    assert latent.latent_frames(49, 4, causal=True) == 13
    assert latent.latent_frames(81, 4, causal=True) == 21  # Wan 2.1: 81 frames -> 21


def test_partial_group_rounds_up():
    assert latent.latent_frames(1500, 8) == 188  # 187.5 latent frames need 188


def test_arrays_and_scalars_agree():
    seconds = np.array([10.0, 20.0, 60.0])
    got = latent.latent_frames(latent.video_frames(seconds, 24.0), 8)
    assert_allclose(got, [30, 60, 180], rtol=0)


@given(st.floats(0.1, 600), st.floats(1, 120), st.integers(1, 16))
def test_latent_frames_bounds(seconds, fps, t):
    """Latent frames cover the frames: frames / t <= latent < frames / t + 1."""
    frames = latent.video_frames(seconds, fps)
    n = latent.latent_frames(frames, t)
    assert frames / t - 1e-6 <= n < frames / t + 1


@given(st.integers(1, 4000), st.integers(1, 8))
def test_more_frames_never_fewer_latent_frames(frames, t):
    assert latent.latent_frames(frames + 1, t) >= latent.latent_frames(frames, t)


def test_autoencoder_table_matches_its_sources():
    """facts.md: HunyuanVideo 4x8x8 with 16 channels; LTX-Video 8x32x32 with 128 channels."""
    by_name = {a.name: a for a in latent.AUTOENCODERS}
    h = by_name["HunyuanVideo 3D VAE"]
    assert (h.temporal, h.spatial, h.channels) == (4, 8, 16)
    ltx = by_name["LTX-Video VAE"]
    assert (ltx.temporal, ltx.spatial, ltx.channels) == (8, 32, 128)
    rows = latent.compare_autoencoders(1440, 512, 512, 2)
    sd = rows[0]
    assert sd["latent_frames"] == 1440 and sd["tokens"] == 1440 * 1024
    assert {r["tag"] for r in rows} <= {"V", "S", "U", "V/S"}
