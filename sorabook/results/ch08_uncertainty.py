"""Chapter 8, uncertainty: the chain's 5th, 50th and 95th percentiles under a distribution per
uncertain parameter, drawn around this build's values and around the corrected scenario's, and how
often the draws pass the article's numbers."""

from __future__ import annotations

from typing import Callable

from sorabook.params import defaults
from sorabook.results import corrections, uncertainty
from sorabook.results.specs import Chapter

ch = Chapter("08-uncertainty")


def _percentile_result(output: str, q: int, unit: str, description: str, fmt: str) -> None:
    @ch.result(f"{output}-p{q:02d}", unit, f"{description}, {q}th percentile of the Monte Carlo", fmt)
    def _compute(p) -> float:
        return uncertainty.default_percentiles(p)[output][q]


def _corrected_percentile_result(output: str, q: int, unit: str, description: str, fmt: str) -> None:
    @ch.result(f"corrected-{output}-p{q:02d}", unit, f"{description} with every correction, {q}th percentile of "
               "the Monte Carlo drawn around the corrected scenario's values", fmt)
    def _compute(p) -> float:
        return uncertainty.default_percentiles(corrections.corrected(p))[output][q]


def _above_article_result(key: str, output: str, description: str, article_params: Callable[[], dict]) -> None:
    @ch.result(key, "of draws", description, ".0%")
    def _compute(p) -> float:
        threshold = uncertainty.point(article_params(), [uncertainty.OUTPUT_BY_KEY[output]])[output]
        return uncertainty.exceedance(uncertainty.default_simulation(p)[output], threshold)

    if not key.endswith("-high"):
        @ch.result(f"corrected-{key}", "of draws", description + ", in the draws around the corrected scenario's "
                   "values", ".0%")
        def _compute_corrected(p) -> float:
            return _compute(corrections.corrected(p))


for _output, _unit, _description, _fmt in (
    ("train-h100-months", "GPU-months", "Sora's training in GPU-months", ",.0f"),
    ("video-minutes-per-h100-hour", "min/GPU-hour", "Minutes of video per GPU-hour", ".3g"),
    ("break-even-minutes", "min", "Minutes of video at break-even", ".3g"),
    ("fleet-gpus-peak", "GPUs", "GPUs needed at peak demand", ",.0f"),
):
    for _q in (5, 50, 95):
        _percentile_result(_output, _q, _unit, _description, _fmt)
    for _q in (5, 50, 95):
        _corrected_percentile_result(_output, _q, _unit, _description, _fmt)

_above_article_result("train-h100-months-p-above-article", "train-h100-months",
                      "Probability that training exceeds the article's conservative estimate", defaults)
_above_article_result("train-h100-months-p-above-article-high", "train-h100-months",
                      "Probability that training exceeds the article's optimistic estimate",
                      lambda: {**defaults(), "dataset_scale_low": defaults()["dataset_scale_high"]})
_above_article_result("video-minutes-per-h100-hour-p-above-article", "video-minutes-per-h100-hour",
                      "Probability of more minutes per GPU-hour than the article's", defaults)
_above_article_result("break-even-minutes-p-above-article", "break-even-minutes",
                      "Probability that inference breaks even later than in the article's conservative estimate, "
                      "recomputed from its inputs", defaults)
_above_article_result("fleet-gpus-peak-p-above-article", "fleet-gpus-peak",
                      "Probability that the peak fleet exceeds the article's, recomputed from its inputs", defaults)


@ch.result("corrected-video-minutes-per-h100-hour-point-share", "of draws", "Share of the corrected scenario's "
           "Monte Carlo draws at or below its point value of minutes of video per GPU-hour (chapter 7's number)",
           ".0%")
def _corrected_point_share(p) -> float:
    c = corrections.corrected(p)
    key = "video-minutes-per-h100-hour"
    return uncertainty.share_at_or_below(uncertainty.default_simulation(c)[key],
                                         uncertainty.point(c, [uncertainty.OUTPUT_BY_KEY[key]])[key])


@ch.result("video-minutes-per-h100-hour-p50-over-corrected", "x", "This build's median minutes of video per "
           "GPU-hour over the corrected scenario's median (1 when this build is the corrected scenario)", ".3g")
def _median_over_corrected(p) -> float:
    key = "video-minutes-per-h100-hour"
    return (uncertainty.default_percentiles(p)[key][50]
            / uncertainty.default_percentiles(corrections.corrected(p))[key][50])
