"""The Monte Carlo and tornado of chapter 8 (sorabook/uncertainty.py) and the distributions of the registry."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pathlib import Path
from numpy.testing import assert_allclose

from sorabook import params as P
from sorabook import report
from sorabook import uncertainty as U
from sorabook.params import Distribution, ParamError

from conftest import run_cli

N = 200_000


def _draws(dist: Distribution, seed: int = 7) -> np.ndarray:
    return U.draw(dist, N, U._rng(seed, dist.name), P.REGISTRY[dist.name].default)


def _se(values: np.ndarray) -> float:
    """Standard error of the sample mean; tolerances are 5 of them (a false failure ~ 1 in 10^6)."""
    return 5 * float(np.std(values)) / np.sqrt(len(values))


def test_uniform_support_and_moments():
    """Uniform [a, b]: mean (a + b) / 2, variance (b - a)^2 / 12 (textbook moments)."""
    d = Distribution("train_utilization", "uniform", 0.3, 0.6)
    x = _draws(d)
    assert x.min() >= 0.3 and x.max() <= 0.6
    assert abs(x.mean() - 0.45) < _se(x)
    assert_allclose(x.var(), 0.3 ** 2 / 12, rtol=0.02)


def test_log_uniform_support_and_moments():
    """Log-uniform [a, b]: log X is uniform, so E[log X] = (log a + log b) / 2; E[X] = (b - a) / log(b / a)."""
    d = Distribution("dataset_scale_low", "log-uniform", 4.0, 10.0)
    x = _draws(d)
    assert x.min() >= 4.0 and x.max() <= 10.0
    assert abs(np.log(x).mean() - 0.5 * (np.log(4) + np.log(10))) < _se(np.log(x))
    assert abs(x.mean() - 6.0 / np.log(2.5)) < _se(x)


def test_triangular_support_and_moments():
    """Triangular (a, c, b): mean (a + b + c) / 3, variance (a²+b²+c²-ab-ac-bc) / 18."""
    a, c, b = 1.0, 2.0, 4.0
    x = _draws(Distribution("generations_per_upload", "triangular", a, b, c))
    assert x.min() >= a and x.max() <= b
    assert abs(x.mean() - (a + b + c) / 3) < _se(x)
    assert_allclose(x.var(), (a * a + b * b + c * c - a * b - a * c - b * c) / 18, rtol=0.02)


def test_integer_parameter_is_rounded():
    """cfg_passes uniform [1, 2] rounds to 1 or 2, each about half the time (hand derivation)."""
    x = _draws(Distribution("cfg_passes", "uniform", 1, 2))
    assert set(np.unique(x)) == {1.0, 2.0}
    share = np.mean(x == 2.0)
    assert abs(share - 0.5) < 5 * np.sqrt(0.25 / N)


def test_same_seed_same_draws_other_seed_other_draws():
    p, _ = P.resolve()
    a = U.simulate(p, P.DISTRIBUTIONS, 10_000, 11)
    b = U.simulate(p, P.DISTRIBUTIONS, 10_000, 11)
    c = U.simulate(p, P.DISTRIBUTIONS, 10_000, 12)
    for key in a:
        assert a[key].tobytes() == b[key].tobytes()
    assert a["train-h100-months"].tobytes() != c["train-h100-months"].tobytes()


def test_low_equal_high_reproduces_the_point_estimate_exactly():
    """A distribution with low = high = the point value leaves every draw at the point: percentiles == point."""
    p, _ = P.resolve()
    degenerate = {n: Distribution(n, "uniform", float(p[n]), float(p[n])) for n in P.DISTRIBUTIONS}
    sims = U.simulate(p, degenerate, 1000, 3)
    points = U.point(p)
    for key, values in sims.items():
        for q, v in U.percentiles(values).items():
            assert v == points[key], (key, q)
    fixed = {n: Distribution(n, "fixed") for n in P.DISTRIBUTIONS}
    sims = U.simulate(p, fixed, 10, 3)
    assert all(np.all(v == points[k]) for k, v in sims.items())


def test_training_point_is_the_article_conservative_estimate():
    """Article §04: 1.1e25 FLOPs 'equal to 4,211 H100 running for one month' (H100-SXM BF16 dense, 30 days)."""
    assert_allclose(U.point(P.defaults())["train-h100-months"], 4211, rtol=1e-3)


def test_tornado_known_answer():
    """GPU-months ∝ model_scale / train_utilization (the article's formula). Hand derivation with
    model_scale uniform [10, 40] (central 25) and utilisation uniform [0.5, 1] (central 0.75):
    swing(model_scale) = K (40 - 10) / 0.75 = 40 K; swing(utilisation) = K x 25 x (1/0.5 - 1/1) = 25 K,
    K = GPU-months per unit of model scale at utilisation 1 = 4,211.3 / 30."""
    p, _ = P.resolve()
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


def test_central_values():
    """Medians: uniform midpoint, log-uniform geometric mean, triangular (a + sqrt((b-a)(c-a)/2) when c is
    past the middle), rounded for integers."""
    assert U.central_value(Distribution("train_utilization", "uniform", 0.3, 0.6), 1.0) == pytest.approx(0.45)
    assert U.central_value(Distribution("dataset_scale_low", "log-uniform", 4, 9), 4) == pytest.approx(6.0)
    assert U.central_value(Distribution("peak_to_average", "triangular", 1, 3, 3), 2) == pytest.approx(1 + np.sqrt(2))
    assert U.central_value(Distribution("diffusion_steps", "log-uniform", 50, 250), 250) == 112.0
    assert U.central_value(Distribution("model_scale", "fixed"), 30.0) == 30.0


def test_chapter_results_are_the_monte_carlo_percentiles():
    p, _ = P.resolve()
    sims = U.simulate(p, P.DISTRIBUTIONS)
    got = report.compute(p, ["08-uncertainty"])
    for key in ("train-h100-months", "video-minutes-per-h100-hour", "fleet-gpus-peak"):
        q = U.percentiles(sims[key])
        assert got[f"{key}-p05"] == q[5] and got[f"{key}-p50"] == q[50] and got[f"{key}-p95"] == q[95]
        assert q[5] < q[50] < q[95]
    for key, value in got.items():
        if "-p-above-" in key:
            assert 0.0 <= value <= 1.0


def test_every_shipped_scenario_runs():
    """Nothing assumes that only the 'article' scenario exists."""
    for name in P.scenario_names():
        p, _ = P.resolve(scenario=name)
        sims = U.simulate(p, P.distributions(P.resolve(scenario=name)[0]), 1000, 1)
        assert all(np.all(np.isfinite(v)) and np.all(v > 0) for v in sims.values())


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
])
def test_scenario_file_distributions_are_validated(tmp_path, block, fragment):
    f = _file(tmp_path, block)
    with pytest.raises(ParamError, match=fragment.replace("(", r"\(")) as err:
        P.resolve(params_file=f)
    assert "\n" not in str(err.value)


def test_scenario_file_sets_distributions(tmp_path):
    f = _file(tmp_path, "uncertainty:\n  model_scale: {dist: uniform, low: 20, high: 20}\n  cfg_passes: fixed\n"
                        "  peak_to_average: {dist: triangular, low: 1.5, high: 3, mode: 2, source: my guess}\n")
    d = P.distributions(P.resolve(params_file=f)[0])
    assert d["model_scale"] == Distribution("model_scale", "uniform", 20.0, 20.0, None, f"params file '{f}'")
    assert d["cfg_passes"].kind == "fixed"
    assert d["peak_to_average"].source == "my guess"
    assert d["train_utilization"] == P.DISTRIBUTIONS["train_utilization"]  # defaults kept


def test_cli_uncertainty_json_same_seed_byte_identical():
    a = run_cli("results", "--uncertainty", "--format", "json", "--draws", "20000", "--seed", "5")
    b = run_cli("results", "--uncertainty", "--format", "json", "--draws", "20000", "--seed", "5")
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout
    doc = json.loads(a.stdout)
    assert doc["draws"] == 20000 and doc["seed"] == 5
    assert set(doc["percentiles"]) == {o.key for o in U.OUTPUTS}
    assert set(doc["percentiles"]["fleet-gpus-peak"]) == {"unit", "p05", "p50", "p95", "point"}


def test_cli_uncertainty_csv_and_params_file(tmp_path):
    proc = run_cli("results", "--uncertainty", "--format", "csv", "--draws", "1000")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "output,unit,p05,p50,p95,point" and len(lines) == 1 + len(U.OUTPUTS)
    f = _file(tmp_path, "uncertainty:\n" + "".join(f"  {n}: fixed\n" for n in P.DISTRIBUTIONS))
    doc = json.loads(run_cli("results", "--uncertainty", "--format", "json", "--params", str(f),
                             "--draws", "100").stdout)
    for r in doc["percentiles"].values():
        assert r["p05"] == r["p50"] == r["p95"] == r["point"]


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


def test_a_scenario_uncertainty_block_reaches_the_built_chapter(tmp_path):
    """The block is the parameter 'distribution_overrides': chapter 8 declares it, so the
    build passes it to the notebook, keys the chapter's cache on it, and the chapter's results
    (checked against sorabook.report by every build) use it."""
    from sorabook import report
    from sorabook.book import plan

    f = _file(tmp_path, "uncertainty:\n  train_utilization: {dist: uniform, low: 0.9, high: 1.0}\n")
    params, _ = P.resolve(params_file=f)
    assert params.distribution_overrides["train_utilization"]["low"] == 0.9
    default, _ = P.resolve()
    root = Path(__file__).resolve().parents[1]
    runs = {r.stem: r for r in plan.plan(root, params, ["08-uncertainty"])}
    base = {r.stem: r for r in plan.plan(root, default, ["08-uncertainty"])}
    assert runs["08-uncertainty"].parameters["distribution_overrides"] == params.distribution_overrides
    assert runs["08-uncertainty"].key != base["08-uncertainty"].key
    got = report.compute(params, ["08-uncertainty"])
    ref = report.compute(default, ["08-uncertainty"])
    # utilisation near 1 instead of 0.3-0.6: training in GPU-months falls
    assert got["train-h100-months-p50"] < 0.6 * ref["train-h100-months-p50"]
    assert got["video-minutes-per-h100-hour-p50"] == ref["video-minutes-per-h100-hour-p50"]


def test_distributions_given_twice_are_refused(tmp_path):
    f = tmp_path / "twice.yaml"
    f.write_text("parameters:\n  distribution_overrides: {cfg_passes: fixed}\nuncertainty:\n  cfg_passes: fixed\n")
    with pytest.raises(P.ParamError, match="given twice"):
        P.resolve(params_file=f)
