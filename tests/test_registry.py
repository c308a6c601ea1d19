"""The result registry: every result has a declared domain, and no valid parameter set, however
extreme, gives a value outside it (property-based, over the whole registry at once)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sorabook.params import REGISTRY, Params, ParamError, defaults, resolve
from sorabook.params.values import check_together
from sorabook.results import registry, uncertainty
from sorabook.results.specs import DOMAINS, DomainError

report = registry

#: The Monte Carlo's draws are capped in the property test: 10⁷ draws per example would take minutes,
#: and the number of draws does not change what a draw can be.
MAX_DRAWS = 500


def _value(param):
    if param.kind == "bool":
        return st.booleans()
    if param.kind == "choice":
        return st.sampled_from(param.choices)
    if param.kind == "mapping":
        return st.just({})
    if param.kind == "int":
        high = MAX_DRAWS if param.name == "draws" else int(param.high)
        return st.integers(int(param.low), high)
    low, high = float(param.low), float(param.high)
    values = st.floats(low, high, allow_nan=False, allow_infinity=False, exclude_min=param.low_open)
    if low > 0 and high / low > 1e3:  # wide ranges: also draw evenly in the logarithm, bounds included
        logs = st.floats(math.log(low), math.log(high)).map(lambda x: min(max(math.exp(x), low), high))
        values = st.one_of(values, logs.filter(lambda v: not (param.low_open and v <= low)))
    return values


@st.composite
def parameter_sets(draw):
    """A complete, valid parameter set drawn from every parameter's whole range."""
    values = {name: draw(_value(p)) for name, p in REGISTRY.items()}
    side = values["vae_spatial_compression"] * values["patch_size"]
    for name in ("image_size", "frame_width", "frame_height"):
        low, high = REGISTRY[name].low, REGISTRY[name].high
        k_max = int(high // side)
        assume(k_max >= max(1, math.ceil(low / side)))
        values[name] = side * draw(st.integers(max(1, math.ceil(low / side)), k_max))
    assume(not (values["gpu"] == "A100-SXM" and values["precision"] == "fp8"))
    try:
        check_together(values)
    except ParamError:
        assume(False)
    return Params(values)


def test_every_result_declares_a_known_domain():
    assert all(spec.domain in DOMAINS for spec in registry.RESULTS.values())
    shares = {k for k, s in registry.RESULTS.items() if s.domain == "share"}
    assert {"calibrated-mfu", "attention-share-corrected", "train-h100-months-p-above-article"} <= shares


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(parameter_sets())
def test_every_result_is_inside_its_domain_for_any_valid_parameters(p):
    """Issue 15: every result finite and in its domain for the whole registry's ranges at once."""
    values = registry.compute(p)  # raises DomainError on the first value outside its domain
    assert set(values) == set(registry.RESULTS)


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(parameter_sets())
def test_the_monte_carlo_draws_stay_inside_the_domains(p):
    sims = uncertainty.simulate(p, uncertainty.distributions(p), n=200)
    for key, values in sims.items():
        assert np.all(np.isfinite(values)) and np.all(values >= 0), key


@pytest.mark.parametrize("fps", [1, 24, 37, 60, 120, 240])
@pytest.mark.parametrize("scenario", ["article", "corrected"])
def test_fps_from_1_to_240_gives_no_number_outside_its_domain(fps, scenario):
    """Issue 15 item 1: from fps = 37 up a Sora-class result came out negative (int64 overflow)."""
    p, _ = resolve(scenario, sets=[f"fps={fps}"])
    registry.compute(p)


def test_a_value_outside_the_domain_names_the_result_and_the_parameters():
    spec = registry.RESULTS["video-minutes-per-h100-hour"]
    p = Params(defaults()).replace(fps=60.0)
    with pytest.raises(DomainError, match=r"result 'video-minutes-per-h100-hour' came out as -1.0 with "
                                          r"parameters fps=60.0; expected a finite number > 0"):
        spec.check(-1.0, p)
    with pytest.raises(DomainError, match="nan"):
        registry.RESULTS["calibrated-mfu"].check(float("nan"), p)
    with pytest.raises(DomainError, match=r"expected a finite share in \[0, 1\]"):
        registry.RESULTS["calibrated-mfu"].check(1.01, p)


# --- the registry's definitions (moved from the former tests of sorabook.report) -------------------


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


def test_the_registry_computes_without_numpy_except_the_monte_carlo():
    """Issue 15: the model and the registry run where NumPy cannot be had (Pyodide in the browser);
    only chapter 8's Monte Carlo needs it."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['numpy'] = None\n"
            "from sorabook.params import resolve\nfrom sorabook.results import registry\n"
            "chapters = [c for c in registry.CHAPTERS if not c.endswith('uncertainty')]\n"
            "for s in ('article', 'corrected'):\n"
            "    print(len(registry.compute(resolve(s)[0], chapters)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    n = sum(1 for s in registry.RESULTS.values() if not s.chapter.endswith("uncertainty"))
    assert out.stdout.split() == [str(n), str(n)]
