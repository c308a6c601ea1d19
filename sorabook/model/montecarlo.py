"""Drawing for the Monte Carlo of chapter 8: random streams, draws of one distribution, percentiles.

Plain functions of plain data (a distribution is its kind and its numbers, never an object of the
parameter registry), so the layer stays at the bottom: :mod:`sorabook.results.uncertainty` decides
what is drawn and evaluates the chain on the draws; this module only draws and summarises.

Each parameter has its own random stream (:func:`stream`), derived from the seed and the
parameter's name, so the same seed gives the same draws bit for bit and adding a distribution
leaves the draws of the others unchanged. NumPy is imported inside each function (the model
layer imports no NumPy when it is imported).
"""

from __future__ import annotations

import math
import zlib
from typing import Any, Sequence

__all__ = ["KINDS", "draw", "exceedance", "median", "percentiles", "share_at_or_below", "stream"]

#: The distributions a parameter can be drawn from.
KINDS: tuple[str, ...] = ("fixed", "uniform", "log-uniform", "triangular", "choice")


def stream(seed: int, name: str) -> Any:
    """The random stream (a NumPy ``Generator``) of one parameter: PCG64 seeded by ``seed`` and a
    CRC-32 of ``name`` (stable across runs and platforms)."""
    import numpy as np

    sequence = np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(name.encode()),))
    return np.random.Generator(np.random.PCG64(sequence))


def draw(kind: str, n: int, rng: Any, low: float | None = None, high: float | None = None,
         mode: float | None = None, values: Sequence[float] = (), weights: Sequence[float] = (),
         point: float | None = None, integer: bool = False) -> Any:
    """``n`` draws (float64 array) of one distribution.

    ``fixed`` repeats ``point``; ``low == high`` repeats ``low``. Real numbers: ``uniform``
    ``low + (high - low) U``; ``log-uniform`` ``exp`` of a uniform between ``log low`` and
    ``log high``; ``triangular`` NumPy's sampler with ``mode``. ``choice``: one of ``values``
    with probabilities ``weights`` (equal if empty).

    ``integer`` (a count: steps, passes): every draw is a whole number in ``[low, high]``, never
    a value between. ``uniform``: each integer equally likely; ``log-uniform`` and ``triangular``:
    the real distribution over ``[low - 1/2, high + 1/2]`` rounded to the nearest integer, so each
    integer gets the probability of its unit-wide bin (the ends included in full).
    """
    import numpy as np

    if kind == "fixed":
        return np.full(n, float(point))
    if kind == "choice":
        options = np.asarray(values, dtype=float)
        p = np.asarray(weights, dtype=float) if len(weights) else None
        return options[rng.choice(len(options), size=n, p=p)] if len(options) > 1 else np.full(n, options[0])
    if low == high:
        return np.full(n, float(low))
    if integer and kind == "uniform":
        return rng.integers(int(low), int(high) + 1, n).astype(float)
    a, b = (low - 0.5, high + 0.5) if integer else (low, high)
    if kind == "uniform":
        out = rng.uniform(a, b, n)
    elif kind == "log-uniform":
        out = np.exp(rng.uniform(np.log(a), np.log(b), n))
    elif kind == "triangular":
        out = rng.triangular(a, mode, b, n)
    else:
        raise ValueError(f"unknown distribution {kind!r}; expected one of {', '.join(KINDS)}")
    if integer:
        np.rint(out, out=out)
    np.clip(out, low, high, out=out)  # exp(log(x)) may miss x by one ulp; rounding stays inside
    return out


def median(kind: str, low: float | None = None, high: float | None = None, mode: float | None = None,
           values: Sequence[float] = (), weights: Sequence[float] = (), point: float | None = None,
           integer: bool = False) -> float:
    """The median of a distribution (the value the tornado holds a parameter at).

    ``fixed``: ``point``; uniform: the midpoint; log-uniform: the geometric mean; triangular:
    the inverse CDF at one half; choice: the smallest value whose cumulative weight reaches one
    half. For ``integer`` the median of the real distribution over ``[low - 1/2, high + 1/2]``,
    rounded (as :func:`draw` draws it).
    """
    if kind == "fixed":
        return float(point)
    if kind == "choice":
        order = sorted(zip(values, weights or [1.0 / len(values)] * len(values)))
        total, acc = sum(w for _, w in order), 0.0
        for v, w in order:
            acc += w
            if acc >= total / 2 - 1e-12:
                return float(v)
    if low == high:
        return float(low)
    a, b = (low - 0.5, high + 0.5) if integer else (low, high)
    if kind == "uniform":
        value = 0.5 * (a + b)
    elif kind == "log-uniform":
        value = math.sqrt(a * b)
    elif kind == "triangular":
        c = mode
        value = a + math.sqrt((b - a) * (c - a) / 2) if c - a >= (b - a) / 2 else b - math.sqrt((b - a) * (b - c) / 2)
    else:
        raise ValueError(f"unknown distribution {kind!r}; expected one of {', '.join(KINDS)}")
    return float(min(max(round(value), low), high)) if integer else float(value)


def percentiles(values: Any, qs: Sequence[int] = (5, 50, 95)) -> dict[int, float]:
    """``{q: q-th percentile}`` of ``values`` (linear interpolation, NumPy's default)."""
    import numpy as np

    return dict(zip(qs, (float(v) for v in np.percentile(values, qs))))


def exceedance(values: Any, threshold: float) -> float:
    """Share of the draws above ``threshold``: the Monte Carlo's P(result > threshold)."""
    import numpy as np

    values = np.asarray(values)
    return float(np.count_nonzero(values > threshold)) / len(values)


def share_at_or_below(values: Any, x: float) -> float:
    """Share of the draws at or below ``x``: where ``x`` sits in the distribution (0.5 at the median)."""
    import numpy as np

    values = np.asarray(values)
    return float(np.count_nonzero(values <= x)) / len(values)
