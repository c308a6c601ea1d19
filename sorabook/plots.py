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
