"""sorabook.book.generated: the MyST pages the build writes from a run (results, scenarios,
reproduction) and the provenance box at the top of each chapter.

The inputs have the shapes the build gives them (``sorabook/book/site.py``): a real results document
(``export.results_document``), the scenario comparison of ``pipeline.scenario_comparison``, the
claims of ``registry.check_claims`` and the provenance dict of ``pipeline.provenance``.
"""

from __future__ import annotations

import re

import pytest

from sorabook import params as sparams
from sorabook.book import site as pipeline
from sorabook.book import generated
from sorabook.book.page import code, escape
from sorabook.params import Scenario
from sorabook.results import export, registry
from sorabook.results.specs import format_value

#: A description written to break out of its line, its admonition and its page.
HOSTILE = ("<script>alert('x')</script> {glue:text}`train-flops-low` | a | b |\n\n:::\n# Heading\n"
           "**bold** [link](javascript:alert(1)) $x$ ```")


@pytest.fixture(scope="module")
def doc():
    """The results document of the default scenario, as ``sorabook results`` makes it."""
    p, scenario = sparams.resolve()
    return export.results_document(p, scenario, registry.compute(p), site=False)


@pytest.fixture(scope="module")
def comparison():
    """Every shipped scenario's description, differences and results, as the build compares them."""
    return pipeline.scenario_comparison()


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row, split at unescaped pipes."""
    assert line.startswith("| ") and line.endswith(" |"), line
    return [c.strip() for c in re.split(r"(?<!\\)\|", line[1:-1])]


def _table(text: str, name: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the MyST table named ``name`` in ``text``."""
    lines = text.splitlines()
    start = lines.index(f":name: {name}")
    assert lines[start - 1].startswith(":::{table} ") and lines[start + 1] == ""
    end = lines.index(":::", start)
    header, align, *rows = lines[start + 2:end]
    assert re.fullmatch(r"\|(---:?\|)+", align)
    return _cells(header), [_cells(r) for r in rows]


def _unescaped(text: str, chars: str) -> list[str]:
    """The characters of ``chars`` that occur in ``text`` without a backslash before them."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in chars:
            out.append(text[i])
        i += 1
    return out


# --- citation lines and the results page ---------------------------------------------------------

def test_document_holds_every_result(doc):
    """Contract of ``results_document``: every registry result, in registry order."""
    assert list(doc["results"]) == list(registry.RESULTS)


def test_citation_line_states_the_value(doc):
    """Contract of ``citation_line``: the key, value and unit first (what differs between two lines),
    then in brackets the version, the scenario's label and the parameters sha256. Hand:
    pixel-positions of the article's 512x512 image is 262,144 pixels (the article's printed number)."""
    line = generated.citation_line(doc, "pixel-positions")
    assert line == (f"pixel-positions = 262,144 pixels [sorabook {doc['versions']['sorabook']}; scenario: article; "
                    f"parameters sha256 {doc['parameters_sha256']}]")
    assert "\n" not in line


def test_citation_line_names_a_modified_build():
    """Issue "the book as readers meet it": a build with ``--set fps=30`` was cited as scenario ``article``;
    its line names the change. Hand: 60 s at 30 fps is 1,800 frames."""
    p, scenario = sparams.resolve(sets=["fps=30"])
    modified = export.results_document(p, scenario, registry.compute(p, ["01-latent-compression"]), site=False)
    line = generated.citation_line(modified, "video-frames")
    assert line.startswith("video-frames = 1,800 frames [")
    assert "; scenario: article, modified: fps = 30; " in line


def test_results_page_lists_every_result(doc):
    """Contract of ``results_page``: one table row per result of the document, its key linking to the
    anchor ``result-<key>``, its value formatted by the result's spec, and its unit, description and
    chapter page; the count in the text is the document's."""
    text = generated.results_page(doc)
    assert text.startswith("(results)=\n# Results\n")
    assert f"All {len(doc['results'])} headline results" in text
    assert f"parameters sha256 `{doc['parameters_sha256']}`" in text
    header, rows = _table(text, "tbl-results")
    assert header == ["result", "value", "unit", "description", "chapter"]
    assert len(rows) == len(doc["results"])
    for row, (key, r) in zip(rows, doc["results"].items()):
        spec = registry.RESULTS[key]
        assert row == [f"{{ref}}`{key} <result-{key}>`", escape(format_value(r["value"], spec.fmt)),
                       escape(r["unit"]), escape(r["description"]), f"{{doc}}`/notebooks/{r['chapter']}`"]
        assert r["anchor"].endswith(f"#result-{key}")


def test_results_page_has_one_citation_block_per_result(doc):
    """Contract of ``results_page``: under "Citation lines", one ``text`` code block per result (each with
    its own copy button on the site) holding one line: the key, ``format_value(value)`` and the unit, then
    the version, the scenario and the parameters sha256."""
    text = generated.results_page(doc)
    section = text.split("\n## Citation lines\n", 1)[1].split("\n## Evidence\n", 1)[0]
    blocks = re.findall(r"^```text\n(.*)\n```$", section, flags=re.M)
    assert len(blocks) == len(doc["results"]) == section.count("```text")
    for line, (key, r) in zip(blocks, doc["results"].items()):
        assert line == generated.citation_line(doc, key)
        m = re.fullmatch(r"(\S+) = (.+) \[sorabook (\S+); scenario: (.+); parameters sha256 ([0-9a-f]{64})\]", line)
        assert m, line
        cited, shown, version, label, sha = m.groups()
        assert (cited, version, label, sha) == (key, doc["versions"]["sorabook"], doc["label"],
                                                doc["parameters_sha256"])
        assert shown == f"{format_value(r['value'])} {r['unit']}".strip()


def test_citation_block_fence_outlasts_backticks_in_the_label(doc):
    """Contract of ``citation_block``: a label with a run of backticks (text from a parameter's value)
    stays inside its block: the fence is longer than the run."""
    hostile = {**doc, "label": "custom: gpu = ```x````"}
    block = generated.citation_block(hostile, "pixel-positions")
    first, line, last = block.rstrip("\n").split("\n")
    assert first == "`````text" and last == "`````" and "````" in line


def test_results_page_of_a_partial_run(doc):
    """Contract: the page lists the results the document holds (a run of some chapters), no others."""
    keys = [k for k, r in doc["results"].items() if r["chapter"] == "01-latent-compression"]
    partial = {**doc, "results": {k: doc["results"][k] for k in keys}}
    text = generated.results_page(partial)
    _, rows = _table(text, "tbl-results")
    assert [r[0] for r in rows] == [f"{{ref}}`{k} <result-{k}>`" for k in keys]
    assert f"All {len(keys)} headline results" in text


def test_results_page_offers_every_evidence_table(doc):
    """Contract of ``results_page``: under "Evidence", one download line per evidence table, linking to
    ``evidence/NAME.csv`` (where the build copies it), with its description and its number of rows as the
    package reads them."""
    from sorabook.model import evidence

    text = generated.results_page(doc)
    section = text.split("\n## Evidence\n", 1)[1]
    lines = [ln for ln in section.splitlines() if ln.startswith("- {download}")]
    assert len(lines) == len(evidence.SCHEMAS)
    for line, name in zip(lines, evidence.SCHEMAS):
        n = len(evidence.table(name))
        assert line == (f"- {{download}}`{name}.csv <evidence/{name}.csv>`: "
                        f"{escape(evidence.DESCRIPTIONS[name])} ({n} rows).")


def test_evidence_section_counts_the_rows_it_is_given():
    """Contract of ``evidence_section``: the count is the length of the rows given (one row: singular)."""
    text = generated.evidence_section({"training": [{}, {}, {}], "prices": [{}]})
    assert "`training.csv <evidence/training.csv>`" in text and "(3 rows)." in text
    assert "`prices.csv <evidence/prices.csv>`" in text and "(1 row)." in text
    assert "inference.csv" not in text


# --- provenance box -------------------------------------------------------------------------------

@pytest.fixture
def hostile_prov(tmp_path):
    """A provenance dict as the build makes it, for a user's parameters file with a hostile
    description and a changed text-valued parameter; ``tmp_path`` is not a git checkout."""
    p, _ = sparams.resolve()
    p = p.replace(diffusion_steps=50, tiktok_ai_share=0.25)
    prov = pipeline.provenance(tmp_path, p, Scenario("custom", HOSTILE, {}))
    prov["differences"]["distribution_overrides"] = {"fps": {"source": "<img src=x onerror=alert(1)> | `x`"}}
    return prov


def test_provenance_box_shape(hostile_prov):
    """Contract of ``provenance_box``: one collapsed ``<details>`` whose summary line names the
    scenario and the hash's first 8 digits; inside, each changed parameter as inline code with
    its value, the hash, the version, the commit (or "not a git checkout")."""
    box = generated.provenance_box(hostile_prov)
    lines = box.splitlines()
    assert lines[0] == '<details class="sorabook-provenance">'
    assert lines[1].startswith('<summary><span class="sorabook-provenance-title">Provenance of this page</span>: '
                               "scenario <code>custom: diffusion_steps = 50, tiktok_ai_share = 0.25</code>, "
                               "parameters <code>")
    assert f"<code>{hostile_prov['parameters_sha256'][:8]}</code>&hellip;</summary>" in lines[1]
    assert box.endswith("</details>\n")
    assert "`diffusion_steps` = 50" in box
    assert f"`tiktok_ai_share` = {escape(format_value(0.25))}" in box
    assert f"- **Parameters sha256:** `{hostile_prov['parameters_sha256']}`" in box
    assert "git commit `not a git checkout`" in box
    assert hostile_prov["git_commit"] is None


def test_provenance_box_escapes_a_hostile_description(hostile_prov):
    """Contract of the module: text from outside the package is shown as written, never interpreted:
    the description stays on its one list line (no heading, no closing fence), with no unescaped
    HTML (but the time stamp's ``<time>`` element), role, pipe or emphasis character."""
    box = generated.provenance_box(hostile_prov)
    lines = box.splitlines()
    assert [ln for ln in lines if ln.startswith("<")] == [lines[0], lines[1], "</details>"]
    assert not [ln for ln in lines if ln.startswith("#") or ln.startswith(":::")]
    (line,) = [ln for ln in lines if ln.startswith("- **Scenario:**")]
    assert line == f"- **Scenario:** `custom: diffusion_steps = 50, tiktok_ai_share = 0.25`: {escape(HOSTILE)}"
    # no HTML tag can open anywhere in the box but the box's own and the time stamp (generated.stamp)
    inside = "\n".join(lines[2:-1]).replace(generated.stamp(hostile_prov["built"]), "")
    assert _unescaped(inside, "<>") == []
    described = line.removeprefix("- **Scenario:** `custom: diffusion_steps = 50, tiktok_ai_share = 0.25`: ")
    assert _unescaped(described, "<>`{}|*[]$#") == []
    (changed,) = [ln for ln in lines if ln.startswith("- **Parameters that differ")]
    assert _unescaped(changed.split("`distribution_overrides` = ", 1)[1], "<>`{}|") == []


def test_provenance_box_of_the_article(tmp_path):
    """Contract: no parameter differs from the article's in the default scenario ("none")."""
    p, scenario = sparams.resolve()
    box = generated.provenance_box(pipeline.provenance(tmp_path, p, scenario))
    assert "- **Parameters that differ from the article's:** none" in box
    assert f"- **Scenario:** `article`: {escape(scenario.description)}" in box
    assert "scenario <code>article</code>, parameters" in box


def test_provenance_box_names_a_modified_build(tmp_path):
    """Issue "the book as readers meet it": ``--set`` on top of a scenario is named in the box's summary
    and its scenario line, not hidden behind the scenario's name."""
    p, scenario = sparams.resolve("corrected", sets=["fps=30"])
    prov = pipeline.provenance(tmp_path, p, scenario)
    assert (prov["scenario"], prov["label"], prov["modified"]) == ("corrected", "corrected, modified: fps = 30",
                                                                   {"fps": 30.0})
    box = generated.provenance_box(prov)
    assert "scenario <code>corrected, modified: fps = 30</code>, parameters" in box
    assert "- **Scenario:** `corrected, modified: fps = 30`: " in box


def test_provenance_box_scenario_name_is_inline_code():
    """Contract of ``code``: a backtick in the name cannot end the inline code early."""
    prov = {"scenario": "a`b", "description": "d", "differences": {}, "parameters_sha256": "0" * 64,
            "version": "0.0", "git_commit": "abc+dirty", "built": "2024-03-01 00:00 UTC"}
    box = generated.provenance_box(prov)
    assert "- **Scenario:** `a'b`: d" in box
    assert "scenario <code>a`b</code>" in box  # the summary is HTML: escaped there, the backtick kept
    assert "git commit `abc+dirty`" in box


# --- scenarios page -------------------------------------------------------------------------------

def test_scenarios_page_compares_the_scenarios_given(comparison):
    """Contract of ``scenarios_page``: one column per scenario given, in order, one row per result,
    each cell the scenario's value formatted by the result's spec."""
    assert set(comparison) == set(sparams.scenario_names())
    text = generated.scenarios_page(comparison)
    assert text.startswith("(scenarios)=\n# Scenarios\n")
    header, rows = _table(text, "tbl-scenarios")
    names = list(comparison)
    assert header == ["result", *(escape(n) for n in names), "unit"]
    assert len(rows) == len(registry.RESULTS)
    for row, (key, spec) in zip(rows, registry.RESULTS.items()):
        assert row[0] == f"{{ref}}`{key} <result-{key}>`"
        assert row[1:-1] == [escape(format_value(comparison[n]["results"][key], spec.fmt)) for n in names]
        assert row[-1] == escape(spec.unit)


def test_scenarios_page_differences_and_descriptions(comparison):
    """Contract: each scenario is described (escaped) with the parameters it changes; the article's
    own set changes none."""
    text = generated.scenarios_page(comparison)
    assert "`article`\n: " + escape(comparison["article"]["description"]) in text
    assert "Differs from `article` in: none (this is the article's own set)" in text
    corrected = comparison["corrected"]["differences"]
    assert corrected
    for name in corrected:
        assert f"{code(name)} = " in text


def test_scenarios_page_escapes_a_hostile_description(comparison):
    """Contract of the module: a user's scenario description is shown as written; the table after it
    keeps its shape (one column per scenario), and no heading or fence is opened by it."""
    given = {"article": comparison["article"], "custom": {**comparison["corrected"], "description": HOSTILE}}
    text = generated.scenarios_page(given)
    assert "`custom`\n: " + escape(HOSTILE) in text
    (line,) = [ln for ln in text.splitlines() if ln.startswith(": ") and "script" in ln]
    assert _unescaped(line[2:], "<>`{}|*[]$#") == []
    assert [ln for ln in text.splitlines() if ln.startswith("#")] == ["# Scenarios"]
    header, rows = _table(text, "tbl-scenarios")
    assert header == ["result", "article", "custom", "unit"]
    assert all(len(r) == 4 for r in rows)


def test_scenarios_page_of_one_scenario(comparison):
    """Contract: the page compares the scenarios it is given, however many."""
    header, rows = _table(generated.scenarios_page({"article": comparison["article"]}), "tbl-scenarios")
    assert header == ["result", "article", "unit"]
    assert len(rows) == len(registry.RESULTS)


# --- reproduction page ----------------------------------------------------------------------------

def test_reproduction_page_lists_every_claim(doc):
    """Contract of ``reproduction_page``: one row per claim of ``check_claims``, in order, with its
    chapter, text, printed and recomputed values, signed difference and verdict: a mark in a span of
    the verdict's class, then the verdict in words (bold when it disagrees)."""
    claims = doc["claims"]
    assert len(claims) == len(registry.CLAIMS)
    text = generated.reproduction_page(claims)
    header, rows = _table(text, "tbl-reproduction")
    assert header == ["chapter", "the article says", "printed", "recomputed", "difference", "verdict"]
    assert len(rows) == len(claims)
    marks = {"agrees": "✓", "approximate": "≈", "disagrees": "✗"}
    for row, c in zip(rows, claims):
        words = "**disagrees**" if c["verdict"] == "disagrees" else c["verdict"]
        assert row == [f"{{doc}}`/notebooks/{c['chapter']}`", escape(c["text"]),
                       escape(f"{format_value(c['printed'])} {c['unit']}"),
                       escape(f"{format_value(c['recomputed'])} {c['unit']}"),
                       escape(f"{c['relative_difference']:+.1%}"),
                       f'<span class="sorabook-verdict sorabook-verdict-{c["verdict"]}" aria-hidden="true">'
                       f'{marks[c["verdict"]]}</span> {words}']


def test_reproduction_page_summary_counts(doc):
    """Hand count over the claims: the summary's numbers of agreeing, approximate and disagreeing
    claims; the chapters named are those of the rows (chapters 1 to 6 print the article's numbers,
    not all nine)."""
    claims = doc["claims"]
    n = {v: sum(c["verdict"] == v for c in claims) for v in ("agrees", "approximate", "disagrees")}
    assert sum(n.values()) == len(claims)
    text = generated.reproduction_page(claims)
    assert (f"Of the article's {len(claims)} checked numbers, {n['agrees']} agree with what its own inputs give "
            f"(within 2 %), {n['approximate']} are approximate (within 25 %) and {n['disagrees']} disagree.") in text
    assert f"This page gathers the {len(claims)} of them from chapters 1 to 6." in text
    assert f"all {len(registry.CHAPTERS)} chapters" not in text


def test_reproduction_page_names_the_chapters_of_its_rows(doc):
    """Contract of ``chapter_span``: the chapters of the rows given, from their numbers."""
    claims = doc["claims"]
    ch5 = [c for c in claims if c["chapter"] == "05-fleet-forecast"]
    assert "from chapter 5." in generated.reproduction_page(ch5)
    some = [c for c in claims if c["chapter"] in ("01-latent-compression", "03-training-estimate")]
    assert "from chapters 1 and 3." in generated.reproduction_page(some)
    assert generated.chapter_span(["02-a", "01-b", "03-c", "06-d"]) == "chapters 1, 2, 3 and 6"


def test_reproduction_page_puts_disagreements_in_a_callout_above_the_table(doc):
    """Issue "the book as readers meet it": the claims that disagree stand out. A warning admonition
    before the table names each one (its chapter, the printed text, what the inputs give and the signed
    difference) and only those; by the check of the article's inputs (chapter 5) there are two."""
    claims = doc["claims"]
    off = [c for c in claims if c["verdict"] == "disagrees"]
    assert [c["key"] for c in off] == ["fleet-gpus-average", "fleet-gpus-peak"]
    text = generated.reproduction_page(claims)
    head, rest = text.split(":::{admonition} 2 printed numbers disagree with the article's own inputs\n", 1)
    callout = rest.split("\n:::\n", 1)[0]
    assert rest.index("\n:::\n") < rest.index(":::{table}")
    assert callout.startswith(":class: warning sorabook-disagrees\n")
    items = [ln for ln in callout.splitlines() if ln.startswith("- ")]
    assert len(items) == len(off)
    for item, c in zip(items, off):
        assert item.startswith(f"- {{doc}}`Chapter 5 </notebooks/{c['chapter']}>`: the article prints “{escape(c['text'])}”")
        assert f"**{escape(format_value(c['recomputed']))} {c['unit']}**" in item
        assert item.endswith(f"({c['relative_difference']:+.0%}).")


def test_reproduction_page_escapes_claim_text(doc):
    """Contract of the module: a claim's text is shown as written, in the callout and in the table."""
    bad = {**doc["claims"][0], "text": HOSTILE, "relative_difference": 0.5, "verdict": "disagrees"}
    text = generated.reproduction_page([bad])
    (item,) = [ln for ln in text.splitlines() if ln.startswith("- {doc}")]
    assert escape(HOSTILE) in item
    assert _unescaped(item.split("prints ", 1)[1], "<>`{}|*[]$#") == ["*", "*", "*", "*"]  # the bold value's own
    _, rows = _table(text, "tbl-reproduction")
    assert len(rows) == 1 and len(rows[0]) == 6 and rows[0][1] == escape(HOSTILE)
    assert [ln for ln in text.splitlines() if ln.startswith("#")] == ["# Reproduction: the article's numbers, checked"]


def test_reproduction_page_without_disagreement(doc):
    """Contract: with no disagreeing claim there is no callout and the summary names none."""
    agreeing = [c for c in doc["claims"] if c["verdict"] == "agrees"]
    text = generated.reproduction_page(agreeing)
    assert "admonition" not in text and "disagree with" not in text
    assert "sorabook-verdict-disagrees" not in text
