"""Every headline result and every claim of the article, defined once.

:data:`RESULTS` maps each permanent result key to its :class:`ResultSpec`
(unit, description, chapter, display format and the function of the parameters
that computes it). :data:`CLAIMS` lists the numbers the article prints, each with
the recomputation from the article's own inputs. ``sorabook results`` and the
build's ``results.json`` are both made from these definitions.

Keys are permanent: a renamed result keeps its old key in ``aliases``.
"""

from __future__ import annotations

from typing import Callable, Iterable

from sorabook import latent
from sorabook.params import Params, defaults
from sorabook.results import Claim, ResultSpec

__all__ = ["CHAPTERS", "CLAIMS", "RESULTS", "ALIASES", "check_claims", "compute", "lookup"]

RESULTS: dict[str, ResultSpec] = {}
CLAIMS: list[Claim] = []


def _result(key: str, unit: str, description: str, chapter: str, fmt: str, aliases: Iterable[str] = ()):
    def register(func: Callable[[Params], float]) -> Callable[[Params], float]:
        assert key not in RESULTS, key
        RESULTS[key] = ResultSpec(key, unit, description, chapter, fmt, func, tuple(aliases))
        return func

    return register


def _claim(key: str, chapter: str, text: str, printed: float, unit: str, note: str = ""):
    def register(func: Callable[[Params], float]) -> Callable[[Params], float]:
        CLAIMS.append(Claim(key, chapter, text, printed, unit, func, note))
        return func

    return register


# --- chapter 1: latent compression ------------------------------------------------------
CH1 = "01-latent-compression"


def _frames(p: Params) -> float:
    return latent.video_frames(p.video_seconds, p.fps)


def _latent_frames(p: Params) -> float:
    return latent.latent_frames(_frames(p), p.temporal_compression)


def _tokens_per_frame(p: Params) -> float:
    return latent.tokens_per_latent_frame(p.image_size, p.image_size, p.vae_spatial_compression, p.patch_size)


@_claim("pixel-positions", CH1, "a 512x512 image has 262,144 pixels", 262_144, "pixels")
@_result("pixel-positions", "pixels", "Pixel positions of the example image", CH1, ",.0f")
def _pixel_positions(p: Params) -> float:
    return latent.pixel_positions(p.image_size, p.image_size)


@_claim("latent-positions", CH1, "its latent is 64x64 = 4,096 positions", 4_096, "positions")
@_result("latent-positions", "positions", "Latent positions of the example image", CH1, ",.0f")
def _latent_positions(p: Params) -> float:
    return latent.latent_positions(p.image_size, p.image_size, p.vae_spatial_compression)


@_result("latent-compression-ratio", "x", "Numbers per image, pixels over latent", CH1, ".3g")
def _compression_ratio(p: Params) -> float:
    pixels = latent.pixel_values(p.image_size, p.image_size, p.pixel_channels)
    return pixels / latent.latent_values(p.image_size, p.image_size, p.vae_spatial_compression, p.latent_channels)


@_result("dit-tokens-per-image", "tokens", "Transformer tokens of the example image", CH1, ",.0f")
def _dit_tokens(p: Params) -> float:
    return _tokens_per_frame(p)


@_claim("video-frames", CH1, "1 minute at 24 fps is 1,440 frames", 1_440, "frames")
@_result("video-frames", "frames", "Frames of one video", CH1, ",.0f")
def _video_frames(p: Params) -> float:
    return _frames(p)


@_claim("latent-frames", CH1, "8x compression in time leaves 180 latent frames", 180, "latent frames")
@_result("latent-frames", "latent frames", "Latent frames of one video", CH1, ",.0f")
def _latent_frames_result(p: Params) -> float:
    return _latent_frames(p)


@_result("tokens-per-video", "tokens", "Transformer tokens of one video", CH1, ",.0f")
def _tokens_per_video(p: Params) -> float:
    return latent.tokens_per_video(_latent_frames(p), _tokens_per_frame(p))


# --- chapter 2: DiT scaling (results and claims go here) -----------------------------------



# --- chapter 3: training estimate (results and claims go here) ------------------------------



# --- chapter 4: inference break-even (results and claims go here) ---------------------------



# --- chapter 5: fleet forecast (results and claims go here) ---------------------------------



# --- evaluation --------------------------------------------------------------------------

#: Chapter notebooks, in reading order (file stems under ``notebooks/``): the order in
#: which their results are defined above.
CHAPTERS: tuple[str, ...] = tuple(dict.fromkeys(spec.chapter for spec in RESULTS.values()))

ALIASES: dict[str, str] = {alias: spec.key for spec in RESULTS.values() for alias in spec.aliases}


def lookup(key: str) -> ResultSpec:
    """The spec of a result by key or by a retired alias."""
    return RESULTS[ALIASES.get(key, key)]


def compute(params: Params, chapters: Iterable[str] | None = None) -> dict[str, float]:
    """Every headline result (of ``chapters``, default all) for a complete parameter set."""
    wanted = set(chapters) if chapters is not None else None
    return {
        key: float(spec.compute(params))
        for key, spec in RESULTS.items()
        if wanted is None or spec.chapter in wanted
    }


def check_claims(chapter: str | None = None) -> list[dict]:
    """The article's printed numbers recomputed from its own stated inputs (the defaults)."""
    article = Params(defaults())
    return [c.check(article) for c in CLAIMS if chapter is None or c.chapter == chapter]
