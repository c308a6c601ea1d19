"""The parameter registry: every assumption of the book, in reading order, with the article's value
as default, a unit, a range or choices, a description and a source."""

from __future__ import annotations

import re
from typing import Any

from sorabook.params.param import Param, nearest

__all__ = ["REGISTRY", "defaults", "suggest"]

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")

#: The lowest utilisation a parameter accepts (a share of the dense peak): 0.1 %. Below it the GPU
#: time of any count is meaningless (and a share near 0 turns every time into infinity).
MIN_UTILIZATION = 0.001

_S_ART_LATENT = "article §02 Detail 1 (latent diffusion): 512x512 image -> 64x64 latent"
_S_ART_VIDEO = "article §04 Training: up to 1 minute at an assumed 24 fps, DiT's 8x in time"

_PARAMS: tuple[Param, ...] = (
    # --- chapter 1: latent compression -------------------------------------------------
    Param("image_size", 512, "px", "side of the square example image",
          _S_ART_LATENT, kind="int", low=8, high=16384),
    Param("pixel_channels", 3, "channels", "colour channels of a pixel (RGB)",
          "convention of the Stable Diffusion autoencoder used by DiT", kind="int",
          low=1, high=4),
    Param("vae_spatial_compression", 8, "x per side",
          "spatial downsampling of the autoencoder, per side",
          "DiT paper (Peebles & Xie 2023) §3: the Stable Diffusion VAE, f = 8", kind="int", low=1, high=64),
    Param("latent_channels", 4, "channels", "channels of the latent representation",
          "DiT paper (Peebles & Xie 2023) §3: latent 64x64x4 at 512x512", kind="int", low=1, high=256),
    Param("patch_size", 2, "latent positions per side",
          "side of the square patch that becomes one transformer token",
          "DiT paper Table 4: XL/2", kind="int", low=1, high=32),
    Param("video_seconds", 60.0, "s", "length of one generated video",
          _S_ART_VIDEO, low=1.0, high=3600.0),
    Param("fps", 24.0, "frames/s", "frame rate of the generated video",
          _S_ART_VIDEO, low=1.0, high=240.0),
    Param("frame_width", 512, "px", "frame width of the generated video",
          "article §04 prices every latent frame as one 512x512 DiT image; Sora ships up to 1920x1080 [S]",
          kind="int", low=16, high=8192),
    Param("frame_height", 512, "px", "frame height of the generated video",
          "article §04 prices every latent frame as one 512x512 DiT image; Sora ships up to 1920x1080 [S]",
          kind="int", low=16, high=8192),
    Param("temporal_compression", 8, "x", "frames per latent frame of the video autoencoder",
          _S_ART_VIDEO, kind="int", low=1, high=64),
    # --- chapter 2: DiT scaling -------------------------------------------------------------
    Param("flops_per_mac", 1.0, "FLOP per table flop",
          "floating-point operations per unit of the DiT paper's 'Gflops' (1 = the article's reading)",
          "article §04 uses Table 4's Gflops as FLOPs; chapter 2 derives what the table counts",
          low=0.5, high=4.0),
    Param("dit_batch_size", 256, "images", "DiT training batch size",
          "DiT paper §4: batch 256", kind="int", low=1, high=1_000_000),
    Param("dit_train_steps", 3_000_000, "steps", "training steps of DiT-XL/2 at 512x512",
          "DiT paper §4 / article §04: 3 million steps", kind="int", low=1, high=1e9),
    # --- chapter 3: training estimate ---------------------------------------------------------
    Param("dit_train_flops", 1e21, "table flop",
          "compute that trained DiT-XL (the article's base), in the DiT paper's unit",
          "article §04: DiT-XL trained with about 10^21 FLOPs", low=1.0, high=1e30),
    Param("model_scale", 30.0, "x", "Sora's compute per sample over DiT-XL's, from model size",
          "article §04: 20B parameters plausible -> '30x DiT'", low=1e-3, high=1e4),
    Param("dataset_scale_low", 4.0, "x", "training compute increase from more data, conservative",
          "article §04: count 4x-10x more compute than DiT", low=1e-3, high=1e4),
    Param("dataset_scale_high", 10.0, "x", "training compute increase from more data, optimistic",
          "article §04: count 4x-10x more compute than DiT", low=1e-3, high=1e4),
    Param("video_data_fraction", 0.5, "share", "share of the training data that is video",
          "article §04: assume 50% images and 50% videos", low=0.01, high=1.0),
    Param("gpu", "H100-SXM", "catalogue name", "accelerator that GPU time is counted on",
          "article §04 counts H100s; chapter 3 shows which H100 figure reproduces it",
          kind="choice", choices=("A100-SXM", "H100-SXM", "H100-PCIe", "H800-SXM", "H200-SXM", "B200", "MI300X")),
    Param("precision", "bf16", "number format", "number format of training and inference (dense peak)",
          "article §04 (unstated); BF16 reproduces its GPU-months", kind="choice", choices=("bf16", "fp8")),
    Param("train_utilization", 1.0, "share of peak", "model FLOPs utilisation during training",
          "article §04 (unstated): its GPU-months imply 100% of peak", low=MIN_UTILIZATION, high=1.0),
    Param("days_per_month", 30.0, "days", "length of a month in GPU-months",
          "article §04 (unstated): 30 days reproduces its figures", low=28.0, high=31.0),
    Param("sora_params", 20e9, "parameters", "Sora's parameter count as the article assumes it",
          "article §04: 20B parameters plausible (its '30x DiT' follows from it)", low=1e6,
          high=1e14),
    Param("attention", "linear", "counting rule",
          "how a pass over the clip is counted: the article's linear extrapolation from DiT, or the "
          "Sora-class transformer with attention per latent frame or over the whole clip (full 3D)",
          "article §04: 524 x 10^9 x 30 x 180, linear in frames; open video models use full 3D attention [V]",
          kind="choice", choices=("linear", "per-frame", "full-3d")),
    Param("train_count_images", False, "switch",
          "count the image share of the training data at one DiT image each (the article leaves it out)",
          "article §04's (180 / 2) prices only the video half; its 50/50 mix implies 0.5 x 180 + 0.5 x 1",
          kind="bool"),
    Param("train_full_share", 1.0, "share",
          "share of the training video samples at the full clip size; the rest are short, low-resolution "
          "clips, as real runs train in stages",
          "article §04 prices every video sample as a full clip (1.0); Open-Sora 2.0 trained 2.2% of its "
          "samples at its final size (peng2025opensora2, with its released configurations) [S]",
          low=0.0, high=1.0),
    Param("train_low_side", 256, "px", "side of the square low-resolution training clips",
          "Open-Sora 2.0's first stage trains at 256 px (peng2025opensora2) [S]", kind="int", low=16, high=4096),
    Param("train_low_frames", 64, "frames", "frames of the short training clips",
          "Open-Sora 2.0's first stage: buckets of 1-129 frames of equal compute, 65 the middle one "
          "(64 for the book's non-causal autoencoder) [V: its configs/diffusion/train/stage1.py]",
          kind="int", low=1, high=100_000),
    Param("train_utilization_realistic", 0.4, "share of peak",
          "model FLOPs utilisation of a large, well-run training job (the sensitivity case)",
          "Llama 3 (Dubey et al. 2024) Table 4: 38-43% BF16 MFU on 8K-16K H100s [S]",
          low=MIN_UTILIZATION, high=1.0),
    # --- chapter 4: inference break-even ------------------------------------------------------
    Param("dit_flops_per_step", 524.6e9, "table flop", "DiT-XL/2-512 forward compute per step",
          "DiT paper Table 4: 524.60 Gflops (the article prints 524 x 10^9)",
          low=1.0, high=1e18),
    Param("diffusion_steps", 250, "steps", "denoising steps per generated video",
          "article §04: DiT's 250 DDPM steps, applied to Sora", kind="int", low=1, high=10_000),
    Param("dit_sampling_steps", 250, "steps", "denoising steps DiT-XL/2 samples one image with",
          "DiT paper §5 / article §04: 250 DDPM sampling steps (no video correction changes DiT's own sampler)",
          kind="int", low=1, high=10_000),
    Param("cfg_passes", 1, "passes per step", "forward passes per step (2 with classifier-free guidance)",
          "article §04 counts 1; DiT samples with guidance (2 passes)", kind="int", low=1, high=4),
    Param("inference_utilization", 1.0, "share of peak", "model FLOPs utilisation during inference",
          "article §04: 'at most' 5 minutes per H100-hour, i.e. 100% of peak", low=MIN_UTILIZATION,
          high=1.0),
    Param("measured_utilization", False, "switch",
          "run inference and the serving fleet at the utilisation fitted to measured generation times "
          "(chapter 6) instead of inference_utilization and fleet_utilization",
          "article §04: 100% for inference ('at most'), 50% for the fleet; chapter 6 fits measured runs [V]",
          kind="bool"),
    Param("instagram_images_per_day", 95e6, "images/day", "photos and videos uploaded to Instagram per day",
          "article §04: ~95 million a day (Instagram, 2016)", low=1.0, high=1e12),
    Param("llm_tokens", 1000, "tokens", "tokens of one LLM output document",
          "article §04: a 1,000-token document", kind="int", low=1, high=10_000_000),
    Param("llama2_params", 70e9, "parameters", "parameters of Llama-2-70B (dense, all active)",
          "article §04: Llama-2-70B", low=1.0, high=1e14),
    Param("gpt4_expert_params", 220e9, "parameters", "parameters of one GPT-4 expert (unofficial)",
          "article §04: MoE with 220B-parameter experts (unofficial)", low=1.0, high=1e14),
    Param("gpt4_active_experts", 2, "experts", "GPT-4 experts active per forward pass (unofficial)",
          "article §04: 2 experts active", kind="int", low=1, high=128),
    # --- chapter 5: fleet forecast ------------------------------------------------------------
    Param("tiktok_minutes_per_day", 17e6, "min/day", "minutes of video uploaded to TikTok per day",
          "article §04: 34M videos x 30 s = 17M minutes", low=1.0, high=1e12),
    Param("tiktok_ai_share", 0.5, "share", "share of TikTok uploads generated by AI",
          "article §04: assume 50%", low=0.0, high=1.0),
    Param("youtube_minutes_per_day", 43e6, "min/day", "minutes of video uploaded to YouTube per day",
          "article §04: ~43M minutes a day (500 hours a minute)", low=1.0, high=1e12),
    Param("youtube_ai_share", 0.15, "share", "share of YouTube uploads generated by AI",
          "article §04: assume 15%", low=0.0, high=1.0),
    Param("fleet_utilization", 0.5, "share of peak", "FLOP utilisation of the serving fleet",
          "article §04: x2 for 50% FLOP utilisation", low=MIN_UTILIZATION, high=1.0),
    Param("peak_to_average", 2.0, "x", "peak over average serving demand",
          "article §04: x2 for peak vs average traffic", low=1.0, high=100.0),
    Param("generations_per_upload", 2.0, "generations", "videos generated per video uploaded",
          "article §04: x2, creators generate about 2 videos per upload", low=1.0, high=1000.0),
    # --- chapter 6: calibration against measured models -------------------------------------
    Param("measured_mfu_delavande", 0.456, "share of peak",
          "published model-FLOPs utilisation of video diffusion transformers in inference on H100",
          "Delavande et al. 2025 (arXiv 2509.19222): mu = 0.456 of 989 TFLOP/s [S]", low=MIN_UTILIZATION,
          high=1.0),
    # --- chapter 9: held against the evidence ------------------------------------------------------
    Param("gpu_hour_price_usd", 2.0, "USD per GPU-hour", "rental price of one H100-class GPU for an hour, to turn "
          "prices and spend into GPU time", "Open-Sora 2.0 prices its run at $2 per GPU-hour (peng2025opensora2); "
          "on-demand cloud H100s list from about $2 to about $10 an hour", low=0.5, high=20.0),
    # --- sorabook predict: one video of a preset or a given architecture --------------------------
    Param("clip_frames", 1440, "frames", "frames of the clip that `sorabook predict` prices (--frames; the "
          "chapters use video_seconds x fps)", "article §04: one minute at 24 fps; a preset's default clip otherwise",
          kind="int", low=1, high=1_000_000),
    Param("gpus_per_video", 1, "GPUs", "GPUs that generate one video together (`sorabook predict --gpus`)",
          "one GPU per video, as the measured single-GPU runs", kind="int", low=1, high=1024),
    # --- chapter 8: uncertainty ---------------------------------------------------------------
    Param("seed", 20240301, "integer", "seed of the Monte Carlo's random generator (same seed, same draws)",
          "this book's choice (the article's date); any seed is as good", kind="int", low=0, high=2**32 - 1),
    Param("draws", 200_000, "draws", "Monte Carlo draws of every uncertain parameter",
          "this book's choice: 5/50/95 percentiles then move by well under 1 % between seeds", kind="int",
          low=1, high=10_000_000),
    Param("distribution_overrides", {}, "distributions",
          "distributions that replace the Monte Carlo's defaults, by parameter (a scenario's uncertainty: block)",
          "empty: chapter 8's documented defaults (sorabook.params.DISTRIBUTIONS)", kind="mapping"),
)

#: Every parameter of the book, by name, in reading order.
REGISTRY: dict[str, Param] = {p.name: p for p in _PARAMS}
assert len(REGISTRY) == len(_PARAMS), "parameter names are unique"
assert all(_NAME_RE.match(n) for n in REGISTRY), "parameter names are snake_case"


def defaults() -> dict[str, Any]:
    """The article's values for every parameter."""
    return {name: p.default for name, p in REGISTRY.items()}



def suggest(name: str) -> str:
    """`` (did you mean 'x'?)`` for the registry name nearest to ``name``, or an empty text."""
    near = nearest(name, list(REGISTRY))  # fsp -> fps, FPS -> fps, frame-width -> frame_width
    return f" (did you mean '{near}'?)" if near else ""
