"""Accelerators: dense peak throughput and board power, and conversions to GPU time.

Figures are the vendors' dense (no sparsity) peaks, as collected with their
confidence tags in the project's facts file. Written with the standard library alone: the
conversions take plain numbers and return floats, and, being plain operators, take NumPy arrays
of FLOP counts and utilisations as well (the Monte Carlo's draws).

:func:`gpu_seconds` is the book's one conversion of FLOPs to GPU time (every other time,
GPU-hours, GPU-days, GPU-months, a prediction's seconds, is made from it).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "GPUS",
    "GPU",
    "PRECISIONS",
    "SECONDS_PER_DAY",
    "SECONDS_PER_HOUR",
    "SPARSITY_SPEEDUP",
    "board_power_w",
    "gpu_days",
    "gpu_hours",
    "gpu_months",
    "gpu_seconds",
    "peak_flops_per_s",
    "peak_tflops",
]

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86400.0

#: Number formats a GPU can run the model in (dense).
PRECISIONS: tuple[str, ...] = ("bf16", "fp8")

#: Peak with 2:4 structured sparsity over the dense peak on NVIDIA tensor cores
#: (H100 SXM: 1978.9 sparse vs 989.4 dense BF16 TFLOP/s, facts.md [V]). Dense models do
#: not get it; datasheets print the sparse figure first, which is why it matters here.
SPARSITY_SPEEDUP = 2.0


@dataclass(frozen=True)
class GPU:
    """One accelerator: dense peak FLOP/s by precision, board power, confidence tag, source."""

    name: str
    bf16_flops_per_s: float
    fp8_flops_per_s: float | None
    board_power_w: float
    tag: str
    source: str


#: Dense peak throughput (no 2:4 sparsity) and maximum board power (TDP).
GPUS: dict[str, GPU] = {
    g.name: g
    for g in (
        GPU("A100-SXM", 312e12, None, 400.0, "V", "NVIDIA A100 datasheet"),
        GPU("H100-SXM", 989.4e12, 1978.9e12, 700.0, "V", "NVIDIA H100 datasheet (SXM5, dense)"),
        GPU("H100-PCIe", 756e12, 1513e12, 350.0, "S", "NVIDIA H100 datasheet (PCIe, dense)"),
        GPU("H800-SXM", 989.4e12, 1978.9e12, 700.0, "S", "NVIDIA H800 (H100 SXM compute, reduced NVLink)"),
        GPU("H200-SXM", 989e12, 1979e12, 700.0, "S", "NVIDIA H200 datasheet (dense)"),
        GPU("B200", 2250e12, 4500e12, 1000.0, "S", "NVIDIA Blackwell B200 datasheet (dense)"),
        GPU("MI300X", 1307e12, 2615e12, 750.0, "S", "AMD Instinct MI300X datasheet (dense)"),
    )
}


def peak_tflops(gpu: str, precision: str = "bf16") -> float:
    """Dense peak of ``gpu`` in TFLOP/s: :func:`peak_flops_per_s` / 10¹² (H100 SXM BF16: 989.4)."""
    return peak_flops_per_s(gpu, precision) / 1e12


def peak_flops_per_s(gpu: str, precision: str = "bf16", sparse: bool = False) -> float:
    """Peak throughput of ``gpu`` in ``precision``, in FLOP/s (H100-SXM bf16: 989.4e12 dense).

    Parameters
    ----------
    gpu : str
        A name of :data:`GPUS`.
    precision : {"bf16", "fp8"}
        Number format.
    sparse : bool
        ``True`` gives the datasheet's 2:4-sparsity figure (:data:`SPARSITY_SPEEDUP` x the dense
        peak), which a dense model cannot reach; it exists to show what the article did *not* use.

    Returns
    -------
    float
        FLOP/s, from the vendor's datasheet (facts.md; confidence tag in :data:`GPUS`).
    """
    spec = GPUS[gpu]
    value = spec.bf16_flops_per_s if precision == "bf16" else spec.fp8_flops_per_s
    if value is None:
        raise ValueError(f"{gpu} has no dense {precision} peak")
    return value * (SPARSITY_SPEEDUP if sparse else 1.0)


def board_power_w(gpu: str) -> float:
    """Maximum board power (TDP) of ``gpu``, in watts (H100-SXM: 700 W; vendor datasheet)."""
    return GPUS[gpu].board_power_w


def gpu_seconds(flops, gpu: str, precision: str = "bf16", utilization=1.0, sparse: bool = False):
    """Seconds of one GPU to perform ``flops`` at ``utilization`` of its peak: the one FLOPs-to-time rule.

    ``seconds = FLOPs / (peak x utilization)`` (Delavande et al. 2025's time model; the article's
    §04 "one H100 for a month" is this at utilisation 1).

    Parameters
    ----------
    flops : float or array
        Floating-point operations.
    gpu, precision, sparse
        The peak, as :func:`peak_flops_per_s` gives it (dense unless ``sparse``).
    utilization : float or array
        Model-FLOPs utilisation, a share of the peak in (0, 1].

    Returns
    -------
    float or array
        GPU-seconds. Several GPUs working in parallel (ideal scaling) divide it by their number.
    """
    return flops / (peak_flops_per_s(gpu, precision, sparse) * utilization)


def gpu_hours(flops, gpu: str, precision: str = "bf16", utilization=1.0):
    """GPU-hours to perform ``flops``: :func:`gpu_seconds` / 3,600."""
    return gpu_seconds(flops, gpu, precision, utilization) / SECONDS_PER_HOUR


def gpu_days(flops, gpu: str, precision: str = "bf16", utilization=1.0):
    """GPU-days to perform ``flops``: :func:`gpu_seconds` / 86,400 (article §04: 10²¹ FLOPs is
    "one H100 for 12 days", 11.7 at the dense BF16 peak)."""
    return gpu_seconds(flops, gpu, precision, utilization) / SECONDS_PER_DAY


def gpu_months(flops, gpu: str, precision: str = "bf16", utilization=1.0, days_per_month=30.0):
    """GPU-months of ``days_per_month`` days to perform ``flops``: :func:`gpu_days` / ``days_per_month``.

    The article's 4,211 H100-months for 1.08e25 FLOPs (§04) is this function with the
    H100-SXM's dense BF16 peak, utilisation 1 and 30-day months.
    """
    return gpu_days(flops, gpu, precision, utilization) / days_per_month
