"""``sorabook predict``: compute, time and energy of one video from a video diffusion transformer's
architecture (a preset, or flags). Every option that is an assumption of the book is read as its
registry parameter (the same validation, ranges, units and suggestions as ``--set``)."""

from __future__ import annotations

import argparse
import json
import math

from sorabook.cli.common import Parser, UsageError, registry_value, table, terminal_width, whole

__all__ = ["add", "run"]


#: The largest width, depth or token count an architecture flag accepts (far beyond any model; it
#: keeps every count finite in a float).
_ARCH_MAX = 10**9

#: The largest patch or autoencoder compression per axis.
_TRIPLE_MAX = 4096


def _positive(text: str) -> float:
    """An argparse type: a finite number > 0, read by the one number reader."""
    from sorabook.params.literals import digits_text, quote, read_number

    x = read_number(text)
    if x is None:
        raise argparse.ArgumentTypeError(f"got {quote(text)}; expected a finite number > 0")
    if not (0 < x < math.inf) or x > 1e12:
        raise argparse.ArgumentTypeError(f"got {digits_text(text)}, out of range; expected a finite number > 0 "
                                         "and <= 1e12")
    return float(x)


def _triple(text: str) -> tuple[int, int, int]:
    """An argparse type: three whole numbers from 1 to 4096 as ``T,H,W`` (or ``TxHxW``)."""
    from sorabook.params.literals import quote, read_number

    parts = [read_number(q) for q in text.replace("x", ",").split(",")]
    if len(parts) != 3 or not all(isinstance(q, int) and 1 <= q <= _TRIPLE_MAX for q in parts):
        raise argparse.ArgumentTypeError(f"got {quote(text)}; expected three whole numbers from 1 to {_TRIPLE_MAX} "
                                         "as T,H,W (e.g. 4,8,8)")
    return tuple(parts)  # type: ignore[return-value]


#: Architecture flags: (flag, VideoDiT field, type, help). They define a model, not an assumption.
_ARCH_FLAGS = (
    ("--layers", "layers", whole(1, _ARCH_MAX), "transformer blocks"),
    ("--hidden", "hidden", whole(1, _ARCH_MAX), "model width d"),
    ("--heads", "heads", whole(1, _ARCH_MAX), "attention heads"),
    ("--head-dim", "head_dim", whole(1, _ARCH_MAX), "width per head (default hidden / heads)"),
    ("--mlp-hidden", "mlp_hidden", whole(1, _ARCH_MAX), "MLP hidden width (default mlp-ratio x hidden)"),
    ("--mlp-ratio", "mlp_ratio", _positive, "MLP hidden width over d (default 4)"),
    ("--patch", "patch", _triple, "patch T,H,W in latent positions (default 1,2,2)"),
    ("--vae-compression", "vae", _triple, "autoencoder compression T,H,W (default 4,8,8)"),
    ("--latent-channels", "latent_channels", whole(1, _ARCH_MAX), "latent channels (default 16)"),
    ("--text-tokens", "text_tokens", whole(1, _ARCH_MAX), "text tokens (with --text-mode joint or cross)"),
    ("--text-dim", "text_dim", whole(1, _ARCH_MAX), "width of the text features projected to d"),
)

#: Video and hardware flags: (flag, destination, registry parameter, metavar, help).
_PARAM_FLAGS = (
    ("--width", "width", "frame_width", "W", "frame width in pixels"),
    ("--height", "height", "frame_height", "H", "frame height in pixels"),
    ("--frames", "frames", "clip_frames", "F", "frames of the clip"),
    ("--fps", "fps", "fps", "X", "frames per second (for per-minute figures)"),
    ("--steps", "steps", "diffusion_steps", "S", "denoising steps"),
    ("--cfg-passes", "cfg_passes", "cfg_passes", "N", "forward passes per step (2 with guidance)"),
    ("--gpu", "gpu", "gpu", "GPU", "accelerator (default H100-SXM)"),
    ("--gpus", "gpus", "gpus_per_video", "N", "GPUs per video, ideal scaling (default 1)"),
    ("--mfu", "mfu", "inference_utilization", "X", "model-FLOPs utilisation in (0, 1] (default: the one fitted "
                                                    "to measured end-to-end runs, chapter 6)"),
    ("--precision", "precision", "precision", "FMT", "number format of the dense peak (default bf16)"),
)


class _HelpWithPresets(Parser):
    """The predict parser: its ``--help`` ends with the presets (loaded only when help is asked for)."""

    def format_help(self) -> str:
        """The help text, ending with one line per preset: its name (whole, never broken at a
        hyphen), the model and its default video, wrapped to the terminal."""
        import textwrap

        from sorabook.model import presets

        names = max(len(n) for n in presets.PRESETS)
        width = max(terminal_width() - 2, names + 24)
        lines = ["presets (--model NAME):"]
        for name, p in presets.PRESETS.items():
            video = f"{p.width} x {p.height}" + (f", {p.frames} frames" if p.frames > 1 else " image")
            lines += textwrap.wrap(f"{p.model.name} ({video}, {p.steps} steps)", width,
                                   initial_indent=f"  {name.ljust(names)}  ",
                                   subsequent_indent=" " * (names + 4), break_on_hyphens=False)
        return super().format_help() + "\n" + "\n".join(lines) + "\n"


def add(sub) -> None:
    """The ``predict`` subcommand's options; ``--help`` lists the presets."""
    p = sub.add_parser("predict", help="predict compute, time and energy of one generated video",
                       description="Predict the transformer compute, GPU time and energy of generating one "
                                   "video with a diffusion transformer (a preset or an architecture given by flags).")
    p.__class__ = _HelpWithPresets  # argparse makes every subparser of one class; this one adds the list
    p.add_argument("--model", metavar="NAME", help="a preset (listed below); flags below override it")
    arch = p.add_argument_group("architecture", "without --model, --layers, --hidden and --heads are required")
    for flag, dest, kind, text in _ARCH_FLAGS:
        arch.add_argument(flag, dest=f"arch_{dest}", type=kind, metavar="N" if dest not in ("patch", "vae")
                          else "T,H,W", help=text)
    arch.add_argument("--gated", dest="arch_gated", action="store_true", default=None, help="gated (SwiGLU) MLP")
    arch.add_argument("--causal", dest="arch_causal", action=argparse.BooleanOptionalAction, default=None,
                      help="causal autoencoder: F frames -> 1 + (F-1)/T latent frames (default with T > 1)")
    arch.add_argument("--text-mode", dest="arch_text_mode", choices=("none", "joint", "cross"),
                      help="how the text enters: joint attention or cross-attention (default none)")
    vid = p.add_argument_group("video, sampling and hardware",
                               "read as the registry parameters named in brackets; `sorabook params` lists them")
    for flag, dest, name, metavar, text in _PARAM_FLAGS:
        vid.add_argument(flag, dest=dest, type=registry_value(name, flag), metavar=metavar,
                         help=f"{text} [{name}]")
    p.add_argument("--format", choices=("table", "json"), default="table")


def _inputs(args):
    """The preset, the model and the video from the arguments (UsageError if incomplete)."""
    from sorabook.model import presets, transformer
    from sorabook.params.literals import quote

    changes = {k[5:]: v for k, v in vars(args).items() if k.startswith("arch_") and v is not None}
    if args.model is not None:
        try:
            preset = presets.get_preset(args.model)
        except KeyError as err:  # the name is shown quoted, one line, shortened
            raise UsageError("predict: " + err.args[0].replace(repr(args.model), quote(args.model), 1)) from None
        model = preset.model
        if changes:
            model = model.with_(name=model.name + " (modified)", **changes)
    else:
        preset = None
        missing = [f for f in ("--layers", "--hidden", "--heads") if changes.get(f[2:]) is None]
        missing += [f"--{f}" for f in ("width", "height", "frames", "steps") if getattr(args, f) is None]
        if missing:
            raise UsageError(f"predict: without --model, give {', '.join(missing)}")
        base = dict(name="custom", patch=(1, 2, 2), vae=(4, 8, 8), latent_channels=16, out_factor=1)
        base.update(changes)
        if "causal" not in changes:
            base["causal"] = base["vae"][0] > 1
        if base.get("text_tokens") and "text_mode" not in changes:
            raise UsageError("predict: --text-tokens needs --text-mode joint or cross")
        model = transformer.VideoDiT(**base)
    video = {k: getattr(args, k) if getattr(args, k) is not None else getattr(preset, k, None)
             for k in ("width", "height", "frames", "steps", "cfg_passes", "fps")}
    if video["cfg_passes"] is None:
        video["cfg_passes"] = 1
    return preset, model, video


def _check_finite(r: dict) -> None:
    """Refuse (exit 2, one line) a prediction whose numbers are not finite and non-negative."""
    for key, value in r.items():
        if isinstance(value, float) and not (math.isfinite(value) and value >= 0):
            raise UsageError(f"predict: {key.replace('_', ' ')} came out as {value!r} for these inputs; expected a "
                             "finite number >= 0 (a utilisation or size at the edge of its range?)")


def _counted_as(model, r: dict) -> str | None:
    """The clip as the model takes it, when the given one is padded (sides to the autoencoder x patch
    multiple) or its frames are not the ones the model's frame rule counts, else None."""
    from sorabook.model import latent

    w = latent.valid_side(r["width"], model.vae[2] * model.patch[2])
    h = latent.valid_side(r["height"], model.vae[1] * model.patch[1])
    f = latent.valid_frames(r["frames"], model.vae[0], model.causal, model.patch[0], model.frame_rule)
    if (w, h, f) == (r["width"], r["height"], r["frames"]):
        return None
    return f"{w} x {h}, {f} frames"


def run(args) -> int:
    """Predict one video and print the table or JSON."""
    from sorabook.model import predict, transformer

    try:
        preset, model, v = _inputs(args)
        r = predict.predict(model, v["width"], v["height"], v["frames"], v["steps"], v["cfg_passes"],
                            args.gpu or "H100-SXM", args.gpus or 1, args.mfu, args.precision or "bf16", v["fps"])
    except (transformer.ShapeError, ValueError) as err:
        raise UsageError(f"predict: {err}") from None
    except OverflowError:
        raise UsageError("predict: the counts overflow a float for these inputs; expected smaller sizes") from None
    _check_finite(r)
    r["counted_as"] = _counted_as(model, r)
    mfu, mfu_note = r["mfu"], ("fitted to measured end-to-end runs for this GPU and attention share, chapter 6"
                               if args.mfu is None else "given")
    flags = sorted(k[5:] for k, x in vars(args).items() if k.startswith("arch_") and x is not None)
    assumptions = list(preset.assumptions) if preset else []
    if preset and model is not preset.model:
        assumptions.insert(0, f"preset {preset.name} modified by flags: {', '.join(flags)}")
    if preset is None:
        assumptions.append("custom architecture: DiT conventions (qkv bias, per-block adaLN 6d, GELU MLP) where "
                           "no flag says otherwise")
    assumptions += [f"denoising at utilisation {mfu:.3g} of the dense {r['precision']} peak ({mfu_note})",
                    "end to end: text encoder and decoder as the time model fitted on measured runs "
                    f"({r['seconds_text_and_decoder']:.3g} s; the decoder shared by the GPUs); {r['gpus']} GPU(s) share the denoising "
                    f"at an efficiency of {r['scaling_efficiency']:.3g} (fitted on multi-GPU runs); "
                    "energy = board power x GPUs x time (an upper bound)"]
    r["preset"] = preset.name if preset else None
    r["sources"] = list(preset.sources) if preset else []
    r["citation"] = preset.citation if preset else None
    r["assumptions"] = assumptions
    if args.format == "json":
        print(json.dumps(r, indent=2, allow_nan=False))
        return 0
    print(_table(r))
    return 0


def _table(r: dict) -> str:
    """A prediction as the plain-text table with its assumptions and sources."""
    from sorabook.results.specs import format_value as fv

    def g(x, fmt=".4g"):
        """A number for the table (``n/a`` when absent)."""
        return "n/a" if x is None else fv(float(x), fmt)

    length = f" ({g(r['video_seconds'], '.3g')} s of video)" if r["video_seconds"] else ""
    text = f" + {r['text_tokens']:,.0f} text" if r["text_tokens"] else ""
    rows = [
        ("quantity", "value"),
        ("model", r["model"] + (f" (preset {r['preset']})" if r["preset"] else "")),
        ("parameters", g(r["params"], ".4g")),
        ("video", f"{r['width']} x {r['height']}, {r['frames']} frames{length}"
                  + (f" (counted as {r['counted_as']}, as the model's pipeline takes it)" if r["counted_as"] else "")),
        ("latent frames", g(r["latent_frames"], ",.0f")),
        ("tokens", f"{r['tokens']:,.0f} video{text} (attention sequence {r['sequence']:,.0f})"),
        ("MACs per pass", g(r["macs_per_pass"])),
        ("FLOPs per pass", g(r["flops_per_pass"]) + " (2 per multiply-accumulate)"),
        ("FLOPs per step", g(r["flops_per_step"]) + f" ({r['cfg_passes']} pass{'es' if r['cfg_passes'] > 1 else ''})"),
        ("FLOPs per video", g(r["flops_per_video"]) + f" ({r['steps']} steps)"),
        ("attention share", f"{r['attention_share']:.1%} of the compute in QK^T and AV"),
        ("hardware", f"{r['gpus']} x {r['gpu']}, {r['precision']} peak {g(r['peak_flops_per_s'])} FLOP/s, "
                     f"utilisation {r['mfu']:g}"),
        ("seconds per video", g(r["seconds_per_video"], ",.1f")),
        ("GPU-hours per video", g(r["gpu_hours_per_video"])),
        ("energy per video (Wh)", g(r["energy_wh_per_video"])),
        ("GPU-hours per minute of video", g(r["gpu_hours_per_minute_of_video"])),
        ("energy per minute of video (Wh)", g(r["energy_wh_per_minute_of_video"])),
        ("minutes of video per GPU-hour", g(r["minutes_of_video_per_gpu_hour"])),
    ]
    lines = [table(rows), "", "assumptions:"] + [f"  - {a}" for a in r["assumptions"]]
    if r["sources"]:
        lines += ["sources:"] + [f"  - {s}" for s in r["sources"]]
    return "\n".join(lines)
