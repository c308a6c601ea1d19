"""Cost of generating a video with a diffusion transformer: the prediction, held against measured runs.

:mod:`sorabook.model.transformer` counts the compute of one forward pass from the architecture,
:mod:`sorabook.model.presets` holds the published shapes and :mod:`sorabook.model.timing` the
time model fitted to measured end-to-end runs; this module turns them into seconds, GPU-hours
and energy of one video on one GPU or several (:func:`predict`, the ``sorabook predict``
command), sets each measured run against its prediction (:func:`evidence_rows`; chapter 6) and
reads this project's own timings of the transformer. Energy: board power x GPU-hours (an upper
bound on the GPUs' own draw; host and cooling not counted). Standard library only, but for
:func:`compute_by_length`'s arrays.
"""

from __future__ import annotations

import functools
from pathlib import Path

from sorabook.model import counting, hardware, inference, latent, presets, timing, transformer
from sorabook.model.transformer import VideoDiT

__all__ = [
    "OWN_FORWARD_FILE",
    "OWN_FORWARD_GPU",
    "attention_dominates_seconds",
    "compute_by_length",
    "evidence_run",
    "evidence_rows",
    "id_",
    "implied_mfu",
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
            mfu=None, precision="bf16", fps=None, video_seconds=None, time_model=None) -> dict:
    """Predicted compute, time and energy of generating one video, end to end.

    Parameters
    ----------
    model : VideoDiT
        The transformer (a preset's or one given by its shape).
    width, height, frames : int
        The video in pixels and frames; the transformer takes them by its pipeline's rules
        (:mod:`sorabook.model.latent`).
    steps, cfg_passes : int or float
        Denoising steps and forward passes per step (2 with classifier-free guidance).
    gpu, precision : str
        A GPU of :data:`sorabook.model.hardware.GPUS` and its number format (dense peak).
    gpus : int
        GPUs working on the video together (the fitted efficiency per doubling applies).
    mfu : float, optional
        None (default): the denoising runs as the fitted time model says
        (:mod:`sorabook.model.timing`: its utilisation depends on the GPU and the pass's attention
        share). A share of the GPU's peak in (0, 1]: the denoising runs at that utilisation instead
        (the text encoder and the decoder are still the fitted model's).
    fps, video_seconds : float, optional
        The video's length for the per-minute figures: ``video_seconds``, or ``frames / fps``
        (``None`` for both: no per-minute figures).
    time_model : sorabook.model.timing.TimeModel, optional
        The fitted coefficients (default :func:`sorabook.model.timing.fitted`).

    Returns
    -------
    dict
        Tokens, MACs and FLOPs (per pass, step, video), the attention share, the seconds of the
        denoising and of the rest of the pipeline, ``seconds_per_video`` (end to end),
        ``gpu_hours_per_video`` (every GPU counted), ``energy_wh_per_video`` (board power x
        GPU-hours, an upper bound), ``mfu`` (the denoising's share of the GPUs' peak),
        ``effective_utilization`` (the transformer's FLOPs over peak x end-to-end time) and, with a
        length, the same per minute of video and the minutes of video per GPU-hour.

    Raises
    ------
    sorabook.model.transformer.ShapeError
        A size or frame count that is not a whole number >= 1.
    ValueError
        A bad GPU count or utilisation.
    """
    if mfu is not None and not 0 < mfu <= 1:
        raise ValueError(f"mfu: got {mfu:g}; expected a share of peak in (0, 1]")
    if int(gpus) != gpus or gpus < 1:
        raise ValueError(f"gpus: got {gpus}; expected a whole number >= 1")
    tm = timing.fitted() if time_model is None else time_model
    tk = transformer.tokens(model, width, height, frames)
    macs = transformer.forward_macs(model, width, height, frames)
    flops_pass = transformer.FLOPS_PER_MAC * macs
    flops_step = inference.flops_per_step(flops_pass, 1.0, cfg_passes)
    flops_video = inference.flops_per_output(flops_step, steps)
    feats = timing.run_features(model, width, height, frames, steps, cfg_passes)
    peak = hardware.peak_flops_per_s(gpu, precision)
    serial, denoise, efficiency = timing.parts(tm, feats, gpu, gpus)
    if mfu is None:  # the fitted utilisation of this pass on this GPU
        mfu = flops_video / (peak * gpus * denoise)
    else:
        denoise = hardware.gpu_seconds(flops_video, gpu, precision, mfu) / (gpus * efficiency)
    seconds = serial + denoise
    gpu_hours = seconds * gpus / hardware.SECONDS_PER_HOUR
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
        "gpu": gpu, "gpus": gpus, "precision": precision, "mfu": _f(mfu),
        "peak_flops_per_s": peak,
        "scaling_efficiency": efficiency,
        "seconds_denoising": _f(denoise),
        "seconds_text_and_decoder": _f(serial),
        "seconds_per_video": _f(seconds),
        "effective_utilization": _f(flops_video / (peak * gpus * seconds)),
        "gpu_hours_per_video": _f(gpu_hours),
        "energy_wh_per_video": _f(energy),
        "video_seconds": video_s,
        "gpu_hours_per_minute_of_video": _f(gpu_hours / minutes) if minutes else None,
        "energy_wh_per_minute_of_video": _f(energy / minutes) if minutes else None,
        "minutes_of_video_per_gpu_hour": _f(minutes / gpu_hours) if minutes else None,
    }


# --- the measured runs ---------------------------------------------------------------------------


def implied_mfu(flops, seconds, peak_flops_per_s):
    """Model-FLOPs utilisation a measurement implies: ``FLOPs / (seconds x peak)`` (the inverse of
    :func:`sorabook.model.hardware.gpu_seconds`; a share of peak)."""
    return flops / (seconds * peak_flops_per_s)


def evidence_rows(cross_validated: bool = False) -> list[dict]:
    """Each measured run against its prediction (:func:`_evidence_rows`, computed once per process;
    the rows are copies, a caller may change them)."""
    return [dict(r) for r in _evidence_rows(bool(cross_validated))]


@functools.lru_cache(maxsize=2)
def _evidence_rows(cross_validated: bool) -> tuple[dict, ...]:
    """Each measured run (``sorabook/data/evidence/inference.csv``) against its prediction.

    ``predicted_seconds`` by the time model fitted on every run, or, with ``cross_validated``, by
    the fit that left the run's model out (:func:`sorabook.model.timing.cross_validate`).
    ``implied_mfu``: the transformer's FLOPs over the GPUs' peak x the measured seconds (a whole
    pipeline's utilisation, as one constant would have it).
    """
    tm = timing.fitted()
    held = {id_(r): r["predicted"] for r in timing.cross_validate()} if cross_validated else {}
    rows = []
    for r in timing.evidence_runs():
        pre = presets.PRESETS[r["preset"]]
        peak = hardware.peak_flops_per_s(r["gpu"], "bf16")
        flops = r["features"]["flops"]
        pred = held[id_(r)] if cross_validated else timing.seconds(tm, r["features"], r["gpu"], r["gpus"])
        rows.append({
            "model": pre.model.name, "preset": r["preset"], "video": f"{r['width']}x{r['height']}, {r['frames']} frames",
            "width": r["width"], "height": r["height"], "frames": r["frames"], "steps": r["steps"],
            "cfg_passes": pre.cfg_passes, "gpu": r["gpu"], "gpus": r["gpus"],
            "tokens": float(transformer.tokens(pre.model, r["width"], r["height"], r["frames"])["video_tokens"]),
            "flops_per_video": flops, "attention_share": r["features"]["att"] / flops,
            "seconds_at_peak": flops / (peak * r["gpus"]), "measured_seconds": r["seconds"],
            "implied_mfu": implied_mfu(flops, r["seconds"] * r["gpus"], peak),
            "predicted_seconds": pred, "ratio": pred / r["seconds"],
            "energy_wh": r["gpu_energy_wh"], "board_power_w": hardware.board_power_w(r["gpu"]),
            "predicted_energy_wh": hardware.board_power_w(r["gpu"]) * pred * r["gpus"] / hardware.SECONDS_PER_HOUR,
            "software": r["software"], "date": r["date"], "tag": r["tag"], "checked": r["checked"],
            "source": r["source"], "note": r["note"], "peak_flops_per_s": peak,
        })
    return tuple(rows)


def id_(run: dict) -> tuple:
    """What identifies a measured run: its model, GPU, GPU count, video, steps, seconds and source."""
    return tuple(run[k] for k in ("preset", "gpu", "gpus", "width", "height", "frames", "steps", "seconds", "source"))


def evidence_run(preset: str, width: int, height: int, gpu: str = "H100-SXM", gpus: int = 1,
                 source: str | None = None) -> dict:
    """The row of :func:`evidence_rows` of one measured run (the first that matches)."""
    for r in evidence_rows():
        if (r["preset"], r["width"], r["height"], r["gpu"], r["gpus"]) == (preset, width, height, gpu, gpus) and (
                source is None or r["source"] == source):
            return r
    raise KeyError(f"no measured run of {preset} at {width}x{height} on {gpus} x {gpu}")


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
    row = own_forward(case)
    return own_video_seconds(case, preset) / _delavande_run(preset, row)["measured_seconds"]


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
    return row["median_s"] * _delavande_run(preset, row)["steps"] * presets.PRESETS[preset].cfg_passes


def _delavande_run(preset: str, row: dict) -> dict:
    """The measured single-H100 run (Delavande et al.) of ``preset`` at the video of timed ``row``."""
    w, h = (int(x) for x in row["video"].split("x")[:2])
    return evidence_run(preset, w, h, source="delavande2025video")
