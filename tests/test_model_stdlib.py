"""sorabook.model with the standard library alone (as under Pyodide, where NumPy is not there),
and nothing above it imported."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap

from conftest import ROOT

from sorabook.model import presets

MODEL = ROOT / "sorabook" / "model"

#: Evaluated in a fresh interpreter in which ``import numpy`` fails: every main entry point of
#: every module, on plain numbers; each result must be a plain int or float (or a dict/list of them).
SCRIPT = textwrap.dedent("""
    import json, math, sys
    sys.modules["numpy"] = None  # any import of NumPy now raises ImportError
    from sorabook.model import (counting, dit, fleet, hardware, inference, latent, predict, presets, scaling,
                                training, transformer)

    out = {}
    out["hardware"] = [hardware.gpu_seconds(1e21, "H100-SXM"), hardware.gpu_hours(1e21, "H100-SXM"),
                       hardware.gpu_days(1e21, "H100-SXM", "fp8", 0.4), hardware.gpu_months(1.08e25, "H100-SXM"),
                       hardware.peak_flops_per_s("B200"), hardware.peak_tflops("H100-SXM"),
                       hardware.board_power_w("H100-SXM")]
    out["latent"] = [latent.pixel_positions(512, 512), latent.pixel_values(512, 512, 3),
                     latent.latent_side(512, 8), latent.latent_positions(512, 512, 8),
                     latent.latent_values(512, 512, 8, 4), latent.compression_ratio(512, 512, 3, 8, 4),
                     latent.video_frames(60, 24), latent.latent_frames(1440, 8),
                     latent.latent_frames(81, 4, True, 2), latent.tokens_per_latent_frame(1920, 1080, 8, 2),
                     latent.tokens_per_video(180, 1024), latent.valid_side(1080, 16),
                     latent.valid_frames(81, 4, True, 2)]
    out["autoencoders"] = [r["tokens"] for r in latent.compare_autoencoders(1440, 512, 512, 2)]
    wan = presets.get_preset("wan2.1-14b").model
    out["transformer"] = [transformer.forward_macs(wan, 1280, 720, 81), transformer.forward_flops(wan, 1280, 720, 81),
                          transformer.attention_share(wan, 1280, 720, 81), transformer.param_count(wan),
                          transformer.tokens(wan, 1280, 720, 81)["video_tokens"],
                          counting.attention_dominates_from(wan, 1280, 720)]
    out["scaling"] = [scaling.depth_for_params(20e9, wan), scaling.shape_for_params(20e9, wan).hidden]
    xl = dit.config("XL")
    out["dit"] = [dit.forward_macs(xl, 2, 512), dit.forward_gmacs(xl, 2, 256), dit.param_count(xl, 2),
                  dit.max_table4_rel_error(), dit.model_scale(20e9), dit.training_compute(524.6e9, 256, 3e6),
                  dit.training_images(256, 3e6), dit.relative_error(1.0, 2.0), len(dit.scaling_rows(256)),
                  dit.share_curves()["XL"][1][-1], dit.evidence()["xl2-256-attention-share"],
                  len(dit.breakdown_rows(xl, 2, 512))]
    out["counting"] = [counting.REFERENCE_MACS, counting.resolution_factor(3600), counting.sora_depth(20e9)]
    for attention in ("per-frame", "full-3d"):
        out["counting"] += [counting.pass_macs(attention, 20e9, 1280, 720, 60, 4, 8, 2, 16),
                            counting.pass_attention_share(attention, 20e9, 1280, 720, 60, 4, 8, 2, 16),
                            counting._count("macs", attention, 20e9, 512, 512, 180, 8, 8, 2, 4)]
    out["training"] = [training.data_mix_factor(180, 0.5, True), training.in_flops(1e21, 2.0),
                       training.train_flops(1e21, 1.0, 4.0, 5400.0, 30.0, 0.5),
                       training.days_on_cluster(4211.0, 6144),
                       training.factor_rows(1e21, 1.0, 4.0, 5400.0, 30.0, 0.5)[-1]["flops"],
                       training.peak_alternatives(1.08e25)[0]["gpu_months"],
                       training.sensitivity_rows(1e21, 1.2e21, 30, 4, 10, 180, 0.5, "H100-SXM", "bf16", 1.0,
                                                 0.4)[-1]["ratio"],
                       training.disclosed_rows()[0]["gpu_months"], len(training.comparison_bars(30.0, []))]
    out["inference"] = [inference.flops_per_step(524.6e9, 2.0, 2), inference.flops_per_output(2.8e15, 250),
                        inference.flops_per_minute(7e17, 20.0), inference.minutes_per_gpu_hour(708e15, "H100-SXM"),
                        inference.minutes_per_gpu_day(708e15, "H100-SXM"), inference.break_even_outputs(1e21, 131e12),
                        inference.cumulative_inference_flops(10, 131e12), inference.days_of_volume(7.6e6, 95e6),
                        inference.moe_active_params(220e9, 2), inference.llm_flops_per_document(70e9, 1000)]
    out["fleet"] = [fleet.uploaded_minutes(34e6, 30), fleet.ai_minutes(17e6, 0.5),
                    fleet.demand_minutes_per_day(17e6, 0.5, 43e6, 0.15), fleet.combined_ai_share(17e6, 0.5, 43e6, 0.15),
                    fleet.gpus_at_average_load(15e6, 120.0), fleet.fleet_multiplier(0.5, 2, 2),
                    fleet.peak_fleet(89e3, 0.5, 2, 2), fleet.fleet_power_mw(1e6, 700.0),
                    fleet.waterfall(8.5e6, 6.45e6, 120.0, 0.5, 2, 2)[-1]["end"]]
    out["predict"] = {}
    for name, pre in presets.PRESETS.items():
        r = predict.predict(pre.model, pre.width, pre.height, pre.frames, pre.steps, pre.cfg_passes, fps=pre.fps)
        out["predict"][name] = [r["tokens"], r["flops_per_video"], r["attention_share"], r["seconds_per_video"],
                                r["energy_wh_per_video"]]
    out["calibration"] = [predict.evidence_rows()[0]["implied_mfu"], predict.evidence_rows(True)[0]["ratio"],
                          predict.relative_to(0.3, 0.456),
                          len(presets.preset_rows()),
                          predict.attention_dominates_seconds(wan, 1280, 720, 16.0)]

    def plain(x):
        if isinstance(x, dict):
            return all(plain(v) for v in x.values())
        if isinstance(x, list):
            return all(plain(v) for v in x)
        return type(x) in (int, float) and math.isfinite(x)

    bad = [k for k, v in out.items() if not plain(v)]
    assert not bad, bad
    assert not any(m.startswith("numpy") and sys.modules[m] is not None for m in sys.modules)
    print(json.dumps(out))
""")


def test_entry_points_run_without_numpy():
    """Issue 15: every module of sorabook.model imports and computes scalars with NumPy unimportable
    (as under Pyodide), and returns plain ints and floats. The same numbers as with NumPy present."""
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    assert out["latent"][7] == 180 and out["latent"][9] == 120 * 68  # 1,440 / 8; 1920x1088 at 8 x 2
    assert out["transformer"][4] == 75_600  # Wan 2.1 at 1280x720, 81 frames (facts.md)
    assert out["dit"][0] == 524_538_298_368 and out["dit"][2] == 674_834_720  # test_dit's hand derivations
    assert out["counting"][2] == 45
    assert set(out["predict"]) == set(presets.PRESETS)


def _imports(path):
    """Every module a file imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def test_model_imports_nothing_above_it_and_numpy_only_inside_functions():
    """design.md: model knows nothing above it (no params, results, book, cli; also not inside a
    function), and no module imports NumPy at import time."""
    upward = ("sorabook.params", "sorabook.results", "sorabook.book", "sorabook.cli", "sorabook.pipeline")
    for path in sorted(MODEL.glob("*.py")):
        names = _imports(path)
        assert not [n for n in names if n.startswith(upward) or n in ("sorabook",)], path.name
        top = ast.parse(path.read_text()).body
        top_level = {a.name for node in top if isinstance(node, ast.Import) for a in node.names}
        top_level |= {node.module for node in top if isinstance(node, ast.ImportFrom) and node.module}
        assert not [n for n in top_level if n.split(".")[0] == "numpy"], path.name
