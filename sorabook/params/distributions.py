"""What the Monte Carlo draws: how each uncertain parameter spreads around the point value of the
parameter set being simulated (:data:`DISTRIBUTIONS`, a :class:`Spread` each), the absolute
:class:`Distribution` that a spread gives for one parameter set, and the validation of a
scenario's ``uncertainty:`` block (absolute ranges, which replace the spreads).

The spreads are relative on purpose (issue 15): the article's scenario is drawn around the
article's values and the corrected scenario around the corrected ones (50 steps drawn near 50,
not over the article's 50-250). Counts are drawn as whole numbers; parameters that switch a mode
(``attention``, ``train_count_images``, ``measured_utilization``) are never drawn. With
``measured_utilization`` the inference and fleet utilisation are the one value fitted to measured
runs; the Monte Carlo then draws that value within the spread of the runs' implied utilisations
(:data:`MEASURED_UTILIZATION_SOURCE`; the numbers come from chapter 6, in the results layer).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any, Mapping

from sorabook.params.literals import quote
from sorabook.params.param import ParamError, fmt, show
from sorabook.params.table import REGISTRY, suggest

__all__ = ["DISTRIBUTIONS", "DISTRIBUTION_KINDS", "MEASURED_UTILIZATION_SOURCE", "Distribution", "Spread",
           "distributions", "parse_uncertainty"]

#: The distributions a parameter can carry (``choice``: whole values with stated probabilities).
DISTRIBUTION_KINDS: tuple[str, ...] = ("fixed", "uniform", "log-uniform", "triangular", "choice")


def _pct(x: float) -> str:
    return f"{100 * x:.3g} %"


def _num(x: float | None) -> str:
    """A bound for reading: 17M, 10B, 0.375, 250."""
    for scale, suffix in ((1e9, "B"), (1e6, "M")):
        if x is not None and abs(x) >= scale:
            return f"{x / scale:.4g}{suffix}"
    return fmt(x) if x is None or float(x).is_integer() else f"{x:.4g}"


@dataclass(frozen=True)
class Distribution:
    """What the Monte Carlo draws for one parameter of one parameter set (absolute numbers).

    ``kind`` is one of :data:`DISTRIBUTION_KINDS`. ``low``, ``high`` (and ``mode`` for
    ``triangular``) are in the parameter's own unit and inside its allowed range; ``choice``
    draws one of ``values`` with probabilities ``weights``. ``fixed`` takes the point value.
    An integer parameter is drawn as whole numbers (:func:`sorabook.model.montecarlo.draw`).
    ``source`` says where the range comes from; ``note`` what was adjusted (e.g. a clipped end).
    """

    name: str
    kind: str = "fixed"
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    source: str = ""
    values: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()
    note: str = ""

    def text(self) -> str:
        """The distribution in words, e.g. ``log-uniform [4, 10]`` or ``2 (75 %) or 1 (25 %)``."""
        if self.kind == "fixed":
            return "fixed at the point value"
        if self.kind == "choice":
            return " or ".join(f"{_num(v)} ({_pct(w)})" for v, w in zip(self.values, self.weights))
        whole = " whole numbers" if self.name in REGISTRY and REGISTRY[self.name].kind == "int" else ""
        if self.kind == "triangular":
            out = f"triangular{whole} [{_num(self.low)}, {_num(self.high)}], mode {_num(self.mode)}"
        else:
            out = f"{self.kind}{whole} [{_num(self.low)}, {_num(self.high)}]"
        return out + (f" ({self.note})" if self.note else "")


def _whole(x: float) -> float:
    return float(math.floor(x + 0.5))


@dataclass(frozen=True)
class Spread:
    """How a parameter's default distribution spreads around its point value ``x`` (chapter 8).

    ``triangular``: from ``low x`` to ``high x`` with the mode at ``x``; ``log-uniform`` and
    ``uniform``: from ``low x`` to ``high x`` (or to the value of the parameter ``high_from``);
    ``choice``: ``x`` with probability ``1 - other``, else ``alternatives[x]`` (a point without an
    alternative is not drawn). Ends are rounded to whole numbers for an integer parameter and
    clipped to the parameter's allowed range (the :class:`Distribution`'s ``note`` says so).
    """

    name: str
    kind: str
    low: float = 1.0
    high: float = 1.0
    source: str = ""
    high_from: str | None = None
    other: float = 0.0
    alternatives: tuple[tuple[float, float], ...] = ()

    def text(self) -> str:
        """The rule in words, e.g. ``triangular, 0.5x to 1.5x the point, mode at the point``."""
        if self.kind == "choice":
            pairs = ", ".join(f"{fmt(a)} -> {fmt(b)}" for a, b in self.alternatives)
            return f"the point ({_pct(1 - self.other)}) or the other count ({_pct(self.other)}; {pairs})"
        top = f"the value of {self.high_from}" if self.high_from else f"{self.high:.3g}x"
        whole = ", whole numbers" if REGISTRY[self.name].kind == "int" else ""
        mode = ", mode at the point" if self.kind == "triangular" else ""
        return f"{self.kind}{whole}, {self.low:.3g}x the point to {top}{mode}"

    def around(self, params: Mapping[str, Any]) -> Distribution:
        """The absolute distribution of this parameter for ``params`` (its point ``params[name]``)."""
        param, x = REGISTRY[self.name], float(params[self.name])
        if self.kind == "choice":
            alt = dict(self.alternatives).get(x)
            if alt is None:
                return Distribution(self.name, "fixed", source=self.source, note="no alternative to this value")
            pairs = sorted(((x, 1.0 - self.other), (float(alt), self.other)))
            return Distribution(self.name, "choice", min(x, alt), max(x, alt), source=self.source,
                                values=tuple(v for v, _ in pairs), weights=tuple(w for _, w in pairs))
        if self.high_from is not None:
            if self.high_from not in params:
                raise ValueError(f"the spread of '{self.name}' reads '{self.high_from}', which this parameter set "
                                 "does not declare")
            lo, hi = sorted((self.low * x, float(params[self.high_from])))
        else:
            lo, hi = self.low * x, self.high * x
        if param.kind == "int":
            lo, hi = _whole(lo), _whole(hi)
        notes = []
        if param.low is not None and lo < param.low:
            notes.append(f"{fmt(lo)} clipped to {fmt(param.low)}")
            lo = float(param.low)
        if param.high is not None and hi > param.high:
            notes.append(f"{fmt(hi)} clipped to {fmt(param.high)}")
            hi = float(param.high)
        lo, hi = min(lo, x), max(hi, x)
        if lo == hi or (self.kind == "log-uniform" and lo <= 0):
            return Distribution(self.name, "fixed", source=self.source, note="no spread at this value")
        mode = x if self.kind == "triangular" else None
        return Distribution(self.name, self.kind, lo, hi, mode, self.source, note="; ".join(notes))


_DIT_XL_PARAMS = 675e6  # DiT paper Table 4: XL/2 has 675M parameters (the article's "30x" base)
_TIKTOK_2024 = 117e6 * 20.5 / 60  # min/day: 117M uploads x 20.5 s on 10 April 2024 (Steel, ..., Pfeffer 2025)
_S_SIZE = ("10B-30B parameters around the article's 20B (a triangle from half to 1.5 times the point): open video "
           "models span 10B (Mochi 1) to 30B (Movie Gen, Step-Video)")
_S_UTIL = ("model FLOPs utilisation from 0.75 to 1.5 times the point, mode at the point, at most 100 %: around the "
           "40 % that large runs reach (Llama 3: 38-43 % on H100), 30-60 %, which contains the 45.6 % measured for "
           "video DiTs (Delavande et al. 2025)")
_S_OURS = "; no measurement exists, this book's range around it"

#: The Monte Carlo's default spread per uncertain parameter (others are fixed at their point value).
DISTRIBUTIONS: dict[str, Spread] = {s.name: s for s in (
    Spread("model_scale", "triangular", 0.5, 1.5,
           source=_S_SIZE + "; compute in proportion to parameters (article: 20B -> 30x DiT-XL's 675M)"),
    Spread("sora_params", "triangular", 0.5, 1.5,
           source=_S_SIZE + " (read by the counted transformers, attention per-frame or full-3d)"),
    Spread("dataset_scale_low", "log-uniform", 1.0, source="article §04: 4x-10x more compute than DiT from data: "
           "one factor between the scenario's two ends", high_from="dataset_scale_high"),
    Spread("video_data_fraction", "triangular", 0.5, 1.5, source="article §04 assumes 50 % video" + _S_OURS),
    Spread("diffusion_steps", "log-uniform", 0.6, 1 / 0.6,
           source="open video samplers around the common 50 steps: Open-Sora 1.2 samples 30, Mochi 1 64 "
                  "(0.6 to 1/0.6 times the point, as whole steps)"),
    Spread("cfg_passes", "choice", other=0.25, alternatives=((1.0, 2.0), (2.0, 1.0)),
           source="guidance as counted by the scenario (3 in 4), else the other count: DiT, Wan 2.1, CogVideoX and "
                  "Mochi 1 sample two passes, HunyuanVideo distils guidance into one"),
    Spread("train_utilization", "triangular", 0.75, 1.5, source=_S_UTIL),
    Spread("inference_utilization", "triangular", 0.75, 1.5, source=_S_UTIL),
    Spread("fleet_utilization", "triangular", 0.75, 1.5, source=_S_UTIL + "; the article's 50 % for the fleet"),
    Spread("tiktok_minutes_per_day", "log-uniform", 1.0, _TIKTOK_2024 / 17e6,
           source=f"from the point up to {_TIKTOK_2024 / 17e6:.3g} times it: the article's 17M (34M x 30 s) to 40M "
                  "(117M uploads x 20.5 s on 10 April 2024, Steel, ..., Pfeffer 2025 [S])"),
    Spread("tiktok_ai_share", "triangular", 0.2, 1.8, source="article §04 assumes 50 % (10-90 %)" + _S_OURS),
    Spread("youtube_ai_share", "triangular", 1 / 3, 2.0, source="article §04 assumes 15 % (5-30 %)" + _S_OURS),
    Spread("peak_to_average", "triangular", 0.75, 1.5, source="article §04 assumes x2 (1.5-3)" + _S_OURS),
    Spread("generations_per_upload", "triangular", 0.5, 2.0,
           source="article §04 assumes about 2 generations per upload (1-4)" + _S_OURS),
)}

#: How the Monte Carlo draws utilisation when ``measured_utilization`` is true (the numbers are
#: chapter 6's, filled in by :func:`sorabook.results.uncertainty.measured_distribution`).
MEASURED_UTILIZATION_SOURCE = ("measured_utilization: one utilisation for inference and the fleet, triangular from "
                               "the lowest to the highest utilisation implied by chapter 6's measured runs, mode at "
                               "the value fitted to all of them")

#: The utilisations that ``measured_utilization`` replaces by the one fitted value.
_MEASURED_USES = ("inference_utilization", "fleet_utilization")

_DIST_KEYS = ("dist", "low", "high", "mode", "values", "weights", "source")


def _choice(name: str, param, spec: Mapping, where: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The ``values`` and ``weights`` of a ``choice`` entry, validated (weights: equal if left out)."""
    raw = spec.get("values")
    if not isinstance(raw, (list, tuple)) or not raw:
        raise ParamError(f"{where}: parameter '{name}': a choice distribution needs 'values', a list of values")
    values = tuple(float(param.check(v, f"{where}, values")) for v in raw)
    weights = spec.get("weights", [1.0 / len(values)] * len(values))
    if (not isinstance(weights, (list, tuple)) or len(weights) != len(values)
            or not all(isinstance(w, (int, float)) and not isinstance(w, bool) and w >= 0 for w in weights)):
        raise ParamError(f"{where}: parameter '{name}': weights: got {show(weights)}; expected one probability "
                         f">= 0 per value ({len(values)})")
    if abs(sum(weights) - 1.0) > 1e-6:
        raise ParamError(f"{where}: parameter '{name}': weights add up to {sum(weights):g}; expected 1")
    return values, tuple(float(w) for w in weights)


def parse_uncertainty(data: Any, origin: str = "uncertainty") -> dict[str, Distribution]:
    """Validate a scenario file's ``uncertainty:`` mapping and return its distributions.

    Each entry is ``name: fixed``, ``name: {dist: KIND, low: X, high: Y[, mode: M][, source: TEXT]}``
    or ``name: {dist: choice, values: [...][, weights: [...]]}`` (absolute values, in the
    parameter's unit; they replace the default spread in every scenario the block is used with).
    Raises :class:`ParamError` (one line) for an unknown or non-numeric parameter,
    an unknown distribution or key, a missing or out-of-range bound, ``low > high``,
    a log-uniform bound that is not positive, a mode outside ``[low, high]``, or choice
    weights that are not probabilities adding up to 1.
    """
    if data is None:
        return {}
    where = f"{origin}, uncertainty"
    if not isinstance(data, Mapping):
        raise ParamError(f"{where}: expected a mapping of parameter: distribution, got {show(data)}")
    out = {}
    for name, spec in data.items():
        if not isinstance(name, str) or name not in REGISTRY:
            raise ParamError(f"{where}: unknown parameter {quote(str(name))}{suggest(str(name))}; "
                             "`sorabook params` lists them all")
        param = REGISTRY[name]
        if param.kind not in ("float", "int") or name in ("seed", "draws"):
            raise ParamError(f"{where}: parameter '{name}' cannot carry a distribution; expected a numeric "
                             "model parameter")
        if spec == "fixed":
            spec = {"dist": "fixed"}
        if not isinstance(spec, Mapping):
            raise ParamError(f"{where}: parameter '{name}': got {show(spec)}; expected 'fixed' or a mapping "
                             "with dist, low, high (and mode for triangular)")
        for key in spec:
            if key not in _DIST_KEYS:
                raise ParamError(f"{where}: parameter '{name}': unknown key {quote(str(key))}; expected "
                                 + ", ".join(_DIST_KEYS))
        kind = spec.get("dist")
        if kind not in DISTRIBUTION_KINDS:
            near = difflib.get_close_matches(str(kind), DISTRIBUTION_KINDS, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise ParamError(f"{where}: parameter '{name}': unknown distribution {show(kind)}{hint}; expected "
                             "one of " + ", ".join(DISTRIBUTION_KINDS))
        source = spec.get("source", f"{origin}")
        if not isinstance(source, str):
            raise ParamError(f"{where}: parameter '{name}': source: expected a text, got {show(source)}")
        needed = {"fixed": (), "choice": ("values",), "triangular": ("low", "high", "mode")}.get(kind, ("low", "high"))
        for key in ("low", "high", "mode", "values", "weights"):
            if key in spec and key not in needed and not (key == "weights" and kind == "choice"):
                raise ParamError(f"{where}: parameter '{name}': '{key}' does not apply to a {kind} distribution")
            if key in needed and key not in spec:
                raise ParamError(f"{where}: parameter '{name}': a {kind} distribution needs '{key}'")
        source = " ".join(source.split())
        if kind == "choice":
            values, weights = _choice(name, param, spec, where)
            out[name] = Distribution(name, "choice", min(values), max(values), source=source, values=values,
                                     weights=weights)
            continue
        bounds = {k: float(param.check(spec[k], f"{where}, {k}")) for k in needed}
        if bounds and bounds["low"] > bounds["high"]:
            raise ParamError(f"{where}: parameter '{name}': low {fmt(bounds['low'])} > high "
                             f"{fmt(bounds['high'])}; expected low <= high")
        if kind == "log-uniform" and bounds["low"] <= 0:
            raise ParamError(f"{where}: parameter '{name}': low {fmt(bounds['low'])}; a log-uniform "
                             "distribution expects low > 0")
        if kind == "triangular" and not bounds["low"] <= bounds["mode"] <= bounds["high"]:
            raise ParamError(f"{where}: parameter '{name}': mode {fmt(bounds['mode'])} outside "
                             f"[{fmt(bounds['low'])}, {fmt(bounds['high'])}]; expected low <= mode <= high")
        out[name] = Distribution(name, kind, bounds.get("low"), bounds.get("high"), bounds.get("mode"), source)
    return out


def distributions(params: Mapping[str, Any]) -> dict[str, Distribution]:
    """The Monte Carlo's distributions for a parameter set: each default :class:`Spread` of
    :data:`DISTRIBUTIONS` taken around ``params``' own values (parameters ``params`` does not
    hold are left out), then replaced by its ``distribution_overrides`` (a scenario's
    ``uncertainty:`` block, absolute; ``name: fixed`` removes that parameter's uncertainty).

    With ``measured_utilization`` the chain does not read ``inference_utilization`` and
    ``fleet_utilization``: their spreads are left out (the results layer draws the measured
    utilisation instead, :data:`MEASURED_UTILIZATION_SOURCE`); an override of either is kept."""
    block = params.get("distribution_overrides") or None
    unread = _MEASURED_USES if params.get("measured_utilization") else ()
    spread = {n: s.around(params) for n, s in DISTRIBUTIONS.items() if n in params and n not in unread}
    return {**spread, **parse_uncertainty(block, "parameter 'distribution_overrides'")}
