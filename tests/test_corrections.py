"""The correction switches of chapters 1-5 and the walk of chapter 7 (sorabook/corrections.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sorabook.results import chain, corrections, registry as report

from sorabook.model import counting, dit, latent, predict, presets, transformer

from sorabook import params
from sorabook.book.plan import chapter_parameters
from sorabook.params import REGISTRY, Params, defaults

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = Params(defaults())
CHAIN = ("video-minutes-per-h100-hour", "train-h100-months-low", "train-h100-months-high",
         "break-even-minutes-low", "fleet-gpus-peak")


class _Reads(Params):
    """A complete parameter set that records every name a computation reads."""

    __slots__ = ()
    seen: set[str] = set()

    def __getattr__(self, name):
        _Reads.seen.add(name)
        return super().__getattr__(name)

    def replace(self, **changes):
        return _Reads({**dict(self), **changes})


@pytest.mark.parametrize("chapter", report.CHAPTERS)
def test_every_chapter_declares_what_its_results_read_in_every_mode(chapter):
    # A chapter that read an undeclared parameter would fail (or, worse, a scenario change
    # would not re-execute it): check every counting rule, not only the article's.
    declared = set(chapter_parameters(ROOT / "notebooks" / f"{chapter}.md"))
    for mode in counting.ATTENTION_MODES:
        _Reads.seen = set()
        base = _Reads({**defaults(), "attention": mode, "draws": 1000})
        for spec in report.RESULTS.values():
            if spec.chapter == chapter:
                spec.compute(base)
        missing = _Reads.seen - declared
        assert not missing, f"{chapter} reads {sorted(missing)} with attention={mode} but does not declare them"


def test_linear_mode_is_the_article_and_resolution_scales_tokens():
    # The article prices a latent frame as one 512x512 DiT image: factor 30 x 180 = 5,400.
    assert counting.REFERENCE_TOKENS == 1024
    assert_allclose(chain.sample_factor(ARTICLE, 180), 30 * 180, rtol=1e-15)
    # 1280x720: 80 x 45 = 3,600 tokens per latent frame, 3600/1024 of the price (hand count).
    p = ARTICLE.replace(frame_width=1280, frame_height=720)
    assert_allclose(chain.sample_factor(p, 180), 30 * 180 * 3600 / 1024, rtol=1e-15)
    r0, r1 = report.compute(ARTICLE), report.compute(p)
    assert_allclose(r1["video-minutes-per-h100-hour"], r0["video-minutes-per-h100-hour"] * 1024 / 3600, rtol=1e-12)
    assert_allclose(r1["train-h100-months-low"], r0["train-h100-months-low"] * 3600 / 1024, rtol=1e-12)
    assert r1["tokens-per-video"] == 180 * 3600


def test_flops_per_mac_doubles_training_and_inference_and_leaves_break_even():
    r0, r2 = report.compute(ARTICLE), report.compute(ARTICLE.replace(flops_per_mac=2.0))
    assert_allclose(r2["video-minutes-per-h100-hour"], r0["video-minutes-per-h100-hour"] / 2, rtol=1e-12)
    assert_allclose(r2["train-h100-months-low"], r0["train-h100-months-low"] * 2, rtol=1e-12)
    assert_allclose(r2["break-even-minutes-low"], r0["break-even-minutes-low"], rtol=1e-12)
    assert_allclose(r2["dit-break-even-images"], r0["dit-break-even-images"], rtol=1e-12)


def test_architecture_modes_count_the_sora_class_transformer():
    # per-frame: each of 180 latent frames is one 1,024-token sequence through the 20B model.
    model = counting.architecture(20e9, 8, 8, 2, 4, "per-frame")
    assert model.layers == 45 and model.hidden == 5760  # presets.sora_corrected_model's rule
    one = transformer.forward_macs(model.with_(attention="full"), 512, 512, 8)  # one latent frame
    assert_allclose(counting.pass_macs("per-frame", 20e9, 512, 512, 180, 8, 8, 2, 4), 180 * one, rtol=1e-12)
    # full 3D over one latent frame is the same pass; over 180 the attention products grow 180^2.
    assert_allclose(counting.pass_macs("full-3d", 20e9, 512, 512, 1, 8, 8, 2, 4), one, rtol=1e-12)
    full = transformer.forward_macs_breakdown(model.with_(attention="full"), 512, 512, 1440)
    per = transformer.forward_macs_breakdown(model, 512, 512, 1440)
    assert_allclose(full["attention products"], 180 * per["attention products"], rtol=1e-12)
    assert_allclose(full["MLP"], per["MLP"], rtol=1e-12)
    # Hand count of the products: N x 2 S^2 a = 45 x 2 x 184,320^2 x 5,760.
    assert_allclose(full["attention products"], 45 * 2 * 184_320**2 * 5760, rtol=1e-12)


def test_architecture_modes_vectorise_over_draws():
    lat = np.array([180, 180, 90, 180])
    got = counting.pass_macs("full-3d", 20e9, 512, 512, lat, 8, 8, 2, 4)
    want = [counting.pass_macs("full-3d", 20e9, 512, 512, int(x), 8, 8, 2, 4) for x in lat]
    assert got.shape == (4,)
    assert_allclose(got, want, rtol=0)
    # The Monte Carlo passes arrays of draws through the same result functions.
    p = ARTICLE.replace(attention="full-3d")
    arr = report.RESULTS["video-minutes-per-h100-hour"].compute(Params({**dict(p), "diffusion_steps": np.array([50.0, 250.0])}))
    assert_allclose(arr[0] / arr[1], 5.0, rtol=1e-12)
    assert_allclose(arr[1], report.compute(p)["video-minutes-per-h100-hour"], rtol=1e-12)


def test_break_even_does_not_depend_on_the_counting_rule():
    # Training and inference are priced by the same pass, so the ratio survives any count
    # (up to DiT's printed 524.60 vs the counted 524.5 Gflops in the linear rule).
    base = report.compute(ARTICLE)["break-even-minutes-low"]
    for mode in ("per-frame", "full-3d"):
        got = report.compute(ARTICLE.replace(attention=mode))["break-even-minutes-low"]
        assert_allclose(got, base * 524.60e9 / counting.REFERENCE_MACS, rtol=1e-9)


def test_dit_counts_come_from_the_transformer_counter():
    xl = dit.config("XL")
    assert dit.param_count(xl, 2) == transformer.param_count(transformer.dit(28, 1152, 16, 2)) == 674_834_720
    assert_allclose(dit.forward_macs(xl, 2, 512), transformer.forward_macs(transformer.dit(28, 1152, 16, 2), 512, 512, 1))


def test_frame_size_must_fit_the_autoencoder_and_patch():
    with pytest.raises(params.ParamError, match=r"frame_height.*1080.*multiple of .* 16 \(next valid: 1088\)"):
        params.resolve(sets=["frame_height=1080"])


def test_corrected_scenario_is_documented_and_switches_each_correction_on():
    values = corrections.corrected_values()
    assert values, "the corrected scenario sets parameters"
    for name, value in values.items():
        assert name in corrections.REASONS, f"{name}: no reason documented"
        key = corrections.REASONS[name][2]
        assert key is None or f"{{{key}," in (ROOT / "book" / "references.bib").read_text(), key
        assert value != REGISTRY[name].default, f"{name}: the corrected value is the article's"
    p = params.resolve(scenario="corrected")[0]
    assert p.attention == "full-3d" and p.flops_per_mac == 2.0


def test_walk_starts_at_the_article_and_ends_at_the_corrected_value():
    for key in CHAIN:
        rows = corrections.walk(ARTICLE, report.RESULTS[key].compute)
        assert rows[0]["value"] == report.compute(ARTICLE)[key]
        assert rows[-1]["value"] == report.RESULTS[key].compute(corrections.corrected(ARTICLE))
        product = rows[0]["value"] * np.prod([r["factor"] for r in rows[1:]])
        assert_allclose(product, rows[-1]["value"], rtol=1e-9)
    # Known single factors (hand-derived): MAC = 2 FLOP halves minutes, guidance halves them,
    # 250 -> 50 steps multiplies by 5, 720p costs 3600/1024 of a 512x512 frame.
    rows = {r["step"]: r for r in corrections.walk(ARTICLE, report.RESULTS[CHAIN[0]].compute)}
    assert_allclose(rows["flops_per_mac"]["factor"], 0.5, rtol=1e-12)
    assert_allclose(rows["cfg_passes"]["factor"], 0.5, rtol=1e-12)
    assert_allclose(rows["diffusion_steps"]["factor"], 5.0, rtol=1e-12)
    assert_allclose(rows["frame size"]["factor"], 1024 / 3600, rtol=1e-12)
    assert rows["frame size"]["changes"] == {"frame_width": 1280, "frame_height": 720}


def test_walk_from_the_corrected_scenario_is_the_same_walk():
    # In the corrected scenario the start resets the corrections: the same bars.
    a = corrections.walk(ARTICLE, report.RESULTS[CHAIN[0]].compute)
    b = corrections.walk(params.resolve(scenario="corrected")[0], report.RESULTS[CHAIN[0]].compute)
    assert [r["value"] for r in a] == [r["value"] for r in b]


def test_corrected_results_equal_the_chain_in_the_corrected_scenario():
    p = params.resolve(scenario="corrected")[0]
    r = report.compute(p)
    assert_allclose(r["corrected-video-minutes-per-h100-hour"], r["video-minutes-per-h100-hour"], rtol=0)
    assert_allclose(r["corrected-fleet-gpus-peak"], r["fleet-gpus-peak"], rtol=0)
    assert_allclose(r["corrected-train-h100-months-low"], r["train-h100-months-low"], rtol=0)


def test_sora_depth_matches_the_shape_rule_array_wise():
    sizes = np.geomspace(1e9, 1e12, 40)
    want = [presets.sora_corrected_model(float(s)).layers for s in sizes]
    assert counting.sora_depth(sizes).tolist() == want
    assert counting.sora_depth(20e9) == 45


def test_model_size_draws_reach_the_architecture_count():
    # A Monte Carlo draw of sora_params changes the full-3d count and only it; draws that give
    # the same depth give the same count (the count is made once per depth).
    p = ARTICLE.replace(attention="full-3d")
    sizes = np.array([10e9, 20e9, 20.1e9, 30e9])
    got = report.RESULTS["video-minutes-per-h100-hour"].compute(Params({**dict(p), "sora_params": sizes}))
    want = [report.compute(p.replace(sora_params=float(s)))["video-minutes-per-h100-hour"] for s in sizes]
    assert_allclose(got, want, rtol=1e-12)
    assert got[0] > got[1] > got[3]
    linear = report.RESULTS["video-minutes-per-h100-hour"].compute(Params({**defaults(), "sora_params": sizes}))
    assert np.all(np.asarray(linear) == report.compute(ARTICLE)["video-minutes-per-h100-hour"])


def test_small_named_formulas_the_chapters_record():
    """Hand derivations: 512x512 RGB over a 64x64x4 latent is 786,432 / 16,384 = 48; 20B over
    674,834,720 is 29.64; 256 x 3M = 768M images; the H100 SXM's dense BF16 peak is 989.4
    TFLOP/s; a walk from 5 to 0.5 is 10 times smaller."""
    assert latent.compression_ratio(512, 512, 3, 8, 4) == 48
    assert_allclose(dit.model_scale(20e9), 20e9 / 674_834_720, rtol=1e-15)
    assert dit.training_images(256, 3_000_000) == 768e6
    assert_allclose(dit.forward_gmacs(dit.config("XL"), 2, 512), 524.5, rtol=2e-4)
    from sorabook.model import hardware

    assert hardware.peak_tflops("H100-SXM") == pytest.approx(989.4)
    assert corrections.factor([{"step": "a", "factor": 5.0}, {"step": "b", "factor": 0.5}], ("a", "b")) == 2.5
    assert predict.relative_to(0.321, 0.456) == pytest.approx(0.704, abs=1e-3)
    # Wan 2.1 14B at 720p: attention passes half the pass at about 27,000 tokens, 8 latent
    # frames of 3,600 (counting.attention_dominates_from), i.e. 29 frames = 1.8 s at 16 fps.
    wan = presets.get_preset("wan2.1-14b").model
    frames = counting.attention_dominates_from(wan, 1280, 720)
    assert predict.attention_dominates_seconds(wan, 1280, 720, 16.0) == frames / 16.0


def test_the_attention_parameter_offers_exactly_the_counting_rules():
    assert REGISTRY["attention"].choices == counting.ATTENTION_MODES
    assert REGISTRY["attention"].default == counting.ATTENTION_MODES[0] == "linear"


def test_options_beyond_the_corrections_scale_as_derived():
    """On top of the corrected scenario, whose utilisation is the time model fitted on measured runs
    (issue 16): 4 steps instead of 50 give less than 12.5x the minutes (the text encoder and the decoder
    stay); FP8, never measured, is no faster than the BF16 runs the model was fitted on; a B200 gives
    the fitted B200 speed, not 2250 / 989.4 = 2.27x."""
    key = ("video-minutes-per-h100-hour",)
    rows = {r["option"]: r[key[0]] for r in corrections.beyond(ARTICLE, {key[0]: report.RESULTS[key[0]].compute})}
    base = rows["the corrected scenario"]
    assert base == report.compute(corrections.corrected(ARTICLE))[key[0]]
    from sorabook.model import timing

    assert 1 < rows["4 sampling steps (consistency model)"] / base < 50 / 4
    assert_allclose(rows["FP8 on the H100"] / base, 1.0, rtol=1e-12)
    assert_allclose(rows["B200 (BF16)"] / base, timing.fitted().gpu_speed("B200"), rtol=1e-12)
    assert rows["B200, FP8, 4 steps, one pass"] < report.compute(ARTICLE)[key[0]]
    # 1080p (1920 x 1088): more tokens per latent frame and a quadratic attention term, so fewer
    # minutes than 720p by more than the 2.27x token ratio (1920 x 1088 / (1280 x 720)).
    assert rows["1080p frames (1920 x 1088: an encoder pads 1080)"] < base / (1920 * 1088 / (1280 * 720))


def test_log_axis_labels_are_plain_text():
    """plots.power_label turns Matplotlib's mathtext log labels into the same text in Unicode."""
    from sorabook.book.plots import power_label

    assert power_label(r"$\mathdefault{10^{-2}}$") == "10⁻²"
    assert power_label(r"$\mathdefault{2\times10^{13}}$") == "2×10¹³"
    assert power_label(r"$\mathdefault{0.5}$") == "0.5"
    assert power_label("") == ""
