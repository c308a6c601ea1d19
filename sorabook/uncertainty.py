"""Ranges instead of points: a seeded Monte Carlo over the whole chain, and a tornado.

The article gives a low and a high for one factor (data: 4x-10x) and points for
everything else. Chapter 8 draws every uncertain parameter from its distribution
(:data:`sorabook.params.DISTRIBUTIONS`, or a scenario file's ``uncertainty:``) as
one NumPy array per parameter and evaluates the book's own result functions
(:data:`sorabook.report.RESULTS`) on those arrays: no model arithmetic is repeated
here. Each parameter has its own random stream, derived from ``seed`` and the
parameter's name, so the same seed gives the same draws bit for bit, and adding a
distribution does not change the draws of the others.

:data:`OUTPUTS` is the one table of what the Monte Carlo reports: each output is
a headline result evaluated on the draws.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from sorabook.params import REGISTRY, Distribution, Params

__all__ = [
    "OUTPUTS",
    "PERCENTILES",
    "Output",
    "central_value",
    "default_percentiles",
    "default_simulation",
    "draw",
    "exceedance",
    "percentiles",
    "point",
    "sample",
    "simulate",
    "tornado",
]

#: The percentiles the book reports.
PERCENTILES: tuple[int, ...] = (5, 50, 95)


def _result(key: str) -> Callable[[Any], Any]:
    def compute(p):
        from sorabook.report import RESULTS

        return RESULTS[key].compute(p)

    compute.__doc__ = f"The headline result ``{key}`` (sorabook.report)."
    return compute


@dataclass(frozen=True)
class Output:
    """One quantity the Monte Carlo reports: key, unit, label for figures, function of Params."""

    key: str
    unit: str
    label: str
    compute: Callable[[Any], Any]
    #: the claim keys of the article's printed value(s) for this output, if any
    claims: tuple[str, ...] = ()


#: What the Monte Carlo and the tornado report (the training output switches to chapter 3's
#: ``train-h100-months-low`` result once that chapter is merged).
OUTPUTS: tuple[Output, ...] = (
    # The Monte Carlo draws dataset_scale_low over the article's whole 4x-10x, so chapter 3's
    # conservative result spans the article's conservative-to-optimistic range.
    Output("train-h100-months", "GPU-months", "training (GPU-months)", _result("train-h100-months-low"),
           ("train-h100-months-low", "train-h100-months-high")),
    Output("video-minutes-per-h100-hour", "min/GPU-hour", "video minutes per GPU-hour",
           _result("video-minutes-per-h100-hour"), ("video-minutes-per-h100-hour",)),
    Output("break-even-minutes", "min", "break-even (minutes of video)", _result("break-even-minutes-low"),
           ("break-even-minutes-low", "break-even-minutes-high")),
    Output("fleet-gpus-peak", "GPUs", "GPUs at peak", _result("fleet-gpus-peak"), ("fleet-gpus-peak",)),
)

OUTPUT_BY_KEY: dict[str, Output] = {o.key: o for o in OUTPUTS}


def _rng(seed: int, name: str) -> np.random.Generator:
    """The random stream of one parameter: seed and a CRC-32 of its name (stable across runs)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(name.encode()),))))


def draw(dist: Distribution, n: int, rng: np.random.Generator, point: float | None = None) -> np.ndarray:
    """``n`` draws of ``dist`` (float64), rounded to whole numbers for an integer parameter.

    ``fixed`` repeats ``point``; a distribution with ``low == high`` repeats ``low``
    exactly. Uniform: ``low + (high - low) U``; log-uniform: ``exp`` of a uniform
    between ``log low`` and ``log high``; triangular: NumPy's inverse-CDF sampler.
    """
    if dist.kind == "fixed":
        values = np.full(n, float(point))
    elif dist.low == dist.high:
        values = np.full(n, float(dist.low))
    elif dist.kind == "uniform":
        values = rng.uniform(dist.low, dist.high, n)
    elif dist.kind == "log-uniform":
        values = np.exp(rng.uniform(np.log(dist.low), np.log(dist.high), n))
        np.clip(values, dist.low, dist.high, out=values)  # exp(log(x)) may miss x by one ulp
    elif dist.kind == "triangular":
        values = rng.triangular(dist.low, dist.mode, dist.high, n)
    else:
        raise ValueError(f"unknown distribution {dist.kind!r}")
    if REGISTRY[dist.name].kind == "int":
        np.rint(values, out=values)
    return values


def central_value(dist: Distribution, point: float) -> float:
    """The value a parameter holds while the tornado swings the others: its distribution's median.

    ``fixed``: the point value; uniform: the midpoint; log-uniform: the geometric
    mean; triangular: the median of the triangle. Rounded for an integer parameter.
    """
    if dist.kind == "fixed":
        value = float(point)
    elif dist.kind == "uniform":
        value = 0.5 * (dist.low + dist.high)
    elif dist.kind == "log-uniform":
        value = float(np.sqrt(dist.low * dist.high))
    else:
        a, c, b = dist.low, dist.mode, dist.high
        if b == a:
            value = a
        elif c - a >= (b - a) / 2:
            value = a + np.sqrt((b - a) * (c - a) / 2)
        else:
            value = b - np.sqrt((b - a) * (b - c) / 2)
        value = float(value)
    return float(np.rint(value)) if REGISTRY[dist.name].kind == "int" else value


def sample(params: Mapping[str, Any], distributions: Mapping[str, Distribution], n: int, seed: int) -> Params:
    """A :class:`Params` whose uncertain parameters are arrays of ``n`` draws (the others stay points).

    Only parameters present in ``params`` are drawn (a chapter's declared view).
    """
    values = dict(params)
    for name, dist in distributions.items():
        if name in values and dist.kind != "fixed":
            values[name] = draw(dist, n, _rng(seed, name), values[name])
    return Params(values)


def simulate(params: Mapping[str, Any], distributions: Mapping[str, Distribution], n: int | None = None,
             seed: int | None = None, outputs=OUTPUTS) -> dict[str, np.ndarray]:
    """Every output of :data:`OUTPUTS` for ``n`` joint draws (default: ``params``' draws and seed).

    Returns ``{key: array of n values}``; an output that does not depend on any
    drawn parameter is broadcast to ``n`` values.
    """
    n = int(params["draws"] if n is None else n)
    seed = int(params["seed"] if seed is None else seed)
    drawn = sample(params, distributions, n, seed)
    return {o.key: np.broadcast_to(np.asarray(o.compute(drawn), dtype=float), (n,)) for o in outputs}


def percentiles(values: np.ndarray, qs=PERCENTILES) -> dict[int, float]:
    """``{q: q-th percentile}`` of ``values`` (linear interpolation, NumPy's default; the same
    numbers one at a time or together)."""
    return dict(zip(qs, (float(v) for v in np.percentile(values, qs))))


def point(params: Mapping[str, Any], outputs=OUTPUTS) -> dict[str, float]:
    """Every output at the point values of ``params`` (no draws)."""
    p = Params(dict(params))
    return {o.key: float(o.compute(p)) for o in outputs}


def exceedance(values: np.ndarray, threshold: float) -> float:
    """Share of the draws above ``threshold``: the Monte Carlo's P(result > threshold)."""
    return float(np.count_nonzero(np.asarray(values) > threshold)) / len(values)


def tornado(params: Mapping[str, Any], distributions: Mapping[str, Distribution], outputs=OUTPUTS) -> dict[str, list[dict]]:
    """One-at-a-time sensitivity: each uncertain parameter at its low and its high end.

    Every other parameter holds its :func:`central_value`. All swings are evaluated
    in one vectorised call (row 0: all central; rows 2i+1, 2i+2: parameter i low,
    high). Returns, per output key, rows ``{"parameter", "low", "high",
    "output_low", "output_high", "swing"}`` sorted by ``swing = |output_high -
    output_low|``, largest first (ties by name), and ``"central"`` in each row.
    """
    names = [n for n, d in distributions.items() if n in params and d.kind != "fixed"]
    rows = 1 + 2 * len(names)
    values = dict(params)
    for name, dist in distributions.items():
        if name in values:
            values[name] = np.full(rows, central_value(dist, params[name]))
    for i, name in enumerate(names):
        dist = distributions[name]
        values[name][2 * i + 1] = dist.low
        values[name][2 * i + 2] = dist.high
    out = {}
    for o in outputs:
        result = np.broadcast_to(np.asarray(o.compute(Params(values)), dtype=float), (rows,))
        table = []
        for i, name in enumerate(names):
            lo, hi = float(result[2 * i + 1]), float(result[2 * i + 2])
            table.append({"parameter": name, "low": distributions[name].low, "high": distributions[name].high,
                          "output_low": lo, "output_high": hi, "swing": abs(hi - lo), "central": float(result[0])})
        out[o.key] = sorted(table, key=lambda r: (-r["swing"], r["parameter"]))
    return out


_CACHE: dict[str, tuple[dict[str, np.ndarray], dict[str, dict[int, float]]]] = {}


def _default(params: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, dict[int, float]]]:
    from sorabook.params import distributions, params_sha256

    key = params_sha256(dict(params))
    if key not in _CACHE:
        _CACHE.clear()
        sims = simulate(params, distributions(params))
        _CACHE[key] = (sims, {k: percentiles(v) for k, v in sims.items()})
    return _CACHE[key]


def default_simulation(params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """:func:`simulate` with the parameter set's distributions (:func:`sorabook.params.distributions`),
    remembered for the last parameter set.

    The chapter-8 results of :mod:`sorabook.report` each read one number of the
    same simulation; this runs it once per parameter set.
    """
    return _default(params)[0]


def default_percentiles(params: Mapping[str, Any]) -> dict[str, dict[int, float]]:
    """The reported percentiles (:data:`PERCENTILES`) of each output of :func:`default_simulation`,
    computed once with it."""
    return _default(params)[1]


def article_thresholds(outputs=OUTPUTS) -> list[dict]:
    """The article's values each output is compared with: recomputed from its inputs, and as printed.

    Rows ``{"output", "threshold", "value"}``: each output at the article's inputs
    (with its conservative data factor 4 and, where the output reads it, its
    optimistic 10), then the article's printed numbers for it (claims of
    :mod:`sorabook.report` that exist in this build).
    """
    from sorabook.params import defaults
    from sorabook.report import CLAIMS

    printed = {c.key: c for c in CLAIMS}
    article = defaults()
    variants = (("data factor 4", article), ("data factor 10", {**article, "dataset_scale_low": article["dataset_scale_high"]}))
    rows = []
    for o in outputs:
        values = [(label, point(v, [o])[o.key]) for label, v in variants]
        if values[0][1] == values[1][1]:
            values = [("", values[0][1])]
        for label, value in values:
            rows.append({"output": o.key, "threshold": "article's inputs, recomputed" + (f" ({label})" if label else ""),
                         "value": value})
        for key in o.claims:
            if key in printed:
                rows.append({"output": o.key, "threshold": "article's printed value",
                             "value": printed[key].printed})
    return rows


def exceedance_table(samples: Mapping[str, np.ndarray], thresholds: list[dict]) -> list[dict]:
    """``thresholds`` rows with ``"p_above"``: the share of the draws above each value."""
    return [{**r, "p_above": exceedance(samples[r["output"]], r["value"])} for r in thresholds]


def distribution_rows(params: Mapping[str, Any], distributions: Mapping[str, Distribution]) -> list[dict]:
    """Rows of the table of distributions: parameter, point value, distribution, central value, unit, source."""
    return [{"parameter": name, "point": float(params[name]), "distribution": d.text(),
             "central": central_value(d, params[name]), "unit": REGISTRY[name].unit, "source": d.source}
            for name, d in distributions.items() if name in params and d.kind != "fixed"]


def percentile_rows(samples: Mapping[str, np.ndarray], points: Mapping[str, float], outputs=OUTPUTS) -> list[dict]:
    """Rows ``{"output", "unit", "p05", "p50", "p95", "point"}`` for a table of the Monte Carlo."""
    rows = []
    for o in outputs:
        q = percentiles(samples[o.key])
        rows.append({"output": o.label, "unit": o.unit, **{f"p{k:02d}": v for k, v in q.items()},
                     "point": points[o.key]})
    return rows
