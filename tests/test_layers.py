"""The package's layering, read from the source with ``ast`` (issue 14).

Lower layers (``core``, ``config``, ``platform``) never import the upper ones
(``detectors``, ``backends``, ``delivery``, ``app``), and no two modules import each
other, directly or round a circle. Every import counts: at the top, inside a function
or under ``TYPE_CHECKING``, because each is a dependency a reader must follow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

AGENT = Path(__file__).resolve().parent.parent / "agent"
LOWER = ("agent.core", "agent.config", "agent.platform")
UPPER = ("agent.detectors", "agent.backends", "agent.delivery", "agent.app")


def module_files(root: Path = AGENT) -> dict[str, Path]:
    files = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    return files


def imported(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The agent modules ``name`` imports (a package's ``__init__`` counts as the package)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def import_graph(root: Path = AGENT) -> dict[str, set[str]]:
    known = module_files(root)
    return {name: set(imported(name, path, known)) for name, path in known.items()}


def in_layer(module: str, layers: tuple[str, ...]) -> bool:
    return any(module == layer or module.startswith(layer + ".") for layer in layers)


def upward(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {
        (source, target)
        for source, targets in graph.items()
        if in_layer(source, LOWER)
        for target in targets
        if in_layer(target, UPPER)
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_lower_layer_imports_an_upper_one() -> None:
    assert upward(import_graph()) == set()


def test_no_import_circle() -> None:
    assert circles(import_graph()) == []


def test_the_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    """The walker itself: an upward import and a circle in a tiny package are found."""
    package = tmp_path / "agent"
    for folder in ("core", "detectors"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "core" / "model.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from agent.detectors.idle import IdleDetector\n"
    )
    (package / "detectors" / "idle.py").write_text("from . import lock\n")
    (package / "detectors" / "lock.py").write_text(
        "def f():\n    from agent.detectors import idle\n"
    )
    graph = import_graph(package)
    assert upward(graph) == {("agent.core.model", "agent.detectors.idle")}
    assert circles(graph) == [["agent.detectors.idle", "agent.detectors.lock"]]
