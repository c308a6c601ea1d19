"""sorabook.book.page: what a chapter notebook calls to set itself up, state its results and show tables.

No kernel runs here: ``myst_nb.glue`` and ``IPython.display.display`` are replaced by recorders
(the module imports both inside each function, so replacing the attributes is enough), and
``plots.use`` by a counter (it would switch the process's Matplotlib backend and environment).
"""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sorabook.book import page
from sorabook.params import REGISTRY, Params, ParamError, defaults
from sorabook.results import registry
from sorabook.results.specs import DomainError, format_value

#: The parameters cell of chapter 1 (notebooks/01-latent-compression.md), plus names a notebook's
#: globals always hold besides (ignored: only registry names are parameters).
CH01_CELL = {
    "image_size": 512, "pixel_channels": 3, "vae_spatial_compression": 8, "latent_channels": 4, "patch_size": 2,
    "video_seconds": 60.0, "fps": 24.0, "temporal_compression": 8, "frame_width": 512, "frame_height": 512,
}
NOTEBOOK_GLOBALS = {"__name__": "__main__", "np": np, "In": [], "_": None}

#: What ``escape`` backslash-escapes (its documented set) and the newlines it folds.
SPECIAL = set("\\`*_{}[]<>()#+!|$")


@pytest.fixture
def nb(monkeypatch):
    """A fake notebook: records every glue and display call, and a fresh page state."""
    import IPython.display
    import myst_nb

    from sorabook.book import style

    calls = {"glue": [], "display": [], "use": 0}

    def glue(name, value, display=True):
        calls["glue"].append((name, value, display))

    def display(*objs, **kwargs):
        calls["display"].append((objs, kwargs))

    def use():
        calls["use"] += 1

    monkeypatch.setattr(myst_nb, "glue", glue)
    monkeypatch.setattr(IPython.display, "display", display)
    monkeypatch.setattr(page.plots, "use", use)  # what page calls
    monkeypatch.setattr(style, "use", use)  # where it is defined (plots re-exports it)
    monkeypatch.setattr(page, "_STATE", {})
    return calls


def _shown(obj) -> str:
    """What MyST-NB's ``{glue:text}`` role shows for a glued object: its repr, read back with
    ``ast.literal_eval`` (myst_nb.core.variables.format_plain_text) and turned into a string."""
    from myst_nb.core.variables import format_plain_text

    return format_plain_text(repr(obj), "")


def test_a_glued_text_shows_as_written_even_where_it_reads_as_python():
    """"990,849" is a tuple to literal_eval, "95,000,000 min" is not Python at all, "033" is a
    syntax error: each is shown exactly as written (the first came out as "(990, 849)" before)."""
    for text in ("990,849", "82,533 GPU-months", "95,000,000 min", "033", "2 × 10¹⁰", "it's \\ odd"):
        assert _shown(page.text(text)) == text


def _glued(calls) -> dict:
    """Glue calls as ``{name: value}``; each name glued once, never displayed by glue itself."""
    names = [name for name, _, _ in calls["glue"]]
    assert len(names) == len(set(names)), f"a name was glued twice: {names}"
    assert all(shown is False for _, _, shown in calls["glue"])
    return {name: value for name, value, _ in calls["glue"]}


def _markdown(calls) -> list[str]:
    """The Markdown text of every display call (a raw bundle or an IPython Markdown object)."""
    out = []
    for objs, kwargs in calls["display"]:
        for obj in objs:
            out.append(obj["text/markdown"] if isinstance(obj, dict) else obj.data)
    return out


# --- setup ----------------------------------------------------------------------------------------

def test_setup_glues_each_declared_parameter(nb):
    """Contract of ``setup``: each declared number is glued as a Python float under its name and as
    ``name-text`` formatted by ``format_value``; a text parameter is glued shown without quotes; names
    that are not parameters are ignored; the figure style is applied once."""
    p = page.setup({**CH01_CELL, **NOTEBOOK_GLOBALS, "gpu": "H100-SXM"})
    assert set(p) == set(CH01_CELL) | {"gpu"}
    glued = _glued(nb)
    assert set(glued) == {n for n in CH01_CELL} | {f"{n}-text" for n in CH01_CELL} | {"gpu"}
    for name, v in CH01_CELL.items():
        assert type(glued[name]) is float
        assert_allclose(glued[name], v, rtol=0)
        assert _shown(glued[f"{name}-text"]) == format_value(float(v))
    assert _shown(glued["gpu"]) == "H100-SXM"  # not "'H100-SXM'": the role strips the quotes of the repr
    assert _shown(glued["image_size-text"]) == "512"  # hand: a whole number below 10⁹ -> ",.0f"
    assert nb["use"] == 1


def test_setup_view_refuses_an_undeclared_parameter(nb):
    """Contract of ``Params`` from ``from_namespace``: reading a registry name the cell did not
    declare raises AttributeError naming the parameters cell, so a chapter never silently reads a
    default that a build overrode."""
    p = page.setup(dict(CH01_CELL))
    assert p.image_size == 512
    with pytest.raises(AttributeError, match="gpu.*not declared in this chapter's parameters cell"):
        p.gpu
    with pytest.raises(AttributeError, match="no parameter named"):
        p.not_a_parameter


@pytest.mark.parametrize("name, bad", [
    ("image_size", -512),           # out of range
    ("fps", math.nan),              # not finite
    ("fps", "24"),                  # wrong type
    ("image_size", 500),            # not a multiple of vae_spatial_compression x patch_size = 16
    ("pixel_channels", True),       # a bool is not a number
])
def test_setup_refuses_a_bad_value(nb, name, bad):
    """Contract of ``setup``: every declared value is validated before anything is glued; a bad one
    raises ParamError naming the parameter."""
    with pytest.raises(ParamError, match=f"parameter '{name}'"):
        page.setup({**CH01_CELL, name: bad})
    assert nb["glue"] == [] and nb["use"] == 0
    assert "params" not in page._STATE


def test_setup_refuses_fp8_on_a100(nb):
    """Contract of ``check_together``: the A100 has no FP8 units."""
    with pytest.raises(ParamError, match="fp8"):
        page.setup({"gpu": "A100-SXM", "precision": "fp8"})


# --- record ---------------------------------------------------------------------------------------

def test_record_before_setup_is_refused(nb):
    """Contract of ``record``: a result needs the chapter's parameters (``setup`` first)."""
    with pytest.raises(RuntimeError, match="setup"):
        page.record("pixel-positions")
    assert nb["glue"] == [] and nb["display"] == []


def test_record_pixel_positions_by_hand(nb):
    """Hand derivation: a 256-pixel square image has 256² = 65,536 pixel positions, shown with the
    result's ",.0f" format and its unit "pixels"."""
    page.setup({**CH01_CELL, "image_size": 256})
    number = page.record("pixel-positions")
    assert_allclose(number, 65_536, rtol=0)
    glued = _glued(nb)
    assert _shown(glued["pixel-positions-text"]) == "65,536 pixels"


@pytest.mark.parametrize("key", list(registry.RESULTS))
def test_record_states_the_registry_value(nb, key):
    """Contract of ``record``: the value is exactly the registry's (``lookup(key).evaluate``) for the
    chapter's parameters; it is glued as a float under ``key`` and formatted with its unit under
    ``key-text``, and displayed once as Markdown under the anchor ``(result-<key>)=`` with the
    metadata ``{META_KEY: {"key", "value"}}`` the build collects."""
    page.setup(defaults())
    nb["glue"].clear()
    spec = registry.lookup(key)
    expected = spec.evaluate(Params(defaults()))
    number = page.record(key)
    assert type(number) is float
    assert_allclose(number, expected, rtol=0)

    glued = _glued(nb)
    assert set(glued) == {key, f"{key}-text"}
    assert type(glued[key]) is float
    assert_allclose(glued[key], expected, rtol=0)
    assert _shown(glued[f"{key}-text"]) == f"{format_value(expected, spec.fmt)} {spec.unit}".strip()

    assert len(nb["display"]) == 1
    (bundle,), kwargs = nb["display"][0]
    assert kwargs["raw"] is True
    assert kwargs["metadata"] == {page.META_KEY: {"key": key, "value": expected}}
    markdown = bundle["text/markdown"]
    assert markdown.startswith(f"(result-{key})=\n")
    assert markdown.splitlines()[0] == f"({spec.anchor_id})="
    assert f"**{spec.description}:** {format_value(expected, spec.fmt)}" in markdown
    assert f"(#result-{key})" in markdown
    assert bundle["text/plain"] == f"{key} = {format_value(expected, spec.fmt)}"


@pytest.mark.parametrize("alias, key", sorted(registry.ALIASES.items()))
def test_record_by_alias_states_the_current_key(nb, alias, key):
    """Contract of ``lookup``: a retired alias resolves to its current key, and the statement (glue
    names, anchor, metadata) carries the current key only."""
    page.setup(defaults())
    assert_allclose(page.record(alias), registry.lookup(key).evaluate(Params(defaults())), rtol=0)
    glued = _glued(nb)
    assert key in glued and alias not in glued
    (bundle,), kwargs = nb["display"][0]
    assert bundle["text/markdown"].startswith(f"(result-{key})=")
    assert kwargs["metadata"][page.META_KEY]["key"] == key


def test_record_refuses_an_unknown_key(nb):
    """Contract of ``record``: a key the registry does not define raises KeyError; nothing is glued
    or shown."""
    page.setup(defaults())
    nb["glue"].clear()
    with pytest.raises(KeyError, match="no-such-result"):
        page.record("no-such-result")
    assert nb["glue"] == [] and nb["display"] == []


def test_record_refuses_an_undeclared_parameter(nb):
    """Contract of the restricted view: a chapter that did not declare a parameter its result needs
    (chapter 1's cell has no ``gpu``) cannot record it on a default."""
    page.setup(dict(CH01_CELL))
    nb["glue"].clear()
    with pytest.raises(AttributeError, match="not declared"):
        page.record("video-minutes-per-h100-hour")
    assert nb["glue"] == [] and nb["display"] == []


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, "n/a"])
@pytest.mark.parametrize("key", ["pixel-positions", "train-image-compute-share", "fleet-gpus-peak"])
def test_record_refuses_a_value_outside_the_domain(nb, monkeypatch, key, bad):
    """Contract of ``ResultSpec.check``: a value outside the result's domain (positive, share,
    nonnegative) is never published: DomainError naming the key and the value, nothing glued or
    shown. The spec's compute is replaced to return the bad value."""
    spec = registry.RESULTS[key]
    monkeypatch.setitem(registry.RESULTS, key, dataclasses.replace(spec, compute=lambda p: bad))
    page.setup(defaults())
    nb["glue"].clear()
    with pytest.raises(DomainError, match=f"result '{re.escape(key)}' came out as"):
        page.record(key)
    with pytest.raises(DomainError, match=re.escape(key)):
        page.value(key)
    assert nb["glue"] == [] and nb["display"] == []


def test_record_refuses_a_share_above_one(nb, monkeypatch):
    """Contract of the ``share`` domain: [0, 1]; 1.5 is refused, 1.0 is published."""
    key = "train-image-compute-share"
    spec = registry.RESULTS[key]
    assert spec.domain == "share"
    page.setup(defaults())
    monkeypatch.setitem(registry.RESULTS, key, dataclasses.replace(spec, compute=lambda p: 1.5))
    with pytest.raises(DomainError, match="share in \\[0, 1\\]"):
        page.record(key)
    monkeypatch.setitem(registry.RESULTS, key, dataclasses.replace(spec, compute=lambda p: 1.0))
    assert page.record(key) == 1.0


# --- value, glue_value, glue_text ------------------------------------------------------------------

def test_value_states_nothing_and_takes_a_variant(nb):
    """Contract of ``value``: the registry's value for the chapter's parameters, or for a variant
    ``p.replace(...)``; nothing glued or displayed. Hand: 1,024² = 1,048,576 pixels."""
    p = page.setup(dict(CH01_CELL))
    nb["glue"].clear()
    assert_allclose(page.value("pixel-positions"), 512 ** 2, rtol=0)
    assert_allclose(page.value("pixel-positions", p.replace(image_size=1024)), 1_048_576, rtol=0)
    assert nb["glue"] == [] and nb["display"] == []


def test_glue_value_glues_a_python_float_and_its_text(nb):
    """Contract of ``glue_value`` (and the style guide: glue Python floats, never NumPy scalars):
    a NumPy scalar is glued as a float; hand: 2e10 in "auto" format is 2 × 10¹⁰."""
    out = page.glue_value("gpu-flops", np.float64(2e10))
    assert type(out) is float
    glued = _glued(nb)
    assert type(glued["gpu-flops"]) is float
    assert_allclose(glued["gpu-flops"], 2e10, rtol=0)
    assert _shown(glued["gpu-flops-text"]) == "2\u00a0×\u00a010¹⁰"
    page.glue_value("share", 0.123456, ".1%")
    assert _shown(_glued(nb)["share-text"]) == "12.3%"


def test_glue_text_shows_words_without_quotes(nb):
    """Contract of ``glue_text``: glue shows the object's repr, which is the words themselves."""
    page.glue_text("clip", "1,440 frames at 512x512")
    assert _shown(_glued(nb)["clip"]) == "1,440 frames at 512x512"


# --- escape, code ---------------------------------------------------------------------------------

@pytest.mark.parametrize("hostile, expected", [
    ("<script>alert(1)</script>", r"\<script\>alert\(1\)\</script\>"),
    ("`rm -rf`", r"\`rm -rf\`"),
    ("{glue:text}`train-flops-low`", r"\{glue:text\}\`train-flops-low\`"),
    ("a | b", r"a \| b"),
    ("**bold** _it_ [link](http://x) ![img](y) $x$ # h +", r"\*\*bold\*\* \_it\_ \[link\]\(http://x\) "
                                                            r"\!\[img\]\(y\) \$x\$ \# h \+"),
    ("back\\slash", r"back\\slash"),
    ("line one\n\n# heading\n:::", r"line one \# heading :::"),
])
def test_escape_by_hand(hostile, expected):
    """Hand derivation from ``escape``'s contract: each MyST/HTML special character is
    backslash-escaped and whitespace (newlines included) folds to single spaces, so a text stays
    inside its table cell or line and is shown as written."""
    assert page.escape(hostile) == expected


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            out.append(text[i + 1])
            i += 2
        else:
            assert text[i] not in SPECIAL, f"unescaped {text[i]!r} in {text!r}"
            out.append(text[i])
            i += 1
    return "".join(out)


@given(st.text())
def test_escape_leaves_no_special_character_unescaped(s):
    """Property: every special character of the output follows a backslash, no newline is left, and
    removing the backslashes gives back the text with its whitespace folded (shown as written)."""
    out = page.escape(s)
    assert "\n" not in out and "\r" not in out
    assert _unescape(out) == " ".join(s.split())


@pytest.mark.parametrize("text, expected", [("p.gpu", "`p.gpu`"), ("a`b", "`a'b`"), ("x\n  y", "`x y`")])
def test_code_by_hand(text, expected):
    """Contract of ``code``: inline code, a backtick inside becomes a quote, whitespace folded."""
    assert page.code(text) == expected


# --- tables ---------------------------------------------------------------------------------------

def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row, split at unescaped pipes."""
    assert line.startswith("| ") and line.endswith(" |")
    return [c.strip() for c in re.split(r"(?<!\\)\|", line[1:-1])]


COLUMNS = [("name", "name", None), ("flops", "FLOPs", ".3g"), ("months", "GPU-months", ",.0f"),
           ("ref", "source", "cite"), ("link", "page", "raw")]


def test_table_markdown_by_hand():
    """Hand derivation from ``table_markdown``'s contract: a named, captioned ``{table}``; number
    columns right-aligned (``---:``), text, cite and raw columns not; numbers formatted with the
    column's spec (2.5e24 with ".3g" is 2.5 × 10²⁴, 1234.4 with ",.0f" is 1,234), a missing value
    "n/d", a cite key as ``{cite:p}``, raw MyST unchanged, text escaped."""
    rows = [
        {"name": "Sora | <b>x</b>", "flops": 2.5e24, "months": 1234.4, "ref": "peebles2023dit",
         "link": "{doc}`/book/results`"},
        {"name": "DiT-XL/2", "flops": 0.000123456, "months": None, "ref": "x", "link": "y"},
    ]
    text = page.table_markdown(rows, COLUMNS, "tbl-demo", "A caption with {cite:p}`x`.")
    lines = text.splitlines()
    assert text.endswith(":::\n")
    assert lines[:3] == [":::{table} A caption with {cite:p}`x`.", ":name: tbl-demo", ""]
    assert _cells(lines[3]) == ["name", "FLOPs", "GPU-months", "source", "page"]
    assert lines[4] == "|---|---:|---:|---|---|"
    assert _cells(lines[5]) == [r"Sora \| \<b\>x\</b\>", "2.5\u00a0×\u00a010²⁴", "1,234", "{cite:p}`peebles2023dit`",
                                "{doc}`/book/results`"]
    assert _cells(lines[6]) == ["DiT-XL/2", "0.000123", "n/d", "{cite:p}`x`", "y"]
    assert lines[7] == ":::"
    assert len(lines) == 8


def test_table_markdown_number_cells_use_format_value():
    """Contract: a number cell is ``format_value(value, fmt)`` (NumPy scalars too); a bool is text."""
    rows = [{"a": np.float64(12345.678), "b": 3, "c": True}]
    columns = [("a", "a", ",.1f"), ("b", "b", ".2e"), ("c", "c", ".3g")]
    line = page.table_markdown(rows, columns, "t", "c").splitlines()[5]
    assert _cells(line) == [format_value(12345.678, ",.1f"), "3.00\u00a0×\u00a010⁰", "True"]


@given(st.lists(st.text(), min_size=1, max_size=4))
def test_table_markdown_keeps_one_cell_per_column(texts):
    """Property: whatever text a cell holds, its row keeps exactly one cell per column."""
    columns = [(f"c{i}", f"h{i}", None) for i in range(len(texts))]
    text = page.table_markdown([{f"c{i}": t for i, t in enumerate(texts)}], columns, "tbl-x", "cap")
    lines = text.splitlines()
    assert len(lines) == 7
    assert len(_cells(lines[5])) == len(texts)


def test_show_table_displays_the_markdown(nb):
    """Contract of ``show_table``: one display of exactly ``table_markdown``'s text."""
    rows = [{"name": "x", "flops": 1.0, "months": 2.0, "ref": "k", "link": "l"}]
    page.show_table(rows, COLUMNS, "tbl-demo", "cap")
    assert _markdown(nb) == [page.table_markdown(rows, COLUMNS, "tbl-demo", "cap")]


def test_show_parameters_lists_each_parameter(nb):
    """Contract of ``show_parameters``: one row per parameter (or per name asked for) with its value,
    unit, description and source from the registry."""
    p = page.setup({**CH01_CELL, "gpu": "H100-SXM"})
    page.show_parameters(p, "tbl-params-x", ["image_size", "fps", "gpu"])
    (text,) = _markdown(nb)
    lines = text.splitlines()
    assert lines[1] == ":name: tbl-params-x"
    rows = [_cells(ln) for ln in lines[5:-1]]
    assert [r[0] for r in rows] == [page.escape("image_size"), page.escape("fps"), "gpu"]
    assert [r[1] for r in rows] == ["512", "24", page.escape("H100-SXM")]
    for r, name in zip(rows, ["image_size", "fps", "gpu"]):
        assert r[2:] == [page.escape(REGISTRY[name].unit), page.escape(REGISTRY[name].description),
                         page.escape(REGISTRY[name].source)]
    nb["display"].clear()
    page.show_parameters(p, "tbl-all")
    assert len(_markdown(nb)[0].splitlines()) == 5 + len(p) + 1


@pytest.mark.parametrize("chapter", registry.CHAPTERS)
def test_show_claims_one_row_per_claim(nb, chapter):
    """Contract of ``show_claims``: one row per claim of the chapter from ``check_claims``, printed and
    recomputed formatted with the unit, the signed difference and the verdict; table named
    ``tbl-claims-<stem without its number>``."""
    claims = registry.check_claims(chapter)
    page.show_claims(chapter)
    (text,) = _markdown(nb)
    lines = text.splitlines()
    assert lines[1] == f":name: tbl-claims-{chapter.split('-', 1)[1]}"
    rows = [_cells(ln) for ln in lines[5:-1]]
    assert len(rows) == len(claims)
    for row, c in zip(rows, claims):
        assert row[0] == page.escape(c["text"])
        assert row[1] == page.escape(f"{format_value(c['printed'])} {c['unit']}")
        assert row[2] == page.escape(f"{format_value(c['recomputed'])} {c['unit']}")
        assert row[3] == page.escape(f"{c['relative_difference']:+.1%}")
        assert row[4] == c["verdict"] and c["verdict"] in ("agrees", "approximate", "disagrees")
