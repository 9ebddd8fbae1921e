"""The two packages: `d2l_utils` (what the lessons import) and `course` (the tools that make, grade and publish the
course). No import cycle inside either, the lessons' package never imports the tools, and `from d2l_utils import *`
replaces no Python builtin."""
import ast
import builtins
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(package: str) -> dict:
    """{module: {modules of the same package it imports}}, imports inside functions included (a lazy import closes a
    cycle as surely as a top-level one)."""
    graph = {}
    for path in sorted((ROOT / package).glob("*.py")):
        name = path.stem
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1 and node.module:
                    deps.add(node.module.split(".")[0])
                elif node.level == 1:
                    deps |= {a.name for a in node.names}
                elif node.level == 0 and (node.module or "").startswith(package + "."):
                    deps.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                deps |= {a.name.split(".")[1] for a in node.names if a.name.startswith(package + ".")}
        graph[name] = deps - {name}
    return graph


def _cycle(graph: dict) -> list:
    """One import cycle of `graph` (a list of modules), or []; `__init__` is left out (it imports every module)."""
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if d == "__init__" or d not in graph:
                continue
            if state.get(d) == "open":
                return stack[stack.index(d):] + [d]
            if d not in state and (found := visit(d)):
                return found
        state[m] = "done"
        stack.pop()
        return []

    for m in sorted(graph):
        if m != "__init__" and m not in state and (found := visit(m)):
            return found
    return []


@pytest.mark.parametrize("package", ["d2l_utils", "course"])
def test_no_import_cycle(package):
    graph = _imports(package)
    assert graph and not _cycle(graph), f"{package}: import cycle {' -> '.join(_cycle(graph))}"


def test_the_cycle_check_finds_a_cycle():
    graph = _imports("d2l_utils")
    assert graph["train"] >= {"plotting", "optim"}
    graph["plotting"] = graph["plotting"] | {"train"}   # plotting's trace_figure importing train's train_2d again
    assert _cycle(graph) == ["plotting", "train", "plotting"]


def test_the_lessons_package_holds_no_course_tool_and_never_imports_one():
    assert not {"coursework", "links", "lock"} & set(_imports("d2l_utils"))
    for path in (ROOT / "d2l_utils").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        mods = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        mods += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in mods if m.split(".")[0] in ("course", "nbgrader")], path.name


def test_star_import_shadows_no_builtin_and_the_book_aliases_stay():
    import torch

    import d2l_utils as d2l

    assert not [n for n in d2l.__all__ if hasattr(builtins, n)], "a builtin's name in d2l_utils.__all__"
    ns = {}
    exec("from d2l_utils import *", ns)
    assert not [n for n in ns if n != "__builtins__" and hasattr(builtins, n)]
    exec("x = abs(-3)", ns)
    assert ns["x"] == 3
    assert d2l.abs is torch.abs and d2l.abs(torch.tensor(-3.0)).item() == 3.0

