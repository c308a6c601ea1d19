"""The published video transformers (presets) and the Sora-class shape."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from numpy.testing import assert_allclose

from sorabook.model import latent, predict, presets, transformer

BIB = Path(__file__).resolve().parents[1] / "book" / "references.bib"

#: The presets issue 5 asks for.
REQUIRED = ("dit-xl-2", "wan2.1-14b", "wan2.1-1.3b", "hunyuanvideo", "cogvideox-2b", "cogvideox-5b", "mochi-1",
            "step-video-t2v", "sora-article", "sora-corrected")


def test_every_required_preset_exists_with_sources_and_assumptions():
    """Issue 5: every preset carries its sources with a confidence tag, a bibliography key, and
    states what it assumes; every preset's default video is one the model takes without padding."""
    keys = set(re.findall(r"^@\w+\{([^,]+),", BIB.read_text(), flags=re.M))
    assert set(REQUIRED) <= set(presets.PRESETS)
    for name in REQUIRED:
        pre = presets.PRESETS[name]
        assert pre.sources and all(re.search(r"\[[VSU]\]", s) for s in pre.sources), name
        assert pre.assumptions, name
        assert pre.citation in keys, name
        r = predict.predict(pre.model, pre.width, pre.height, pre.frames, pre.steps, pre.cfg_passes)
        assert r["flops_per_video"] > 0
        assert (pre.width, pre.height) == tuple(latent.valid_side(x, pre.model.vae[2] * pre.model.patch[2])
                                                for x in (pre.width, pre.height))
        m = pre.model
        assert pre.frames == latent.valid_frames(pre.frames, m.vae[0], m.causal, m.patch[0], m.frame_rule)


@pytest.mark.parametrize("name, field", [("wan2.1-14b", "patch"), ("wan2.1-14b", "text"), ("hunyuanvideo", "U"),
                                         ("mochi-1", "patch"), ("step-video-t2v", "patch")])
def test_fields_tagged_u_in_facts_are_stated_as_assumptions(name, field):
    """facts.md, "Architectures of open video transformers": fields tagged U must be assumptions."""
    assert any(field in a for a in presets.PRESETS[name].assumptions)


def test_preset_values_from_facts():
    """facts.md, architectures table [V]: Wan 2.1 14B 40 x 5120, 40 heads x 128, FFN 13824; CogVideoX-5B
    42 x 3072, 48 x 64; Step-Video-T2V 48 layers, 48 x 128; Mochi 1 48 layers, 24 x 128, VAE 6x8x8, 12 ch."""
    wan = presets.PRESETS["wan2.1-14b"].model
    assert (wan.layers, wan.hidden, wan.heads, wan.attention_width, wan.ffn) == (40, 5120, 40, 5120, 13824)
    cog = presets.PRESETS["cogvideox-5b"].model
    assert (cog.layers, cog.hidden, cog.heads, cog.attention_width) == (42, 3072, 48, 3072)
    step = presets.PRESETS["step-video-t2v"].model
    assert (step.layers, step.heads, step.attention_width) == (48, 48, 6144)
    mochi = presets.PRESETS["mochi-1"].model
    assert (mochi.layers, mochi.heads, mochi.vae, mochi.latent_channels) == (48, 24, (6, 8, 8), 12)


def test_counted_parameters_near_announced_sizes():
    """Announced sizes (facts.md): Wan 14B and 1.3B, Step-Video 30B, DiT-XL/2 675M within 10 %; the
    parameter count is independent of the compute count, so this checks the shapes."""
    for name in ("dit-xl-2", "wan2.1-14b", "wan2.1-1.3b", "step-video-t2v"):
        pre = presets.PRESETS[name]
        assert_allclose(transformer.param_count(pre.model), pre.nominal_params, rtol=0.10, err_msg=name)


def test_sora_corrected_shape_and_video():
    """Chapter 6's rule: Wan 2.1 14B's shape at 20e9 parameters is 45 layers x 5,760; Sora's 1080p,
    20 s at 24 fps clip is taken as 1920x1088 (a multiple of 16) and 481 frames (1 + 4k)."""
    model = presets.sora_corrected_model(20e9)
    assert (model.layers, model.hidden, model.heads) == (45, 5760, 45)
    assert presets.sora_class_video(1920, 1080, 20.0, 24.0, model) == (1920, 1088, 481)
    pre = presets.get_preset("sora-corrected")
    assert (pre.width, pre.height, pre.frames) == (1920, 1088, 481)


def test_unknown_preset_names_the_nearest():
    """Errors are for people: an unknown name raises KeyError naming the nearest preset."""
    with pytest.raises(KeyError, match="did you mean 'wan2.1-14b'"):
        presets.get_preset("wan2.1-14c")


def test_preset_rows():
    """One row per preset with counted parameters and the confidence tags of its sources."""
    rows = {r["name"]: r for r in presets.preset_rows()}
    assert set(rows) == set(presets.PRESETS)
    assert rows["dit-xl-2"]["params"] == 674_834_720  # hand derivation in test_dit
    assert rows["wan2.1-14b"]["tag"] == "V"


#: The presets issue 5's successors ask for (pipelines of 2025).
NEW = ("cogvideox1.5-5b", "wan2.2-a14b", "open-sora-2.0", "ltx-video")


@pytest.mark.parametrize("name", NEW)
def test_new_presets_carry_sources_assumptions_and_a_citation(name):
    """Every new preset is sourced (tagged), states what it assumes and cites a bibliography key; its
    sides need no padding and its frames cost what the pipeline runs (CogVideoX 1.5's 81 frames are
    counted as the 85 whose 22 latent frames the pipeline denoises)."""
    keys = set(re.findall(r"^@\w+\{([^,]+),", BIB.read_text(), flags=re.M))
    pre = presets.PRESETS[name]
    m = pre.model
    assert pre.sources and all(re.search(r"\[[VSU]\]", s) for s in pre.sources)
    assert pre.assumptions and pre.citation in keys
    assert (pre.width, pre.height) == tuple(latent.valid_side(x, m.vae[2] * m.patch[2]) for x in (pre.width, pre.height))
    valid = latent.valid_frames(pre.frames, m.vae[0], m.causal, m.patch[0], m.frame_rule)
    assert latent.latent_frames(valid, m.vae[0], m.causal, m.patch[0], m.frame_rule) == \
        latent.latent_frames(pre.frames, m.vae[0], m.causal, m.patch[0], m.frame_rule)


@pytest.mark.parametrize("name, latent_frames, per_frame, video_tokens", [
    # Wan 2.2 A14B, 1280x720, 81 frames: 1 + 80 / 4 = 21 latent frames x (720 / 16 = 45) x (1280 / 16 = 80).
    ("wan2.2-a14b", 21, 3600, 75_600),
    # CogVideoX1.5-5B, 1360x768, 81 frames: 80 // 4 + 1 = 21, padded to 22 = 11 temporal patches;
    # (1360 / 16 = 85) x (768 / 16 = 48) = 4,080 tokens per latent frame; 11 x 4,080 = 44,880.
    ("cogvideox1.5-5b", 22, 4080, 44_880),
    # Open-Sora 2.0, 1024x576, 129 frames: 1 + 128 / 4 = 33 x (576 / 16 = 36) x (1024 / 16 = 64) = 76,032.
    ("open-sora-2.0", 33, 2304, 76_032),
    # LTX-Video, 704x512, 161 frames: 160 // 8 + 1 = 21 x (512 / 32 = 16) x (704 / 32 = 22) = 7,392.
    ("ltx-video", 21, 352, 7_392),
    # Step-Video-T2V, 992x544, 204 frames: 204 // 17 x 3 = 36 x (544 / 16 = 34) x (992 / 16 = 62) = 75,888.
    ("step-video-t2v", 36, 2108, 75_888),
    # Mochi 1, 848x480, 163 frames: 162 // 6 + 1 = 28 x (480 / 16 = 30) x (848 / 16 = 53) = 44,520 (facts.md).
    ("mochi-1", 28, 1590, 44_520),
])
def test_tokens_at_the_default_video(name, latent_frames, per_frame, video_tokens):
    """Hand derivations in the parameters (autoencoder x patch per side; the pipeline's frame rule)."""
    pre = presets.PRESETS[name]
    tk = transformer.tokens(pre.model, pre.width, pre.height, pre.frames)
    assert (tk["latent_frames"], tk["tokens_per_frame"], tk["video_tokens"]) == (latent_frames, per_frame, video_tokens)


def test_frame_rules_of_the_pipelines():
    """Mochi 1 (diffusers, floor): 84 frames -> 14 latent frames, 163 -> 28; Step-Video-T2V (chunks of
    17 frames -> 3): 204 -> 36; CogVideoX1.5 (floor, then padded to the temporal patch 2): 81 -> 22."""
    def lat(name, frames):
        return transformer.tokens(presets.PRESETS[name].model, 256, 256, frames)["latent_frames"]

    assert (lat("mochi-1", 84), lat("mochi-1", 163)) == (14, 28)
    assert lat("step-video-t2v", 204) == 36
    assert lat("cogvideox1.5-5b", 81) == 22


def test_new_preset_shapes_and_sampling():
    """Configurations read (sources of each preset): Wan 2.2 A14B is Wan 2.1 14B's shape sampled in 40
    steps; Open-Sora 2.0 19 double + 38 single blocks of 3072, 3 passes per step (its I2V denoiser's batch
    of 3); CogVideoX1.5-5B 42 x 3072 with a 2x2x2 patch; LTX-Video 28 x 2048, VAE 8x32x32 with 128 channels."""
    wan22, wan21 = presets.PRESETS["wan2.2-a14b"], presets.PRESETS["wan2.1-14b"]
    assert transformer.param_count(wan22.model) == transformer.param_count(wan21.model)
    assert (wan22.steps, wan22.cfg_passes) == (40, 2)
    osr = presets.PRESETS["open-sora-2.0"]
    assert (osr.model.layers, osr.model.dual_stream_layers, osr.model.hidden, osr.cfg_passes) == (57, 19, 3072, 3)
    cog = presets.PRESETS["cogvideox1.5-5b"].model
    assert (cog.layers, cog.hidden, cog.patch, cog.frame_rule) == (42, 3072, (2, 2, 2), "floor")
    ltx = presets.PRESETS["ltx-video"].model
    assert (ltx.layers, ltx.hidden, ltx.vae, ltx.latent_channels) == (28, 2048, (8, 32, 32), 128)
    assert any("27B" in a for a in wan22.assumptions)
