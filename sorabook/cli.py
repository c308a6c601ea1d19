"""The command line: ``sorabook build | results | params | scenarios | predict``.

It only parses arguments and calls :mod:`sorabook.params`, :mod:`sorabook.report`
and :mod:`sorabook.book`. Bad input prints one line to stderr and exits 2,
before anything is written; a failed build exits 1 and leaves the previous site.
Heavy modules are imported only by the commands that need them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


class UsageError(Exception):
    """Bad input on the command line (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _add_param_args(p: argparse.ArgumentParser, with_params: bool = True) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--scenario", metavar="NAME", help="a shipped scenario (default: article)")
    if with_params:
        group.add_argument("--params", metavar="FILE", help="a YAML file of parameter: value lines")
        p.add_argument("--set", metavar="NAME=VALUE", action="append", default=[], dest="sets",
                       help="override one parameter (repeatable)")


def _parser() -> argparse.ArgumentParser:
    top = _Parser(prog="sorabook", description="Re-derive the compute economics of video generation.")
    from sorabook import __version__

    top.add_argument("--version", action="version", version=f"sorabook {__version__}")
    sub = top.add_subparsers(dest="command", required=True, parser_class=_Parser)

    b = sub.add_parser("build", help="execute the chapters and build the site")
    _add_param_args(b)
    b.add_argument("--out", metavar="DIR", default="_build/html", help="site folder (default: _build/html)")
    b.add_argument("--jobs", metavar="N", type=_jobs, default=min(4, os.cpu_count() or 1),
                   help="chapters executed in parallel (default: CPUs, at most 4)")
    b.add_argument("--force", action="store_true", help="execute every chapter, ignoring the cache")

    r = sub.add_parser("results", help="print the headline results, computed without notebooks")
    _add_param_args(r)
    r.add_argument("--format", choices=("table", "json", "csv"), default="table")
    r.add_argument("--uncertainty", action="store_true",
                   help="print 5/50/95 percentiles of the headline results (Monte Carlo, chapter 8)")
    r.add_argument("--draws", metavar="N", help="Monte Carlo draws (with --uncertainty; default: the parameter)")
    r.add_argument("--seed", metavar="S", help="Monte Carlo seed (with --uncertainty; default: the parameter)")

    q = sub.add_parser("params", help="list every parameter with value, unit, range and source")
    _add_param_args(q, with_params=False)
    q.add_argument("--format", choices=("table", "json"), default="table")

    sub.add_parser("scenarios", help="list the shipped scenarios")
    _add_predict(sub)
    return top


# --- sorabook predict ------------------------------------------------------------------------

def _whole(low: int):
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"got {text!r}; expected a whole number >= {low}") from None
        if n < low:
            raise argparse.ArgumentTypeError(f"got {n}; expected a whole number >= {low}")
        return n
    return parse


def _real(expected: str, low: float = 0.0, high: float = float("inf")) -> Callable[[str], float]:
    """An argparse type: a finite number in ``(low, high]``; ``expected`` words the range."""
    def parse(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"got {text!r}; expected {expected}") from None
        if not (low < x <= high and x != float("inf")):
            raise argparse.ArgumentTypeError(f"got {text}; expected {expected}")
        return x

    return parse


_positive = _real("a finite number > 0")
_share = _real("a share of peak in (0, 1]", high=1.0)


def _triple(text: str) -> tuple[int, int, int]:
    parts = text.replace("x", ",").split(",")
    try:
        out = tuple(int(q) for q in parts)
    except ValueError:
        out = ()
    if len(out) != 3 or min(out) < 1:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected three whole numbers >= 1 as T,H,W (e.g. 4,8,8)")
    return out  # type: ignore[return-value]


#: Architecture flags of ``sorabook predict``: (flag, VideoDiT field, type, help).
_ARCH_FLAGS = (
    ("--layers", "layers", _whole(1), "transformer blocks"),
    ("--hidden", "hidden", _whole(1), "model width d"),
    ("--heads", "heads", _whole(1), "attention heads"),
    ("--head-dim", "head_dim", _whole(1), "width per head (default hidden / heads)"),
    ("--mlp-hidden", "mlp_hidden", _whole(1), "MLP hidden width (default mlp-ratio x hidden)"),
    ("--mlp-ratio", "mlp_ratio", _positive, "MLP hidden width over d (default 4)"),
    ("--patch", "patch", _triple, "patch T,H,W in latent positions (default 1,2,2)"),
    ("--vae-compression", "vae", _triple, "autoencoder compression T,H,W (default 4,8,8)"),
    ("--latent-channels", "latent_channels", _whole(1), "latent channels (default 16)"),
    ("--text-tokens", "text_tokens", _whole(1), "text tokens (with --text-mode joint or cross)"),
    ("--text-dim", "text_dim", _whole(1), "width of the text features projected to d"),
)


def _add_predict(sub) -> None:
    from sorabook.hardware import GPUS, PRECISIONS

    p = sub.add_parser("predict", help="predict compute, time and energy of one generated video",
                       description="Predict the transformer compute, GPU time and energy of generating one "
                                   "video with a diffusion transformer (a preset or an architecture given by flags).")
    p.add_argument("--model", metavar="NAME", help="a preset (see sorabook/predict.py); flags below override it")
    arch = p.add_argument_group("architecture (without --model: --layers, --hidden and --heads are required)")
    for flag, dest, kind, text in _ARCH_FLAGS:
        arch.add_argument(flag, dest=f"arch_{dest}", type=kind, metavar="N" if dest not in ("patch", "vae")
                          else "T,H,W", help=text)
    arch.add_argument("--gated", dest="arch_gated", action="store_true", default=None, help="gated (SwiGLU) MLP")
    arch.add_argument("--causal", dest="arch_causal", action=argparse.BooleanOptionalAction, default=None,
                      help="causal autoencoder: F frames -> 1 + (F-1)/T latent frames (default with T > 1)")
    arch.add_argument("--text-mode", dest="arch_text_mode", choices=("none", "joint", "cross"),
                      help="how the text enters: joint attention or cross-attention (default none)")
    vid = p.add_argument_group("video and sampling (defaults: the preset's video)")
    vid.add_argument("--width", type=_whole(1), metavar="W", help="frame width in pixels")
    vid.add_argument("--height", type=_whole(1), metavar="H", help="frame height in pixels")
    vid.add_argument("--frames", type=_whole(1), metavar="F", help="frames of the clip")
    vid.add_argument("--fps", type=_positive, metavar="X", help="frames per second (for per-minute figures)")
    vid.add_argument("--steps", type=_whole(1), metavar="S", help="denoising steps")
    vid.add_argument("--cfg-passes", type=_whole(1), metavar="N", help="forward passes per step (2 with guidance)")
    hw = p.add_argument_group("hardware")
    hw.add_argument("--gpu", default="H100-SXM", metavar="GPU",
                    help=f"one of {', '.join(GPUS)} (default H100-SXM)")
    hw.add_argument("--gpus", type=_whole(1), default=1, metavar="N", help="GPUs per video, ideal scaling (default 1)")
    hw.add_argument("--mfu", type=_share, default=None, metavar="X",
                    help="model-FLOPs utilisation in (0, 1] (default 0.456, measured by Delavande et al. 2025 "
                         "for video DiTs on H100; 1 = dense peak)")
    hw.add_argument("--precision", choices=PRECISIONS, default="bf16", help="number format (dense peak)")
    p.add_argument("--format", choices=("table", "json"), default="table")


def _predict_inputs(args):
    """The model, the video and its provenance from the predict arguments (UsageError if incomplete)."""
    from sorabook import predict, transformer

    changes = {k[5:]: v for k, v in vars(args).items() if k.startswith("arch_") and v is not None}
    if args.model is not None:
        try:
            preset = predict.get_preset(args.model)
        except KeyError as err:
            raise UsageError(f"predict: {err.args[0]}") from None
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


def cmd_predict(args) -> int:
    from sorabook import hardware, predict, transformer

    if args.gpu not in hardware.GPUS:
        import difflib

        near = difflib.get_close_matches(args.gpu, list(hardware.GPUS), n=1, cutoff=0.4)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        raise UsageError(f"predict: unknown gpu {args.gpu!r}{hint}; expected one of {', '.join(hardware.GPUS)}")
    try:
        preset, model, v = _predict_inputs(args)
        mfu = args.mfu if args.mfu is not None else predict.DEFAULT_MFU
        r = predict.predict(model, v["width"], v["height"], v["frames"], v["steps"], v["cfg_passes"], args.gpu,
                            args.gpus, mfu, args.precision, v["fps"])
    except (transformer.ShapeError, ValueError) as err:
        raise UsageError(f"predict: {err}") from None
    mfu_note = ("default: Delavande et al. 2025, measured on H100" if args.mfu is None else "given")
    assumptions = list(preset.assumptions) if preset and model is preset.model else []
    if preset and model is not preset.model:
        assumptions = [f"preset {preset.name} modified by flags: {', '.join(sorted(k[5:] for k, x in vars(args).items() if k.startswith('arch_') and x is not None))}"] + list(preset.assumptions)
    if preset is None:
        assumptions.append("custom architecture: DiT conventions (qkv bias, per-block adaLN 6d, GELU MLP) where "
                           "no flag says otherwise")
    assumptions += [f"utilisation {mfu:g} of the dense {args.precision} peak ({mfu_note})",
                    "only the transformer is counted (not the autoencoder or text encoder); time = FLOPs / "
                    "(GPUs x peak x utilisation); energy = board power x GPUs x time"]
    r["preset"] = preset.name if preset else None
    r["sources"] = list(preset.sources) if preset else []
    r["citation"] = preset.citation if preset else None
    r["assumptions"] = assumptions
    if args.format == "json":
        print(json.dumps(r, indent=2))
        return 0
    print(_predict_table(r))
    return 0


def _predict_table(r: dict) -> str:
    from sorabook.results import format_value as fv

    def g(x, fmt=".4g"):
        return "n/a" if x is None else fv(float(x), fmt)

    length = f" ({g(r['video_seconds'], '.3g')} s of video)" if r["video_seconds"] else ""
    text = f" + {r['text_tokens']:,.0f} text" if r["text_tokens"] else ""
    rows = [
        ("quantity", "value"),
        ("model", r["model"] + (f" (preset {r['preset']})" if r["preset"] else "")),
        ("parameters", g(r["params"], ".4g")),
        ("video", f"{r['width']} x {r['height']}, {r['frames']} frames{length}"),
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
    out = _table(rows)
    lines = [out, "", "assumptions:"] + [f"  - {a}" for a in r["assumptions"]]
    if r["sources"]:
        lines += ["sources:"] + [f"  - {s}" for s in r["sources"]]
    return "\n".join(lines)


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected a whole number from 1 to 64") from None
    if not 1 <= n <= 64:
        raise argparse.ArgumentTypeError(f"got {n}; expected a whole number from 1 to 64")
    return n


def _resolve(args):
    from sorabook.params import resolve

    return resolve(args.scenario, getattr(args, "params", None), getattr(args, "sets", ()))


def _check_out(text: str) -> Path:
    """The site folder, refused unless it is new, empty, or an earlier site (it gets replaced)."""
    if not text.strip():
        raise UsageError("--out '': expected a folder for the site")
    out = Path(text).expanduser()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {text}: is a file; expected a folder (it is replaced by the site)")
    resolved = out.resolve()
    if resolved == Path.cwd().resolve() or resolved in Path.cwd().resolve().parents or resolved == Path("/"):
        raise UsageError(f"--out {text}: is the current folder or above it; expected a folder for the site")
    if out.is_dir() and any(out.iterdir()) and not (out / "build.json").is_file():
        raise UsageError(f"--out {text}: holds files but no sorabook site (build.json); expected a new or "
                         "empty folder, or an earlier site, since the site replaces it")
    parent = out.resolve().parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not _writable(probe):
        raise UsageError(f"--out {text}: cannot write in {probe}; expected a folder you can write to")
    if out.is_dir() and not _writable(out):
        raise UsageError(f"--out {text}: the folder is not writable; expected a folder you can write to")
    return out


def _writable(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (tried, then removed: root passes os.access)."""
    import tempfile

    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".sorabook-probe-"):
            return True
    except OSError:
        return False


def _table(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def results_table(doc: dict) -> str:
    """The headline results of a results document, as a plain-text table."""
    from sorabook.report import RESULTS
    from sorabook.results import format_value

    rows = [("result", "value", "unit")]
    for key, r in doc["results"].items():
        rows.append((key, format_value(r["value"], RESULTS[key].fmt), r["unit"]))
    head = f"scenario {doc['scenario']}, parameters sha256 {doc['parameters_sha256'][:12]}"
    return head + "\n" + _table(rows, right=(1,))


def cmd_results(args) -> int:
    from sorabook import resultcache
    from sorabook.report import compute
    from sorabook.results import results_csv, results_document

    if args.uncertainty:
        return cmd_uncertainty(args)
    if args.draws is not None or args.seed is not None:
        raise UsageError("sorabook results: --draws and --seed go with --uncertainty (see --help)")
    params, scenario = _resolve(args)
    doc = results_document(params, scenario, resultcache.computed(params, compute), site=False)
    if args.format == "json":
        print(json.dumps(doc, indent=2))
    elif args.format == "csv":
        sys.stdout.write(results_csv(doc))
    else:
        print(results_table(doc))
    return 0


def _number(text: str):
    """A command-line number as int or float when it reads as one (else the text, refused by the check)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def cmd_uncertainty(args) -> int:
    """``sorabook results --uncertainty``: percentiles of the headline results (sorabook.uncertainty)."""
    from sorabook import uncertainty
    from sorabook.params import distributions as scenario_distributions
    from sorabook.params import validate

    params, scenario = _resolve(args)
    changes = {k: _number(v) for k, v in (("draws", args.draws), ("seed", args.seed)) if v is not None}
    params = params.replace(**validate(changes, "--" + next(iter(changes)) if len(changes) == 1 else "the command line"))
    distributions = scenario_distributions(params)
    sims = uncertainty.simulate(params, distributions)
    points = uncertainty.point(params)
    rows = {}
    for o in uncertainty.OUTPUTS:
        q = uncertainty.percentiles(sims[o.key])
        rows[o.key] = {"unit": o.unit, **{f"p{k:02d}": v for k, v in q.items()}, "point": points[o.key]}
    doc = {"scenario": scenario.name, "parameters_sha256": params.sha256, "draws": params.draws,
           "seed": params.seed, "uncertain": {n: d.text() for n, d in distributions.items() if d.kind != "fixed"},
           "percentiles": rows}
    if args.format == "json":
        print(json.dumps(doc, indent=2))
    elif args.format == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["output", "unit", "p05", "p50", "p95", "point"])
        for key, r in rows.items():
            w.writerow([key, r["unit"], repr(r["p05"]), repr(r["p50"]), repr(r["p95"]), repr(r["point"])])
        sys.stdout.write(buf.getvalue())
    else:
        from sorabook.results import format_value

        table = [("output", "p05", "p50", "p95", "point", "unit")]
        for key, r in rows.items():
            table.append((key, *(format_value(r[c], ".3g") for c in ("p05", "p50", "p95", "point")), r["unit"]))
        print(f"scenario {scenario.name}, {params.draws:,} draws, seed {params.seed} "
              f"(point: every parameter at its value)")
        print(_table(table, right=(1, 2, 3, 4)))
    return 0


def cmd_params(args) -> int:
    from sorabook.params import REGISTRY, resolve

    params, scenario = resolve(args.scenario)
    if args.format == "json":
        print(json.dumps({
            "scenario": scenario.name,
            "parameters": {
                name: {"value": params[name], "default": p.default, "unit": p.unit, "range": p.range_text(),
                       "description": p.description, "source": p.source}
                for name, p in REGISTRY.items()
            },
        }, indent=2))
        return 0
    rows = [("parameter", "value", "unit", "allowed", "description")]
    for name, p in REGISTRY.items():
        mark = " *" if params[name] != p.default else ""
        rows.append((name, f"{params[name]}{mark}", p.unit, p.range_text(), p.description))
    print(f"scenario {scenario.name} (* differs from the article)")
    print(_table(rows))
    return 0


def cmd_scenarios(args) -> int:
    from sorabook.params import load_scenario, scenario_names

    rows = [("scenario", "changes", "description")]
    for name in scenario_names():
        s = load_scenario(name)
        rows.append((name, str(len(s.overrides)), s.description))
    print(_table(rows))
    return 0


def cmd_build(args) -> int:
    params, scenario = _resolve(args)
    out = _check_out(args.out)

    from sorabook.book import publish

    from sorabook.report import CHAPTERS

    bar = _Progress(len(CHAPTERS))
    try:
        result = publish.build(params, scenario, out, jobs=args.jobs, force=args.force, progress=bar.update)
    finally:
        bar.close()
    executed = result.executed
    if result.up_to_date:
        print(f"site: {result.out}/index.html is up to date (nothing changed since it was built)")
    else:
        print(f"site: {result.out}/index.html  (results.json and results.csv beside it)")
    print(f"chapters executed: {len(executed)} of {len(result.runs)}"
          + (f" ({', '.join(executed)})" if executed else " (all from the cache)")
          + f"; {result.seconds['total']:.1f} s")
    print(results_table(result.results))
    return 0


class _Progress:
    """One progress bar over chapters on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, total: int):
        self.total, self.done = total, 0
        self.tty = sys.stderr.isatty()
        self.bar = None
        if self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="chapters", unit="ch", file=sys.stderr, leave=False)

    def update(self, run) -> None:
        self.done += 1
        how = "cached" if run.cached else f"executed in {run.seconds:.1f} s"
        if self.bar is not None:
            self.bar.set_postfix_str(f"{run.stem} {how}")
            self.bar.update(1)
        else:
            print(f"[{self.done}/{self.total}] {run.stem}: {how}", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


COMMANDS = {"build": cmd_build, "results": cmd_results, "params": cmd_params, "scenarios": cmd_scenarios,
            "predict": cmd_predict}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as err:
        text = str(err)
        print(text if text.startswith("sorabook") else f"sorabook: {text}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as err:
        from sorabook.params import ParamError

        if isinstance(err, ParamError):
            print(f"sorabook: {err}", file=sys.stderr)
            return EXIT_BAD_INPUT
        from sorabook.book.publish import BuildError

        if isinstance(err, BuildError):
            print(f"sorabook: build failed: {err}", file=sys.stderr)
            print("sorabook: the previous site, if any, is unchanged", file=sys.stderr)
            return EXIT_FAILED
        raise
    except KeyboardInterrupt:
        print("sorabook: interrupted; the previous site, if any, is unchanged", file=sys.stderr)
        return 130
