"""Training cost of a staged run: what real video models disclose, priced by the book's one counter.

The article (§04) prices every training sample as a full-length, full-resolution video. Real runs
train in **stages**: most samples are short, low-resolution clips (and images), a small share
is at the final resolution. A run here is a tuple of :class:`Stage` rows; each stage processes
``samples`` training examples (steps x global batch, or as disclosed) of one clip size, with an
optional share of single images. Its compute is

    stage FLOPs = samples x 3 x forward FLOPs of one pass at the stage's size

(forward + backward, the DiT paper's "x 3" convention; one forward pass is
:func:`sorabook.model.transformer.forward_macs` x :data:`~sorabook.model.transformer.FLOPS_PER_MAC`),
and its GPU time is FLOPs / (peak x utilisation), :func:`sorabook.model.hardware.gpu_hours`.

The utilisation is a parameter, by default :func:`open_sora_step_mfu`: the utilisation, by this
module's count, of Open-Sora 2.0's *timed training steps* (the authors' own timings in its released
configuration, autoencoder and text encoder in the step), never one solved from a disclosed total.
:data:`LLM_TRAIN_MFU` (Llama 3's 40 %) is the transformer-only bound it is compared with.
:func:`check` holds a run against its disclosed GPU-hours. Two runs are encoded, each field with
its source and confidence tag (V primary, S secondary, U unverified) and each undisclosed value as
an assumption: :data:`OPEN_SORA_2` and :data:`SEAWEED_7B`. The corrected scenario prices Sora's
training the same way (:func:`sorabook.results.chain.train_video_factor`), with the curriculum
share :func:`curriculum_shares` reads off Open-Sora 2.0. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sorabook.model import hardware, transformer
from sorabook.model.transformer import VideoDiT

__all__ = [
        "LLM_TRAIN_MFU",
    "MFU_SOURCE",
    "OPEN_SORA_2",
    "OPEN_SORA_2_MODEL",
    "OPEN_SORA_2_STAGE1",
    "OPEN_SORA_2_TIMED_STEPS",
    "RUNS",
    "Run",
    "SEAWEED_7B",
    "SEAWEED_7B_MODEL",
    "Stage",
    "TRAIN_PASSES",
    "check",
    "curriculum_shares",
    "iteration_mfu",
    "open_sora_step_mfu",
    "run_flops",
    "run_gpu_hours",
    "stage_flops",
    "train_flops_per_sample",
]

#: Passes of compute per training example: forward + backward (twice the forward), the DiT
#: paper's "model Gflops x batch size x training steps x 3" (facts.md [V]).
TRAIN_PASSES = 3.0

#: Model-FLOPs utilisation of large-transformer training on H100s: Llama 3 405B reached 380-430
#: TFLOP/s per GPU in BF16 on 8,192-16,384 H100s (38-43 % of 989 TFLOP/s; Dubey et al. 2024,
#: the Llama 3 report's table of pre-training configurations, read here through secondary
#: copies [S]). The middle value, 400 TFLOP/s. A transformer-only bound: a video training step also
#: runs the autoencoder and the text encoder, which the counted FLOPs leave out.
LLM_TRAIN_MFU = 0.40
MFU_SOURCE = ("peng2025opensora2: Open-Sora 2.0's timed 256px training steps on one H200 "
              "(configs/diffusion/train/stage1.py) [V], by the book's count of the transformer's FLOPs")


@dataclass(frozen=True)
class Stage:
    """One stage of a training run: ``samples`` examples of one size through one model.

    ``samples`` counts training examples seen (steps x global batch, or as disclosed), of which
    a share ``image_share`` are single images of ``width x height`` and the rest clips of
    ``frames`` frames. ``assumptions`` states every value the source does not disclose and why
    (non-empty wherever something is assumed); ``tag`` is the confidence of the disclosed values.
    """

    name: str
    model: VideoDiT
    samples: float
    width: int
    height: int
    frames: int
    image_share: float = 0.0
    source: str = ""
    tag: str = "U"
    assumptions: tuple[str, ...] = ()

    def __post_init__(self):
        """Refuse a stage that cannot be priced (one line for a person)."""
        if not self.samples > 0 or not 0.0 <= self.image_share <= 1.0:
            raise ValueError(f"stage {self.name!r}: samples must be > 0 and image_share in [0, 1]; "
                             f"got {self.samples!r}, {self.image_share!r}")


@dataclass(frozen=True)
class Run:
    """A training run: its stages, its GPU and what it disclosed (``None`` for a hypothesis).

    ``disclosed_gpu_hours`` is in hours of ``gpu``; ``disclosure`` says what was disclosed, where;
    ``citation`` is a key of ``book/references.bib``; ``assumptions`` covers the whole run.
    """

    name: str
    stages: tuple[Stage, ...]
    gpu: str
    disclosed_gpu_hours: float | None
    disclosure: str
    citation: str
    tag: str
    assumptions: tuple[str, ...] = ()


def train_flops_per_sample(model: VideoDiT, width, height, frames):
    """Training FLOPs of one example: :data:`TRAIN_PASSES` x the forward FLOPs of one pass on it.

    ``3 x FLOPS_PER_MAC x forward_macs(model, width, height, frames)`` (the DiT paper's x 3
    convention; forward by :func:`sorabook.model.transformer.forward_macs`).
    """
    return TRAIN_PASSES * transformer.FLOPS_PER_MAC * transformer.forward_macs(model, width, height, frames)


def stage_flops(stage: Stage) -> float:
    """Training FLOPs of one stage: ``samples x [(1 - s) x clip + s x image]`` per-example FLOPs,
    with ``s`` the stage's image share and each example priced by :func:`train_flops_per_sample`."""
    clip = train_flops_per_sample(stage.model, stage.width, stage.height, stage.frames)
    image = train_flops_per_sample(stage.model, stage.width, stage.height, 1) if stage.image_share else 0.0
    return float(stage.samples * ((1.0 - stage.image_share) * clip + stage.image_share * image))


def run_flops(run: Run) -> float:
    """Training FLOPs of a run: the sum of :func:`stage_flops` over its stages."""
    return float(sum(stage_flops(s) for s in run.stages))


def run_gpu_hours(run: Run, gpu: str | None = None, mfu=None) -> float:
    """GPU-hours of ``run`` on ``gpu`` (the run's own by default) at ``mfu`` of its dense BF16 peak:
    :func:`run_flops` through :func:`sorabook.model.hardware.gpu_hours` (FLOPs / (peak x mfu));
    ``mfu`` None: :func:`open_sora_step_mfu`."""
    mfu = open_sora_step_mfu() if mfu is None else mfu
    return float(hardware.gpu_hours(run_flops(run), gpu or run.gpu, "bf16", mfu))


def check(run: Run, mfu=None) -> dict:
    """Predicted against disclosed GPU-hours of ``run`` at a *stated* utilisation ``mfu`` (None:
    :func:`open_sora_step_mfu`, measured from timed steps, never from a disclosed total).

    Returns ``predicted_gpu_hours``, ``disclosed_gpu_hours``, ``ratio`` (predicted / disclosed;
    ``None`` without a disclosure), ``gpu``, ``mfu``, ``flops``, ``disclosure``, ``citation``,
    ``tag`` and ``assumed`` (the number of assumptions in the run and its stages). A ratio below
    1 means the disclosed run spent more GPU time than its counted compute needs at ``mfu``.
    """
    mfu = open_sora_step_mfu() if mfu is None else mfu
    predicted = run_gpu_hours(run, mfu=mfu)
    disclosed = run.disclosed_gpu_hours
    return {
        "run": run.name,
        "gpu": run.gpu,
        "mfu": float(mfu),
        "flops": run_flops(run),
        "predicted_gpu_hours": predicted,
        "disclosed_gpu_hours": disclosed,
        "ratio": predicted / disclosed if disclosed else None,
        "disclosure": run.disclosure,
        "citation": run.citation,
        "tag": run.tag,
        "assumed": len(run.assumptions) + sum(len(s.assumptions) for s in run.stages),
    }


def curriculum_shares(run: Run) -> dict:
    """How a run's samples and compute split between its final size and everything before it.

    The final size is the stage(s) with the most pixels per frame. Returns ``full_sample_share``,
    ``full_compute_share`` and the first stage's clip ``low`` as ``(width, height, frames)``
    (the corrected scenario's ``train_full_share``, ``train_low_side`` and ``train_low_frames``).
    """
    top = max(s.width * s.height for s in run.stages)
    full = [s for s in run.stages if s.width * s.height == top]
    first = run.stages[0]
    return {
        "full_sample_share": sum(s.samples for s in full) / sum(s.samples for s in run.stages),
        "full_compute_share": sum(stage_flops(s) for s in full) / run_flops(run),
        "low": (first.width, first.height, first.frames),
    }


def iteration_mfu(model: VideoDiT, width, height, frames, batch_per_gpu, seconds, gpu: str) -> float:
    """Utilisation implied by a timed training iteration: ``batch x train FLOPs / (seconds x peak)``.

    A measurement of one iteration (for example a comment in a released training configuration),
    not a disclosed total: the way to turn a timed step into a utilisation by the book's count.
    """
    flops = batch_per_gpu * train_flops_per_sample(model, width, height, frames)
    return float(flops / (seconds * hardware.peak_flops_per_s(gpu, "bf16")))


# --- the runs --------------------------------------------------------------------------------

#: Open-Sora 2.0's transformer (11B, Flux-shaped MMDiT), mirroring the book's ``open-sora-2.0``
#: preset: 19 double-stream + 38 single-stream blocks, hidden 3072, 24 heads x 128, MLP 4x,
#: qkv bias, 64 input channels = 16 latent channels x a 2x2 patch, T5-XXL text (512 tokens,
#: 4096 wide) in joint attention, HunyuanVideo's causal (4,8,8) autoencoder [V: configs/diffusion/
#: train/image.py of hpcaitech/Open-Sora]. Single-stream blocks (fused qkv and MLP) are counted as
#: standard blocks: the same multiply-accumulates; the count is 13.0B parameters (modulation counted
#: as 6d in every block; Flux's single-stream blocks use 3d, about 1.1B fewer), the compute exact.
OPEN_SORA_2_MODEL = VideoDiT(
    name="Open-Sora 2.0", layers=57, dual_stream_layers=19, hidden=3072, heads=24, head_dim=128, mlp_ratio=4.0,
    patch=(1, 2, 2), vae=(4, 8, 8), causal=True, latent_channels=16, text_mode="joint", text_tokens=512,
    text_dim=4096, modulation="per-block", out_factor=1)

_OS2_GPUS = 224  # H200s, the report's cluster [V: evidence.md §2]
_OS2_CFG = "hpcaitech/Open-Sora configs/diffusion/train"
_OS2_BUCKETS = ("a step is one bucket per GPU and the released bucket batch sizes give every bucket about "
                "the same compute per step (by this module's count 1.40-1.55 PFLOPs per GPU at 256px, from "
                "45 images to 3 x 129 frames), so the undisclosed mix of buckets does not change the compute: "
                "the 65-frame bucket stands for all of them")
_OS2_SQUARE = "'256px'/'768px' buckets taken as square (the bucket's area: other aspect ratios have as many tokens)"

_OS2_STAGES = (
    Stage("256px text-to-video", OPEN_SORA_2_MODEL, 85_000 * _OS2_GPUS * 6, 256, 256, 65,
          source=(f"85k iterations on 224 GPUs, 70M clips at 256px, 2,240 GPU-days: the report's stage 1 [S, "
                  f"via summaries; GPU-days V]; batch 6 per GPU at 65 frames, ZeRO-2 data parallel: {_OS2_CFG}/"
                  "stage1.py [V]"),
          tag="S",
          assumptions=("samples = 85k steps x 224 GPUs x 6 (114M, against the report's 70M clips: about 1.6 "
                       "passes over the data)", _OS2_BUCKETS, _OS2_SQUARE)),
    Stage("256px image-to-video", OPEN_SORA_2_MODEL, 13_000 * _OS2_GPUS * 6, 256, 256, 65,
          source=f"batch as stage 1: {_OS2_CFG}/stage1_i2v.py inherits stage1.py's buckets [V]",
          tag="U",
          assumptions=("13k iterations and 384 GPU-days: recalled from the report's cost table, not re-read "
                       "in this session [U] (the three stages' 2,240 + 384 + 1,536 GPU-days add up to the "
                       "disclosed 4,160)", _OS2_BUCKETS, _OS2_SQUARE)),
    Stage("768px fine-tuning", OPEN_SORA_2_MODEL, 13_000 * (_OS2_GPUS // 4) * 4, 768, 768, 65,
          source=(f"768px buckets with sequence parallelism over 4 GPUs (sp_size 4), batch 4 per group at "
                  f"65 frames: {_OS2_CFG}/stage2.py [V]"),
          tag="U",
          assumptions=("13k iterations and 1,536 GPU-days: recalled from the report's cost table, not "
                       "re-read in this session [U]",
                       "stage2.py (768px video) taken for the stage; its image-to-video variant mixes 256px "
                       "and 768px buckets",
                       "the 65-frame bucket stands for the 768px buckets (batch 6/4/3/2 per group at "
                       "33/65/97/129 frames)", _OS2_SQUARE)),
)

_OS2_RUN_ASSUMPTIONS = (
    "the disclosed GPU time covers whole training steps: the released configurations encode video and "
    "text on the fly (stage2.py times a 256px 33-frame step at 4.17 s: 1.42 s VAE, 0.29 s text, 0.53 s "
    "forward, 1.67 s backward), while the counted FLOPs are the transformer's alone",
    "the Flux weights it starts from and its autoencoder training are not counted (nor in the disclosure)",
)

#: Open-Sora 2.0 (arXiv 2503.09642): three stages on 224 H200s; 4,160 GPU-days in all.
OPEN_SORA_2 = Run(
    "Open-Sora 2.0", _OS2_STAGES, "H200-SXM", 4_160.0 * 24.0,
    "4,160 H200 GPU-days ($199.6k at $2 per GPU-hour): the report's cost table", "peng2025opensora2", "V",
    _OS2_RUN_ASSUMPTIONS)

#: Open-Sora 2.0's first stage alone, against its own disclosed 2,240 GPU-days [V].
OPEN_SORA_2_STAGE1 = Run(
    "Open-Sora 2.0, stage 1", _OS2_STAGES[:1], "H200-SXM", 2_240.0 * 24.0,
    "2,240 H200 GPU-days ($107.5k): the report's stage 1", "peng2025opensora2", "V", _OS2_RUN_ASSUMPTIONS)

#: Seaweed-7B's transformer, an assumed shape of 7B parameters (see :data:`SEAWEED_7B`).
SEAWEED_7B_MODEL = VideoDiT(
    name="Seaweed-7B (assumed shape)", layers=30, hidden=3584, heads=28, head_dim=128, mlp_ratio=4.0,
    patch=(1, 1, 1), vae=(4, 16, 16), causal=True, latent_channels=48, text_mode="joint", text_tokens=256,
    text_dim=4096, modulation="per-block", out_factor=1)

_SW_SHAPE = ("shape not read in this session: 30 blocks x 3584 (28 heads x 128), MLP 4x, counted as "
             "single-stream (7.0B parameters by this counter); the hybrid-stream design gives text its own "
             "weights in part of the blocks, which adds parameters without compute, so a 7B hybrid-stream "
             "model computes at most this much per token")
_SW_VAE = ("autoencoder 64x compression, taken as (4,16,16) with 48 channels and no patching (the same tokens "
           "as (4,8,8) with a 2x2 patch) [S: press summaries of the report]")
_SW_SAMPLES = ("samples not disclosed in what could be read: Open-Sora 2.0's counts at the same step of the "
               "curriculum are borrowed, so the check measures how much more data Seaweed saw, not the method")

#: Seaweed-7B (arXiv 2504.08685): 665,000 H100 GPU-hours; stages image -> 256p -> 360p -> 720p [S].
SEAWEED_7B = Run(
    "Seaweed-7B",
    (Stage("256p video", SEAWEED_7B_MODEL, _OS2_STAGES[0].samples + _OS2_STAGES[1].samples, 448, 256, 121,
           source="multi-stage pre-training from low to high resolution [S: summaries of the report]", tag="U",
           assumptions=(_SW_SAMPLES, "448x256 (16:9 at 256p), 121 frames (5 s at 24 fps)")),
     Stage("360p video", SEAWEED_7B_MODEL, _OS2_STAGES[2].samples, 640, 360, 121, tag="U",
           source="multi-stage pre-training [S]", assumptions=(_SW_SAMPLES, "640x360, 121 frames")),
     Stage("720p video", SEAWEED_7B_MODEL, _OS2_STAGES[2].samples, 1280, 720, 121, tag="U",
           source="native 1280x720 generation [S]", assumptions=(_SW_SAMPLES, "1280x720, 121 frames"))),
    "H100-SXM", 665_000.0, "665,000 H100 GPU-hours: the report's abstract", "seaweed2025", "V",
    (_SW_SHAPE, _SW_VAE, "the image-only stage, post-training (SFT, RLHF) and encoders are not counted; "
     "the disclosure may include them"))

#: Timed training steps of Open-Sora 2.0 at 256px on one H200, ``(frames, batch per GPU, seconds)``:
#: the comments on the buckets of ``configs/diffusion/train/stage1.py`` (hpcaitech/Open-Sora) [V].
#: A whole step (VAE and text encoding included), measured by the authors; not a disclosed total.
OPEN_SORA_2_TIMED_STEPS: tuple[tuple[int, int, float], ...] = (
    (1, 45, 6.22), (33, 12, 7.02), (65, 6, 6.79), (97, 4, 6.84), (129, 3, 7.48))


@lru_cache(maxsize=1)
def open_sora_step_mfu() -> float:
    """Utilisation of Open-Sora 2.0's timed 256px training steps, by this module's count (about 0.21).

    The mean of :func:`iteration_mfu` over :data:`OPEN_SORA_2_TIMED_STEPS` on an H200: a measured
    end-to-end utilisation of video-DiT training (encoders in the step), the alternative to
    :data:`LLM_TRAIN_MFU`, and the default of :func:`check`. It comes from step timings, never
    from the disclosed GPU-days.
    """
    values = [iteration_mfu(OPEN_SORA_2_MODEL, 256, 256, f, b, t, "H200-SXM") for f, b, t in OPEN_SORA_2_TIMED_STEPS]
    return sum(values) / len(values)


#: The runs :func:`check` is held against.
RUNS: tuple[Run, ...] = (OPEN_SORA_2, OPEN_SORA_2_STAGE1, SEAWEED_7B)
