"""Latent compression arithmetic (chapter 1): the one tokeniser and the one latent-frame rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sorabook.model import latent


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


def test_scalars_come_back_as_floats():
    """Plain numbers in, plain floats out (the counts are floats: no fixed-width integer overflows)."""
    for value in (latent.pixel_positions(512, 512), latent.latent_frames(1440, 8), latent.video_frames(60, 24),
                  latent.tokens_per_latent_frame(512, 512, 8, 2), latent.tokens_per_video(180, 1024),
                  latent.compression_ratio(512, 512, 3, 8, 4)):
        assert type(value) is float


def test_sides_are_padded_as_an_encoder_pads():
    """Hand derivation: 1920x1080 at 8 x 2 is counted as 1920x1088: 120 x 68 = 8,160 tokens; a side
    of 1279 as 1280. Padding once by f·p equals padding by f, then by p: ceil(ceil(x / f) / p)."""
    assert latent.tokens_per_latent_frame(1920, 1080, 8, 2) == 120 * 68
    assert latent.tokens_per_latent_frame(1279, 720, 8, 2) == latent.tokens_per_latent_frame(1280, 720, 8, 2)
    assert latent.tokens_per_latent_frame(1000, 700, 8, 2) == 63 * 44  # 125 -> 63 patches, 87.5 -> 88 -> 44


def test_height_factors_may_differ():
    """Hand derivation: 64 x 48 pixels, width 8 x 2 (-> 4), height 4 x 1 (-> 12): 48 tokens."""
    assert latent.tokens_per_latent_frame(64, 48, 8, 2, height_compression=4, height_patch=1) == 48


def test_latent_frames_padded_to_the_temporal_patch():
    """CogVideoX 1.5's rule: 81 frames, causal t = 4 -> 21 latent frames, padded to 22 for a temporal
    patch of 2; 49 -> 13 -> 14; non-causal 1,440 / 8 = 180 is already even."""
    assert latent.latent_frames(81, 4, causal=True, temporal_patch=2) == 22
    assert latent.latent_frames(49, 4, causal=True, temporal_patch=2) == 14
    assert latent.latent_frames(1440, 8, temporal_patch=2) == 180
    assert latent.tokens_per_video(22, 3600, temporal_patch=2) == 11 * 3600


def test_valid_sizes():
    """Hand derivation: 1080 -> 1088 (multiple of 16); 480 frames -> 481 (1 + 4k); non-causal 8x:
    1,440 stays; causal t = 4 with a temporal patch of 2: 81 -> 85 (22 latent frames)."""
    assert latent.valid_side(1080, 16) == 1088
    assert latent.valid_frames(480, 4, True) == 481
    assert latent.valid_frames(1440, 8, False) == 1440
    assert latent.valid_frames(81, 4, True, 2) == 85
    assert latent.latent_frames(85, 4, True, 2) == 22


def _needs_no_padding(frames, t, causal, pt):
    rest = frames - 1 if causal else frames
    if rest % t:
        return False
    return (rest // t + (1 if causal else 0)) % pt == 0


@given(st.integers(1, 3000), st.integers(1, 8), st.booleans(), st.integers(1, 4))
def test_next_valid_frame_count_is_valid_and_nearest(frames, t, causal, pt):
    """A suggested frame count (the "next valid" of any message) needs no padding itself, is at or
    above the request and is the nearest such count; its latent frames are the exact division."""
    v = latent.valid_frames(frames, t, causal, pt)
    assert v >= frames and _needs_no_padding(v, t, causal, pt)
    assert not any(_needs_no_padding(f, t, causal, pt) for f in range(frames, v))
    exact = (v - 1) // t + 1 if causal else v // t
    assert latent.latent_frames(v, t, causal, pt) == exact


@given(st.integers(1, 3000), st.integers(1, 8), st.booleans(), st.integers(1, 4))
def test_padding_never_loses_frames(frames, t, causal, pt):
    """The padded latent frames hold the clip: a multiple of p_t, and at least the unpadded count."""
    n = latent.latent_frames(frames, t, causal, pt)
    assert n % pt == 0
    unpadded = 1 + -(-(frames - 1) // t) if causal else -(-frames // t)
    assert unpadded <= n < unpadded + pt


@pytest.mark.parametrize("frames", [49, 1440, 81])
def test_causal_and_plain_agree_without_compression(frames):
    """With t = 1 the causal rule is the plain one: every frame is a latent frame."""
    assert latent.latent_frames(frames, 1, causal=True) == latent.latent_frames(frames, 1) == frames


def test_floor_rule_drops_a_partial_group():
    """diffusers MochiPipeline.prepare_latents: ``(num_frames - 1) // 6 + 1``: 84 frames -> 83 // 6 + 1 =
    14 (the pad rule counts 1 + ceil(83 / 6) = 15); 163 -> 162 // 6 + 1 = 28 under both rules. CogVideoX
    1.5 (t = 4, p_t = 2): 81 -> 80 // 4 + 1 = 21 -> 22; 86 -> 85 // 4 + 1 = 22 (pad: 1 + 22 = 23 -> 24)."""
    assert latent.latent_frames(84, 6, True, rule="floor") == 14
    assert latent.latent_frames(84, 6, True) == 15
    assert latent.latent_frames(163, 6, True, rule="floor") == latent.latent_frames(163, 6, True) == 28
    assert latent.latent_frames(81, 4, True, 2, rule="floor") == 22
    assert latent.latent_frames(86, 4, True, 2, rule="floor") == 22
    assert latent.latent_frames(86, 4, True, 2) == 24
    assert latent.latent_frames(7, 8, rule="floor") == 1  # non-causal: max(1, 7 // 8)


def test_chunk_rule_is_step_videos():
    """Step-Video-T2V, stepvideo/diffusion/video_pipeline.py: ``max(num_frames // 17 * 3, 1)`` latent
    frames: 204 = 12 chunks of 17 -> 36; 210 -> 12 chunks -> 36; 17 -> 3; 16 -> 0 chunks, kept as 1."""
    for frames, expected in ((204, 36), (210, 36), (17, 3), (16, 1), (1, 1)):
        assert latent.latent_frames(frames, 8, True, rule="chunk:17:3") == expected, frames


def test_valid_frames_follow_the_rule():
    """Hand derivation: floor keeps what the pipeline runs (Mochi 84 -> 14 latent frames -> 1 + 6 x 13 = 79
    frames; CogVideoX 1.5 81 -> 22 -> 1 + 4 x 21 = 85); chunks keep whole chunks (210 -> 204, 5 -> 1)."""
    assert latent.valid_frames(84, 6, True, rule="floor") == 79
    assert latent.valid_frames(163, 6, True, rule="floor") == 163
    assert latent.valid_frames(81, 4, True, 2, rule="floor") == 85
    assert latent.valid_frames(210, 8, True, rule="chunk:17:3") == 204
    assert latent.valid_frames(204, 8, True, rule="chunk:17:3") == 204
    assert latent.valid_frames(5, 8, True, rule="chunk:17:3") == 1


@pytest.mark.parametrize("rule", ["", "ceil", "chunk:17", "chunk:0:3", "chunk:a:3", None])
def test_unknown_frame_rules_are_refused(rule):
    """Only the rules of FRAME_RULES are counted."""
    with pytest.raises(ValueError, match="frame rule"):
        latent.latent_frames(81, 4, True, rule=rule)


_RULES = st.sampled_from(["pad", "floor", "chunk:17:3", "chunk:5:2"])


@given(st.integers(1, 3000), st.integers(1, 8), st.booleans(), st.integers(1, 4), _RULES)
def test_valid_frames_are_a_fixed_point_of_each_rule(frames, t, causal, pt, rule):
    """Definition: the suggested clip has the latent frames of the request, and is its own suggestion;
    the floor rule never counts more latent frames than the pad rule."""
    v = latent.valid_frames(frames, t, causal, pt, rule)
    n = latent.latent_frames(frames, t, causal, pt, rule)
    assert v >= 1 and n >= 1 and n % pt == 0
    assert latent.latent_frames(v, t, causal, pt, rule) == n
    assert latent.valid_frames(v, t, causal, pt, rule) == v
    assert latent.latent_frames(frames, t, causal, pt, "floor") <= latent.latent_frames(frames, t, causal, pt)


@pytest.mark.parametrize("rule", ["pad", "floor", "chunk:17:3"])
def test_frame_rules_take_arrays(rule):
    """The rules are plain operators: an array of frame counts gives the counts one by one."""
    frames = np.array([1, 16, 84, 163, 204])
    got = latent.latent_frames(frames, 6, True, 1, rule)
    assert_allclose(got, [latent.latent_frames(int(f), 6, True, 1, rule) for f in frames], rtol=0)
