"""Measured forward throughput of DiT-shaped transformer stacks on one GPU.

Builds a stack of diffusion-transformer blocks with random bf16 weights and times
forward passes (inference mode) with CUDA events after warm-up. Each block:

- adaLN modulation: six ``d``-wide vectors (shift, scale, gate for attention and
  MLP) from a conditioning vector, computed once per sample: a ``Linear(d, 6d)``
  in every block (DiT, ``modulation="per-block"``) or one ``Linear(d, 6d)`` shared
  by all blocks plus a learned ``6 x d`` table per block (Wan 2.1, ``"shared"``);
- LayerNorm (no affine) + modulation, self-attention: ``qkv`` ``Linear(d, 3a)``,
  optional RMSNorm on q and k and rotary embedding (Wan 2.1), then
  ``torch.nn.functional.scaled_dot_product_attention`` over the whole sequence,
  output ``Linear(a, d)``, gated residual;
- optional cross-attention to ``T`` text tokens (Wan 2.1): LayerNorm, ``q``
  ``Linear(d, a)`` over the video tokens, ``k``, ``v`` ``Linear(d, a)`` over the
  text tokens, SDPA, output ``Linear(a, d)``;
- LayerNorm + modulation, MLP ``Linear(d, f)`` -> GELU (tanh) -> ``Linear(f, d)``,
  gated residual.

The input is a random token tensor ``[batch, S, d]`` (the patch embedding, the text
encoder's projection, the timestep embedder and the final layer are not built:
they are well under 1% of the compute at these sizes, see ``check_counts.py``).

FLOPs are counted by :func:`count_flops` from the shapes alone, ``2 x`` the
multiply-accumulates of the matrix products that the stack runs (linear layers,
the ``Q Kᵀ`` and ``A V`` products of self- and cross-attention, the modulation
linears), the convention of ``sorabook.transformer.forward_flops``. Achieved
FLOP/s = counted FLOPs / measured seconds; MFU = achieved / the GPU's dense bf16
peak (H100 SXM and H200: 989.4e12).

Usage (on the GPU machine; only torch and numpy are needed)::

    python3 dit_forward.py --out results.json          # the built-in cases
    python3 dit_forward.py --cases cases.json --out r.json
    python3 dit_forward.py --smoke                     # tiny shapes on CPU, float32

The counting part (``CASES``, ``count_flops``) imports without torch, so
``check_counts.py`` can compare it with sorabook's counter on a machine without torch.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time

try:  # the counting half of this file must import without torch (check_counts.py)
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError:  # pragma: no cover - exercised by check_counts.py
    torch = None
    F = None
    nn = None

# --- peak dense bf16 FLOP/s by device name ---------------------------------------------------

#: Dense (no sparsity) bf16 tensor-core peaks from the vendors' datasheets; the first
#: key found in ``torch.cuda.get_device_name()`` wins (order matters: "H100 PCIe" before "H100").
PEAK_BF16 = (
    ("H100 PCIe", 756e12),
    ("H100 NVL", 835e12),
    ("H100", 989.4e12),  # SXM5 ("NVIDIA H100 80GB HBM3")
    ("H200", 989.4e12),  # SXM ("NVIDIA H200"), the H100's tensor cores
    ("H20", 148e12),
    ("A100", 312e12),
    ("B200", 2250e12),
)


def peak_bf16(device_name: str) -> float | None:
    for key, peak in PEAK_BF16:
        if key in device_name:
            return peak
    return None


# --- cases -----------------------------------------------------------------------------------
#
# Token counts from sorabook.model.transformer.tokens (check_counts.py re-derives them):
#   DiT-XL/2 (patch 2, VAE f8): 256x256 -> 256 tokens, 512x512 -> 1024 tokens.
#   Wan 2.1 (VAE 4x8x8 causal, patch 1x2x2): 832x480x81 -> 21 x 30 x 52 = 32,760 tokens;
#   1280x720x81 -> 21 x 45 x 80 = 75,600 tokens.
# Cases sharing a "model" dict are run on one built stack (built once, in order).

DIT_XL2 = dict(layers=28, hidden=1152, heads=16, head_dim=72, mlp_hidden=4608,
               text_tokens=0, modulation="per-block", qk_norm=False, rope=False)
WAN_1_3B = dict(layers=30, hidden=1536, heads=12, head_dim=128, mlp_hidden=8960,
                text_tokens=512, modulation="shared", qk_norm=True, rope=True)
WAN_14B = dict(layers=40, hidden=5120, heads=40, head_dim=128, mlp_hidden=13824,
               text_tokens=512, modulation="shared", qk_norm=True, rope=True)
SWEEP = dict(layers=4, hidden=3072, heads=24, head_dim=128, mlp_hidden=12288,
             text_tokens=0, modulation="per-block", qk_norm=False, rope=False)

CASES = [
    # name, model, tokens (sequence S), batch; "video" is what the tokens stand for
    dict(name="dit-xl2-256-b64", model="dit-xl-2", video="256x256 image", tokens=256, batch=64),
    dict(name="dit-xl2-256-b256", model="dit-xl-2", video="256x256 image", tokens=256, batch=256),
    dict(name="dit-xl2-512-b64", model="dit-xl-2", video="512x512 image", tokens=1024, batch=64),
    dict(name="wan1.3b-480p-81f", model="wan2.1-1.3b", video="832x480x81", tokens=32760, batch=1),
    dict(name="sweep-d3072-S1k-b64", model="sweep-d3072", video="-", tokens=1024, batch=64),
    dict(name="sweep-d3072-S4k-b16", model="sweep-d3072", video="-", tokens=4096, batch=16),
    dict(name="sweep-d3072-S16k-b4", model="sweep-d3072", video="-", tokens=16384, batch=4),
    dict(name="sweep-d3072-S64k-b1", model="sweep-d3072", video="-", tokens=65536, batch=1),
    dict(name="wan14b-480p-81f", model="wan2.1-14b", video="832x480x81", tokens=32760, batch=1),
    dict(name="wan14b-720p-81f", model="wan2.1-14b", video="1280x720x81", tokens=75600, batch=1),
]
MODELS = {"dit-xl-2": DIT_XL2, "wan2.1-1.3b": WAN_1_3B, "wan2.1-14b": WAN_14B, "sweep-d3072": SWEEP}

#: Cases also timed with torch.compile (one compiled block reused by all blocks), if time is left.
COMPILE_CASES = ("dit-xl2-256-b64", "wan1.3b-480p-81f", "sweep-d3072-S16k-b4")

SMOKE_MODELS = {
    "tiny-dit": dict(layers=2, hidden=64, heads=4, head_dim=16, mlp_hidden=256,
                     text_tokens=0, modulation="per-block", qk_norm=False, rope=False),
    "tiny-wan": dict(layers=2, hidden=96, heads=3, head_dim=32, mlp_hidden=200,
                     text_tokens=7, modulation="shared", qk_norm=True, rope=True),
}
SMOKE_CASES = [
    dict(name="tiny-dit-S16-b3", model="tiny-dit", video="-", tokens=16, batch=3),
    dict(name="tiny-wan-S40-b2", model="tiny-wan", video="-", tokens=40, batch=2),
]


def resolve(case: dict, models: dict) -> dict:
    """A case with its model's shape merged in (``model`` may be a name or a dict)."""
    m = case["model"]
    shape = dict(models[m]) if isinstance(m, str) else dict(m)
    out = dict(case)
    out["model"] = m if isinstance(m, str) else m.get("name", "custom")
    out.update({k: v for k, v in shape.items() if k != "name"})
    out.setdefault("head_dim", out["hidden"] // out["heads"])
    out.setdefault("mlp_hidden", 4 * out["hidden"])
    out.setdefault("text_tokens", 0)
    out.setdefault("modulation", "per-block")
    out.setdefault("qk_norm", False)
    out.setdefault("rope", False)
    return out


# --- counting (no torch) -------------------------------------------------------------------


def count_macs(layers, hidden, heads, head_dim, mlp_hidden, tokens, text_tokens=0,
               modulation="per-block", batch=1, **_ignored) -> dict:
    """Multiply-accumulates of one forward of the stack, by component (whole batch).

    Per sample, with S tokens, T text tokens, width d, attention width a = heads x head_dim,
    MLP width f, N blocks:

    - modulation: N x 6 d² (per-block) or 6 d² (shared), once per sample;
    - attention projections: N x S x (3 d a + a d);
    - attention products: N x 2 S² a (Q Kᵀ and A V);
    - cross-attention projections: N x (S d a + S a d + 2 T d a);
    - cross-attention products: N x 2 S T a;
    - MLP: N x 2 S d f.
    """
    n, d, a, f, s, t = layers, hidden, heads * head_dim, mlp_hidden, tokens, text_tokens
    parts = {
        "modulation": (n if modulation == "per-block" else 1) * 6 * d * d,
        "attention projections": n * s * 4 * d * a,
        "attention products": n * 2 * s * s * a,
        "cross-attention projections": n * (2 * s + 2 * t) * d * a if t else 0,
        "cross-attention products": n * 2 * s * t * a if t else 0,
        "MLP": n * s * 2 * d * f,
    }
    return {k: float(v) * batch for k, v in parts.items()}


def count_flops(**shape) -> float:
    """FLOPs (2 x MACs) of one forward of the stack over the whole batch."""
    return 2.0 * sum(count_macs(**shape).values())


def param_count(layers, hidden, heads, head_dim, mlp_hidden, text_tokens=0,
                modulation="per-block", qk_norm=False, **_ignored) -> int:
    """Parameters of the stack as built (weights and biases)."""
    d, a, f = hidden, heads * head_dim, mlp_hidden
    blk = (3 * d * a + 3 * a) + (a * d + d) + (d * f + f) + (f * d + d)
    if text_tokens:
        blk += 4 * d * a + 3 * a + d  # q, k, v (biases a wide), o (bias d wide)
    if qk_norm:
        blk += 2 * head_dim
    if modulation == "per-block":
        blk += 6 * d * d + 6 * d
    else:
        blk += 6 * d
    extra = 0 if modulation == "per-block" else 6 * d * d + 6 * d
    return layers * blk + extra


# --- the model (torch) ---------------------------------------------------------------------

if torch is not None:

    def _weight(out_f, in_f, device, dtype):
        return nn.Parameter(torch.empty(out_f, in_f, device=device, dtype=dtype).normal_(0.0, in_f ** -0.5),
                            requires_grad=False)

    def _bias(n, device, dtype):
        return nn.Parameter(torch.zeros(n, device=device, dtype=dtype), requires_grad=False)

    def _rotate(x, cos, sin):
        """Rotary embedding, rotate-half form, on [B, H, S, hd] with cos/sin [S, hd]."""
        x1, x2 = x.chunk(2, dim=-1)
        return x * cos + torch.cat((-x2, x1), dim=-1) * sin

    class Block(nn.Module):
        def __init__(self, d, heads, head_dim, f, text_tokens, modulation, qk_norm, rope, device, dtype):
            super().__init__()
            a = heads * head_dim
            self.d, self.heads, self.head_dim = d, heads, head_dim
            self.cross, self.qk_norm, self.rope = bool(text_tokens), qk_norm, rope
            self.per_block = modulation == "per-block"
            if self.per_block:
                self.mod_w, self.mod_b = _weight(6 * d, d, device, dtype), _bias(6 * d, device, dtype)
            else:
                self.mod_table = nn.Parameter(torch.randn(6, d, device=device, dtype=dtype) * 0.02,
                                              requires_grad=False)
            self.qkv_w, self.qkv_b = _weight(3 * a, d, device, dtype), _bias(3 * a, device, dtype)
            self.o_w, self.o_b = _weight(d, a, device, dtype), _bias(d, device, dtype)
            if qk_norm:
                self.qn = nn.Parameter(torch.ones(head_dim, device=device, dtype=dtype), requires_grad=False)
                self.kn = nn.Parameter(torch.ones(head_dim, device=device, dtype=dtype), requires_grad=False)
            if self.cross:
                self.cq_w, self.cq_b = _weight(a, d, device, dtype), _bias(a, device, dtype)
                self.ckv_w, self.ckv_b = _weight(2 * a, d, device, dtype), _bias(2 * a, device, dtype)
                self.co_w, self.co_b = _weight(d, a, device, dtype), _bias(d, device, dtype)
            self.fc1_w, self.fc1_b = _weight(f, d, device, dtype), _bias(f, device, dtype)
            self.fc2_w, self.fc2_b = _weight(d, f, device, dtype), _bias(d, device, dtype)

        def _heads(self, t):  # [B, L, H*hd] -> [B, H, L, hd]
            b, n, _ = t.shape
            return t.view(b, n, self.heads, self.head_dim).transpose(1, 2)

        def forward(self, x, c, text, cos, sin):
            b, s, d = x.shape
            if self.per_block:
                mod = F.linear(F.silu(c), self.mod_w, self.mod_b)  # [B, 6d], once per sample
            else:
                mod = c + self.mod_table.view(1, 6 * d)  # c is the shared [B, 6d] projection
            sh1, sc1, g1, sh2, sc2, g2 = mod.view(b, 1, 6, d).unbind(2)

            h = F.layer_norm(x, (d,), eps=1e-6) * (1 + sc1) + sh1
            qkv = F.linear(h, self.qkv_w, self.qkv_b).view(b, s, 3, self.heads, self.head_dim)
            q, k, v = qkv.unbind(2)
            q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # [B, H, S, hd]
            if self.qk_norm:
                q = F.rms_norm(q, (self.head_dim,), self.qn, eps=1e-6)
                k = F.rms_norm(k, (self.head_dim,), self.kn, eps=1e-6)
            if self.rope:
                q, k = _rotate(q, cos, sin), _rotate(k, cos, sin)
            o = F.scaled_dot_product_attention(q, k, v)
            o = o.transpose(1, 2).reshape(b, s, -1)
            x = x + g1 * F.linear(o, self.o_w, self.o_b)

            if self.cross:
                h = F.layer_norm(x, (d,), eps=1e-6)
                q = self._heads(F.linear(h, self.cq_w, self.cq_b))
                kv = F.linear(text, self.ckv_w, self.ckv_b)
                k, v = (self._heads(t) for t in kv.chunk(2, dim=-1))
                o = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, s, -1)
                x = x + F.linear(o, self.co_w, self.co_b)

            h = F.layer_norm(x, (d,), eps=1e-6) * (1 + sc2) + sh2
            h = F.gelu(F.linear(h, self.fc1_w, self.fc1_b), approximate="tanh")
            return x + g2 * F.linear(h, self.fc2_w, self.fc2_b)

    class Stack(nn.Module):
        def __init__(self, layers, hidden, heads, head_dim, mlp_hidden, text_tokens=0, modulation="per-block",
                     qk_norm=False, rope=False, device="cuda", dtype=None, **_ignored):
            super().__init__()
            dtype = dtype or torch.bfloat16
            self.hidden, self.head_dim, self.shared = hidden, head_dim, modulation == "shared"
            if self.shared:  # Wan 2.1: one time projection Linear(d, 6d) for all blocks
                self.mod_w, self.mod_b = _weight(6 * hidden, hidden, device, dtype), _bias(6 * hidden, device, dtype)
            self.blocks = nn.ModuleList(
                Block(hidden, heads, head_dim, mlp_hidden, text_tokens, modulation, qk_norm, rope, device, dtype)
                for _ in range(layers))
            self.block_fns = [blk.forward for blk in self.blocks]

        def rope_tables(self, s, device, dtype):
            half = self.head_dim // 2
            inv = 1.0 / (10000.0 ** (torch.arange(half, device=device, dtype=torch.float32) / half))
            ang = torch.outer(torch.arange(s, device=device, dtype=torch.float32), inv)
            ang = torch.cat((ang, ang), dim=-1)
            return ang.cos().to(dtype), ang.sin().to(dtype)

        def forward(self, x, c, text, cos, sin):
            if self.shared:
                c = F.linear(F.silu(c), self.mod_w, self.mod_b)
            for fn in self.block_fns:
                x = fn(x, c, text, cos, sin)
            return x

        def compile_blocks(self):
            """Regional compilation: ``torch.compile`` each block; with nn-module inlining (the
            default in recent torch) the blocks share one compiled graph, parameters being inputs."""
            for blk in self.blocks:
                blk.compile()
            self.block_fns = list(self.blocks)  # nn.Module.__call__ runs the compiled forward


# --- timing --------------------------------------------------------------------------------


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_forward(fn, device, warmup=2, target_s=2.0, min_reps=3, max_reps=30):
    """Seconds per call of ``fn``: warm-up, then repeats sized to about ``target_s``.

    Each repeat is timed alone with CUDA events (wall clock on CPU); returns the list.
    """
    for _ in range(warmup):
        fn()
    _sync(device)
    t0 = time.perf_counter()
    fn()
    _sync(device)
    first = time.perf_counter() - t0
    reps = int(max(min_reps, min(max_reps, math.ceil(target_s / max(first, 1e-6)))))
    times = []
    for _ in range(reps):
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end) / 1e3)
        else:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return times


def _stats(times):
    s = sorted(times)
    n = len(s)
    med = s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])
    mean = sum(s) / n
    sd = (sum((t - mean) ** 2 for t in s) / (n - 1)) ** 0.5 if n > 1 else 0.0
    return dict(repeats=n, mean_s=mean, median_s=med, min_s=s[0], max_s=s[-1], std_s=sd)


#: Reference kernels: GEMMs (m, k, n) of the cases' MLP shapes and a square one; SDPA (B, H, S, hd).
REF_GEMMS = ((8192, 8192, 8192), (75600, 5120, 13824), (32760, 1536, 8960), (16384, 1152, 4608))
REF_SDPA = ((1, 12, 32760, 128), (1, 40, 75600, 128), (64, 16, 1024, 72))


def kernel_refs(device, dtype, log, gemms=REF_GEMMS, sdpas=REF_SDPA):
    """Reference rates on this GPU: GEMMs and SDPA with each available backend."""
    out = {}
    for (m, k, n) in gemms:
        a = torch.randn(m, k, device=device, dtype=dtype)
        b = torch.randn(n, k, device=device, dtype=dtype)
        t = _stats(time_forward(lambda: F.linear(a, b), device, warmup=3, target_s=0.5, min_reps=10, max_reps=50))
        flops = 2.0 * m * k * n
        out[f"gemm {m}x{k}x{n}"] = dict(flops=flops, **t, tflops=flops / t["median_s"] / 1e12)
        log(f"  gemm {m}x{k}x{n}: {flops / t['median_s'] / 1e12:7.1f} TFLOP/s")
        del a, b
    try:
        from torch.nn.attention import SDPBackend, sdpa_kernel
        backends = [("default", None), ("flash", SDPBackend.FLASH_ATTENTION),
                    ("cudnn", SDPBackend.CUDNN_ATTENTION), ("efficient", SDPBackend.EFFICIENT_ATTENTION)]
    except ImportError:  # older torch
        backends, sdpa_kernel = [("default", None)], None
    for (bsz, h, s, hd) in sdpas:
        q, k, v = (torch.randn(bsz, h, s, hd, device=device, dtype=dtype) for _ in range(3))
        flops = 4.0 * bsz * h * s * s * hd
        for label, be in backends:
            key = f"sdpa B{bsz} H{h} S{s} hd{hd} {label}"
            try:
                if be is None:
                    fn = lambda: F.scaled_dot_product_attention(q, k, v)  # noqa: E731
                else:
                    def fn(be=be):
                        with sdpa_kernel(be):
                            return F.scaled_dot_product_attention(q, k, v)
                t = _stats(time_forward(fn, device, warmup=2, target_s=0.5, min_reps=3, max_reps=20))
                out[key] = dict(flops=flops, **t, tflops=flops / t["median_s"] / 1e12)
                log(f"  {key}: {flops / t['median_s'] / 1e12:7.1f} TFLOP/s")
            except Exception as e:  # a backend that does not take this shape
                out[key] = dict(error=f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
                log(f"  {key}: unavailable ({type(e).__name__})")
        del q, k, v
    return out


def make_inputs(model, case, device, dtype):
    """Random tokens [B, S, d], conditioning [B, d], text [B, T, d] (or None), rotary tables."""
    b, s, d, t = case["batch"], case["tokens"], case["hidden"], case["text_tokens"]
    with torch.inference_mode():
        gen = torch.Generator(device=device).manual_seed(0)
        x = torch.randn(b, s, d, device=device, dtype=dtype, generator=gen)
        c = torch.randn(b, d, device=device, dtype=dtype, generator=gen)
        text = torch.randn(b, t, d, device=device, dtype=dtype, generator=gen) if t else None
        cos, sin = model.rope_tables(s, device, dtype) if case["rope"] else (None, None)
    return x, c, text, cos, sin


def torch_counted_flops(case, device, dtype):
    """FLOPs that torch's own FlopCounterMode sees in a forward of a ONE-layer stack of this
    case's shape (matrix products and SDPA), and what count_flops says for it."""
    from torch.utils.flop_counter import FlopCounterMode
    one = dict(case, layers=1)
    model = Stack(device=device, dtype=dtype, **one)
    inputs = make_inputs(model, one, device, dtype)
    import contextlib
    backend = contextlib.nullcontext()
    if device.type == "cpu":  # FlopCounterMode has no formula for the CPU flash kernel; the math one decomposes
        from torch.nn.attention import SDPBackend, sdpa_kernel
        backend = sdpa_kernel(SDPBackend.MATH)
    with FlopCounterMode(display=False) as fc, torch.inference_mode(), backend:
        model(*inputs)
    return dict(torch_counted=float(fc.get_total_flops()), script=count_flops(**one))


def run_case(model, case, device, dtype, target_s=2.0):
    x, c, text, cos, sin = make_inputs(model, case, device, dtype)
    big = count_flops(**case) > 2e15  # seconds per forward: one warm-up, few repeats
    with torch.inference_mode():
        out = model(x, c, text, cos, sin)  # first warm-up; its output is checked
        ok = bool(torch.isfinite(out).all().item())
        del out
        times = time_forward(lambda: model(x, c, text, cos, sin), device,
                             warmup=0 if big else 1, target_s=target_s,
                             min_reps=3, max_reps=4 if big else 30)
    return times, ok


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="dit_forward.json")
    p.add_argument("--cases", help="JSON file: a list of cases, or {'models': {...}, 'cases': [...]}")
    p.add_argument("--only", help="comma-separated case names to run")
    p.add_argument("--smoke", action="store_true", help="tiny shapes on CPU in float32")
    p.add_argument("--device", choices=("cuda", "cpu"), default="cuda",
                   help="cpu: a dry run of the whole flow (bf16, no reference kernels), for testing")
    p.add_argument("--no-compile", action="store_true", help="skip the torch.compile extras")
    p.add_argument("--no-kernels", action="store_true", help="skip the GEMM/SDPA reference rates")
    p.add_argument("--budget-s", type=float, default=240.0,
                   help="wall seconds after which optional steps (compile) are skipped")
    p.add_argument("--target-s", type=float, default=2.0, help="seconds of timed repeats per case (about)")
    args = p.parse_args(argv)
    t_start = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - t_start:6.1f}s] {msg}", flush=True)

    if torch is None:
        sys.exit("dit_forward.py: torch is not installed")
    models, cases = dict(MODELS), list(CASES)
    if args.smoke:
        models, cases = dict(SMOKE_MODELS), list(SMOKE_CASES)
        device, dtype = torch.device("cpu"), torch.float32
    elif args.device == "cpu":
        device, dtype = torch.device("cpu"), torch.bfloat16
    else:
        if not torch.cuda.is_available():
            sys.exit("dit_forward.py: no CUDA device (use --smoke for the CPU check)")
        device, dtype = torch.device("cuda"), torch.bfloat16
    if args.cases:
        with open(args.cases) as fh:
            spec = json.load(fh)
        if isinstance(spec, dict):
            models.update(spec.get("models", {}))
            spec = spec["cases"]
        cases = spec
    if args.only:
        keep = set(args.only.split(","))
        cases = [c for c in cases if c["name"] in keep]
    cases = [resolve(c, models) for c in cases]

    gpu = torch.cuda.get_device_name(0) if device.type == "cuda" else platform.processor() or "cpu"
    peak = peak_bf16(gpu) if device.type == "cuda" else None
    env = dict(device=gpu, torch=torch.__version__, cuda=torch.version.cuda, python=platform.python_version(),
               dtype=str(dtype).replace("torch.", ""), peak_bf16_flops=peak,
               cudnn=torch.backends.cudnn.version() if device.type == "cuda" else None)
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(0)
        env.update(sm_count=props.multi_processor_count, memory_gib=round(props.total_memory / 2 ** 30, 1),
                   capability=f"{props.major}.{props.minor}")
    log(f"device {gpu}, torch {torch.__version__}, peak bf16 {peak}")
    result = dict(script="benchmarks/gpu/dit_forward.py", env=env, kernels={}, cases=[],
                  notes=["FLOPs = 2 x MACs of the matrix products of the stack (count_flops); "
                         "MFU = achieved FLOP/s / peak dense bf16 FLOP/s",
                         "times: CUDA events per forward, after warm-up, inference_mode"])

    def save():
        result["wall_s"] = time.perf_counter() - t_start
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out + ".tmp", "w") as fh:
            json.dump(result, fh, indent=1)
        os.replace(args.out + ".tmp", args.out)

    built_name, model = None, None
    for case in cases:
        if case["model"] != built_name:
            model = None
            if device.type == "cuda":
                torch.cuda.empty_cache()
            t0 = time.perf_counter()
            model = Stack(device=device, dtype=dtype, **case)
            _sync(device)
            built_name = case["model"]
            log(f"built {built_name}: {param_count(**case) / 1e9:.3f} B params in {time.perf_counter() - t0:.1f}s")
        try:  # torch's own count of a one-layer stack of this shape, against count_flops
            check = torch_counted_flops(case, device, dtype)
            check["ratio"] = check["torch_counted"] / check["script"]
        except Exception as e:  # the check is a cross-check only
            check = dict(error=f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
        if args.smoke and abs(check.get("ratio", 0.0) - 1.0) > 1e-9:
            sys.exit(f"smoke: FlopCounterMode and count_flops disagree for {case['name']}: {check}")
        if device.type == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        flops = count_flops(**case)
        macs = count_macs(**case)
        try:
            times, finite = run_case(model, case, device, dtype, target_s=args.target_s)
        except torch.cuda.OutOfMemoryError as e:  # record and go on
            log(f"{case['name']}: out of memory")
            result["cases"].append(dict(case, error=f"OutOfMemoryError: {str(e).splitlines()[0][:200]}"))
            save()
            continue
        st = _stats(times)
        achieved = flops / st["median_s"]
        row = dict(case, params=param_count(**case), flops=flops, flops_per_sample=flops / case["batch"],
                   flops_breakdown={k: 2 * v for k, v in macs.items()}, flop_check_1layer=check,
                   attention_share=2 * (macs["attention products"] + macs["cross-attention products"]) / flops,
                   **st, times_s=times, achieved_tflops=achieved / 1e12,
                   mfu=achieved / peak if peak else None, output_finite=finite,
                   peak_memory_gib=(torch.cuda.max_memory_allocated() / 2 ** 30 if device.type == "cuda" else None),
                   device=gpu, torch=torch.__version__)
        result["cases"].append(row)
        mfu = f"{100 * row['mfu']:.1f}%" if row["mfu"] else "-"
        log(f"{case['name']:<22} S={case['tokens']:>6} B={case['batch']:>3}  {1e3 * st['median_s']:9.2f} ms  "
            f"{row['achieved_tflops']:7.1f} TFLOP/s  MFU {mfu}  attn {100 * row['attention_share']:.0f}%  "
            f"finite={finite}")
        save()

    model = None
    if device.type == "cuda":
        torch.cuda.empty_cache()
    if device.type == "cuda" and not args.no_kernels:
        log("reference kernels")
        result["kernels"] = kernel_refs(device, dtype, log)
        save()

    if not args.smoke and not args.no_compile:
        names = set(COMPILE_CASES)
        for case in [c for c in cases if c["name"] in names]:
            if time.perf_counter() - t_start > args.budget_s:
                log(f"compile: skipped {case['name']} (budget {args.budget_s:.0f}s spent)")
                continue
            try:
                if device.type == "cuda":
                    torch.cuda.empty_cache()
                torch._dynamo.reset()
                model = Stack(device=device, dtype=dtype, **case)
                model.compile_blocks()
                inputs = make_inputs(model, case, device, dtype)
                t0 = time.perf_counter()
                with torch.inference_mode():
                    model(*inputs)
                    _sync(device)
                compile_s = time.perf_counter() - t0
                del inputs
                times, finite = run_case(model, case, device, dtype, target_s=args.target_s)
                st = _stats(times)
                row = next(r for r in result["cases"] if r["name"] == case["name"])
                achieved = row["flops"] / st["median_s"]
                row["compiled"] = dict(compile_s=compile_s, **st, achieved_tflops=achieved / 1e12,
                                       mfu=achieved / peak if peak else None, output_finite=finite)
                log(f"compiled {case['name']:<22} {1e3 * st['median_s']:9.2f} ms  {achieved / 1e12:7.1f} TFLOP/s "
                    f"(compile {compile_s:.0f}s)")
            except Exception as e:  # compile is optional
                log(f"compile: {case['name']} failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}")
                result.setdefault("compile_errors", {})[case["name"]] = f"{type(e).__name__}: {str(e)[:300]}"
            model = None
            save()

    save()
    log(f"done; wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
