"""Chapter 3, the training estimate: DiT's compute x model x data x frames, in GPU-months."""

from __future__ import annotations

from sorabook.model import dit, training
from sorabook.model.transformer import FLOPS_PER_MAC
from sorabook.results import chain
from sorabook.results.specs import Chapter

ch = Chapter("03-training-estimate")


def _video_factor(p, count_images: bool | None = None) -> float:
    images = p.train_count_images if count_images is None else count_images
    return training.data_mix_factor(chain.latent_frames(p), p.video_data_fraction, images)


@ch.claim("model-scale", "a 20B-parameter Sora needs 30x DiT's compute", 30, "x",
        "20B over DiT-XL/2's 675M counted parameters")
@ch.result("model-scale-implied", "x", "Sora's assumed parameters over DiT-XL/2's", ".3g")
def _model_scale_implied(p) -> float:
    return dit.model_scale(p.sora_params)


@ch.claim("dit-train-images", "3 million steps at batch 256 = 768M images", 768e6, "images")
@ch.result("dit-train-images", "images", "Images DiT-XL/2-512 saw in training (batch x steps)", ",.0f")
def _dit_images(p) -> float:
    return dit.training_images(p.dit_batch_size, p.dit_train_steps)


@ch.claim("video-compute-factor", "180 latent frames cost 180x DiT's compute per sample", 180, "x",
        "linear in latent frames: each latent frame priced as one DiT image")
def _video_compute_factor(p) -> float:
    return chain.latent_frames(p)


@ch.claim("video-data-factor", "(180 / 2): videos on half of the data", 90, "x",
        "the stated 50% images at 1x each and 50% videos at 180x give 0.5 x 180 + 0.5 x 1 = 90.5; "
        "the article leaves the image half out (the book keeps its method: train_count_images = false)")
def _video_data_factor_claim(p) -> float:
    return _video_factor(p, count_images=True)


@ch.result("train-video-factor", "x", "Compute per training sample over one DiT image, averaged over the data mix",
         ".4g")
def _train_video_factor(p) -> float:
    return _video_factor(p)


@ch.result("train-video-factor-exact", "x", "Compute per training sample over one DiT image with the image share "
           "of the data counted at one DiT image each", ".4g")
def _train_video_factor_exact(p) -> float:
    """The article's 50/50 mix priced in full: 0.5 x 180 + 0.5 x 1 = 90.5 at its inputs."""
    return _video_factor(p, count_images=True)


@ch.result("train-image-compute-share", "share", "Share of the exact data-mix factor in the image half of the "
           "data, which the article's (180 / 2) leaves out", ".2%")
def _train_image_compute_share(p) -> float:
    """(1 - 0.5) x 1 / 90.5 = 0.55 % at the article's inputs (0 when all the data is video)."""
    exact = _video_factor(p, count_images=True)
    return (exact - _video_factor(p, count_images=False)) / exact


@ch.claim("train-flops-low", "conservative: 10²¹ × 30 × 4 × (180 / 2) ≈ 1.1 × 10²⁵ FLOPs", 1.1e25, "FLOP",
        "1.08 x 10^25 printed to two digits")
@ch.result("train-flops-low", "FLOP", "Sora's training compute, conservative", ".3g")
def _train_flops_low(p) -> float:
    return chain.sora_train_flops(p, p.dataset_scale_low)


@ch.claim("train-flops-high", "optimistic: 10²¹ × 30 × 10 × (180 / 2) ≈ 2.7 × 10²⁵ FLOPs", 2.7e25, "FLOP")
@ch.result("train-flops-high", "FLOP", "Sora's training compute, optimistic", ".3g")
def _train_flops_high(p) -> float:
    return chain.sora_train_flops(p, p.dataset_scale_high)


_MONTHS_NOTE = ("the H100 SXM's dense BF16 peak (989.4 TFLOP/s) at 100% utilisation and 30-day months, "
                "none of which the article states")


@ch.claim("headline-train-h100-months-low", "headline: 4,200 H100s for one month of training", 4_200,
        "GPU-months", "the 4,211 above, rounded")
@ch.claim("train-h100-months-low", "equal to 4,211 H100s running for a month (conservative)", 4_211,
        "GPU-months", _MONTHS_NOTE)
@ch.result("train-h100-months-low", "GPU-months", "GPU-months of Sora's training, conservative", ",.0f")
def _train_months_low(p) -> float:
    return chain.gpu_months(p, _train_flops_low(p))


@ch.claim("headline-train-h100-months-high", "headline: to 10,500 H100s for one month", 10_500,
        "GPU-months", "the 10,528 above, rounded")
@ch.claim("train-h100-months-high", "to 10,528 H100s running for a month (optimistic)", 10_528,
        "GPU-months", _MONTHS_NOTE)
@ch.result("train-h100-months-high", "GPU-months", "GPU-months of Sora's training, optimistic", ",.0f")
def _train_months_high(p) -> float:
    return chain.gpu_months(p, _train_flops_high(p))


@ch.result("train-h100-months-low-realistic", "GPU-months", "GPU-months of Sora's training, conservative, "
         "at a realistic utilisation", ",.0f")
def _train_months_low_realistic(p) -> float:
    return chain.gpu_months(p, _train_flops_low(p), p.train_utilization_realistic)


@ch.result("train-h100-months-high-realistic", "GPU-months", "GPU-months of Sora's training, optimistic, "
         "at a realistic utilisation", ",.0f")
def _train_months_high_realistic(p) -> float:
    return chain.gpu_months(p, _train_flops_high(p), p.train_utilization_realistic)



def sensitivity_rows(p) -> list[dict]:
    """Chapter 3's table of corrections to the training estimate, one at a time and together
    (:func:`sorabook.model.training.sensitivity_rows`): the article's inputs, the image share counted,
    DiT's compute by the paper's own convention (524.6e9 x 256 x 3M x 3 = 1.21 x 10^21 in the table's
    unit), the same in FLOPs at two per multiply-accumulate, the realistic utilisation, and all of them."""
    xl2_512 = next(r for r in dit.TABLE4 if r.label == "XL/2-512")
    paper_table_units = dit.training_compute(xl2_512.gflops * 1e9, p.dit_batch_size, p.dit_train_steps, 1.0)
    return training.sensitivity_rows(
        dit_train_flops=p.dit_train_flops, dit_train_flops_paper=paper_table_units, model_scale=p.model_scale,
        dataset_scale_low=p.dataset_scale_low, dataset_scale_high=p.dataset_scale_high,
        latent_frames=chain.latent_frames(p), video_fraction=p.video_data_fraction, gpu=p.gpu, precision=p.precision,
        utilization=p.train_utilization, realistic_utilization=p.train_utilization_realistic,
        days_per_month=p.days_per_month, flops_per_mac=FLOPS_PER_MAC)
