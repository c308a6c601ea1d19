"""Issue 19, item 5: wrong numbers from valid inputs. Each attack below once published negative or
non-finite numbers with exit 0; now every value is finite and inside its domain, or the input is
refused with one line and exit 2."""

from __future__ import annotations

import json
import math

import pytest

from conftest import run_cli
from sorabook.results import registry


def _finite_and_in_domain(doc: dict) -> None:
    for key, r in doc["results"].items():
        registry.RESULTS[key].check(r["value"])  # DomainError names the result


def test_corrected_two_minute_1080p_clip_publishes_no_negative_number():
    """attack: --scenario corrected --set video_seconds=120 --set frame_width=1920 --set frame_height=1088
    published 23 negative results ("-3,351,866 GPU-months") with exit 0 (int64 overflow)."""
    out = run_cli("results", "--scenario", "corrected", "--set", "video_seconds=120", "--set", "frame_width=1920",
                  "--set", "frame_height=1088", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    _finite_and_in_domain(doc)
    assert doc["results"]["corrected-train-h100-months-low"]["value"] > 0


def test_a_6001_frame_wan_clip_counts_positive_flops_and_a_share_at_most_one():
    """attack: predict --model wan2.1-14b --width 1280 --height 720 --frames 6001 gave negative FLOPs and an
    attention share of 1.01."""
    out = run_cli("predict", "--model", "wan2.1-14b", "--width", "1280", "--height", "720", "--frames", "6001",
                  "--format", "json")
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert r["flops_per_video"] > 0 and math.isfinite(r["flops_per_video"])
    assert 0 <= r["attention_share"] <= 1
    assert r["seconds_per_video"] > 0


@pytest.mark.parametrize("mfu", ["5e-324", "0", "1e-9"])
def test_a_vanishing_utilisation_is_refused_not_printed_as_infinity(mfu):
    """attack: predict --mfu 5e-324 --format json printed Infinity, which is not JSON."""
    out = run_cli("predict", "--model", "wan2.1-14b", "--mfu", mfu, "--format", "json")
    assert out.returncode == 2 and out.stdout == ""
    assert "parameter 'inference_utilization' (from --mfu)" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
