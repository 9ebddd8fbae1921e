"""Run one coding exercise of a chapter outside the notebook: a solution (the model answer or a recorded wrong
answer) followed by the exercise's test cell, visible part only or whole (hidden tests included)."""
import json
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREAMBLE = ("import io, math, pickle\nimport numpy as np\nimport torch\nfrom matplotlib import pyplot as plt\n"
            "from torch import nn\nimport d2l_utils as d2l\n")


def exercise_cells(stem: str, solution_id: str) -> tuple[str, str]:
    """(solution cell source, test cell source) of the exercise whose solution cell has grade_id `solution_id`."""
    cells = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"]
    i = next(k for k, c in enumerate(cells) if c["metadata"].get("nbgrader", {}).get("grade_id") == solution_id)
    return "".join(cells[i]["source"]), "".join(cells[i + 1]["source"])


def test_source(test_cell: str, hidden: bool) -> str:
    """The test cell without its hidden region (hidden=False) or with it, its marker lines dropped (hidden=True)."""
    lines, out, inside = test_cell.split("\n"), [], False
    for ln in lines:
        if ln.strip() == "### BEGIN HIDDEN TESTS":
            inside = True
        elif ln.strip() == "### END HIDDEN TESTS":
            inside = False
        elif hidden or not inside:
            out.append(ln)
    return "\n".join(out)


def run_exercise(stem: str, solution_id: str, solution: str | None = None, hidden: bool = True) -> None:
    """Execute `solution` (default: the notebook's model answer) and then the exercise's tests; raises on failure."""
    sol, tests = exercise_cells(stem, solution_id)
    ns: dict = {}
    exec(compile(PREAMBLE, "<preamble>", "exec"), ns)
    exec(compile(solution if solution is not None else sol, f"<{solution_id}>", "exec"), ns)
    exec(compile(test_source(tests, hidden), f"<tests of {solution_id}>", "exec"), ns)


def hidden_wrong_answers(stem: str) -> dict:
    """{solution grade_id: a wrong answer the visible tests accept and the hidden ones reject}."""
    file = ROOT / "tests" / "wrong_answers" / f"{stem}.py"
    return runpy.run_path(str(file)).get("HIDDEN_WRONG_ANSWERS", {})
