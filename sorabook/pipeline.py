"""The build: validated parameters -> executed chapters -> Jupyter Book -> published site.

Each arrow of the data flow is one function here:

- :func:`chapter_parameters` reads a chapter's ``parameters`` cell (literals only);
- :func:`execute` runs every chapter with papermill, in parallel, each kernel on its
  own IPC connection files, skipping chapters whose content hash is cached;
- :func:`assemble` stages the configuration, the hand-written pages, the
  generated pages (results, scenarios) and provenance boxes beside the executed
  notebooks in one temporary folder;
- :func:`build_site` runs Jupyter Book 1.x on it, strictly, with execution off;
- :func:`collect` gathers what the notebooks recorded, checked against
  :func:`sorabook.report.compute`; :func:`export` writes ``results.json`` and
  ``results.csv`` once every result's anchor is found in the built pages;
- :func:`publish` swaps the new site into place only when all of that succeeded.

:func:`build` strings them together. Errors a user can fix raise
:class:`BuildError` with a message naming the notebook and cell.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as _dt
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import sorabook
from sorabook.params import Params, Scenario
from sorabook.book.page import META_KEY
from sorabook.results.export import results_csv, results_document

__all__ = [
    "BuildError",
    "BuildResult",
    "ChapterRun",
    "assemble",
    "build",
    "build_site",
    "chapter_parameters",
    "collect",
    "execute",
    "export",
    "project_root",
    "publish",
]

KERNEL_NAME = "python3"


class BuildError(RuntimeError):
    """A build failed for a reason the message explains (exit code 1)."""


def project_root() -> Path:
    """The repository holding ``_toc.yml``, ``notebooks/`` and ``book/``."""
    env = os.environ.get("SORABOOK_ROOT")
    candidates = [Path(env)] if env else []
    candidates += [Path(sorabook.__file__).resolve().parents[1], Path.cwd()]
    for cand in candidates:
        if (cand / "_toc.yml").is_file() and (cand / "notebooks").is_dir():
            return cand
    raise BuildError("cannot find the book sources (_toc.yml and notebooks/); run from the repository")


# --- reading chapters -------------------------------------------------------------------


def _parameters_cell(nb) -> Any:
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise BuildError(f"expected exactly one cell tagged 'parameters', found {len(cells)}")
    return cells[0]


def _myst_code_cells(text: str) -> list[tuple[dict, str]] | None:
    """The ``{code-cell}`` blocks of a MyST notebook as ``(options, source)``, read line by line.

    A quick reading for the build's plan, which needs only the ``parameters`` cell (jupytext
    and its imports take a second and a half). It knows the common form: fences of three or
    more backticks or tildes at the start of a line, options as ``:key: value`` lines or a
    ``---`` YAML block. On anything else (an indented fence, a fence left open, "{code-cell}"
    outside a fence opening) it returns None and jupytext reads the file. The worker that
    executes the chapter reads it with jupytext and checks that it declares the same.
    """
    import yaml

    lines = text.split("\n")
    i = 0
    if lines and lines[0] == "---":  # front matter
        i = next((n for n in range(1, len(lines)) if lines[n] == "---"), len(lines)) + 1
    cells = []
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip(" ")
        fence = stripped[:3] if stripped[:3] in ("```", "~~~") else ""
        if not fence:
            if "{code-cell}" in line:
                return None
            i += 1
            continue
        if line != stripped:
            return None  # an indented fence: list items, block quotes... leave them to jupytext
        size = len(stripped) - len(stripped.lstrip(fence[0]))
        info = stripped[size:].strip()
        end = next((n for n in range(i + 1, len(lines))
                    if lines[n].strip(" ") == fence[0] * len(lines[n].strip(" ")) and len(lines[n].strip(" ")) >= size),
                   None)
        if end is None:
            return None
        if info.startswith("{code-cell}"):
            body = lines[i + 1:end]
            options: dict = {}
            if body and body[0] == "---":
                close = next((n for n in range(1, len(body)) if body[n] == "---"), None)
                if close is None:
                    return None
                options = yaml.safe_load("\n".join(body[1:close])) or {}
                body = body[close + 1:]
            else:
                while body and body[0].startswith(":") and body[0].count(":") >= 2:
                    key, _, value = body[0][1:].partition(":")
                    options[key.strip()] = yaml.safe_load(value.strip()) if value.strip() else None
                    body = body[1:]
            if not isinstance(options, dict):
                return None
            cells.append((options, "\n".join(body)))
        elif "{code-cell}" in info:
            return None
        i = end + 1
    return cells


def _literal_assignments(source: str, name: str) -> dict[str, Any]:
    """``{name: value}`` of a parameters cell of ``name = literal`` lines (anything else is an error)."""
    out: dict[str, Any] = {}
    for node in ast.parse(source).body:
        ok = isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        try:
            value = ast.literal_eval(node.value) if ok else None
        except ValueError:
            ok = False
        if not ok:
            raise BuildError(f"{name}: parameters cell line {node.lineno}: expected `name = literal`")
        out[node.targets[0].id] = value
    return out


def chapter_parameters(path: Path) -> dict[str, Any]:
    """The names and default values a chapter declares in its ``parameters`` cell.

    The cell must hold only assignments of literals (``name = 24.0``): a derived
    value there would silently keep its default when papermill injects overrides.
    """
    cells = _myst_code_cells(path.read_text()) if path.suffix == ".md" else None
    tagged = [src for opts, src in cells or () if "parameters" in (opts.get("tags") or ())]
    if cells is not None and len(tagged) == 1:
        source = tagged[0]
    else:  # the quick reading did not apply, or found no single cell: jupytext decides (and explains)
        import jupytext

        source = _parameters_cell(jupytext.read(path)).source
    return _literal_assignments(source, path.name)


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def environment_hash(root: Path) -> str:
    """Hash of what every chapter depends on besides its own text and parameters.

    The package's source, scenarios and data, the dependency lock, and the Python version.
    """
    from sorabook.results.cache import package_files

    pkg = Path(sorabook.__file__).parent
    files = package_files()
    parts: list[bytes | str] = [sys.version]
    for p in files:
        parts += [str(p.relative_to(pkg)), p.read_bytes()]
    lock = root / "requirements.lock"
    parts.append(lock.read_bytes() if lock.is_file() else b"")
    return _digest(*parts)


@dataclass
class ChapterRun:
    """One chapter of a build: where it comes from, what it ran with, how it went."""

    stem: str
    source: Path
    parameters: dict[str, Any]
    key: str
    cached: bool = False
    seconds: float = 0.0


def plan(root: Path, params: Params, chapters: Iterable[str]) -> list[ChapterRun]:
    """The chapters of a build with the parameters each declares and its cache key."""
    env = environment_hash(root)
    runs = []
    for stem in chapters:
        source = root / "notebooks" / f"{stem}.md"
        declared = chapter_parameters(source)
        unknown = sorted(set(declared) - set(params))
        if unknown:
            raise BuildError(f"{source.name}: parameters cell declares {unknown[0]!r}, which is not in the registry")
        values = {k: params[k] for k in declared}
        key = _digest(source.read_bytes(), json.dumps(values, sort_keys=True), env)
        runs.append(ChapterRun(stem, source, values, key))
    return runs


# --- executing chapters -----------------------------------------------------------------


def _failure_message(source: Path, err: Exception, nb) -> str:
    """``notebooks/X.md, code cell N (line L: `first line`): Error: message``."""
    ename = getattr(err, "ename", type(err).__name__)
    evalue = getattr(err, "evalue", str(err))
    where = ""
    if nb is not None:
        code = [c for c in nb.cells if c.cell_type == "code"
                and "injected-parameters" not in c.metadata.get("tags", [])]
        for i, cell in enumerate(code, 1):
            if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")
                text = source.read_text()
                line = text[: text.find(cell.source)].count("\n") + 1 if cell.source in text else None
                at = f"line {line}: " if line else ""
                where = f", code cell {i} ({at}`{first[:60]}`)"
                break
    return f"notebooks/{source.name}{where}: {ename}: {evalue}"


def _prepare_worker(server_address: str | None = None, server_pid: int | None = None) -> None:
    """A worker's set-up, run once as it starts: imports every chapter needs, output to a log."""
    import signal

    # Ctrl-C is the main process's to handle: it stops the workers, whose kernels exit
    # with them (ipykernel polls its parent). No worker prints a KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from sorabook import kernels

    os.environ.update(kernels.kernel_environment())
    kernels.connect(server_address, server_pid)
    import jupytext  # noqa: F401
    import papermill  # noqa: F401


def _run_chapter(source: str, out_path: str, parameters: dict, cwd: str, log_path: str) -> tuple[bool, str, float]:
    """Execute one chapter (in a worker process). Returns (ok, message, seconds it took)."""
    start = time.perf_counter()
    ok, message = _execute_chapter(source, out_path, parameters, cwd, log_path)
    return ok, message, time.perf_counter() - start


def _execute_chapter(source: str, out_path: str, parameters: dict, cwd: str, log_path: str) -> tuple[bool, str]:
    import logging
    import signal

    # Ctrl-C is the main process's to handle: it stops the workers, whose kernels exit
    # with them (ipykernel polls its parent). No worker prints a KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Kernel start-up chatter goes to the chapter's log, never to the user's terminal.
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    from sorabook.kernels import kernel_environment, kernel_manager_class

    os.environ.update(kernel_environment())  # a worker's own environment
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("papermill").setLevel(logging.WARNING)

    import jupytext
    import papermill
    from papermill.exceptions import PapermillExecutionError

    stem = Path(source).stem
    nb = jupytext.read(source)
    try:
        declared = _literal_assignments(_parameters_cell(nb).source, Path(source).name)
    except BuildError as err:
        return False, f"notebooks/{stem}.md: {err}"
    if set(declared) != set(parameters):  # the plan's quick reading and jupytext disagree
        return False, (f"notebooks/{stem}.md: jupytext reads the parameters cell as declaring "
                       f"{sorted(declared)}, the plan as {sorted(parameters)}; please report this")
    with tempfile.TemporaryDirectory(prefix="sorabook-ipc-") as ipc_dir:
        try:
            papermill.execute_notebook(
                nb,
                out_path,
                parameters=parameters,
                kernel_name=KERNEL_NAME,
                language="python",
                progress_bar=False,
                cwd=cwd,
                kernel_manager_class=kernel_manager_class(ipc_dir),
                # One write of the finished notebook (or of the failed one), not two after every
                # cell: each write serialises and validates the whole, growing notebook.
                request_save_on_cell_execute=False,
                # Every output is in by then: stop the kernel, skip its half-second teardown.
                shutdown_kernel="immediate",
            )
        except PapermillExecutionError as err:
            failed = None
            with contextlib.suppress(Exception):
                import nbformat

                failed = nbformat.read(out_path, as_version=4)
            return False, _failure_message(Path(source), err, failed)
        except Exception as err:  # kernel died, timeout, ...
            return False, f"notebooks/{stem}.md: {type(err).__name__}: {err}"
    return True, ""


def _read_notebook(path: Path):
    """A notebook the build wrote (papermill validated it then), read without validating it again."""
    from nbformat.v4 import nbjson

    return nbjson.reads(path.read_text(encoding="utf-8"))


def _write_notebook(nb, path: Path) -> None:
    """What ``nbformat.write`` writes, without its validation (a third of the time of each write)."""
    from nbformat.v4 import nbjson

    text = nbjson.writes(nb)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def _finish_notebook(path: Path, source_rel: str) -> None:
    """Tidy an executed notebook: input path, no timings, parameter cells shown as the page needs."""
    nb = _read_notebook(path)
    nb.metadata.setdefault("papermill", {})["input_path"] = source_rel
    nb.metadata["papermill"].pop("start_time", None)
    nb.metadata["papermill"].pop("end_time", None)
    nb.metadata["papermill"].pop("duration", None)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "hide-input" not in tags:
            cell.metadata["tags"] = [*tags, "hide-input"]  # what ran: visible, collapsed
        elif "parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]  # the defaults: in the inputs table
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    _write_notebook(nb, path)


def _store(cache_dir: Path, run: ChapterRun, executed: Path) -> None:
    """Put an executed chapter in the cache atomically; drop the chapter's other entries."""
    target = cache_dir / run.stem / f"{run.key}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{run.key}.{os.getpid()}.tmp")
    shutil.copyfile(executed, tmp)
    os.replace(tmp, target)  # concurrent builds of the same chapter write identical content
    for old in target.parent.glob("*.ipynb"):
        if old != target:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()


def _durations_path(cache_dir: Path) -> Path:
    return cache_dir / "seconds.json"


def _expected_seconds(cache_dir: Path, runs: list[ChapterRun]) -> dict[str, float]:
    """How long each chapter took when it last ran; unknown ones ranked by source size (bytes / 1e4)."""
    try:
        known = json.loads(_durations_path(cache_dir).read_text())
    except (OSError, ValueError):
        known = {}
    return {r.stem: float(known.get(r.stem, r.source.stat().st_size / 1e4 + 1e3)) for r in runs}


def _record_seconds(cache_dir: Path, runs: list[ChapterRun]) -> None:
    path = _durations_path(cache_dir)
    with contextlib.suppress(OSError, ValueError):
        try:
            known = json.loads(path.read_text())
        except FileNotFoundError:
            known = {}
        known.update({r.stem: round(r.seconds, 2) for r in runs if not r.cached})
        tmp = path.with_name(f".seconds.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(known, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, path)


def worker_pool(jobs: int):
    """The ``spawn`` process pool chapters run in, its ``jobs`` workers started (and importing) now.

    The pool owns the build's kernel :class:`~sorabook.kernels.ForkServer` (started here,
    stopped with the pool), which every worker forks its kernels from.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from sorabook import kernels

    class WorkerPool(ProcessPoolExecutor):
        def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
            try:
                super().shutdown(wait=wait, cancel_futures=cancel_futures)
            finally:
                if server is not None:
                    server.close()

    server = kernels.start_server()  # first: its imports run while the workers start
    pool = WorkerPool(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                      initializer=_prepare_worker,
                      initargs=(server.address, server.pid) if server is not None else ())
    for _ in range(jobs):  # each submit starts one more worker while none is idle
        pool.submit(int)
    return pool


def execute(
    runs: list[ChapterRun],
    dest: Path,
    cache_dir: Path,
    jobs: int,
    force: bool = False,
    progress: Callable[[ChapterRun], None] | None = None,
    pool=None,
    ready: Callable[[Path], None] | None = None,
) -> list[ChapterRun]:
    """Execute (or take from the cache) every chapter into ``dest/notebooks/STEM.ipynb``.

    Chapters run in a ``spawn`` process pool of ``jobs`` workers (or in ``pool``,
    from :func:`worker_pool`, which this call shuts down), longest first by their
    last recorded time, so that no long chapter starts last. ``ready(path)`` is
    called in this process on each notebook as soon as it is in ``dest``. The
    first failing chapter raises :class:`BuildError`; the others are cancelled.
    """
    from concurrent.futures import FIRST_EXCEPTION, wait

    nb_dir = dest / "notebooks"
    nb_dir.mkdir(parents=True, exist_ok=True)
    logs = dest / "_logs"
    logs.mkdir(exist_ok=True)
    todo = []
    for run in runs:
        cached = cache_dir / run.stem / f"{run.key}.ipynb"
        try:
            if force:
                raise FileNotFoundError
            shutil.copyfile(cached, nb_dir / f"{run.stem}.ipynb")
        except FileNotFoundError:  # not cached (or evicted by a concurrent build)
            todo.append(run)
            continue
        run.cached = True
        if ready:
            ready(nb_dir / f"{run.stem}.ipynb")
        if progress:
            progress(run)
    if not todo:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        return runs
    expected = _expected_seconds(cache_dir, todo)
    todo.sort(key=lambda r: -expected[r.stem])
    pool = pool or worker_pool(min(jobs, len(todo)))
    try:
        futures = {}
        for run in todo:
            out = nb_dir / f"{run.stem}.ipynb"
            fut = pool.submit(_run_chapter, str(run.source), str(out), run.parameters, str(nb_dir),
                              str(logs / f"{run.stem}.log"))
            futures[fut] = run
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for fut in done:
                run = futures[fut]
                ok, message, run.seconds = fut.result()
                if not ok:
                    for other in pending:
                        other.cancel()
                    raise BuildError(message)
                out = nb_dir / f"{run.stem}.ipynb"
                _finish_notebook(out, f"notebooks/{run.stem}.md")
                _store(cache_dir, run, out)
                if ready:
                    ready(out)
                if progress:
                    progress(run)
    except BaseException:
        for proc in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(Exception):
                proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=False)  # every chapter is in: the workers exit while the book is assembled
    _record_seconds(cache_dir, todo)
    return runs


# --- assembling and building the book -----------------------------------------------------


def assemble(root: Path, dest: Path, doc: Mapping | None = None, prov: Mapping | None = None,
             scenarios: Mapping | None = None) -> None:
    """Stage the book beside the executed notebooks.

    Copies the configuration and the hand-written pages; with a results document
    ``doc`` it also writes the generated pages (results, the scenario comparison of
    :func:`scenario_comparison`, or ``scenarios`` when the caller computed it) and the
    downloadable results files, and with provenance ``prov`` a provenance box at the
    top of every executed chapter.
    """
    from sorabook.book import generated

    for name in ("_config.yml", "_toc.yml"):
        shutil.copyfile(root / name, dest / name)
    shutil.copytree(root / "book", dest / "book", dirs_exist_ok=True)
    if doc is None:
        return
    book = dest / "book"
    (book / "results.md").write_text(generated.results_page(doc))
    (book / "results.json").write_text(json.dumps(doc, indent=2) + "\n")
    (book / "results.csv").write_text(results_csv(doc))
    (book / "scenarios.md").write_text(generated.scenarios_page(scenarios or scenario_comparison()))
    (book / "reproduction.md").write_text(generated.reproduction_page(doc["claims"]))
    if prov is not None:
        box = _provenance_box(prov)
        for nb_path in sorted((dest / "notebooks").glob("*.ipynb")):
            _insert_provenance(nb_path, box)


def _provenance_box(prov: Mapping) -> str:
    from sorabook.book import generated

    return generated.provenance_box(prov)


def _insert_provenance(path: Path, box: str) -> None:
    """Put the provenance box right under the page title (first ``# `` heading)."""
    import nbformat

    nb = _read_notebook(path)
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
    _write_notebook(nb, path)


def scenario_comparison() -> dict[str, dict]:
    """Every shipped scenario's description, differences and headline results (package only)."""
    from sorabook.params import resolve, scenario_names
    from sorabook.results.registry import compute

    out = {}
    for name in scenario_names():
        p, s = resolve(name)
        out[name] = {"description": s.description, "differences": p.differences(), "results": compute(p)}
    return out


def provenance(root: Path, params: Params, scenario: Scenario) -> dict:
    """What a build was made with: scenario, changed parameters, hash, version, commit, date."""
    return {
        "scenario": scenario.name,
        "description": scenario.description,
        "differences": params.differences(),
        "parameters_sha256": params.sha256,
        "version": sorabook.__version__,
        "git_commit": git_commit(root),
        "built": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _jupyter_book() -> list[str]:
    exe = Path(sys.executable).with_name("jupyter-book")
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "jupyter_book.cli.main"]


def build_site(staging: Path) -> Path:
    """Jupyter Book 1.x, strict (``-W -n --keep-going --all``), execution off. Returns the HTML dir."""
    cmd = [*_jupyter_book(), "build", str(staging), "--all", "-W", "-n", "--keep-going",
           "--path-output", str(staging)]
    env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=staging)
    (staging / "_logs").mkdir(exist_ok=True)
    (staging / "_logs" / "jupyter-book.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "WARNING" in ln or "ERROR" in ln]
        shown = "\n  ".join(ln.replace(str(staging) + "/", "") for ln in lines[:10]) or proc.stderr[-2000:]
        raise BuildError(f"jupyter-book build failed ({len(lines)} warnings or errors):\n  {shown}")
    return staging / "_build" / "html"


# --- exporting results ------------------------------------------------------------------


def recorded_results(nb_path: Path) -> dict[str, float]:
    """The results a notebook recorded with :func:`sorabook.results.record`."""
    nb = json.loads(nb_path.read_text())
    out = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("metadata", {}).get(META_KEY)
            if data:
                out[data["key"]] = float(data["value"])
    return out


def git_commit(root: Path) -> str | None:
    """The repository's commit, with ``+dirty`` when the work tree differs; None outside git."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sorabook", "notebooks", "book",
                                "_config.yml", "_toc.yml"], cwd=root, capture_output=True, text=True, timeout=10)
        return sha.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


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
    """Check every result's anchor in the built site, then write results.json and results.csv."""
    for key, r in doc["results"].items():
        page, anchor = r["anchor"].split("#")
        if f'id="{anchor}"' not in (html / page).read_text():
            raise BuildError(f"result {key!r}: anchor #{anchor} missing from {page}")
    (html / "results.json").write_text(json.dumps(doc, indent=2) + "\n")
    (html / "results.csv").write_text(results_csv(doc))


def _close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


# --- publishing -------------------------------------------------------------------------


def publish(html: Path, out: Path) -> None:
    """Swap ``html`` into ``out``: the old site stays until the new one is complete."""
    out = out.resolve()
    new = out.with_name(f".{out.name}.new-{os.getpid()}")
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    shutil.copytree(html, new)
    if out.exists():
        os.replace(out, old)
    os.replace(new, out)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def _locked(out: Path):
    """Hold an exclusive lock on ``out`` for the whole build; refuse if another build holds it."""
    lock_path = out.with_name(f".{out.name}.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"another build is writing {out}; wait for it to finish") from None
        yield
    finally:
        os.close(fd)


def site_key(root: Path, runs: list[ChapterRun], params: Params, scenario: Scenario) -> str:
    """Identity of everything a site is made from.

    The chapters' cache keys (text, parameters, package, lock), the configuration and
    hand-written pages, the scenario's description and the git commit (shown in the
    provenance box). Equal keys mean the site in place is what a build would produce,
    up to its build date.
    """
    parts: list[bytes | str] = [r.key for r in runs]
    for name in ("_config.yml", "_toc.yml"):
        parts.append((root / name).read_bytes())
    for path in sorted((root / "book").rglob("*")):
        if path.is_file():
            parts += [str(path.relative_to(root)), path.read_bytes()]
    parts += [params.sha256, scenario.name, scenario.description, git_commit(root) or ""]
    return _digest(*parts)


def _site_is_current(out: Path, key: str) -> bool:
    try:
        manifest = json.loads((out / "build.json").read_text())
    except (OSError, ValueError):
        return False
    return manifest.get("site_key") == key and (out / "results.json").is_file() and (out / "index.html").is_file()


@dataclass
class BuildResult:
    """What a build did: the site, the results document and the chapters run."""

    out: Path
    results: dict
    runs: list[ChapterRun] = field(default_factory=list)
    seconds: dict = field(default_factory=dict)
    up_to_date: bool = False  # nothing changed since the site in ``out`` was built: nothing done

    @property
    def executed(self) -> list[str]:
        return [r.stem for r in self.runs if not r.cached]


def _in_background(work: Callable[[], Any]) -> Callable[[], Any]:
    """Start ``work()`` in a daemon thread; the returned call waits for its value (or raises its error)."""
    import threading

    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as err:  # noqa: BLE001 - handed to the caller
            box["error"] = err

    thread = threading.Thread(target=run, name="sorabook-package-results", daemon=True)
    thread.start()

    def result() -> Any:
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["value"]

    return result


def build(
    params: Params,
    scenario: Scenario,
    out: Path,
    *,
    jobs: int = 2,
    force: bool = False,
    root: Path | None = None,
    cache_dir: Path | None = None,
    chapters: Iterable[str] | None = None,
    progress: Callable[[ChapterRun], None] | None = None,
) -> BuildResult:
    """Build the book for ``params`` into ``out``; the previous site survives any failure."""
    from sorabook.results.registry import CHAPTERS, compute

    root = root or project_root()
    cache_dir = cache_dir or Path(os.environ.get("SORABOOK_CACHE", root / "_build" / "cache"))
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    timings = {}
    with _locked(out):
        t0 = time.perf_counter()
        chapters = tuple(chapters or CHAPTERS)
        # A chapter never executed before will execute: start the workers (and their imports)
        # now, while this process reads the chapters.
        never_run = force or any(not any((cache_dir / stem).glob("*.ipynb")) for stem in chapters)
        pool = worker_pool(jobs) if never_run else None
        try:
            runs = plan(root, params, chapters)
            key = site_key(root, runs, params, scenario)
            timings["plan"] = time.perf_counter() - t0
        except BaseException:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            raise
        if not force and _site_is_current(out, key):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            for run in runs:
                run.cached = True
                if progress:
                    progress(run)
            doc = json.loads((out / "results.json").read_text())
            return BuildResult(out, doc, runs, {"total": time.perf_counter() - t0}, up_to_date=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
        try:
            prov = provenance(root, params, scenario)
            box = _provenance_box(prov)
            # What the package computes (to check the notebooks, and the scenario comparison)
            # is computed meanwhile, in this process, which otherwise waits for the workers.
            package = _in_background(lambda: (compute(params, set(chapters)), scenario_comparison()))
            execute(runs, staging, cache_dir, jobs, force, progress, pool=pool,
                    ready=lambda path: _insert_provenance(path, box))
            timings["execute"] = time.perf_counter() - t0 - timings["plan"]
            t1 = time.perf_counter()
            expected, scenarios = package()
            doc = results_document(params, scenario, collect(staging / "notebooks", params, runs, expected))
            assemble(root, staging, doc, scenarios=scenarios)
            timings["assemble"] = time.perf_counter() - t1
            t1 = time.perf_counter()
            html = build_site(staging)
            timings["jupyter_book"] = time.perf_counter() - t1
            t1 = time.perf_counter()
            export(html, doc)
            manifest = {
                "site_key": key,
                "built": prov["built"],
                "git_commit": prov["git_commit"],
                "scenario": scenario.name,
                "parameters_sha256": params.sha256,
                "chapters": [{"chapter": r.stem, "cached": r.cached, "seconds": round(r.seconds, 2),
                              "parameters": r.parameters} for r in runs],
                "versions": doc["versions"],
            }
            timings["export"] = time.perf_counter() - t1
            manifest["seconds"] = {k: round(v, 2) for k, v in timings.items()}
            (html / "build.json").write_text(json.dumps(manifest, indent=2) + "\n")
            publish(html, out)
            timings["total"] = time.perf_counter() - t0
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return BuildResult(out, doc, runs, timings)
