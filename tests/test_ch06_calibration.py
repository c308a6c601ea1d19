"""Chapter 6, calibration against measured models: its results (sorabook.results.ch06_calibration)
and its notebook; the one measured utilisation the rest of the book uses (issue 15, item 7)."""

from __future__ import annotations

import json
import math

from numpy.testing import assert_allclose

from conftest import run_cli
from sorabook.params import Params, defaults, resolve
from sorabook.results import chain, corrections, registry

from test_ch01_latent import check_notebook

STEM = "06-audit"


def test_notebook_records_its_results_by_key_from_its_parameters():
    check_notebook(STEM)


def test_calibrated_utilisation_is_the_geometric_mean_of_the_implied_ones():
    """Log least squares of one utilisation over three measurements: ln u = mean(ln u_i)."""
    v = registry.compute(Params(defaults()), [STEM])
    implied = [v["wan-implied-mfu"], v["hunyuan-implied-mfu"], v["cogvideox-implied-mfu"]]
    assert_allclose(v["calibrated-mfu"], math.exp(sum(map(math.log, implied)) / 3), rtol=1e-12)
    assert_allclose(v["calibrated-vs-published-mfu"], v["calibrated-mfu"] / 0.456, rtol=1e-12)


def test_measured_figures_come_from_the_data_not_the_prose():
    """Item 9: the measured times and energy the prose cites are results (Delavande et al. 2025:
    1,874.5 s for Wan 2.1 14B at 720p rounds to 1,875; ML.ENERGY v3: HunyuanVideo 1,689.4 s, 323.4 Wh)."""
    v = registry.compute(Params(defaults()), [STEM])
    assert round(v["wan-measured-seconds"]) == 1875
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
    assert json.loads(out.stdout)["mfu"] == calibrated
