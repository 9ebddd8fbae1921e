"""Cells, nbgrader's markers and the structure of a chapter notebook: what every course tool reads.

A coding exercise is a solution cell (cell metadata `nbgrader.solution: true`) whose answer lies between
`### BEGIN SOLUTION` and `### END SOLUTION`, followed by a test cell (`nbgrader.grade: true`, `points`) of asserts
with the checks students must not see between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`. Nothing about
the answers lives in cell metadata (a release copies metadata as it is): the course's deliberately wrong answers,
which the visible tests must reject, are kept beside the tests, in tests/wrong_answers/.
nbformat (installed with JupyterLab) is imported inside the functions that need it.
"""
import re
from dataclasses import dataclass

__all__ = ["CourseworkError", "Exercise", "BEGIN_SOLUTION", "END_SOLUTION", "BEGIN_HIDDEN", "END_HIDDEN", "CODE_STUB",
           "TEXT_STUB", "is_solution", "is_grade", "grade_id", "solution_regions", "hidden_test_regions",
           "clear_solution", "clear_hidden_tests", "setup_index", "exercises_range", "coding_exercises",
           "check_notebook", "read_notebook"]

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB = "raise NotImplementedError()"   # what a solution region becomes in the student copy
TEXT_STUB = "YOUR ANSWER HERE"              # ... in a markdown solution cell (nbgrader's stub)
_NEAR_MARKER = re.compile(r"^\s*#+\s*(BEGIN|END)\s+(SOLUTION|HIDDEN\s+TESTS)\b", re.I)
_EXERCISES_HEADING = re.compile(r"^(#{1,6})\s+Exercises\s*$", re.M)
_HEADING = re.compile(r"^(#{1,6})\s+\S", re.M)
SKIP_DIRS = {".ipynb_checkpoints", "__pycache__"}


class CourseworkError(ValueError):
    """A notebook that cannot be released or graded as it is (unbalanced markers, inconsistent metadata...)."""


@dataclass
class Exercise:
    """A coding exercise: the index of its solution cell and of its test cells."""
    solution: int
    tests: list


# ---------------------------------------------------------------- cells and markers
def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_solution(cell) -> bool:
    """Whether nbgrader metadata marks `cell` as a solution cell."""
    return bool(_meta(cell).get("solution", False))


def is_grade(cell) -> bool:
    """Whether nbgrader metadata marks `cell` as a graded cell (an autograded test cell when it is code)."""
    return bool(_meta(cell).get("grade", False))


def grade_id(cell) -> str | None:
    """The nbgrader grade_id of `cell`, or None."""
    return _meta(cell).get("grade_id")


def _is_test(cell) -> bool:
    return cell["cell_type"] == "code" and is_grade(cell) and not is_solution(cell)


def _regions(lines: list, begin: str, end: str, where: str) -> list:
    """(start, stop) line indices of each begin..end region; CourseworkError unless the markers are balanced."""
    regions, start = [], None
    for i, line in enumerate(lines):
        s = line.strip()
        if s == begin:
            if start is not None:
                raise CourseworkError(f"{where}: '{begin}' on line {i + 1} inside the region opened on line "
                                      f"{start + 1} (nested or missing '{end}')")
            start = i
        elif s == end:
            if start is None:
                raise CourseworkError(f"{where}: '{end}' on line {i + 1} without a '{begin}' before it")
            regions.append((start, i))
            start = None
    if start is not None:
        raise CourseworkError(f"{where}: '{begin}' on line {start + 1} has no '{end}'")
    return regions


def solution_regions(source: str, where: str = "cell") -> list:
    """The text between each BEGIN/END SOLUTION pair of `source` (markers checked)."""
    lines = source.split("\n")
    return ["\n".join(lines[a + 1:b]) for a, b in _regions(lines, BEGIN_SOLUTION, END_SOLUTION, where)]


def hidden_test_regions(source: str, where: str = "cell") -> list:
    """The text between each BEGIN/END HIDDEN TESTS pair of `source` (markers checked)."""
    lines = source.split("\n")
    return ["\n".join(lines[a + 1:b]) for a, b in _regions(lines, BEGIN_HIDDEN, END_HIDDEN, where)]


def _replace_regions(source: str, begin: str, end: str, where: str, fill) -> tuple:
    """Replace each begin..end region (markers included) by the lines `fill(begin_line)`: (source, found)."""
    lines = source.split("\n")
    regions = _regions(lines, begin, end, where)
    out, pos = [], 0
    for a, b in regions:
        out += lines[pos:a] + fill(lines[a])
        pos = b + 1
    return "\n".join(out + lines[pos:]), bool(regions)


def clear_solution(source: str, stub: str = CODE_STUB, where: str = "cell") -> tuple:
    """Replace each solution region (markers included) by `stub`, indented like its BEGIN marker: (source, found)."""
    def fill(marker: str) -> list:
        indent = marker[:len(marker) - len(marker.lstrip())]
        return [indent + s for s in stub.split("\n")]
    return _replace_regions(source, BEGIN_SOLUTION, END_SOLUTION, where, fill)


def clear_hidden_tests(source: str, where: str = "cell") -> tuple:
    """Remove each hidden-test region (markers included): (source, found)."""
    return _replace_regions(source, BEGIN_HIDDEN, END_HIDDEN, where, lambda marker: [])


# ---------------------------------------------------------------- notebook structure
def setup_index(nb) -> int | None:
    """The index of the setup cell: the notebook's first code cell."""
    return next((i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"), None)


def exercises_range(nb) -> range:
    """The cells of the Exercises section: from the markdown cell holding an 'Exercises' heading to the next heading
    of the same or a higher level; without such a heading, from the first nbgrader cell to the end."""
    cells = nb["cells"]
    start = level = None
    for i, c in enumerate(cells):
        m = _EXERCISES_HEADING.search(c["source"]) if c["cell_type"] == "markdown" else None
        if m:
            start, level = i, len(m.group(1))
            break
    if start is None:
        first = next((i for i, c in enumerate(cells) if _meta(c)), len(cells))
        return range(first, len(cells))
    for j in range(start + 1, len(cells)):
        if cells[j]["cell_type"] == "markdown" and any(len(h) <= level for h in _HEADING.findall(cells[j]["source"])):
            return range(start, j)
    return range(start, len(cells))


def coding_exercises(nb) -> list:
    """The coding exercises of `nb`: each code solution cell with the test cells that follow it."""
    found = []
    for i, c in enumerate(nb["cells"]):
        if c["cell_type"] == "code" and is_solution(c):
            found.append(Exercise(i, []))
        elif _is_test(c) and found:
            found[-1].tests.append(i)
    return found


def _where(name: str, i: int, cell) -> str:
    gid = grade_id(cell)
    return f"{name}, cell {i}" + (f" ({gid})" if gid else "")


def check_notebook(nb, name: str = "notebook") -> list:
    """Check markers and nbgrader metadata (as nbgrader's assign does); return the coding exercises.

    Raises CourseworkError for unbalanced or malformed markers, solution regions outside solution cells, hidden
    tests outside graded cells, a graded cell without a grade_id, a grade_id used twice, or an answer kept in cell
    metadata (`d2l.wrong_answer`), which every release would copy.
    """
    seen = {}
    for i, c in enumerate(nb["cells"]):
        where = _where(name, i, c)
        src = c["source"]
        if c["cell_type"] == "code":
            for n, line in enumerate(src.split("\n")):
                if _NEAR_MARKER.match(line) and line.strip() not in (BEGIN_SOLUTION, END_SOLUTION,
                                                                     BEGIN_HIDDEN, END_HIDDEN):
                    raise CourseworkError(f"{where}: malformed marker on line {n + 1}: {line.strip()!r} "
                                          f"(write exactly '{BEGIN_SOLUTION}', '{BEGIN_HIDDEN}', ...)")
        if "wrong_answer" in (c.get("metadata", {}).get("d2l") or {}):
            raise CourseworkError(f"{where}: a wrong answer in the cell metadata would ship with every student copy; "
                                  "keep it beside the tests (tests/wrong_answers/)")
        solutions = solution_regions(src, where)
        hidden = hidden_test_regions(src, where)
        if solutions and not is_solution(c):
            raise CourseworkError(f"{where}: a solution region in a cell that is not a solution cell "
                                  "(nbgrader metadata solution: true)")
        if hidden and not is_grade(c):
            raise CourseworkError(f"{where}: hidden tests in a cell that is not a graded cell "
                                  "(nbgrader metadata grade: true)")
        if is_solution(c) or is_grade(c):
            gid = grade_id(c)
            if not gid:
                raise CourseworkError(f"{where}: an nbgrader cell without a grade_id")
            if gid in seen:
                raise CourseworkError(f"{where}: grade_id {gid!r} is used by cell {seen[gid]} too")
            seen[gid] = i
    return coding_exercises(nb)


def clear_outputs(cell) -> None:
    """Clear, in place, the outputs and execution count of a code cell."""
    if cell["cell_type"] == "code":
        cell["outputs"] = []
        cell["execution_count"] = None


def read_notebook(path):
    """The notebook at `path` (nbformat version 4)."""
    import nbformat

    return nbformat.read(str(path), as_version=4)
