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

from sorabook import fleet, hardware, inference, latent
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


def _tokens_per_frame(p: Params) -> float:
    return latent.tokens_per_latent_frame(p.image_size, p.image_size, p.vae_spatial_compression, p.patch_size)


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
    pixels = latent.pixel_values(p.image_size, p.image_size, p.pixel_channels)
    return pixels / latent.latent_values(p.image_size, p.image_size, p.vae_spatial_compression, p.latent_channels)


@_result("dit-tokens-per-image", "tokens", "Transformer tokens of the example image", CH1, ",.0f")
def _dit_tokens(p: Params) -> float:
    return _tokens_per_frame(p)


@_claim("video-frames", CH1, "1 minute at 24 fps is 1,440 frames", 1_440, "frames")
@_result("video-frames", "frames", "Frames of one video", CH1, ",.0f")
def _video_frames(p: Params) -> float:
    return _frames(p)


@_claim("latent-frames", CH1, "8x compression in time leaves 180 latent frames", 180, "latent frames")
@_result("latent-frames", "latent frames", "Latent frames of one video", CH1, ",.0f")
def _latent_frames_result(p: Params) -> float:
    return _latent_frames(p)


@_result("tokens-per-video", "tokens", "Transformer tokens of one video", CH1, ",.0f")
def _tokens_per_video(p: Params) -> float:
    return latent.tokens_per_video(_latent_frames(p), _tokens_per_frame(p))


# --- chapter 2: DiT scaling (results and claims go here) -----------------------------------



# --- chapter 3: training estimate (results and claims go here) ------------------------------



# --- chapter 4: inference break-even (results and claims go here) ---------------------------
CH4 = "04-inference-break-even"


def _dit_step_flops(p: Params) -> float:
    return inference.flops_per_step(p.dit_flops_per_step, p.flops_per_mac, p.cfg_passes)


def _dit_image_flops(p: Params) -> float:
    return inference.flops_per_output(_dit_step_flops(p), p.diffusion_steps)


def _video_step_flops(p: Params) -> float:
    return inference.video_flops_per_step(_dit_step_flops(p), p.model_scale, _latent_frames(p))


def _video_flops(p: Params) -> float:
    return inference.flops_per_output(_video_step_flops(p), p.diffusion_steps)


def _video_minute_flops(p: Params) -> float:
    return inference.flops_per_minute(_video_flops(p), p.video_seconds)


def _sora_train_flops(p: Params, dataset_scale: float) -> float:
    return inference.training_flops(p.dit_train_flops, p.model_scale, dataset_scale, _latent_frames(p),
                                    p.video_data_fraction)


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
    return inference.break_even_outputs(p.dit_train_flops, _dit_image_flops(p))


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
    return inference.break_even_outputs(_sora_train_flops(p, p.dataset_scale_low), _video_minute_flops(p))


@_claim("break-even-minutes-high", CH4, "break-even after 38.1 million minutes of video (optimistic)", 38.1e6,
        "min", note="2.7 x 10^25 over the table's 524.6 x 10^9 per step gives 38.12M (the printed 38.1M); the printed "
                    "524 x 10^9 gives 38.17M")
@_result("break-even-minutes-high", "min", "Minutes of video after which inference equals training, optimistic",
         CH4, ".3g")
def _break_even_high(p: Params) -> float:
    return inference.break_even_outputs(_sora_train_flops(p, p.dataset_scale_high), _video_minute_flops(p))


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


# --- chapter 7: uncertainty ------------------------------------------------------------------
CH7 = "07-uncertainty"


def _percentile_result(output: str, q: int, unit: str, description: str, fmt: str) -> None:
    @_result(f"{output}-p{q:02d}", unit, f"{description}, {q}th percentile of the Monte Carlo", CH7, fmt)
    def _compute(p: Params) -> float:
        from sorabook import uncertainty

        return uncertainty.percentiles(uncertainty.default_simulation(p)[output], (q,))[q]


def _above_article_result(key: str, output: str, description: str, article_params: Callable[[], dict]) -> None:
    @_result(key, "of draws", description, CH7, ".0%")
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
