"""Cost of generating a video with a diffusion transformer: presets, prediction, calibration.

:mod:`sorabook.transformer` counts the compute of one forward pass from the architecture; this
module holds the shapes of published video transformers (:data:`PRESETS`, each field with its
source and confidence tag from the project's facts file, each undisclosed field stated as an
assumption), turns a count into seconds, GPU-hours and energy on a GPU at a model-FLOPs
utilisation (:func:`predict`, the ``sorabook predict`` command), and fits that utilisation to
measured inference times (:data:`MEASUREMENTS`, :func:`calibrate_mfu`; chapter 6).

Time model (Delavande et al. 2025): ``seconds = FLOPs / (gpus x peak x mfu)``, with the GPU's
dense peak from :mod:`sorabook.hardware` and ideal scaling over GPUs. Energy: board power x
GPUs x seconds (an upper bound on the GPUs' own draw; host and cooling not counted).
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from dataclasses import dataclass

import numpy as np

from sorabook import hardware, transformer
from sorabook.transformer import VideoDiT

__all__ = [
    "DEFAULT_MFU",
    "attention_dominates_seconds",
    "MEASUREMENTS",
    "Measurement",
    "OWN_FORWARD_FILE",
    "OWN_FORWARD_GPU",
    "PRESETS",
    "SORA_TEMPLATE",
    "Preset",
    "calibrate_mfu",
    "calibration_rows",
    "compute_by_length",
    "get_preset",
    "implied_mfu",
    "measured_seconds",
    "minutes_per_gpu_hour",
    "own_forward",
    "own_forward_rows",
    "own_share_of_measured",
    "relative_to",
    "own_video_seconds",
    "predict",
    "preset_rows",
    "sora_class_video",
    "sora_corrected_model",
    "variant_rows",
]

#: Model-FLOPs utilisation of video diffusion transformers on H100 measured by Delavande et al.
#: (2025): the default of ``sorabook predict`` (registry parameter ``measured_mfu_delavande``).
DEFAULT_MFU = 0.456


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
                  modulation_dim=512, out_factor=1)
_COG_SOURCES = ("layers, hidden, heads x head dim, MLP 4x GELU, patch (1,2,2), VAE (4,8,8) with 16 channels, "
                "226 text tokens in joint attention: [V] diffusers configuration (facts.md)",)
_COG_ASSUMPTIONS = (
    "adaLN: two LayerNormZero per block, each Linear(512, 6d) from a 512-wide time embedding "
    "(diffusers time_embed_dim; not in facts.md)",
    "text features 4096 wide (T5-XXL), one Linear(4096, d)",
    "classifier-free guidance: 2 passes per step (the pipeline batches them)",
    "8 frames per second (49 frames = about 6 s)",
)


#: The architecture the Sora-class transformer is scaled from (:func:`sora_corrected_model`).
SORA_TEMPLATE: VideoDiT = _WAN14


def sora_corrected_model(params: float = 20e9) -> VideoDiT:
    """The hypothetical Sora transformer of ``params`` parameters, shaped by a documented rule.

    Rule: Wan 2.1 14B's architecture (the measured model of chapter 6: cross-attention to 512
    text tokens, FFN 2.7 x width, heads of 128, shared modulation, 4x8x8 causal VAE with 16
    channels, patch 1x2x2, full 3D attention) and its width per layer (5120 / 40 = 128, also
    Step-Video-T2V's 6144 / 48), scaled to the parameter budget by
    :func:`sorabook.transformer.shape_for_params`. 20 x 10⁹ parameters: 45 layers x 5760.
    """
    return transformer.shape_for_params(params, _WAN14, name=f"Sora-class {params / 1e9:.3g}B (Wan 2.1 shape)")


def sora_class_video(width: int, height: int, seconds: float, fps: float, model: VideoDiT) -> tuple[int, int, int]:
    """Width, height and frames of a clip as the model can take them: sides rounded up to the
    autoencoder x patch multiple (1080 -> 1088: an encoder pads), frames rounded up to the
    causal autoencoder's ``1 + k·t`` (20 s at 24 fps = 480 -> 481)."""
    w = transformer.valid_side(width, model.vae[2] * model.patch[2])
    h = transformer.valid_side(height, model.vae[1] * model.patch[1])
    f = transformer.valid_frames(int(round(seconds * fps)), model.vae[0], model.causal, model.patch[0])
    return w, h, f


def _presets() -> dict[str, Preset]:
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
                "256 text tokens in joint attention: [U] (facts.md)"),
               ("architecture row tagged U in facts.md: values as in the HunyuanVideo report and code",
                "single-stream blocks (fused qkv and MLP) counted as standard blocks: the same multiply-accumulates",
                "dual-stream blocks give text its own weights (parameters counted twice, compute once); "
                "modulation counted as 6d in every block (single-stream blocks use 3d)",
                "text features 4096 wide (LLaVA-LLaMA), one linear projection; the token refiner is not counted",
                "1 pass per step: the released model is guidance-distilled (embedded guidance) [U]",
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
                                   out_factor=1),
               848, 480, 163, 50, 2, 30.0, 10e9, "genmo2024mochi",
               ("48 layers, 24 heads x 128, visual width 3072, MLP 4x, VAE (6,8,8) with 12 channels: "
                "[V] (facts.md); 848x480, 163 frames = 44,520 visual tokens [V]",),
               ("patch (1,2,2) and 256 text tokens in joint attention: tagged U in facts.md",
                "asymmetric joint attention: text tokens counted at the visual width 3072 (their stream is "
                "1536 wide; 256 of 44,776 tokens, a negligible overcount); the text stream's own weights "
                "are not in the parameter count",
                "MLP counted as 4x GELU (facts.md); a SwiGLU of width 8/3 x 4d costs the same",
                "text features 4096 wide (T5-XXL)", "50 steps with 2 guidance passes (facts.md's default)",
                "30 frames per second")),
        Preset("step-video-t2v", VideoDiT(name="Step-Video-T2V", layers=48, hidden=6144, heads=48, head_dim=128,
                                          mlp_ratio=4.0, patch=(1, 1, 1), vae=(8, 16, 16), causal=True,
                                          latent_channels=64, text_mode="cross", text_tokens=320, text_dim=4096,
                                          modulation="shared", out_factor=1),
               992, 544, 201, 50, 2, 24.0, 30e9, "ma2025stepvideo",
               ("48 layers, 48 heads x 128 (width 6144), VAE (8,16,16), up to 204 frames: [V] (facts.md)",),
               ("patch (1,1,1) and MLP 4x GELU: tagged U in facts.md",
                "latent channels 64 (undisclosed in facts.md)",
                "cross-attention to 320 text tokens 4096 wide (undisclosed; affects under 1 % of the compute)",
                "shared modulation (adaLN-single, as in PixArt)",
                "201 frames: the causal rule 1 + 8k nearest to the 204-frame maximum (its chunked VAE is not "
                "modelled); 992x544 as the report's samples",
                "24 frames per second; 2 guidance passes per step")),
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


def minutes_per_gpu_hour(video_seconds, gpu_hours_per_video):
    """Minutes of video per GPU-hour: video length in minutes / GPU-hours per video."""
    return np.divide(np.divide(video_seconds, 60.0), gpu_hours_per_video)


def predict(model: VideoDiT, width, height, frames, steps, cfg_passes=1, gpu="H100-SXM", gpus=1,
            mfu=DEFAULT_MFU, precision="bf16", fps=None) -> dict:
    """Predicted compute, time and energy of generating one video.

    ``seconds_per_video = flops_per_video / (gpus x peak x mfu)``; ``gpu_hours_per_video``
    counts every GPU; ``energy_wh_per_video`` is board power x GPUs x seconds. With ``fps``
    the per-minute-of-video figures are added (``None`` otherwise). Only the transformer is
    counted (the autoencoder and text encoder are not). Raises
    :class:`sorabook.transformer.ShapeError` for sizes the model cannot take, ``ValueError``
    for a bad GPU count or utilisation.
    """
    if not 0 < mfu <= 1:
        raise ValueError(f"mfu: got {mfu:g}; expected a share of peak in (0, 1]")
    if int(gpus) != gpus or gpus < 1:
        raise ValueError(f"gpus: got {gpus}; expected a whole number >= 1")
    tk = transformer.tokens(model, width, height, frames)
    macs = transformer.forward_macs(model, width, height, frames)
    flops_pass = transformer.FLOPS_PER_MAC * macs
    flops_step = flops_pass * cfg_passes
    flops_video = flops_step * steps
    peak = hardware.peak_flops_per_s(gpu, precision)
    seconds = flops_video / (gpus * peak * mfu)
    gpu_hours = gpus * seconds / hardware.SECONDS_PER_HOUR
    energy = hardware.board_power_w(gpu) * gpu_hours
    video_s = frames / fps if fps else None
    out = {
        "model": model.name,
        "params": param_count_safe(model),
        "width": width, "height": height, "frames": frames,
        "latent_frames": _f(tk["latent_frames"]),
        "tokens": _f(tk["video_tokens"]),
        "text_tokens": _f(tk["text_tokens"]),
        "sequence": _f(tk["sequence"]),
        "steps": steps, "cfg_passes": cfg_passes,
        "macs_per_pass": _f(macs),
        "flops_per_pass": _f(flops_pass),
        "flops_per_step": _f(flops_step),
        "flops_per_video": _f(flops_video),
        "attention_share": _f(transformer.attention_share(model, width, height, frames)),
        "gpu": gpu, "gpus": gpus, "precision": precision, "mfu": mfu,
        "peak_flops_per_s": peak,
        "seconds_per_video": _f(seconds),
        "gpu_hours_per_video": _f(gpu_hours),
        "energy_wh_per_video": _f(energy),
        "video_seconds": video_s,
        "gpu_hours_per_minute_of_video": _f(gpu_hours / (video_s / 60)) if video_s else None,
        "energy_wh_per_minute_of_video": _f(energy / (video_s / 60)) if video_s else None,
        "minutes_of_video_per_gpu_hour": _f(minutes_per_gpu_hour(video_s, gpu_hours)) if video_s else None,
    }
    return out


def param_count_safe(model: VideoDiT) -> int:
    """:func:`sorabook.transformer.param_count` (the parameters do not depend on the video)."""
    return transformer.param_count(model)


def _f(x):
    arr = np.asarray(x, dtype=float)
    return float(arr) if arr.ndim == 0 else arr


# --- measurements and calibration ----------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """A measured inference time (one GPU, batch 1): the preset, the video, the seconds.

    ``seconds_low``/``seconds_high`` give the reported range (equal for one figure);
    ``energy_wh`` where reported. ``tag`` is the confidence (facts.md), ``source`` a key of
    ``book/references.bib``.
    """

    preset: str
    width: int
    height: int
    frames: int
    steps: int
    gpu: str
    seconds_low: float
    seconds_high: float
    energy_wh: float | None
    tag: str
    source: str
    note: str = ""


#: Measured end-to-end generation times on one H100 (facts.md, "Measured inference").
MEASUREMENTS: tuple[Measurement, ...] = (
    Measurement("wan2.1-14b", 1280, 720, 81, 50, "H100-SXM", 1875.0, 1875.0, None, "S", "delavande2025video",
                "Delavande et al. 2025, 1 x H100 SXM"),
    Measurement("hunyuanvideo", 1280, 720, 129, 50, "H100-SXM", 1689.0, 1689.0, 323.4, "S", "mlenergy2025leaderboard",
                "ML.ENERGY leaderboard v3, 1 x H100 (SXM assumed)"),
    Measurement("cogvideox-2b", 720, 480, 49, 50, "H100-SXM", 43.0, 50.0, None, "S", "yang2024cogvideox",
                "reported 43-50 s on 1 x H100 (SXM assumed)"),
)


def measured_seconds(m: Measurement) -> float:
    """One figure for a measurement: the geometric mean of its range (43-50 s -> 46.4 s)."""
    return math.sqrt(m.seconds_low * m.seconds_high)


def implied_mfu(flops, seconds, peak_flops_per_s):
    """Model-FLOPs utilisation a measurement implies: ``FLOPs / (seconds x peak)``."""
    return np.divide(flops, np.multiply(seconds, peak_flops_per_s))


def calibrate_mfu(flops, seconds, peak_flops_per_s) -> tuple[float, float]:
    """The one utilisation that best predicts several measured times, and the fit's error.

    Least squares in log space: minimise ``Σ (ln t_i - ln(F_i / (P_i·u)))²`` over ``u``; the
    solution is the geometric mean of the implied utilisations, ``ln u = mean(ln u_i)``.
    Returns ``(u, rms)`` where ``rms`` is the root-mean-square log error (e.g. 0.1 ≈ 10 %).
    """
    u_i = np.asarray(implied_mfu(flops, seconds, peak_flops_per_s), dtype=float)
    logs = np.log(u_i)
    u = float(np.exp(logs.mean()))
    return u, float(np.sqrt(np.mean((logs - math.log(u)) ** 2)))


def calibration_rows(mfu: float | None = None, measurements=MEASUREMENTS) -> list[dict]:
    """Predicted against measured seconds for each measurement, with the implied utilisation.

    Each preset runs its default sampling (steps from the measurement, the preset's guidance
    passes) on the measured GPU in BF16. ``predicted_seconds`` is at utilisation ``mfu``
    (default: the calibrated one); ``seconds_at_peak`` at 100 %.
    """
    rows = []
    for m in measurements:
        pre = PRESETS[m.preset]
        r = predict(pre.model, m.width, m.height, m.frames, m.steps, pre.cfg_passes, m.gpu, 1, 1.0)
        rows.append({
            "model": pre.model.name, "preset": m.preset, "video": f"{m.width}x{m.height}, {m.frames} frames",
            "steps": m.steps, "cfg_passes": pre.cfg_passes, "tokens": r["tokens"],
            "flops_per_video": r["flops_per_video"], "seconds_at_peak": r["seconds_per_video"],
            "measured_seconds": measured_seconds(m), "measured": (f"{m.seconds_low:g}" if m.seconds_low == m.seconds_high
                                                                  else f"{m.seconds_low:g}-{m.seconds_high:g}"),
            "implied_mfu": float(implied_mfu(r["flops_per_video"], measured_seconds(m), r["peak_flops_per_s"])),
            "energy_wh": m.energy_wh, "board_power_w": hardware.board_power_w(m.gpu),
            "attention_share": r["attention_share"], "tag": m.tag, "source": m.source, "note": m.note,
            "peak_flops_per_s": r["peak_flops_per_s"],
        })
    u = mfu if mfu is not None else calibrate_mfu([r["flops_per_video"] for r in rows],
                                                  [r["measured_seconds"] for r in rows],
                                                  [r["peak_flops_per_s"] for r in rows])[0]
    for r in rows:
        r["mfu"] = u
        r["predicted_seconds"] = r["seconds_at_peak"] / u
        r["ratio"] = r["predicted_seconds"] / r["measured_seconds"]
        r["predicted_energy_wh"] = r["board_power_w"] * r["predicted_seconds"] / hardware.SECONDS_PER_HOUR
    return rows


# --- tables for chapter 6 ------------------------------------------------------------------


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


def compute_by_length(model: VideoDiT, width: int, height: int, fps: float, max_seconds: float, points: int = 60):
    """Forward MACs of one pass against clip length: the attention products and everything else.

    Returns ``(seconds, {"attention products": macs, "all other layers": macs})`` over clips
    from the shortest the autoencoder takes to ``max_seconds`` (sides padded as
    :func:`sora_class_video`).
    """
    w, h, _ = sora_class_video(width, height, 1.0, fps, model)
    top = sora_class_video(width, height, max_seconds, fps, model)[2]
    frames = np.unique([transformer.valid_frames(int(x), model.vae[0], model.causal, model.patch[0])
                        for x in np.linspace(1, top, points)])
    parts = transformer.forward_macs_breakdown(model, w, h, frames)
    attention = parts["attention products"] + parts["cross-attention products"]
    rest = sum(parts.values()) - attention
    return frames / fps, {"attention products": attention, "all other layers": rest}


def variant_rows(model: VideoDiT, width: int, height: int, frames: int, video_seconds: float, steps: int,
                 cfg_passes: int, gpu: str, mfu: float, precision: str) -> list[dict]:
    """The clip's GPU-seconds and minutes of video per GPU-hour with one assumption changed at a time:
    fewer steps (distilled samplers: 8, 4), one pass per step, FP8, 720p, attention over each
    latent frame alone (no attention across frames)."""
    base = dict(model=model, width=width, height=height, frames=frames, steps=steps, cfg_passes=cfg_passes,
                gpu=gpu, mfu=mfu, precision=precision)
    w720, h720, _ = sora_class_video(1280, 720, 1.0, 1.0, model)
    changes = [
        ("none", {}),
        ("8 steps (distilled)", {"steps": 8}),
        ("4 steps (consistency)", {"steps": 4}),
        ("1 pass per step (guidance distilled)", {"cfg_passes": 1}),
        ("720p", {"width": w720, "height": h720}),
        ("attention within each latent frame only", {"model": model.with_(attention="per-frame")}),
    ]
    if gpu != "A100-SXM" and precision != "fp8":
        changes.insert(4, ("FP8 peak", {"precision": "fp8"}))
    rows = []
    for label, change in changes:
        args = dict(base, **change)
        r = predict(args.pop("model"), **args)
        rows.append({"change": label, "seconds_per_video": r["seconds_per_video"],
                     "minutes": float(minutes_per_gpu_hour(video_seconds, r["gpu_hours_per_video"]))})
    return rows


# --- this project's own timings of the transformer alone -------------------------------------

#: Forward passes timed by this project (``benchmarks/gpu/dit_forward.py``, one NVIDIA H200,
#: bf16, eager PyTorch with random weights): the transformer's blocks alone, no autoencoder or
#: text encoder. The raw output of the run; ``benchmarks/gpu/README.md`` says how it was made.
OWN_FORWARD_FILE = Path(__file__).parent / "data" / "dit_forward-h200.json"
#: The catalogue GPU those timings ran on.
OWN_FORWARD_GPU = "H200-SXM"


def own_forward_rows(path: Path = OWN_FORWARD_FILE) -> list[dict]:
    """This project's measured forward passes: per case the tokens, batch, median seconds, the
    FLOPs the script counted (2 x MACs of the blocks) and the utilisation of the dense BF16 peak
    of :data:`OWN_FORWARD_GPU` in :mod:`sorabook.hardware`."""
    import json

    data = json.loads(Path(path).read_text())
    peak = hardware.peak_flops_per_s(OWN_FORWARD_GPU, "bf16")
    rows = []
    for c in data["cases"]:
        rows.append({
            "case": c["name"], "model": c["model"], "video": c["video"], "layers": c["layers"],
            "hidden": c["hidden"], "tokens": float(c["tokens"]), "batch": c["batch"], "repeats": c["repeats"],
            "median_s": c["median_s"], "flops": c["flops"], "tflops": c["flops"] / c["median_s"] / 1e12,
            "mfu": c["flops"] / c["median_s"] / peak, "attention_share": c["attention_share"],
            "device": data["env"]["device"], "torch": data["env"]["torch"],
        })
    return rows


def own_forward(case: str) -> dict:
    """One case of :func:`own_forward_rows` by name (``"wan14b-720p-81f"``)."""
    return next(r for r in own_forward_rows() if r["case"] == case)


def relative_to(mfu, reference):
    """A utilisation as a multiple of a reference one (calibrated 0.321 / published 0.456 = 0.70)."""
    return np.divide(mfu, reference)


def own_share_of_measured(case: str, preset: str) -> float:
    """:func:`own_video_seconds` over the preset's measured end-to-end seconds (Wan 2.1 14B:
    1,166 s of transformer time on an H200 against 1,875 s measured on an H100)."""
    m = next(m for m in MEASUREMENTS if m.preset == preset)
    return own_video_seconds(case, preset) / measured_seconds(m)


def attention_dominates_seconds(model: VideoDiT, width: int, height: int, fps: float) -> float | None:
    """:func:`sorabook.transformer.attention_dominates_from` in seconds of video at ``fps``
    (the clip length from which the attention products cost more than the rest)."""
    w, h, _ = sora_class_video(width, height, 1, 1, model)
    frames = transformer.attention_dominates_from(model, w, h)
    return None if frames is None else frames / fps


def own_video_seconds(case: str, preset: str) -> float:
    """Transformer seconds of one video from a timed forward pass: the median pass of ``case``
    (batch 1) x the steps of the preset's measurement x the preset's passes per step."""
    row = own_forward(case)
    if row["batch"] != 1:
        raise ValueError(f"case {case!r}: batch {row['batch']}; expected a timing of one video (batch 1)")
    m = next(m for m in MEASUREMENTS if m.preset == preset)
    return row["median_s"] * m.steps * PRESETS[preset].cfg_passes
