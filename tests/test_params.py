"""The parameter registry and its validation (every bad-input class of the pipeline issue)."""

from __future__ import annotations

import math

import pytest

from sorabook import params
from sorabook.params import REGISTRY, ParamError, parse_set, resolve, validate


def test_registry_entries_are_complete():
    """Every parameter has a unit, a description, a source, a range or choices, and a valid default."""
    for name, p in REGISTRY.items():
        assert p.unit and p.description and p.source, name
        if p.kind in ("float", "int"):
            assert p.low is not None and p.high is not None, name
        if p.kind == "choice":
            assert p.default in p.choices, name
        assert p.check(p.default) == p.default, name


def test_defaults_are_the_articles_values():
    """Article §02 and §04: 512x512 images, f = 8, 60 s at 24 fps, 8x in time."""
    d = params.defaults()
    assert (d["image_size"], d["vae_spatial_compression"], d["patch_size"]) == (512, 8, 2)
    assert (d["video_seconds"], d["fps"], d["temporal_compression"]) == (60.0, 24.0, 8)


@pytest.mark.parametrize(
    "values, fragment",
    [
        ({"fsp": 30}, "did you mean 'fps'"),
        ({"temporal_compresion": 4}, "did you mean 'temporal_compression'"),
        ({"zzz": 1}, "unknown parameter 'zzz'"),
        ({"fps": "thirty"}, "got the text 'thirty'; expected a number >= 1 and <= 240"),
        ({"fps": True}, "got the boolean true"),
        ({"fps": [24, 30]}, "got a list"),
        ({"fps": {"a": 1}}, "got a mapping"),
        ({"fps": None}, "got an empty value"),
        ({"fps": math.nan}, "not a finite number"),
        ({"fps": math.inf}, "not a finite number"),
        ({"fps": -math.inf}, "not a finite number"),
        ({"fps": 0}, "got 0, out of range; expected a number >= 1 and <= 240"),
        ({"fps": -24}, "out of range"),
        ({"fps": 1e6}, "out of range"),
        ({"temporal_compression": 0}, "out of range"),
        ({"temporal_compression": 2.5}, "expected an integer"),
        ({"image_size": "512px"}, "expected an integer"),
    ],
)
def test_bad_values_name_parameter_value_and_expectation(values, fragment):
    with pytest.raises(ParamError) as err:
        validate(values)
    message = str(err.value)
    assert fragment in message
    assert "\n" not in message
    assert next(iter(values)) in message


def test_integral_float_is_accepted_for_an_integer_parameter():
    assert validate({"temporal_compression": 4.0}) == {"temporal_compression": 4}


def test_resolve_layers_scenario_and_sets():
    p, scenario = resolve(sets=["fps=30", "video_seconds=10"])
    assert scenario.name == "article"
    assert p.fps == 30.0 and p.video_seconds == 10.0
    assert p.differences() == {"fps": 30.0, "video_seconds": 10.0}


def test_sha256_identifies_the_parameter_set():
    a, _ = resolve()
    b, _ = resolve(sets=["fps=24"])
    c, _ = resolve(sets=["fps=25"])
    assert a.sha256 == b.sha256 != c.sha256


@pytest.mark.parametrize(
    "item, fragment",
    [
        ("fps", "expected NAME=VALUE"),
        ("=3", "parameter name before '='"),
        ("fps=", "got an empty value"),
        ("fps=[1, 2", "YAML syntax error"),
        ("fps=nan", "not a finite number"),
        ("fps=inf", "not a finite number"),
        ("fps=yes", "got the boolean true"),
    ],
)
def test_bad_set_items(item, fragment):
    with pytest.raises(ParamError, match=fragment):
        resolve(sets=[item])


def test_parse_set_reads_scientific_notation():
    """YAML 1.1 reads 1e21 as text; the parser must read it as a number."""
    assert parse_set("video_seconds=1e2") == ("video_seconds", 100.0)


def test_cross_parameter_constraint():
    with pytest.raises(ParamError, match="multiple of vae_spatial_compression x patch_size = 16"):
        resolve(sets=["image_size=520"])


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("../x", "is not a scenario name"),
        ("a/b", "is not a scenario name"),
        ("", "is not a scenario name"),
        ("artcle", "did you mean 'article'"),
        ("nope", "unknown scenario 'nope'"),
    ],
)
def test_bad_scenarios(name, fragment):
    with pytest.raises(ParamError, match=fragment):
        resolve(scenario=name)


def test_every_shipped_scenario_loads_with_a_description():
    for name in params.scenario_names():
        s = params.load_scenario(name)
        assert s.description
        resolve(scenario=name)
    assert params.scenario_names()[0] == "article"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("- 1\n- 2\n", "expected a YAML mapping"),
        ("just text\n", "expected a YAML mapping"),
        ("fps: [1\n", "YAML syntax error at line"),
        ("fps: 24\nfps: 30\n", "key 'fps' appears twice"),
        ("fps: !!python/object:os.system ls\n", "python/object:os.system. is not accepted"),
        ("parameters:\n  fps: 30\nextra: 1\n", "unexpected top-level key 'extra'"),
        ("parameters:\n  fsp: 30\n", "did you mean 'fps'"),
        ("parameters: [1]\n", "expected a mapping"),
        ("fps: .nan\n", "not a finite number"),
    ],
)
def test_bad_params_files(tmp_path, text, fragment):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ParamError, match=fragment):
        resolve(params_file=path)


def test_params_file_forms(tmp_path):
    flat = tmp_path / "flat.yaml"
    flat.write_text("fps: 30\n")
    shaped = tmp_path / "shaped.yaml"
    shaped.write_text("description: mine\nparameters:\n  fps: 30\n")
    a, sa = resolve(params_file=flat)
    b, sb = resolve(params_file=shaped)
    assert a.fps == b.fps == 30.0
    assert sa.name == sb.name == "custom" and sb.description == "mine"


def test_params_file_too_large_or_missing(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * 10_000_000 + "\n")
    with pytest.raises(ParamError, match="expected at most"):
        resolve(params_file=big)
    with pytest.raises(ParamError, match="no such file"):
        resolve(params_file=tmp_path / "absent.yaml")


def test_scenario_and_params_together_are_refused(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("fps: 30\n")
    with pytest.raises(ParamError, match="not both"):
        resolve(scenario="article", params_file=f)


def test_restricted_view_refuses_undeclared_names():
    view = params.from_namespace({"fps": 24.0, "video_seconds": 60.0, "unrelated": object()})
    assert set(view) == {"fps", "video_seconds"}
    with pytest.raises(AttributeError, match="not declared in this chapter's parameters cell"):
        view.temporal_compression
    with pytest.raises(AttributeError):
        view.fps = 30


def test_a100_has_no_fp8():
    """facts.md: the A100 has no FP8 peak; choosing it with fp8 is refused up front."""
    with pytest.raises(ParamError, match="no FP8"):
        resolve(sets=["gpu=A100-SXM", "precision=fp8"])


def test_choice_suggests_nearest():
    with pytest.raises(ParamError, match="did you mean 'H100-SXM'"):
        resolve(sets=["gpu=H100-SMX"])


def test_the_registrys_gpu_and_precision_choices_are_the_hardware_catalogues():
    """The registry (bottom layer) lists the GPUs and number formats it accepts; the model's catalogue
    (sorabook.model.hardware) prices them: the two lists must be the same."""
    from sorabook.model import hardware

    assert REGISTRY["gpu"].choices == tuple(hardware.GPUS)
    assert REGISTRY["precision"].choices == tuple(hardware.PRECISIONS)
