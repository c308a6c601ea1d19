"""Chapter 9, held against the evidence: the article's numbers and the book's corrected ones set
against what is known by 2026 (measured runs, disclosed training, prices, reported spend).

Every figure comes from the evidence tables (:mod:`sorabook.model.evidence`), the time model
(:mod:`sorabook.model.timing`) and the training-cost model (:mod:`sorabook.model.trainrun`);
``gpu_hour_price_usd`` turns dollars into GPU time.
"""

from __future__ import annotations

import statistics

from sorabook.model import evidence, hardware, predict, presets, trainrun
from sorabook.results.specs import Chapter

__all__ = ["ch", "disclosed_h100_months", "measured_seconds_per_video_second", "verdict"]

ch = Chapter("09-evidence")

#: A ratio of estimate to evidence within this factor either way counts as holding up.
HOLDS_WITHIN = 2.0


def verdict(estimate: float, evidence_value: float) -> str:
    """``holds`` when ``estimate`` is within :data:`HOLDS_WITHIN` of ``evidence_value`` either way,
    else how far off it is and in which direction (``too low by 14x``)."""
    ratio = estimate / evidence_value
    if 1 / HOLDS_WITHIN <= ratio <= HOLDS_WITHIN:
        return "holds"
    return f"too high by {ratio:,.0f}x" if ratio > 1 else f"too low by {1 / ratio:,.0f}x"


def measured_seconds_per_video_second() -> list[dict]:
    """The measured single-GPU H100 runs at 720p or more: GPU-seconds per second of video (frames at
    the preset's output rate) and, where metered, GPU energy per second of video."""
    rows = []
    for r in predict.evidence_rows():
        pre = presets.PRESETS[r["preset"]]
        if r["gpus"] == 1 and r["gpu"] == "H100-SXM" and min(r["width"], r["height"]) >= 720 and pre.fps:
            video_s = r["frames"] / pre.fps
            rows.append({**r, "video_seconds": video_s, "gpu_s_per_video_s": r["measured_seconds"] / video_s,
                         "wh_per_video_s": r["energy_wh"] / video_s if r["energy_wh"] else None})
    return rows


def disclosed_h100_months(days_per_month: float) -> dict[str, float]:
    """GPU-months of the training runs in the evidence table on H100-class GPUs (H100, H800, H200:
    the same dense BF16 peak), by model: GPU-hours / 24 / ``days_per_month``. Disclosed and
    estimated rows alike; the table's tag says which."""
    same_peak = {"H100-SXM", "H800-SXM", "H200-SXM"}
    return {r["model"]: r["gpu_hours"] / 24.0 / days_per_month
            for r in evidence.table("training") if r["gpu"] in same_peak}


def _price(product: str) -> dict:
    return next(r for r in evidence.table("prices") if r["product"] == product)


def _spend_per_day() -> dict:
    return next(r for r in evidence.table("events") if r["quantity"] == "spend per day")


@ch.result("evidence-measured-h100-seconds-per-video-second", "H100-s per s of video", "Median H100-seconds per "
           "second of video over the measured single-GPU runs at 720p or more", ",.0f")
def _measured(p) -> float:
    return statistics.median(r["gpu_s_per_video_s"] for r in measured_seconds_per_video_second())


@ch.result("evidence-measured-wh-per-video-second", "Wh per s of video", "Median GPU energy per second of video over "
           "the metered single-GPU H100 runs at 720p or more", ",.1f")
def _measured_energy(p) -> float:
    return statistics.median(r["wh_per_video_s"] for r in measured_seconds_per_video_second() if r["wh_per_video_s"])


@ch.result("evidence-sora2-usd-per-video-second", "USD per s of video", "Price of sora-2 on OpenAI's API per second "
           "of 720p video", ".2f")
def _sora2_price(p) -> float:
    return _price("sora-2")["usd_per_video_second"]


@ch.result("evidence-api-implied-h100-seconds-per-video-second", "H100-s per s of video", "H100-seconds one second "
           "of sora-2 video buys at its API price and the rental price per GPU-hour", ",.0f")
def _api_implied(p) -> float:
    return _price("sora-2")["usd_per_video_second"] / p.gpu_hour_price_usd * hardware.SECONDS_PER_HOUR


@ch.result("evidence-spend-implied-gpus", "GPUs", "GPUs running around the clock that the reported spend on Sora "
           "buys at the rental price per GPU-hour", ",.0f")
def _spend_gpus(p) -> float:
    return _spend_per_day()["value"] / (p.gpu_hour_price_usd * 24.0)


@ch.result("train-check-open-sora-2-ratio", "x", "Open-Sora 2.0's training GPU-hours priced by the staged model "
           "from what it processed, over its disclosed GPU-hours", ".2f")
def _open_sora(p) -> float:
    return trainrun.check(trainrun.OPEN_SORA_2)["ratio"]


@ch.result("train-check-seaweed-7b-ratio", "x", "Seaweed-7B's training GPU-hours priced by the staged model, over its "
           "disclosed GPU-hours", ".2f")
def _seaweed(p) -> float:
    return trainrun.check(trainrun.SEAWEED_7B)["ratio"]
