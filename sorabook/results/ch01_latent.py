"""Chapter 1, latent compression: pixels, latents, frames and tokens of an image and a video."""

from __future__ import annotations

from sorabook.model import latent
from sorabook.results import chain
from sorabook.results.specs import Chapter

ch = Chapter("01-latent-compression")


@ch.claim("pixel-positions", "a 512x512 image has 262,144 pixels", 262_144, "pixels")
@ch.result("pixel-positions", "pixels", "Pixel positions of the example image", ",.0f")
def _pixel_positions(p) -> float:
    return latent.pixel_positions(p.image_size, p.image_size)


@ch.claim("latent-positions", "its latent is 64x64 = 4,096 positions", 4_096, "positions")
@ch.result("latent-positions", "positions", "Latent positions of the example image", ",.0f")
def _latent_positions(p) -> float:
    return latent.latent_positions(p.image_size, p.image_size, p.vae_spatial_compression)


@ch.result("latent-compression-ratio", "x", "Numbers per image, pixels over latent", ".3g")
def _compression_ratio(p) -> float:
    return latent.compression_ratio(p.image_size, p.image_size, p.pixel_channels, p.vae_spatial_compression,
                                    p.latent_channels)


@ch.result("dit-tokens-per-image", "tokens", "Transformer tokens of the example image", ",.0f")
def _dit_tokens(p) -> float:
    return chain.tokens_per_image(p)


@ch.claim("video-frames", "1 minute at 24 fps is 1,440 frames", 1_440, "frames")
@ch.result("video-frames", "frames", "Frames of one video", ",.0f")
def _video_frames(p) -> float:
    return chain.frames(p)


@ch.claim("latent-frames", "8x compression in time leaves 180 latent frames", 180, "latent frames")
@ch.result("latent-frames", "latent frames", "Latent frames of one video", ",.0f")
def _latent_frames_result(p) -> float:
    return chain.latent_frames(p)


@ch.result("tokens-per-latent-frame", "tokens", "Transformer tokens of one latent frame of the video", ",.0f")
def _tokens_per_frame_result(p) -> float:
    return chain.tokens_per_frame(p)


@ch.result("tokens-per-video", "tokens", "Transformer tokens of one video", ",.0f")
def _tokens_per_video(p) -> float:
    return latent.tokens_per_video(chain.latent_frames(p), chain.tokens_per_frame(p))

