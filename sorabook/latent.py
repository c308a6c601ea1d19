"""Latent compression: pixels, latent positions, frames and tokens (article §02 Detail 1).

Every function accepts Python scalars or NumPy arrays and returns the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "AUTOENCODERS",
    "Autoencoder",
    "compare_autoencoders",
    "latent_frames",
    "latent_side",
    "latent_values",
    "pixel_positions",
    "pixel_values",
    "tokens_per_latent_frame",
    "tokens_per_video",
    "video_frames",
]

# Tolerance for ceilings of ratios that are whole numbers up to rounding (1440 / 8 = 180).
_EPS = 1e-9


def pixel_positions(width, height):
    """Pixel positions of a ``width`` x ``height`` frame (article: 512x512 -> 262,144)."""
    return np.multiply(width, height)


def pixel_values(width, height, channels):
    """Numbers stored per frame in pixel space: positions x colour channels."""
    return np.multiply(pixel_positions(width, height), channels)


def latent_side(pixels, spatial_compression):
    """Latent positions along one side: ``pixels / f``, rounded up (the encoder pads)."""
    return np.ceil(np.divide(pixels, spatial_compression) - _EPS)


def latent_positions(width, height, spatial_compression):
    """Latent positions of one frame (article: 64 x 64 = 4,096 at f = 8)."""
    return latent_side(width, spatial_compression) * latent_side(height, spatial_compression)


def latent_values(width, height, spatial_compression, channels):
    """Numbers stored per frame in latent space: latent positions x latent channels."""
    return latent_positions(width, height, spatial_compression) * channels


def compression_ratio(width, height, channels, spatial_compression, latent_channels):
    """Numbers per image over numbers per latent: ``W·H·c / ((W/f)·(H/f)·C)`` (512x512 RGB,
    f8, 4 channels: 786,432 / 16,384 = 48)."""
    return np.divide(pixel_values(width, height, channels),
                     latent_values(width, height, spatial_compression, latent_channels))


def video_frames(seconds, fps):
    """Frames of a video: duration x frame rate (article: 60 s x 24 fps = 1,440)."""
    return np.multiply(seconds, fps)


def latent_frames(frames, temporal_compression, causal=False):
    """Latent frames of a clip.

    The article divides: ``frames / t`` (1,440 / 8 = 180), rounded up because a
    partial group of frames still occupies a latent frame. A causal video
    autoencoder encodes the first frame alone: ``1 + ceil((frames - 1) / t)``
    (CogVideoX: 49 frames -> 13 latent frames).
    """
    if causal:
        return 1 + np.ceil(np.divide(np.subtract(frames, 1), temporal_compression) - _EPS)
    return np.ceil(np.divide(frames, temporal_compression) - _EPS)


def tokens_per_latent_frame(width, height, spatial_compression, patch_size):
    """Transformer tokens per latent frame: latent positions / patch area.

    DiT-XL/2 at 512x512: (64 / 2)^2 = 1,024 tokens.
    """
    side_w = latent_side(width, spatial_compression)
    side_h = latent_side(height, spatial_compression)
    return np.ceil(side_w / patch_size - _EPS) * np.ceil(side_h / patch_size - _EPS)


def tokens_per_video(n_latent_frames, tokens_per_frame, temporal_patch=1):
    """Tokens of a whole clip: latent frames (grouped by the temporal patch) x tokens per frame."""
    return np.ceil(np.divide(n_latent_frames, temporal_patch) - _EPS) * tokens_per_frame



@dataclass(frozen=True)
class Autoencoder:
    """A published latent autoencoder: compression in time, height and width.

    ``channels`` is ``None`` where the source does not disclose it. ``tag`` is the
    confidence of the figure (V: read in a primary source; S: secondary; U:
    unverified), carried from the facts file; ``source`` is the key of the
    reference in ``book/references.bib``.
    """

    name: str
    temporal: int
    spatial: int
    channels: int | None
    causal: bool
    tag: str
    source: str


#: Compression of real autoencoders (facts.md, "Latent autoencoders").
AUTOENCODERS: tuple[Autoencoder, ...] = (
    Autoencoder("Stable Diffusion VAE f8 (DiT)", 1, 8, 4, False, "V",
                "peebles2023dit"),
    Autoencoder("Open-Sora 1.0/1.1 (SD VAE per frame)", 1, 8, 4, False, "V", "zheng2024opensora"),
    Autoencoder("HunyuanVideo 3D VAE", 4, 8, 16, True, "V", "kong2024hunyuanvideo"),
    Autoencoder("Wan-VAE (Wan 2.1)", 4, 8, 16, True, "V/S", "wan2025wan"),
    Autoencoder("CogVideoX 3D VAE", 4, 8, 16, True, "S", "yang2024cogvideox"),
    Autoencoder("Mochi 1 AsymmVAE", 6, 8, 12, True, "V", "genmo2024mochi"),
    Autoencoder("Step-Video-T2V Video-VAE", 8, 16, None, True, "V", "ma2025stepvideo"),
    Autoencoder("Movie Gen TAE", 8, 8, None, False, "S", "polyak2024moviegen"),
    Autoencoder("LTX-Video VAE", 8, 32, 128, True, "V", "hacohen2024ltx"),
)


def compare_autoencoders(frames, width, height, patch_size, autoencoders=AUTOENCODERS) -> list[dict]:
    """Latent frames and tokens of one clip under each autoencoder.

    The clip has ``frames`` frames of ``width`` x ``height`` pixels; tokens use a
    ``patch_size`` x ``patch_size`` spatial patch and no temporal patch, so the
    rows differ only by the autoencoder. Causal autoencoders keep the first frame.
    """
    rows = []
    for ae in autoencoders:
        n_latent = float(latent_frames(frames, ae.temporal, causal=ae.causal and ae.temporal > 1))
        per_frame = float(tokens_per_latent_frame(width, height, ae.spatial, patch_size))
        rows.append({
            "autoencoder": ae.name,
            "compression": f"{ae.temporal} x {ae.spatial} x {ae.spatial}",
            "channels": ae.channels,
            "latent_frames": n_latent,
            "tokens_per_frame": per_frame,
            "tokens": n_latent * per_frame,
            "tag": ae.tag,
            "source": ae.source,
        })
    return rows
