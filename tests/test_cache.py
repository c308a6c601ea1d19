"""The results cache of ``sorabook results``: same inputs, same numbers, read back bit for bit."""

from __future__ import annotations

import json

import numpy as np

from sorabook import cli

from sorabook.results import cache as resultcache
from sorabook.params import resolve


def _cheap(p):
    return {"a": p["fps"] / 7.0, "b": float(np.float64(1e21) / 3.0)}


def test_second_call_reads_the_stored_values(tmp_path, monkeypatch):
    monkeypatch.setenv("SORABOOK_CACHE", str(tmp_path))
    p, _ = resolve()
    calls = []

    def compute(params):
        calls.append(1)
        return _cheap(params)

    first = resultcache.computed(p, compute, tmp_path / "results")
    second = resultcache.computed(p, compute, tmp_path / "results")
    assert first == second == _cheap(p)
    assert len(calls) == 1
    assert len(list((tmp_path / "results").glob("*.json"))) == 1


def test_other_parameters_other_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("SORABOOK_CACHE", str(tmp_path))
    p, _ = resolve()
    q, _ = resolve(sets=["fps=30"])
    assert resultcache.computed(q, _cheap, tmp_path / "results")["a"] == 30 / 7.0
    assert resultcache.computed(p, _cheap, tmp_path / "results")["a"] == 24 / 7.0
    assert len(list((tmp_path / "results").glob("*.json"))) == 2


def test_unreadable_entry_is_recomputed(tmp_path, monkeypatch):
    monkeypatch.setenv("SORABOOK_CACHE", str(tmp_path))
    p, _ = resolve()
    resultcache.computed(p, _cheap, tmp_path / "results")
    (entry,) = (tmp_path / "results").glob("*.json")
    entry.write_text("{not json")
    assert resultcache.computed(p, _cheap, tmp_path / "results") == _cheap(p)
    assert json.loads(entry.read_text()) == _cheap(p)


def test_results_command_prints_the_same_with_and_without_the_cache(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SORABOOK_CACHE", str(tmp_path))
    outputs = []
    for _ in range(2):  # computed, then read back
        assert cli.main(["results", "--format", "json"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert len(list((tmp_path / "results").glob("*.json"))) == 1
