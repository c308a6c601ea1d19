"""Chapter 6, calibration against measured models: the transformer count held against measured
generation times, the one utilisation that fits them, this project's own GPU timings, and the
Sora-class transformer's shape (chapter 7 prices its clip)."""

from __future__ import annotations

from sorabook.model import latent, predict, presets, timing, transformer
from sorabook.results import chain, corrections
from sorabook.results.specs import Chapter

ch = Chapter("06-audit")


def _calibration_row(preset: str) -> dict:
    """The measured single-H100 run of ``preset`` that chapter 6 quotes (Delavande et al.'s where they
    timed it, else the ML.ENERGY leaderboard's)."""
    runs = [r for r in predict.evidence_rows() if r["preset"] == preset and r["gpu"] == "H100-SXM" and r["gpus"] == 1]
    for source in ("delavande2025video", "mlenergy2025leaderboard"):
        for r in runs:
            if r["source"] == source and (preset != "wan2.1-14b" or r["width"] == 1280):
                return r
    raise KeyError(preset)


def _corrected(p):
    """The corrected scenario's Sora-class clip, whose utilisation chapter 6 reports, with this
    build's transformer size, GPU and number format."""
    from sorabook.params import Params, defaults

    return corrections.corrected(Params(defaults())).replace(sora_params=p.sora_params, gpu=p.gpu,
                                                             precision=p.precision)


def _rms_log_error() -> float:
    """Root-mean-square log error of the time model over every measured run (in sample)."""
    import math

    rows = predict.evidence_rows()
    return math.sqrt(sum(math.log(r["ratio"]) ** 2 for r in rows) / len(rows))


@ch.claim("architecture-flops-per-video",
          "250 steps: 708 x 10^15 FLOPs per video (counted from DiT-XL/2's architecture, per frame x 30)", 708e15,
          "table flop", note="the first-principles count in multiply-accumulates, the unit the article reads as FLOPs")
def _architecture_video(p) -> float:
    pre = presets.PRESETS["sora-article"]
    macs = transformer.forward_macs(pre.model, pre.width, pre.height, latent.video_frames(p.video_seconds, p.fps))
    return float(macs) * p.cfg_passes * p.diffusion_steps


@ch.result("wan-flops-per-video", "FLOP", "Transformer compute of one Wan 2.1 14B video (1280x720, 81 frames, "
         "50 steps, guidance)", ".3g")
def _wan_flops(p) -> float:
    return _calibration_row("wan2.1-14b")["flops_per_video"]


@ch.result("wan-measured-seconds", "s", "Measured end-to-end seconds of one Wan 2.1 14B video (1280x720, 81 "
           "frames, 50 steps) on one H100", ",.0f")
def _wan_measured(p) -> float:
    return _calibration_row("wan2.1-14b")["measured_seconds"]


@ch.result("hunyuan-measured-seconds", "s", "Measured end-to-end seconds of one HunyuanVideo video (1280x720, 129 "
           "frames, 50 steps) on one H100", ",.0f")
def _hunyuan_measured(p) -> float:
    return _calibration_row("hunyuanvideo")["measured_seconds"]


@ch.result("hunyuan-measured-energy-wh", "Wh", "Measured GPU energy of one HunyuanVideo video on one H100", ",.1f")
def _hunyuan_measured_energy(p) -> float:
    return _calibration_row("hunyuanvideo")["energy_wh"]


@ch.result("wan-predicted-seconds", "s", "Predicted seconds of one Wan 2.1 14B video on one H100 at the published "
         "utilisation", ",.0f")
def _wan_predicted(p) -> float:
    pre = presets.PRESETS["wan2.1-14b"]
    return predict.predict(pre.model, 1280, 720, 81, 50, pre.cfg_passes, "H100-SXM", 1,
                           p.measured_mfu_delavande)["seconds_per_video"]


@ch.result("wan-implied-mfu", "share of peak", "Utilisation implied by Wan 2.1 14B's measured time", ".3f")
def _wan_mfu(p) -> float:
    return _calibration_row("wan2.1-14b")["implied_mfu"]


@ch.result("hunyuan-implied-mfu", "share of peak", "Utilisation implied by HunyuanVideo's measured time",
           ".3f")
def _hunyuan_mfu(p) -> float:
    return _calibration_row("hunyuanvideo")["implied_mfu"]


@ch.result("cogvideox-implied-mfu", "share of peak", "Utilisation implied by CogVideoX-2B's measured time",
           ".3f")
def _cog_mfu(p) -> float:
    return _calibration_row("cogvideox-2b")["implied_mfu"]


@ch.result("calibrated-mfu", "share of peak", "Effective utilisation of the corrected Sora-class clip on one GPU "
           "under the time model fitted on measured runs (text encoder and decoder included)", ".3f")
def _calibrated_mfu(p) -> float:
    return chain.fitted_utilization(_corrected(p))


@ch.result("calibration-rms-log-error", "ln units", "Root-mean-square log error of the fitted time model over "
           "every measured run (in sample)",
           ".2f", domain="nonnegative")
def _calibration_error(p) -> float:
    return _rms_log_error()


@ch.result("calibrated-vs-published-mfu", "x", "The Sora-class clip's fitted effective utilisation over the "
           "published 0.456", ".2f")
def _calibrated_vs_published(p) -> float:
    return predict.relative_to(chain.fitted_utilization(_corrected(p)), p.measured_mfu_delavande)


@ch.result("own-mfu-wan14b-720p", "share of peak", "Utilisation of Wan 2.1 14B's transformer blocks at 1280x720, "
         "81 frames, timed by this project on one H200", ".3f")
def _own_mfu_wan(p) -> float:
    return predict.own_forward("wan14b-720p-81f")["mfu"]


@ch.result("own-mfu-dit-xl2-512", "share of peak", "Utilisation of DiT-XL/2's blocks at 512x512 (batch 64), timed by "
         "this project on one H200", ".3f")
def _own_mfu_dit(p) -> float:
    return predict.own_forward("dit-xl2-512-b64")["mfu"]


@ch.result("own-wan14b-transformer-seconds", "s", "Transformer seconds of one Wan 2.1 14B video (720p, 81 frames, "
         "50 steps x 2 passes) from this project's H200 timing", ",.0f")
def _own_wan_seconds(p) -> float:
    return predict.own_video_seconds("wan14b-720p-81f", "wan2.1-14b")


@ch.result("own-vs-measured-wan-seconds", "share", "This project's transformer seconds over the measured end-to-end "
         "time of Wan 2.1 14B", ".2f")
def _own_vs_measured(p) -> float:
    return predict.own_share_of_measured("wan14b-720p-81f", "wan2.1-14b")


@ch.result("hunyuan-predicted-energy-wh", "Wh", "Predicted energy of one HunyuanVideo video at board power and the "
           "fitted time model's seconds", ",.0f")
def _hunyuan_energy(p) -> float:
    return _calibration_row("hunyuanvideo")["predicted_energy_wh"]


@ch.result("sora-corrected-params", "parameters", "Parameters of the Sora-class transformer as shaped", ".3g")
def _sora_params(p) -> float:
    return float(transformer.param_count(presets.sora_corrected_model(p.sora_params)))


# --- the time model fitted on measured runs, and its cross-validation ----------------------------


def _cv() -> list[dict]:
    return predict.evidence_rows(cross_validated=True)


def _factor(ratio: float) -> float:
    """How far off a prediction is, as a factor >= 1 (0.5 and 2 are both 2x)."""
    return max(ratio, 1.0 / ratio)


@ch.result("evidence-predict-median-abs-error", "share", "Median absolute relative error of the predicted end-to-end "
           "seconds, leaving each model out of the fit that predicts its runs", ".1%", domain="nonnegative")
def _cv_median(p) -> float:
    import statistics

    return statistics.median(abs(r["ratio"] - 1.0) for r in _cv())


@ch.result("evidence-predict-worst-single-gpu", "x", "Largest factor between predicted and measured seconds over the "
           "single-GPU runs, each model left out of its fit", ".2f")
def _cv_worst_single(p) -> float:
    return max(_factor(r["ratio"]) for r in _cv() if r["gpus"] == 1)


@ch.result("evidence-predict-worst-multi-gpu", "x", "Largest factor between predicted and measured seconds over the "
           "multi-GPU runs, each model left out of its fit", ".2f")
def _cv_worst_multi(p) -> float:
    return max(_factor(r["ratio"]) for r in _cv() if r["gpus"] > 1)


@ch.result("evidence-runs", "runs", "Measured end-to-end runs the time model is fitted on", ",.0f")
def _runs(p) -> float:
    return float(len(predict.evidence_rows()))


@ch.result("time-model-u-attention", "share of peak", "Fitted utilisation of an H100 SXM in the attention products",
           ".3f", domain="share")
def _u_att(p) -> float:
    return timing.fitted().u_att


@ch.result("time-model-u-linear", "share of peak", "Fitted utilisation of an H100 SXM in the linear layers", ".3f",
           domain="share")
def _u_rest(p) -> float:
    return timing.fitted().u_rest


@ch.result("time-model-decoder-seconds", "H100-s per Mpx", "Fitted decoder time per million output pixels (width x "
           "height x frames), in H100-seconds", ".3f", domain="nonnegative")
def _decoder(p) -> float:
    return timing.fitted().d


@ch.result("time-model-fixed-seconds", "H100-s", "Fitted time of the rest of the pipeline (text encoder, transfers) "
           "per video, in H100-seconds", ".2f", domain="nonnegative")
def _fixed(p) -> float:
    return timing.fitted().t0


@ch.result("time-model-b200-speed", "x H100", "Fitted speed of a B200 relative to an H100 SXM on these pipelines", ".2f")
def _b200(p) -> float:
    return timing.fitted().gpu_speed("B200")


@ch.result("time-model-a100-speed", "x H100", "Fitted speed of an A100 relative to an H100 SXM on these pipelines",
           ".2f")
def _a100(p) -> float:
    return timing.fitted().gpu_speed("A100-SXM")


@ch.result("time-model-scaling-efficiency", "share", "Fitted efficiency per doubling of the GPUs that share one video's "
           "denoising", ".3f", domain="share")
def _eta(p) -> float:
    return timing.fitted().eta
