"""DiT from first principles: parameters and forward compute (article §02 Detail 2, §04 Training).

The counts come from :mod:`sorabook.model.transformer`, the book's one first-principles counter
(this module names its components as the DiT paper does and adds Table 4 around it). For a
DiT it follows the architecture of the paper's code (Peebles & Xie 2023, ``models.py`` of
facebookresearch/DiT), layer by layer:

- patchify: a ``p x p`` convolution with stride ``p``, i.e. ``Linear(p²·C -> d)`` per token;
- a fixed sine-cosine position embedding (no learned parameters);
- timestep embedder: 256-dimensional frequency features -> ``Linear(256, d)`` -> SiLU ->
  ``Linear(d, d)``; class embedder: a table of 1001 x d (1000 classes and the null class);
- ``N`` blocks, each: LayerNorm without affine, attention (``qkv`` ``Linear(d, 3d)`` with bias,
  the products ``Q Kᵀ`` and ``A V``, ``proj`` ``Linear(d, d)``), LayerNorm, MLP
  ``d -> 4d -> d``, and the adaLN-Zero modulation ``SiLU -> Linear(d, 6d)`` computed once
  per sample from the conditioning vector, not per token;
- final layer: adaLN ``Linear(d, 2d)`` once per sample, then ``Linear(d, p²·2C)`` per token
  (``learn_sigma`` doubles the output channels).

Compute is counted in **multiply-accumulates** (MACs) of the matrix products; activations,
normalisations, softmax and residual additions are not counted (they are a few operations
per token and channel, far below the matrix products). Chapter 2 shows that the paper's
"Gflops" are these MACs, so one "flop" of the paper is two floating-point operations
(:data:`sorabook.model.transformer.FLOPS_PER_MAC`); :func:`training_compute` takes the
conversion ``flops_per_mac`` as an argument. Tokens are :mod:`sorabook.model.latent`'s, the
attention share :func:`sorabook.model.transformer.attention_share`.

Standard library only: every counting function takes plain numbers, or NumPy arrays for the
image size, and returns floats (arrays).
"""

from __future__ import annotations

from dataclasses import dataclass

from sorabook.model import latent, transformer

__all__ = [
    "CONFIGS",
    "DiTConfig",
    "NUM_CLASS_EMBEDDINGS",
    "TABLE4",
    "Table4Row",
    "TRAIN_STEPS",
    "breakdown_rows",
    "evidence",
    "config",
    "forward_gmacs",
    "forward_macs",
    "forward_macs_breakdown",
    "param_breakdown",
    "param_count",
    "max_table4_rel_error",
    "model_scale",
    "model",
    "relative_error",
    "reproduce_table4",
    "scaling_rows",
    "share_curves",
    "training_compute",
    "training_images",
]

#: Rows of the class-embedding table: 1000 ImageNet classes and one null class (models.py).
NUM_CLASS_EMBEDDINGS = 1001


@dataclass(frozen=True)
class DiTConfig:
    """One DiT model size (DiT paper Table 1): depth ``N``, width ``d``, attention heads."""

    name: str
    depth: int
    hidden: int
    heads: int


#: DiT paper Table 1: the four model sizes.
CONFIGS: dict[str, DiTConfig] = {
    c.name: c
    for c in (
        DiTConfig("S", 12, 384, 6),
        DiTConfig("B", 12, 768, 12),
        DiTConfig("L", 24, 1024, 16),
        DiTConfig("XL", 28, 1152, 16),
    )
}


def config(name: str) -> DiTConfig:
    """A Table 1 configuration by name (``"XL"``); a name like ``"XL/2"`` is accepted too."""
    return CONFIGS[name.split("/")[0]]


@dataclass(frozen=True)
class Table4Row:
    """One row of the DiT paper's Table 4: a model, its image size, Gflops and parameters."""

    model: str  # "XL/2": size and patch
    image_size: int  # pixels per side
    gflops: float  # "Flops (G)" as printed
    params_m: float  # "Params (M)" as printed

    @property
    def size(self) -> str:
        """The Table 1 size (``"XL"`` of ``"XL/2"``)."""
        return self.model.split("/")[0]

    @property
    def patch_size(self) -> int:
        """The patch side in latent positions (``2`` of ``"XL/2"``)."""
        return int(self.model.split("/")[1])

    @property
    def label(self) -> str:
        """Model and image size, unique over the table (``"XL/2-512"``)."""
        return f"{self.model}-{self.image_size}"


#: DiT paper Table 4 (at 256x256, latent 32x32x4) and XL/2 at 512x512 (latent 64x64x4),
#: as printed: forward Gflops and parameters in millions (VAE excluded).
TABLE4: tuple[Table4Row, ...] = (
    Table4Row("S/8", 256, 0.36, 33),
    Table4Row("S/4", 256, 1.41, 33),
    Table4Row("S/2", 256, 6.06, 33),
    Table4Row("B/8", 256, 1.42, 131),
    Table4Row("B/4", 256, 5.56, 130),
    Table4Row("B/2", 256, 23.01, 130),
    Table4Row("L/8", 256, 5.01, 459),
    Table4Row("L/4", 256, 19.70, 458),
    Table4Row("L/2", 256, 80.71, 458),
    Table4Row("XL/8", 256, 7.39, 676),
    Table4Row("XL/4", 256, 29.05, 675),
    Table4Row("XL/2", 256, 118.64, 675),
    Table4Row("XL/2", 512, 524.60, 675),
)

#: Training steps of the two XL/2 models in the paper (§4 and §5): 7M at 256, 3M at 512.
TRAIN_STEPS: dict[int, int] = {256: 7_000_000, 512: 3_000_000}


def model(cfg: DiTConfig, patch_size: int, latent_channels: int = 4, vae_compression: int = 8):
    """The configuration as a :class:`sorabook.model.transformer.VideoDiT` (one frame, no text):
    the one counter of the book, which this module's counting functions read under DiT's names.
    DiT paper Table 1 and ``models.py`` (:func:`sorabook.model.transformer.dit`)."""
    base = transformer.dit(cfg.depth, cfg.hidden, cfg.heads, patch_size, name=f"DiT-{cfg.name}/{patch_size}")
    return base.with_(latent_channels=latent_channels, vae=(1, vae_compression, vae_compression))



#: DiT's names for the components of :mod:`sorabook.model.transformer`'s count (its text and
#: cross-attention terms are zero for a class-conditional image model).
_PARAM_NAMES = {"patch embedding": "patchify", "attention": "attention projections", "MLP": "MLP",
                "modulation": "adaLN-Zero modulation", "timestep embedder": "timestep embedder",
                "class embedder": "class embedder", "final layer": "final layer"}
_MAC_NAMES = {"patch embedding": "patchify", "attention projections": "attention projections",
              "attention products": "attention products", "MLP": "MLP", "modulation": "adaLN-Zero modulation",
              "timestep embedder": "timestep embedder", "final layer": "final layer"}


def param_breakdown(cfg: DiTConfig, patch_size: int, latent_channels: int = 4) -> dict[str, int]:
    """Learned parameters by component (weights and biases), for one configuration.

    Counted by :func:`sorabook.model.transformer.param_breakdown`. The position embedding is a
    fixed sine-cosine table and has no learned parameters (the paper's counts exclude it:
    with it, B/2 would be 131M and XL/2-512 676M).
    """
    parts = transformer.param_breakdown(model(cfg, patch_size, latent_channels))
    out = {_PARAM_NAMES[k]: int(v) for k, v in parts.items() if k in _PARAM_NAMES}
    order = ("patchify", "attention projections", "attention products", "MLP", "adaLN-Zero modulation",
             "timestep embedder", "class embedder", "final layer")
    return {k: out.get(k, 0) for k in order}  # attention products: no weights


def param_count(cfg: DiTConfig, patch_size: int, latent_channels: int = 4) -> int:
    """Learned parameters of a DiT (XL/2: 674,834,720, i.e. the paper's 675M)."""
    return sum(param_breakdown(cfg, patch_size, latent_channels).values())


def forward_macs_breakdown(cfg: DiTConfig, patch_size: int, image_size, latent_channels: int = 4,
                           vae_compression: int = 8) -> dict[str, object]:
    """Multiply-accumulates of one forward pass for one sample, by component.

    With ``T`` tokens and width ``d``: per block the projections cost ``T·4d²``, the MLP
    ``T·8d²``, the attention products ``Q Kᵀ`` and ``A V`` ``2·T²·d`` (the only term that
    grows with the square of the sequence), and the adaLN-Zero modulation ``6d²`` once per
    sample. Counted by :func:`sorabook.model.transformer.forward_macs_breakdown` on one frame;
    ``image_size`` may be an array.
    """
    parts = transformer.forward_macs_breakdown(model(cfg, patch_size, latent_channels, vae_compression),
                                               image_size, image_size, 1)
    out = {_MAC_NAMES[k]: v for k, v in parts.items() if k in _MAC_NAMES}
    out["class embedder"] = 0  # a table lookup
    order = ("patchify", "attention projections", "attention products", "MLP", "adaLN-Zero modulation",
             "timestep embedder", "class embedder", "final layer")
    return {k: out[k] for k in order}


def forward_macs(cfg: DiTConfig, patch_size: int, image_size, latent_channels: int = 4,
                 vae_compression: int = 8):
    """Multiply-accumulates of one forward pass for one sample (XL/2 at 512: 5.245e11)."""
    return sum(forward_macs_breakdown(cfg, patch_size, image_size, latent_channels, vae_compression).values())


def forward_gmacs(cfg: DiTConfig, patch_size: int, image_size):
    """:func:`forward_macs` in units of 10⁹, the unit of Table 4's "Gflops" (XL/2 at 512: 524.5)."""
    return forward_macs(cfg, patch_size, image_size) / 1e9


def model_scale(params, reference=None):
    """A model's parameters over DiT-XL/2's counted 674.8M: the article's "30x" for 20B (29.6, §04)."""
    return params / (param_count(CONFIGS["XL"], 2) if reference is None else reference)


def training_images(batch_size, steps):
    """Images seen in training: batch x steps (DiT paper §5, XL/2-512: 256 x 3M = 768M)."""
    return 1.0 * batch_size * steps


def relative_error(computed, printed):
    """``(computed - printed) / printed``, signed (a share; Table 4's rows, chapter 2)."""
    return (computed - printed) / printed


def reproduce_table4(flops_per_mac: float = 1.0) -> list[dict]:
    """Table 4 beside the counts of this module.

    ``gflops_computed`` is ``flops_per_mac`` x the counted forward MACs / 10⁹: with 1 the
    table is read as multiply-accumulates, with 2 as floating-point operations. Each row
    also carries the half-unit of the last printed digit relative to the printed value,
    the error that rounding alone can explain.
    """
    rows = []
    for r in TABLE4:
        cfg = config(r.size)
        macs = float(forward_macs(cfg, r.patch_size, r.image_size))
        params = param_count(cfg, r.patch_size)
        g = flops_per_mac * macs / 1e9
        rows.append({
            "model": r.model,
            "image_size": r.image_size,
            "label": r.label,
            "tokens": float(latent.tokens_per_latent_frame(r.image_size, r.image_size, 8, r.patch_size)),
            "gflops_paper": r.gflops,
            "gflops_computed": g,
            "gflops_rel_error": float(relative_error(g, r.gflops)),
            "gflops_rounding": 0.005 / r.gflops,
            "params_paper_m": r.params_m,
            "params_computed_m": params / 1e6,
            "params_rel_error": float(relative_error(params / 1e6, r.params_m)),
            "params_rounding": 0.5 / r.params_m,
        })
    return rows


def max_table4_rel_error(flops_per_mac: float = 1.0) -> float:
    """Worst |relative error| over Table 4's Gflops and parameters (13 rows, both columns)."""
    rows = reproduce_table4(flops_per_mac)
    return max(max(abs(r["gflops_rel_error"]), abs(r["params_rel_error"])) for r in rows)


def training_compute(forward_flops_per_sample, batch_size, steps, flops_per_mac=1.0, backward_factor=3.0):
    """Training compute by the DiT paper's convention: ``Gflops · batch size · steps · 3``.

    ``forward_flops_per_sample`` is in the table's unit (the paper's "flops", i.e. MACs);
    ``flops_per_mac`` converts it to FLOPs (1 reads the table as the article does, 2 counts a
    multiply-accumulate as two operations). The factor 3 is forward plus a backward pass of
    about twice the forward. XL/2 at 512: 524.6e9 x 256 x 3M x 3 = 1.21e21.
    """
    return forward_flops_per_sample * flops_per_mac * batch_size * steps * backward_factor


def scaling_rows(image_size: int = 256) -> list[dict]:
    """Every Table 1 size with every patch size (8, 4, 2) at ``image_size``: compute and parameters
    (DiT paper §4's grid of 12 models)."""
    rows = []
    for cfg in CONFIGS.values():
        for p in (8, 4, 2):
            rows.append({
                "model": f"{cfg.name}/{p}",
                "size": cfg.name,
                "patch_size": p,
                "tokens": float(latent.tokens_per_latent_frame(image_size, image_size, 8, p)),
                "params": float(param_count(cfg, p)),
                "gmacs": float(forward_macs(cfg, p, image_size)) / 1e9,
                "attention_share": float(transformer.attention_share(model(cfg, p), image_size, image_size, 1)),
            })
    return rows


def share_curves(patch_size: int = 2, image_sizes=(64, 128, 256, 512, 1024, 2048)) -> dict[str, tuple]:
    """For each Table 1 size: tokens and the attention products' share of compute over ``image_sizes``
    (lists of floats; :func:`sorabook.model.transformer.attention_share` of one image)."""
    return {
        name: ([float(latent.tokens_per_latent_frame(s, s, 8, patch_size)) for s in image_sizes],
               [float(transformer.attention_share(model(cfg, patch_size), s, s, 1)) for s in image_sizes])
        for name, cfg in CONFIGS.items()
    }


def breakdown_rows(cfg: DiTConfig, patch_size: int, image_size: int) -> list[dict]:
    """Parameters and forward MACs of one configuration by component, with their shares."""
    params = param_breakdown(cfg, patch_size)
    macs = {k: float(v) for k, v in forward_macs_breakdown(cfg, patch_size, image_size).items()}
    total_p, total_m = sum(params.values()), sum(macs.values())
    return [{"part": k, "params": float(params[k]), "params_share": params[k] / total_p,
             "gmacs": macs[k] / 1e9, "macs_share": macs[k] / total_m} for k in params]


def evidence() -> dict[str, float]:
    """The numbers chapter 2 quotes about the match with Table 4 (all derived here).

    - ``s8-printing``: half a unit of the last digit of S/8's printed 0.36, relative;
    - ``xl2-512-error``: |relative error| of XL/2 at 512x512 (multiply-accumulates);
    - ``xl4-gmacs-no-attention``: XL/4 at 256x256 without the attention products, in GMACs,
      what a profiler that sees only modules reports;
    - ``xl4-gflops-paper``: XL/4's printed Gflops;
    - ``xl2-256-attention-share``: share of XL/2-256's compute in the attention products;
    - ``xl-attention-half-tokens``: tokens at which the attention products are about half
      of DiT-XL's compute (``T = 6d``, where ``2T²d = 12Td²``).
    """
    xl = CONFIGS["XL"]
    rows = {r["label"]: r for r in reproduce_table4(1.0)}
    xl4 = forward_macs_breakdown(xl, 4, 256)
    return {
        "s8-printing": rows["S/8-256"]["gflops_rounding"],
        "xl2-512-error": abs(rows["XL/2-512"]["gflops_rel_error"]),
        "xl4-gmacs-no-attention": float(sum(xl4.values()) - xl4["attention products"]) / 1e9,
        "xl4-gflops-paper": rows["XL/4-256"]["gflops_paper"],
        "xl2-256-attention-share": float(transformer.attention_share(model(xl, 2), 256, 256, 1)),
        "xl-attention-half-tokens": float(6 * xl.hidden),
        "xl2-256-train-steps": float(TRAIN_STEPS[256]),
    }
