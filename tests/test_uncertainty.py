"""The Monte Carlo and tornado of chapter 8 (sorabook/results/uncertainty.py) and the distributions of the
registry (sorabook/params/distributions.py): spreads around each scenario's own values, counts drawn as
counts, the measured utilisation, seeds, scenario files and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sorabook import params as P
from sorabook.params import Distribution, ParamError
from sorabook.params.distributions import DISTRIBUTIONS, Spread
from sorabook.results import chain
from sorabook.results import uncertainty as U
from sorabook.model import predict

from conftest import run_cli

N = 20_000


def _scenario(name: str):
    return P.resolve(scenario=name)[0]


# --- spreads around the point value ---------------------------------------------------------------


@pytest.mark.parametrize("scenario, steps, low, high", [("article", 250, 150, 417), ("corrected", 50, 30, 83)])
def test_steps_are_drawn_around_the_scenarios_own_value(scenario, steps, low, high):
    """Issue 15: the corrected scenario's 50 steps are drawn around 50 (not over the article's 50-250).
    Hand derivation: 0.6 x 250 = 150, 250 / 0.6 = 416.7 -> 417; 0.6 x 50 = 30, 50 / 0.6 = 83.3 -> 83."""
    d = P.distributions(_scenario(scenario))["diffusion_steps"]
    assert (d.kind, d.low, d.high) == ("log-uniform", low, high)
    assert _scenario(scenario).diffusion_steps == steps


@pytest.mark.parametrize("scenario, point, other", [("article", 1.0, 2.0), ("corrected", 2.0, 1.0)])
def test_guidance_passes_are_a_choice_of_two_counts(scenario, point, other):
    """The scenario's own count 3 in 4, the other count 1 in 4 (DISTRIBUTIONS['cfg_passes'].other = 0.25)."""
    d = P.distributions(_scenario(scenario))["cfg_passes"]
    assert d.kind == "choice"
    assert dict(zip(d.values, d.weights)) == {point: 0.75, other: 0.25}


def test_a_count_without_an_alternative_is_not_drawn():
    """Three passes per step (allowed, 1-4) has no stated alternative: fixed at the point."""
    p = _scenario("article").replace(cfg_passes=3)
    assert P.distributions(p)["cfg_passes"].kind == "fixed"


def test_ranges_are_clipped_to_the_allowed_values_and_say_so():
    """train_utilization 1.0 x 1.5 = 1.5 is past the allowed 1.0: clipped, with a note; the corrected 0.22
    gives 0.165-0.33 unclipped (0.75 x 0.22, 1.5 x 0.22)."""
    article = P.distributions(_scenario("article"))["train_utilization"]
    assert (article.low, article.mode, article.high) == (0.75, 1.0, 1.0)
    assert "clipped" in article.note and "clipped" in article.text()
    corrected = P.distributions(_scenario("corrected"))["train_utilization"]
    assert_allclose((corrected.low, corrected.mode, corrected.high), (0.165, 0.22, 0.33), rtol=1e-12)
    assert corrected.note == ""
    for p in (_scenario("article"), _scenario("corrected")):
        for name, d in P.distributions(p).items():
            spec = P.REGISTRY[name]
            if d.kind != "fixed":
                assert spec.low <= d.low <= p[name] <= d.high <= spec.high, name


def test_the_data_factor_spans_the_scenarios_two_ends():
    """Article §04: 4x-10x; a scenario with 5x-8x draws 5-8."""
    assert (P.distributions(_scenario("article"))["dataset_scale_low"].low,
            P.distributions(_scenario("article"))["dataset_scale_low"].high) == (4.0, 10.0)
    d = P.distributions(_scenario("article").replace(dataset_scale_low=5.0, dataset_scale_high=8.0))
    assert (d["dataset_scale_low"].low, d["dataset_scale_low"].high) == (5.0, 8.0)


def test_a_share_of_zero_is_not_drawn():
    """A triangle from 0.33 x 0 to 2 x 0 has no width: the parameter stays at its point."""
    p = _scenario("article").replace(youtube_ai_share=0.0)
    assert P.distributions(p)["youtube_ai_share"].kind == "fixed"


@pytest.mark.parametrize("scenario", ["article", "corrected"])
def test_counts_are_whole_numbers_in_the_draws(scenario):
    """Issue 15 item 2: steps and passes are drawn as counts, never a number in between."""
    drawn = U.sample(_scenario(scenario), None, N, 5)
    for name in ("diffusion_steps", "cfg_passes"):
        x = np.asarray(drawn[name])
        assert np.array_equal(x, np.rint(x)), name
    assert set(np.unique(drawn.cfg_passes)) == {1.0, 2.0}


@pytest.mark.parametrize("scenario", ["article", "corrected"])
def test_symmetric_distributions_are_centred_on_the_point(scenario):
    """The median of the draws of each distribution symmetric around the point (a triangle from 0.5x to
    1.5x or 0.2x to 1.8x; log-uniform from 0.6x to 1/0.6x; a choice weighted 3 in 4 on the point) lies
    within 2 % of the scenario's point value."""
    p = _scenario(scenario)
    drawn = U.sample(p, None, 200_000, 11)
    for name in ("model_scale", "sora_params", "video_data_fraction", "tiktok_ai_share", "diffusion_steps",
                 "cfg_passes"):
        assert_allclose(np.median(drawn[name]), p[name], rtol=0.02, err_msg=name)


def test_every_default_spread_documents_its_source_and_rule():
    for name, s in DISTRIBUTIONS.items():
        assert isinstance(s, Spread) and s.source and s.text(), name
        assert P.REGISTRY[name].kind in ("float", "int"), name
    assert not {"attention", "train_count_images", "measured_utilization"} & set(DISTRIBUTIONS)


# --- the measured utilisation --------------------------------------------------------------------


def test_measured_utilization_draws_one_utilisation_within_the_measured_runs():
    """Corrected scenario (measured_utilization: true): inference and the fleet get one draw, inside the
    range of chapter 6's implied utilisations, peaked at the fitted value; the switch is unfolded."""
    p = _scenario("corrected")
    fitted = chain.fitted_utilization(p)
    ratios = [r["ratio"] for r in predict.evidence_rows(cross_validated=True)]
    d = U.measured_distribution(fitted)
    assert_allclose((d.low, d.high), (fitted * min(ratios), fitted * max(ratios)), rtol=1e-12)
    assert d.mode == fitted
    implied = [d.low, d.high]
    assert "inference_utilization" not in P.distributions(p) and "fleet_utilization" not in P.distributions(p)
    drawn = U.sample(p, None, N, 3)
    assert drawn.measured_utilization is False
    assert drawn.inference_utilization is drawn.fleet_utilization
    assert min(implied) <= drawn.inference_utilization.min() and drawn.inference_utilization.max() <= max(implied)


def test_a_fixed_measured_utilization_gives_the_point_value_of_the_chain():
    """uncertainty: inference_utilization and fleet_utilization fixed -> the fitted value, so the drawn
    chain with every other parameter fixed reproduces the corrected point value exactly."""
    p = _scenario("corrected")
    fixed = {n: Distribution(n, "fixed") for n in ("inference_utilization", "fleet_utilization")}
    p = p.replace(distribution_overrides={n: "fixed" for n in fixed})
    assert U.plan(p, fixed)[1] == []
    sims = U.simulate(p, fixed, 100, 1)
    for key, value in U.point(p).items():
        assert np.all(sims[key] == value), key


def test_an_override_replaces_the_measured_draw_for_its_use_only():
    p = _scenario("corrected").replace(
        distribution_overrides={"inference_utilization": {"dist": "uniform", "low": 0.5, "high": 0.6}})
    drawn = U.sample(p, None, N, 3)
    assert drawn.inference_utilization.min() >= 0.5
    assert drawn.fleet_utilization.max() <= U.measured_distribution(chain.fitted_utilization(p)).high


# --- seeds, degenerate draws, known answers --------------------------------------------------------


@pytest.mark.parametrize("scenario", ["article", "corrected"])
def test_same_seed_same_draws_other_seed_other_draws(scenario):
    p = _scenario(scenario)
    a, b, c = U.simulate(p, None, N, 11), U.simulate(p, None, N, 11), U.simulate(p, None, N, 12)
    for key in a:
        assert a[key].tobytes() == b[key].tobytes()
    assert a["train-h100-months"].tobytes() != c["train-h100-months"].tobytes()


def test_adding_a_distribution_leaves_the_others_draws_unchanged():
    """Per-parameter streams: fixing cfg_passes does not move the draws of diffusion_steps."""
    p = _scenario("article")
    dists = P.distributions(p)
    a = U.sample(p, dists, 1000, 4)
    b = U.sample(p, {**dists, "cfg_passes": Distribution("cfg_passes", "fixed")}, 1000, 4)
    assert a.diffusion_steps.tobytes() == b.diffusion_steps.tobytes()


def test_spreads_and_absolute_distributions_give_the_same_draws():
    """simulate accepts the default spreads (benchmarks pass DISTRIBUTIONS) or their absolute form."""
    p = _scenario("article")
    a = U.simulate(p, DISTRIBUTIONS, 1000, 2)
    b = U.simulate(p, P.distributions(p), 1000, 2)
    assert all(a[k].tobytes() == b[k].tobytes() for k in a)


def test_low_equal_high_reproduces_the_point_estimate_exactly():
    """A distribution with low = high = the point value leaves every draw at the point: percentiles == point."""
    p = _scenario("article")
    degenerate = {n: Distribution(n, "uniform", float(p[n]), float(p[n])) for n in DISTRIBUTIONS}
    sims = U.simulate(p, degenerate, 1000, 3)
    points = U.point(p)
    for key, values in sims.items():
        for q, v in U.percentiles(values).items():
            assert v == points[key], (key, q)


def test_training_point_is_the_article_conservative_estimate():
    """Article §04: 1.1e25 FLOPs 'equal to 4,211 H100 running for one month' (H100-SXM BF16 dense, 30 days)."""
    assert_allclose(U.point(P.defaults())["train-h100-months"], 4211, rtol=1e-3)


def test_tornado_known_answer():
    """GPU-months ∝ model_scale / train_utilization (the article's formula). Hand derivation with
    model_scale uniform [10, 40] (central 25) and utilisation uniform [0.5, 1] (central 0.75):
    swing(model_scale) = K (40 - 10) / 0.75 = 40 K; swing(utilisation) = K x 25 x (1/0.5 - 1/1) = 25 K,
    K = GPU-months per unit of model scale at utilisation 1 = 4,211.3 / 30."""
    p = _scenario("article")
    dists = {"model_scale": Distribution("model_scale", "uniform", 10.0, 40.0),
             "train_utilization": Distribution("train_utilization", "uniform", 0.5, 1.0)}
    rows = U.tornado(p, dists)
    train = rows["train-h100-months"]
    assert [r["parameter"] for r in train] == ["model_scale", "train_utilization"]
    k = U.point(P.defaults())["train-h100-months"] / 30.0
    assert_allclose(train[0]["swing"], 40 * k, rtol=1e-12)
    assert_allclose(train[1]["swing"], 25 * k, rtol=1e-12)
    minutes = {r["parameter"]: r["swing"] for r in rows["video-minutes-per-h100-hour"]}
    assert minutes["train_utilization"] == 0.0 and minutes["model_scale"] > 0


def test_tornado_of_the_corrected_scenario_swings_the_measured_utilization():
    rows = {r["parameter"]: r for r in U.tornado(_scenario("corrected"))["video-minutes-per-h100-hour"]}
    assert "measured_utilization" in rows and "inference_utilization" not in rows
    assert rows["measured_utilization"]["swing"] > 0


def test_every_shipped_scenario_runs():
    """Nothing assumes that only the 'article' scenario exists."""
    for name in P.scenario_names():
        sims = U.simulate(_scenario(name), None, 1000, 1)
        assert all(np.all(np.isfinite(v)) and np.all(v > 0) for v in sims.values())


# --- scenario files ----------------------------------------------------------------------------------


def _file(tmp_path, text: str):
    f = tmp_path / "s.yaml"
    f.write_text("description: test\nparameters: {}\n" + text)
    return f


@pytest.mark.parametrize("block, fragment", [
    ("uncertainty:\n  modle_scale: {dist: uniform, low: 1, high: 2}\n",
     "unknown parameter 'modle_scale'.*did you mean 'model_scale'"),
    ("uncertainty:\n  model_scale: {dist: normal, low: 1, high: 2}\n", "unknown distribution"),
    ("uncertainty:\n  model_scale: {dist: loguniform, low: 1, high: 2}\n", "did you mean 'log-uniform'"),
    ("uncertainty:\n  model_scale: {dist: uniform, low: 3, high: 2}\n", "low 3 > high 2"),
    ("uncertainty:\n  tiktok_ai_share: {dist: uniform, low: 0.1, high: 1.5}\n", "out of range"),
    ("uncertainty:\n  peak_to_average: {dist: triangular, low: 1.5, high: 3, mode: 4}\n", "mode 4 outside"),
    ("uncertainty:\n  peak_to_average: {dist: triangular, low: 1.5, high: 3}\n", "needs 'mode'"),
    ("uncertainty:\n  model_scale: {dist: uniform, low: 1, high: 2, mean: 1.5}\n", "unknown key 'mean'"),
    ("uncertainty:\n  gpu: {dist: uniform, low: 1, high: 2}\n", "cannot carry a distribution"),
    ("uncertainty:\n  model_scale: [1, 2]\n", "expected 'fixed' or a mapping"),
    ("uncertainty:\n  cfg_passes: {dist: choice}\n", "needs 'values'"),
    ("uncertainty:\n  cfg_passes: {dist: choice, values: [1, 2], weights: [0.5, 0.6]}\n", "add up to 1.1"),
    ("uncertainty:\n  cfg_passes: {dist: choice, values: [1, 2], weights: [1]}\n", "one probability"),
    ("uncertainty:\n  cfg_passes: {dist: choice, values: [1, 1.5]}\n", "cfg_passes"),
    ("uncertainty:\n  cfg_passes: {dist: uniform, low: 1, high: 2, weights: [1]}\n", "does not apply"),
])
def test_scenario_file_distributions_are_validated(tmp_path, block, fragment):
    f = _file(tmp_path, block)
    with pytest.raises(ParamError, match=fragment.replace("(", r"\(")) as err:
        P.resolve(params_file=f)
    assert "\n" not in str(err.value)


def test_scenario_file_sets_distributions(tmp_path):
    f = _file(tmp_path, "uncertainty:\n  model_scale: {dist: uniform, low: 20, high: 20}\n  cfg_passes: fixed\n"
                        "  peak_to_average: {dist: triangular, low: 1.5, high: 3, mode: 2, source: my guess}\n"
                        "  diffusion_steps: {dist: choice, values: [25, 50], weights: [0.5, 0.5]}\n")
    p = P.resolve(params_file=f)[0]
    d = P.distributions(p)
    assert d["model_scale"] == Distribution("model_scale", "uniform", 20.0, 20.0, None, f"params file '{f}'")
    assert d["cfg_passes"].kind == "fixed"
    assert d["peak_to_average"].source == "my guess"
    assert d["diffusion_steps"].values == (25.0, 50.0)
    assert d["train_utilization"] == DISTRIBUTIONS["train_utilization"].around(p)  # defaults kept
    assert set(np.unique(U.sample(p, None, 1000, 1).diffusion_steps)) == {25.0, 50.0}


def test_distributions_given_twice_are_refused(tmp_path):
    f = tmp_path / "twice.yaml"
    f.write_text("parameters:\n  distribution_overrides: {cfg_passes: fixed}\nuncertainty:\n  cfg_passes: fixed\n")
    with pytest.raises(P.ParamError, match="given twice"):
        P.resolve(params_file=f)


def test_a_scenario_uncertainty_block_reaches_the_built_chapter(tmp_path):
    """The block is the parameter 'distribution_overrides': chapter 8 declares it, so the
    build passes it to the notebook, keys the chapter's cache on it, and the chapter's results use it."""
    from sorabook.book import plan
    from sorabook.results import registry

    f = _file(tmp_path, "uncertainty:\n  train_utilization: {dist: uniform, low: 0.2, high: 0.3}\n")
    params, _ = P.resolve(params_file=f)
    assert params.distribution_overrides["train_utilization"]["low"] == 0.2
    default, _ = P.resolve()
    root = Path(__file__).resolve().parents[1]
    runs = {r.stem: r for r in plan.plan(root, params, ["08-uncertainty"])}
    base = {r.stem: r for r in plan.plan(root, default, ["08-uncertainty"])}
    assert runs["08-uncertainty"].parameters["distribution_overrides"] == params.distribution_overrides
    assert runs["08-uncertainty"].key != base["08-uncertainty"].key
    got = registry.compute(params, ["08-uncertainty"])
    ref = registry.compute(default, ["08-uncertainty"])
    # utilisation 0.2-0.3 instead of 0.75-1: training in GPU-months at least 2.5 times longer
    assert got["train-h100-months-p50"] > 2.5 * ref["train-h100-months-p50"]
    assert got["video-minutes-per-h100-hour-p50"] == ref["video-minutes-per-h100-hour-p50"]


# --- the command line ----------------------------------------------------------------------------------


def _chapter8_keys() -> set[str]:
    from sorabook.results import ch08_uncertainty

    return set(ch08_uncertainty.ch.results)


def test_cli_uncertainty_json_same_seed_byte_identical():
    """`sorabook results --uncertainty --format json` prints chapter 8's results in the results schema."""
    a = run_cli("results", "--uncertainty", "--format", "json", "--draws", "20000", "--seed", "5")
    b = run_cli("results", "--uncertainty", "--format", "json", "--draws", "20000", "--seed", "5")
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout
    doc = json.loads(a.stdout)
    assert doc["parameters"]["draws"] == 20000 and doc["parameters"]["seed"] == 5
    assert set(doc["results"]) == _chapter8_keys()


def test_cli_corrected_scenario_json_brackets_the_corrected_point():
    """`sorabook results --scenario corrected --uncertainty --format json` (issue 15): the band drawn around
    the corrected values holds the corrected point value of minutes per GPU-hour (chapter 7's
    corrected-video-minutes-per-h100-hour), and equals the Monte Carlo of the same parameters in Python."""
    from sorabook.results import registry

    proc = run_cli("results", "--scenario", "corrected", "--uncertainty", "--format", "json", "--draws", "20000")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["scenario"] == "corrected"
    r = {k: v["value"] for k, v in doc["results"].items()}
    p = _scenario("corrected").replace(draws=20000)
    point = registry.evaluate("corrected-video-minutes-per-h100-hour", p)
    assert r["video-minutes-per-h100-hour-p05"] <= point <= r["video-minutes-per-h100-hour-p95"]
    assert r["corrected-video-minutes-per-h100-hour-p05"] == r["video-minutes-per-h100-hour-p05"]
    assert r["video-minutes-per-h100-hour-p50"] == U.percentiles(U.simulate(p)["video-minutes-per-h100-hour"])[50]


def test_cli_uncertainty_csv_and_params_file(tmp_path):
    proc = run_cli("results", "--uncertainty", "--format", "csv", "--draws", "1000")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("key,value,unit") and len(lines) == 1 + len(_chapter8_keys())
    f = _file(tmp_path, "uncertainty:\n" + "".join(f"  {n}: fixed\n" for n in DISTRIBUTIONS))
    doc = json.loads(run_cli("results", "--uncertainty", "--format", "json", "--params", str(f),
                             "--draws", "100").stdout)
    r = {k: v["value"] for k, v in doc["results"].items()}
    points = U.point(P.resolve(params_file=f)[0])
    for key in ("train-h100-months", "video-minutes-per-h100-hour", "fleet-gpus-peak"):
        assert r[f"{key}-p05"] == r[f"{key}-p50"] == r[f"{key}-p95"] == pytest.approx(points[key], rel=1e-12)


@pytest.mark.parametrize("args, fragment", [
    (["--uncertainty", "--draws", "0"], "parameter 'draws' (from --draws): got 0, out of range"),
    (["--uncertainty", "--draws", "many"], "parameter 'draws' (from --draws): got the text 'many'"),
    (["--uncertainty", "--seed", "-3"], "parameter 'seed' (from --seed): got -3, out of range"),
    (["--draws", "10"], "--draws and --seed go with --uncertainty"),
])
def test_cli_uncertainty_bad_input_is_one_line_exit_2(args, fragment):
    proc = run_cli("results", *args)
    assert proc.returncode == 2
    assert fragment in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""
