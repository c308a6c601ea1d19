"""Ranges instead of points: a seeded Monte Carlo over the whole chain, and a tornado.

The article gives a low and a high for one factor (data: 4x-10x) and points for everything
else. Chapter 8 draws every uncertain parameter around the point value of the parameter set
being simulated (:data:`sorabook.params.DISTRIBUTIONS`, relative spreads; a scenario's
``uncertainty:`` block replaces them with absolute ranges) as one NumPy array per parameter and
evaluates the book's own result functions on those arrays: no model arithmetic is repeated here.
Drawing itself (random streams, one distribution, percentiles) is
:mod:`sorabook.model.montecarlo`. Each parameter has its own random stream, derived from
``seed`` and the parameter's name, so the same seed gives the same draws bit for bit.

With ``measured_utilization`` the chain runs inference and the fleet at the one utilisation
fitted to measured runs (:func:`sorabook.results.chain.fitted_utilization`). The Monte Carlo
then draws that one utilisation (stream ``measured_utilization``) within the spread of the
runs' implied utilisations (:func:`measured_distribution`) and gives the same draw to inference
and the fleet; an ``uncertainty:`` entry for ``inference_utilization`` or ``fleet_utilization``
replaces it for that use (``fixed``: the fitted value).

:data:`OUTPUTS` is the one table of what the Monte Carlo reports: each output is a headline
result evaluated on the draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from sorabook.model import montecarlo as mc
from sorabook.model import predict
from sorabook.params import REGISTRY, Distribution, Params, defaults, distributions, params_sha256, parse_uncertainty
from sorabook.params.distributions import DISTRIBUTIONS, MEASURED_UTILIZATION_SOURCE, Spread
from sorabook.results import ch03_training, ch04_inference, ch05_fleet, chain, corrections

if TYPE_CHECKING:  # NumPy is imported where the Monte Carlo runs, not on import (the live page)
    import numpy as np

__all__ = [
    "OUTPUTS", "PERCENTILES", "Output", "article_thresholds", "central_value", "comparison_rows",
    "default_percentiles", "default_simulation", "distribution_rows", "draw", "exceedance", "exceedance_table",
    "measured_distribution", "percentiles", "plan", "point", "sample", "share_at_or_below",
    "simulate", "tornado",
]

#: The percentiles the book reports.
PERCENTILES: tuple[int, ...] = (5, 50, 95)

_CHAPTERS = (ch03_training.ch, ch04_inference.ch, ch05_fleet.ch)
_MEASURED = "measured_utilization"
_MEASURED_USES = ("inference_utilization", "fleet_utilization")


def _result(key: str) -> Callable[[Any], Any]:
    """The function of the parameters that computes the result ``key`` of chapters 3 to 5."""
    return next(c.results[key].compute for c in _CHAPTERS if key in c.results)


@dataclass(frozen=True)
class Output:
    """One quantity the Monte Carlo reports: key, unit, label for figures, function of Params."""

    key: str
    unit: str
    label: str
    compute: Callable[[Any], Any]
    #: the claim keys of the article's printed value(s) for this output, if any
    claims: tuple[str, ...] = ()


#: What the Monte Carlo and the tornado report. Training is chapter 3's conservative result with the
#: data factor drawn between the scenario's two ends (the article's 4x-10x).
OUTPUTS: tuple[Output, ...] = (
    Output("train-h100-months", "GPU-months", "training (GPU-months)", _result("train-h100-months-low"),
           ("train-h100-months-low", "train-h100-months-high")),
    Output("video-minutes-per-h100-hour", "min/GPU-hour", "video minutes per GPU-hour",
           _result("video-minutes-per-h100-hour"), ("video-minutes-per-h100-hour",)),
    Output("break-even-minutes", "min", "break-even (minutes of video)", _result("break-even-minutes-low"),
           ("break-even-minutes-low", "break-even-minutes-high")),
    Output("fleet-gpus-peak", "GPUs", "GPUs at peak", _result("fleet-gpus-peak"), ("fleet-gpus-peak",)),
)

OUTPUT_BY_KEY: dict[str, Output] = {o.key: o for o in OUTPUTS}

_rng = mc.stream  # the random stream of one parameter (seed, name)
percentiles = mc.percentiles
exceedance = mc.exceedance
share_at_or_below = mc.share_at_or_below


def _params(params: Mapping[str, Any]) -> Params:
    return params if isinstance(params, Params) else Params(dict(params))


def _integer(dist: Distribution) -> bool:
    return dist.name in REGISTRY and REGISTRY[dist.name].kind == "int"


def draw(dist: Distribution, n: int, rng: np.random.Generator, point: float | None = None) -> np.ndarray:
    """``n`` draws of ``dist`` (float64); whole numbers for an integer parameter
    (:func:`sorabook.model.montecarlo.draw`)."""
    return mc.draw(dist.kind, n, rng, dist.low, dist.high, dist.mode, dist.values, dist.weights,
                   None if point is None else float(point), _integer(dist))


def central_value(dist: Distribution, point: float) -> float:
    """The value a parameter holds while the tornado swings the others: its distribution's median
    (:func:`sorabook.model.montecarlo.median`; whole for an integer parameter)."""
    return mc.median(dist.kind, dist.low, dist.high, dist.mode, dist.values, dist.weights, float(point),
                     _integer(dist))


def measured_distribution(fitted: float) -> Distribution:
    """The measured utilisation as the Monte Carlo draws it: triangular around ``fitted`` (the time
    model's effective utilisation of the scenario's clip, :func:`sorabook.results.chain.fitted_utilization`),
    from ``fitted`` x the lowest to ``fitted`` x the highest ratio of predicted to measured seconds in
    chapter 6's cross-validation (a run predicted too slow ran at a higher utilisation)."""
    ratios = [r["ratio"] for r in predict.evidence_rows(cross_validated=True)]
    low, high = fitted * min(min(ratios), 1.0), fitted * max(max(ratios), 1.0)
    return Distribution(_MEASURED, "triangular", low, high, fitted, MEASURED_UTILIZATION_SOURCE)


Draw = tuple[str, Distribution, tuple[str, ...], float]


def plan(params: Mapping[str, Any], dists: Mapping[str, Distribution | Spread] | None = None
         ) -> tuple[dict[str, Any], list[Draw]]:
    """What the Monte Carlo draws for ``params``: ``(changes, draws)``.

    ``dists`` (default :func:`sorabook.params.distributions`) may hold a :class:`Spread`, taken
    around ``params``. Each draw is ``(stream name, distribution, parameters that receive it, point
    value)``; only parameters ``params`` holds are drawn. ``changes`` are point values to set before
    drawing: with ``measured_utilization`` the switch is unfolded into the fitted utilisation for
    inference and the fleet, which one draw (:func:`measured_distribution`) then replaces.
    """
    dists = distributions(params) if dists is None else {
        n: d.around(params) if isinstance(d, Spread) else d for n, d in dists.items() if n in params}
    draws = [(n, d, (n,), float(params[n])) for n, d in dists.items() if n in params and d.kind != "fixed"]
    if not params.get(_MEASURED):
        return {}, draws
    fitted = float(chain.fitted_utilization(_params(params)))
    own = set(parse_uncertainty(params.get("distribution_overrides") or None))
    shared = tuple(n for n in _MEASURED_USES if n not in own)
    draws = [d for d in draws if d[0] not in shared]
    draws = [(n, d, t, fitted if n in _MEASURED_USES else x) for n, d, t, x in draws]
    if shared:
        draws.append((_MEASURED, measured_distribution(fitted), shared, fitted))
    return {_MEASURED: False, **{n: fitted for n in _MEASURED_USES}}, draws


def sample(params: Mapping[str, Any], distributions: Mapping[str, Any] | None, n: int, seed: int) -> Params:
    """A :class:`Params` whose uncertain parameters are arrays of ``n`` draws (the others stay points)."""
    changes, draws = plan(params, distributions)
    values = {**dict(params), **changes}
    for name, dist, targets, x in draws:
        drawn = draw(dist, n, _rng(seed, name), x)
        values.update({t: drawn for t in targets})
    return Params(values)


def simulate(params: Mapping[str, Any], distributions: Mapping[str, Any] | None = None, n: int | None = None,
             seed: int | None = None, outputs=OUTPUTS) -> dict[str, np.ndarray]:
    """Every output of :data:`OUTPUTS` for ``n`` joint draws (default: ``params``' draws and seed;
    distributions: ``params``' own, :func:`plan`).

    Returns ``{key: array of n values}``; an output that does not depend on any drawn parameter
    is broadcast to ``n`` values.
    """
    import numpy as np

    n = int(params["draws"] if n is None else n)
    seed = int(params["seed"] if seed is None else seed)
    drawn = sample(params, distributions, n, seed)
    return {o.key: np.broadcast_to(np.asarray(o.compute(drawn), dtype=float), (n,)) for o in outputs}


def point(params: Mapping[str, Any], outputs=OUTPUTS) -> dict[str, float]:
    """Every output at the point values of ``params`` (no draws)."""
    p = Params(dict(params))
    return {o.key: float(o.compute(p)) for o in outputs}


def tornado(params: Mapping[str, Any], distributions: Mapping[str, Any] | None = None,
            outputs=OUTPUTS) -> dict[str, list[dict]]:
    """One-at-a-time sensitivity: each drawn parameter (of :func:`plan`) at its low and its high end.

    Every other one holds its :func:`central_value`. All swings are evaluated in one vectorised
    call (row 0: all central; rows 2i+1, 2i+2: draw i low, high). Returns, per output key, rows
    ``{"parameter", "low", "high", "output_low", "output_high", "swing", "central"}`` sorted by
    ``swing = |output_high - output_low|``, largest first (ties by name).
    """
    import numpy as np

    changes, draws = plan(params, distributions)
    rows = 1 + 2 * len(draws)
    values = {**dict(params), **changes}
    for i, (_, dist, targets, x) in enumerate(draws):
        for t in targets:
            values[t] = np.full(rows, central_value(dist, x))
            values[t][2 * i + 1], values[t][2 * i + 2] = dist.low, dist.high
    out = {}
    for o in outputs:
        result = np.broadcast_to(np.asarray(o.compute(Params(values)), dtype=float), (rows,))
        table = []
        for i, (name, dist, _, _) in enumerate(draws):
            lo, hi = float(result[2 * i + 1]), float(result[2 * i + 2])
            table.append({"parameter": name, "low": dist.low, "high": dist.high, "output_low": lo,
                          "output_high": hi, "swing": abs(hi - lo), "central": float(result[0])})
        out[o.key] = sorted(table, key=lambda r: (-r["swing"], r["parameter"]))
    return out


#: The simulations of the last few parameter sets (the chapter's and its corrected scenario's).
_CACHE: dict[str, tuple[dict[str, np.ndarray], dict[str, dict[int, float]]]] = {}
_CACHE_SIZE = 4


def _default(params: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, dict[int, float]]]:
    key = params_sha256(dict(params))
    if key not in _CACHE:
        while len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        sims = simulate(params)
        _CACHE[key] = (sims, {k: percentiles(v) for k, v in sims.items()})
    return _CACHE[key]


def default_simulation(params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """:func:`simulate` with the parameter set's own distributions, remembered per parameter set
    (the last :data:`_CACHE_SIZE`): the chapter-8 results each read one number of it."""
    return _default(params)[0]


def default_percentiles(params: Mapping[str, Any]) -> dict[str, dict[int, float]]:
    """The reported percentiles (:data:`PERCENTILES`) of each output of :func:`default_simulation`."""
    return _default(params)[1]


def article_thresholds(outputs=OUTPUTS) -> list[dict]:
    """The article's values each output is compared with: recomputed from its inputs, and as printed.

    Rows ``{"output", "threshold", "value"}``: each output at the article's inputs (with its
    conservative data factor 4 and, where the output reads it, its optimistic 10), then the
    article's printed numbers for it.
    """
    printed = {c.key: c for ch in _CHAPTERS for c in ch.claims}
    article = defaults()
    variants = (("data factor 4", article),
                ("data factor 10", {**article, "dataset_scale_low": article["dataset_scale_high"]}))
    rows = []
    for o in outputs:
        values = [(label, point(v, [o])[o.key]) for label, v in variants]
        if values[0][1] == values[1][1]:
            values = [("", values[0][1])]
        for label, value in values:
            what = "article's inputs, recomputed" + (f" ({label})" if label else "")
            rows.append({"output": o.key, "threshold": what, "value": value})
        for key in o.claims:
            if key in printed:
                rows.append({"output": o.key, "threshold": "article's printed value", "value": printed[key].printed})
    return rows


def exceedance_table(params: Mapping[str, Any], thresholds: list[dict] | None = None) -> list[dict]:
    """The article's values (:func:`article_thresholds`) with ``"p_above"``, the share of this
    parameter set's draws above each, and ``"p_above_corrected"``, of the corrected scenario's."""
    this, fixed = default_simulation(params), default_simulation(corrections.corrected(_params(params)))
    return [{**r, "p_above": exceedance(this[r["output"]], r["value"]),
             "p_above_corrected": exceedance(fixed[r["output"]], r["value"])}
            for r in (article_thresholds() if thresholds is None else thresholds)]


def distribution_rows(params: Mapping[str, Any], dists: Mapping[str, Any] | None = None) -> list[dict]:
    """Rows of the table of distributions: parameter, point value, what is drawn, the rule that
    made it (a default spread, the scenario's own range, or the measured runs), median, unit, source."""
    own = set(parse_uncertainty(params.get("distribution_overrides") or None))
    rows = []
    for name, d, targets, x in plan(params, dists)[1]:
        if name == _MEASURED:
            rule, unit = "the measured runs' spread (chapter 6)", REGISTRY[targets[0]].unit
        else:
            rule = "the scenario's own range" if name in own else DISTRIBUTIONS[name].text()
            unit = REGISTRY[name].unit
        rows.append({"parameter": name, "point": x, "distribution": d.text(), "rule": rule,
                     "central": central_value(d, x), "unit": unit, "source": d.source})
    return rows


def comparison_rows(params: Mapping[str, Any], outputs=OUTPUTS) -> list[dict]:
    """Per output, the point value and 5/50/95 percentiles of ``params``' Monte Carlo and of the
    corrected scenario applied to it (:func:`sorabook.results.corrections.corrected`), each
    distribution around its own point values: ``{"output", "unit", "scenario", "p05", "p50", "p95",
    "point", "point_share"}`` (``point_share``: share of the draws at or below the point)."""
    rows = []
    for label, p in (("this build", params), ("corrected", corrections.corrected(_params(params)))):
        sims, q, pts = default_simulation(p), default_percentiles(p), point(p, outputs)
        for o in outputs:
            rows.append({"output": o.label, "unit": o.unit, "scenario": label,
                         **{f"p{k:02d}": v for k, v in q[o.key].items()}, "point": pts[o.key],
                         "point_share": share_at_or_below(sims[o.key], pts[o.key])})
    return rows
