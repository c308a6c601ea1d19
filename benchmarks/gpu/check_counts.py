"""Does dit_forward.py count the FLOPs that sorabook counts? (no torch or GPU needed)

For every built-in case of ``dit_forward.py``, compares per sample:

- the token count with ``sorabook.transformer.tokens`` of the preset's video;
- the script's ``count_flops`` (the stack it builds: blocks and adaLN modulation) with
  ``sorabook.transformer.forward_flops`` (the whole model: also patch embedding, text
  projection, timestep embedder and final layer), and with the part of sorabook's breakdown
  that the script builds (which must agree exactly);
- the script's parameters with ``sorabook.transformer.param_count``.

Run with the project's environment (torch is not needed)::

    .venv/bin/python benchmarks/gpu/check_counts.py [--json out.json]

Exit status 1 if a token count differs, the like-for-like FLOPs differ, or the whole-model
FLOPs differ by more than 2%.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))  # the repo root, for sorabook

import dit_forward as D  # noqa: E402  (imports without torch)
from sorabook.model import transformer as T  # noqa: E402
from sorabook.model.presets import get_preset  # noqa: E402

#: The sorabook model and video behind each of the script's model shapes. The sweep block
#: has no preset: a VideoDiT with 1x1x1 patches and autoencoder, so that tokens = W x H x F.
SWEEP_MODEL = T.VideoDiT(name="sweep d3072", layers=4, hidden=3072, heads=24, patch=(1, 1, 1),
                         vae=(1, 1, 1), latent_channels=1)


def sorabook_model(case):
    if case["model"] == "sweep-d3072":
        return SWEEP_MODEL, (case["tokens"] // 256, 256, 1)
    preset = get_preset(case["model"])
    video = case["video"].split()[0].split("x")
    w, h = int(video[0]), int(video[1])
    f = int(video[2]) if len(video) > 2 else 1
    return preset.model, (w, h, f)


def like_for_like(model, parts):
    """The terms of sorabook's breakdown that the script's stack runs (MACs)."""
    macs = (parts["attention projections"] + parts["attention products"] + parts["cross-attention projections"]
            + parts["cross-attention products"] + parts["MLP"] + parts["modulation"])
    if model.modulation == "shared":  # the shared Linear(d, 6d), inside sorabook's timestep embedder
        macs += model.modulation_outputs * model.mod_dim * model.hidden
    return float(macs)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", help="write the rows here as JSON")
    args = p.parse_args(argv)
    rows, bad = [], []
    for raw in D.CASES:
        case = D.resolve(raw, D.MODELS)
        model, (w, h, f) = sorabook_model(case)
        tk = T.tokens(model, w, h, f)
        one = dict(case, batch=1)
        script = D.count_flops(**one)
        whole = float(T.forward_flops(model, w, h, f))
        parts = T.forward_macs_breakdown(model, w, h, f)
        same = 2.0 * like_for_like(model, parts)
        row = dict(name=case["name"], sorabook_model=model.name, video=f"{w}x{h}x{f}",
                   tokens_script=case["tokens"], tokens_sorabook=int(tk["sequence"]),
                   text_tokens_script=case["text_tokens"], text_tokens_sorabook=int(tk["text_tokens"]),
                   flops_script=script, flops_sorabook=whole, ratio_whole=script / whole,
                   flops_sorabook_same_parts=same, ratio_same_parts=script / same,
                   params_script=D.param_count(**case), params_sorabook=int(T.param_count(model)))
        rows.append(row)
        if row["tokens_script"] != row["tokens_sorabook"] or row["text_tokens_script"] != row["text_tokens_sorabook"]:
            bad.append(f"{case['name']}: tokens {row['tokens_script']} vs sorabook {row['tokens_sorabook']}")
        if abs(row["ratio_same_parts"] - 1) > 1e-12:
            bad.append(f"{case['name']}: like-for-like FLOPs ratio {row['ratio_same_parts']}")
        if abs(row["ratio_whole"] - 1) > 0.02:
            bad.append(f"{case['name']}: whole-model FLOPs ratio {row['ratio_whole']:.4f}")

    print(f"{'case':<22} {'sorabook model':<18} {'video':<12} {'tokens':>7} {'script TFLOP':>13} "
          f"{'sorabook TFLOP':>15} {'script/whole':>13} {'script/same':>12} {'params s/sb':>12}")
    for r in rows:
        print(f"{r['name']:<22} {r['sorabook_model']:<18} {r['video']:<12} {r['tokens_script']:>7} "
              f"{r['flops_script'] / 1e12:>13.4f} {r['flops_sorabook'] / 1e12:>15.4f} {r['ratio_whole']:>13.5f} "
              f"{r['ratio_same_parts']:>12.6f} {r['params_script'] / r['params_sorabook']:>12.4f}")
    print("(per sample; 'whole' = sorabook.transformer.forward_flops of the whole model, 'same' = the terms of its "
          "breakdown that the script's stack runs)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    if bad:
        print("MISMATCH:\n  " + "\n  ".join(bad))
        return 1
    print("OK: tokens agree, like-for-like FLOPs agree exactly, whole-model FLOPs within 2%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
