"""The book's figures: one function per figure, each returning a Matplotlib figure drawn in the
book's style (:mod:`sorabook.book.style`: colours, sizes, plain-text log labels, deterministic SVG).
No titles (the caption is in the cell's metadata); lowercase axis labels with units.
"""

from __future__ import annotations

__all__ = [
    "COLORS",
    "STEP_LABELS",
    "power_label",
    "autoencoder_tokens",
    "break_even",
    "calibration",
    "compute_vs_length",
    "correction_waterfalls",
    "cost_per_second",
    "step_label",
    "dit_scaling",
    "figure",
    "fleet_vs_share",
    "fleet_waterfall",
    "per_output",
    "tornado",
    "training_budgets",
    "training_factors",
    "uncertainty_ecdf",
    "use",
]

from sorabook.book.waterfalls import STEP_LABELS, correction_waterfalls, step_label
from sorabook.book.style import (COLORS, MAX_WIDTH_IN as _W, MIN_POINTS, figure, no_labels as _no_labels, power_label,
                                 thousands as _thousands, use)
from sorabook.results.specs import format_value


def autoencoder_tokens(rows, article_tokens):
    """Chapter 1: horizontal bars of tokens per clip for each autoencoder, log scale."""
    fig, ax = figure(figsize=(_W, 3.4))
    names = [r["autoencoder"] for r in rows][::-1]
    tokens = [r["tokens"] for r in rows][::-1]
    ax.barh(names, tokens, color=COLORS[0])
    ax.axvline(article_tokens, color=COLORS[1], linestyle="--", label="article's assumption")
    ax.set_xscale("log")
    ax.set_xlabel("tokens per clip")
    ax.legend(loc="lower right", frameon=False)
    ax.grid(axis="y", visible=False)
    return fig


def dit_scaling(rows, table_rows, share_curves):
    """Chapter 2: (a) forward compute against parameters for every size and patch size, log-log,
    with the paper's Table 4 values; (b) the attention products' share of compute against tokens.

    ``rows`` come from :func:`sorabook.dit.scaling_rows`, ``table_rows`` from
    :func:`sorabook.dit.reproduce_table4` (the 256x256 rows are drawn), ``share_curves`` maps a
    size name to ``(tokens, share)`` arrays.
    """
    fig, (ax, bx) = figure(nrows=2, figsize=(_W, 6.4))
    sizes = list(dict.fromkeys(r["size"] for r in rows))
    for i, size in enumerate(sizes):
        mine = [r for r in rows if r["size"] == size]
        ax.plot([r["params"] / 1e6 for r in mine], [r["gmacs"] for r in mine], "o-", color=COLORS[i],
                label=f"DiT-{size}")
        for r in mine:
            ax.annotate(f"/{r['patch_size']}", (r["params"] / 1e6, r["gmacs"]), textcoords="offset points",
                        xytext=(5, -3), fontsize=MIN_POINTS, color=COLORS[i])
    paper = [t for t in table_rows if t["image_size"] == 256]
    ax.plot([t["params_paper_m"] for t in paper], [t["gflops_paper"] for t in paper], "x", color="black",
            markersize=5, label="Table 4 (paper)")
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator, ScalarFormatter

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(FixedLocator([30, 100, 300, 1000]))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(20, 1200)
    ax.set_xlabel("parameters (millions)")
    ax.set_ylabel("forward Gflops per image, 256x256")
    ax.legend(frameon=False, fontsize=MIN_POINTS, loc="upper left")
    for i, (size, (tokens, share)) in enumerate(share_curves.items()):
        bx.plot(tokens, [100 * s for s in share], color=COLORS[i], label=f"DiT-{size}")
    bx.set_xscale("log")
    bx.set_xlabel("tokens per sample")
    bx.set_ylabel("attention products, % of compute")
    bx.legend(frameon=False, fontsize=MIN_POINTS, loc="upper left")
    return fig


def training_factors(chains):
    """Chapter 3: the estimate as a chain of factors, each a floating bar on a log scale.

    ``chains`` maps a label (conservative, optimistic) to rows of
    :func:`sorabook.training.factor_rows`.
    """
    import numpy as np

    fig, ax = figure(figsize=(_W, 3.4))
    n = len(chains)
    width = 0.8 / n
    for i, (label, rows) in enumerate(chains.items()):
        x = np.arange(len(rows)) + (i - (n - 1) / 2) * width
        previous = [rows[0]["flops"]] + [r["flops"] for r in rows[:-1]]
        bottoms = [rows[0]["flops"] / 10] + previous[1:]
        tops = [r["flops"] for r in rows]
        ax.bar(x, [t - b for t, b in zip(tops, bottoms)], bottom=bottoms, width=width, color=COLORS[i],
               label=label)
        for xi, r in zip(x[1:], rows[1:]):
            ax.annotate(f"x{r['factor']:g}", (xi, r["flops"]), textcoords="offset points", xytext=(0, 2),
                        ha="center", fontsize=MIN_POINTS)
    ax.set_yscale("log")
    ax.set_xticks(range(len(next(iter(chains.values())))))
    ax.set_xticklabels([r["step"].replace(" on the ", "\non the ") for r in next(iter(chains.values()))], fontsize=MIN_POINTS)
    ax.set_ylabel("training compute (FLOPs)")
    ax.legend(frameon=False, loc="upper left")
    ax.grid(axis="x", visible=False)
    return fig


def training_budgets(bars, cluster_line=None):
    """Chapter 3: GPU-months (H100 equivalent), log scale, for disclosed models and the estimate.

    ``bars`` are ``(label, months, kind)`` with kind ``"disclosed"`` or ``"estimate"``;
    ``cluster_line`` is an optional ``(label, months)`` drawn as a dashed line.
    """
    fig, ax = figure(figsize=(_W, 3.4))
    labels = [b[0] for b in bars][::-1]
    values = [b[1] for b in bars][::-1]
    colors = [COLORS[0] if b[2] == "disclosed" else COLORS[1] for b in bars][::-1]
    ax.barh(labels, values, color=colors)
    # Each value label on a white ground above the cluster line, so that the line never runs
    # through a number; the line's legend sits above the axes, clear of the bars.
    for y, v in enumerate(values):
        ax.annotate(f"{v:,.0f}", (v, y), textcoords="offset points", xytext=(3, 0), va="center", fontsize=MIN_POINTS,
                    zorder=4, bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"})
    if cluster_line is not None:
        ax.axvline(cluster_line[1], color=COLORS[2], linestyle="--", label=cluster_line[0], zorder=1)
        _legend_above(ax)
    ax.set_xscale("log")
    ax.set_xlim(min(values) / 3, max(values) * 6)  # room for the last value label
    ax.set_xlabel("GPU-months (H100 equivalent,\n30-day months)")
    ax.grid(axis="y", visible=False)
    return fig


def break_even(minutes, inference_flops, train_flops_low, train_flops_high, minutes_low, minutes_high):
    """Chapter 4: cumulative inference compute against minutes generated, with the training compute.

    ``minutes`` and ``inference_flops`` are the line (same length); the training
    compute is drawn flat at its conservative and optimistic estimates, and each
    break-even is marked where the line crosses them.
    """
    import math

    top = max(float(max(inference_flops)), train_flops_low, train_flops_high)
    power = int(math.floor(math.log10(top))) if top > 0 else 0
    unit = 10.0 ** power
    fig, ax = figure()
    ax.plot(minutes / 1e6, inference_flops / unit, color=COLORS[0], label="cumulative inference")
    for flops, be, color, name in ((train_flops_low, minutes_low, COLORS[1], "conservative"),
                                   (train_flops_high, minutes_high, COLORS[2], "optimistic")):
        ax.axhline(flops / unit, color=color, linestyle="--", label=f"training, {name}")
        ax.plot([be / 1e6], [flops / unit], "o", color=color)
        ax.annotate(f"{be / 1e6:.1f}M min", (be / 1e6, flops / unit), textcoords="offset points", xytext=(6, -12),
                    color=color)
    ax.set_xlabel("minutes of video generated (millions)")
    ax.set_ylabel(f"cumulative compute ({_power_of_ten(power)} FLOP)")
    ax.set_xlim(0, float(minutes[-1]) / 1e6)
    ax.set_ylim(0, None)
    ax.legend(loc="lower right", frameon=False)
    return fig


def _legend_above(ax, width: int = 44, ncols: int = 1) -> None:
    """The axes' legend above it, right-aligned (it may reach over the y labels), off the data; each
    entry wrapped at ``width`` characters so that it stays inside a figure of the book's width."""
    import textwrap

    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, [textwrap.fill(label, width) for label in labels], loc="lower right",
              bbox_to_anchor=(1.0, 1.0), ncols=ncols, frameon=False, fontsize=MIN_POINTS)


def _power_of_ten(power: int) -> str:
    """``10²⁵`` for 25: a unit for an axis label, in the log axes' plain-text style."""
    return "10" + str(power).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


def per_output(labels, flops, ylabel="compute per output (FLOP)"):
    """Chapter 4: compute per output of each model, log scale (the article's comparison chart).

    ``ylabel`` names the unit of ``flops`` (chapter 4 draws every output in floating-point
    operations and says so)."""
    import textwrap

    fig, ax = figure()
    names = [label.replace(", ", "\n") for label in labels]
    bars = ax.bar(names, flops, color=[COLORS[i % len(COLORS)] for i in range(len(labels))])
    ax.set_yscale("log")
    ax.set_ylim(min(flops) / 10, max(flops) * 10)
    ax.set_ylabel(textwrap.fill(ylabel, 34))  # a long unit on two lines, inside the figure's height
    ax.grid(axis="x", visible=False)
    for bar, value in zip(bars, flops):
        ax.annotate(format_value(value, ".1e"), (bar.get_x() + bar.get_width() / 2, value), ha="center", va="bottom",
                    textcoords="offset points", xytext=(0, 2))
    return fig


def fleet_waterfall(rows, printed_average=None, printed_peak=None):
    """Chapter 5: waterfall from AI demand (as GPUs at average load) to the peak fleet.

    ``rows`` come from :func:`sorabook.fleet.waterfall`: demand rows (``factor`` None)
    stack into the average fleet, drawn as a total, then each multiplier row adds
    its GPUs, and the peak fleet closes the chart. The article's printed average
    and peak fleets, if given, are drawn as dotted ticks on the two totals.
    """
    fig, ax = figure(figsize=(_W, 3.4))
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
    """Chapter 5: peak fleet against the AI share of uploads, the build's scenario (``article_share``,
    ``article_peak``) and the article's printed peak marked."""
    fig, ax = figure()
    ax.plot(shares * 100, peak_gpus, color=COLORS[0], label="same AI share on TikTok and YouTube")
    ax.plot([article_share * 100], [article_peak], "o", color=COLORS[1],
            label="this build's shares (the article's by default), recomputed")
    if printed_peak is not None:
        ax.plot([article_share * 100], [printed_peak], "o", mfc="none", color=COLORS[6], label="article's printed peak")
    ax.set_xlabel("AI share of uploaded minutes (%)")
    ax.set_ylabel("GPUs at peak")
    ax.yaxis.set_major_formatter(_thousands())
    ax.set_xlim(0, 100)
    ax.set_ylim(0, None)
    _legend_above(ax)  # the rising line filled the upper left corner the legend took
    return fig


def calibration(names, measured, predicted_calibrated, predicted_published, label_calibrated, label_published):
    """Chapter 6: predicted against measured seconds per video (log-log), with the line of equality."""
    fig, ax = figure(figsize=(_W, 4.2))
    lo = min(min(measured), min(predicted_calibrated), min(predicted_published)) / 2
    hi = max(max(measured), max(predicted_calibrated), max(predicted_published)) * 2
    ax.plot([lo, hi], [lo, hi], color="0.5", linewidth=1, linestyle="--", label="prediction = measurement")
    ax.scatter(measured, predicted_calibrated, color=COLORS[0], zorder=3, label=label_calibrated)
    ax.scatter(measured, predicted_published, facecolors="none", edgecolors=COLORS[1], zorder=3,
               label=label_published)
    seen = []
    for name, x, y in zip(names, measured, predicted_calibrated):
        if name not in seen:  # each model named once, at its first run
            seen.append(name)
            ax.annotate(name, (x, y), textcoords="offset points", xytext=(-8, 8 + 12 * (len(seen) % 2)), ha="right",
                        fontsize=MIN_POINTS)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel("measured seconds per video")
    ax.set_ylabel("predicted seconds per video")
    ax.legend(loc="upper left", fontsize=MIN_POINTS)
    return fig


def cost_per_second(labels, values):
    """Chapter 9: GPU-seconds per second of video by each estimate and each kind of evidence
    (horizontal bars on a log axis, one colour per bar, labelled with its value)."""
    fig, ax = figure(figsize=(_W, 0.7 + 0.45 * len(labels)))
    ys = range(len(labels))
    ax.barh(ys, values, color=[COLORS[i % len(COLORS)] for i in ys])
    for y, v in zip(ys, values):
        ax.annotate(f"{v:,.0f}", (v, y), textcoords="offset points", xytext=(4, 0), va="center", fontsize=9)
    ax.set_yticks(list(ys), labels)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(min(values) / 2, max(values) * 8)
    ax.set_xlabel("H100-seconds per second of video")
    return fig


def compute_vs_length(seconds, parts, crossover_seconds=None):
    """Chapter 6: forward compute of one pass against clip length, attention products vs the rest."""
    fig, ax = figure()
    for (label, values), color in zip(parts.items(), COLORS):
        ax.plot(seconds, values, label=label, color=color)
    if crossover_seconds is not None:
        ax.axvline(crossover_seconds, color="0.5", linestyle=":", linewidth=1)
    ax.set_yscale("log")
    ax.set_xlabel("clip length (s)")
    ax.set_ylabel("multiply-accumulates per forward pass")
    ax.legend(fontsize=MIN_POINTS)
    return fig
def uncertainty_ecdf(samples, labels, points, printed=None, corrected=None, corrected_points=None):
    """Chapter 8: one empirical CDF panel per output, log x, with the point estimate marked.

    ``samples``: ``{key: array of draws}``; ``labels``: ``{key: axis label}``;
    ``points``: ``{key: this build's point value}``;
    ``printed``: ``{key: the article's printed value}`` where it prints one;
    ``corrected``, ``corrected_points``: the same for the corrected scenario, drawn beside it
    (left out when ``None``).
    """
    import numpy as np

    keys = list(samples)
    fig, axes = figure(nrows=len(keys), ncols=1, figsize=(_W, 2.3 * len(keys)))
    for ax, key in zip(np.atleast_1d(axes), keys):
        values = np.sort(np.asarray(samples[key]))
        step = max(1, len(values) // 2000)  # at most ~2,000 points per curve keeps the SVG small
        ys = (np.arange(len(values)) + 1) / len(values)
        ax.plot(values[::step], ys[::step], color=COLORS[0], label="Monte Carlo, this build")
        ax.axvline(points[key], color=COLORS[1], linestyle="--", label="this build's point value")
        if corrected is not None:
            fixed = np.sort(np.asarray(corrected[key]))
            ax.plot(fixed[::step], ys[::step], color=COLORS[2], label="Monte Carlo, corrected scenario")
            ax.axvline(corrected_points[key], color=COLORS[2], linestyle="--", label="corrected point value")
        if printed and printed.get(key) is not None:
            ax.axvline(printed[key], color=COLORS[6], linestyle=":", label="article's printed value")
        for q in (0.05, 0.5, 0.95):
            ax.axhline(q, color="0.6", linewidth=0.6)
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(_no_labels())
        ax.set_ylim(0, 1)
        ax.set_xlabel(labels[key])
        ax.set_ylabel("share of draws ≤ x")
    _legend_above(np.atleast_1d(axes)[0], width=24, ncols=2)
    return fig


def tornado(rows_by_output, labels, top=8):
    """Chapter 8: one tornado panel per output (log x), largest swing on top.

    ``rows_by_output``: ``{key: rows of sorabook.uncertainty.tornado}``; each bar
    spans the output with the parameter at its low and at its high end, the others
    at their central values (the vertical line).
    """
    import numpy as np

    keys = list(rows_by_output)
    fig, axes = figure(nrows=len(keys), ncols=1, figsize=(_W, 2.4 * len(keys)))
    for ax, key in zip(np.atleast_1d(axes), keys):
        rows = [r for r in rows_by_output[key] if r["swing"] > 0][:top][::-1]
        for i, r in enumerate(rows):
            lo, hi = r["output_low"], r["output_high"]
            ax.barh(i, max(lo, hi) - min(lo, hi), left=min(lo, hi),
                    color=COLORS[0] if hi >= lo else COLORS[1])
        ax.set_yticks(range(len(rows)), [r["parameter"] for r in rows], fontsize=MIN_POINTS)
        if rows:
            ax.axvline(rows[0]["central"], color=COLORS[6], linewidth=0.8)
        ax.set_xscale("log")
        ax.set_xlabel(labels[key])
        ax.grid(axis="y", visible=False)
    return fig

