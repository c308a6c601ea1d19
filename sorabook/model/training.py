"""The article's training estimate for Sora, factor by factor (article §04, "Training").

The article extrapolates from DiT-XL's training compute::

    Sora = DiT x model scale x data scale x (latent frames x share of video data)
         = 10^21 x 30 x (4 to 10) x (180 / 2)  ≈ 1.1 x 10^25 to 2.7 x 10^25 FLOPs

and divides by one H100 for a month: 4,211 to 10,528 H100-months. Every factor is an
argument here (a parameter of the book): :func:`train_flops` is the formula, generalised to
the compute of one video and one image sample. Standard library only: functions take plain
numbers and return floats, and, being plain operators, take NumPy arrays too (the Monte
Carlo's draws). GPU time comes from :mod:`sorabook.model.hardware`. The disclosed training
budgets of real video models (facts.md) are data in :data:`DISCLOSED`, each with its source
and confidence tag.
"""

from __future__ import annotations

from dataclasses import dataclass

from sorabook.model import hardware

__all__ = [
    "DISCLOSED",
    "comparison_bars",
    "Disclosed",
    "data_mix_factor",
    "days_on_cluster",
    "disclosed_rows",
    "factor_rows",
    "in_flops",
    "peak_alternatives",
    "sensitivity_rows",
    "train_flops",
]


def data_mix_factor(latent_frames, video_fraction, count_images=False, image_cost=1.0):
    """Compute per training sample over one DiT image, averaged over the data mix.

    The article's ``(180 / 2)``: a video of ``latent_frames`` latent frames costs
    ``latent_frames`` DiT images and a share ``video_fraction`` of the data is video, so
    the factor is ``latent_frames x video_fraction`` (90). The images of the other share
    cost ``image_cost`` each (1 DiT image); the article leaves them out. With
    ``count_images=True`` they are counted: ``0.5 x 180 + 0.5 x 1 = 90.5``.
    """
    factor = 1.0 * latent_frames * video_fraction
    if count_images:
        factor = factor + (1.0 - video_fraction) * image_cost
    return factor


def in_flops(table_flops, flops_per_mac):
    """Compute in the DiT paper's unit (its "flops" are multiply-accumulates, chapter 2) in FLOPs:
    ``table_flops x flops_per_mac`` (1, the article's reading, keeps the number)."""
    return 1.0 * table_flops * flops_per_mac


def train_flops(dit_train_flops, flops_per_mac, dataset_scale, video_sample_factor, image_sample_factor,
                video_fraction, count_images=False):
    """Training compute from per-sample factors, in FLOPs: the article's formula, generalised.

    ``dit_train_flops x flops_per_mac x dataset_scale x mix`` where ``mix`` is
    :func:`data_mix_factor` of the compute of one video sample and of one image sample, each
    in DiT-XL/2-512 passes (the article: 30 x 180 = 5,400 and 30, giving 0.5 x 5,400 = 2,700).
    ``dit_train_flops`` is in the DiT paper's unit (its "flops" are multiply-accumulates,
    chapter 2); ``flops_per_mac`` converts it. Article §04: 10²¹ x 1 x 4 x (0.5 x 30 x 180) =
    1.08 x 10²⁵ (conservative), x 10 = 2.7 x 10²⁵ (optimistic); linear in every factor. The
    sample factors come from the counting rule (:mod:`sorabook.model.counting`: the article's
    linear extrapolation or a counted architecture).
    """
    mix = data_mix_factor(video_sample_factor, video_fraction, count_images, image_sample_factor)
    return in_flops(dit_train_flops, flops_per_mac) * dataset_scale * mix


def factor_rows(dit_train_flops, flops_per_mac, dataset_scale, video_sample_factor, image_sample_factor,
                video_fraction, count_images=False) -> list[dict]:
    """The estimate as a chain of factors: each step's factor and the running product (FLOPs).

    The chain of :func:`train_flops`: DiT-XL's compute in FLOPs, x the compute of one image
    sample in DiT-XL/2-512 passes (the model size: 30 in the article), x data, x the rest of
    the data mix (the video frames on the video share: 90). The product is the estimate.
    """
    mix = float(data_mix_factor(video_sample_factor, video_fraction, count_images, image_sample_factor))
    image = float(image_sample_factor)
    steps = [
        ("DiT-XL training compute", float(in_flops(dit_train_flops, flops_per_mac))),
        ("x model size", image),
        ("x data", float(dataset_scale)),
        ("x video frames on the video share", mix / image),
    ]
    rows, running = [], 1.0
    for label, factor in steps:
        running *= factor
        rows.append({"step": label, "factor": factor, "flops": running})
    return rows


def peak_alternatives(flops, days_per_month=30.0, utilization=1.0) -> list[dict]:
    """GPU-months of ``flops`` under each H100 figure a reader might divide by.

    The H100 SXM and PCIe, dense and with 2:4 sparsity, in BF16 and FP8 (facts.md), at
    ``utilization`` of the peak and ``days_per_month``-day months. Only one of them
    reproduces the article's 4,211: the SXM's dense BF16 peak, 989.4 TFLOP/s.
    """
    rows = []
    for gpu in ("H100-SXM", "H100-PCIe"):
        for precision in ("bf16", "fp8"):
            for sparse in (False, True):
                peak = hardware.peak_flops_per_s(gpu, precision, sparse)
                seconds = hardware.gpu_seconds(flops, gpu, precision, utilization, sparse)
                rows.append({
                    "gpu": gpu,
                    "precision": precision.upper(),
                    "sparsity": "2:4 sparse" if sparse else "dense",
                    "peak_tflops": peak / 1e12,
                    "gpu_months": float(seconds / hardware.SECONDS_PER_DAY / days_per_month),
                })
    for r in rows:  # how much more than the first figure (the H100 SXM's dense BF16 peak) it takes
        r["extra"] = r["gpu_months"] / rows[0]["gpu_months"] - 1
    return rows


def days_on_cluster(gpu_months, gpus, days_per_month=30.0):
    """Wall-clock days that ``gpu_months`` take on ``gpus`` GPUs working in parallel (ideal scaling):
    ``gpu_months x days_per_month / gpus`` (Movie Gen's 6,144 GPUs, facts.md)."""
    return 1.0 * gpu_months * days_per_month / gpus


@dataclass(frozen=True)
class Disclosed:
    """A video model's disclosed training budget (facts.md, "Disclosed training scale").

    ``gpu_days`` is the disclosed GPU time in days of ``gpu`` (``None`` where only a GPU
    count is disclosed, in ``gpus``). ``h100_equivalent`` is the ratio of ``gpu``'s dense
    BF16 peak to the H100 SXM's. ``source`` is a key of ``book/references.bib``; ``tag``
    is the confidence (V primary, S secondary, U unverified).
    """

    model: str
    params: float | None
    disclosed: str
    gpu: str
    gpu_days: float | None
    gpus: int | None
    h100_equivalent: float
    source: str
    tag: str
    note: str = ""


#: H200 SXM over H100 SXM, dense BF16 (facts.md: 989 vs 989.4 TFLOP/s).
_H200_RATIO = hardware.GPUS["H200-SXM"].bf16_flops_per_s / hardware.GPUS["H100-SXM"].bf16_flops_per_s

#: Disclosed training budgets of real video models (facts.md).
DISCLOSED: tuple[Disclosed, ...] = (
    Disclosed("Open-Sora 1.0", 724e6, "200 H800-days", "H800", 200.0, None, 1.0, "hpcaitech2024opensora1", "V",
              "H800 taken as an H100 SXM (same tensor cores, less interconnect) [U]"),
    Disclosed("Open-Sora 2.0", 11e9, "4,160 H200 GPU-days", "H200", 4_160.0, None, _H200_RATIO,
              "peng2025opensora2", "V", "Table 3; $199.6k at $2 per GPU-hour"),
    Disclosed("Seaweed-7B", 7e9, "665,000 H100 GPU-hours", "H100", 665_000.0 / 24.0, None, 1.0,
              "seaweed2025", "S"),
    Disclosed("Movie Gen", 30e9, "up to 6,144 H100 GPUs", "H100", None, 6_144, 1.0, "polyak2024moviegen", "V/S",
              "a GPU count, not GPU time: the duration is not disclosed in our sources"),
)


def disclosed_rows(days_per_month=30.0) -> list[dict]:
    """:data:`DISCLOSED` as table rows with GPU-months and H100-equivalent months."""
    rows = []
    for d in DISCLOSED:
        months = None if d.gpu_days is None else d.gpu_days / days_per_month
        rows.append({
            "model": d.model,
            "params": d.params,
            "params_b": None if d.params is None else d.params / 1e9,
            "disclosed": d.disclosed,
            "gpu": d.gpu,
            "gpu_months": months,
            "h100_months": None if months is None else months * d.h100_equivalent,
            "gpus": d.gpus,
            "source": d.source,
            "tag": d.tag,
            "note": d.note,
        })
    return rows


def sensitivity_rows(dit_train_flops, dit_train_flops_paper, model_scale, dataset_scale_low, dataset_scale_high,
                     latent_frames, video_fraction, gpu, precision, utilization, realistic_utilization,
                     days_per_month=30.0, flops_per_mac=2.0) -> list[dict]:
    """The article's low and high GPU-months, then each correction on its own, then all together.

    The estimate is :func:`train_flops` with the article's sample factors (a video: ``model_scale
    x latent_frames`` DiT images; an image: ``model_scale``) in GPU-months of ``gpu``'s dense peak
    in ``precision`` (:func:`sorabook.model.hardware.gpu_months`). ``dit_train_flops_paper`` is
    DiT's training compute by the paper's own convention in the table's unit; ``flops_per_mac``
    turns it into FLOPs. The article's case runs at ``utilization`` (article §04: 4,211 to 10,528
    H100-months at 1).
    """
    def months(base, count_images=False, util=utilization):
        out = []
        for scale in (dataset_scale_low, dataset_scale_high):
            flops = train_flops(base, 1.0, scale, model_scale * latent_frames, model_scale, video_fraction,
                                count_images)
            out.append(float(hardware.gpu_months(flops, gpu, precision, util, days_per_month)))
        return out

    cases = [
        ("the article's inputs", months(dit_train_flops)),
        ("image share counted at 1x (90.5 instead of 90)", months(dit_train_flops, count_images=True)),
        ("DiT's compute by the paper's convention (table Gflops as FLOPs)", months(dit_train_flops_paper)),
        (f"... and {flops_per_mac:g} FLOPs per multiply-accumulate", months(dit_train_flops_paper * flops_per_mac)),
        (f"{realistic_utilization:.0%} utilisation instead of {utilization:.0%}",
         months(dit_train_flops, util=realistic_utilization)),
        ("all of the above", months(dit_train_flops_paper * flops_per_mac, True, realistic_utilization)),
    ]
    base_low = cases[0][1][0]
    return [{"case": label, "low": low, "high": high, "ratio": low / base_low} for label, (low, high) in cases]


def comparison_bars(days_per_month, estimates) -> list[tuple[str, float, str]]:
    """Bars for the comparison figure: each disclosed GPU time, then ``estimates``.

    ``estimates`` is a sequence of ``(label, gpu_months)``. Returns ``(label, H100-equivalent
    months, kind)``; a model that disclosed only a GPU count has no bar.
    """
    bars = [(f"{r['model']} ({r['disclosed']})", r["h100_months"], "disclosed")
            for r in disclosed_rows(days_per_month) if r["h100_months"] is not None]
    return bars + [(label, float(months), "estimate") for label, months in estimates]
