"""The chain from parameters to compute, time and GPUs: each step defined once, for every chapter.

The results of every chapter (and the Monte Carlo, which passes NumPy arrays in the
parameters) are made of these steps: the clip's frames and tokens, the compute of one pass
over it under the counting rule ``attention`` (:mod:`sorabook.model.counting`), the compute of
training and of one video, and ONE way from FLOPs to GPU time (:func:`gpu_seconds`, at the
utilisation :func:`utilization` chooses). Each function takes a :class:`~sorabook.params.Params`
(or any mapping with attribute access to the same names) and returns a number.
"""

from __future__ import annotations

from typing import Any

from sorabook.model import counting, fleet, hardware, inference, latent, timing, training
from sorabook.model.transformer import FLOPS_PER_MAC

__all__ = [
    "clip_attention_share",
    "dit_image_flops",
    "dit_step_flops",
    "dit_train_flops",
    "fleet_demand",
    "fleet_supply",
    "frames",
    "gpu_months",
    "gpu_seconds",
    "gpus_average",
    "gpus_peak",
    "latent_frames",
    "minutes_per_gpu_hour",
    "sample_factor",
    "sora_train_flops",
    "train_video_factor",
    "tokens_per_frame",
    "tokens_per_image",
    "fitted_utilization",
    "utilization",
    "video_flops",
    "video_minute_flops",
    "video_step_flops",
]


# --- the clip ---------------------------------------------------------------------------------


def frames(p) -> Any:
    """Frames of one video: ``video_seconds x fps`` (article: 60 s x 24 = 1,440)."""
    return latent.video_frames(p.video_seconds, p.fps)


def latent_frames(p) -> Any:
    """Latent frames of one video (article: 1,440 / 8 = 180)."""
    return latent.latent_frames(frames(p), p.temporal_compression)


def tokens_per_image(p) -> Any:
    """Transformer tokens of the square example image (512 x 512, f8, patch 2: 1,024)."""
    return latent.tokens_per_latent_frame(p.image_size, p.image_size, p.vae_spatial_compression, p.patch_size)


def tokens_per_frame(p) -> Any:
    """Transformer tokens of one latent frame of the video (512 x 512: 1,024; 1280 x 720: 3,600)."""
    return latent.tokens_per_latent_frame(p.frame_width, p.frame_height, p.vae_spatial_compression, p.patch_size)


# --- one pass, one step, one video ---------------------------------------------------------------


def _clip_count(p, what: str, n_latent, width=None, height=None):
    count = counting.pass_macs if what == "macs" else counting.pass_attention_share
    return count(p.attention, p.sora_params, p.frame_width if width is None else width,
                 p.frame_height if height is None else height, n_latent, p.temporal_compression,
                 p.vae_spatial_compression, p.patch_size, p.latent_channels)


def sample_factor(p, n_latent, width=None, height=None) -> Any:
    """Compute of one pass over a clip of ``n_latent`` latent frames, in DiT-XL/2-512 passes.

    ``linear`` (the article): ``model_scale x n_latent x tokens per frame / 1,024`` (30 x 180 =
    5,400 at its defaults). ``per-frame`` and ``full-3d``: the Sora-class transformer's counted
    pass over :data:`sorabook.model.counting.REFERENCE_MACS`. Frames are ``width x height``
    (default: the video's frame size).
    """
    if width is None and height is None:
        per_frame = tokens_per_frame(p)
    else:
        per_frame = latent.tokens_per_latent_frame(width, height, p.vae_spatial_compression, p.patch_size)
    if p.attention == "linear":
        return p.model_scale * n_latent * counting.resolution_factor(per_frame)
    return _clip_count(p, "macs", n_latent, width, height) / counting.REFERENCE_MACS


def video_step_flops(p, n_latent=None) -> Any:
    """FLOPs of one denoising step over the clip (all passes of the step).

    ``linear``: DiT-XL/2-512's step (``dit_flops_per_step`` x ``flops_per_mac`` x ``cfg_passes``)
    x :func:`sample_factor` (article: 524.6 x 10⁹ x 30 x 180 = 2.83 x 10¹⁵). The architecture
    rules: the counted pass x ``flops_per_mac`` x ``cfg_passes``.
    """
    n_latent = latent_frames(p) if n_latent is None else n_latent
    if p.attention == "linear":
        return inference.flops_per_step(p.dit_flops_per_step, p.flops_per_mac, p.cfg_passes) * sample_factor(p, n_latent)
    return inference.flops_per_step(_clip_count(p, "macs", n_latent), p.flops_per_mac, p.cfg_passes)


def video_flops(p) -> Any:
    """FLOPs of one video: a step x ``diffusion_steps`` (article: 708 x 10¹⁵)."""
    return inference.flops_per_output(video_step_flops(p), p.diffusion_steps)


def video_minute_flops(p) -> Any:
    """FLOPs of one minute of video (the article's video is a minute long)."""
    return inference.flops_per_minute(video_flops(p), p.video_seconds)


def clip_attention_share(p) -> float:
    """Share of one pass over the clip in the attention products, for ``per-frame`` or ``full-3d``
    (the linear count has no attention term of its own: ValueError)."""
    if p.attention == "linear":
        raise ValueError("attention: the linear count has no attention products; expected per-frame or full-3d")
    return _clip_count(p, "share", latent_frames(p))


def dit_step_flops(p) -> Any:
    """FLOPs of one DiT-XL/2-512 sampling step: Table 4's 524.6 G x ``flops_per_mac`` x ``cfg_passes``."""
    return inference.flops_per_step(p.dit_flops_per_step, p.flops_per_mac, p.cfg_passes)


def dit_image_flops(p) -> Any:
    """FLOPs of one DiT-XL/2 512 x 512 image: a step x ``dit_sampling_steps`` (DiT's own 250, which
    no video correction changes; article: 131 x 10¹²)."""
    return inference.flops_per_output(dit_step_flops(p), p.dit_sampling_steps)


# --- training ------------------------------------------------------------------------------------


def dit_train_flops(p) -> Any:
    """DiT-XL's training compute in FLOPs: the article's 10²¹ is in the paper's unit (table flops)."""
    return training.in_flops(p.dit_train_flops, p.flops_per_mac)


def train_video_factor(p) -> Any:
    """Compute of one training video sample, in DiT-XL/2-512 passes, staged as real runs train.

    A share ``train_full_share`` of the video samples is the full clip (:func:`sample_factor` at
    :func:`latent_frames`); the rest are short clips of ``train_low_frames`` frames at
    ``train_low_side`` x ``train_low_side`` pixels, the first stage of a curriculum
    (:mod:`sorabook.model.trainrun` prices disclosed runs the same way). The article's 1.0 prices
    every sample as the full clip: 5,400 at its inputs.
    """
    full = sample_factor(p, latent_frames(p))
    share = p.train_full_share
    if not hasattr(share, "shape") and share >= 1.0:
        return full
    low = sample_factor(p, latent.latent_frames(p.train_low_frames, p.temporal_compression), p.train_low_side,
                        p.train_low_side)
    return share * full + (1.0 - share) * low


def sora_train_flops(p, dataset_scale) -> Any:
    """Sora's training compute in FLOPs: DiT's base x data x the mix's compute per sample (video
    samples by :func:`train_video_factor`, images as one latent frame). Article: 10²¹ x 4 x (0.5 x
    30 x 180) = 1.08 x 10²⁵."""
    return training.train_flops(p.dit_train_flops, p.flops_per_mac, dataset_scale, train_video_factor(p),
                                sample_factor(p, 1), p.video_data_fraction, p.train_count_images)


# --- from FLOPs to GPU time ------------------------------------------------------------------------


def utilization(p, use: str) -> Any:
    """The model-FLOPs utilisation of ``use`` (``train``, ``inference`` or ``fleet``), as a share of peak.

    Training: ``train_utilization``. Inference and the fleet: ``inference_utilization`` and
    ``fleet_utilization``, or, with ``measured_utilization``, the utilisation the time model fitted
    on measured runs gives this video on this GPU (:func:`fitted_utilization`; chapter 6), as
    ``sorabook predict`` does by default. This is the one place that chooses a utilisation.
    """
    if use == "train":
        return p.train_utilization
    if use not in ("inference", "fleet"):
        raise ValueError(f"use: got {use!r}; expected train, inference or fleet")
    if p.measured_utilization:
        return fitted_utilization(p)
    return p.inference_utilization if use == "inference" else p.fleet_utilization


def fitted_utilization(p) -> float:
    """The effective utilisation of one video of ``p`` on ``p.gpu`` under the fitted time model
    (:mod:`sorabook.model.timing`): its FLOPs (:func:`video_flops`) over the peak x the predicted
    end-to-end seconds, text encoder and decoder included. The pass's attention share sets the
    denoising's utilisation (none for the linear count, which has no attention products)."""
    flops = video_flops(p)
    real = flops * FLOPS_PER_MAC / p.flops_per_mac  # the time model counts 2 FLOPs per multiply-accumulate
    share = 0.0 if p.attention == "linear" else clip_attention_share(p)
    feats = {"flops": real, "att": real * share, "rest": real * (1.0 - share),
             "mpx": p.frame_width * p.frame_height * frames(p) / 1e6}
    tm = timing.fitted()
    seconds = timing.seconds(tm, feats, p.gpu, 1)
    return flops / (hardware.peak_flops_per_s(p.gpu, p.precision) * seconds)


def gpu_seconds(p, flops, use: str) -> Any:
    """GPU-seconds of ``flops`` on ``p.gpu`` at ``p.precision``'s dense peak and the utilisation of ``use``."""
    return hardware.gpu_seconds(flops, p.gpu, p.precision, utilization(p, use))


def gpu_months(p, flops, utilization_share=None) -> Any:
    """GPU-months (``days_per_month`` days) of training ``flops``, at ``train_utilization`` unless given."""
    share = p.train_utilization if utilization_share is None else utilization_share
    return hardware.gpu_seconds(flops, p.gpu, p.precision, share) / hardware.SECONDS_PER_DAY / p.days_per_month


def minutes_per_gpu_hour(p) -> Any:
    """Minutes of video one GPU generates per hour at the inference utilisation (article: 5.03)."""
    return hardware.SECONDS_PER_HOUR / gpu_seconds(p, video_minute_flops(p), "inference")


# --- the fleet -------------------------------------------------------------------------------------


def fleet_supply(p) -> Any:
    """Minutes of video one GPU generates per day at full load (article: 120). The fleet's
    utilisation is one of its multipliers (:func:`gpus_peak`), as in the article."""
    return inference.minutes_per_gpu_day(video_minute_flops(p), p.gpu, p.precision, 1.0)


def fleet_demand(p) -> Any:
    """Minutes of AI video per day: TikTok's and YouTube's uploads x their AI shares (article: 15M)."""
    return fleet.demand_minutes_per_day(p.tiktok_minutes_per_day, p.tiktok_ai_share, p.youtube_minutes_per_day,
                                        p.youtube_ai_share)


def gpus_average(p) -> Any:
    """GPUs at average load and full utilisation: demand / supply per GPU."""
    return fleet.gpus_at_average_load(fleet_demand(p), fleet_supply(p))


def gpus_peak(p) -> Any:
    """GPUs at peak: the average fleet / utilisation x peak-to-average x generations per upload."""
    return fleet.peak_fleet(gpus_average(p), utilization(p, "fleet"), p.peak_to_average, p.generations_per_upload)
