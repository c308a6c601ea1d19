"""What a failed chapter says: the notebook and the code cell (number, first line) that failed, and why
(an error, a kernel that died, a cell over its time limit, a chapter that stopped with sys.exit).

:class:`CellWatch` follows which cell runs through nbclient's public ``on_cell_start`` and
``on_cell_error`` hooks (papermill passes them on), since a chapter whose kernel died or timed out
leaves no executed notebook to read the failing cell from.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CellWatch", "cell_label", "failure_message"]


def _code_cells(nb) -> list:
    """The code cells of notebook ``nb`` a reader counts: all but papermill's injected parameters."""
    return [c for c in nb.cells if c.cell_type == "code"
            and "injected-parameters" not in c.metadata.get("tags", [])]


def cell_label(source: Path, nb, cell) -> str:
    """``code cell N (line L: `first line`)`` for code cell ``cell`` of notebook ``nb`` read
    from ``source`` (N counts the chapter's code cells from 1; L is the line in the source)."""
    number = next((i for i, c in enumerate(_code_cells(nb), 1) if c is cell), None)
    first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")
    text = source.read_text()
    line = text[: text.find(cell.source)].count("\n") + 1 if cell.source and cell.source in text else None
    at = f"line {line}: " if line else ""
    return f"code cell {number} ({at}`{first[:60]}`)" if number else f"code cell ({at}`{first[:60]}`)"


def failure_message(source: Path, err: Exception, nb, cell=None) -> str:
    """``notebooks/X.md, code cell N (line L: `first line`): Error: message`` for a chapter that
    failed with ``err``; ``nb`` is the (partly executed) notebook, ``cell`` the cell of ``nb``
    that failed (None: the first with an error output; no ``nb``: the cell is not named)."""
    ename = getattr(err, "ename", type(err).__name__)
    evalue = getattr(err, "evalue", str(err))
    where = ""
    if nb is not None:
        if cell is None:
            cell = next((c for c in _code_cells(nb)
                         if any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        if cell is not None:
            where = f", {cell_label(source, nb, cell)}"
    return f"notebooks/{source.name}{where}: {ename}: {evalue}"


class CellWatch:
    """nbclient's cell hooks (``on_cell_start``, ``on_cell_error``: public traits of its
    ``NotebookClient``, passed through papermill): which cell of the chapter runs, and
    which stopped it with ``sys.exit``, for a failure that leaves no notebook to read."""

    def __init__(self, nb) -> None:
        """Watch the execution of (papermill's copy of) notebook ``nb``."""
        self.nb = nb
        self.running = self.exited = None  # the cell of ``nb`` now running; the one that raised SystemExit

    def _mine(self, cell):
        """The cell of ``nb`` that papermill's copy ``cell`` is (same id; else same source)."""
        code, cid = _code_cells(self.nb), cell.get("id")
        return (next((c for c in code if cid and c.get("id") == cid), None)
                or next((c for c in code if c.source == cell.source), None))

    def start(self, cell, cell_index, **_) -> None:
        """nbclient's ``on_cell_start``: ``cell`` begins to run."""
        self.running = self._mine(cell)

    def error(self, cell, cell_index, execute_reply, **_) -> None:
        """nbclient's ``on_cell_error``: ``cell`` raised; papermill stops quietly after a
        ``sys.exit(0)``, which is a failure here: the cells after it never ran."""
        if execute_reply.get("content", {}).get("ename") == "SystemExit" and self.exited is None:
            self.exited = self._mine(cell)
