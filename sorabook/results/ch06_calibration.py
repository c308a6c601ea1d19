"""Chapter 6, calibration against measured models: the transformer count held against measured
generation times, the one utilisation that fits them, this project's own GPU timings, and the
Sora-class transformer's shape (chapter 7 prices its clip)."""

from __future__ import annotations

from sorabook.model import latent, predict, presets, transformer
from sorabook.results import chain
from sorabook.results.specs import Chapter

ch = Chapter("06-audit")


def _calibration_row(preset: str) -> dict:
    return next(r for r in predict.calibration_rows() if r["preset"] == preset)


def _calibrated() -> tuple[float, float]:
    rows = predict.calibration_rows()
    return predict.calibrate_mfu([r["flops_per_video"] for r in rows], [r["measured_seconds"] for r in rows],
                                 [r["peak_flops_per_s"] for r in rows])


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
    return predict.calibration_rows(p.measured_mfu_delavande)[0]["predicted_seconds"]


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


@ch.result("calibrated-mfu", "share of peak", "The one utilisation that best fits the three measurements (log "
         "least squares)", ".3f")
def _calibrated_mfu(p) -> float:
    return chain.calibrated_utilization()


@ch.result("calibration-rms-log-error", "ln units", "Root-mean-square log error of the calibrated prediction",
           ".2f", domain="nonnegative")
def _calibration_error(p) -> float:
    return _calibrated()[1]


@ch.result("calibrated-vs-published-mfu", "x", "Calibrated utilisation over the published 0.456", ".2f")
def _calibrated_vs_published(p) -> float:
    return predict.relative_to(chain.calibrated_utilization(), p.measured_mfu_delavande)


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
         "calibrated utilisation", ",.0f")
def _hunyuan_energy(p) -> float:
    return _calibration_row("hunyuanvideo")["predicted_energy_wh"]


@ch.result("sora-corrected-params", "parameters", "Parameters of the Sora-class transformer as shaped", ".3g")
def _sora_params(p) -> float:
    return float(transformer.param_count(presets.sora_corrected_model(p.sora_params)))
