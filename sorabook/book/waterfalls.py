"""Chapter 7's waterfalls: the walk from the article's values to the corrected ones, one bar per
correction, each named in words (:data:`STEP_LABELS`). Drawn with :mod:`sorabook.book.style`;
:mod:`sorabook.book.plots` offers them with the other figures."""

from __future__ import annotations

from sorabook.book.style import COLORS, MAX_WIDTH_IN as _W, MIN_POINTS, figure

__all__ = ["STEP_LABELS", "correction_waterfalls", "step_label"]


#: Chapter 7's waterfall bars in words: a correction's key (a parameter, or a group of
#: ``sorabook.results.corrections.GROUPS``) -> a short phrase; an unknown key is shown with
#: spaces for underscores.
STEP_LABELS = {
    "flops_per_mac": "2 FLOPs per multiply-add",
    "cfg_passes": "guidance: 2 passes per step",
    "diffusion_steps": "sampling steps",
    "frame size": "frame size",
    "frame_width": "frame width",
    "frame_height": "frame height",
    "temporal_compression": "autoencoder's time compression",
    "video_seconds": "clip length",
    "attention": "full 3D attention, layer by layer",
    "train_count_images": "image half of the training data",
    "train_full_share": "staged training (most clips short, low-res)",
    "utilisation": "measured utilisation",
    "train_utilization": "training utilisation",
    "measured_utilization": "measured utilisation",
}


def step_label(key: str) -> str:
    """A waterfall bar's name for a reader: :data:`STEP_LABELS`, else the key with spaces."""
    return STEP_LABELS.get(key, key.replace("_", " "))


def correction_waterfalls(walks, labels):
    """Chapter 7: one horizontal waterfall per output (log x), from the article to the corrected value.

    ``walks``: ``{key: rows of sorabook.corrections.walk}``; the first and last bars are
    totals, each bar between spans the change one correction makes, blue where it raises
    the output and vermilion where it lowers it, labelled with its factor.
    """
    import numpy as np

    keys = list(walks)
    n = max(len(walks[k]) for k in keys) + 1
    fig, axes = figure(nrows=len(keys), ncols=1, figsize=(_W, 0.24 * n * len(keys) + 0.9 * len(keys)))
    for ax, key in zip(np.atleast_1d(axes), keys):
        rows = walks[key]
        names = ["article"] + [step_label(r["step"]) for r in rows[1:]] + ["corrected"]
        first, last = rows[0]["value"], rows[-1]["value"]
        low = min(r["value"] for r in rows) / 3
        y = list(range(len(names)))[::-1]
        ax.barh(y[0], first - low, left=low, color=COLORS[5])
        for pos, prev, r in zip(y[1:-1], rows[:-1], rows[1:]):
            a, b = prev["value"], r["value"]
            if a == b:
                ax.plot([a, a], [pos - 0.35, pos + 0.35], color=COLORS[6], linewidth=1)
            else:
                ax.barh(pos, abs(b - a), left=min(a, b), color=COLORS[0] if b > a else COLORS[1])
            ax.annotate(f"x{r['factor']:.3g}", (max(a, b), pos), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=MIN_POINTS)
        ax.barh(y[-1], last - low, left=low, color=COLORS[5])
        ax.set_yticks(y, names, fontsize=MIN_POINTS)
        ax.set_xscale("log")
        ax.set_xlim(low, max(r["value"] for r in rows) * 30)
        ax.set_xlabel(labels[key])
        ax.grid(axis="y", visible=False)
    return fig
