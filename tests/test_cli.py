"""The command line: results without notebooks, parameter listings, one-line errors."""

from __future__ import annotations

import json

import pytest

from sorabook import cli

from sorabook.results import registry as report

from conftest import run_cli, tree_snapshot


def test_results_json_has_the_documented_shape():
    proc = run_cli("results", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc) >= {"scenario", "parameters", "parameters_sha256", "versions", "results", "claims"}
    assert set(doc["results"]) == set(report.RESULTS)
    for r in doc["results"].values():
        assert set(r) >= {"value", "unit", "description", "chapter", "anchor"}
    assert doc["results"]["latent-frames"]["value"] == 180.0


def test_results_follow_set_overrides():
    doc = json.loads(run_cli("results", "--format", "json", "--set", "fps=30").stdout)
    assert doc["results"]["video-frames"]["value"] == 1800.0
    assert doc["results"]["latent-frames"]["value"] == 225.0
    assert doc["parameters"]["fps"] == 30.0


def test_results_csv_and_table(capsys):
    assert cli.main(["results", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("key,value,unit")
    assert len(lines) == 1 + len(report.RESULTS)
    assert cli.main(["results"]) == 0
    assert "latent-frames" in capsys.readouterr().out


def test_params_and_scenarios(capsys):
    assert cli.main(["params", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["parameters"]["fps"]["unit"] == "frames/s"
    assert cli.main(["scenarios"]) == 0
    assert "article" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["results", "--set", "fsp=30"], "did you mean 'fps'"),
        (["results", "--set", "fps=abc"], "parameter 'fps'"),
        (["results", "--scenario", "../x"], "is not a scenario name"),
        (["results", "--scenario", "article", "--params", "x.yaml"], "not allowed with argument"),
        (["results", "--format", "xml"], "invalid choice"),
        (["build", "--jobs", "0"], "expected a whole number from 1 to 64"),
        (["build", "--jobs", "two"], "expected a whole number from 1 to 64"),
        (["build", "--set", "fps=-1"], "out of range"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, fragment, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_build_with_a_typo_exits_2_and_writes_nothing(tmp_path):
    """The pipeline issue: `sorabook build --set fsp=30` suggests fps and writes nothing."""
    (tmp_path / "keep").write_text("x")
    before = tree_snapshot(tmp_path)
    proc = run_cli("build", "--set", "fsp=30", "--out", str(tmp_path / "site"),
                   env={"SORABOOK_CACHE": str(tmp_path / "cache")})
    assert proc.returncode == 2
    assert "did you mean 'fps'" in proc.stderr and proc.stderr.count("\n") == 1
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert tree_snapshot(tmp_path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["keep"]


def test_build_out_is_a_file(tmp_path):
    target = tmp_path / "site"
    target.write_text("not a folder")
    proc = run_cli("build", "--out", str(target))
    assert proc.returncode == 2 and "is a file" in proc.stderr
    assert target.read_text() == "not a folder"
