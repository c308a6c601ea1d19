"""Chapter 6, calibration against measured models: its results (sorabook.results.ch06_calibration)
and its notebook; the one measured utilisation the rest of the book uses (issue 15, item 7)."""

from __future__ import annotations

import json

from numpy.testing import assert_allclose

from conftest import run_cli
from sorabook.model import predict, presets
from sorabook.params import Params, defaults, resolve
from sorabook.results import chain, corrections, registry

from test_ch01_latent import check_notebook

STEM = "06-audit"


def test_notebook_records_its_results_by_key_from_its_parameters():
    check_notebook(STEM)


def test_calibrated_utilisation_is_the_time_models_for_the_corrected_clip():
    """Issue 16: the chapter's utilisation is the corrected clip's FLOPs over peak x the time model's
    end-to-end seconds; it lies between the implied utilisations of the measured runs' extremes."""
    v = registry.compute(Params(defaults()), [STEM])
    clip = corrections.corrected(Params(defaults()))
    assert_allclose(v["calibrated-mfu"], chain.fitted_utilization(clip), rtol=1e-12)
    assert_allclose(v["calibrated-vs-published-mfu"], v["calibrated-mfu"] / 0.456, rtol=1e-12)
    assert 0.1 < v["calibrated-mfu"] < max(v["time-model-u-attention"], v["time-model-u-linear"])
    assert v["evidence-predict-median-abs-error"] <= 0.15


def test_measured_figures_come_from_the_data_not_the_prose():
    """Item 9: the measured times and energy the prose cites are results (Delavande et al. 2025:
    1,874.5 s for Wan 2.1 14B at 720p; ML.ENERGY v3: HunyuanVideo 1,689.4 s, 323.4 Wh)."""
    v = registry.compute(Params(defaults()), [STEM])
    assert v["wan-measured-seconds"] == 1874.5
    assert round(v["hunyuan-measured-seconds"]) == 1689
    assert_allclose(v["hunyuan-measured-energy-wh"], 323.4, rtol=1e-12)


def test_one_utilisation_for_predict_the_corrected_scenario_and_the_fleet():
    """Item 7: chapter 6's calibrated value is the corrected scenario's inference and fleet utilisation
    and `sorabook predict`'s default; no second default (the old 0.456) remains."""
    calibrated = registry.lookup("calibrated-mfu").evaluate(Params(defaults()))
    corrected, _ = resolve("corrected")
    assert chain.utilization(corrected, "inference") == calibrated
    assert chain.utilization(corrected, "fleet") == calibrated
    assert chain.utilization(corrections.corrected(Params(defaults())), "inference") == calibrated
    out = run_cli("predict", "--model", "wan2.1-14b", "--format", "json")
    assert out.returncode == 0, out.stderr
    wan = presets.PRESETS["wan2.1-14b"]
    fitted = predict.predict(wan.model, wan.width, wan.height, wan.frames, wan.steps, wan.cfg_passes)
    assert json.loads(out.stdout)["seconds_per_video"] == fitted["seconds_per_video"]
    assert json.loads(out.stdout)["mfu"] == fitted["mfu"] != 0.456
