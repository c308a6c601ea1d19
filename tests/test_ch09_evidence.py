"""Chapter 9, held against the evidence: figures from the evidence tables, with hand checks."""

from __future__ import annotations

import statistics

from numpy.testing import assert_allclose

from sorabook.model import evidence, trainrun
from sorabook.params import resolve
from sorabook.results import ch09_evidence
from test_ch01_latent import chapter_values, check_notebook

STEM = "09-evidence"


def test_notebook_records_its_results_by_key_from_its_parameters():
    check_notebook(STEM)


def test_api_and_spend_figures_follow_from_the_tables_and_the_price():
    """sora-2 at $0.10 per second of video (OpenAI's model page) at $2 per GPU-hour buys 0.05 GPU-hours =
    180 GPU-seconds; $1M a day (reported) buys 1e6 / (2 x 24) = 20,833 GPUs around the clock."""
    v = chapter_values(STEM)
    assert_allclose(v["evidence-api-implied-h100-seconds-per-video-second"], 180.0, rtol=1e-12)
    assert_allclose(v["evidence-spend-implied-gpus"], 1e6 / 48, rtol=1e-12)
    doubled = chapter_values(STEM, sets=["gpu_hour_price_usd=4"])
    assert_allclose(doubled["evidence-spend-implied-gpus"], v["evidence-spend-implied-gpus"] / 2, rtol=1e-12)


def test_measured_cost_per_second_is_the_median_of_the_720p_runs():
    """Each run's seconds over its frames at the model's rate (Wan 2.1 14B: 81 frames at 16 fps = 5.06 s)."""
    rows = ch09_evidence.measured_seconds_per_video_second()
    assert rows and all(min(r["width"], r["height"]) >= 720 and r["gpus"] == 1 for r in rows)
    wan = next(r for r in rows if r["preset"] == "wan2.1-14b" and r["source"] == "delavande2025video")
    assert_allclose(wan["gpu_s_per_video_s"], 1874.5 / (81 / 16), rtol=1e-12)
    v = chapter_values(STEM)
    assert v["evidence-measured-h100-seconds-per-video-second"] == statistics.median(r["gpu_s_per_video_s"] for r in rows)


def test_training_checks_are_the_staged_model_over_the_disclosures():
    v = chapter_values(STEM)
    osr = trainrun.check(trainrun.OPEN_SORA_2)
    assert v["train-check-open-sora-2-ratio"] == osr["ratio"] == osr["predicted_gpu_hours"] / osr["disclosed_gpu_hours"]
    assert 0 < v["train-check-seaweed-7b-ratio"] < 10


def test_verdicts():
    assert ch09_evidence.verdict(12.0, 300.0) == "too low by 25x"
    assert ch09_evidence.verdict(1.5, 1.0) == "holds"
    assert ch09_evidence.verdict(3e8, 2e4) == "too high by 15,000x"


def test_evidence_prices_exist_for_the_chapter():
    assert any(r["product"] == "sora-2" for r in evidence.table("prices"))
    assert resolve("corrected")[0].gpu_hour_price_usd > 0
