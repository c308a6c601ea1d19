"""The package's layout shows its data flow: params and model at the bottom, then results, then
book, then cli; nothing imports upward, there is no import cycle (imports inside functions
included), and no module is over about 400 lines (design.md, issue 15)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sorabook"

#: Layer of each subpackage: a module may import its own layer's and lower layers' modules only,
#: except that ``params`` and ``model`` (both at the bottom) never import each other.
LAYERS = {"params": 0, "model": 0, "results": 1, "book": 2, "cli": 3}

MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, name: str) -> set[str]:
    """Every sorabook module ``path`` imports, anywhere in the file (functions included)."""
    modules = _modules()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        out.update(t for t in targets if t.split(".")[0] == "sorabook" and t in modules and t != name)
    return out


def _graph() -> dict[str, set[str]]:
    return {name: _imports(path, name) for name, path in _modules().items()}


def _layer(module: str) -> tuple[str, int] | None:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1], LAYERS[parts[1]]
    return None


def test_no_import_cycle():
    """Depth-first search over the import graph (hand-checked: a cycle names its modules)."""
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_nothing_imports_upward():
    bad = []
    for module, targets in _graph().items():
        here = _layer(module)
        for target in targets:
            there = _layer(target)
            if here is None or there is None:
                continue
            if there[1] > here[1] or (here[1] == there[1] == 0 and here[0] != there[0]):
                bad.append(f"{module} imports {target}")
    assert not bad, "; ".join(sorted(bad))


def test_every_module_belongs_to_a_layer():
    loose = [m for m in _modules() if m.count(".") == 1 and m.split(".")[1] not in LAYERS
             and m not in ("sorabook.__main__",)]
    assert not loose, f"modules outside params/model/results/book/cli: {loose}"


@pytest.mark.parametrize("module", sorted(_modules()))
def test_module_size(module):
    lines = len(_modules()[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{module}: {lines} lines (at most about {MAX_LINES})"


def test_the_graph_reader_sees_imports_inside_functions():
    """cli.__init__ imports the pipeline's error inside main(): that edge must be in the graph."""
    edges = _graph()["sorabook.cli"]
    assert any(e.startswith("sorabook.results") for e in edges)
