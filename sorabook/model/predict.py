"""Cost of generating a video with a diffusion transformer: the prediction and its calibration.

:mod:`sorabook.model.transformer` counts the compute of one forward pass from the architecture
and :mod:`sorabook.model.presets` holds the published shapes; this module turns a count into
seconds, GPU-hours and energy on a GPU at a model-FLOPs utilisation (:func:`predict`, the
``sorabook predict`` command), fits that utilisation to measured inference times
(:data:`MEASUREMENTS`, :func:`calibrate_mfu`; chapter 6), and reads this project's own timings.

Time model (Delavande et al. 2025): ``seconds = FLOPs / (gpus x peak x mfu)``, the one
FLOPs-to-time rule :func:`sorabook.model.hardware.gpu_seconds` divided over the GPUs (ideal
scaling). Energy: board power x GPU-hours (an upper bound on the GPUs' own draw; host and
cooling not counted). Standard library only, but for :func:`compute_by_length`'s arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from sorabook.model import counting, hardware, inference, latent, presets, transformer
from sorabook.model.transformer import VideoDiT

__all__ = [
    "MEASUREMENTS",
    "Measurement",
    "OWN_FORWARD_FILE",
    "OWN_FORWARD_GPU",
    "attention_dominates_seconds",
    "calibrate_mfu",
    "calibration_rows",
    "compute_by_length",
    "implied_mfu",
    "measured_seconds",
    "own_forward",
    "own_forward_rows",
    "own_share_of_measured",
    "own_video_seconds",
    "predict",
    "relative_to",
]

def _f(x):
    """A float for a number (or a NumPy scalar), the array itself for an array."""
    return float(x) if getattr(x, "ndim", 0) == 0 else x


def predict(model: VideoDiT, width, height, frames, steps, cfg_passes=1, gpu="H100-SXM", gpus=1,
            mfu=1.0, precision="bf16", fps=None, video_seconds=None) -> dict:
    """Predicted compute, time and energy of generating one video.

    Parameters
    ----------
    model : VideoDiT
        The transformer (a preset's or one given by its shape).
    width, height, frames : int
        The video in pixels and frames; the transformer pads them as an encoder does
        (:mod:`sorabook.model.latent`).
    steps, cfg_passes : int or float
        Denoising steps and forward passes per step (2 with classifier-free guidance).
    gpu, precision : str
        A GPU of :data:`sorabook.model.hardware.GPUS` and its number format (dense peak).
    gpus : int
        GPUs working on the video in parallel (ideal scaling).
    mfu : float
        Model-FLOPs utilisation, in (0, 1] (default 1: the dense peak; the book's measured value is
        ``sorabook.results.chain.calibrated_utilization()``, the default of ``sorabook predict``).
    fps, video_seconds : float, optional
        The video's length for the per-minute figures: ``video_seconds``, or ``frames / fps``
        (``None`` for both: no per-minute figures).

    Returns
    -------
    dict
        Tokens, MACs and FLOPs (per pass, step, video), the attention share,
        ``seconds_per_video = hardware.gpu_seconds(FLOPs, gpu, precision, mfu) / gpus``,
        ``gpu_hours_per_video`` (every GPU counted), ``energy_wh_per_video`` (board power x
        GPU-hours) and, with a length, the same per minute of video and the minutes of video per
        GPU-hour (:func:`sorabook.model.inference.minutes_per_gpu_hour`). Only the transformer is
        counted (not the autoencoder or the text encoder).

    Raises
    ------
    sorabook.model.transformer.ShapeError
        A size or frame count that is not a whole number >= 1.
    ValueError
        A bad GPU count or utilisation.
    """
    if not 0 < mfu <= 1:
        raise ValueError(f"mfu: got {mfu:g}; expected a share of peak in (0, 1]")
    if int(gpus) != gpus or gpus < 1:
        raise ValueError(f"gpus: got {gpus}; expected a whole number >= 1")
    tk = transformer.tokens(model, width, height, frames)
    macs = transformer.forward_macs(model, width, height, frames)
    flops_pass = transformer.FLOPS_PER_MAC * macs
    flops_step = inference.flops_per_step(flops_pass, 1.0, cfg_passes)
    flops_video = inference.flops_per_output(flops_step, steps)
    seconds = hardware.gpu_seconds(flops_video, gpu, precision, mfu) / gpus
    gpu_hours = hardware.gpu_hours(flops_video, gpu, precision, mfu)
    energy = hardware.board_power_w(gpu) * gpu_hours
    video_s = video_seconds if video_seconds is not None else (frames / fps if fps else None)
    minutes = video_s / 60.0 if video_s else None
    return {
        "model": model.name,
        "params": transformer.param_count(model),
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
        "peak_flops_per_s": hardware.peak_flops_per_s(gpu, precision),
        "seconds_per_video": _f(seconds),
        "gpu_hours_per_video": _f(gpu_hours),
        "energy_wh_per_video": _f(energy),
        "video_seconds": video_s,
        "gpu_hours_per_minute_of_video": _f(gpu_hours / minutes) if minutes else None,
        "energy_wh_per_minute_of_video": _f(energy / minutes) if minutes else None,
        "minutes_of_video_per_gpu_hour": _f(inference.minutes_per_gpu_hour(
            inference.flops_per_minute(flops_video, video_s), gpu, precision, mfu)) if minutes else None,
    }


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
    """Model-FLOPs utilisation a measurement implies: ``FLOPs / (seconds x peak)`` (the inverse of
    :func:`sorabook.model.hardware.gpu_seconds`; a share of peak)."""
    return flops / (seconds * peak_flops_per_s)


def calibrate_mfu(flops, seconds, peak_flops_per_s) -> tuple[float, float]:
    """The one utilisation that best predicts several measured times, and the fit's error.

    Least squares in log space: minimise ``Σ (ln t_i - ln(F_i / (P_i·u)))²`` over ``u``; the
    solution is the geometric mean of the implied utilisations, ``ln u = mean(ln u_i)``.
    Returns ``(u, rms)`` where ``rms`` is the root-mean-square log error (e.g. 0.1 ≈ 10 %).
    Sequences of plain numbers, one entry per measurement.
    """
    logs = [math.log(implied_mfu(f, s, p)) for f, s, p in zip(flops, seconds, peak_flops_per_s)]
    mean = sum(logs) / len(logs)
    u = math.exp(mean)
    return u, math.sqrt(sum((x - math.log(u)) ** 2 for x in logs) / len(logs))


def calibration_rows(mfu: float | None = None, measurements=MEASUREMENTS) -> list[dict]:
    """Predicted against measured seconds for each measurement, with the implied utilisation.

    Each preset runs its default sampling (steps from the measurement, the preset's guidance
    passes) on the measured GPU in BF16. ``predicted_seconds`` is at utilisation ``mfu``
    (default: the calibrated one); ``seconds_at_peak`` at 100 %. Measurements: facts.md,
    "Measured inference" (chapter 6).
    """
    rows = []
    for m in measurements:
        pre = presets.PRESETS[m.preset]
        r = predict(pre.model, m.width, m.height, m.frames, m.steps, pre.cfg_passes, m.gpu, 1, 1.0)
        rows.append({
            "model": pre.model.name, "preset": m.preset, "video": f"{m.width}x{m.height}, {m.frames} frames",
            "steps": m.steps, "cfg_passes": pre.cfg_passes, "tokens": r["tokens"], "gpu": m.gpu,
            "flops_per_video": r["flops_per_video"], "seconds_at_peak": r["seconds_per_video"],
            "measured_seconds": measured_seconds(m),
            "measured": (f"{m.seconds_low:g}" if m.seconds_low == m.seconds_high
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
        r["predicted_seconds"] = hardware.gpu_seconds(r["flops_per_video"], r["gpu"], "bf16", u)
        r["ratio"] = r["predicted_seconds"] / r["measured_seconds"]
        r["predicted_energy_wh"] = r["board_power_w"] * r["predicted_seconds"] / hardware.SECONDS_PER_HOUR
    return rows


# --- tables for chapter 6 ------------------------------------------------------------------


def compute_by_length(model: VideoDiT, width: int, height: int, fps: float, max_seconds: float, points: int = 60):
    """Forward MACs of one pass against clip length: the attention products and everything else.

    Returns NumPy arrays ``(seconds, {"attention products": macs, "all other layers": macs})``
    over clips from the shortest the autoencoder takes to ``max_seconds`` (sides and frames as
    :func:`sorabook.model.presets.sora_class_video` takes them), for chapter 6's figure.
    """
    import numpy as np

    w, h, _ = presets.sora_class_video(width, height, 1.0, fps, model)
    top = presets.sora_class_video(width, height, max_seconds, fps, model)[2]
    frames = np.unique([latent.valid_frames(int(x), model.vae[0], model.causal, model.patch[0])
                        for x in np.linspace(1, top, points)])
    parts = transformer.forward_macs_breakdown(model, w, h, frames)
    attention = parts["attention products"] + parts["cross-attention products"]
    rest = sum(parts.values()) - attention
    return frames / fps, {"attention products": attention, "all other layers": rest}


# --- this project's own timings of the transformer alone -------------------------------------

#: Forward passes timed by this project (``benchmarks/gpu/dit_forward.py``, one NVIDIA H200,
#: bf16, eager PyTorch with random weights): the transformer's blocks alone, no autoencoder or
#: text encoder. The raw output of the run; ``benchmarks/gpu/README.md`` says how it was made.
OWN_FORWARD_FILE = Path(__file__).parents[1] / "data" / "dit_forward-h200.json"
#: The catalogue GPU those timings ran on.
OWN_FORWARD_GPU = "H200-SXM"


def own_forward_rows(path: Path = OWN_FORWARD_FILE) -> list[dict]:
    """This project's measured forward passes: per case the tokens, batch, median seconds, the
    FLOPs the script counted (2 x MACs of the blocks) and the utilisation of the dense BF16 peak
    of :data:`OWN_FORWARD_GPU` in :mod:`sorabook.model.hardware` (:func:`implied_mfu`)."""
    import json

    data = json.loads(Path(path).read_text())
    peak = hardware.peak_flops_per_s(OWN_FORWARD_GPU, "bf16")
    rows = []
    for c in data["cases"]:
        rows.append({
            "case": c["name"], "model": c["model"], "video": c["video"], "layers": c["layers"],
            "hidden": c["hidden"], "tokens": float(c["tokens"]), "batch": c["batch"], "repeats": c["repeats"],
            "median_s": c["median_s"], "flops": c["flops"], "tflops": c["flops"] / c["median_s"] / 1e12,
            "mfu": implied_mfu(c["flops"], c["median_s"], peak), "attention_share": c["attention_share"],
            "device": data["env"]["device"], "torch": data["env"]["torch"],
        })
    return rows


def own_forward(case: str) -> dict:
    """One case of :func:`own_forward_rows` by name (``"wan14b-720p-81f"``)."""
    return next(r for r in own_forward_rows() if r["case"] == case)


def relative_to(mfu, reference):
    """A utilisation as a multiple of a reference one (calibrated 0.321 / published 0.456 = 0.70)."""
    return mfu / reference


def own_share_of_measured(case: str, preset: str) -> float:
    """:func:`own_video_seconds` over the preset's measured end-to-end seconds (Wan 2.1 14B:
    1,166 s of transformer time on an H200 against 1,875 s measured on an H100)."""
    m = next(m for m in MEASUREMENTS if m.preset == preset)
    return own_video_seconds(case, preset) / measured_seconds(m)


def attention_dominates_seconds(model: VideoDiT, width: int, height: int, fps: float) -> float | None:
    """:func:`sorabook.model.counting.attention_dominates_from` in seconds of video at ``fps``
    (the clip length from which the attention products cost more than the rest; chapter 6)."""
    w, h, _ = presets.sora_class_video(width, height, 1, 1, model)
    frames = counting.attention_dominates_from(model, w, h)
    return None if frames is None else frames / fps


def own_video_seconds(case: str, preset: str) -> float:
    """Transformer seconds of one video from a timed forward pass: the median pass of ``case``
    (batch 1) x the steps of the preset's measurement x the preset's passes per step."""
    row = own_forward(case)
    if row["batch"] != 1:
        raise ValueError(f"case {case!r}: batch {row['batch']}; expected a timing of one video (batch 1)")
    m = next(m for m in MEASUREMENTS if m.preset == preset)
    return row["median_s"] * m.steps * presets.PRESETS[preset].cfg_passes
