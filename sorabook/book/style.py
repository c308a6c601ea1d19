"""One figure style for the book: colours, sizes, plain-text log labels, deterministic SVG.

Call :func:`use` once at the top of a chapter (``page.setup`` does): it sets the Matplotlib
style and makes inline figures deterministic SVG (fixed hash salt, no creation date), so the
same parameters give byte-identical pages. :mod:`sorabook.book.plots` draws every figure with it.
"""

from __future__ import annotations

__all__ = ["COLORS", "MAX_WIDTH_IN", "MIN_POINTS", "PHONE_COLUMN_PX", "figure", "no_labels", "power_label",
           "shown_px", "thousands", "use"]

#: Colour-blind-safe palette (Okabe-Ito), in the order series are drawn.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")

#: The widest figure (inches). A figure is shown at most at its natural width (96 CSS px per
#: inch) and scaled down to the column: 358 CSS px on a 390 px phone. Text of ``MIN_POINTS`` in a
#: figure of this width is then 9 CSS px (9 pt x 4/3 x 342 / 441.6 = 9.3), the least a phone
#: reader can read; ``tests/test_plots.py`` and the browser tests measure it.
MAX_WIDTH_IN = 4.6

#: The smallest text of a figure (points) at :data:`MAX_WIDTH_IN`.
MIN_POINTS = 9

#: The width a 390 px phone shows a figure at (CSS px, measured in Chromium): the viewport less
#: the theme's margins and the cell's padding.
PHONE_COLUMN_PX = 342

_RC = {
    "figure.figsize": (MAX_WIDTH_IN, 3.2),
    "figure.dpi": 100,
    "font.size": 10,
    "legend.fontsize": MIN_POINTS,
    "xtick.labelsize": MIN_POINTS,
    "ytick.labelsize": MIN_POINTS,
    # No offset or multiplier ("1e25") at an axis's corner: an axis names its unit in its label.
    "axes.formatter.useoffset": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": None,  # set in use()
    "svg.hashsalt": "sorabook",
    "svg.fonttype": "path",
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
    # Laid out by the figure's own "tight" layout as it is drawn, not cropped to a tight box
    # afterwards: the crop draws every figure twice.
    set_matplotlib_formats("svg", metadata={"Date": None}, bbox_inches=None)
    _render_once()
    _plain_log_labels()


def _render_once() -> None:
    """Draw each figure once, as the SVG the page shows, not first as a throw-away raster.

    Loading the inline backend registers pyplot's post-execute hook (redraw every stale
    figure, with Agg) before the backend's own (display the figures as SVG, then close
    them), so every figure was rendered twice. Re-registering pyplot's hook puts it last,
    when the figures are already shown and closed.
    """
    from IPython import get_ipython

    if get_ipython() is not None:
        import matplotlib.pyplot as plt

        plt.uninstall_repl_displayhook()
        plt.install_repl_displayhook()


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def power_label(text: str) -> str:
    """A log axis's mathtext label as plain text: ``$\\mathdefault{10^{-2}}$`` -> ``10⁻²``,
    ``$\\mathdefault{2\\times10^{3}}$`` -> ``2×10³`` (other text unchanged)."""
    import re

    m = re.fullmatch(r"\$\\mathdefault\{(-?)(?:([0-9.]+)\\times)?([0-9.]+)(?:\^\{(-?[0-9]+)\})?\}\$", text)
    if not m:
        return text
    sign, coeff, base, exponent = m.groups()
    power = base + (exponent.translate(_SUPERSCRIPT) if exponent is not None else "")
    return sign + (f"{coeff}×{power}" if coeff else power)


def _plain_log_labels() -> None:
    """Label log axes in plain text (10⁻², 2×10³) instead of mathtext.

    The labels read the same, but parsing each mathtext label took about half the time of a
    figure with log axes. The scale ``log`` is registered again with formatters that
    translate Matplotlib's own labels (:func:`power_label`), so which ticks are labelled
    does not change.
    """
    from matplotlib import scale, ticker

    class _Plain(ticker.LogFormatterSciNotation):
        def __call__(self, x, pos=None):
            return power_label(super().__call__(x, pos))

    import matplotlib

    class PlainLogScale(scale.LogScale):
        name = "log"

        if matplotlib.__version_info__ >= (3, 11):  # scales without an *axis* argument (3.11 pends it)
            def __init__(self, *, base=10, subs=None, nonpositive="clip"):
                super().__init__(base=base, subs=subs, nonpositive=nonpositive)

        def set_default_locators_and_formatters(self, axis):
            super().set_default_locators_and_formatters(axis)
            axis.set_major_formatter(_Plain(self.base))
            axis.set_minor_formatter(_Plain(self.base, labelOnlyBase=(self.subs is not None)))

    scale.register_scale(PlainLogScale)


def figure(**kwargs):
    """A new figure and axes in the book's style (``plt.subplots`` arguments; "tight" layout)."""
    import matplotlib.pyplot as plt

    kwargs.setdefault("layout", "tight")
    return plt.subplots(**kwargs)


def shown_px(points: float, width_in: float, column_px: float = PHONE_COLUMN_PX) -> float:
    """Text of ``points`` in a figure ``width_in`` inches wide, in CSS px as a page shows it in a
    column ``column_px`` wide (no wider than its natural 96 px per inch)."""
    natural = width_in * 96
    return points * 96 / 72 * min(1.0, column_px / natural)


def thousands():
    """A tick formatter with thousands separators (12,345)."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: f"{x:,.0f}")


def no_labels():
    """A tick formatter that shows no labels."""
    from matplotlib.ticker import NullFormatter

    return NullFormatter()
