"""Fleet forecast: demand, supply, multipliers and power (chapter 5)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sorabook.model import fleet


def test_tiktok_minutes():
    """Article §04: 34M videos x 30 s = 17M minutes a day."""
    assert_allclose(fleet.uploaded_minutes(fleet.ARTICLE_TIKTOK_VIDEOS_PER_DAY,
                                           fleet.ARTICLE_TIKTOK_SECONDS_PER_VIDEO), 17e6, rtol=1e-12)


def test_demand():
    """Article §04: 17M x 50% = 8.5M; 43M x 15% = 6.45M (printed 6.5M); together 14.95M (printed 15M)."""
    assert_allclose(fleet.ai_minutes(17e6, 0.5), 8.5e6, rtol=1e-12)
    assert_allclose(fleet.ai_minutes(43e6, 0.15), 6.45e6, rtol=1e-12)
    assert_allclose(fleet.demand_minutes_per_day(17e6, 0.5, 43e6, 0.15), 14.95e6, rtol=1e-12)
    assert_allclose(fleet.combined_ai_share(17e6, 0.5, 43e6, 0.15), 14.95 / 60, rtol=1e-12)


def test_article_division_does_not_give_89000():
    """Article §04 prints '15M / 120 ≈ 89,000'; the division itself gives 125,000 (hand derivation)."""
    assert_allclose(fleet.gpus_at_average_load(15e6, 120.0), 125_000, rtol=1e-12)
    assert abs(fleet.gpus_at_average_load(15e6, 120.0) - 89_000) / 89_000 > 0.25


def test_multipliers():
    """Article §04: x2 for 50% utilisation, x2 peak, x2 generations: 89,000 x 8 = 712,000 ≈ 720,000."""
    assert fleet.fleet_multiplier(0.5, 2.0, 2.0) == 8.0
    assert_allclose(fleet.peak_fleet(89_000, 0.5, 2.0, 2.0), 712_000, rtol=1e-12)


def test_power():
    """facts.md: H100-SXM board power 700 W; 1,000,000 GPUs draw 700 MW (hand derivation)."""
    assert_allclose(fleet.fleet_power_mw(1e6, 700.0), 700.0, rtol=1e-12)


def test_waterfall_ends_at_peak_fleet():
    """Hand derivation: the waterfall's demand rows sum to the average fleet and its last row ends at the peak."""
    rows = fleet.waterfall(8.5e6, 6.45e6, 120.0, 0.5, 2.0, 2.0)
    assert_allclose(rows[1]["end"], fleet.gpus_at_average_load(14.95e6, 120.0), rtol=1e-12)
    assert_allclose(rows[-1]["end"], fleet.peak_fleet(14.95e6 / 120.0, 0.5, 2.0, 2.0), rtol=1e-12)
    assert [r["factor"] for r in rows[2:]] == [2.0, 2.0, 2.0]


def test_report_recomputes_the_fleet_from_the_inputs():
    """Article §04 inputs -> 14.95M min/day over 120.70 min/GPU-day = 123,856 GPUs; x8 = 990,849.

    Hand derivation: 24 x 3600 x 989.4e12 / 708.21e15 = 120.7045 minutes per GPU-day.
    """
    from sorabook.params import resolve
    from sorabook.results import registry as report

    values = report.compute(resolve()[0], ["05-fleet-forecast"])
    assert_allclose(values["fleet-minutes-per-gpu-day"], 120.7045, rtol=1e-6)
    assert_allclose(values["fleet-gpus-average"], 14.95e6 / 120.70454, rtol=1e-6)
    assert_allclose(values["fleet-gpus-peak"], 8 * 14.95e6 / 120.70454, rtol=1e-6)
    assert_allclose(values["fleet-power-mw"], values["fleet-gpus-peak"] * 700 / 1e6, rtol=1e-12)


def test_claims_flag_the_article_fleet():
    """The article's 89,000 and 720,000 disagree with its inputs; every other fleet number agrees."""
    from sorabook.results import registry as report

    rows = {r["key"]: r for r in report.check_claims("05-fleet-forecast")}
    assert rows["fleet-gpus-average"]["verdict"] == "disagrees"
    assert rows["fleet-gpus-peak"]["verdict"] == "disagrees"
    others = [r for k, r in rows.items() if k not in ("fleet-gpus-average", "fleet-gpus-peak")]
    assert others and all(r["verdict"] == "agrees" for r in others)


def test_fifty_steps_divides_the_peak_fleet_by_five():
    """The issue's done-criterion: --set diffusion_steps=50 divides fleet-gpus-peak by 5."""
    from sorabook.params import resolve
    from sorabook.results import registry as report

    base = report.compute(resolve()[0], ["05-fleet-forecast"])
    fifty = report.compute(resolve(sets=["diffusion_steps=50"])[0], ["05-fleet-forecast"])
    assert_allclose(fifty["fleet-gpus-peak"], base["fleet-gpus-peak"] / 5, rtol=1e-12)


share = st.floats(0.0, 1.0)
factor = st.floats(0.1, 10.0)
minutes = st.floats(1e3, 1e9)


@given(minutes, share, minutes, share, factor)
def test_fleet_linear_in_each_share(tt, s_tt, yt, s_yt, k):
    """Invariant: scaling both shares by k scales the fleet by k; each share adds its own platform's GPUs."""
    def peak(a, b):
        return fleet.peak_fleet(fleet.gpus_at_average_load(fleet.demand_minutes_per_day(tt, a, yt, b), 120.0),
                                0.5, 2.0, 2.0)
    assert_allclose(peak(k * s_tt, k * s_yt), k * peak(s_tt, s_yt), rtol=1e-9, atol=1e-9)
    assert_allclose(peak(s_tt, s_yt), peak(s_tt, 0.0) + peak(0.0, s_yt), rtol=1e-9, atol=1e-9)


@given(st.floats(1.0, 1e6), st.floats(0.01, 1.0), st.floats(1.0, 100.0), st.floats(1.0, 100.0), factor)
def test_fleet_linear_in_each_multiplier(avg, util, peak_ratio, gens, k):
    """Invariant: the peak fleet scales by k with peak_to_average or generations x k, and by 1/k with utilisation."""
    base = fleet.peak_fleet(avg, util, peak_ratio, gens)
    assert_allclose(fleet.peak_fleet(avg, util, k * peak_ratio, gens), k * base, rtol=1e-12)
    assert_allclose(fleet.peak_fleet(avg, util, peak_ratio, k * gens), k * base, rtol=1e-12)
    assert_allclose(fleet.peak_fleet(avg, util / k, peak_ratio, gens), k * base, rtol=1e-12)
    assert_allclose(fleet.peak_fleet(k * avg, util, peak_ratio, gens), k * base, rtol=1e-12)


def test_scalars_come_back_as_floats():
    """Plain numbers in, plain floats out (style.md: scalars with the standard library)."""
    assert type(fleet.uploaded_minutes(34e6, 30)) is float
    assert type(fleet.peak_fleet(89_000, 0.5, 2, 2)) is float
    assert type(fleet.combined_ai_share(17e6, 0.5, 43e6, 0.15)) is float
