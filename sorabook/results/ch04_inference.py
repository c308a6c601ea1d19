"""Chapter 4, inference break-even: one image and one minute of video priced, per GPU-hour, against training."""

from __future__ import annotations

from sorabook.model import inference
from sorabook.model.transformer import FLOPS_PER_MAC
from sorabook.results import chain
from sorabook.results.specs import Chapter

ch = Chapter("04-inference-break-even")


@ch.claim("dit-flops-per-step", "DiT-XL uses 524 x 10^9 FLOPs per inference step", 524e9, "FLOP",
        note="the DiT paper's Table 4 prints 524.60 Gflops; the article truncates it to 524")
def _dit_step_claim(p) -> float:
    return chain.dit_step_flops(p)


@ch.claim("dit-image-flops", "250 diffusion steps: 131 x 10^12 FLOPs per image", 131e12, "FLOP")
@ch.result("dit-image-flops", "FLOP", "Compute of one DiT-XL/2 512x512 image", ".3g")
def _dit_image(p) -> float:
    return chain.dit_image_flops(p)


@ch.claim("dit-break-even-images", "DiT breaks even after 7.6 million images", 7.6e6, "images")
@ch.result("dit-break-even-images", "images", "Images after which DiT's inference equals its training compute",
         ".3g")
def _dit_break_even(p) -> float:
    return inference.break_even_outputs(chain.dit_train_flops(p), chain.dit_image_flops(p))


@ch.result("dit-break-even-instagram-days", "days", "DiT's break-even in days of Instagram uploads", ".2g")
def _dit_break_even_days(p) -> float:
    return inference.days_of_volume(_dit_break_even(p), p.instagram_images_per_day)


@ch.claim("video-flops-per-step", "Sora: 524 x 10^9 x 30 x 180 ≈ 2.8 x 10^15 FLOPs per step", 2.8e15, "FLOP",
        note="524 x 10^9 gives 2.830 x 10^15, 524.6 x 10^9 gives 2.833 x 10^15; both round to the printed 2.8")
@ch.result("video-flops-per-step", "FLOP", "Compute of one denoising step of the article's Sora", ".3g")
def _video_step(p) -> float:
    return chain.video_step_flops(p)


@ch.claim("video-flops-per-video", "250 steps: 708 x 10^15 FLOPs per video", 708e15, "FLOP",
        note="708 follows from the table's 524.6 x 10^9; the printed 524 x 10^9 would give 707 x 10^15")
@ch.result("video-flops-per-video", "FLOP", "Compute of one generated video", ".3g")
def _video(p) -> float:
    return chain.video_flops(p)


@ch.result("video-flops-per-minute", "FLOP", "Compute of one minute of generated video", ".3g")
def _video_minute(p) -> float:
    return chain.video_minute_flops(p)


@ch.claim("video-minutes-per-h100-hour", "about 5 minutes of video per H100 per hour (at most)", 5.0, "min",
        note="H100-SXM, dense BF16 peak (989.4 TFLOP/s), 100% utilisation")
@ch.result("video-minutes-per-h100-hour", "min/GPU-hour",
           "Minutes of video per GPU-hour (H100-SXM by default) at the inference utilisation", ".3g")
def _minutes_per_hour(p) -> float:
    return chain.minutes_per_gpu_hour(p)


@ch.result("gpu-seconds-per-video-second", "GPU-s per s of video", "GPU-seconds per second of generated video: "
           "3,600 GPU-seconds over the 60 x minutes of video an hour makes (the article's 5 minutes: 12)", ".3g")
def _gpu_seconds_per_video_second(p) -> float:
    return 60.0 / _minutes_per_hour(p)


@ch.claim("break-even-minutes-low", "break-even after 15.3 million minutes of video (conservative)", 15.3e6,
        "min", note="1.08 x 10^25 over the table's 524.6 x 10^9 per step gives 15.25M; the printed 524 x 10^9 gives "
                    "15.27M, which rounds to the printed 15.3M")
@ch.result("break-even-minutes-low", "min", "Minutes of video after which inference equals training, conservative",
         ".3g")
def _break_even_low(p) -> float:
    return inference.break_even_outputs(chain.sora_train_flops(p, p.dataset_scale_low), chain.video_minute_flops(p))


@ch.claim("break-even-minutes-high", "break-even after 38.1 million minutes of video (optimistic)", 38.1e6,
        "min", note="2.7 x 10^25 over the table's 524.6 x 10^9 per step gives 38.12M (the printed 38.1M); the printed "
                    "524 x 10^9 gives 38.17M")
@ch.result("break-even-minutes-high", "min", "Minutes of video after which inference equals training, optimistic",
         ".3g")
def _break_even_high(p) -> float:
    return inference.break_even_outputs(chain.sora_train_flops(p, p.dataset_scale_high), chain.video_minute_flops(p))


@ch.result("break-even-youtube-days-low", "days", "Conservative break-even in days of YouTube uploads", ".2g")
def _break_even_days_low(p) -> float:
    return inference.days_of_volume(_break_even_low(p), p.youtube_minutes_per_day)


@ch.result("break-even-youtube-days-high", "days", "Optimistic break-even in days of YouTube uploads", ".2g")
def _break_even_days_high(p) -> float:
    return inference.days_of_volume(_break_even_high(p), p.youtube_minutes_per_day)


@ch.result("llm-flops-llama2-70b", "FLOP", "Compute of one Llama-2-70B document", ".3g")
def _llama(p) -> float:
    return inference.llm_flops_per_document(p.llama2_params, p.llm_tokens)


@ch.result("llm-flops-gpt4", "FLOP", "Compute of one GPT-4 document (unofficial MoE figures)", ".3g")
def _gpt4(p) -> float:
    return inference.llm_flops_per_document(inference.moe_active_params(p.gpt4_expert_params,
                                                                        p.gpt4_active_experts), p.llm_tokens)


def _in_flops(p, count) -> float:
    """A count made from DiT's Table 4 (``flops_per_mac`` x table units) in floating-point operations:
    ``count / flops_per_mac x 2`` (chapter 2: the table counts multiply-accumulates, two FLOPs each).
    Every DiT and Sora count of this chapter is proportional to ``flops_per_mac``, under any
    ``attention`` rule, so the conversion is exact."""
    return count / p.flops_per_mac * FLOPS_PER_MAC


@ch.result("dit-image-flops-real", "FLOP", "Compute of one DiT-XL/2 512x512 image in floating-point operations "
           "(two per multiply-accumulate)", ".3g")
def _dit_image_real(p) -> float:
    """Article's inputs: 524.6e9 x 2 x 250 = 2.62 x 10^14."""
    return _in_flops(p, chain.dit_image_flops(p))


@ch.result("video-flops-per-minute-real", "FLOP", "Compute of one minute of generated video in floating-point "
           "operations (two per multiply-accumulate)", ".3g")
def _video_minute_real(p) -> float:
    """Article's inputs: 524.6e9 x 2 x 30 x 180 x 250 = 1.42 x 10^18."""
    return _in_flops(p, chain.video_minute_flops(p))


@ch.result("dit-vs-llama2-ratio", "x", "DiT image over Llama-2-70B document, compute per output as the article "
           "counts it (DiT in Table 4's unit x flops_per_mac, the language model in FLOPs)", ".2g")
def _dit_vs_llama(p) -> float:
    return chain.dit_image_flops(p) / _llama(p)


@ch.result("video-vs-gpt4-ratio", "x", "Sora minute over GPT-4 document, compute per output as the article "
           "counts it (Sora in Table 4's unit x flops_per_mac, the language model in FLOPs)", ".3g")
def _video_vs_gpt4(p) -> float:
    return chain.video_minute_flops(p) / _gpt4(p)


@ch.result("dit-vs-llama2-ratio-flops", "x", "DiT image over Llama-2-70B document, compute per output, both in "
           "floating-point operations", ".2g")
def _dit_vs_llama_flops(p) -> float:
    """Article's inputs: (524.6e9 x 2 x 250) / (2 x 70e9 x 1,000) = 2.623e14 / 1.4e14 = 1.874."""
    return _dit_image_real(p) / _llama(p)


@ch.result("video-vs-gpt4-ratio-flops", "x", "Sora minute over GPT-4 document, compute per output, both in "
           "floating-point operations", ".3g")
def _video_vs_gpt4_flops(p) -> float:
    """Article's inputs: (524.6e9 x 2 x 30 x 180 x 250) / (2 x 440e9 x 1,000) = 1.416e18 / 8.8e14 = 1,610."""
    return _video_minute_real(p) / _gpt4(p)


#: The outputs of the per-output comparison, in the article's order of its chart.
OUTPUTS = ("Sora, one minute of video", "DiT-XL/2, one 512x512 image", "Llama-2-70B, one document",
           "GPT-4, one document")


def per_output_rows(p) -> list[dict]:
    """The per-output comparison, twice: as the article counts it, and in floating-point operations.

    Each row: ``output``; ``unit``, what the article's count of it is in (DiT and Sora: Table 4's
    unit x ``flops_per_mac``, i.e. multiply-accumulates at the article's 1; the language models:
    FLOPs, 2 x parameters x tokens); ``article`` and ``article_ratio`` (over a GPT-4 document);
    ``flops`` and ``flops_ratio``, with DiT and Sora converted at two FLOPs per multiply-accumulate.
    The values are this chapter's results (one definition each).
    """
    table = "FLOP" if p.flops_per_mac == FLOPS_PER_MAC else (
        "multiply-accumulates (Table 4's unit)" if p.flops_per_mac == 1 else f"{p.flops_per_mac:g} x Table 4's unit")
    counts = [(chain.video_minute_flops(p), _video_minute_real(p), table),
              (chain.dit_image_flops(p), _dit_image_real(p), table),
              (_llama(p), _llama(p), "FLOP"), (_gpt4(p), _gpt4(p), "FLOP")]
    ref_article, ref_flops = counts[-1][0], counts[-1][1]
    return [{"output": name, "unit": unit, "article": float(article), "article_ratio": float(article / ref_article),
             "flops": float(flops), "flops_ratio": float(flops / ref_flops)}
            for name, (article, flops, unit) in zip(OUTPUTS, counts)]
