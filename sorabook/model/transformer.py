"""Diffusion transformers for video, counted from first principles: compute and parameters.

One forward pass of a diffusion transformer (DiT) on one video clip, layer by layer, in the
conventions of the DiT paper's code (Peebles & Xie 2023, ``models.py`` of
facebookresearch/DiT) generalised to video models (Wan 2.1, HunyuanVideo, CogVideoX, Mochi 1,
Step-Video-T2V):

- **tokens.** A ``W x H`` clip of ``F`` frames is encoded by an autoencoder that compresses
  ``t x h x w`` (time x height x width) into ``C`` latent channels, and a ``p_t x p_h x p_w``
  patch of latent positions becomes one token. The latent frames and the tokens of a frame are
  :mod:`sorabook.model.latent`'s one rule: a causal autoencoder keeps the first frame alone
  (``1 + ceil((F - 1) / t)`` latent frames), sides are padded up to a multiple of the
  autoencoder x the patch and latent frames to a multiple of ``p_t``, as the pipelines pad; a
  pipeline that drops a partial group of frames or works in chunks names its ``frame_rule``.
  Only sizes that are not whole numbers >= 1 are refused (:class:`ShapeError`).
- **patch embedding** ``Linear(p_t·p_h·p_w·C -> d)`` per video token.
- **text.** Either *joint* attention (text tokens are appended to the video tokens and go
  through every block: CogVideoX, HunyuanVideo, Mochi 1, MMDiT), or *cross-attention* from
  the video tokens to ``X`` text tokens in every block (Wan 2.1, Step-Video-T2V, PixArt), or
  none (DiT's class label: a table lookup). Text features of width ``text_dim`` are projected
  to ``d`` by one or two linear layers per text token.
- **blocks** (``N`` of them), each: self-attention with ``qkv`` ``Linear(d -> 3a)`` and output
  ``Linear(a -> d)`` where ``a = heads x head_dim``; the token-token products ``Q Kᵀ`` and
  ``A V`` over the whole sequence (full 3D attention: every token of the clip attends to every
  other), ``2·S²·a`` multiply-accumulates, the only term that grows with the square of the
  sequence; optional cross-attention (``q`` and ``o`` over video tokens, ``k`` and ``v`` over
  text tokens, products ``2·V·X·a``); an MLP ``d -> f -> d`` (GELU) or a gated one
  ``d -> 2 x f -> d`` (SwiGLU: three matrices).
- **conditioning.** A timestep embedder (256 frequency features -> ``Linear(256, d)`` -> SiLU
  -> ``Linear(d, d)``) and adaLN modulation computed once per sample, not per token: DiT's
  adaLN-Zero ``Linear(d, 6d)`` in every block, or one modulation shared by all blocks (Wan 2.1,
  PixArt's adaLN-single) with a learned per-block table.
- **final layer.** adaLN ``Linear(d, 2d)`` once per sample, then ``Linear(d, p_t·p_h·p_w·C·k)``
  per video token (``k = 2`` where the model also predicts the variance, DiT's learn_sigma).

Compute is counted in **multiply-accumulates** (MACs) of the matrix products; biases,
activations, normalisations, softmax, rotary embeddings and residual additions are not
counted (a few operations per token and channel, far below the products). One MAC is two
floating-point operations: ``FLOPs = 2 x MACs`` (:data:`FLOPS_PER_MAC`, the book's one
definition). The DiT paper's Table 4 "Gflops" are these MACs (XL/2 at 512: 524.5 x 10⁹
counted, 524.60 printed), which ``tests/test_transformer.py`` checks for all 13 rows.

Counts are Python floats (a long 4K clip passes 10¹⁹ MACs, beyond any fixed-width integer),
made with plain operators: ``width``, ``height`` and ``frames`` may be plain numbers or NumPy
arrays (broadcast together), and the counts have their shape. Parameters are exact integers.
The shape rules that scale a model to a parameter budget are in :mod:`sorabook.model.scaling`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from sorabook.model import latent

__all__ = [
    "FLOPS_PER_MAC",
    "FREQUENCY_EMBEDDING",
    "ShapeError",
    "VideoDiT",
    "attention_share",
    "dit",
    "forward_flops",
    "forward_macs",
    "forward_macs_breakdown",
    "param_breakdown",
    "param_count",
    "tokens",
]

#: Floating-point operations in one multiply-accumulate (a multiply and an add): the book's one
#: definition. The DiT paper's "Gflops" count multiply-accumulates (chapter 2).
FLOPS_PER_MAC = 2.0
#: Width of the sinusoidal timestep features fed to the timestep embedder (DiT models.py).
FREQUENCY_EMBEDDING = 256

_TEXT_MODES = ("none", "joint", "cross")
_ATTENTION_MODES = ("full", "per-frame")
_MODULATION_MODES = ("per-block", "shared")


class ShapeError(ValueError):
    """A video size or frame count the autoencoder and patch cannot take (one line for a person)."""


@dataclass(frozen=True)
class VideoDiT:
    """The shape of a diffusion transformer for images or video.

    Attributes
    ----------
    layers, hidden : int
        Blocks ``N`` and model width ``d``.
    heads, head_dim : int
        Attention heads and width per head; attention width ``a = heads x head_dim``
        (``head_dim`` 0 means ``d / heads``).
    mlp_hidden : int
        Hidden width ``f`` of the MLP (0 means ``mlp_ratio x d``); ``gated`` counts a SwiGLU
        MLP (three ``d x f`` matrices instead of two).
    patch : (int, int, int)
        Patch ``(p_t, p_h, p_w)`` in latent positions.
    vae : (int, int, int)
        Autoencoder compression ``(t, h, w)``; ``causal`` keeps the first frame alone.
    frame_rule : {"pad", "floor", "chunk:N:M"}
        How the model's pipeline turns frames into latent frames
        (:func:`sorabook.model.latent.latent_frames`; "pad" unless the pipeline counts otherwise).
    latent_channels : int
        Channels ``C`` of the latent.
    text_mode : {"none", "joint", "cross"}
        How the text enters; ``text_tokens`` ``X`` of width ``text_dim`` (0: no projection),
        projected by ``text_projection_layers`` linear layers (1 or 2).
    attention : {"full", "per-frame"}
        ``full``: one sequence of all tokens of the clip (full 3D attention). ``per-frame``:
        every latent frame is denoised as an independent image (the article's linear
        extrapolation: no attention across frames, everything priced per frame).
    modulation : {"per-block", "shared"}
        adaLN from a ``modulation_dim``-wide conditioning vector (0 means ``d``) to
        ``modulation_outputs x d`` values: in every block (DiT: 6) or once for all blocks.
    dual_stream_layers : int
        Blocks in which text tokens have their own weights (MMDiT, HunyuanVideo's dual-stream
        blocks): more parameters, the same compute.
    out_factor : int
        Output channels per latent channel (2 with DiT's learn_sigma, 1 for flow matching).
    class_embeddings : int
        Rows of a class-embedding table (DiT: 1001, with the null class), 0 for none.
    compute_scale : float
        Factor on every count (the article's "30x DiT"); 1 for a real architecture.
    """

    name: str
    layers: int
    hidden: int
    heads: int
    head_dim: int = 0
    mlp_hidden: int = 0
    mlp_ratio: float = 4.0
    gated: bool = False
    patch: tuple[int, int, int] = (1, 2, 2)
    vae: tuple[int, int, int] = (1, 8, 8)
    causal: bool = False
    frame_rule: str = "pad"
    latent_channels: int = 4
    text_mode: str = "none"
    text_tokens: int = 0
    text_dim: int = 0
    text_projection_layers: int = 1
    attention: str = "full"
    modulation: str = "per-block"
    modulation_outputs: int = 6
    modulation_dim: int = 0
    final_modulation_outputs: int = 2
    dual_stream_layers: int = 0
    qkv_bias: bool = True
    out_factor: int = 1
    class_embeddings: int = 0
    compute_scale: float = 1.0
    notes: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self):
        """Refuse a shape that cannot be counted (:class:`ShapeError`, every problem in one line)."""
        problems = []
        for name in ("layers", "hidden", "heads", "latent_channels"):
            if int(getattr(self, name)) < 1:
                problems.append(f"{name} must be >= 1")
        if any(int(x) < 1 for x in (*self.patch, *self.vae)) or len(self.patch) != 3 or len(self.vae) != 3:
            problems.append("patch and vae take three whole numbers >= 1 (time, height, width)")
        try:
            latent.parse_frame_rule(self.frame_rule)
        except ValueError as err:
            problems.append(str(err))
        if self.text_mode not in _TEXT_MODES:
            problems.append(f"text_mode must be one of {', '.join(_TEXT_MODES)}")
        if self.attention not in _ATTENTION_MODES:
            problems.append(f"attention must be one of {', '.join(_ATTENTION_MODES)}")
        if self.modulation not in _MODULATION_MODES:
            problems.append(f"modulation must be one of {', '.join(_MODULATION_MODES)}")
        if self.head_dim == 0 and self.hidden % self.heads:
            problems.append(f"hidden {self.hidden} is not a multiple of heads {self.heads}; give head_dim")
        if min(self.text_tokens, self.text_dim, self.mlp_hidden, self.head_dim, self.dual_stream_layers) < 0:
            problems.append("text_tokens, text_dim, mlp_hidden, head_dim, dual_stream_layers must be >= 0")
        if self.dual_stream_layers > self.layers:
            problems.append("dual_stream_layers cannot exceed layers")
        if self.text_mode != "none" and self.text_tokens < 1:
            problems.append(f"text_mode {self.text_mode!r} needs text_tokens >= 1")
        if not self.compute_scale > 0:
            problems.append("compute_scale must be > 0")
        if problems:
            raise ShapeError(f"model {self.name!r}: " + "; ".join(problems))

    @property
    def attention_width(self) -> int:
        """``a = heads x head_dim``."""
        return self.heads * (self.head_dim or self.hidden // self.heads)

    @property
    def ffn(self) -> int:
        """MLP hidden width ``f``."""
        return self.mlp_hidden or int(round(self.mlp_ratio * self.hidden))

    @property
    def mod_dim(self) -> int:
        """Width of the conditioning vector that feeds adaLN."""
        return self.modulation_dim or self.hidden

    @property
    def patch_volume(self) -> int:
        """Latent positions per token, ``p_t·p_h·p_w``."""
        return self.patch[0] * self.patch[1] * self.patch[2]

    def with_(self, **changes) -> "VideoDiT":
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)


def dit(layers: int, hidden: int, heads: int, patch: int, name: str = "DiT") -> VideoDiT:
    """A class-conditional image DiT (Peebles & Xie 2023) of the given shape.

    SD VAE f8 with 4 latent channels, ``p x p`` patches, MLP ratio 4 (GELU), qkv with bias,
    adaLN-Zero ``Linear(d, 6d)`` per block, learn_sigma (twice the output channels), a class
    table of 1001 rows. DiT-XL/2 is ``dit(28, 1152, 16, 2)`` (Table 1).
    """
    return VideoDiT(name=name, layers=layers, hidden=hidden, heads=heads, patch=(1, patch, patch),
                    vae=(1, 8, 8), latent_channels=4, out_factor=2, class_embeddings=1001)


# --- tokens -------------------------------------------------------------------------------


def _whole(x, what: str):
    """``x`` if it is a whole number >= 1 (or an array of them); :class:`ShapeError` otherwise."""
    if hasattr(x, "shape"):  # an array: checked with NumPy, which it comes from
        import numpy as np

        arr = np.asarray(x)
        if arr.dtype.kind not in "iuf" or not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ShapeError(f"{what}: got {x!r}; expected a whole number")
        if np.any(arr < 1):
            raise ShapeError(f"{what}: got {x!r}; expected a whole number >= 1")
        return x
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or x != int(x):
        raise ShapeError(f"{what}: got {x!r}; expected a whole number")
    if x < 1:
        raise ShapeError(f"{what}: got {x!r}; expected a whole number >= 1")
    return x


def tokens(model: VideoDiT, width, height, frames) -> dict:
    """Tokens of one clip, by :mod:`sorabook.model.latent`'s rules (sides and latent frames padded).

    Returns a dict of floats (arrays for array arguments): ``latent_frames`` (a multiple of the
    temporal patch), ``tokens_per_frame`` (spatial tokens of one latent frame), ``video_tokens``
    (all tokens of the clip), ``text_tokens`` and ``sequence`` (the length of the self-attention
    sequence: video + text tokens with joint attention, video tokens alone otherwise; one latent
    frame's tokens with ``per-frame`` attention).

    Wan 2.1 at 1280x720, 81 frames (facts.md): 21 latent frames x 45 x 80 = 75,600 video tokens.
    """
    t, pt = model.vae[0], model.patch[0]
    lat = latent.latent_frames(_whole(frames, "frames"), t, model.causal, pt, model.frame_rule)
    per_frame = latent.tokens_per_latent_frame(_whole(width, "width"), _whole(height, "height"), model.vae[2],
                                               model.patch[2], model.vae[1], model.patch[1])
    video = latent.tokens_per_video(lat, per_frame, pt)
    x = float(model.text_tokens) if model.text_mode != "none" else 0.0
    own = per_frame if model.attention == "per-frame" else video
    seq = own + x if model.text_mode == "joint" else own
    return {"latent_frames": lat, "tokens_per_frame": per_frame, "video_tokens": video,
            "text_tokens": x, "sequence": seq}


# --- compute -------------------------------------------------------------------------------


def forward_macs_breakdown(model: VideoDiT, width, height, frames) -> dict:
    """Multiply-accumulates of one forward pass on one clip, by component (floats).

    With ``V`` video tokens, ``X`` text tokens, self-attention sequence ``S`` (``V + X`` with
    joint text, else ``V``), width ``d``, attention width ``a``, MLP width ``f`` and ``N``
    blocks:

    ================================  ==============================================
    patch embedding                   ``V·(p_t p_h p_w C)·d``
    text embedding                    ``X·(text_dim·d [+ d²])``
    timestep embedder                 ``256·d + d²`` (+ shared modulation ``m·d²``)
    modulation (adaLN)                ``N·m·d_c·d`` (per-block), once per sample
    attention projections             ``N·S·4·d·a``
    attention products                ``N·2·S²·a`` (``Q Kᵀ`` and ``A V``)
    cross-attention projections       ``N·(2·V + 2·X)·d·a``
    cross-attention products          ``N·2·V·X·a``
    MLP                               ``N·S·2·d·f`` (gated: ``3·d·f``)
    final layer                       ``2·d_c·d + V·d·(p_t p_h p_w C k)``
    ================================  ==============================================

    With ``per-frame`` attention every term is computed for one latent frame (one temporal
    patch of latent frames) and multiplied by their number; every term is multiplied by
    ``compute_scale``. Source: the DiT paper's ``models.py`` layer by layer (module docstring).
    DiT-XL/2 at 512x512: 524.5 x 10⁹ in all (the paper's Table 4: 524.60 "Gflops").
    """
    tk = tokens(model, width, height, frames)
    d, a, f, n, dc = model.hidden, model.attention_width, model.ffn, model.layers, model.mod_dim
    per_frame = model.attention == "per-frame"
    v = tk["tokens_per_frame"] if per_frame else tk["video_tokens"]
    x = tk["text_tokens"]
    s = tk["sequence"]
    cross = model.text_mode == "cross"
    shared = model.modulation == "shared"
    m, pvc = model.modulation_outputs, model.patch_volume * model.latent_channels
    text_proj = x * (model.text_dim * d + (d * d if model.text_projection_layers > 1 else 0)) if model.text_dim else 0
    parts = {
        "patch embedding": (pvc * d) * v,
        "text embedding": text_proj,
        "timestep embedder": FREQUENCY_EMBEDDING * d + d * d + (m * d * d if shared else 0),
        "modulation": 0 if shared else n * m * dc * d,
        "attention projections": (n * 4 * d * a) * s,
        "attention products": (n * 2 * a) * s * s,
        "cross-attention projections": (n * 2 * d * a) * (v + x) if cross else 0,
        "cross-attention products": (n * 2 * a) * v * x if cross else 0,
        "MLP": (n * (3 if model.gated else 2) * d * f) * s,
        "final layer": model.final_modulation_outputs * dc * d + (d * pvc * model.out_factor) * v,
    }
    scale = model.compute_scale * (tk["latent_frames"] / model.patch[0] if per_frame else 1.0)
    return {k: 1.0 * val * scale for k, val in parts.items()}


def forward_macs(model: VideoDiT, width, height, frames):
    """Multiply-accumulates of one forward pass on one clip: the sum of :func:`forward_macs_breakdown`."""
    return sum(forward_macs_breakdown(model, width, height, frames).values())


def forward_flops(model: VideoDiT, width, height, frames):
    """Floating-point operations of one forward pass: :data:`FLOPS_PER_MAC` x :func:`forward_macs`."""
    return FLOPS_PER_MAC * forward_macs(model, width, height, frames)


def attention_share(model: VideoDiT, width, height, frames):
    """Share of the forward compute in the token-token products (self and cross): ``Q Kᵀ``, ``A V``.

    The book's one definition of the attention share (DiT's tables, the presets and the counting
    rules all read it here). Tends to 1 as the clip grows: per block ``2S²a`` against about
    ``12 S d²`` (module docstring's table); in [0, 1].
    """
    parts = forward_macs_breakdown(model, width, height, frames)
    return (parts["attention products"] + parts["cross-attention products"]) / sum(parts.values())


# --- parameters ----------------------------------------------------------------------------


def param_breakdown(model: VideoDiT) -> dict[str, int]:
    """Learned parameters by component, weights and biases (position embeddings: none learned).

    Counted from the layers of the DiT paper's ``models.py`` (module docstring), in parameters
    (exact integers). DiT-XL/2: 674,834,720 (the paper's 675M). Blocks with a text stream of their
    own (``dual_stream_layers``) count their attention, MLP and modulation weights twice.
    ``compute_scale`` does not change the parameters.
    """
    d, a, f, n, dc = model.hidden, model.attention_width, model.ffn, model.layers, model.mod_dim
    m, pv, c = model.modulation_outputs, model.patch_volume, model.latent_channels
    out = pv * c * model.out_factor
    bias = 1 if model.qkv_bias else 0
    attn = d * 3 * a + bias * 3 * a + a * d + d
    mlp = (3 if model.gated else 2) * d * f + (2 * f if model.gated else f) + d
    mod_block = (dc * m * d + m * d) if model.modulation == "per-block" else m * d  # shared: a learned table
    dual = model.dual_stream_layers
    text = 0
    if model.text_dim:
        text = model.text_dim * d + d + ((d * d + d) if model.text_projection_layers > 1 else 0)
    return {
        "patch embedding": pv * c * d + d,
        "text embedding": text,
        "timestep embedder": (FREQUENCY_EMBEDDING * d + d) + (d * d + d)
        + ((d * m * d + m * d) if model.modulation == "shared" else 0),
        "class embedder": model.class_embeddings * d,
        "attention": (n + dual) * attn,
        "cross-attention": n * (4 * d * a + 3 * a + d) if model.text_mode == "cross" else 0,
        "MLP": (n + dual) * mlp,
        "modulation": (n + dual) * mod_block,
        "final layer": (dc * model.final_modulation_outputs * d + model.final_modulation_outputs * d)
        + (d * out + out),
    }


def param_count(model: VideoDiT) -> int:
    """Learned parameters of the transformer, the sum of :func:`param_breakdown` (autoencoder and
    text encoder excluded; DiT-XL/2: 674,834,720, Table 4's 675M)."""
    return int(sum(param_breakdown(model).values()))
