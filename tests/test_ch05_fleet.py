"""Chapter 5, the fleet forecast: its results (sorabook.results.ch05_fleet) and its notebook."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from sorabook.params import resolve
from sorabook.results import ch05_fleet, chain, registry

from test_ch01_latent import chapter_values, check_notebook

STEM = "05-fleet-forecast"


def _values(scenario: str = "article", sets=()) -> dict:
    return chapter_values(STEM, scenario, sets)


def test_notebook_records_its_results_by_key_from_its_parameters():
    check_notebook(STEM)


def test_article_values_kept():
    """Article §04: one H100 at its 989.4 TFLOP/s dense BF16 peak makes 86,400 x 989.4e12 / 7.0821e17
    = 120.7 minutes a day; 17M x 50 % + 43M x 15 % = 14.95M minutes a day; / 120.7 = 123,856 GPUs;
    x 2 x 2 x 2 = 990,849 at peak."""
    v = _values()
    supply = 86_400 * 989.4e12 / (524.6e9 * 30 * 180 * 250)
    assert_allclose(v["fleet-minutes-per-gpu-day"], supply, rtol=1e-12)
    assert_allclose(v["tiktok-ai-minutes-per-day"], 8.5e6, rtol=1e-12)
    assert_allclose(v["youtube-ai-minutes-per-day"], 6.45e6, rtol=1e-12)
    assert_allclose(v["fleet-ai-minutes-per-day"], 14.95e6, rtol=1e-12)
    assert_allclose(v["fleet-gpus-average"], 14.95e6 / supply, rtol=1e-12)
    assert_allclose(v["fleet-gpus-peak"], 8 * 14.95e6 / supply, rtol=1e-12)


def test_ai_share_of_all_uploads():
    """(17M x 50 % + 43M x 15 %) / (17M + 43M) = 14.95 / 60 = 24.92 %; no AI video, no share."""
    assert_allclose(_values()["fleet-ai-share"], 14.95 / 60, rtol=1e-12)
    v = _values(sets=["tiktok_ai_share=0", "youtube_ai_share=0"])
    assert v["fleet-ai-share"] == v["tiktok-ai-minutes-per-day"] == v["youtube-ai-minutes-per-day"] == 0.0


def test_peak_fleet_by_share_passes_through_the_scenario():
    """The same share s on both platforms gives the demand s x 60M minutes; at s = 14.95 / 60 that is
    the article's demand, so the curve passes through its peak fleet; it is linear from 0 at s = 0."""
    for scenario in ("article", "corrected"):
        p, _ = resolve(scenario)
        v = registry.compute(p, [STEM])
        shares = np.array([0.0, v["fleet-ai-share"], 1.0])
        peaks = ch05_fleet.peak_fleet_by_share(p, shares)
        assert_allclose(peaks[:2], [0.0, v["fleet-gpus-peak"]], rtol=1e-12)
        assert_allclose(peaks[2], v["fleet-gpus-peak"] / v["fleet-ai-share"], rtol=1e-12)


def test_measured_utilization_replaces_the_fleets():
    """measured_utilization: the fleet runs at the utilisation fitted to measured runs (chapter 6)
    instead of the article's 50 %, so the multiplier is 2 x 2 / u."""
    v = _values(sets=["measured_utilization=true"])
    from sorabook.params import resolve

    p, _ = resolve(sets=["measured_utilization=true"])
    assert_allclose(v["fleet-multiplier"], 4 / chain.fitted_utilization(p), rtol=1e-12)
