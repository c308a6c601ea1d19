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
        assert pre.frames == latent.valid_frames(pre.frames, pre.model.vae[0], pre.model.causal, pre.model.patch[0])


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
