"""Inference compute: per step, per output, per GPU-hour, and the break-even with training.

Implements the article's §04 "inference vs training" and "per-output comparison"
(Plappert 2024). Standard library only: every function takes plain numbers and returns
floats, and, being plain operators, takes NumPy arrays too (the Monte Carlo's draws) and
returns arrays of their shape. FLOP counts are floating-point operations unless a name says
"table flop" (the unit of the DiT paper's Table 4, which the article reads as FLOPs;
``flops_per_mac`` converts). GPU time comes from :func:`sorabook.model.hardware.gpu_seconds`.
"""

from __future__ import annotations

from sorabook.model import hardware

__all__ = [
    "break_even_curve",
    "break_even_outputs",
    "cumulative_inference_flops",
    "days_of_volume",
    "flops_per_minute",
    "flops_per_output",
    "flops_per_step",
    "llm_flops_per_document",
    "minutes_per_gpu_day",
    "minutes_per_gpu_hour",
    "moe_active_params",
]


def flops_per_step(table_flops_per_step, flops_per_mac=1.0, cfg_passes=1):
    """FLOPs of one denoising step of a diffusion transformer.

    Parameters
    ----------
    table_flops_per_step : float or array
        Forward compute of one pass in the unit of the DiT paper's Table 4
        ("Gflops" x 10^9; DiT-XL/2 at 512x512: 524.60 x 10^9).
    flops_per_mac : float or array
        Floating-point operations per unit of that table (1 = the article's reading).
    cfg_passes : int or array
        Forward passes per step: 1 as the article counts, 2 with classifier-free
        guidance (conditional and unconditional pass).

    Returns
    -------
    float or array
        FLOP per step. Article §04: "DiT-XL uses 524 x 10^9 FLOPs per inference step".
    """
    return 1.0 * table_flops_per_step * flops_per_mac * cfg_passes


def flops_per_output(step_flops, diffusion_steps):
    """FLOPs of one generated output (image or video): FLOP per step x denoising steps.

    Article §04: 524 x 10^9 FLOPs x 250 steps = 131 x 10^12 FLOPs per DiT image.
    """
    return 1.0 * step_flops * diffusion_steps


def flops_per_minute(flops_per_video, video_seconds):
    """FLOPs per minute of generated video: FLOP per video / (video length in minutes).

    The article's video is one minute long, so at its defaults a video and a
    minute cost the same (708 x 10^15 FLOPs); the two differ for any other length.
    """
    return flops_per_video / (video_seconds / 60.0)


def minutes_per_gpu_hour(flops_per_minute_of_video, gpu, precision="bf16", utilization=1.0):
    """Minutes of video one GPU generates per hour at ``utilization`` of its dense peak.

    ``1 / gpu_hours(flops per minute)``: the H100-SXM's 989.4 TFLOP/s (BF16 dense)
    at 100% gives 5.03 minutes per hour for 708 x 10^15 FLOPs per minute.
    Article §04: "about 5 minutes of video per Nvidia H100 per hour" ("at most"
    in its headline list, i.e. utilisation 1).
    """
    return 1.0 / hardware.gpu_hours(flops_per_minute_of_video, gpu, precision, utilization)


def minutes_per_gpu_day(flops_per_minute_of_video, gpu, precision="bf16", utilization=1.0):
    """Minutes of video one GPU generates per day: 24 x :func:`minutes_per_gpu_hour`.

    Article §04 fleet forecast: "5 minutes per H100 per hour, i.e. 120 minutes per day".
    """
    return (hardware.SECONDS_PER_DAY / hardware.SECONDS_PER_HOUR
            * minutes_per_gpu_hour(flops_per_minute_of_video, gpu, precision, utilization))


def break_even_outputs(train_flops, output_flops):
    """Outputs after which cumulative inference compute equals the training compute.

    ``train_flops / output_flops``. Article §04: DiT breaks even after 7.6 million
    images (10^21 / 131 x 10^12); Sora after 15.3 million (conservative) to 38.1
    million (optimistic) minutes of video.
    """
    return train_flops / output_flops


def cumulative_inference_flops(outputs, output_flops):
    """Inference compute after ``outputs`` outputs: outputs x FLOP per output (a straight line;
    article §04's break-even figure)."""
    return 1.0 * outputs * output_flops


def days_of_volume(outputs, outputs_per_day):
    """Days a platform takes to receive ``outputs`` at ``outputs_per_day``.

    Article §04 compares DiT's break-even with Instagram's ~95 million images a day
    and Sora's with YouTube's ~43 million minutes a day.
    """
    return outputs / outputs_per_day


def moe_active_params(expert_params, active_experts):
    """Parameters active per token of a mixture of experts: expert size x active experts.

    Article §04 (unofficial GPT-4 figure): 220B-parameter experts, 2 active = 440B.
    Shared (non-expert) parameters are ignored, as in the article.
    """
    return 1.0 * expert_params * active_experts


def llm_flops_per_document(active_params, tokens):
    """FLOPs to generate a document of ``tokens`` tokens: 2 x active parameters x tokens.

    Article §04: "FLOPs = 2 x parameters x generated tokens" (the forward pass of a
    decoder costs about two FLOPs per active parameter per token; attention over
    the context is ignored). Llama-2-70B, 1,000 tokens: 1.4 x 10^14 FLOPs.
    """
    return 2.0 * active_params * tokens


def break_even_curve(output_flops, train_flops_max, headroom=1.25, n=201):
    """Points of the cumulative inference line for a break-even figure.

    Returns NumPy arrays ``(outputs, cumulative_flops)``: ``n`` output counts from 0 to
    ``headroom`` times the largest break-even (``train_flops_max / output_flops``)
    and the inference compute after each (article §04's break-even figure).
    """
    import numpy as np  # a curve for a figure: the one place here that needs arrays

    outputs = np.linspace(0.0, headroom * float(break_even_outputs(train_flops_max, output_flops)), n)
    return outputs, cumulative_inference_flops(outputs, output_flops)