"""Result formatting, claim verdicts and the definitions in sorabook.report."""

from __future__ import annotations

import re

import pytest

from sorabook.results import registry as report
from sorabook.params import resolve
from sorabook.results import format_value, relative_difference, verdict


def test_format_value():
    assert format_value(1.08e25, ".3g") == "1.08 × 10²⁵"
    assert format_value(5.2e-3, ".2g") == "0.0052"
    assert format_value(184320.0, ",.0f") == "184,320"
    assert format_value(2.5e-7, ".2g") == "2.5 × 10⁻⁷"


@pytest.mark.parametrize(
    "recomputed, printed, expected",
    [(101, 100, "agrees"), (102, 100, "agrees"), (97.9, 100, "approximate"), (125, 100, "approximate"),
     (126, 100, "disagrees"), (50, 100, "disagrees")],
)
def test_verdict_thresholds(recomputed, printed, expected):
    """The chapter 2-3 issue: agrees within 2 %, approximate within 25 %, disagrees beyond."""
    assert verdict(relative_difference(recomputed, printed)) == expected


def test_result_keys_are_permanent_names():
    for key, spec in report.RESULTS.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key), key
        assert spec.chapter in report.CHAPTERS, key
        assert spec.unit and spec.description, key
        assert spec.anchor == f"notebooks/{spec.chapter}.html#result-{key}"
    for alias, key in report.ALIASES.items():
        assert alias not in report.RESULTS and key in report.RESULTS


def test_compute_gives_every_result_as_a_float():
    p, _ = resolve()
    values = report.compute(p)
    assert set(values) == set(report.RESULTS)
    assert all(isinstance(v, float) for v in values.values())


def test_chapter_one_claims_agree():
    """Article §02 and §04: 262,144 pixels, 4,096 latent positions, 1,440 frames, 180 latent frames."""
    rows = report.check_claims("01-latent-compression")
    assert {r["key"] for r in rows} == {"pixel-positions", "latent-positions", "video-frames", "latent-frames"}
    assert all(r["verdict"] == "agrees" for r in rows)


def test_claims_use_the_articles_inputs_whatever_the_scenario():
    """A claim checks the article against its own inputs, not against a user's overrides."""
    before = report.check_claims()
    resolve(sets=["fps=30"])
    assert report.check_claims() == before


def test_chapters_two_and_three_reproduce_the_article():
    """Article §04: 1.08e25 / 2.7e25 FLOPs and 4,211 / 10,528 H100-months; DiT Table 4 within 1 %;
    DiT-XL/2 675M parameters and 524.60 Gflops at 512x512 (paper Table 4)."""
    p, _ = resolve()
    v = report.compute(p)
    assert v["train-flops-low"] == pytest.approx(1.08e25, rel=1e-12)
    assert v["train-flops-high"] == pytest.approx(2.7e25, rel=1e-12)
    assert round(v["train-h100-months-low"]) == 4_211 and round(v["train-h100-months-high"]) == 10_528
    assert v["dit-table4-max-rel-error"] < 0.01
    assert v["dit-xl2-512-gflops"] == pytest.approx(524.60, rel=0.001)
    assert round(v["dit-xl2-params"] / 1e6) == 675
    assert v["dit-train-flops"] == 1e21
    assert v["dit-train-flops-paper"] == pytest.approx(1.2086784e21, rel=1e-12)
    assert v["dit-train-h100-days"] == pytest.approx(11.698, rel=1e-4)
    assert v["train-h100-months-low-realistic"] == pytest.approx(v["train-h100-months-low"] / 0.4, rel=1e-12)


def test_chapters_two_and_three_claims():
    """The article's arithmetic holds from its own inputs except its 10^21 base (+21 % by the paper's convention)
    and the 0.4 months / 12 days, which are 0.39 / 11.7 rounded (-2.5 %)."""
    rows = {r["key"]: r for r in report.check_claims("02-dit-scaling") + report.check_claims("03-training-estimate")}
    assert rows["dit-train-flops"]["verdict"] == "approximate"
    assert rows["dit-train-flops"]["relative_difference"] == pytest.approx(0.2086784, rel=1e-9)
    assert rows["dit-train-h100-months"]["verdict"] == rows["dit-train-h100-days"]["verdict"] == "approximate"
    agree = {"dit-xl-params", "model-scale", "dit-train-images", "video-compute-factor", "video-data-factor",
             "train-flops-low", "train-flops-high", "train-h100-months-low", "train-h100-months-high",
             "headline-train-h100-months-low", "headline-train-h100-months-high"}
    assert {k for k, r in rows.items() if r["verdict"] == "agrees"} == agree
    assert rows["video-data-factor"]["recomputed"] == 90.5
    assert all(r["note"] or r["verdict"] == "agrees" for r in rows.values())


def test_count_images_switch_changes_only_the_video_factor():
    """train_count_images = true prices the image half at 1x: 90.5 instead of 90 (+0.56 %)."""
    a = report.compute(resolve()[0], ["03-training-estimate"])
    b = report.compute(resolve(sets=["train_count_images=true"])[0], ["03-training-estimate"])
    assert b["train-video-factor"] == 90.5
    assert b["train-flops-low"] / a["train-flops-low"] == pytest.approx(90.5 / 90, rel=1e-12)
    assert b["dit-train-images"] == a["dit-train-images"]


def test_flops_per_mac_doubles_the_paper_convention():
    a = report.compute(resolve()[0], ["02-dit-scaling"])
    b = report.compute(resolve(sets=["flops_per_mac=2"])[0], ["02-dit-scaling"])
    assert b["dit-train-flops-paper"] == pytest.approx(2 * a["dit-train-flops-paper"], rel=1e-12)
    assert b["dit-table4-max-rel-error"] == a["dit-table4-max-rel-error"]  # the finding does not depend on it
