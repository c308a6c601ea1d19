"""The result registry: every result has a declared domain, and no valid parameter set, however
extreme, gives a value outside it (property-based, over the whole registry at once)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sorabook.params import REGISTRY, Params, ParamError, defaults, resolve
from sorabook.params.values import check_together
from sorabook.results import registry, uncertainty
from sorabook.results.specs import DOMAINS, DomainError

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
