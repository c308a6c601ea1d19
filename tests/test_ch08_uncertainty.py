"""Chapter 8's results (sorabook/results/ch08_uncertainty.py): the percentiles of this build's Monte Carlo
and of the corrected scenario's, and how they reconcile with chapters 6 and 7 (issue 15, item 2)."""

from __future__ import annotations

import pytest

from sorabook import params as P
from sorabook.results import ch08_uncertainty, corrections, registry
from sorabook.results import uncertainty as U

OUTPUTS = ("train-h100-months", "video-minutes-per-h100-hour", "break-even-minutes", "fleet-gpus-peak")

#: The chapter's keys before issue 15 (their meaning is kept: percentiles of this build's Monte Carlo,
#: shares of its draws above the article's values).
EXISTING = tuple(f"{o}-p{q:02d}" for o in OUTPUTS for q in (5, 50, 95)) + (
    "train-h100-months-p-above-article", "train-h100-months-p-above-article-high",
    "video-minutes-per-h100-hour-p-above-article", "fleet-gpus-peak-p-above-article")


@pytest.fixture(scope="module", params=["article", "corrected"])
def built(request):
    """(parameters, chapter 8's results) of one shipped scenario."""
    p = P.resolve(scenario=request.param)[0]
    return p, registry.compute(p, ["08-uncertainty"])


def test_existing_keys_are_kept():
    assert set(EXISTING) <= set(ch08_uncertainty.ch.results)


def test_new_keys_are_lowercase_hyphenated():
    for key in ch08_uncertainty.ch.results:
        assert key == key.lower() and "_" not in key and " " not in key, key
    assert {f"corrected-{o}-p{q:02d}" for o in OUTPUTS for q in (5, 50, 95)} <= set(ch08_uncertainty.ch.results)


def test_results_are_the_percentiles_of_this_build_and_of_the_corrected_scenario(built):
    """Each -pNN result is the NN-th percentile of the Monte Carlo drawn around its own point values;
    corrected-...-pNN that of corrections.corrected(p) (the same functions the CLI prints)."""
    p, got = built
    this, fixed = U.simulate(p), U.simulate(corrections.corrected(p))
    for key in OUTPUTS:
        q, c = U.percentiles(this[key]), U.percentiles(fixed[key])
        for k in (5, 50, 95):
            assert got[f"{key}-p{k:02d}"] == q[k]
            assert got[f"corrected-{key}-p{k:02d}"] == c[k]
        assert q[5] < q[50] < q[95] and c[5] < c[50] < c[95]


def test_the_corrected_point_value_lies_inside_the_corrected_band(built):
    """Issue 15: chapter 7's corrected minutes per GPU-hour (registry key corrected-video-minutes-per-h100-hour,
    which chapter 6 states as sora-class-minutes-per-h100-hour) lies between the corrected p05 and p95;
    the same for training and the fleet."""
    p, got = built
    pairs = (("video-minutes-per-h100-hour", "corrected-video-minutes-per-h100-hour"),
             ("train-h100-months", "corrected-train-h100-months-low"),
             ("fleet-gpus-peak", "corrected-fleet-gpus-peak"))
    for output, chapter7 in pairs:
        point = registry.evaluate(chapter7, p)
        assert got[f"corrected-{output}-p05"] <= point <= got[f"corrected-{output}-p95"], output
    assert registry.evaluate("sora-class-minutes-per-h100-hour", p) == registry.evaluate(
        "corrected-video-minutes-per-h100-hour", p)
    assert 0.05 < got["corrected-video-minutes-per-h100-hour-point-share"] < 0.95


def test_the_article_build_band_holds_the_article_point_and_lies_far_above_the_corrected_band():
    """Drawn around the article's values, the band holds the article's own 5.03 min/GPU-hour (article §04:
    'about 5 minutes'); the corrected band lies entirely below it (its 95th percentile under the article
    band's 5th)."""
    p = P.resolve()[0]
    got = registry.compute(p, ["08-uncertainty"])
    assert got["video-minutes-per-h100-hour-p05"] <= 5.03 <= got["video-minutes-per-h100-hour-p95"]
    assert got["corrected-video-minutes-per-h100-hour-p95"] < got["video-minutes-per-h100-hour-p05"]
    assert got["video-minutes-per-h100-hour-p50-over-corrected"] > 10


def test_in_the_corrected_build_both_bands_are_one():
    p = P.resolve(scenario="corrected")[0]
    got = registry.compute(p, ["08-uncertainty"])
    for key in OUTPUTS:
        for k in (5, 50, 95):
            assert got[f"{key}-p{k:02d}"] == got[f"corrected-{key}-p{k:02d}"]
    assert got["video-minutes-per-h100-hour-p50-over-corrected"] == 1.0


def test_shares_above_the_article_are_shares(built):
    _, got = built
    for key, value in got.items():
        if "-p-above-" in key or key.endswith("-point-share"):
            assert 0.0 <= value <= 1.0, key


def test_one_simulation_per_parameter_set():
    """The chapter's results and its corrected ones read the cache: recording them all runs the Monte
    Carlo once for this build and once for its corrected scenario."""
    p = P.resolve()[0]
    registry.compute(p, ["08-uncertainty"])
    a, b = U.default_simulation(p), U.default_simulation(corrections.corrected(p))
    registry.compute(p, ["08-uncertainty"])
    assert U.default_simulation(p) is a and U.default_simulation(corrections.corrected(p)) is b


def test_comparison_rows_match_the_registry(built):
    """The chapter's table (uncertainty.comparison_rows) shows the same numbers the registry states."""
    p, got = built
    rows = U.comparison_rows(p)
    assert len(rows) == 2 * len(OUTPUTS)
    for row, (scenario, key) in zip(rows, [(s, o) for s in ("", "corrected-") for o in OUTPUTS]):
        assert row["p05"] == got[f"{scenario}{key}-p05"] and row["p95"] == got[f"{scenario}{key}-p95"]
