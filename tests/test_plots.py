"""sorabook.book.plots: one style for the book's figures and one function per figure.

Every public figure function is drawn with small inputs shaped as its chapter passes them
(``notebooks/*.md``; rows with the keys of ``sorabook.model`` and ``sorabook.results`` functions),
under the book's style (:func:`plots.use`), on the Agg backend, and checked against the style
guide's figure rules (``/work/shared/style.md``, "Books"): no ``ax.set_title`` (the caption is in
the cell metadata), lowercase axis labels with units, log axes labelled in plain Unicode
(``power_label``, no mathtext), no text below 9 pt, none below 9 CSS px on a 390 px phone and no
offset text ("1e25").
"""

from __future__ import annotations

import os
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import scale  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from sorabook.book import plots, style  # noqa: E402

#: Names ``plots.__all__`` may list that are not figures (the style's, re-exported).
HELPERS = {"COLORS", "STEP_LABELS", "figure", "power_label", "step_label", "use"}

#: The smallest text a figure may carry (points).
MIN_POINTS = 9

#: The smallest text a reader on a 390 px phone can read (CSS px), the issue's rule.
MIN_PHONE_PX = 9


@pytest.fixture(scope="module", autouse=True)
def book_style():
    """The book's style, as a chapter gets it from ``page.setup``, then Agg again for drawing here.

    ``use`` changes process-wide state: Matplotlib's rcParams, the ``log`` scale (re-registered
    with plain-text labels), the backend and ``SOURCE_DATE_EPOCH``; all are restored afterwards so
    that no later test inherits them.
    """
    with pytest.MonkeyPatch.context() as mp, matplotlib.rc_context():
        mp.setenv("SOURCE_DATE_EPOCH", "unset")  # records the original, restored (or removed) after
        mp.delenv("SOURCE_DATE_EPOCH")
        # Matplotlib's registry of scales has no public "unregister": keep the original entry to restore.
        mp.setitem(scale._scale_mapping, "log", scale._scale_mapping["log"])
        plots.use()
        matplotlib.use("Agg")
        yield
        plt.close("all")
    matplotlib.use("Agg")


# --- inputs shaped as the chapters pass them -------------------------------------------------------

def _autoencoder_tokens():
    """Chapter 1: rows of ``{"autoencoder", "tokens"}`` and the article's tokens per clip."""
    rows = [{"autoencoder": "Stable Diffusion VAE (article)", "tokens": 184_320.0},
            {"autoencoder": "Wan 2.1 VAE", "tokens": 75_600.0},
            {"autoencoder": "Cosmos tokenizer 16x16x8", "tokens": 23_040.0}]
    return plots.autoencoder_tokens(rows, 184_320.0)


def _dit_scaling():
    """Chapter 2: rows of ``dit.scaling_rows``, rows of ``dit.reproduce_table4`` (256 drawn, 512 not)
    and ``dit.share_curves``: ``{size: (tokens, share)}``."""
    rows = [{"model": f"{s}/{ps}", "size": s, "patch_size": ps, "tokens": (256 / 8 / ps) ** 2, "params": n,
             "gmacs": g, "attention_share": 0.05}
            for s, n, gs in (("S", 33e6, (0.36, 1.4)), ("XL", 675e6, (7.3, 118.6))) for ps, g in zip((8, 2), gs)]
    table = [{"model": "S/8", "image_size": 256, "params_paper_m": 33, "gflops_paper": 0.36},
             {"model": "XL/2", "image_size": 256, "params_paper_m": 675, "gflops_paper": 118.6},
             {"model": "XL/2", "image_size": 512, "params_paper_m": 675, "gflops_paper": 524.6}]
    tokens = [16, 256, 4096, 65536]
    curves = {"S": (tokens, [0.01, 0.1, 0.5, 0.9]), "XL": (tokens, [0.002, 0.03, 0.2, 0.7])}
    return plots.dit_scaling(rows, table, curves)


def _chain(scale_factor):
    return [{"step": "DiT-XL/2 on the images", "factor": 1.0, "flops": 1e21},
            {"step": "x30 model size", "factor": 30.0, "flops": 3e22},
            {"step": f"x{scale_factor:g} data", "factor": scale_factor, "flops": 3e22 * scale_factor},
            {"step": "x180 on the video frames", "factor": 180.0, "flops": 5.4e24 * scale_factor}]


def _training_factors():
    """Chapter 3: ``{label: rows of training.factor_rows}`` (``step``, ``factor``, ``flops``)."""
    return plots.training_factors({"conservative": _chain(4.0), "optimistic": _chain(10.0)})


def _training_budgets():
    """Chapter 3: bars of ``training.comparison_bars`` and Movie Gen's cluster as a line."""
    bars = [("Open-Sora 2.0", 250.0, "disclosed"), ("Movie Gen", 6_000.0, "disclosed"),
            ("estimate, conservative", 60_000.0, "estimate"), ("estimate, optimistic", 150_000.0, "estimate")]
    return plots.training_budgets(bars, ("Movie Gen: 6,144 H100s for one month", 6144.0))


def _training_budgets_no_line():
    """Chapter 3 without the optional cluster line."""
    return plots.training_budgets([("a", 10.0, "disclosed"), ("b", 1000.0, "estimate")])


def _break_even():
    """Chapter 4: ``inference.break_even_curve`` (NumPy arrays) and the two training estimates."""
    minutes = np.linspace(0.0, 5e6, 21)
    return plots.break_even(minutes, minutes * 1e18, 1e24, 4e24, 1e6, 4e6)


def _per_output():
    """Chapter 4: outputs and their FLOPs, with chapter 4's ylabel."""
    return plots.per_output(["Sora, one minute", "DiT-XL/2, one image", "Llama-2-70B, 1,000 tokens"],
                            [1.1e18, 1.05e12, 1.4e14], ylabel="compute per output (FLOP, 2 per multiply-accumulate)")


def _per_output_default():
    """Chapter 4 with the default ylabel."""
    return plots.per_output(["a", "b"], [1e10, 1e14])


def _fleet_rows():
    return [{"label": "TikTok AI minutes", "start": 0.0, "end": 40_000.0, "factor": None},
            {"label": "YouTube AI minutes", "start": 40_000.0, "end": 60_000.0, "factor": None},
            {"label": "50 % utilisation", "start": 60_000.0, "end": 120_000.0, "factor": 2.0},
            {"label": "peak to average", "start": 120_000.0, "end": 240_000.0, "factor": 2.0}]


def _fleet_waterfall():
    """Chapter 5: rows of ``fleet.waterfall`` and the article's printed average and peak fleets."""
    return plots.fleet_waterfall(_fleet_rows(), 89_000.0, 720_000.0)


def _fleet_waterfall_unprinted():
    """Chapter 5 without printed values (no legend)."""
    return plots.fleet_waterfall(_fleet_rows())


def _fleet_vs_share():
    """Chapter 5: shares (NumPy array), peak GPUs, this build's point and the printed peak."""
    shares = np.linspace(0.0, 1.0, 11)
    return plots.fleet_vs_share(shares, shares * 1e6, 0.3, 3e5, 7.2e5)


def _cost_per_second():
    """Chapter 9: estimates and evidence of GPU-seconds per second of video."""
    return plots.cost_per_second(["article", "measured", "API price"], [12.0, 260.0, 180.0])


def _calibration():
    """Chapter 6: model names, measured, calibrated and published predictions (seconds), labels."""
    return plots.calibration(["Wan 2.1 14B", "HunyuanVideo", "CogVideoX-5B"], [1500.0, 1800.0, 180.0],
                             [1400.0, 2000.0, 200.0], [700.0, 900.0, 90.0],
                             "calibrated utilisation", "published utilisation")


def _compute_vs_length():
    """Chapter 7: ``predict.compute_by_length`` (seconds, ``{part: MACs}``) and the crossover."""
    seconds = np.linspace(1.0, 60.0, 20)
    parts = {"attention products": seconds ** 2 * 1e15, "all other layers": seconds * 2e16}
    return plots.compute_vs_length(seconds, parts, 20.0)


#: Chapter 8's output labels (``uncertainty.OUTPUTS``).
ECDF_LABELS = {"train-h100-months": "training (GPU-months)",
               "video-minutes-per-h100-hour": "video minutes per GPU-hour"}


def _uncertainty_ecdf():
    """Chapter 8: draws per output, labels, point values, printed values (one None), and the corrected
    scenario's draws and points beside them."""
    rng = np.random.default_rng(20240301)
    samples = {"train-h100-months": rng.lognormal(np.log(3e4), 1.0, 500),
               "video-minutes-per-h100-hour": rng.lognormal(np.log(5.0), 1.0, 500)}
    corrected = {k: v * 30 for k, v in samples.items()}
    points = {"train-h100-months": 3e4, "video-minutes-per-h100-hour": 5.0}
    return plots.uncertainty_ecdf(samples, ECDF_LABELS, points, {"train-h100-months": 2.5e4,
                                                                "video-minutes-per-h100-hour": None},
                                  corrected, {k: v * 30 for k, v in points.items()})


def _uncertainty_ecdf_one():
    """Chapter 8 with one output and no corrected scenario."""
    rng = np.random.default_rng(1)
    key = "train-h100-months"
    return plots.uncertainty_ecdf({key: rng.lognormal(0.0, 2.0, 100)}, ECDF_LABELS, {key: 1.0})


def _tornado():
    """Chapter 8: ``{key: rows of uncertainty.tornado}`` (one row without swing, left out)."""
    rows = [{"parameter": "dataset_scale_low", "low": 1.0, "high": 20.0, "output_low": 1e3, "output_high": 5e4,
             "swing": 4.9e4, "central": 6e3},
            {"parameter": "train_utilization", "low": 0.2, "high": 0.6, "output_low": 2e4, "output_high": 4e3,
             "swing": 1.6e4, "central": 6e3},
            {"parameter": "seed", "low": 1.0, "high": 2.0, "output_low": 6e3, "output_high": 6e3, "swing": 0.0,
             "central": 6e3}]
    return plots.tornado({"train-h100-months": rows, "video-minutes-per-h100-hour": rows[:2]}, ECDF_LABELS)


def _correction_waterfalls():
    """Chapter 7: ``{key: rows of corrections.walk}`` (a step that changes nothing included) and
    chapter 7's labels."""
    def walk(values):
        rows = [{"step": "article", "changes": {}, "value": values[0], "factor": 1.0}]
        for i, v in enumerate(values[1:], 1):
            rows.append({"step": f"correction {i}", "changes": {}, "value": v, "factor": v / values[i - 1]})
        return rows

    walks = {"video-minutes-per-h100-hour": walk([5.0, 2.5, 2.5, 0.05]),
             "train-h100-months-low": walk([6e4, 1.2e5, 1.2e5, 3e6])}
    labels = {"video-minutes-per-h100-hour": "minutes of video per H100-hour",
              "train-h100-months-low": "training H100-months (conservative)"}
    return plots.correction_waterfalls(walks, labels)


#: Case id -> a call that returns the figure; the function's name is the id up to any ":".
CASES = {
    "autoencoder_tokens": _autoencoder_tokens,
    "dit_scaling": _dit_scaling,
    "training_factors": _training_factors,
    "training_budgets": _training_budgets,
    "training_budgets:no-line": _training_budgets_no_line,
    "break_even": _break_even,
    "per_output": _per_output,
    "per_output:default-label": _per_output_default,
    "fleet_waterfall": _fleet_waterfall,
    "fleet_waterfall:unprinted": _fleet_waterfall_unprinted,
    "fleet_vs_share": _fleet_vs_share,
    "calibration": _calibration,
    "cost_per_second": _cost_per_second,
    "compute_vs_length": _compute_vs_length,
    "uncertainty_ecdf": _uncertainty_ecdf,
    "uncertainty_ecdf:one-panel": _uncertainty_ecdf_one,
    "tornado": _tornado,
    "correction_waterfalls": _correction_waterfalls,
}

#: Figures documented to draw at least one log axis.
LOG_FIGURES = {"autoencoder_tokens", "dit_scaling", "training_factors", "training_budgets", "per_output",
               "calibration", "cost_per_second", "compute_vs_length", "uncertainty_ecdf", "tornado", "correction_waterfalls"}

def _function(case: str) -> str:
    return case.split(":")[0]


def test_every_figure_function_has_a_case():
    """Contract of the module: ``__all__`` lists every figure (commit "plots: __all__ lists every
    figure"); each has a case here, so a new figure without a test fails."""
    assert set(plots.__all__) - HELPERS == {_function(c) for c in CASES}
    assert {"COLORS", "figure", "use"} <= set(plots.__all__)
    assert LOG_FIGURES <= set(plots.__all__)


@pytest.fixture(scope="module", params=list(CASES))
def drawn(request, book_style):
    """The case's figure, drawn once (so tick labels exist), closed after its tests."""
    fig = CASES[request.param]()
    fig.canvas.draw()
    yield request.param, fig
    plt.close(fig)


def _texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def test_returns_a_figure(drawn):
    """Contract: each figure function returns the Matplotlib Figure (the chapter assigns it to
    ``fig`` and the cell shows it), with at least one axes, made in the "tight" layout of
    :func:`plots.figure`."""
    case, fig = drawn
    assert isinstance(fig, Figure)
    assert fig.axes
    assert type(fig.get_layout_engine()).__name__ == "TightLayoutEngine"


def test_no_titles(drawn):
    """Style guide: no ``ax.set_title`` (the caption is in the cell metadata) and no suptitle."""
    case, fig = drawn
    for ax in fig.axes:
        assert [ax.get_title(loc) for loc in ("left", "center", "right")] == ["", "", ""]
    assert fig._suptitle is None or not fig._suptitle.get_text()


def _label_ok(label: str) -> bool:
    """Lowercase-initial, or starting with a unit or an acronym written in capitals (GPUs, AI, H100)."""
    return re.match(r"[a-z0-9%(]|[A-Z][A-Z0-9]", label) is not None


@pytest.mark.parametrize("label, ok", [("tokens per clip", True), ("GPUs at peak", True), ("AI share (%)", True),
                                       ("H100-months", True), ("Tokens per clip", False), ("Minutes", False)])
def test_label_rule(label, ok):
    """The rule the figures are checked with, on hand-picked labels."""
    assert _label_ok(label) is ok


def test_axis_labels_lowercase(drawn):
    """Style guide: lowercase axis labels with units; each axes labels at least one of its axes (the
    other may be categories, named by its tick labels)."""
    case, fig = drawn
    for ax in fig.axes:
        labels = [lab for lab in (ax.get_xlabel(), ax.get_ylabel()) if lab]
        assert labels, f"{case}: an axes without any axis label"
        for label in labels:
            assert _label_ok(label), f"{case}: axis label {label!r} is not lowercase-initial"
            assert "$" not in label


def test_text_at_least_9_points(drawn):
    """Legibility at the book's column width: no text (labels, ticks, legends, annotations) below
    9 pt."""
    case, fig = drawn
    small = [(t.get_text(), t.get_fontsize()) for t in _texts(fig) if t.get_fontsize() < MIN_POINTS]
    assert small == [], f"{case}: text below {MIN_POINTS} pt: {small[:5]}"


def test_text_readable_on_a_phone(drawn):
    """The issue's rule: every text at least 9 CSS px when the figure is shown in a 390 px phone's
    column (342 px; a figure is never shown wider than its 96 px per inch). Waterfall labels were
    5-6 px (8 pt in a 6.4 in figure)."""
    case, fig = drawn
    width = fig.get_figwidth()
    small = [(t.get_text(), round(style.shown_px(t.get_fontsize(), width), 1)) for t in _texts(fig)
             if style.shown_px(t.get_fontsize(), width) < MIN_PHONE_PX]
    assert small == [], f"{case}: {width} in wide, text below {MIN_PHONE_PX} px on a phone: {small[:5]}"


def test_shown_px_by_hand():
    """Hand: 9 pt in a 4.6 in figure (441.6 px) in a 342 px column: 9 x 4/3 x 342 / 441.6 = 9.29 px;
    8 pt in 6.4 in: 8 x 4/3 x 342 / 614.4 = 5.94 px (the old waterfalls, as measured in the browser);
    9 pt in a figure narrower than the column: 12 px."""
    assert style.shown_px(9, 4.6) == pytest.approx(9.2935, rel=1e-4)
    assert style.shown_px(8, 6.4) == pytest.approx(5.9375, rel=1e-4)
    assert style.shown_px(9, 3.0) == pytest.approx(12.0)


def test_no_text_runs_off_the_figure(drawn):
    """Everything drawn lies inside the figure: a long label or a legend placed outside the axes
    was cut at the figure's edge (Matplotlib's tight box of what is drawn, against the figure)."""
    case, fig = drawn
    renderer = fig.canvas.get_renderer()
    tight = fig.get_tightbbox(renderer)  # inches
    width, height = fig.get_size_inches()
    tol = 0.02
    inside = tight.x0 >= -tol and tight.y0 >= -tol and tight.x1 <= width + tol and tight.y1 <= height + tol
    def off(t) -> bool:
        e = t.get_window_extent(renderer)
        return e.x0 < -1 or e.y0 < -1 or e.x1 > fig.bbox.x1 + 1 or e.y1 > fig.bbox.y1 + 1

    cut = [t.get_text() for t in _texts(fig) if off(t) and not t.get_text()[:1].isdigit()]  # tick labels off view too
    assert inside, f"{case}: drawn {tight.bounds} in a {width}x{height} in figure; cut: {cut[:5]}"


def test_no_offset_text(drawn):
    """No axis shows Matplotlib's offset or multiplier ("1e25") instead of naming its unit."""
    case, fig = drawn
    offsets = [axis.get_offset_text().get_text() for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
               if axis.get_offset_text().get_visible() and axis.get_offset_text().get_text().strip()]
    assert offsets == [], f"{case}: offset text {offsets}"


def test_break_even_names_its_unit():
    """Chapter 4's compute axis (about 10²⁵ FLOP): the power of ten is in the label, not an offset."""
    minutes = np.linspace(0.0, 5e6, 21)
    fig = plots.break_even(minutes, minutes * 1e19, 1e25, 4e25, 1e6, 4e6)
    try:
        fig.canvas.draw()
        assert fig.axes[0].get_ylabel() == "cumulative compute (10²⁵ FLOP)"
        assert fig.axes[0].yaxis.get_offset_text().get_text() == ""
    finally:
        plt.close(fig)


def test_waterfall_bars_are_named_in_words():
    """Chapter 7: the y labels are phrases, not the corrections' keys (``flops_per_mac``); every
    correction of the shipped corrected scenario has a phrase."""
    from sorabook.results import corrections

    keys = [key for key, _ in corrections.steps(corrections.corrected_values())]
    assert keys and not [k for k in keys if k not in plots.STEP_LABELS]
    assert all("_" not in plots.step_label(k) for k in keys)
    assert plots.step_label("some_new_key") == "some new key"
    walks = {"video-minutes-per-h100-hour": [{"step": "article", "value": 5.0, "factor": 1.0},
                                             {"step": "flops_per_mac", "value": 2.5, "factor": 0.5},
                                             {"step": "cfg_passes", "value": 1.25, "factor": 0.5}]}
    fig = plots.correction_waterfalls(walks, {"video-minutes-per-h100-hour": "minutes of video per H100-hour"})
    try:
        fig.canvas.draw()
        names = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert "2 FLOPs per multiply-add" in names and not [n for n in names if "_" in n]
    finally:
        plt.close(fig)


def test_log_axes_labelled_in_plain_text(drawn):
    """Contract of ``use``: the tick labels of every log axis are plain
    Unicode (10⁻², 2×10³), never mathtext; each figure documented as log has a log axis with at
    least one labelled tick."""
    case, fig = drawn
    log_axes = [axis for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) if axis.get_scale() == "log"]
    if _function(case) in LOG_FIGURES:
        assert log_axes, f"{case}: documented as a log figure, has no log axis"
    for axis in log_axes:
        labels = [t.get_text() for t in axis.get_ticklabels(which="both")]
        assert not [lab for lab in labels if "$" in lab], f"{case}: mathtext tick labels {labels}"
        assert any(lab.strip() for lab in labels), f"{case}: a log axis without tick labels"


# --- the style itself -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    (r"$\mathdefault{10^{-2}}$", "10⁻²"),
    (r"$\mathdefault{2\times10^{3}}$", "2×10³"),
    (r"$\mathdefault{10^{0}}$", "10⁰"),
    (r"$\mathdefault{10^{15}}$", "10¹⁵"),
    (r"$\mathdefault{-10^{2}}$", "-10²"),
    (r"$\mathdefault{1}$", "1"),
    ("300", "300"),
    (r"$x^2$", r"$x^2$"),
    ("", ""),
])
def test_power_label_by_hand(text, expected):
    """Hand derivation from ``power_label``'s docstring: Matplotlib's mathtext labels as plain text,
    other text unchanged."""
    assert plots.power_label(text) == expected


def test_log_formatter_over_sixty_decades():
    """Contract of ``use``: on a log axis every power of ten from 10⁻³⁰ to 10³⁰ is labelled
    ``10`` with its exponent in superscripts (hand: 10⁻³⁰ ... 10³⁰)."""
    sup = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
    fig, ax = plots.figure()
    try:
        ax.set_yscale("log")
        ax.set_ylim(1e-30, 1e30)
        formatter = ax.yaxis.get_major_formatter()
        formatter.set_locs([10.0 ** k for k in range(-30, 31)])
        for k in range(-30, 31):
            assert formatter(10.0 ** k) == "10" + str(k).translate(sup)
    finally:
        plt.close(fig)


def test_use_sets_the_book_style():
    """Contract of ``use``: the book's font size, Okabe-Ito colours in order, deterministic SVG (fixed
    hash salt, SOURCE_DATE_EPOCH, paths for text) and no top or right spine."""
    rc = matplotlib.rcParams
    assert rc["font.size"] == 10
    assert rc["svg.hashsalt"] == "sorabook" and rc["svg.fonttype"] == "path"
    assert os.environ["SOURCE_DATE_EPOCH"] == "0"
    assert tuple(rc["axes.prop_cycle"].by_key()["color"]) == plots.COLORS
    assert not rc["axes.spines.top"] and not rc["axes.spines.right"]
    assert len(set(plots.COLORS)) == len(plots.COLORS) == 7


def test_figure_passes_arguments_and_defaults_to_tight():
    """Contract of ``figure``: ``plt.subplots`` arguments, "tight" layout unless told otherwise."""
    fig, axes = plots.figure(nrows=2, figsize=(3.0, 2.0))
    try:
        assert len(axes) == 2 and tuple(fig.get_size_inches()) == (3.0, 2.0)
        assert type(fig.get_layout_engine()).__name__ == "TightLayoutEngine"
    finally:
        plt.close(fig)
    fig, _ = plots.figure(layout="constrained")
    try:
        assert type(fig.get_layout_engine()).__name__ == "ConstrainedLayoutEngine"
    finally:
        plt.close(fig)
