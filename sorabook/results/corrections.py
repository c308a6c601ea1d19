"""The corrections: what the article's estimate leaves out, each with its reason and source, and
the walk from the article's values to the corrected scenario's (chapter 7's waterfalls).

Every correction is a parameter whose article value switches it off (design.md); the
``corrected`` scenario (``sorabook/params/scenarios/corrected.yaml``) sets them all. :func:`walk`
applies them one bar at a time to any function of the parameters.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Mapping

from sorabook.params import REGISTRY, Params, load_scenario

__all__ = ["BEYOND", "CORRECTED", "GROUPS", "REASONS", "beyond", "corrected", "corrected_values",
           "steps", "uncorrected", "walk", "factor"]

#: Corrections that move together in the waterfall: one bar each (other parameters: a bar each).
GROUPS: dict[str, tuple[str, ...]] = {
    "frame size": ("frame_width", "frame_height"),
    "utilisation": ("train_utilization", "measured_utilization"),
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
    "frame_width": ("Sora's common output is 720p (Sora 2's API size, 1280 x 720; Sora goes up to 1080p), "
                    "not 512 x 512", "Sora 2 in the API, 2025 [S]", "openai2025sora2model"),
    "frame_height": ("as frame_width", "Sora 2 in the API, 2025 [S]", "openai2025sora2model"),
    "temporal_compression": ("the open video autoencoders compress time 4x (Wan 2.1, HunyuanVideo, CogVideoX), "
                             "not 8x", "facts.md, latent autoencoders [V]", "wan2025wan"),
    "video_seconds": ("Sora generates clips of up to 20 s; a minute of video is three clips, each attending "
                      "only within itself", "Sora, Dec 2024 [S]", "openai2024sora"),
    "attention": ("every open video transformer attends over all tokens of the clip (full 3D attention), "
                  "and a 20B transformer of Wan 2.1's shape is counted layer by layer instead of \"30x DiT\"",
                  "chapter 6: calibrated against three measured models [V]", None),
    "train_count_images": ("the article's 50/50 image-video mix prices only the video half", "chapter 3 [V]", None),
    "train_full_share": ("real runs train in stages, most samples short low-resolution clips: Open-Sora 2.0 "
                         "trained 2.2 % of its samples at its final size, the rest at 256 px (chapter 9)",
                         "Open-Sora 2.0's report and released training configurations [S]", "peng2025opensora2"),
    "train_utilization": ("video-DiT training steps also run the autoencoder and text encoder: Open-Sora 2.0's "
                          "timed steps reach 22 % of the BF16 peak by the book's count (Llama 3's 38-43 % is the "
                          "transformer-only bound)",
                          "Open-Sora 2.0's configs/diffusion/train/stage1.py, timed steps [V]", "peng2025opensora2"),
    "measured_utilization": ("inference and the serving fleet run at the utilisation that fits measured "
                             "end-to-end generation times of open video models on H100 (chapter 6), not at 100 %",
                             "ML.ENERGY leaderboard and Delavande et al. 2025, measured [V]", "delavande2025video"),
}

#: The shipped scenario whose parameters are the book's corrections.
CORRECTED = "corrected"


@lru_cache(maxsize=1)
def corrected_values() -> dict[str, Any]:
    """The corrected scenario's parameter values, in the file's order."""
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


def _fit_frames(p: Params, changes: dict[str, Any]) -> dict[str, Any]:
    """Frame sides of ``changes`` padded up to ``p``'s autoencoder x patch multiple (as an encoder pads):
    the corrected scenario's 1280 x 720 stays as it is for 8 x 2 = 16, and becomes 1280 x 736 for 32."""
    names = [n for n in ("frame_width", "frame_height") if n in changes]
    if names and "vae_spatial_compression" in p and "patch_size" in p:
        side = int(changes.get("vae_spatial_compression", p.vae_spatial_compression)) * int(
            changes.get("patch_size", p.patch_size))
        changes = {**changes, **{n: -(-int(changes[n]) // side) * side for n in names}}
    return changes


def corrected(p: Params, corrections: Mapping[str, Any] | None = None) -> Params:
    """``p`` with every correction applied (default: the corrected scenario's); frame sizes are padded
    to ``p``'s tokenisation (:func:`_fit_frames`)."""
    return p.replace(**_fit_frames(p, dict(corrected_values() if corrections is None else corrections)))


#: What the corrected scenario leaves out, each tried on top of it (issue 5's list): distilled
#: samplers, guidance distillation, FP8, newer GPUs, and all of them together.
BEYOND: tuple[tuple[str, dict[str, Any]], ...] = (
    ("the corrected scenario", {}),
    ("1080p frames (1920 x 1088: an encoder pads 1080)", {"frame_width": 1920, "frame_height": 1088}),
    ("1080p, a minute in one clip", {"frame_width": 1920, "frame_height": 1088, "video_seconds": 60.0}),
    ("attention within each latent frame only", {"attention": "per-frame"}),
    ("8 sampling steps (distilled sampler)", {"diffusion_steps": 8}),
    ("4 sampling steps (consistency model)", {"diffusion_steps": 4}),
    ("one pass per step (guidance distilled)", {"cfg_passes": 1}),
    ("FP8 on the H100", {"precision": "fp8"}),
    ("H200 (BF16)", {"gpu": "H200-SXM"}),
    ("B200 (BF16)", {"gpu": "B200"}),
    ("B200, FP8, 4 steps, one pass", {"gpu": "B200", "precision": "fp8", "diffusion_steps": 4, "cfg_passes": 1}),
)


def beyond(p: Params, computes: Mapping[str, Callable[[Params], float]], options=BEYOND) -> list[dict]:
    """``computes`` (name -> function of the parameters) for each option of :data:`BEYOND` applied on
    top of ``corrected(p)`` (GPU-hours and GPU counts are then of the option's GPU)."""
    base = corrected(p)
    return [{"option": label, **{k: float(f(base.replace(**changes))) for k, f in computes.items()}}
            for label, changes in options]


def factor(rows: list[dict], steps_: tuple[str, ...]) -> float:
    """The product of the factors of the bars ``steps_`` of a walk (by their labels)."""
    out = 1.0
    for r in rows:
        if r["step"] in steps_:
            out *= r["factor"]
    return out


def uncorrected(p: Params, corrections: Mapping[str, Any] | None = None) -> Params:
    """``p`` with every correction (default: the corrected scenario's) set back to the article's value."""
    names = corrected_values() if corrections is None else corrections
    return p.replace(**_fit_frames(p, {name: REGISTRY[name].default for name in names}))


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
        current = current.replace(**_fit_frames(current, changes))
        previous, value = value, float(compute(current))
        rows.append({"step": label, "changes": changes, "value": value, "factor": value / previous})
    return rows
