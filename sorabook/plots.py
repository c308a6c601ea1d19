"""One figure style for the book.

Call :func:`use` once at the top of a chapter: it sets the Matplotlib style and
makes inline figures deterministic SVG (fixed hash salt, no creation date), so the
same parameters give byte-identical pages.
"""

from __future__ import annotations

__all__ = ["COLORS", "use", "figure"]

#: Colour-blind-safe palette (Okabe-Ito), in the order series are drawn.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")

_RC = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": None,  # set in use()
    "svg.hashsalt": "sorabook",
    "svg.fonttype": "path",
    "savefig.bbox": "tight",
}


def use() -> None:
    """Apply the book's style and the deterministic SVG inline backend."""
    import os

    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    import matplotlib

    matplotlib.use("module://matplotlib_inline.backend_inline")
    from cycler import cycler
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    rc = dict(_RC, **{"axes.prop_cycle": cycler(color=COLORS)})
    matplotlib.rcParams.update(rc)
    set_matplotlib_formats("svg", metadata={"Date": None})


def figure(**kwargs):
    """A new figure and axes in the book's style (``plt.subplots`` arguments)."""
    import matplotlib.pyplot as plt

    return plt.subplots(**kwargs)


def autoencoder_tokens(rows, article_tokens):
    """Chapter 1: horizontal bars of tokens per clip for each autoencoder, log scale."""
    fig, ax = figure(figsize=(6.4, 3.8))
    names = [r["autoencoder"] for r in rows][::-1]
    tokens = [r["tokens"] for r in rows][::-1]
    ax.barh(names, tokens, color=COLORS[0])
    ax.axvline(article_tokens, color=COLORS[1], linestyle="--", label="article's assumption")
    ax.set_xscale("log")
    ax.set_xlabel("tokens per clip")
    ax.legend(loc="lower right", frameon=False)
    ax.grid(axis="y", visible=False)
    return fig


def break_even(minutes, inference_flops, train_flops_low, train_flops_high, minutes_low, minutes_high):
    """Chapter 4: cumulative inference compute against minutes generated, with the training compute.

    ``minutes`` and ``inference_flops`` are the line (same length); the training
    compute is drawn flat at its conservative and optimistic estimates, and each
    break-even is marked where the line crosses them.
    """
    fig, ax = figure()
    ax.plot(minutes / 1e6, inference_flops, color=COLORS[0], label="cumulative inference")
    for flops, be, color, name in ((train_flops_low, minutes_low, COLORS[1], "conservative"),
                                   (train_flops_high, minutes_high, COLORS[2], "optimistic")):
        ax.axhline(flops, color=color, linestyle="--", label=f"training, {name}")
        ax.plot([be / 1e6], [flops], "o", color=color)
        ax.annotate(f"{be / 1e6:.1f}M min", (be / 1e6, flops), textcoords="offset points", xytext=(6, -12),
                    color=color)
    ax.set_xlabel("minutes of video generated (millions)")
    ax.set_ylabel("cumulative compute (FLOP)")
    ax.set_xlim(0, float(minutes[-1]) / 1e6)
    ax.set_ylim(0, None)
    ax.legend(loc="lower right", frameon=False)
    return fig


def per_output(labels, flops):
    """Chapter 4: compute per output of each model, log scale (the article's comparison chart)."""
    fig, ax = figure()
    names = [label.replace(", ", "\n") for label in labels]
    bars = ax.bar(names, flops, color=[COLORS[i % len(COLORS)] for i in range(len(labels))])
    ax.set_yscale("log")
    ax.set_ylim(min(flops) / 10, max(flops) * 10)
    ax.set_ylabel("compute per output (FLOP)")
    ax.grid(axis="x", visible=False)
    for bar, value in zip(bars, flops):
        mant, exp = f"{value:.1e}".split("e")
        ax.annotate(f"${mant}\\times10^{{{int(exp)}}}$", (bar.get_x() + bar.get_width() / 2, value),
                    ha="center", va="bottom", textcoords="offset points", xytext=(0, 2))
    return fig


def fleet_waterfall(rows, printed_average=None, printed_peak=None):
    """Chapter 5: waterfall from AI demand (as GPUs at average load) to the peak fleet.

    ``rows`` come from :func:`sorabook.fleet.waterfall`: demand rows (``factor`` None)
    stack into the average fleet, drawn as a total, then each multiplier row adds
    its GPUs, and the peak fleet closes the chart. The article's printed average
    and peak fleets, if given, are drawn as dotted ticks on the two totals.
    """
    fig, ax = figure(figsize=(6.4, 3.8))
    demand = [r for r in rows if r["factor"] is None]
    steps = [r for r in rows if r["factor"] is not None]
    labels, x = [], 0
    for r in demand:
        ax.bar(x, r["end"] - r["start"], bottom=r["start"], color=COLORS[0])
        labels.append(r["label"])
        x += 1
    totals = {}
    totals["average fleet"] = (x, demand[-1]["end"])
    ax.bar(x, demand[-1]["end"], color=COLORS[5])
    labels.append("average fleet")
    x += 1
    for r in steps:
        ax.bar(x, r["end"] - r["start"], bottom=r["start"], color=COLORS[4])
        ax.annotate(f"x{r['factor']:.3g}", (x, r["end"]), ha="center", va="bottom", textcoords="offset points",
                    xytext=(0, 2))
        labels.append(r["label"])
        x += 1
    totals["peak fleet"] = (x, rows[-1]["end"])
    ax.bar(x, rows[-1]["end"], color=COLORS[1])
    labels.append("peak fleet")
    first = True
    for (pos, _), level in ((totals["average fleet"], printed_average), (totals["peak fleet"], printed_peak)):
        if level is not None:
            ax.plot([pos - 0.45, pos + 0.45], [level, level], color=COLORS[6], linestyle=":", linewidth=2,
                    label="article's printed value" if first else None)
            first = False
    ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right")
    ax.set_ylabel("GPUs")
    ax.yaxis.set_major_formatter(_thousands())
    ax.grid(axis="x", visible=False)
    if not first:
        ax.legend(loc="upper left", frameon=False)
    return fig


def fleet_vs_share(shares, peak_gpus, article_share, article_peak, printed_peak=None):
    """Chapter 5: peak fleet against the AI share of uploads, the article's scenario marked."""
    fig, ax = figure()
    ax.plot(shares * 100, peak_gpus, color=COLORS[0], label="same AI share on TikTok and YouTube")
    ax.plot([article_share * 100], [article_peak], "o", color=COLORS[1],
            label="article's shares (50% TikTok, 15% YouTube), recomputed")
    if printed_peak is not None:
        ax.plot([article_share * 100], [printed_peak], "o", mfc="none", color=COLORS[6], label="article's printed peak")
    ax.set_xlabel("AI share of uploaded minutes (%)")
    ax.set_ylabel("GPUs at peak")
    ax.yaxis.set_major_formatter(_thousands())
    ax.set_xlim(0, 100)
    ax.set_ylim(0, None)
    ax.legend(loc="upper left", frameon=False)
    return fig


def _thousands():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: f"{x:,.0f}")


def uncertainty_ecdf(samples, labels, points, printed=None):
    """Chapter 7: one empirical CDF panel per output, log x, with the point estimate marked.

    ``samples``: ``{key: array of draws}``; ``labels``: ``{key: axis label}``;
    ``points``: ``{key: the article's value recomputed from its inputs}``;
    ``printed``: ``{key: the article's printed value}`` where it prints one.
    """
    import numpy as np

    keys = list(samples)
    fig, axes = figure(nrows=len(keys), ncols=1, figsize=(6.4, 2.1 * len(keys)))
    for ax, key in zip(np.atleast_1d(axes), keys):
        values = np.sort(np.asarray(samples[key]))
        step = max(1, len(values) // 2000)  # at most ~2,000 points per curve keeps the SVG small
        ys = (np.arange(len(values)) + 1) / len(values)
        ax.plot(values[::step], ys[::step], color=COLORS[0], label="Monte Carlo")
        ax.axvline(points[key], color=COLORS[1], linestyle="--", label="article's inputs, recomputed")
        if printed and printed.get(key) is not None:
            ax.axvline(printed[key], color=COLORS[6], linestyle=":", label="article's printed value")
        for q in (0.05, 0.5, 0.95):
            ax.axhline(q, color="0.6", linewidth=0.6)
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(_no_labels())
        ax.set_ylim(0, 1)
        ax.set_xlabel(labels[key])
        ax.set_ylabel("share of draws ≤ x")
    np.atleast_1d(axes)[0].legend(loc="lower right", frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def tornado(rows_by_output, labels, top=8):
    """Chapter 7: one tornado panel per output (log x), largest swing on top.

    ``rows_by_output``: ``{key: rows of sorabook.uncertainty.tornado}``; each bar
    spans the output with the parameter at its low and at its high end, the others
    at their central values (the vertical line).
    """
    import numpy as np

    keys = list(rows_by_output)
    fig, axes = figure(nrows=len(keys), ncols=1, figsize=(6.4, 2.4 * len(keys)))
    for ax, key in zip(np.atleast_1d(axes), keys):
        rows = [r for r in rows_by_output[key] if r["swing"] > 0][:top][::-1]
        for i, r in enumerate(rows):
            lo, hi = r["output_low"], r["output_high"]
            ax.barh(i, max(lo, hi) - min(lo, hi), left=min(lo, hi),
                    color=COLORS[0] if hi >= lo else COLORS[1])
        ax.set_yticks(range(len(rows)), [r["parameter"] for r in rows], fontsize=8)
        if rows:
            ax.axvline(rows[0]["central"], color=COLORS[6], linewidth=0.8)
        ax.set_xscale("log")
        ax.set_xlabel(labels[key])
        ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def _no_labels():
    from matplotlib.ticker import NullFormatter

    return NullFormatter()
