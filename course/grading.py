"""The grader: each submission runs in a fresh kernel with its test cells, hidden tests included, restored from the
source notebook of the same name, as nbgrader's autograde does; each test cell scores all of its points if it runs
without an error, none otherwise (`python -m course grade`, `make grade`, `make feedback`).
nbclient (installed with JupyterLab) is imported inside the functions that need it.
"""
import copy
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from .notebook import (
    SKIP_DIRS,
    _is_test,
    _meta,
    clear_outputs,
    exercise_numbers,
    exercises_range,
    grade_id,
    is_solution,
    read_notebook,
    released_solution,
    setup_index,
)

__all__ = ["CellResult", "Score", "exercise_notebook", "run_notebook", "grade_notebook", "grade", "format_table",
           "format_feedback", "NOT_ATTEMPTED"]

@dataclass
class CellResult:
    """How one code cell ran: status 'ok', 'error' or 'not run', and the error's first line."""
    status: str
    error: str = ""
    ename: str = ""


@dataclass
class Score:
    """One row of the grade table."""
    notebook: str
    grade_id: str
    points: float
    max_points: float
    passed: bool
    error: str = ""
    exercise: int | None = None   # the exercise's number in the chapter


NOT_ATTEMPTED = "not attempted"   # the error of a test cell whose exercise is still the student copy's stub


def exercise_notebook(nb):
    """A new notebook holding only the setup cell and the Exercises section of `nb` (what --exercises-only runs)."""
    import nbformat

    keep = [i for i in [setup_index(nb)] if i is not None]
    keep += [i for i in exercises_range(nb) if i not in keep]
    out = nbformat.v4.new_notebook(metadata=copy.deepcopy(nb["metadata"]))
    out["cells"] = [copy.deepcopy(nb["cells"][i]) for i in keep]
    return out


def run_notebook(nb, cwd, timeout: int = 600) -> dict:
    """Execute the code cells of `nb` in place in a fresh python3 kernel, continuing past errors.

    The kernel runs in `cwd` with D2L_STATIC_PLOTS=1; a cell running longer than `timeout` seconds is interrupted
    and counts as an error. Returns {cell index: CellResult} for every code cell ('not run' after a kernel death).
    """
    from nbclient import NotebookClient

    results = {}

    def record(cell, cell_index, execute_reply):
        content = (execute_reply or {}).get("content", {})
        if content.get("status") == "ok":
            results[cell_index] = CellResult("ok")
        else:
            ename, evalue = content.get("ename", "Error"), str(content.get("evalue", ""))
            first = evalue.strip().split("\n")[0] if evalue.strip() else ""
            results[cell_index] = CellResult("error", f"{ename}: {first}" if first else ename, ename)

    for c in nb["cells"]:
        clear_outputs(c)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
        error_on_timeout={"ename": "TimeoutError", "evalue": f"the cell ran longer than {timeout} s",
                          "traceback": []},
        record_timing=False, on_cell_executed=record, resources={"metadata": {"path": str(cwd)}},
        extra_arguments=["--IPKernelApp.log_level=ERROR"])
    stopped = ""
    try:
        # static outputs (d2l_utils.plotting.static_outputs), also when run from a notebook JupyterLab started
        env = {k: v for k, v in os.environ.items() if k != "JPY_SESSION_NAME"}
        client.execute(env=dict(env, D2L_STATIC_PLOTS="1"))
    except Exception as e:  # the kernel died or could not start: the remaining cells did not run
        stopped = f"not run ({type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''})"
    for i, c in enumerate(nb["cells"]):
        if c["cell_type"] == "code" and i not in results:
            results[i] = CellResult("not run", stopped or "not run")
    return results


# ---------------------------------------------------------------- grading
def _source_tests(source_nb) -> list:
    """(index, grade_id, points, solution grade_id) of each autograded test cell of the source notebook."""
    tests, solution = [], None
    for i, c in enumerate(source_nb["cells"]):
        if c["cell_type"] == "code" and is_solution(c):
            solution = grade_id(c)
        elif _is_test(c):
            tests.append((i, grade_id(c), float(_meta(c).get("points", 0) or 0), solution))
    return tests


def _restore_tests(sub, source_nb) -> dict:
    """Put the source's test cells (hidden tests included) into the submission `sub`, in place.

    A test cell is found by its grade_id and overwritten (source and nbgrader metadata); one the student deleted is
    put back after its solution cell. Returns {grade_id: index in sub, or None when it cannot be placed}.
    """
    placed = {}
    for si, gid, _, solution in _source_tests(source_nb):
        src_cell = source_nb["cells"][si]
        idx = next((i for i, c in enumerate(sub["cells"]) if grade_id(c) == gid), None)
        if idx is None:
            after = next((i for i, c in enumerate(sub["cells"]) if solution and grade_id(c) == solution), None)
            if after is not None:
                idx = after + 1
                sub["cells"].insert(idx, copy.deepcopy(src_cell))
                placed = {k: (v + 1 if v is not None and v >= idx else v) for k, v in placed.items()}
        if idx is not None:
            cell = sub["cells"][idx]
            cell["cell_type"], cell["source"] = "code", src_cell["source"]
            cell.setdefault("metadata", {})["nbgrader"] = copy.deepcopy(src_cell["metadata"]["nbgrader"])
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
        placed[gid] = idx
    return placed


def grade_notebook(path, source_path, exercises_only: bool = False, timeout: int = 600, label: str | None = None):
    """Grade one submitted notebook against its source notebook: a list of Score, one per autograded test cell."""
    source_nb = read_notebook(source_path)
    tests = _source_tests(source_nb)
    label = label or Path(path).name
    try:
        sub = read_notebook(path)
    except Exception as e:
        why = f"unreadable notebook ({type(e).__name__})"
        return [Score(label, gid, 0.0, pts, False, why) for _, gid, pts, _ in tests]
    untouched = _untouched(sub, source_nb)
    numbers = exercise_numbers(source_nb)
    placed = _restore_tests(sub, source_nb)
    if exercises_only:
        sub = exercise_notebook(sub)
        placed = {gid: next((i for i, c in enumerate(sub["cells"]) if grade_id(c) == gid), None) for gid in placed}
    results = run_notebook(sub, Path(path).resolve().parent, timeout)
    scores = []
    for _, gid, pts, solution in tests:
        idx = placed.get(gid)
        r = results.get(idx) if idx is not None else CellResult("not run", "test cell missing from the submission")
        ok = r.status == "ok"
        error = NOT_ATTEMPTED if not ok and solution in untouched else r.error
        scores.append(Score(label, gid, pts if ok else 0.0, pts, ok, error, numbers.get(gid)))
    return scores


def _untouched(sub, source_nb) -> set:
    """The grade_ids of the source's code solution cells that the submission holds as the student copy has them (the
    stub, untouched) or not at all."""
    cells = {grade_id(c): c for c in sub["cells"] if grade_id(c)}
    found = set()
    for c in source_nb["cells"]:
        if c["cell_type"] == "code" and is_solution(c):
            mine = cells.get(grade_id(c))
            if mine is None or mine["source"].strip() == released_solution(c).strip():
                found.add(grade_id(c))
    return found


def _find_source(path: Path, sources: list) -> Path | None:
    """The source notebook for a submission: same file name, else the one source whose stem the name contains."""
    for folder in sources:
        if (folder / path.name).is_file():
            return folder / path.name
    for folder in sources:
        hits = [p for p in folder.glob("*.ipynb") if p.stem in path.stem]
        if len(hits) == 1:
            return hits[0]
    return None


def _default_sources() -> list:
    here = Path(__file__).resolve().parent.parent / "notebooks"
    return [here] if here.is_dir() else [Path.cwd() / "notebooks"]


def grade(paths, sources=None, exercises_only: bool = False, timeout: int = 600, log=sys.stderr) -> tuple:
    """Grade notebooks (files, or folders searched recursively): (list of Score, list of problems).

    `sources`: folders of source notebooks (default: the course's notebooks/); a submission is matched to the
    source notebook of the same name. Notebooks whose source has no autograded cells (the index) are skipped.
    """
    sources = [Path(s) for s in (sources or _default_sources())]
    files = []
    for p in map(Path, paths):
        if p.is_dir():
            files += [(f, str(f.relative_to(p.parent))) for f in sorted(p.rglob("*.ipynb"))
                      if not any(part in SKIP_DIRS for part in f.parts)]
        else:
            files.append((p, str(p)))
    scores, problems = [], []
    for f, label in files:
        if not f.is_file():
            problems.append(f"{label}: no such file")
            continue
        src = _find_source(f, sources)
        if src is None:
            problems.append(f"{label}: no source notebook of that name in {', '.join(map(str, sources))}")
            continue
        if not _source_tests(read_notebook(src)):
            continue
        print(f"grading {label}", file=log, flush=True)
        scores += grade_notebook(f, src, exercises_only, timeout, label)
    return scores, problems


def _num(x: float) -> str:
    return f"{x:g}"


def format_feedback(scores: list) -> str:
    """One line per test cell, for a learner: passed, not attempted, or the error it raised."""
    lines = []
    for s in scores:
        what = f"exercise {s.exercise} ({s.grade_id})" if s.exercise is not None else s.grade_id
        if s.passed:
            lines.append(f"\u2713 {what}: the tests pass, hidden ones included")
        elif s.error == NOT_ATTEMPTED:
            lines.append(f"\u00b7 {what}: {NOT_ATTEMPTED}")
        else:
            lines.append(f"\u2717 {what}: {s.error or 'failed'}")
    return "\n".join(lines)


def format_table(scores: list) -> str:
    """The grade table: one row per test cell, a subtotal per notebook and the total."""
    head = ("notebook", "grade_id", "points", "result", "error")
    rows = [(s.notebook, s.grade_id, f"{_num(s.points)}/{_num(s.max_points)}", "pass" if s.passed else "FAIL",
             s.error) for s in scores]
    widths = [max(len(r[k]) for r in rows + [head]) for k in range(4)]
    fmt = "  ".join(f"{{:{w}}}" for w in widths) + "  {}"
    lines = [fmt.format(*head).rstrip(), fmt.format(*("-" * w for w in widths), "-----").rstrip()]
    lines += [fmt.format(*r).rstrip() for r in rows]
    lines.append("")
    for nb in dict.fromkeys(s.notebook for s in scores):
        got = sum(s.points for s in scores if s.notebook == nb)
        total = sum(s.max_points for s in scores if s.notebook == nb)
        lines.append(f"{nb}: {_num(got)}/{_num(total)}")
    got, total = sum(s.points for s in scores), sum(s.max_points for s in scores)
    pct = f" ({100 * got / total:.1f}%)" if total else ""
    lines.append(f"total: {_num(got)}/{_num(total)}{pct}")
    return "\n".join(lines)
