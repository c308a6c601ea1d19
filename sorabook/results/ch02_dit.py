"""Chapter 2, DiT scaling: DiT-XL/2 counted from its architecture, Table 4 reproduced, its training compute."""

from __future__ import annotations

from sorabook.model import dit, hardware
from sorabook.model.transformer import FLOPS_PER_MAC
from sorabook.results import chain
from sorabook.results.specs import Chapter

ch = Chapter("02-dit-scaling")

#: The two Table 4 rows the article's chain starts from (printed values).
_XL2_256 = next(r for r in dit.TABLE4 if r.label == "XL/2-256")
_XL2_512 = next(r for r in dit.TABLE4 if r.label == "XL/2-512")
_XL = dit.config("XL")


def _dit_paper_train_flops(p, row=_XL2_512, steps: float | None = None) -> float:
    """The paper's convention (Gflops x batch x steps x 3) on a Table 4 row, in FLOPs."""
    return dit.training_compute(row.gflops * 1e9, p.dit_batch_size, p.dit_train_steps if steps is None else steps,
                                p.flops_per_mac)


@ch.result("dit-xl2-256-gflops", "Gflops (multiply-accumulates)", "Forward compute of DiT-XL/2 at 256x256, counted",
         ".2f")
def _xl2_256_gflops(p) -> float:
    return dit.forward_gmacs(_XL, 2, 256)


@ch.result("dit-xl2-512-gflops", "Gflops (multiply-accumulates)", "Forward compute of DiT-XL/2 at 512x512, counted",
         ".2f")
def _xl2_512_gflops(p) -> float:
    return dit.forward_gmacs(_XL, 2, 512)


@ch.result("dit-xl2-512-forward-flops", "FLOP", "Forward compute of DiT-XL/2 at 512x512 in floating-point "
           "operations (two per multiply-accumulate), counted", ".3g")
def _xl2_512_forward_flops(p) -> float:
    """The counted multiply-accumulates of one forward pass x 2 (chapter 2: Table 4's Gflops are MACs)."""
    return FLOPS_PER_MAC * dit.forward_macs(_XL, 2, 512)


@ch.claim("dit-xl-params", "DiT-XL has 675M parameters", 675e6, "parameters",
        "counted from the architecture (learned parameters, the fixed position embedding excluded)")
@ch.result("dit-xl2-params", "parameters", "Learned parameters of DiT-XL/2, counted", ",.0f")
def _xl2_params(p) -> float:
    return dit.param_count(_XL, 2)


@ch.result("dit-table4-max-rel-error", "relative", "Worst relative error of the counts against DiT Table 4 "
         "(Gflops read as multiply-accumulates, and parameters)", ".2%")
def _table4_error(p) -> float:
    return dit.max_table4_rel_error(1.0)


@ch.result("dit-table4-max-rel-error-flops", "relative", "Worst relative error against DiT Table 4 if its Gflops "
         "counted two operations per multiply-accumulate", ".1%")
def _table4_error_flops(p) -> float:
    return dit.max_table4_rel_error(2.0)


@ch.result("dit-train-flops", "FLOP", "DiT-XL training compute the article starts from", ".3g")
def _dit_train_flops(p) -> float:
    return p.dit_train_flops


@ch.claim("dit-train-flops", "DiT-XL was trained with about 10²¹ FLOPs", 1e21, "FLOP",
        "the paper's convention for XL/2 at 512x512 (524.60 Gflops x 256 x 3M steps x 3), the table's "
        "Gflops taken as FLOPs as the article does; the article's figure is this rounded to a power of ten")
@ch.result("dit-train-flops-paper", "FLOP", "DiT-XL/2-512 training compute by the paper's convention "
         "(Gflops x batch x steps x 3)", ".3g")
def _dit_train_flops_paper(p) -> float:
    return _dit_paper_train_flops(p)


@ch.result("dit-train-flops-paper-256", "FLOP", "DiT-XL/2-256 training compute by the paper's convention "
         "(7M steps)", ".3g")
def _dit_train_flops_paper_256(p) -> float:
    return _dit_paper_train_flops(p, _XL2_256, dit.TRAIN_STEPS[256])


@ch.result("dit-train-flops-real", "FLOP", "DiT-XL/2-512 training compute by the paper's convention, in "
           "floating-point operations (two per multiply-accumulate)", ".2g")
def _dit_train_flops_real(p) -> float:
    """Gflops x batch x steps x 3 with the table's unit converted at 2 FLOPs per MAC, whatever
    ``flops_per_mac`` says (524.6e9 x 2 x 256 x 3M x 3 = 2.42 x 10^21)."""
    return dit.training_compute(_XL2_512.gflops * 1e9, p.dit_batch_size, p.dit_train_steps, FLOPS_PER_MAC)


@ch.result("dit-train-paper-vs-article", "x", "DiT-XL/2-512's training compute by the paper's convention over "
           "the article's base, both in the same unit", ".3g")
def _dit_train_paper_vs_article(p) -> float:
    """(524.6e9 x 256 x 3M x 3) / 10^21 = 1.209 at the article's inputs; ``flops_per_mac`` cancels."""
    return _dit_paper_train_flops(p) / chain.dit_train_flops(p)


@ch.claim("dit-train-h100-days", "or one H100 for 12 days", 12, "GPU-days",
        "10²¹ FLOPs at the H100 SXM's dense BF16 peak; 11.7 rounds to 12")
@ch.result("dit-train-h100-days", "GPU-days", "Days of one GPU for DiT-XL's training compute", ".3g")
def _dit_train_days(p) -> float:
    return chain.gpu_seconds(p, chain.dit_train_flops(p), "train") / hardware.SECONDS_PER_DAY


@ch.claim("dit-train-h100-months", "about 10²¹ FLOPs equal 0.4 H100s running for a month", 0.4, "GPU-months",
        "30-day months at the H100 SXM's dense BF16 peak; 0.39 printed to one digit is 0.4")
@ch.result("dit-train-h100-months", "GPU-months", "GPU-months for DiT-XL's training compute", ".2g")
def _dit_train_months(p) -> float:
    return chain.gpu_seconds(p, chain.dit_train_flops(p), "train") / hardware.SECONDS_PER_DAY / p.days_per_month

