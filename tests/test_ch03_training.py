"""Chapter 3, the training estimate: its results (sorabook.results.ch03_training) and its notebook."""

from __future__ import annotations

from numpy.testing import assert_allclose

from sorabook.params import resolve
from sorabook.results import ch03_training

from test_ch01_latent import chapter_values, check_notebook

STEM = "03-training-estimate"


def _values(scenario: str = "article", sets=()) -> dict:
    return chapter_values(STEM, scenario, sets)


def test_notebook_records_its_results_by_key_from_its_parameters():
    check_notebook(STEM)


def test_article_values_kept():
    """Article §04: 10²¹ x 30 x 4 x (180 / 2) = 1.08 x 10²⁵ and x 10 = 2.7 x 10²⁵ FLOPs; over the H100
    SXM's 989.4 TFLOP/s, 86,400 s and 30 days: 4,211 and 10,528 GPU-months; at 40 %, / 0.4."""
    v = _values()
    month = 989.4e12 * 86_400 * 30
    assert_allclose(v["train-flops-low"], 1.08e25, rtol=1e-12)
    assert_allclose(v["train-flops-high"], 2.7e25, rtol=1e-12)
    assert_allclose(v["train-h100-months-low"], 1.08e25 / month, rtol=1e-12)
    assert_allclose(v["train-h100-months-high-realistic"], 2.7e25 / month / 0.4, rtol=1e-12)
    assert_allclose(v["train-video-factor"], 90, rtol=1e-12)


def test_exact_data_mix_and_the_image_share_left_out():
    """The article's 50/50 mix priced in full: 0.5 x 180 + 0.5 x 1 = 90.5, of which the images are
    0.5 / 90.5; corrected scenario (20 s, 4x in time: 120 latent frames): 0.5 x 120 + 0.5 = 60.5,
    images 0.5 / 60.5. All video: no image share."""
    a = _values()
    assert_allclose(a["train-video-factor-exact"], 90.5, rtol=1e-12)
    assert_allclose(a["train-image-compute-share"], 0.5 / 90.5, rtol=1e-12)
    c = _values("corrected")
    assert_allclose(c["train-video-factor-exact"], 60.5, rtol=1e-12)
    assert_allclose(c["train-image-compute-share"], 0.5 / 60.5, rtol=1e-12)
    assert _values(sets=["video_data_fraction=1"])["train-image-compute-share"] == 0.0


def test_sensitivity_rows():
    """Hand derivation at the article's inputs: the first row is the estimate (4,211 and 10,528
    GPU-months); the paper's base in real FLOPs is 524.6e9 x 256 x 3M x 3 x 2 / 10²¹ = 2.4173568 times
    the article's; 40 % utilisation is 1 / 0.4 = 2.5 times; all together, with the image share
    (90.5 / 90), 2.4173568 x 90.5 / 90 x 2.5."""
    p, _ = resolve()
    rows = ch03_training.sensitivity_rows(p)
    v = _values()
    assert_allclose([rows[0]["low"], rows[0]["high"]], [v["train-h100-months-low"], v["train-h100-months-high"]],
                    rtol=1e-12)
    assert_allclose([r["ratio"] for r in rows],
                    [1, 90.5 / 90, 1.2086784, 2.4173568, 2.5, 2.4173568 * 90.5 / 90 * 2.5], rtol=1e-12)
