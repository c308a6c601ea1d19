"""How one denoising pass over a clip is counted: the article's linear rule, or the Sora-class
transformer counted layer by layer with attention per latent frame or over the whole clip.

The article prices a video as "30 x DiT" per latent frame (§04): one DiT-XL/2 image of
512 x 512 (1,024 tokens) per latent frame, times the model-size factor, linear in everything
(:func:`resolution_factor`, :data:`REFERENCE_MACS`). The two architecture rules count the
Sora-class transformer of a given parameter count (shaped by
:func:`sorabook.model.presets.sora_corrected_model`'s rule: Wan 2.1 14B's architecture and width
per layer, :mod:`sorabook.model.scaling`) with :mod:`sorabook.model.transformer`:

- ``per-frame``: each latent frame a sequence of its own; still linear in the clip's length;
- ``full-3d``: every token of the clip attends to every other (the open video models all do).

The functions take plain numbers (standard library only) or NumPy arrays (the Monte Carlo's
draws); an array is counted once per distinct row, with NumPy imported for that search only.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

from sorabook.model import dit, latent, presets, scaling, transformer

__all__ = [
    "attention_dominates_from",
    "ATTENTION_MODES",
    "REFERENCE_MACS",
    "REFERENCE_TOKENS",
    "architecture",
    "pass_attention_share",
    "pass_macs",
    "resolution_factor",
    "sora_depth",
]

#: How a pass over the clip is counted (the parameter ``attention``); the first is the article's.
ATTENTION_MODES: tuple[str, ...] = ("linear", "per-frame", "full-3d")

#: Tokens of the DiT-XL/2 image the article prices each latent frame as (512 x 512, f8, patch 2).
REFERENCE_TOKENS: int = int(latent.tokens_per_latent_frame(512, 512, 8, 2))
#: Multiply-accumulates of one DiT-XL/2 pass at 512 x 512, counted (Table 4 prints 524.60 G).
REFERENCE_MACS: float = float(dit.forward_macs(dit.config("XL"), 2, 512))


def resolution_factor(tokens_per_latent_frame):
    """Tokens of one latent frame over DiT-XL/2-512's 1,024: the linear count's price per frame
    (article §04 prices every latent frame as one 512 x 512 DiT image: 1 at its frames)."""
    return tokens_per_latent_frame / REFERENCE_TOKENS


def sora_depth(sora_params):
    """Layers of the Sora-class transformer of ``sora_params`` parameters (a number or an array):
    :func:`sorabook.model.scaling.depth_for_params` of :data:`sorabook.model.presets.SORA_TEMPLATE`,
    the depth :func:`sorabook.model.presets.sora_corrected_model` takes (20 x 10⁹: 45 layers)."""
    return scaling.depth_for_params(sora_params, presets.SORA_TEMPLATE)


def architecture(sora_params: float, temporal: int, spatial: int, patch: int, channels: int,
                 attention: str) -> transformer.VideoDiT:
    """The Sora-class transformer of ``sora_params`` parameters on the book's tokenisation.

    The shape (depth, width, heads, FFN, text cross-attention) is
    :func:`sorabook.model.presets.sora_corrected_model`'s; the autoencoder (``temporal`` x
    ``spatial`` x ``spatial``, ``channels`` latent channels, not causal) and the
    ``patch`` x ``patch`` patches are the book's parameters, so every count sees the
    tokens chapter 1 computes. ``attention``: ``per-frame`` or ``full-3d``.
    """
    return _architecture(sora_depth(sora_params), int(temporal), int(spatial), int(patch), int(channels), attention)


@lru_cache(maxsize=256)
def _architecture(depth: int, temporal: int, spatial: int, patch: int, channels: int,
                  attention: str) -> transformer.VideoDiT:
    """:func:`architecture` of a depth (cached: the Monte Carlo asks for few distinct shapes)."""
    if attention not in ATTENTION_MODES[1:]:
        raise ValueError(f"attention: got {attention!r}; expected one of {ATTENTION_MODES[1:]}")
    model = scaling.scaled_shape(presets.SORA_TEMPLATE, depth, name=f"Sora-class, {depth} layers")
    return model.with_(vae=(temporal, spatial, spatial), patch=(1, patch, patch), latent_channels=channels,
                       causal=False, attention="full" if attention == "full-3d" else "per-frame")


@lru_cache(maxsize=1024)
def _pass_scalar(depth: int, width: int, height: int, latent_frames: int, temporal: int, spatial: int,
                 patch: int, channels: int, attention: str) -> tuple[float, float]:
    """(MACs, attention share) of one pass; the clip is ``latent_frames x temporal`` frames, which
    the non-causal autoencoder turns back into ``latent_frames``."""
    model = _architecture(depth, temporal, spatial, patch, channels, attention)
    frames = latent_frames * temporal
    return (float(transformer.forward_macs(model, width, height, frames)),
            float(transformer.attention_share(model, width, height, frames)))


def _over_unique(func: Callable[..., float], *args):
    """``func`` (scalar arguments) on broadcast array arguments, evaluated once per distinct row.

    Plain numbers go straight to ``func``. Arguments that are single values stay out of the
    search for distinct rows; the others are coded column by column, so a million draws of one
    or two parameters cost a few sorts.
    """
    if not any(hasattr(a, "shape") for a in args):
        return func(*args)
    import numpy as np

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
    """``what`` (``"macs"`` or ``"share"``) of one pass of the Sora-class transformer, array-wise."""
    def scalar(n, w, h, lat, t, sp, pt, c):
        macs, share = _pass_scalar(int(n), int(w), int(h), int(round(lat)), int(t), int(sp), int(pt), int(c),
                                   attention)
        return macs if what == "macs" else share

    return _over_unique(scalar, sora_depth(sora_params), width, height, latent_frames, temporal, spatial, patch,
                        channels)


def pass_macs(attention, sora_params, width, height, latent_frames, temporal, spatial, patch, channels):
    """Multiply-accumulates of one forward pass of the Sora-class transformer over a clip.

    ``attention`` is ``per-frame`` or ``full-3d``; the other arguments may be NumPy arrays
    (the Monte Carlo's draws): the count is made once per distinct combination. Latent
    frames are whole numbers (:func:`sorabook.model.latent.latent_frames`); sides are padded
    as :func:`sorabook.model.latent.tokens_per_latent_frame` pads them.
    """
    return _count("macs", attention, sora_params, width, height, latent_frames, temporal, spatial, patch, channels)


def pass_attention_share(attention, sora_params, width, height, latent_frames, temporal, spatial, patch, channels):
    """Share of one pass in the token-token products (self and cross), for the architecture rules:
    :func:`sorabook.model.transformer.attention_share` of :func:`architecture`, array-wise as
    :func:`pass_macs`."""
    return _count("share", attention, sora_params, width, height, latent_frames, temporal, spatial, patch, channels)


def attention_dominates_from(model: transformer.VideoDiT, width, height, max_frames: int = 100_000):
    """The shortest clip whose attention products exceed half of the forward compute, in frames,
    or ``None`` if none up to ``max_frames``.

    Clips are the frame counts the autoencoder and patch take without padding
    (:func:`sorabook.model.latent.valid_frames`). The share ``2S²a / (2S²a + ~S(4da + 2df))``
    passes one half where the sequence ``S`` exceeds about ``(4d·a + 2d·f) / (2a)`` tokens (Wan
    2.1 14B: about 27,000, 8 latent frames of 720p). The share never falls as the clip grows, so
    the clip is found by bisection.
    """
    t, pt, causal = model.vae[0], model.patch[0], model.causal

    def frames(j: int) -> int:  # the j-th clip length (j >= 1) that needs no padding
        return 1 + t * (pt * j - 1) if causal else t * pt * j

    def above(j: int) -> bool:
        return transformer.attention_share(model, width, height, frames(j)) > 0.5

    if causal:
        last = int(((max_frames - 1) / t + 1) // pt)  # the largest j with frames(j) <= max_frames
    else:
        last = int(max_frames // (t * pt))
    if last < 1 or not above(last):
        return None
    lo, hi = 1, last
    while lo < hi:
        mid = (lo + hi) // 2
        if above(mid):
            hi = mid
        else:
            lo = mid + 1
    return frames(lo)
