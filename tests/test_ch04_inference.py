"""Chapter 4, inference break-even: its results (sorabook.results.ch04_inference) and its notebook."""

from __future__ import annotations

from numpy.testing import assert_allclose

from sorabook.params import resolve
from sorabook.results import ch04_inference

from test_ch01_latent import chapter_values, check_notebook

STEM = "04-inference-break-even"


def _values(scenario: str = "article", sets=()) -> dict:
    return chapter_values(STEM, scenario, sets)


def test_notebook_records_its_results_by_key_from_its_parameters():
    check_notebook(STEM)


def test_article_values_kept():
    """Article §04 with Table 4's 524.6 x 10⁹: 524.6e9 x 250 = 1.3115 x 10¹⁴ per image; 10²¹ / that
    = 7.62 million images; 524.6e9 x 30 x 180 = 2.833 x 10¹⁵ per step, x 250 = 7.082 x 10¹⁷ per
    minute; 1.08 x 10²⁵ / 7.082 x 10¹⁷ = 15.25 million minutes."""
    v = _values()
    assert_allclose(v["dit-image-flops"], 524.6e9 * 250, rtol=1e-12)
    assert_allclose(v["dit-break-even-images"], 1e21 / (524.6e9 * 250), rtol=1e-12)
    assert_allclose(v["video-flops-per-step"], 524.6e9 * 30 * 180, rtol=1e-12)
    assert_allclose(v["video-flops-per-minute"], 524.6e9 * 30 * 180 * 250, rtol=1e-12)
    assert_allclose(v["break-even-minutes-low"], 1.08e25 / (524.6e9 * 30 * 180 * 250), rtol=1e-12)
    assert_allclose(v["dit-vs-llama2-ratio"], 524.6e9 * 250 / (2 * 70e9 * 1000), rtol=1e-12)
    assert_allclose(v["video-vs-gpt4-ratio"], 524.6e9 * 30 * 180 * 250 / (2 * 440e9 * 1000), rtol=1e-12)


def test_flops_per_mac_leaves_the_break_even_unchanged():
    """Hand derivation: with k FLOPs per table unit, training is 10²¹ k x 30 x 4 x 90 and one minute
    524.6e9 k x 30 x 180 x 250; the break-even, their ratio, is 1.08 x 10²⁵ / 7.082 x 10¹⁷ for every k.
    Both sides scale by 2 at flops_per_mac = 2 (the throughput halves)."""
    a = _values()
    b = _values(sets=["flops_per_mac=2"])
    assert_allclose(b["break-even-minutes-low"], a["break-even-minutes-low"], rtol=1e-12)
    assert_allclose(b["break-even-minutes-high"], a["break-even-minutes-high"], rtol=1e-12)
    assert_allclose(b["dit-break-even-images"], a["dit-break-even-images"], rtol=1e-12)
    assert_allclose(b["video-minutes-per-h100-hour"], a["video-minutes-per-h100-hour"] / 2, rtol=1e-12)


def test_corrected_dit_image_uses_dits_own_steps():
    """Corrected scenario: real FLOPs (2 per table unit), guidance (2 passes) and DiT's own 250
    sampling steps (the scenario's 50 are the video model's): 524.6e9 x 2 x 2 x 250 = 5.246 x 10¹⁴."""
    assert_allclose(_values("corrected")["dit-image-flops"], 5.246e14, rtol=1e-12)
    assert_allclose(_values(sets=["diffusion_steps=50"])["dit-image-flops"], 524.6e9 * 250, rtol=1e-12)
    assert_allclose(_values(sets=["dit_sampling_steps=50"])["dit-image-flops"], 524.6e9 * 50, rtol=1e-12)


def test_per_output_comparison_in_real_flops():
    """Like for like, DiT and Sora at 2 FLOPs per multiply-accumulate against the language models'
    2 x parameters x tokens: DiT (524.6e9 x 2 x 250 = 2.623 x 10¹⁴) over Llama-2-70B (2 x 70e9 x 1,000
    = 1.4 x 10¹⁴) = 1.874; a Sora minute (524.6e9 x 2 x 30 x 180 x 250 = 1.416 x 10¹⁸) over GPT-4
    (2 x 2 x 220e9 x 1,000 = 8.8 x 10¹⁴) = 1,609.6: twice the article's ratios, which count DiT and Sora
    in multiply-accumulates. When flops_per_mac is 2 already, the two comparisons are the same."""
    v = _values()
    assert_allclose(v["dit-image-flops-real"], 524.6e9 * 2 * 250, rtol=1e-12)
    assert_allclose(v["video-flops-per-minute-real"], 524.6e9 * 2 * 30 * 180 * 250, rtol=1e-12)
    assert_allclose(v["dit-vs-llama2-ratio-flops"], 2.623e14 / 1.4e14, rtol=1e-12)
    assert_allclose(v["video-vs-gpt4-ratio-flops"], 1.41642e18 / 8.8e14, rtol=1e-12)
    assert_allclose(v["dit-vs-llama2-ratio-flops"], 2 * v["dit-vs-llama2-ratio"], rtol=1e-12)
    c = _values("corrected")
    assert_allclose(c["dit-vs-llama2-ratio-flops"], c["dit-vs-llama2-ratio"], rtol=1e-12)
    assert_allclose(c["video-vs-gpt4-ratio-flops"], c["video-vs-gpt4-ratio"], rtol=1e-12)


def test_per_output_rows_name_the_unit_of_each_count():
    """The table's rows are this chapter's results; DiT and Sora are counted in Table 4's unit (MACs)
    at the article's reading, in FLOPs at flops_per_mac = 2; the language models always in FLOPs."""
    p, _ = resolve()
    rows = {r["output"]: r for r in ch04_inference.per_output_rows(p)}
    v = _values()
    sora, dit, gpt4 = rows["Sora, one minute of video"], rows["DiT-XL/2, one 512x512 image"], rows["GPT-4, one document"]
    assert sora["unit"].startswith("multiply-accumulates") and dit["unit"].startswith("multiply-accumulates")
    assert rows["Llama-2-70B, one document"]["unit"] == gpt4["unit"] == "FLOP"
    assert_allclose([sora["article"], sora["flops"], sora["article_ratio"], sora["flops_ratio"]],
                    [v["video-flops-per-minute"], v["video-flops-per-minute-real"], v["video-vs-gpt4-ratio"],
                     v["video-vs-gpt4-ratio-flops"]], rtol=1e-12)
    assert gpt4["article_ratio"] == gpt4["flops_ratio"] == 1.0
    p2, _ = resolve(sets=["flops_per_mac=2"])
    assert {r["unit"] for r in ch04_inference.per_output_rows(p2)} == {"FLOP"}
