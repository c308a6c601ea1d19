"""What the article's estimate leaves out: its corrections, counted, and the walk between them.

The article prices a video as "30 x DiT" per latent frame: one DiT-XL/2 image of 512 x 512
(1,024 tokens) per latent frame, times the model-size factor ``model_scale``, linear in
everything. This module gives chapters 3 to 5 (and chapter 7, which walks through the
corrections) two further ways to count the compute of one denoising pass over a clip, chosen
by the parameter ``attention``:

- ``linear`` (the article): DiT-XL/2-512's compute x ``model_scale`` x latent frames x
  (tokens per latent frame / 1,024). At the article's 512 x 512 frames the last factor is 1;
  larger frames cost proportionally more tokens and nothing else.
- ``per-frame``: the Sora-class transformer of ``sora_params`` parameters, shaped by
  :func:`sorabook.predict.sora_corrected_model` (Wan 2.1 14B's architecture and width per
  layer), counted layer by layer by :mod:`sorabook.transformer`, each latent frame attending
  only to itself. The cost is still linear in the clip's length: this isolates what the
  architecture (cross-attention to the text, the FFN width) changes.
- ``full-3d``: the same transformer with every token of the clip attending to every other
  (the open video models all do this): the attention products grow with the square of the
  sequence and dominate long, large clips.

The transformer takes the book's tokenisation (``temporal_compression``,
``vae_spatial_compression``, ``patch_size``, ``latent_channels``), so the three counts see
the same tokens. :func:`walk` applies a scenario's corrections one at a time, the basis of
the waterfall figures.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Callable, Mapping

import numpy as np

from sorabook import dit, transformer
from sorabook.params import REGISTRY, Params

__all__ = [
    "ATTENTION_MODES",
    "BEYOND",
    "CORRECTED",
    "GROUPS",
    "REASONS",
    "REFERENCE_MACS",
    "REFERENCE_TOKENS",
    "architecture",
    "attention_share",
    "beyond",
    "clip_attention_share",
    "corrected",
    "corrected_values",
    "pass_macs",
    "reduction",
    "resolution_factor",
    "sample_factor",
    "sora_depth",
    "steps",
    "train_flops",
    "uncorrected",
    "video_step_flops",
    "walk",
]

#: How a pass over the clip is counted (the parameter ``attention``); the first is the article's.
ATTENTION_MODES: tuple[str, ...] = ("linear", "per-frame", "full-3d")

_XL = dit.config("XL")
#: Tokens of the DiT-XL/2 image the article prices each latent frame as (512 x 512, f8, patch 2).
REFERENCE_TOKENS: int = int(dit.sequence_length(512, 2))
#: Multiply-accumulates of one DiT-XL/2 pass at 512 x 512, counted (Table 4 prints 524.60 G).
REFERENCE_MACS: float = float(dit.forward_macs(_XL, 2, 512))


def resolution_factor(tokens_per_latent_frame):
    """Tokens of one latent frame over DiT-XL/2-512's 1,024: the linear count's price per frame."""
    return np.divide(tokens_per_latent_frame, REFERENCE_TOKENS)


#: Log parameter counts of the Sora-class shape rule by depth (index 0: one layer), tabulated
#: as far as a query needs (a 10¹⁴-parameter model has about 800 layers).
_LOG_PARAMS: list[float] = []


def _log_params_by_depth(upto: float) -> np.ndarray:
    from sorabook import predict  # predict imports the hardware tables; only the architecture modes need it

    while not _LOG_PARAMS or (_LOG_PARAMS[-1] < upto and len(_LOG_PARAMS) < 4096):
        n = len(_LOG_PARAMS) + 1
        _LOG_PARAMS.append(math.log(transformer.param_count(transformer.scaled_shape(predict.SORA_TEMPLATE, n))))
    return np.asarray(_LOG_PARAMS)


def sora_depth(sora_params):
    """Layers of the Sora-class transformer of ``sora_params`` parameters (array-wise): the depth
    whose parameter count is nearest in ratio, as :func:`sorabook.predict.sora_corrected_model`
    chooses it (20 x 10⁹: 45 layers)."""
    x = np.log(np.asarray(sora_params, dtype=float))
    logs = _log_params_by_depth(float(np.max(x)) + 0.1)  # one depth past the largest query
    i = np.clip(np.searchsorted(logs, x), 1, len(logs) - 1)
    depth = np.where(x - logs[i - 1] <= logs[i] - x, i, i + 1)  # 1-based: index i - 1 is depth i
    return depth if depth.ndim else int(depth)


def architecture(sora_params: float, temporal: int, spatial: int, patch: int, channels: int,
                 attention: str) -> transformer.VideoDiT:
    """The Sora-class transformer of ``sora_params`` parameters on the book's tokenisation.

    The shape (depth, width, heads, FFN, text cross-attention) is
    :func:`sorabook.predict.sora_corrected_model`'s; the autoencoder (``temporal`` x
    ``spatial`` x ``spatial``, ``channels`` latent channels, not causal) and the
    ``patch`` x ``patch`` patches are the book's parameters, so every count sees the
    tokens chapter 1 computes. ``attention``: ``per-frame`` or ``full-3d``.
    """
    return _architecture(sora_depth(sora_params), int(temporal), int(spatial), int(patch), int(channels), attention)


@lru_cache(maxsize=256)
def _architecture(depth: int, temporal: int, spatial: int, patch: int, channels: int,
                  attention: str) -> transformer.VideoDiT:
    if attention not in ATTENTION_MODES[1:]:
        raise ValueError(f"attention: got {attention!r}; expected one of {ATTENTION_MODES[1:]}")
    from sorabook import predict

    model = transformer.scaled_shape(predict.SORA_TEMPLATE, depth, name=f"Sora-class, {depth} layers")
    return model.with_(vae=(temporal, spatial, spatial), patch=(1, patch, patch), latent_channels=channels,
                       causal=False, attention="full" if attention == "full-3d" else "per-frame")


@lru_cache(maxsize=1024)
def _pass_macs_scalar(depth: int, width: int, height: int, latent_frames: int, temporal: int,
                      spatial: int, patch: int, channels: int, attention: str) -> tuple[float, float]:
    model = _architecture(depth, temporal, spatial, patch, channels, attention)
    parts = transformer.forward_macs_breakdown(model, width, height, latent_frames * temporal)
    total = float(sum(parts.values()))
    products = float(parts["attention products"] + parts["cross-attention products"])
    return total, products


def _over_unique(func: Callable[..., float], *args):
    """``func`` (scalar arguments) on broadcast array arguments, evaluated once per distinct row.

    Arguments that are single values stay out of the search for distinct rows; the others
    are coded column by column, so a million draws of one or two parameters cost a few sorts.
    """
    arrays = [np.asarray(a, dtype=float) for a in args]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    if not shape:
        return func(*[a.item() for a in arrays])
    flat = [np.broadcast_to(a, shape).ravel() for a in arrays]
    key = np.zeros(flat[0].size, dtype=np.int64)
    for a, column in zip(arrays, flat):
        if a.size > 1:  # code the rows column by column, renumbering as it goes: keys stay below rows²
            codes = np.unique(column, return_inverse=True)[1].ravel()
            key = np.unique(key * (int(codes.max()) + 1) + codes, return_inverse=True)[1].ravel()
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    results = np.array([func(*[column[j].item() for column in flat]) for j in first])
    return results[np.ravel(inverse)].reshape(shape)


def _count(what: str, attention, sora_params, width, height, latent_frames, temporal, spatial, patch, channels):
    """``what`` ("macs" or "share") of one pass of the Sora-class transformer, array-wise."""
    def scalar(n, w, h, lat, t, sp, pt, c):
        total, products = _pass_macs_scalar(int(n), int(w), int(h), int(round(lat)), int(t), int(sp), int(pt), int(c),
                                            attention)
        return total if what == "macs" else products / total

    return _over_unique(scalar, sora_depth(sora_params), width, height, latent_frames, temporal, spatial, patch,
                        channels)


def pass_macs(attention, sora_params, width, height, latent_frames, temporal, spatial, patch, channels):
    """Multiply-accumulates of one forward pass of the Sora-class transformer over a clip.

    ``attention`` is ``per-frame`` or ``full-3d``; the other arguments may be NumPy arrays
    (the Monte Carlo's draws): the count is made once per distinct combination. Latent
    frames must be whole numbers and the frame sides multiples of ``spatial x patch``
    (the parameters are validated for that).
    """
    return _count("macs", attention, sora_params, width, height, latent_frames, temporal, spatial, patch, channels)


def attention_share(attention, sora_params, width, height, latent_frames, temporal, spatial, patch, channels):
    """Share of one pass in the token-token products (self and cross), for the architecture modes."""
    return _count("share", attention, sora_params, width, height, latent_frames, temporal, spatial, patch, channels)


def _clip_count(p: Params, what: str, latent_frames):
    """:func:`_count` for ``p``'s counting rule, frames and tokenisation (an architecture mode)."""
    return _count(what, p.attention, p.sora_params, p.frame_width, p.frame_height, latent_frames,
                  p.temporal_compression, p.vae_spatial_compression, p.patch_size, p.latent_channels)


def clip_attention_share(p: Params) -> float:
    """Share of one pass over ``p``'s clip in the attention products, for an architecture mode
    (``per-frame`` or ``full-3d``; the linear count has no attention term of its own)."""
    from sorabook import latent

    if p.attention == "linear":
        raise ValueError("attention: the linear count has no attention products; expected per-frame or full-3d")
    return float(_clip_count(p, "share", latent.latent_frames(latent.video_frames(p.video_seconds, p.fps),
                                                              p.temporal_compression)))


def sample_factor(p: Params, latent_frames) -> Any:
    """Compute of one pass over a clip of ``latent_frames``, in DiT-XL/2-512 passes.

    ``linear``: ``model_scale x latent_frames x resolution_factor`` (the article's 30 x 180 =
    5,400 at its defaults). The architecture modes: the counted pass over
    :data:`REFERENCE_MACS`. Reads ``attention``, ``frame_width``, ``frame_height``,
    ``vae_spatial_compression``, ``patch_size`` and, for the architecture modes,
    ``sora_params``, ``temporal_compression`` and ``latent_channels``.
    """
    from sorabook import latent

    tokens = latent.tokens_per_latent_frame(p.frame_width, p.frame_height, p.vae_spatial_compression, p.patch_size)
    if p.attention == "linear":
        return np.multiply(np.multiply(p.model_scale, latent_frames), resolution_factor(tokens))
    return np.divide(_clip_count(p, "macs", latent_frames), REFERENCE_MACS)


def video_step_flops(p: Params, latent_frames) -> Any:
    """FLOPs of one denoising step over a clip of ``latent_frames`` (all passes of the step).

    ``linear``: DiT-XL/2-512's step (``dit_flops_per_step`` x ``flops_per_mac`` x
    ``cfg_passes``) x :func:`sample_factor` (article: 524.6 x 10⁹ x 30 x 180 = 2.83 x 10¹⁵).
    The architecture modes: the counted pass x ``flops_per_mac`` x ``cfg_passes``.
    """
    from sorabook import inference

    if p.attention == "linear":
        return np.multiply(inference.flops_per_step(p.dit_flops_per_step, p.flops_per_mac, p.cfg_passes),
                           sample_factor(p, latent_frames))
    return inference.flops_per_step(_clip_count(p, "macs", latent_frames), p.flops_per_mac, p.cfg_passes)


def train_flops(p: Params, dataset_scale, latent_frames) -> Any:
    """Sora's training compute in FLOPs under the switches: :func:`sorabook.training.train_flops`
    with the video and image sample factors of :func:`sample_factor` (an image is one latent
    frame). The article: 10²¹ x 4 x (0.5 x 30 x 180) = 1.08 x 10²⁵."""
    from sorabook import training

    return training.train_flops(p.dit_train_flops, p.flops_per_mac, dataset_scale, sample_factor(p, latent_frames),
                                sample_factor(p, 1), p.video_data_fraction, p.train_count_images)


#: Corrections that move together in the waterfall: one bar each (other parameters: a bar each).
GROUPS: dict[str, tuple[str, ...]] = {
    "frame size": ("frame_width", "frame_height"),
    "utilisation": ("train_utilization", "inference_utilization", "fleet_utilization"),
}

#: Why each correction takes its value: the reason, where it comes from (with facts.md's
#: confidence tag: V primary source, S secondary) and the key of ``book/references.bib``
#: to cite, if any.
REASONS: dict[str, tuple[str, str, str | None]] = {
    "flops_per_mac": ("DiT Table 4's \"Gflops\" are multiply-accumulates; a multiply-accumulate is two "
                      "floating-point operations", "chapter 2: Table 4 reproduced within 0.6 % [V]", "peebles2023dit"),
    "cfg_passes": ("classifier-free guidance runs a conditional and an unconditional pass per step",
                   "DiT's forward_with_cfg and the open video models [V]", "peebles2023dit"),
    "diffusion_steps": ("video models sample with 50 steps, not DiT's 250 DDPM steps for FID",
                        "Wan 2.1: 50 sampling steps [V]", "wan2025wan"),
    "frame_width": ("Sora's common output is 720p (Sora 2's API size; Sora goes up to 1080p), not 512 x 512",
                    "Sora, Dec 2024 [S]", "openai2024sora"),
    "frame_height": ("as frame_width", "Sora, Dec 2024 [S]", "openai2024sora"),
    "temporal_compression": ("the open video autoencoders compress time 4x (Wan 2.1, HunyuanVideo, CogVideoX), "
                             "not 8x", "facts.md, latent autoencoders [V]", "wan2025wan"),
    "video_seconds": ("Sora generates clips of up to 20 s; a minute of video is three clips, each attending "
                      "only within itself", "Sora, Dec 2024 [S]", "openai2024sora"),
    "attention": ("every open video transformer attends over all tokens of the clip (full 3D attention), "
                  "and a 20B transformer of Wan 2.1's shape is counted layer by layer instead of \"30x DiT\"",
                  "chapter 6: calibrated against three measured models [V]", None),
    "train_count_images": ("the article's 50/50 image-video mix prices only the video half", "chapter 3 [V]", None),
    "train_utilization": ("large training runs reach about 40 % of the BF16 peak, not 100 %",
                          "Llama 3: 38-43 % MFU on 8K-16K H100s [S]", "dubey2024llama3"),
    "inference_utilization": ("video diffusion transformers run at a measured 45.6 % of the H100's peak",
                              "measured on H100 [S]", "delavande2025video"),
    "fleet_utilization": ("the serving fleet runs at the same measured utilisation as one GPU",
                          "measured on H100 [S]", "delavande2025video"),
}

#: The shipped scenario whose parameters are the book's corrections.
CORRECTED = "corrected"


@lru_cache(maxsize=1)
def corrected_values() -> dict[str, Any]:
    """The corrected scenario's parameter values, in the file's order."""
    from sorabook.params import load_scenario

    return dict(load_scenario(CORRECTED).overrides)


def steps(corrections: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The corrections as waterfall bars: a :data:`GROUPS` group is one bar (at its first member's
    place), every other parameter a bar of its own, in the mapping's order."""
    out: list[tuple[str, dict[str, Any]]] = []
    placed: set[str] = set()
    for name in corrections:
        if name in placed:
            continue
        group = next((label for label, names in GROUPS.items() if name in names), None)
        members = [n for n in GROUPS[group] if n in corrections] if group else [name]
        out.append((group or name, {n: corrections[n] for n in members}))
        placed.update(members)
    return out


def corrected(p: Params, corrections: Mapping[str, Any] | None = None) -> Params:
    """``p`` with every correction applied (default: the corrected scenario's)."""
    return p.replace(**dict(corrected_values() if corrections is None else corrections))


#: What the corrected scenario leaves out, each tried on top of it (issue 5's list): distilled
#: samplers, guidance distillation, FP8, newer GPUs, and all of them together.
BEYOND: tuple[tuple[str, dict[str, Any]], ...] = (
    ("the corrected scenario", {}),
    ("8 sampling steps (distilled sampler)", {"diffusion_steps": 8}),
    ("4 sampling steps (consistency model)", {"diffusion_steps": 4}),
    ("one pass per step (guidance distilled)", {"cfg_passes": 1}),
    ("FP8 on the H100", {"precision": "fp8"}),
    ("H200 (BF16)", {"gpu": "H200-SXM"}),
    ("B200 (BF16)", {"gpu": "B200"}),
    ("B200, FP8, 4 steps, one pass", {"gpu": "B200", "precision": "fp8", "diffusion_steps": 4, "cfg_passes": 1}),
)


def beyond(p: Params, keys: tuple[str, ...], options=BEYOND) -> list[dict]:
    """The results ``keys`` for each option of :data:`BEYOND` applied on top of ``corrected(p)``
    (GPU-hours and GPU counts are then of the option's GPU)."""
    from sorabook.report import RESULTS

    base = corrected(p)
    return [{"option": label, **{k: float(RESULTS[k].compute(base.replace(**changes))) for k in keys}}
            for label, changes in options]


def reduction(rows: list[dict]) -> float:
    """How many times smaller a walk's end is than its start (its first value over its last)."""
    return rows[0]["value"] / rows[-1]["value"]


def uncorrected(p: Params, corrections: Mapping[str, Any] | None = None) -> Params:
    """``p`` with every correction (default: the corrected scenario's) set back to the article's value."""
    return p.replace(**{name: REGISTRY[name].default for name in (corrected_values() if corrections is None
                                                                   else corrections)})


def walk(p: Params, compute: Callable[[Params], float], corrections: Mapping[str, Any] | None = None) -> list[dict]:
    """The waterfall: ``compute`` from the article's values of the corrections to the corrected ones.

    The start is ``p`` with every parameter named in ``corrections`` (default: the corrected
    scenario's) set back to the article's value; each row then applies one more bar of
    :func:`steps` and gives the result and its factor over the previous row. The last row's
    ``value`` is ``compute(corrected(p))``.
    """
    corrections = dict(corrected_values() if corrections is None else corrections)
    current = uncorrected(p, corrections)
    value = float(compute(current))
    rows = [{"step": "article", "changes": {}, "value": value, "factor": 1.0}]
    for label, changes in steps(corrections):
        current = current.replace(**changes)
        previous, value = value, float(compute(current))
        rows.append({"step": label, "changes": changes, "value": value, "factor": value / previous})
    return rows
