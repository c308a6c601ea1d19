"""Shape rules: a published architecture scaled to another parameter budget.

The Sora-class transformer of the book (:func:`sorabook.model.presets.sora_corrected_model` and
the counting rules of :mod:`sorabook.model.counting`) is a template, Wan 2.1 14B, scaled to a
parameter count by the one rule here: keep the width per layer, the head width, the MLP ratio
and everything else (:func:`scaled_shape`), and choose the depth whose parameter count
(:func:`~sorabook.model.transformer.param_count`) is nearest the budget in ratio
(:func:`depth_for_params`). Standard library for a number; NumPy only for an array of budgets.
"""

from __future__ import annotations

import bisect
import math

from sorabook.model.transformer import VideoDiT, param_count

__all__ = ["depth_for_params", "scaled_shape", "shape_for_params"]

#: Depths past which no budget is searched (a 10¹⁴-parameter model has about 800 layers).
MAX_DEPTH = 4096

#: Log parameter counts by depth (index 0: one layer) per template, tabulated as far as asked.
_LOG_PARAMS: dict[tuple, list[float]] = {}


def _log_params(template: VideoDiT, width_per_layer: float | None, upto: float) -> list[float]:
    """Log parameter counts of :func:`scaled_shape` by depth, tabulated one depth past ``upto``."""
    logs = _LOG_PARAMS.setdefault((template, width_per_layer), [])
    while not logs or (logs[-1] < upto and len(logs) < MAX_DEPTH):
        logs.append(math.log(param_count(scaled_shape(template, len(logs) + 1, width_per_layer))))
    return logs


def _nearest(logs: list[float], x: float) -> int:
    """The depth (1-based index) whose log count is nearest ``x``; a tie goes to the smaller depth."""
    if len(logs) == 1:
        return 1
    i = min(max(bisect.bisect_left(logs, x), 1), len(logs) - 1)
    return i if x - logs[i - 1] <= logs[i] - x else i + 1


def depth_for_params(target_params, template: VideoDiT, width_per_layer: float | None = None):
    """Layers of the template scaled to ``target_params`` parameters: the depth whose parameter
    count is nearest the budget in ratio (parameters grow as ``N·d² ∝ N³``; a tie goes to fewer
    layers). Wan 2.1 14B (40 x 5120) at 20 x 10⁹ parameters: 45 layers.

    ``target_params`` may be a number (an ``int`` comes back) or a NumPy array of them (an
    array of depths comes back: the Monte Carlo's draws).
    """
    if hasattr(target_params, "shape"):
        import numpy as np

        x = np.log(np.asarray(target_params, dtype=float))
        logs = np.asarray(_log_params(template, width_per_layer, float(np.max(x)) + 0.1))
        if logs.size == 1:
            return np.ones(x.shape, dtype=int)
        i = np.clip(np.searchsorted(logs, x), 1, logs.size - 1)
        depth = np.where(x - logs[i - 1] <= logs[i] - x, i, i + 1)  # index i - 1 is depth i
        return depth if depth.ndim else int(depth)
    x = math.log(target_params)
    return _nearest(_log_params(template, width_per_layer, x + 0.1), x)


def shape_for_params(target_params: float, template: VideoDiT, width_per_layer: float | None = None,
                     name: str = "scaled") -> VideoDiT:
    """Depth and width for a parameter budget, keeping a template's architecture and aspect ratio.

    The rule: keep the template's width per layer ``d / N`` (default: the template's own),
    its head width, MLP ratio ``f / d`` and everything else (:func:`scaled_shape`); choose the
    depth whose parameter count is nearest the budget in ratio (:func:`depth_for_params`). Wan
    2.1 14B (40 x 5120, heads of 128, FFN 13824) scaled to 20 x 10⁹ parameters gives 45 layers
    of width 5760 (the book's Sora-class transformer, chapter 6).
    """
    return scaled_shape(template, depth_for_params(target_params, template, width_per_layer), width_per_layer, name)


def scaled_shape(template: VideoDiT, depth: int, width_per_layer: float | None = None,
                 name: str = "scaled") -> VideoDiT:
    """The template at ``depth`` layers under :func:`shape_for_params`'s rule: width
    ``width_per_layer x depth`` (default: the template's own ratio) rounded to whole heads of
    the template's head width, the template's MLP ratio, no dual-stream blocks."""
    ratio = width_per_layer or template.hidden / template.layers
    head = template.head_dim or template.hidden // template.heads
    heads = max(1, int(round(ratio * depth / head)))
    d = heads * head
    return template.with_(name=name, layers=depth, hidden=d, heads=heads, head_dim=head,
                          mlp_hidden=int(round(template.ffn / template.hidden * d)), dual_stream_layers=0)
