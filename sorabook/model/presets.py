"""Published (and hypothesised) video transformers: their shapes, sources and default videos.

Each preset of ``sorabook predict --model NAME`` is a :class:`sorabook.model.transformer.VideoDiT`
with its default video and sampling; every field carries its source and confidence tag from the
project's facts file (V primary, S secondary, U unverified), and every undisclosed field is
stated as an assumption. :func:`sora_corrected_model` is the book's Sora-class transformer: Wan
2.1 14B's architecture scaled to a parameter budget (:mod:`sorabook.model.scaling`).
Standard library only.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sorabook.model import latent, scaling, transformer
from sorabook.model.transformer import VideoDiT

__all__ = [
    "PRESETS",
    "Preset",
    "SORA_TEMPLATE",
    "get_preset",
    "preset_rows",
    "sora_class_video",
    "sora_corrected_model",
]


@dataclass(frozen=True)
class Preset:
    """A published (or hypothesised) video transformer and its default video.

    ``sources`` lists what was read where, each with its confidence tag (V: primary source,
    S: secondary, U: unverified); ``assumptions`` states every value that the sources do not
    disclose (or that facts.md tags U) and why it was chosen. ``nominal_params`` is the size
    the authors announce. ``fps`` converts frames to seconds of video (``None`` for images).
    """

    name: str
    model: VideoDiT
    width: int
    height: int
    frames: int
    steps: int
    cfg_passes: int
    fps: float | None
    nominal_params: float | None
    citation: str
    sources: tuple[str, ...]
    assumptions: tuple[str, ...]


_DIT_XL2 = transformer.dit(28, 1152, 16, 2, name="DiT-XL/2")

_WAN14 = VideoDiT(
    name="Wan 2.1 T2V 14B", layers=40, hidden=5120, heads=40, head_dim=128, mlp_hidden=13824,
    patch=(1, 2, 2), vae=(4, 8, 8), causal=True, latent_channels=16, text_mode="cross", text_tokens=512,
    text_dim=4096, text_projection_layers=2, modulation="shared", out_factor=1)

_WAN_SHARED_ASSUMPTIONS = (
    "patch (1,2,2): tagged U in facts.md; the released configuration's patch_size",
    "text: cross-attention to 512 text tokens (T5 text_len 512, padded), tagged U in facts.md",
    "text features 4096 wide (umT5-XXL), projected by Linear(4096, d) -> GELU -> Linear(d, d)",
    "modulation: one time projection Linear(d, 6d) shared by all blocks plus a learned 6 x d table per block",
    "classifier-free guidance: 2 forward passes per step (conditional and unconditional)",
    "16 frames per second (the released model's output rate)",
)

_HUNYUAN = VideoDiT(
    name="HunyuanVideo", layers=60, hidden=3072, heads=24, head_dim=128, mlp_ratio=4.0, patch=(1, 2, 2),
    vae=(4, 8, 8), causal=True, latent_channels=16, text_mode="joint", text_tokens=256, text_dim=4096,
    dual_stream_layers=20, modulation="per-block", out_factor=1)

_COGVIDEOX = dict(patch=(1, 2, 2), vae=(4, 8, 8), causal=True, latent_channels=16, text_mode="joint",
                  text_tokens=226, text_dim=4096, modulation="per-block", modulation_outputs=12,
                  modulation_dim=512, out_factor=1, frame_rule="floor")
_COG_SOURCES = ("layers, hidden, heads x head dim, MLP 4x GELU, patch (1,2,2), VAE (4,8,8) with 16 channels, "
                "226 text tokens in joint attention: [V] diffusers configuration (facts.md)",)
_COG_ASSUMPTIONS = (
    "adaLN: two LayerNormZero per block, each Linear(512, 6d) from a 512-wide time embedding "
    "(diffusers time_embed_dim; not in facts.md)",
    "text features 4096 wide (T5-XXL), one Linear(4096, d)",
    "classifier-free guidance: 2 passes per step (the pipeline batches them)",
    "8 frames per second (49 frames = about 6 s)",
)
_COG_FLOOR = ("frames as the diffusers CogVideoXPipeline counts them: (F - 1) // 4 + 1 latent frames, then padded "
              "to the temporal patch (a partial group of frames is dropped)",)

_STEP_PIPELINE = ("stepvideo/diffusion/video_pipeline.py (Step-Video-T2V code, read in a copy of the "
                  "repository): 64 latent channels, 320 text tokens (STEP1 text encoder max_length), "
                  "default 992x544, 204 frames, 50 steps, a conditional and an unconditional forward pass per "
                  "step; frames: check_inputs keeps whole chunks of 17 frames and prepare_latents makes 3 latent "
                  "frames of each (max(F // 17 * 3, 1): 204 -> 36): [V]")
_OPEN_SORA2 = VideoDiT(
    name="Open-Sora 2.0", layers=57, hidden=3072, heads=24, head_dim=128, mlp_ratio=4.0, patch=(1, 2, 2),
    vae=(4, 8, 8), causal=True, latent_channels=16, text_mode="joint", text_tokens=512, text_dim=4096,
    dual_stream_layers=19, modulation="per-block", out_factor=1)
_LTX = VideoDiT(
    name="LTX-Video", layers=28, hidden=2048, heads=32, head_dim=64, mlp_ratio=4.0, patch=(1, 1, 1),
    vae=(8, 32, 32), causal=True, latent_channels=128, text_mode="cross", text_tokens=128, text_dim=4096,
    text_projection_layers=2, modulation="shared", out_factor=1, frame_rule="floor")


#: The architecture the Sora-class transformer is scaled from (:func:`sora_corrected_model`).
SORA_TEMPLATE: VideoDiT = _WAN14


def sora_corrected_model(params: float = 20e9) -> VideoDiT:
    """The hypothetical Sora transformer of ``params`` parameters, shaped by a documented rule.

    Rule: Wan 2.1 14B's architecture (the measured model of chapter 6: cross-attention to 512
    text tokens, FFN 2.7 x width, heads of 128, shared modulation, 4x8x8 causal VAE with 16
    channels, patch 1x2x2, full 3D attention) and its width per layer (5120 / 40 = 128, also
    Step-Video-T2V's 6144 / 48), scaled to the parameter budget by
    :func:`sorabook.model.scaling.shape_for_params`. 20 x 10⁹ parameters: 45 layers x 5760.
    """
    return scaling.shape_for_params(params, _WAN14, name=f"Sora-class {params / 1e9:.3g}B (Wan 2.1 shape)")


def sora_class_video(width: int, height: int, seconds: float, fps: float, model: VideoDiT) -> tuple[int, int, int]:
    """Width, height and frames of a clip as the model takes them without padding: sides rounded up
    to the autoencoder x patch multiple (1080 -> 1088: an encoder pads), frames rounded up to
    :func:`sorabook.model.latent.valid_frames` (causal autoencoder, t = 4: 20 s at 24 fps = 480
    -> 481). Sora (Dec 2024): up to 1080p and 20 s [S]."""
    w = latent.valid_side(width, model.vae[2] * model.patch[2])
    h = latent.valid_side(height, model.vae[1] * model.patch[1])
    f = latent.valid_frames(int(round(seconds * fps)), model.vae[0], model.causal, model.patch[0])
    return w, h, f


def _presets() -> dict[str, Preset]:
    """The presets by name, each with its sources (facts.md, tagged) and assumptions."""
    corrected = sora_corrected_model(20e9)
    w, h, f = sora_class_video(1920, 1080, 20.0, 24.0, corrected)
    items = [
        Preset("dit-xl-2", _DIT_XL2, 512, 512, 1, 250, 2, None, 675e6, "peebles2023dit",
               ("layers 28, hidden 1152, 16 heads (Table 1), patch 2, SD VAE f8 with 4 channels, MLP 4x, qkv bias, "
                "adaLN-Zero, learn_sigma, 1001 class rows: [V] DiT paper and models.py",
                "250 DDPM steps, guidance by a doubled batch: [V] DiT paper and sample.py"),
               ("an image: 1 frame; per-minute figures do not apply",)),
        Preset("wan2.1-14b", _WAN14, 1280, 720, 81, 50, 2, 16.0, 14e9, "wan2025wan",
               ("layers 40, dim 5120, 40 heads x 128, FFN 13824, VAE (4,8,8) with 16 channels, "
                "50 sampling steps: [V] Wan 2.1 configuration (facts.md)",),
               _WAN_SHARED_ASSUMPTIONS),
        Preset("wan2.1-1.3b", _WAN14.with_(name="Wan 2.1 T2V 1.3B", layers=30, hidden=1536, heads=12,
                                          mlp_hidden=8960),
               832, 480, 81, 50, 2, 16.0, 1.3e9, "wan2025wan",
               ("layers 30, dim 1536, 12 heads x 128, FFN 8960, VAE (4,8,8) with 16 channels: "
                "[V] Wan 2.1 configuration (facts.md)",),
               _WAN_SHARED_ASSUMPTIONS + ("default video 832x480 (the 1.3B model's 480p size)",)),
        Preset("hunyuanvideo", _HUNYUAN, 1280, 720, 129, 50, 1, 24.0, 13e9, "kong2024hunyuanvideo",
               ("VAE (4,8,8) with 16 channels: [V] (facts.md)",
                "20 dual-stream + 40 single-stream blocks, hidden 3072, 24 heads x 128, MLP 4x, patch (1,2,2), "
                "256 text tokens in joint attention: [U] (facts.md)",
                "1 pass per step: the released sampling configuration sets --cfg-scale to 1.0 (no unconditional "
                "pass) and --embedded-cfg-scale to 6.0, guidance given to the transformer as an input (the released "
                "model is guidance-distilled): [V] (tencent2024hunyuanvideocode, hyvideo/config.py)"),
               ("architecture row tagged U in facts.md: values as in the HunyuanVideo report and code",
                "single-stream blocks (fused qkv and MLP) counted as standard blocks: the same multiply-accumulates",
                "dual-stream blocks give text its own weights (parameters counted twice, compute once); "
                "modulation counted as 6d in every block (single-stream blocks use 3d)",
                "text features 4096 wide (LLaVA-LLaMA), one linear projection; the token refiner is not counted",
                "24 frames per second")),
        Preset("cogvideox-2b", VideoDiT(name="CogVideoX-2B", layers=30, hidden=1920, heads=30, head_dim=64,
                                        **_COGVIDEOX),
               720, 480, 49, 50, 2, 8.0, 2e9, "yang2024cogvideox", _COG_SOURCES, _COG_ASSUMPTIONS),
        Preset("cogvideox-5b", VideoDiT(name="CogVideoX-5B", layers=42, hidden=3072, heads=48, head_dim=64,
                                        **_COGVIDEOX),
               720, 480, 49, 50, 2, 8.0, 5e9, "yang2024cogvideox", _COG_SOURCES, _COG_ASSUMPTIONS),
        Preset("mochi-1", VideoDiT(name="Mochi 1", layers=48, hidden=3072, heads=24, head_dim=128, mlp_ratio=4.0,
                                   patch=(1, 2, 2), vae=(6, 8, 8), causal=True, latent_channels=12,
                                   text_mode="joint", text_tokens=256, text_dim=4096, modulation="per-block",
                                   out_factor=1, frame_rule="floor"),
               848, 480, 163, 50, 2, 30.0, 10e9, "genmo2024mochi",
               ("48 layers, 24 heads x 128, visual width 3072, MLP 4x, VAE (6,8,8) with 12 channels: "
                "[V] (facts.md); 848x480, 163 frames = 44,520 visual tokens [V]",
                "frames: the diffusers MochiPipeline keeps (F - 1) // 6 + 1 latent frames (84 frames -> 14; "
                "a partial group is dropped); its own defaults are 848x480, 19 frames, 64 steps, guidance 4.5, "
                "and its examples ask for 84 frames: [V] pipeline_mochi.py"),
               ("patch (1,2,2) and 256 text tokens in joint attention: tagged U in facts.md",
                "asymmetric joint attention: text tokens counted at the visual width 3072 (their stream is "
                "1536 wide; 256 of 44,776 tokens, a negligible overcount); the text stream's own weights "
                "are not in the parameter count",
                "MLP counted as 4x GELU (facts.md); a SwiGLU of width 8/3 x 4d costs the same",
                "text features 4096 wide (T5-XXL)", "50 steps with 2 guidance passes (facts.md's default; the "
                "diffusers pipeline samples 64)",
                "163 frames (the 44,520-token clip of the sources) rather than the pipeline's 19-frame default",
                "30 frames per second")),
        Preset("step-video-t2v", VideoDiT(name="Step-Video-T2V", layers=48, hidden=6144, heads=48, head_dim=128,
                                          mlp_ratio=4.0, patch=(1, 1, 1), vae=(8, 16, 16), causal=True,
                                          latent_channels=64, text_mode="cross", text_tokens=320, text_dim=4096,
                                          modulation="shared", out_factor=1, frame_rule="chunk:17:3"),
               992, 544, 204, 50, 2, 24.0, 30e9, "ma2025stepvideo",
               ("48 layers, 48 heads x 128 (width 6144), VAE (8,16,16), up to 204 frames: [V] (facts.md)",
                _STEP_PIPELINE),
               ("patch (1,1,1) and MLP 4x GELU: tagged U in facts.md",
                "text tokens 4096 wide in cross-attention (the STEP1 encoder's width; the 77 CLIP tokens are "
                "not counted; text affects under 1 % of the compute)",
                "shared modulation (adaLN-single, as in PixArt)",
                "24 frames per second")),
        Preset("cogvideox1.5-5b", VideoDiT(name="CogVideoX1.5-5B", layers=42, hidden=3072, heads=48, head_dim=64,
                                           **dict(_COGVIDEOX, patch=(2, 2, 2))),
               1360, 768, 81, 50, 2, 16.0, 5e9, "yang2024cogvideox",
               ("42 layers, 48 heads x 64, 16 latent channels, patch 2 with patch_size_t 2, 226 text tokens, "
                "text features 4096, time embedding 512: [V] the CogVideoX1.5-5B transformer configuration "
                "(as copied in public ports)",
                "81 frames -> 21 latent frames padded to 22 for the temporal patch: [V] diffusers "
                "CogVideoXPipeline (\"For CogVideoX 1.5, the latent frames should be padded\")"),
               _COG_ASSUMPTIONS[:3] + _COG_FLOOR + (
                   "default video 1360x768, 81 frames at 16 frames per second (the release's recommended "
                   "settings; 161 frames also offered) [S]",
                   "the padded latent frame is computed like any other (the pipeline drops it after denoising)")),
        Preset("wan2.2-a14b", _WAN14.with_(name="Wan 2.2 T2V A14B (one 14B expert per step)"),
               1280, 720, 81, 40, 2, 16.0, 14e9, "wan2025wan22readme",
               ("two experts (high-noise and low-noise) of Wan 2.1 14B's shape: 40 layers, dim 5120, 40 heads, "
                "FFN 13824, patch (1,2,2), VAE (4,8,8); 40 sampling steps, guidance scales (3.0, 4.0): "
                "[V] wan/configs/wan_t2v_A14B.py (Wan2.2 code, read in a copy)",
                "14B parameters active per step, 27B in all: [V] Wan 2.2 README (evidence.md)"),
               ("parameters: one 14B expert is counted (the one active at each step); the model holds 27B, "
                "both experts, but each step runs one, so the compute per step is the 14B's",)
               + _WAN_SHARED_ASSUMPTIONS),
        Preset("open-sora-2.0", _OPEN_SORA2, 1024, 576, 129, 50, 3, 24.0, 11e9, "peng2025opensora2",
               ("MMDiT of Flux's design: 19 double-stream + 38 single-stream blocks, hidden 3072, 24 heads "
                "(x 128), MLP 4x, qkv bias, 64 input channels (16 latent channels packed 2 x 2), T5 text "
                "(4096 wide, max_length 512) in joint attention; Hunyuan VAE (4,8,8) with 16 channels, causal; "
                "129 frames, 50 steps: [V] hpcaitech/Open-Sora configs/diffusion/inference/256px.py (768px.py "
                "inherits it)",
                "sampling: the I2V denoiser runs a batch of 3 per step (text-conditional, text-unconditional, "
                "image-unconditional) for text and image guidance: [V] opensora/utils/sampling.py"),
               ("768 px at 16:9 read as 1024x576 (the area of 768 x 768), as evidence.md reads the README",
                "single-stream blocks (fused qkv and MLP) counted as standard blocks: the same multiply-accumulates",
                "double-stream blocks give text its own weights (parameters counted twice, compute once); "
                "modulation counted as 6d in every block (single-stream blocks use 3d): about 1B too many "
                "parameters, no compute",
                "512 text tokens (T5 max_length; the prompt is padded); the CLIP vector and the image-condition "
                "embedding are not counted",
                "24 frames per second")),
        Preset("ltx-video", _LTX, 704, 512, 161, 50, 2, 25.0, 2e9, "hacohen2024ltx",
               ("VAE (8,32,32) with 128 channels: [V] (facts.md)",
                "default video 704x512, 161 frames at 25 frames per second, 50 steps, guidance 3 by a doubled "
                "batch, 128 text tokens; latent frames (F - 1) // 8 + 1: [V] diffusers pipeline_ltx.py",
                "28 layers, 32 heads x 64 (width 2048), patch 1, cross-attention to T5 text (4096 wide), "
                "adaLN-single, GELU MLP: [S] the diffusers LTXVideoTransformer3DModel defaults as copied in "
                "public ports"),
               ("MLP 4x (the diffusers feed-forward default)",
                "caption projection Linear(4096, d) -> GELU -> Linear(d, d) (PixArt's)",
                "the 2B model of the first release (later 13B releases are not this preset)")),
        Preset("sora-article", _DIT_XL2.with_(name="Sora as the article prices it", attention="per-frame",
                                              compute_scale=30.0, vae=(8, 8, 8)),
               512, 512, 1440, 250, 1, 24.0, 20e9, "plappert2024sora",
               ("DiT-XL/2 per 512x512 latent frame x 30 (model scale) x 180 latent frames (8x in time), "
                "250 steps, 1 pass, 1 minute at 24 fps: [V] the article's assumptions",),
               ("no attention across frames: every latent frame is denoised as an independent DiT image "
                "(the article's linear extrapolation)",
                "parameters shown are DiT-XL/2's: the 30x is a factor on compute, not a shape",
                "the article reads the DiT table's multiply-accumulates as FLOPs: its 708 x 10^15 FLOPs per "
                "video are 708 x 10^15 multiply-accumulates here, twice as many FLOPs")),
        Preset("sora-corrected", corrected, w, h, f, 50, 2, 24.0, 20e9, "plappert2024sora",
               ("20 x 10^9 parameters plausible: [V] the article; up to 1080p and 20 s: [S] Sora (Dec 2024)",),
               ("shape: Wan 2.1 14B's architecture scaled to 20e9 parameters at its width per layer (128) and "
                f"heads of 128: {corrected.layers} layers x {corrected.hidden}, FFN {corrected.ffn}",
                "autoencoder (4,8,8) with 16 channels, causal; patch (1,2,2); full 3D attention over the clip",
                "1920x1080 padded to 1920x1088 (a multiple of 16); 20 s at 24 fps = 480 frames, 481 for the "
                "causal autoencoder",
                "50 steps with classifier-free guidance (2 passes), as the open models sample",
                "cross-attention to 512 text tokens as Wan 2.1")),
    ]
    return {p.name: p for p in items}


#: The presets of ``sorabook predict --model NAME``.
PRESETS: dict[str, Preset] = _presets()


def get_preset(name: str) -> Preset:
    """A preset by name; an unknown name raises ``KeyError`` with the nearest name in its message."""
    if name in PRESETS:
        return PRESETS[name]
    near = difflib.get_close_matches(name.lower(), list(PRESETS), n=1, cutoff=0.4)
    hint = f" (did you mean '{near[0]}'?)" if near else ""
    raise KeyError(f"unknown model {name!r}{hint}; presets: {', '.join(PRESETS)}")


def preset_rows(presets=None) -> list[dict]:
    """One row per preset: shape, MLP, patch, autoencoder, text, counted and announced parameters,
    source key, the confidence tags of its sources and the number of assumed values."""
    rows = []
    for pre in (presets or PRESETS).values():
        m = pre.model
        tags = sorted({t for s in pre.sources for t in ("V", "S", "U") if f"[{t}]" in s})
        rows.append({
            "name": pre.name,
            "shape": f"{m.layers} x {m.hidden} ({m.heads} x {m.attention_width // m.heads})",
            "ffn": f"{m.ffn}{' gated' if m.gated else ''}",
            "patch": "x".join(map(str, m.patch)),
            "vae": f"{'x'.join(map(str, m.vae))}, {m.latent_channels}",
            "text": f"{m.text_tokens} {m.text_mode}" if m.text_mode != "none" else "class label",
            "params": float(transformer.param_count(m)),
            "nominal": pre.nominal_params,
            "citation": pre.citation,
            "tag": "/".join(tags),
            "assumed": len(pre.assumptions),
        })
    return rows
