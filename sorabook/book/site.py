"""The site: staged pages -> Jupyter Book -> checked results.

- :func:`assemble` stages the configuration, the hand-written pages, the generated pages
  (results, scenarios, reproduction) and the downloadable results beside the executed
  notebooks; :func:`insert_provenance` puts the provenance box under each chapter's title;
- :func:`build_site` runs Jupyter Book 1.x on the staging folder, strictly, execution off;
- :func:`build_time` is the build's time stamp (``$SOURCE_DATE_EPOCH`` when set); the box
  carries it as an empty ``<time>`` element, outside the text Sphinx indexes for search, and
  :func:`fill_stamps` writes it into the built pages (so two builds differ at most there);
- :func:`collect` gathers what the notebooks recorded, checked against
  :func:`sorabook.report.compute`; :func:`export` writes ``results.json`` and
  ``results.csv`` once every result's anchor is found in the built pages, and the evidence
  tables as ``evidence/NAME.csv`` (:func:`copy_evidence`).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Mapping

import sorabook
from sorabook.book.execute import read_notebook, write_notebook
from sorabook.book.plan import CONFIG_FILES, BuildError, ChapterRun, git_commit
from sorabook.params import ParamError, Params, Scenario
from sorabook.book.page import META_KEY
from sorabook.results.export import results_csv

__all__ = [
    "assemble",
    "build_site",
    "build_time",
    "collect",
    "copy_evidence",
    "export",
    "fill_marker",
    "fill_stamps",
    "insert_provenance",
    "jupyter_book_command",
    "provenance",
    "provenance_box",
    "recorded_results",
    "scenario_comparison",
]


def scenario_comparison() -> dict[str, dict]:
    """Every shipped scenario's description, differences and headline results (package only)."""
    from sorabook.params import resolve, scenario_names
    from sorabook.results.registry import compute

    out = {}
    for name in scenario_names():
        p, s = resolve(name)
        out[name] = {"description": s.description, "differences": p.differences(), "results": compute(p)}
    return out


#: The largest ``SOURCE_DATE_EPOCH`` a date can show: 9999-12-31 23:59:59 UTC.
_LAST_EPOCH = 253_402_300_799


def build_time() -> str:
    """The build's time stamp, ``YYYY-MM-DD HH:MM UTC``: ``$SOURCE_DATE_EPOCH`` when it is set and
    not empty (reproducible builds: two builds then give the same pages), else the current time.

    A value that is not a whole number of seconds from 0 to 253402300799 raises :class:`ParamError`.
    """
    text = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not text:
        when = _dt.datetime.now(_dt.timezone.utc)
    else:
        if not re.fullmatch(r"[0-9]{1,12}", text) or int(text) > _LAST_EPOCH:
            shown = repr(text) if len(text) <= 40 else repr(text[:40]) + "..."
            raise ParamError(f"SOURCE_DATE_EPOCH={shown}: expected a whole number of seconds since "
                             f"1970-01-01 UTC, from 0 to {_LAST_EPOCH} (or leave it unset)")
        when = _dt.datetime.fromtimestamp(int(text), _dt.timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def provenance(root: Path, params: Params, scenario: Scenario) -> dict:
    """What a build was made with: scenario, its label (with the parameters changed from it,
    :func:`sorabook.results.export.scenario_label`), changed parameters, hash, version, commit, date
    (UTC, :func:`build_time`)."""
    from sorabook.results.export import modified, scenario_label

    return {
        "scenario": scenario.name,
        "label": scenario_label(params, scenario),
        "modified": modified(params, scenario),
        "description": scenario.description,
        "differences": params.differences(),
        "parameters_sha256": params.sha256,
        "version": sorabook.__version__,
        "git_commit": git_commit(root),
        "built": build_time(),
    }


def provenance_box(prov: Mapping) -> str:
    """The provenance box (MyST) shown under each chapter's title, from :func:`provenance`."""
    from sorabook.book import generated

    return generated.provenance_box(prov)


def insert_provenance(path: Path, box: str) -> None:
    """Put the provenance box right under the page title (first ``# `` heading) of notebook ``path``."""
    import nbformat

    nb = read_notebook(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.split("\n")
        title = next((n for n, ln in enumerate(lines) if ln.startswith("# ")), None)
        if title is None:
            continue
        head = "\n".join(lines[: title + 1])
        rest = "\n".join(lines[title + 1:]).strip("\n")
        new_cells = [nbformat.v4.new_markdown_cell(head), nbformat.v4.new_markdown_cell(box)]
        if rest:
            new_cells.append(nbformat.v4.new_markdown_cell(rest))
        for n, c in enumerate(new_cells):
            c["id"] = f"sorabook-head-{n}"  # deterministic, unlike nbformat's random ids
        nb.cells[i:i + 1] = new_cells
        break
    write_notebook(nb, path)


def assemble(root: Path, dest: Path, doc: Mapping | None = None, prov: Mapping | None = None,
             scenarios: Mapping | None = None) -> None:
    """Stage the book beside the executed notebooks in ``dest``.

    Copies the configuration and the hand-written pages; with a results document
    ``doc`` it also writes the generated pages (results, the scenario comparison of
    :func:`scenario_comparison`, or ``scenarios`` when the caller computed it) and the
    downloadable results files, and with provenance ``prov`` a provenance box at the
    top of every executed chapter.
    """
    from sorabook.book import findings, generated

    for name in CONFIG_FILES:
        shutil.copyfile(root / name, dest / name)
    shutil.copytree(root / "book", dest / "book", dirs_exist_ok=True)
    if doc is None:
        return
    book = dest / "book"
    fill_marker(book / "intro.md", findings.MARKER, findings.findings_block(doc))
    fill_marker(book / "cite.md", CITE_EXAMPLE_MARKER,
                generated.citation_block(doc, next(iter(doc["results"]))))
    (book / "results.md").write_text(generated.results_page(doc))
    copy_evidence(book / "evidence")  # the results page's download links point here
    (book / "results.json").write_text(json.dumps(doc, indent=2) + "\n")
    (book / "results.csv").write_text(results_csv(doc))
    (book / "scenarios.md").write_text(generated.scenarios_page(scenarios or scenario_comparison()))
    (book / "reproduction.md").write_text(generated.reproduction_page(doc["claims"]))
    if prov is not None:
        box = provenance_box(prov)
        for nb_path in sorted((dest / "notebooks").glob("*.ipynb")):
            insert_provenance(nb_path, box)


#: The line of ``book/cite.md`` that the build replaces with a citation line of its first result.
CITE_EXAMPLE_MARKER = "% sorabook: an example citation line (written here by the build, sorabook/book/site.py)"


def fill_marker(page: Path, marker: str, text: str) -> None:
    """Replace the line ``marker`` of the staged ``page`` with ``text`` (a generated block); a page
    without that line exactly once raises :class:`BuildError`, so a block is never silently lost."""
    lines = page.read_text().split("\n")
    if lines.count(marker) != 1:
        raise BuildError(f"{page.parent.name}/{page.name}: expected the line {marker!r} once, "
                         f"found it {lines.count(marker)} times")
    i = lines.index(marker)
    page.write_text("\n".join([*lines[:i], text.rstrip("\n"), *lines[i + 1:]]))


def copy_evidence(dest: Path) -> list[Path]:
    """Copy every evidence table, checked first (:func:`sorabook.model.evidence.tables`), to
    ``dest/NAME.csv`` as shipped; returns the files written. A table that does not read raises
    :class:`sorabook.model.evidence.EvidenceError` and nothing is copied."""
    from sorabook.model import evidence

    names = list(evidence.tables())
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        shutil.copyfile(evidence.EVIDENCE_DIR / f"{name}.csv", dest / f"{name}.csv")
        out.append(dest / f"{name}.csv")
    return out


def jupyter_book_command() -> list[str]:
    """The ``jupyter-book`` command of this interpreter's environment."""
    exe = Path(sys.executable).with_name("jupyter-book")
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "jupyter_book.cli.main"]


#: The time stamp of a provenance box as Jupyter Book writes it: an empty ``<time>`` element.
_STAMP = re.compile(r'<time class="sorabook-built" datetime="(\d{4}-\d\d-\d\d)T(\d\d:\d\d)Z"></time>')


def fill_stamps(html: Path) -> None:
    """Write each provenance box's time stamp into the built pages under ``html``.

    The box (:func:`sorabook.book.generated.provenance_box`) carries the stamp in the
    ``datetime`` attribute of an empty ``<time>`` element: Sphinx's search index takes the
    words of the text and of raw HTML without its tags, so the stamp is no search word and
    ``searchindex.js`` is the same whenever the build ran. Here the element gets its text,
    ``YYYY-MM-DD HH:MM UTC``.
    """
    for page in sorted(html.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        filled = _STAMP.sub(lambda m: f'<time class="sorabook-built" datetime="{m[1]}T{m[2]}Z">'
                                      f'{m[1]} {m[2]} UTC</time>', text)
        if filled != text:
            page.write_text(filled, encoding="utf-8")


def build_site(staging: Path) -> Path:
    """Jupyter Book 1.x, strict (``-W -n --keep-going --all``), execution off. Returns the HTML dir,
    its provenance stamps filled in (:func:`fill_stamps`).

    Its output goes to ``staging/_logs/jupyter-book.log``; a warning or error raises
    :class:`BuildError` quoting the first ten.
    """
    cmd = [*jupyter_book_command(), "build", str(staging), "--all", "-W", "-n", "--keep-going",
           "--path-output", str(staging)]
    env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=staging)
    (staging / "_logs").mkdir(exist_ok=True)
    (staging / "_logs" / "jupyter-book.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise BuildError(jupyter_book_failure(proc.stdout + proc.stderr, staging))
    html = staging / "_build" / "html"
    fill_stamps(html)
    return html


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: ``notebooks/NAME.ipynb:80004``: a line of the executed notebook's JSON, which means nothing to a reader.
_NOTEBOOK_LINE = re.compile(r"(notebooks/[\w.-]+)\.ipynb:\d+")


def jupyter_book_failure(output: str, staging: Path) -> str:
    """The message of a failed Jupyter Book run: its warnings and errors (the first ten), without
    terminal colours, staging paths or JSON line numbers of executed notebooks (a chapter is named
    by its source, ``notebooks/NAME.md``); a full disk or another error without any warning is
    said as such, never as "0 warnings"."""
    text = _ANSI.sub("", output).replace(str(staging) + "/", "")
    text = _NOTEBOOK_LINE.sub(r"\1.md", text)
    lines = [ln.strip() for ln in text.splitlines() if "WARNING" in ln or "ERROR" in ln]
    if "No space left on device" in text:
        return "jupyter-book build failed: the disk is full (No space left on device)"
    if lines:
        return f"jupyter-book build failed ({len(lines)} warnings or errors):\n  " + "\n  ".join(lines[:10])
    last = next((ln.strip() for ln in reversed(text.splitlines()) if ln.strip()), "no output")
    return f"jupyter-book build failed: {last[:300]}"


def recorded_results(nb_path: Path) -> dict[str, float]:
    """The results an executed notebook recorded with :func:`sorabook.results.record`, by key."""
    nb = json.loads(nb_path.read_text())
    out = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("metadata", {}).get(META_KEY)
            if data:
                out[data["key"]] = float(data["value"])
    return out


def _close(a: float, b: float) -> bool:
    """Equal, or within a relative 1e-12 (the same arithmetic in a kernel and here)."""
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def collect(nb_dir: Path, params: Params, runs: list[ChapterRun],
            expected: Mapping[str, float] | None = None) -> dict[str, float]:
    """The results the executed notebooks recorded, checked against the package.

    Every result defined for a chapter must be recorded by it, with the value that
    :func:`sorabook.report.compute` gives for the same parameters (``expected``, when
    the caller computed it already): a mismatch is a bug and fails the build.
    """
    from sorabook.results.registry import RESULTS, compute

    recorded: dict[str, float] = {}
    for run in runs:
        recorded.update(recorded_results(nb_dir / f"{run.stem}.ipynb"))
    if expected is None:
        expected = compute(params, {r.stem for r in runs})
    missing = sorted(set(expected) - set(recorded))
    if missing:
        raise BuildError(f"result {missing[0]!r} is defined for {RESULTS[missing[0]].chapter} but not recorded there")
    for key, value in expected.items():
        if not _close(recorded[key], value):
            raise BuildError(f"result {key!r}: the notebook recorded {recorded[key]!r}, the package computes {value!r}")
    return {k: recorded[k] for k in expected}


def export(html: Path, doc: Mapping) -> None:
    """Check every result's anchor in the built site ``html``, then write results.json, results.csv, the
    evidence tables (``evidence/NAME.csv``) and the live page's runtime (``_static/pyodide/``,
    :func:`sorabook.book.pyodide.install`)."""
    for key, r in doc["results"].items():
        page, anchor = r["anchor"].split("#")
        if f'id="{anchor}"' not in (html / page).read_text():
            raise BuildError(f"result {key!r}: anchor #{anchor} missing from {page}")
    (html / "results.json").write_text(json.dumps(doc, indent=2) + "\n")
    (html / "results.csv").write_text(results_csv(doc))
    copy_evidence(html / "evidence")
    from sorabook.book import pyodide
    pyodide.install(html / "_static" / "pyodide")  # the live page's Python: runtime, package, manifest
