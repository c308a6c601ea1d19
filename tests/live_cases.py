"""Random, valid re-runs for the live page's tests: ``--set`` lists drawn with a seeded generator.

Each case changes a few parameters that move many results (frame size, length, steps, guidance,
GPU, counting rule, utilisations, model size, demand), within their allowed ranges; a draw that
the package refuses (a value outside a result's domain) is drawn again, so every case is one the
command line accepts.
"""

from __future__ import annotations

import random

from sorabook.params import REGISTRY

#: The parameters a case may change, with how a value is drawn (the registry checks it).
_DRAWS = {
    "fps": lambda r: r.choice([12, 16, 24, 25, 30, 60]),
    "video_seconds": lambda r: round(r.uniform(2.0, 90.0), 3),
    "frame_width": lambda r: 16 * r.randint(16, 120),
    "frame_height": lambda r: 16 * r.randint(16, 68),
    "diffusion_steps": lambda r: r.randint(1, 250),
    "cfg_passes": lambda r: r.randint(1, 3),
    "gpu": lambda r: r.choice(REGISTRY["gpu"].choices),
    "precision": lambda r: r.choice(REGISTRY["precision"].choices),
    "attention": lambda r: r.choice(REGISTRY["attention"].choices),
    "train_utilization": lambda r: round(r.uniform(0.05, 1.0), 4),
    "inference_utilization": lambda r: round(r.uniform(0.05, 1.0), 4),
    "sora_params": lambda r: float(f"{r.uniform(1.0, 60.0):.3g}e9"),
    "temporal_compression": lambda r: r.choice([1, 2, 4, 8]),
    "train_full_share": lambda r: round(r.uniform(0.0, 1.0), 4),
    "measured_utilization": lambda r: r.choice(["true", "false"]),
    "tiktok_ai_share": lambda r: round(r.uniform(0.0, 1.0), 3),
    "gpu_hour_price_usd": lambda r: round(r.uniform(0.5, 20.0), 2),
}


def cases(n: int = 5, seed: int = 20261201, size: int = 4) -> list[list[str]]:
    """``n`` lists of ``name=value`` texts, each changing ``size`` parameters, that the command line
    accepts and the package computes (checked with :func:`sorabook.results.live.recompute`)."""
    from sorabook.results import live

    rng = random.Random(seed)
    out: list[list[str]] = []
    while len(out) < n:
        names = rng.sample(sorted(_DRAWS), size)
        sets = [f"{name}={_DRAWS[name](rng)}" for name in names]
        if live.recompute(sets)["ok"]:
            out.append(sets)
    return out
