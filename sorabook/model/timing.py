"""End-to-end generation time fitted to measured runs: the book's time model for inference.

A measured run (``sorabook/data/evidence/inference.csv``) times a whole pipeline: the text
encoder, the denoising steps and the decoder, on one GPU or several. One utilisation for every
GPU and every workload predicted such runs a factor of about 2.5 off; this model has a term
for each part, fitted to the evidence:

``seconds = [t0 + d x Mpx / N + (F_att / u_att + F_rest / u_rest) / (P_H100 x N x eta ^ log2 N)] / m_gpu``

- ``F_att`` and ``F_rest``: FLOPs of the denoising passes (steps x passes per step x one pass,
  :mod:`sorabook.model.transformer`) in the attention products (``QKᵀ`` and ``AV``) and in
  everything else (the linear layers). Attention kernels and matrix products run at different
  shares of the peak, so a pass's attention share moves its utilisation: ``u_att``, ``u_rest``.
- ``d x Mpx``: the decoder, in H100-seconds per million output pixels (width x height x
  frames); ``t0``: the rest of the pipeline (text encoder, transfers), in H100-seconds.
- ``m_gpu``: the GPU's speed relative to an H100 SXM on this work, fitted per GPU on its own
  runs (B200: about 1.25, not the 2.3 of its peak); a GPU without runs gets the ratio of its
  dense peak, stated as an assumption (:data:`UNMEASURED`).
- ``N`` GPUs share the denoising with an efficiency ``eta`` per doubling, fitted on the
  multi-GPU runs, and the decoder (split into patches, as the parallel pipelines do); the
  text encoder is counted on one GPU.

:func:`fit` estimates ``t0, d, u_att, u_rest`` by least squares on relative errors over the
single-GPU runs on H100-class GPUs (a linear problem: every term is linear in ``t0``, ``d``,
``1/u_att``, ``1/u_rest``), then each other GPU's ``m`` on its own runs, then ``eta``.
:func:`cross_validate` leaves one model out at a time: every run of that model is predicted by
a fit that never saw the model. Standard library only.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass, field

from sorabook.model import hardware, presets, transformer

__all__ = [
    "H100_CLASS",
    "TimeModel",
    "UNMEASURED",
    "cross_validate",
    "fit",
    "fitted",
    "parts",
    "run_features",
    "evidence_runs",
    "seconds",
    "split_seconds",
]

#: GPUs counted as an H100 SXM (the same dense peak; the H800 differs only in NVLink).
H100_CLASS = ("H100-SXM", "H800-SXM")
#: What a GPU without measured runs is assumed to run at.
UNMEASURED = "the ratio of its dense BF16 peak to the H100 SXM's (no measured run)"
_REF = "H100-SXM"


@dataclass(frozen=True)
class TimeModel:
    """Fitted coefficients of the time model (see the module's docstring).

    ``t0`` and ``d`` in H100-seconds (``d`` per million output pixels); ``u_att`` and
    ``u_rest`` shares of the H100's dense BF16 peak; ``speed`` each measured GPU's ``m``;
    ``eta`` the efficiency per doubling of GPUs; ``runs`` how many runs the fit used.
    """

    t0: float
    d: float
    u_att: float
    u_rest: float
    speed: dict = field(default_factory=dict)
    eta: float = 1.0
    runs: int = 0

    def gpu_speed(self, gpu: str) -> float:
        """``m_gpu``: the fitted speed of ``gpu`` relative to an H100 SXM, or the ratio of peaks."""
        if gpu in H100_CLASS:
            return 1.0
        if gpu in self.speed:
            return self.speed[gpu]
        return hardware.peak_flops_per_s(gpu) / hardware.peak_flops_per_s(_REF)

    def utilization(self, attention_share: float) -> float:
        """The share of an H100's dense peak at which passes of ``attention_share`` run."""
        return 1.0 / (attention_share / self.u_att + (1.0 - attention_share) / self.u_rest)


def run_features(model, width, height, frames, steps, cfg_passes) -> dict:
    """What the time model needs of a run: denoising FLOPs in attention and the rest, and the
    output's millions of pixels (width x height x frames)."""
    passes = steps * cfg_passes
    flops = passes * transformer.FLOPS_PER_MAC * transformer.forward_macs(model, width, height, frames)
    share = transformer.attention_share(model, width, height, frames)
    return {"flops": float(flops), "att": float(flops * share), "rest": float(flops * (1.0 - share)),
            "mpx": width * height * frames / 1e6}


def split_seconds(tm: TimeModel, feats: dict) -> tuple[float, float]:
    """(serial H100-seconds, denoising H100-seconds on one GPU) of a run."""
    serial = tm.t0 + tm.d * feats["mpx"]
    denoise = (feats["att"] / tm.u_att + feats["rest"] / tm.u_rest) / hardware.peak_flops_per_s(_REF)
    return serial, denoise


def parts(tm: TimeModel, feats: dict, gpu: str, gpus: int = 1) -> tuple[float, float, float]:
    """The predicted seconds of one video on ``gpus`` GPUs ``gpu`` in two parts, and the scaling:
    ``(text encoder and decoder, denoising, efficiency)``. The fixed cost runs on one GPU, the
    decoder is shared by the GPUs, the denoising runs on all of them at ``eta ** log2(gpus)``."""
    serial, denoise = split_seconds(tm, feats)
    speed = tm.gpu_speed(gpu)
    efficiency = tm.eta ** math.log2(gpus)
    return (tm.t0 + (serial - tm.t0) / gpus) / speed, denoise / (gpus * efficiency) / speed, efficiency


def seconds(tm: TimeModel, feats: dict, gpu: str, gpus: int = 1) -> float:
    """Predicted end-to-end seconds of one video on ``gpus`` GPUs ``gpu``: the sum of :func:`parts`."""
    serial, denoise, _ = parts(tm, feats, gpu, gpus)
    return serial + denoise


# --- fitting ----------------------------------------------------------------------------------


def _solve(a: list[list[float]], b: list[float]) -> list[float] | None:
    """Solve ``a x = b`` (square) by Gaussian elimination with pivoting; None when singular."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[p][c]) < 1e-12 * max(1.0, max(abs(v) for v in m[p][:n])):
            return None
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [m[i][n] / m[i][i] for i in range(n)]


def _nonnegative_least_squares(rows: list[list[float]], target: list[float]) -> list[float]:
    """``x >= 0`` minimising ``Σ (row · x - target)²``: the best of the unconstrained solutions on
    every subset of the columns (four columns: sixteen small systems)."""
    k = len(rows[0])
    best, best_err = [0.0] * k, math.inf
    for size in range(1, k + 1):
        for cols in itertools.combinations(range(k), size):
            a = [[math.fsum(r[i] * r[j] for r in rows) for j in cols] for i in cols]
            b = [math.fsum(r[i] * t for r, t in zip(rows, target)) for i in cols]
            x = _solve(a, b)
            if x is None or min(x) < 0:
                continue
            full = [0.0] * k
            for c, v in zip(cols, x):
                full[c] = v
            err = math.fsum((math.fsum(r[i] * full[i] for i in range(k)) - t) ** 2 for r, t in zip(rows, target))
            if err < best_err:
                best, best_err = full, err
    return best


def fit(runs: list[dict]) -> TimeModel:
    """Fit the time model to measured ``runs`` (rows of :func:`sorabook.model.evidence.inference_runs`
    with a ``features`` entry from :func:`run_features`)."""
    single = [r for r in runs if r["gpus"] == 1 and r["gpu"] in H100_CLASS]
    if len(single) < 4:
        raise ValueError(f"the time model needs at least 4 single-GPU H100 runs to fit; got {len(single)}")
    peak = hardware.peak_flops_per_s(_REF)
    # Relative errors: each run's equation divided by its measured seconds.
    rows = [[1.0 / r["seconds"], r["features"]["mpx"] / r["seconds"], r["features"]["att"] / peak / r["seconds"],
             r["features"]["rest"] / peak / r["seconds"]] for r in single]
    t0, d, inv_att, inv_rest = _nonnegative_least_squares(rows, [1.0] * len(rows))
    if inv_att <= 0 or inv_rest <= 0:
        raise ValueError("the time model's fit gave no finite utilisation; the runs do not constrain it")
    tm = TimeModel(t0, d, 1.0 / inv_att, 1.0 / inv_rest, runs=len(runs))
    speed = {}
    for gpu in sorted({r["gpu"] for r in runs if r["gpus"] == 1} - set(H100_CLASS)):
        a = [math.fsum(split_seconds(tm, r["features"])) / r["seconds"] for r in runs if r["gpu"] == gpu and r["gpus"] == 1]
        speed[gpu] = math.fsum(x * x for x in a) / math.fsum(a)  # m minimising Σ (a_i / m - 1)²
    tm = TimeModel(tm.t0, tm.d, tm.u_att, tm.u_rest, speed, 1.0, len(runs))
    multi = [r for r in runs if r["gpus"] > 1]
    if multi:
        tm = TimeModel(tm.t0, tm.d, tm.u_att, tm.u_rest, speed, _fit_eta(tm, multi), len(runs))
    return tm


def _fit_eta(tm: TimeModel, multi: list[dict]) -> float:
    """The efficiency per doubling in [0.5, 1] minimising the squared log errors of the multi-GPU runs.

    The loss is unimodal in ``eta``; its minimum is where the derivative changes sign, found by
    bisection on that sign. The derivative crosses zero steeply where the loss is flat, so the
    result is the same to the last digits whatever the platform's ``log`` and ``pow`` (CPython
    here, Pyodide in the browser), where comparing losses near their flat minimum would not be.
    """

    def slope(eta: float) -> float:
        t = TimeModel(tm.t0, tm.d, tm.u_att, tm.u_rest, tm.speed, eta)
        terms = []
        for r in multi:
            serial, denoise, _ = parts(t, r["features"], r["gpu"], r["gpus"])
            ds = -math.log2(r["gpus"]) * denoise / eta  # the denoising goes as eta ** -log2(gpus)
            terms.append(2.0 * math.log((serial + denoise) / r["seconds"]) * ds / (serial + denoise))
        return math.fsum(terms)

    lo, hi = 0.5, 1.0
    if slope(hi) <= 0:
        return hi
    if slope(lo) >= 0:
        return lo
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if slope(mid) > 0:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


# --- the evidence -----------------------------------------------------------------------------


def _with_features(runs: list[dict]) -> list[dict]:
    """``runs`` with their :func:`run_features` (the preset's model and guidance passes)."""
    out = []
    for r in runs:
        pre = presets.PRESETS[r["preset"]]
        feats = run_features(pre.model, r["width"], r["height"], r["frames"], r["steps"], pre.cfg_passes)
        out.append({**r, "features": feats, "cfg_passes": pre.cfg_passes})
    return out


@functools.lru_cache(maxsize=1)
def _evidence() -> tuple[dict, ...]:
    """The measured runs whose preset exists, with their features."""
    from sorabook.model import evidence

    return tuple(_with_features([r for r in evidence.inference_runs() if r["preset"] in presets.PRESETS]))


def evidence_runs() -> list[dict]:
    """The measured runs the time model is fitted on, each with its ``features``."""
    return [dict(r) for r in _evidence()]


@functools.lru_cache(maxsize=1)
def fitted() -> TimeModel:
    """The time model fitted on every measured run (``sorabook/data/evidence/inference.csv``)."""
    return fit(list(_evidence()))


@functools.lru_cache(maxsize=1)
def _evidence_cross_validation() -> tuple[dict, ...]:
    return tuple(cross_validate(list(_evidence())))


def cross_validate(runs: list[dict] | None = None) -> list[dict]:
    """Leave one model out: for each model, fit on the runs of every other model and predict its runs.

    Returns one row per run: the run, ``predicted`` seconds by the fit without its model,
    ``ratio`` predicted / measured and the held-out fit's coefficients.
    """
    if runs is None:  # the evidence's own cross-validation, computed once per process
        return [dict(r) for r in _evidence_cross_validation()]
    out = []
    for model in sorted({r["preset"] for r in runs}):
        tm = fit([r for r in runs if r["preset"] != model])
        for r in runs:
            if r["preset"] == model:
                pred = seconds(tm, r["features"], r["gpu"], r["gpus"])
                out.append({**{k: v for k, v in r.items() if k != "features"}, "predicted": pred,
                            "ratio": pred / r["seconds"], "held_out_fit": tm})
    return out
