"""Chapter 7, what the estimate leaves out: every correction of the ``corrected`` scenario applied
to the article's chain, and the Sora-class clip priced by it (the same chain, so chapters 3 to 7
state one number for one quantity)."""

from __future__ import annotations

from sorabook.model import latent
from sorabook.results import ch03_training, ch04_inference, ch05_fleet, chain, corrections
from sorabook.results.specs import Chapter

ch = Chapter("07-corrections")


def _clip_seconds(p) -> float:
    return chain.gpu_seconds(p, chain.video_flops(p), "inference")


def _corrected_result(key: str, base, unit: str, fmt: str, description: str, aliases=()) -> None:
    @ch.result(key, unit, description, fmt, aliases=aliases)
    def _compute(p) -> float:
        return base(corrections.corrected(p))


_corrected_result("corrected-video-minutes-per-h100-hour", ch04_inference._minutes_per_hour, "min/GPU-hour", ".3g",
                  "Minutes of video per GPU-hour with every correction of the corrected scenario",
                  aliases=("sora-class-minutes-per-h100-hour", "sora-minute-minutes-per-h100-hour"))
_corrected_result("corrected-gpu-seconds-per-video-second", ch04_inference._gpu_seconds_per_video_second,
                  "GPU-s per s of video", ".3g", "GPU-seconds per second of generated video with every correction")
_corrected_result("corrected-train-h100-months-low", ch03_training._train_months_low, "GPU-months", ",.0f",
                  "GPU-months of Sora's training, conservative, with every correction")
_corrected_result("corrected-train-h100-months-high", ch03_training._train_months_high, "GPU-months", ",.0f",
                  "GPU-months of Sora's training, optimistic, with every correction")
_corrected_result("corrected-break-even-minutes-low", ch04_inference._break_even_low, "min", ".3g",
                  "Minutes of video at break-even, conservative, with every correction")
_corrected_result("corrected-fleet-gpus-peak", ch05_fleet._gpus_peak, "GPUs", ",.0f",
                  "GPUs needed at peak demand with every correction")


@ch.result("corrected-fleet-power-gw", "GW", "Board power of the corrected peak fleet (GPUs alone: hosts, network "
           "and cooling come on top)", ",.1f")
def _corrected_fleet_gw(p) -> float:
    return ch05_fleet._fleet_power(corrections.corrected(p)) / 1e3


@ch.result("corrected-vs-article-minutes-ratio", "x", "Minutes of video per GPU-hour without the corrections over "
           "with them", ".3g", aliases=("sora-class-vs-article-ratio",))
def _corrected_minutes_ratio(p) -> float:
    return chain.minutes_per_gpu_hour(corrections.uncorrected(p)) / chain.minutes_per_gpu_hour(corrections.corrected(p))


@ch.result("attention-share-corrected", "share", "Share of one pass in the attention products, corrected clip",
           ".1%", aliases=("sora-class-attention-share",))
def _attention_share_corrected(p) -> float:
    return chain.clip_attention_share(corrections.corrected(p))


@ch.result("sora-class-tokens", "tokens", "Video tokens of the corrected Sora-class clip", ",.0f")
def _sora_tokens(p) -> float:
    c = corrections.corrected(p)
    return latent.tokens_per_video(chain.latent_frames(c), chain.tokens_per_frame(c))


@ch.result("sora-class-flops-per-video", "FLOP", "Compute of one corrected Sora-class clip", ".3g")
def _sora_class_flops(p) -> float:
    return chain.video_flops(corrections.corrected(p))


@ch.result("sora-class-h100-seconds", "GPU-s", "GPU-seconds of one corrected Sora-class clip at the inference "
           "utilisation", ".3g")
def _sora_seconds(p) -> float:
    return _clip_seconds(corrections.corrected(p))


@ch.result("sora-minute-h100-seconds", "GPU-s", "GPU-seconds of one minute of corrected Sora-class video",
           ".3g")
def _sora_minute_seconds(p) -> float:
    c = corrections.corrected(p)
    return chain.gpu_seconds(c, chain.video_minute_flops(c), "inference")


#: Columns of chapter 7's table of options on top of the corrections (:func:`corrections.beyond`):
#: each a function of the already corrected parameters.
BEYOND_COLUMNS = {
    "video-minutes-per-h100-hour": ch04_inference._minutes_per_hour,
    "clip-gpu-seconds": _clip_seconds,
    "train-h100-months-low": ch03_training._train_months_low,
    "break-even-minutes-low": ch04_inference._break_even_low,
    "fleet-gpus-peak": ch05_fleet._gpus_peak,
}
