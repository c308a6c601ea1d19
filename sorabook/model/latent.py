"""Latent compression and tokens: pixels, latent positions, latent frames, tokens (article §02 Detail 1).

The book's one tokeniser. Every count of tokens in :mod:`sorabook.model` (the transformer
counter, DiT's tables, the counting rules) comes from two functions here:

- :func:`tokens_per_latent_frame`: each side of the frame is padded up to a multiple of the
  autoencoder's spatial compression x the patch, as an encoder pads (1080 -> 1088 at 8 x 2);
- :func:`latent_frames`: ``1 + ceil((F - 1) / t)`` for a causal video autoencoder (the first
  frame alone, then groups of ``t``), ``ceil(F / t)`` otherwise, then padded up to a multiple of
  the temporal patch, as CogVideoX 1.5's pipeline pads. A pipeline that counts otherwise names
  its *frame rule* (:data:`FRAME_RULES`): ``"floor"`` drops a partial group (Mochi 1, CogVideoX,
  LTX-Video in diffusers: ``(F - 1) // t + 1``), ``"chunk:N:M"`` maps whole chunks of ``N``
  frames to ``M`` latent frames (Step-Video-T2V: ``F // 17 * 3``).

Written with the standard library alone: every function takes plain numbers and returns
floats, and, being plain operators, takes NumPy arrays too (the Monte Carlo's draws) and
returns arrays of the broadcast shape.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AUTOENCODERS",
    "FRAME_RULES",
    "Autoencoder",
    "compare_autoencoders",
    "compression_ratio",
    "latent_frames",
    "latent_positions",
    "latent_side",
    "latent_values",
    "parse_frame_rule",
    "pixel_positions",
    "pixel_values",
    "tokens_per_latent_frame",
    "tokens_per_video",
    "valid_frames",
    "valid_side",
    "video_frames",
]

# Tolerance for ceilings of ratios that are whole numbers up to rounding (60 s x 24 fps / 8).
_EPS = 1e-9


def _ceil(x):
    """``ceil(x)`` (less a rounding tolerance) as a float, for a number or an array alike."""
    return -((_EPS - x) // 1.0)


def pixel_positions(width, height):
    """Pixel positions of a ``width`` x ``height`` frame (article §02: 512x512 -> 262,144)."""
    return 1.0 * width * height


def pixel_values(width, height, channels):
    """Numbers stored per frame in pixel space: positions x colour channels (512x512 RGB: 786,432)."""
    return pixel_positions(width, height) * channels


def latent_side(pixels, spatial_compression):
    """Latent positions along one side: ``pixels / f``, rounded up (the encoder pads; 512 / 8 = 64)."""
    return _ceil(pixels / spatial_compression)


def latent_positions(width, height, spatial_compression):
    """Latent positions of one frame (article §02: 64 x 64 = 4,096 at f = 8)."""
    return latent_side(width, spatial_compression) * latent_side(height, spatial_compression)


def latent_values(width, height, spatial_compression, channels):
    """Numbers stored per frame in latent space: latent positions x latent channels (64 x 64 x 4 = 16,384)."""
    return latent_positions(width, height, spatial_compression) * channels


def compression_ratio(width, height, channels, spatial_compression, latent_channels):
    """Numbers per image over numbers per latent: ``W·H·c / ((W/f)·(H/f)·C)``.

    Article §02: 512x512 RGB, f8, 4 channels: 786,432 / 16,384 = 48.
    """
    return pixel_values(width, height, channels) / latent_values(width, height, spatial_compression,
                                                                 latent_channels)


def video_frames(seconds, fps):
    """Frames of a video: duration in seconds x frames per second (article §04: 60 s x 24 = 1,440)."""
    return 1.0 * seconds * fps


#: The frame rules of :func:`latent_frames` ("chunk:N:M" with any whole N, M >= 1).
FRAME_RULES = ("pad", "floor", "chunk:N:M")


def parse_frame_rule(rule: str) -> tuple:
    """``("pad",)``, ``("floor",)`` or ``("chunk", N, M)`` for a frame rule; ``ValueError`` (one line)
    for anything else."""
    if rule in ("pad", "floor"):
        return (rule,)
    parts = rule.split(":") if isinstance(rule, str) else []
    if len(parts) == 3 and parts[0] == "chunk" and all(x.isdigit() and int(x) >= 1 for x in parts[1:]):
        return ("chunk", int(parts[1]), int(parts[2]))
    raise ValueError(f"frame rule {rule!r}: expected 'pad', 'floor' or 'chunk:N:M' (N frames -> M latent "
                     "frames, N and M whole numbers >= 1)")


def latent_frames(frames, temporal_compression, causal=False, temporal_patch=1, rule="pad"):
    """Latent frames of a clip of ``frames`` frames: the book's one latent-frame rule.

    Parameters
    ----------
    frames : float or array
        Frames of the clip.
    temporal_compression : int or array
        Frames per latent frame ``t`` of the autoencoder.
    causal : bool
        A causal video autoencoder encodes the first frame alone: ``1 + ceil((F - 1) / t)``
        (CogVideoX: 49 frames -> 13; Wan 2.1: 81 -> 21). Otherwise ``ceil(F / t)``: the
        article divides, 1,440 / 8 = 180, and a partial group still takes a latent frame.
    temporal_patch : int
        Latent frames per token ``p_t``: the count is padded up to a multiple of it, as
        CogVideoX 1.5's pipeline pads (81 frames, t = 4, ``p_t`` = 2: 21 -> 22).
    rule : {"pad", "floor", "chunk:N:M"}
        How the pipeline treats a partial group of frames. ``"pad"`` (above) pads it up.
        ``"floor"`` drops it: ``1 + (F - 1) // t`` causal, ``max(1, F // t)`` otherwise, as the
        diffusers pipelines of Mochi 1 (84 frames, t = 6: 14), CogVideoX and LTX-Video compute
        their latents. ``"chunk:N:M"``: ``max(1, F // N · M)``, whole chunks of ``N`` frames,
        ``M`` latent frames each (``causal`` and ``t`` unused): Step-Video-T2V's pipeline,
        ``stepvideo/diffusion/video_pipeline.py`` (``check_inputs`` and ``prepare_latents``:
        ``max(num_frames // 17 * 3, 1)``; 204 frames -> 36). The temporal patch pads after any rule.

    Returns
    -------
    float or array
        Latent frames, a whole number.
    """
    kind = parse_frame_rule(rule)
    if kind[0] == "chunk":
        chunks = frames // kind[1]
        n = 1.0 * chunks * kind[2] + (chunks < 1)  # a clip shorter than a chunk keeps one latent frame
    elif kind[0] == "floor" and causal:
        n = 1.0 + (frames - 1.0) // temporal_compression
    elif kind[0] == "floor":
        groups = 1.0 * (frames // temporal_compression)
        n = groups + (groups < 1)
    elif causal:
        n = 1.0 + _ceil((frames - 1.0) / temporal_compression)
    else:
        n = _ceil(frames / temporal_compression)
    return _ceil(n / temporal_patch) * temporal_patch


def tokens_per_latent_frame(width, height, spatial_compression, patch_size, height_compression=None,
                            height_patch=None):
    """Transformer tokens of one latent frame: the book's one token rule.

    Each side is padded up to a multiple of ``spatial_compression x patch_size`` (an encoder
    pads): ``ceil(W / (f·p)) x ceil(H / (f·p))``. DiT-XL/2 at 512x512 (DiT paper §3): (512 / 16)² =
    1,024 tokens; Wan 2.1 at 1280x720: 80 x 45 = 3,600; 1920x1080 is counted as 1920x1088.

    ``height_compression`` and ``height_patch`` give the height's factors where they differ from
    the width's (default: the same).
    """
    along_width = spatial_compression * patch_size
    along_height = ((spatial_compression if height_compression is None else height_compression)
                    * (patch_size if height_patch is None else height_patch))
    return _ceil(width / along_width) * _ceil(height / along_height)


def tokens_per_video(n_latent_frames, tokens_per_frame, temporal_patch=1):
    """Tokens of a whole clip: latent frames grouped by the temporal patch x tokens per latent frame.

    Article §04 at DiT's tokenisation: 180 x 1,024 = 184,320.
    """
    return _ceil(n_latent_frames / temporal_patch) * tokens_per_frame


def valid_side(pixels: int, multiple: int) -> int:
    """The smallest size at or above ``pixels`` that needs no padding: a multiple of ``multiple``
    (autoencoder x patch: 1080 at 16 -> 1088)."""
    return int(_ceil(pixels / multiple)) * multiple


def valid_frames(frames: int, temporal: int, causal: bool = False, temporal_patch: int = 1,
                 rule: str = "pad") -> int:
    """The clip whose frames fill exactly the latent frames that :func:`latent_frames` counts for ``frames``.

    ``"pad"``: the smallest frame count at or above ``frames`` that needs no padding. Causal:
    ``1 + t·(p_t·j - 1)``, so that ``1 + (F - 1) / t = p_t·j`` (t = 4: 480 -> 481; t = 4,
    ``p_t`` = 2: 81 -> 85, 22 latent frames); otherwise ``t·p_t·j`` (1,440 at t = 8).
    ``"floor"``: the clip the pipeline keeps, at or below ``frames`` unless the temporal patch
    pads (Mochi 1, t = 6: 84 -> 79, 14 latent frames; CogVideoX 1.5: 81 -> 85, 22 latent frames).
    ``"chunk:N:M"``: whole chunks of ``N`` frames (Step-Video-T2V: 204 stays, 210 -> 204).
    """
    n = int(latent_frames(frames, temporal, causal, temporal_patch, rule))
    kind = parse_frame_rule(rule)
    if kind[0] == "chunk":
        return max(1, n // kind[2] * kind[1])
    return 1 + temporal * (n - 1) if causal else temporal * n


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
    """Latent frames and tokens of one clip under each autoencoder (facts.md, "Latent autoencoders").

    The clip has ``frames`` frames of ``width`` x ``height`` pixels; tokens use a
    ``patch_size`` x ``patch_size`` spatial patch and no temporal patch, so the
    rows differ only by the autoencoder. Causal autoencoders keep the first frame.
    """
    rows = []
    for ae in autoencoders:
        n_latent = float(latent_frames(frames, ae.temporal, causal=ae.causal))
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
