"""Every headline result and every claim of the article, defined once.

:data:`RESULTS` maps each permanent result key to its :class:`ResultSpec`
(unit, description, chapter, display format and the function of the parameters
that computes it). :data:`CLAIMS` lists the numbers the article prints, each with
the recomputation from the article's own inputs. ``sorabook results`` and the
build's ``results.json`` are both made from these definitions.

Keys are permanent: a renamed result keeps its old key in ``aliases``.
"""

from __future__ import annotations

from typing import Callable, Iterable

from sorabook import corrections, dit, fleet, hardware, inference, latent, predict, training, transformer
from sorabook.params import Params, defaults
from sorabook.results import Claim, ResultSpec

__all__ = ["CHAPTERS", "CLAIMS", "RESULTS", "ALIASES", "check_claims", "compute", "lookup"]

RESULTS: dict[str, ResultSpec] = {}
CLAIMS: list[Claim] = []


def _result(key: str, unit: str, description: str, chapter: str, fmt: str, aliases: Iterable[str] = ()):
    def register(func: Callable[[Params], float]) -> Callable[[Params], float]:
        assert key not in RESULTS, key
        RESULTS[key] = ResultSpec(key, unit, description, chapter, fmt, func, tuple(aliases))
        return func

    return register


def _claim(key: str, chapter: str, text: str, printed: float, unit: str, note: str = ""):
    def register(func: Callable[[Params], float]) -> Callable[[Params], float]:
        CLAIMS.append(Claim(key, chapter, text, printed, unit, func, note))
        return func

    return register


# --- chapter 1: latent compression ------------------------------------------------------
CH1 = "01-latent-compression"


def _frames(p: Params) -> float:
    return latent.video_frames(p.video_seconds, p.fps)


def _latent_frames(p: Params) -> float:
    return latent.latent_frames(_frames(p), p.temporal_compression)


def _tokens_per_image(p: Params) -> float:
    return latent.tokens_per_latent_frame(p.image_size, p.image_size, p.vae_spatial_compression, p.patch_size)


def _tokens_per_frame(p: Params) -> float:
    return latent.tokens_per_latent_frame(p.frame_width, p.frame_height, p.vae_spatial_compression, p.patch_size)


@_claim("pixel-positions", CH1, "a 512x512 image has 262,144 pixels", 262_144, "pixels")
@_result("pixel-positions", "pixels", "Pixel positions of the example image", CH1, ",.0f")
def _pixel_positions(p: Params) -> float:
    return latent.pixel_positions(p.image_size, p.image_size)


@_claim("latent-positions", CH1, "its latent is 64x64 = 4,096 positions", 4_096, "positions")
@_result("latent-positions", "positions", "Latent positions of the example image", CH1, ",.0f")
def _latent_positions(p: Params) -> float:
    return latent.latent_positions(p.image_size, p.image_size, p.vae_spatial_compression)


@_result("latent-compression-ratio", "x", "Numbers per image, pixels over latent", CH1, ".3g")
def _compression_ratio(p: Params) -> float:
    return latent.compression_ratio(p.image_size, p.image_size, p.pixel_channels, p.vae_spatial_compression,
                                    p.latent_channels)


@_result("dit-tokens-per-image", "tokens", "Transformer tokens of the example image", CH1, ",.0f")
def _dit_tokens(p: Params) -> float:
    return _tokens_per_image(p)


@_claim("video-frames", CH1, "1 minute at 24 fps is 1,440 frames", 1_440, "frames")
@_result("video-frames", "frames", "Frames of one video", CH1, ",.0f")
def _video_frames(p: Params) -> float:
    return _frames(p)


@_claim("latent-frames", CH1, "8x compression in time leaves 180 latent frames", 180, "latent frames")
@_result("latent-frames", "latent frames", "Latent frames of one video", CH1, ",.0f")
def _latent_frames_result(p: Params) -> float:
    return _latent_frames(p)


@_result("tokens-per-latent-frame", "tokens", "Transformer tokens of one latent frame of the video", CH1, ",.0f")
def _tokens_per_frame_result(p: Params) -> float:
    return _tokens_per_frame(p)


@_result("tokens-per-video", "tokens", "Transformer tokens of one video", CH1, ",.0f")
def _tokens_per_video(p: Params) -> float:
    return latent.tokens_per_video(_latent_frames(p), _tokens_per_frame(p))


# --- chapter 2: DiT scaling ------------------------------------------------------------------
CH2 = "02-dit-scaling"

#: The two Table 4 rows the article's chain starts from (printed values).
_XL2_256 = next(r for r in dit.TABLE4 if r.label == "XL/2-256")
_XL2_512 = next(r for r in dit.TABLE4 if r.label == "XL/2-512")
_XL = dit.config("XL")


def _dit_paper_train_flops(p: Params, row=_XL2_512, steps: float | None = None) -> float:
    """The paper's convention (Gflops x batch x steps x 3) on a Table 4 row, in FLOPs."""
    return dit.training_compute(row.gflops * 1e9, p.dit_batch_size, p.dit_train_steps if steps is None else steps,
                                p.flops_per_mac)


def _dit_train_flop_count(p: Params) -> float:
    """DiT-XL's training compute in FLOPs: the article's 10²¹ is in the paper's unit (multiply-accumulates)."""
    return training.in_flops(p.dit_train_flops, p.flops_per_mac)


def _train_h100_seconds(p: Params, flops: float, utilization: float | None = None) -> float:
    util = p.train_utilization if utilization is None else utilization
    return hardware.gpu_seconds(flops, p.gpu, p.precision, util)


@_result("dit-xl2-256-gflops", "Gflops (multiply-accumulates)", "Forward compute of DiT-XL/2 at 256x256, counted",
         CH2, ".2f")
def _xl2_256_gflops(p: Params) -> float:
    return dit.forward_gmacs(_XL, 2, 256)


@_result("dit-xl2-512-gflops", "Gflops (multiply-accumulates)", "Forward compute of DiT-XL/2 at 512x512, counted",
         CH2, ".2f")
def _xl2_512_gflops(p: Params) -> float:
    return dit.forward_gmacs(_XL, 2, 512)


@_claim("dit-xl-params", CH2, "DiT-XL has 675M parameters", 675e6, "parameters",
        "counted from the architecture (learned parameters, the fixed position embedding excluded)")
@_result("dit-xl2-params", "parameters", "Learned parameters of DiT-XL/2, counted", CH2, ",.0f")
def _xl2_params(p: Params) -> float:
    return dit.param_count(_XL, 2)


@_result("dit-table4-max-rel-error", "relative", "Worst relative error of the counts against DiT Table 4 "
         "(Gflops read as multiply-accumulates, and parameters)", CH2, ".2%")
def _table4_error(p: Params) -> float:
    return dit.max_table4_rel_error(1.0)


@_result("dit-table4-max-rel-error-flops", "relative", "Worst relative error against DiT Table 4 if its Gflops "
         "counted two operations per multiply-accumulate", CH2, ".1%")
def _table4_error_flops(p: Params) -> float:
    return dit.max_table4_rel_error(2.0)


@_result("dit-train-flops", "FLOP", "DiT-XL training compute the article starts from", CH2, ".3g")
def _dit_train_flops(p: Params) -> float:
    return p.dit_train_flops


@_claim("dit-train-flops", CH2, "DiT-XL was trained with about 10²¹ FLOPs", 1e21, "FLOP",
        "the paper's convention for XL/2 at 512x512 (524.60 Gflops x 256 x 3M steps x 3), the table's "
        "Gflops taken as FLOPs as the article does; the article's figure is this rounded to a power of ten")
@_result("dit-train-flops-paper", "FLOP", "DiT-XL/2-512 training compute by the paper's convention "
         "(Gflops x batch x steps x 3)", CH2, ".3g")
def _dit_train_flops_paper(p: Params) -> float:
    return _dit_paper_train_flops(p)


@_result("dit-train-flops-paper-256", "FLOP", "DiT-XL/2-256 training compute by the paper's convention "
         "(7M steps)", CH2, ".3g")
def _dit_train_flops_paper_256(p: Params) -> float:
    return _dit_paper_train_flops(p, _XL2_256, dit.TRAIN_STEPS[256])


@_claim("dit-train-h100-days", CH2, "or one H100 for 12 days", 12, "GPU-days",
        "10²¹ FLOPs at the H100 SXM's dense BF16 peak; 11.7 rounds to 12")
@_result("dit-train-h100-days", "GPU-days", "Days of one GPU for DiT-XL's training compute", CH2, ".3g")
def _dit_train_days(p: Params) -> float:
    return _train_h100_seconds(p, _dit_train_flop_count(p)) / hardware.SECONDS_PER_DAY


@_claim("dit-train-h100-months", CH2, "about 10²¹ FLOPs equal 0.4 H100s running for a month", 0.4, "GPU-months",
        "30-day months at the H100 SXM's dense BF16 peak; 0.39 printed to one digit is 0.4")
@_result("dit-train-h100-months", "GPU-months", "GPU-months for DiT-XL's training compute", CH2, ".2g")
def _dit_train_months(p: Params) -> float:
    return _train_h100_seconds(p, _dit_train_flop_count(p)) / hardware.SECONDS_PER_DAY / p.days_per_month


# --- chapter 3: training estimate ---------------------------------------------------------
CH3 = "03-training-estimate"


def _video_factor(p: Params, count_images: bool | None = None) -> float:
    images = p.train_count_images if count_images is None else count_images
    return training.data_mix_factor(_latent_frames(p), p.video_data_fraction, images)


def _sora_flops(p: Params, dataset_scale: float) -> float:
    return corrections.train_flops(p, dataset_scale, _latent_frames(p))


def _months(p: Params, flops: float, utilization: float | None = None) -> float:
    return _train_h100_seconds(p, flops, utilization) / hardware.SECONDS_PER_DAY / p.days_per_month


@_claim("model-scale", CH3, "a 20B-parameter Sora needs 30x DiT's compute", 30, "x",
        "20B over DiT-XL/2's 675M counted parameters")
@_result("model-scale-implied", "x", "Sora's assumed parameters over DiT-XL/2's", CH3, ".3g")
def _model_scale_implied(p: Params) -> float:
    return dit.model_scale(p.sora_params)


@_claim("dit-train-images", CH3, "3 million steps at batch 256 = 768M images", 768e6, "images")
@_result("dit-train-images", "images", "Images DiT-XL/2-512 saw in training (batch x steps)", CH3, ",.0f")
def _dit_images(p: Params) -> float:
    return dit.training_images(p.dit_batch_size, p.dit_train_steps)


@_claim("video-compute-factor", CH3, "180 latent frames cost 180x DiT's compute per sample", 180, "x",
        "linear in latent frames: each latent frame priced as one DiT image")
def _video_compute_factor(p: Params) -> float:
    return _latent_frames(p)


@_claim("video-data-factor", CH3, "(180 / 2): videos on half of the data", 90, "x",
        "the stated 50% images at 1x each and 50% videos at 180x give 0.5 x 180 + 0.5 x 1 = 90.5; "
        "the article leaves the image half out (the book keeps its method: train_count_images = false)")
def _video_data_factor_claim(p: Params) -> float:
    return _video_factor(p, count_images=True)


@_result("train-video-factor", "x", "Compute per training sample over one DiT image, averaged over the data mix",
         CH3, ".4g")
def _train_video_factor(p: Params) -> float:
    return _video_factor(p)


@_claim("train-flops-low", CH3, "conservative: 10²¹ × 30 × 4 × (180 / 2) ≈ 1.1 × 10²⁵ FLOPs", 1.1e25, "FLOP",
        "1.08 x 10^25 printed to two digits")
@_result("train-flops-low", "FLOP", "Sora's training compute, conservative", CH3, ".3g")
def _train_flops_low(p: Params) -> float:
    return _sora_flops(p, p.dataset_scale_low)


@_claim("train-flops-high", CH3, "optimistic: 10²¹ × 30 × 10 × (180 / 2) ≈ 2.7 × 10²⁵ FLOPs", 2.7e25, "FLOP")
@_result("train-flops-high", "FLOP", "Sora's training compute, optimistic", CH3, ".3g")
def _train_flops_high(p: Params) -> float:
    return _sora_flops(p, p.dataset_scale_high)


_MONTHS_NOTE = ("the H100 SXM's dense BF16 peak (989.4 TFLOP/s) at 100% utilisation and 30-day months, "
                "none of which the article states")


@_claim("headline-train-h100-months-low", CH3, "headline: 4,200 H100s for one month of training", 4_200,
        "GPU-months", "the 4,211 above, rounded")
@_claim("train-h100-months-low", CH3, "equal to 4,211 H100s running for a month (conservative)", 4_211,
        "GPU-months", _MONTHS_NOTE)
@_result("train-h100-months-low", "GPU-months", "GPU-months of Sora's training, conservative", CH3, ",.0f")
def _train_months_low(p: Params) -> float:
    return _months(p, _train_flops_low(p))


@_claim("headline-train-h100-months-high", CH3, "headline: to 10,500 H100s for one month", 10_500,
        "GPU-months", "the 10,528 above, rounded")
@_claim("train-h100-months-high", CH3, "to 10,528 H100s running for a month (optimistic)", 10_528,
        "GPU-months", _MONTHS_NOTE)
@_result("train-h100-months-high", "GPU-months", "GPU-months of Sora's training, optimistic", CH3, ",.0f")
def _train_months_high(p: Params) -> float:
    return _months(p, _train_flops_high(p))


@_result("train-h100-months-low-realistic", "GPU-months", "GPU-months of Sora's training, conservative, "
         "at a realistic utilisation", CH3, ",.0f")
def _train_months_low_realistic(p: Params) -> float:
    return _months(p, _train_flops_low(p), p.train_utilization_realistic)


@_result("train-h100-months-high-realistic", "GPU-months", "GPU-months of Sora's training, optimistic, "
         "at a realistic utilisation", CH3, ",.0f")
def _train_months_high_realistic(p: Params) -> float:
    return _months(p, _train_flops_high(p), p.train_utilization_realistic)



# --- chapter 4: inference break-even (results and claims go here) ---------------------------
CH4 = "04-inference-break-even"


def _dit_step_flops(p: Params) -> float:
    return inference.flops_per_step(p.dit_flops_per_step, p.flops_per_mac, p.cfg_passes)


def _dit_image_flops(p: Params) -> float:
    return inference.flops_per_output(_dit_step_flops(p), p.diffusion_steps)


def _video_step_flops(p: Params) -> float:
    return corrections.video_step_flops(p, _latent_frames(p))


def _video_flops(p: Params) -> float:
    return inference.flops_per_output(_video_step_flops(p), p.diffusion_steps)


def _video_minute_flops(p: Params) -> float:
    return inference.flops_per_minute(_video_flops(p), p.video_seconds)


@_claim("dit-flops-per-step", CH4, "DiT-XL uses 524 x 10^9 FLOPs per inference step", 524e9, "FLOP",
        note="the DiT paper's Table 4 prints 524.60 Gflops; the article truncates it to 524")
def _dit_step_claim(p: Params) -> float:
    return _dit_step_flops(p)


@_claim("dit-image-flops", CH4, "250 diffusion steps: 131 x 10^12 FLOPs per image", 131e12, "FLOP")
@_result("dit-image-flops", "FLOP", "Compute of one DiT-XL/2 512x512 image", CH4, ".3g")
def _dit_image(p: Params) -> float:
    return _dit_image_flops(p)


@_claim("dit-break-even-images", CH4, "DiT breaks even after 7.6 million images", 7.6e6, "images")
@_result("dit-break-even-images", "images", "Images after which DiT's inference equals its training compute",
         CH4, ".3g")
def _dit_break_even(p: Params) -> float:
    return inference.break_even_outputs(_dit_train_flop_count(p), _dit_image_flops(p))


@_result("dit-break-even-instagram-days", "days", "DiT's break-even in days of Instagram uploads", CH4, ".2g")
def _dit_break_even_days(p: Params) -> float:
    return inference.days_of_volume(_dit_break_even(p), p.instagram_images_per_day)


@_claim("video-flops-per-step", CH4, "Sora: 524 x 10^9 x 30 x 180 ≈ 2.8 x 10^15 FLOPs per step", 2.8e15, "FLOP",
        note="524 x 10^9 gives 2.830 x 10^15, 524.6 x 10^9 gives 2.833 x 10^15; both round to the printed 2.8")
@_result("video-flops-per-step", "FLOP", "Compute of one denoising step of the article's Sora", CH4, ".3g")
def _video_step(p: Params) -> float:
    return _video_step_flops(p)


@_claim("video-flops-per-video", CH4, "250 steps: 708 x 10^15 FLOPs per video", 708e15, "FLOP",
        note="708 follows from the table's 524.6 x 10^9; the printed 524 x 10^9 would give 707 x 10^15")
@_result("video-flops-per-video", "FLOP", "Compute of one generated video", CH4, ".3g")
def _video(p: Params) -> float:
    return _video_flops(p)


@_result("video-flops-per-minute", "FLOP", "Compute of one minute of generated video", CH4, ".3g")
def _video_minute(p: Params) -> float:
    return _video_minute_flops(p)


@_claim("video-minutes-per-h100-hour", CH4, "about 5 minutes of video per H100 per hour (at most)", 5.0, "min",
        note="H100-SXM, dense BF16 peak (989.4 TFLOP/s), 100% utilisation")
@_result("video-minutes-per-h100-hour", "min/GPU-hour",
         "Minutes of video per GPU-hour (H100-SXM by default) at the inference utilisation", CH4, ".3g")
def _minutes_per_hour(p: Params) -> float:
    return inference.minutes_per_gpu_hour(_video_minute_flops(p), p.gpu, p.precision, p.inference_utilization)


@_claim("break-even-minutes-low", CH4, "break-even after 15.3 million minutes of video (conservative)", 15.3e6,
        "min", note="1.08 x 10^25 over the table's 524.6 x 10^9 per step gives 15.25M; the printed 524 x 10^9 gives "
                    "15.27M, which rounds to the printed 15.3M")
@_result("break-even-minutes-low", "min", "Minutes of video after which inference equals training, conservative",
         CH4, ".3g")
def _break_even_low(p: Params) -> float:
    return inference.break_even_outputs(_sora_flops(p, p.dataset_scale_low), _video_minute_flops(p))


@_claim("break-even-minutes-high", CH4, "break-even after 38.1 million minutes of video (optimistic)", 38.1e6,
        "min", note="2.7 x 10^25 over the table's 524.6 x 10^9 per step gives 38.12M (the printed 38.1M); the printed "
                    "524 x 10^9 gives 38.17M")
@_result("break-even-minutes-high", "min", "Minutes of video after which inference equals training, optimistic",
         CH4, ".3g")
def _break_even_high(p: Params) -> float:
    return inference.break_even_outputs(_sora_flops(p, p.dataset_scale_high), _video_minute_flops(p))


@_result("break-even-youtube-days-low", "days", "Conservative break-even in days of YouTube uploads", CH4, ".2g")
def _break_even_days_low(p: Params) -> float:
    return inference.days_of_volume(_break_even_low(p), p.youtube_minutes_per_day)


@_result("break-even-youtube-days-high", "days", "Optimistic break-even in days of YouTube uploads", CH4, ".2g")
def _break_even_days_high(p: Params) -> float:
    return inference.days_of_volume(_break_even_high(p), p.youtube_minutes_per_day)


@_result("llm-flops-llama2-70b", "FLOP", "Compute of one Llama-2-70B document", CH4, ".3g")
def _llama(p: Params) -> float:
    return inference.llm_flops_per_document(p.llama2_params, p.llm_tokens)


@_result("llm-flops-gpt4", "FLOP", "Compute of one GPT-4 document (unofficial MoE figures)", CH4, ".3g")
def _gpt4(p: Params) -> float:
    return inference.llm_flops_per_document(inference.moe_active_params(p.gpt4_expert_params,
                                                                        p.gpt4_active_experts), p.llm_tokens)


@_result("dit-vs-llama2-ratio", "x", "DiT image over Llama-2-70B document, compute per output", CH4, ".2g")
def _dit_vs_llama(p: Params) -> float:
    return _dit_image_flops(p) / _llama(p)


@_result("video-vs-gpt4-ratio", "x", "Sora minute over GPT-4 document, compute per output", CH4, ".3g")
def _video_vs_gpt4(p: Params) -> float:
    return _video_minute_flops(p) / _gpt4(p)


# --- chapter 5: fleet forecast (results and claims go here) ---------------------------------
CH5 = "05-fleet-forecast"


def _fleet_supply(p: Params) -> float:
    # The fleet's utilisation is fleet_utilization (one of its multipliers): the supply per GPU is
    # chapter 4's throughput at 100% of peak, as in the article's 120 minutes per H100-day.
    return inference.minutes_per_gpu_day(_video_minute_flops(p), p.gpu, p.precision, 1.0)


def _fleet_demand(p: Params) -> float:
    return fleet.demand_minutes_per_day(p.tiktok_minutes_per_day, p.tiktok_ai_share, p.youtube_minutes_per_day,
                                        p.youtube_ai_share)


@_claim("fleet-minutes-per-gpu-day", CH5, "5 minutes per H100-hour = 120 minutes per H100-day", 120.0, "min",
        note="recomputed from 708 x 10^15 FLOPs per minute rather than from the rounded 5 minutes per hour")
@_result("fleet-minutes-per-gpu-day", "min/GPU-day", "Minutes of video one GPU generates per day at full load",
         CH5, ".4g")
def _supply(p: Params) -> float:
    return _fleet_supply(p)


@_claim("tiktok-minutes-per-day", CH5, "TikTok: 34M videos x 30 s = 17M minutes a day", 17e6, "min/day")
def _tiktok_minutes(p: Params) -> float:
    return fleet.uploaded_minutes(fleet.ARTICLE_TIKTOK_VIDEOS_PER_DAY, fleet.ARTICLE_TIKTOK_SECONDS_PER_VIDEO)


@_claim("tiktok-ai-minutes-per-day", CH5, "TikTok, 50% AI: 8.5M minutes a day", 8.5e6, "min/day")
def _tiktok_ai(p: Params) -> float:
    return fleet.ai_minutes(p.tiktok_minutes_per_day, p.tiktok_ai_share)


@_claim("youtube-ai-minutes-per-day", CH5, "YouTube, 15% AI: 6.5M minutes a day", 6.5e6, "min/day",
        note="43M x 15% = 6.45M, printed rounded up to 6.5M")
def _youtube_ai(p: Params) -> float:
    return fleet.ai_minutes(p.youtube_minutes_per_day, p.youtube_ai_share)


@_claim("fleet-ai-minutes-per-day", CH5, "AI video: 8.5M + 6.5M = 15M minutes a day", 15e6, "min/day")
@_result("fleet-ai-minutes-per-day", "min/day", "Minutes of AI video per day, TikTok and YouTube", CH5, ",.0f")
def _demand(p: Params) -> float:
    return _fleet_demand(p)


@_claim("fleet-gpus-average", CH5, "15M / 120 ≈ 89,000 H100", 89e3, "GPUs",
        note="does not follow: 15M / 120 = 125,000 with the article's own rounded numbers, and its unrounded "
             "inputs give the value recomputed here")
@_result("fleet-gpus-average", "GPUs", "GPUs at average load and full utilisation", CH5, ",.0f")
def _gpus_average(p: Params) -> float:
    return fleet.gpus_at_average_load(_fleet_demand(p), _fleet_supply(p))


@_result("fleet-multiplier", "x", "Peak fleet over GPUs at average load and full utilisation", CH5, ".3g")
def _multiplier(p: Params) -> float:
    return fleet.fleet_multiplier(p.fleet_utilization, p.peak_to_average, p.generations_per_upload)


@_claim("fleet-gpus-peak", CH5, "x2 x2 x2: about 720,000 H100 at peak", 720e3, "GPUs",
        note="the article's own 89,000 x 8 = 712,000 ≈ 720,000: the multipliers are applied correctly to an "
             "average fleet that does not follow from the inputs")
@_result("fleet-gpus-peak", "GPUs", "GPUs needed at peak demand", CH5, ",.0f")
def _gpus_peak(p: Params) -> float:
    return fleet.peak_fleet(_gpus_average(p), p.fleet_utilization, p.peak_to_average, p.generations_per_upload)


@_result("fleet-power-mw", "MW", "Board power of the peak fleet", CH5, ".3g")
def _fleet_power(p: Params) -> float:
    return fleet.fleet_power_mw(_gpus_peak(p), hardware.board_power_w(p.gpu))


# --- chapter 6: calibration against measured models ---------------------------------------
CH6 = "06-audit"


def _calibration_rows() -> list[dict]:
    return predict.calibration_rows()


def _calibration_row(preset: str) -> dict:
    return next(r for r in _calibration_rows() if r["preset"] == preset)


def _calibrated() -> tuple[float, float]:
    rows = _calibration_rows()
    return predict.calibrate_mfu([r["flops_per_video"] for r in rows], [r["measured_seconds"] for r in rows],
                                 [r["peak_flops_per_s"] for r in rows])


def _sora_model(p: Params) -> transformer.VideoDiT:
    return predict.sora_corrected_model(p.sora_params)


def _sora_prediction(p: Params, seconds: float) -> dict:
    model = _sora_model(p)
    w, h, f = predict.sora_class_video(p.sora_width, p.sora_height, seconds, p.fps, model)
    return predict.predict(model, w, h, f, p.sora_steps, p.sora_cfg_passes, p.gpu, 1, _calibrated()[0],
                           p.precision, p.fps)


@_claim("architecture-flops-per-video", CH6,
        "250 steps: 708 x 10^15 FLOPs per video (counted from DiT-XL/2's architecture, per frame x 30)", 708e15,
        "table flop", note="the first-principles count in multiply-accumulates, the unit the article reads as FLOPs")
def _architecture_video(p: Params) -> float:
    pre = predict.PRESETS["sora-article"]
    macs = transformer.forward_macs(pre.model, pre.width, pre.height,
                                    int(latent.video_frames(p.video_seconds, p.fps)))
    return float(macs) * p.cfg_passes * p.diffusion_steps


@_result("wan-flops-per-video", "FLOP", "Transformer compute of one Wan 2.1 14B video (1280x720, 81 frames, "
         "50 steps, guidance)", CH6, ".3g")
def _wan_flops(p: Params) -> float:
    return _calibration_row("wan2.1-14b")["flops_per_video"]


@_result("wan-predicted-seconds", "s", "Predicted seconds of one Wan 2.1 14B video on one H100 at the published "
         "utilisation", CH6, ",.0f")
def _wan_predicted(p: Params) -> float:
    return predict.calibration_rows(p.measured_mfu_delavande)[0]["predicted_seconds"]


@_result("wan-implied-mfu", "share of peak", "Utilisation implied by Wan 2.1 14B's measured 1,875 s", CH6, ".3f")
def _wan_mfu(p: Params) -> float:
    return _calibration_row("wan2.1-14b")["implied_mfu"]


@_result("hunyuan-implied-mfu", "share of peak", "Utilisation implied by HunyuanVideo's measured 1,689 s", CH6,
         ".3f")
def _hunyuan_mfu(p: Params) -> float:
    return _calibration_row("hunyuanvideo")["implied_mfu"]


@_result("cogvideox-implied-mfu", "share of peak", "Utilisation implied by CogVideoX-2B's measured 43-50 s", CH6,
         ".3f")
def _cog_mfu(p: Params) -> float:
    return _calibration_row("cogvideox-2b")["implied_mfu"]


@_result("calibrated-mfu", "share of peak", "The one utilisation that best fits the three measurements (log "
         "least squares)", CH6, ".3f")
def _calibrated_mfu(p: Params) -> float:
    return _calibrated()[0]


@_result("calibration-rms-log-error", "ln units", "Root-mean-square log error of the calibrated prediction", CH6,
         ".2f")
def _calibration_error(p: Params) -> float:
    return _calibrated()[1]


@_result("calibrated-vs-published-mfu", "x", "Calibrated utilisation over the published 0.456", CH6, ".2f")
def _calibrated_vs_published(p: Params) -> float:
    return predict.relative_to(_calibrated()[0], p.measured_mfu_delavande)


@_result("own-mfu-wan14b-720p", "share of peak", "Utilisation of Wan 2.1 14B's transformer blocks at 1280x720, "
         "81 frames, timed by this project on one H200", CH6, ".3f")
def _own_mfu_wan(p: Params) -> float:
    return predict.own_forward("wan14b-720p-81f")["mfu"]


@_result("own-mfu-dit-xl2-512", "share of peak", "Utilisation of DiT-XL/2's blocks at 512x512 (batch 64), timed by "
         "this project on one H200", CH6, ".3f")
def _own_mfu_dit(p: Params) -> float:
    return predict.own_forward("dit-xl2-512-b64")["mfu"]


@_result("own-wan14b-transformer-seconds", "s", "Transformer seconds of one Wan 2.1 14B video (720p, 81 frames, "
         "50 steps x 2 passes) from this project's H200 timing", CH6, ",.0f")
def _own_wan_seconds(p: Params) -> float:
    return predict.own_video_seconds("wan14b-720p-81f", "wan2.1-14b")


@_result("own-vs-measured-wan-seconds", "share", "This project's transformer seconds over the measured end-to-end "
         "1,875 s of Wan 2.1 14B", CH6, ".2f")
def _own_vs_measured(p: Params) -> float:
    return predict.own_share_of_measured("wan14b-720p-81f", "wan2.1-14b")


@_result("hunyuan-predicted-energy-wh", "Wh", "Predicted energy of one HunyuanVideo video at board power and the "
         "calibrated utilisation", CH6, ",.0f")
def _hunyuan_energy(p: Params) -> float:
    return predict.calibration_rows(_calibrated()[0])[1]["predicted_energy_wh"]


@_result("sora-corrected-params", "parameters", "Parameters of the Sora-class transformer as shaped", CH6, ".3g")
def _sora_params(p: Params) -> float:
    return float(transformer.param_count(_sora_model(p)))


@_result("sora-class-tokens", "tokens", "Video tokens of the Sora-class clip", CH6, ",.0f")
def _sora_tokens(p: Params) -> float:
    return _sora_prediction(p, p.sora_seconds)["tokens"]


@_result("sora-class-flops-per-video", "FLOP", "Transformer compute of one Sora-class clip", CH6, ".3g")
def _sora_class_flops(p: Params) -> float:
    return _sora_prediction(p, p.sora_seconds)["flops_per_video"]


@_result("sora-class-attention-share", "share", "Share of the Sora-class compute in the attention products", CH6,
         ".3f")
def _sora_attention(p: Params) -> float:
    return _sora_prediction(p, p.sora_seconds)["attention_share"]


@_result("sora-class-h100-seconds", "GPU-s", "GPU-seconds of one Sora-class clip at the calibrated utilisation",
         CH6, ".3g")
def _sora_seconds(p: Params) -> float:
    return _sora_prediction(p, p.sora_seconds)["seconds_per_video"]


@_result("sora-class-minutes-per-h100-hour", "min/GPU-hour", "Minutes of Sora-class video per GPU-hour at the "
         "calibrated utilisation", CH6, ".3g")
def _sora_minutes(p: Params) -> float:
    r = _sora_prediction(p, p.sora_seconds)
    return float(predict.minutes_per_gpu_hour(p.sora_seconds, r["gpu_hours_per_video"]))


@_result("sora-minute-h100-seconds", "GPU-s", "GPU-seconds of one minute-long Sora-class video (the article's "
         "length) at the calibrated utilisation", CH6, ".3g")
def _sora_minute_seconds(p: Params) -> float:
    return _sora_prediction(p, p.video_seconds)["seconds_per_video"]


@_result("sora-minute-minutes-per-h100-hour", "min/GPU-hour", "Minutes of video per GPU-hour for the "
         "minute-long Sora-class video", CH6, ".3g")
def _sora_minute_minutes(p: Params) -> float:
    r = _sora_prediction(p, p.video_seconds)
    return float(predict.minutes_per_gpu_hour(p.video_seconds, r["gpu_hours_per_video"]))


@_result("sora-class-vs-article-ratio", "x", "The article's minutes per H100-hour over the Sora-class figure",
         CH6, ".3g")
def _sora_vs_article(p: Params) -> float:
    return _minutes_per_hour(Params(defaults())) / _sora_minutes(p)
# --- chapter 7: what the estimate leaves out -------------------------------------------------
CH7 = "07-corrections"


def _corrected_result(key: str, base: str, description: str) -> None:
    spec = RESULTS[base]

    @_result(key, spec.unit, description, CH7, spec.fmt)
    def _compute(p: Params) -> float:
        return spec.compute(corrections.corrected(p))


for _key, _base, _description in (
    ("corrected-video-minutes-per-h100-hour", "video-minutes-per-h100-hour",
     "Minutes of video per GPU-hour with every correction of the corrected scenario"),
    ("corrected-train-h100-months-low", "train-h100-months-low",
     "GPU-months of Sora's training, conservative, with every correction"),
    ("corrected-train-h100-months-high", "train-h100-months-high",
     "GPU-months of Sora's training, optimistic, with every correction"),
    ("corrected-break-even-minutes-low", "break-even-minutes-low",
     "Minutes of video at break-even, conservative, with every correction"),
    ("corrected-fleet-gpus-peak", "fleet-gpus-peak", "GPUs needed at peak demand with every correction"),
):
    _corrected_result(_key, _base, _description)


@_result("corrected-vs-article-minutes-ratio", "x", "Minutes of video per GPU-hour without the corrections over "
         "with them", CH7, ".3g")
def _corrected_minutes_ratio(p: Params) -> float:
    return _minutes_per_hour(corrections.uncorrected(p)) / _minutes_per_hour(corrections.corrected(p))


@_result("attention-share-corrected", "share", "Share of one pass in the attention products, corrected clip", CH7,
         ".1%")
def _attention_share_corrected(p: Params) -> float:
    return corrections.clip_attention_share(corrections.corrected(p))


# --- chapter 8: uncertainty ------------------------------------------------------------------
CH8 = "08-uncertainty"


def _percentile_result(output: str, q: int, unit: str, description: str, fmt: str) -> None:
    @_result(f"{output}-p{q:02d}", unit, f"{description}, {q}th percentile of the Monte Carlo", CH8, fmt)
    def _compute(p: Params) -> float:
        from sorabook import uncertainty

        return uncertainty.default_percentiles(p)[output][q]


def _above_article_result(key: str, output: str, description: str, article_params: Callable[[], dict]) -> None:
    @_result(key, "of draws", description, CH8, ".0%")
    def _compute(p: Params) -> float:
        from sorabook import uncertainty

        threshold = uncertainty.point(article_params(), [uncertainty.OUTPUT_BY_KEY[output]])[output]
        return uncertainty.exceedance(uncertainty.default_simulation(p)[output], threshold)


for _output, _unit, _description, _fmt in (
    ("train-h100-months", "GPU-months", "Sora's training in GPU-months", ",.0f"),
    ("video-minutes-per-h100-hour", "min/GPU-hour", "Minutes of video per GPU-hour", ".3g"),
    ("break-even-minutes", "min", "Minutes of video at break-even", ".3g"),
    ("fleet-gpus-peak", "GPUs", "GPUs needed at peak demand", ",.0f"),
):
    for _q in (5, 50, 95):
        _percentile_result(_output, _q, _unit, _description, _fmt)

_above_article_result("train-h100-months-p-above-article", "train-h100-months",
                      "Probability that training exceeds the article's conservative estimate", defaults)
_above_article_result("train-h100-months-p-above-article-high", "train-h100-months",
                      "Probability that training exceeds the article's optimistic estimate",
                      lambda: {**defaults(), "dataset_scale_low": defaults()["dataset_scale_high"]})
_above_article_result("video-minutes-per-h100-hour-p-above-article", "video-minutes-per-h100-hour",
                      "Probability of more minutes per GPU-hour than the article's", defaults)
_above_article_result("fleet-gpus-peak-p-above-article", "fleet-gpus-peak",
                      "Probability that the peak fleet exceeds the article's, recomputed from its inputs", defaults)


# --- evaluation --------------------------------------------------------------------------

#: Chapter notebooks, in reading order (file stems under ``notebooks/``): the order in
#: which their results are defined above.
CHAPTERS: tuple[str, ...] = tuple(dict.fromkeys(spec.chapter for spec in RESULTS.values()))

ALIASES: dict[str, str] = {alias: spec.key for spec in RESULTS.values() for alias in spec.aliases}


def lookup(key: str) -> ResultSpec:
    """The spec of a result by key or by a retired alias."""
    return RESULTS[ALIASES.get(key, key)]


def compute(params: Params, chapters: Iterable[str] | None = None) -> dict[str, float]:
    """Every headline result (of ``chapters``, default all) for a complete parameter set."""
    wanted = set(chapters) if chapters is not None else None
    return {
        key: float(spec.compute(params))
        for key, spec in RESULTS.items()
        if wanted is None or spec.chapter in wanted
    }


def check_claims(chapter: str | None = None) -> list[dict]:
    """The article's printed numbers recomputed from its own stated inputs (the defaults)."""
    article = Params(defaults())
    return [c.check(article) for c in CLAIMS if chapter is None or c.chapter == chapter]
