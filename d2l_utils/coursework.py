"""Coursework from the chapter notebooks: the student release and an autograder, with nbgrader's markers and metadata.

    python -m d2l_utils.coursework release SRC_DIR OUT_DIR
    python -m d2l_utils.coursework learner SRC_DIR DEST_DIR
    python -m d2l_utils.coursework study-time NOTEBOOK...
    python -m d2l_utils.coursework grade [--source DIR] [--exercises-only] [--timeout S] [--csv FILE] DIR_OR_FILES...

A coding exercise is a solution cell (cell metadata `nbgrader.solution: true`) whose answer lies between
`### BEGIN SOLUTION` and `### END SOLUTION`, followed by a test cell (`nbgrader.grade: true`, `points`) of asserts
with the checks students must not see between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`. Nothing about
the answers lives in cell metadata (a release copies metadata as it is): the course's deliberately wrong answers,
which the visible tests must reject, are kept beside the tests, in tests/wrong_answers/.

The release does what nbgrader's ClearSolutions, ClearHiddenTests and ClearOutput preprocessors do, on the exercise
cells only, and keeps every other cell as it is, outputs included. Grading executes each submission in a fresh kernel
after restoring its test cells (hidden tests included) from the source notebook of the same name, as nbgrader's
autograde does, and scores each test cell: all of its points if it runs without an error, none otherwise.
The learner's copy is the student copy with a link to the full notebook, refreshed without ever overwriting a file
the learner changed. For nbgrader itself, `ClearExerciseOutput` replaces its ClearOutput step (nbgrader_config.py),
so that `nbgrader generate_assignment` makes the same student copy as `release`.
nbformat and nbclient (installed with JupyterLab) and nbgrader are imported inside the functions that need them.
"""
import argparse
import copy
import csv
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CourseworkError", "Exercise", "CellResult", "Score", "BEGIN_SOLUTION", "END_SOLUTION", "BEGIN_HIDDEN",
           "END_HIDDEN", "CODE_STUB", "TEXT_STUB", "is_solution", "is_grade", "grade_id", "clear_solution",
           "clear_hidden_tests", "solution_regions", "hidden_test_regions", "setup_index", "exercises_range",
           "coding_exercises", "check_notebook", "release_notebook", "release", "exercise_notebook",
           "run_notebook", "grade_notebook", "grade", "format_table", "clear_exercise_outputs", "MANIFEST",
           "LearnerFile", "learner_notebook", "update_path", "learner", "format_learner",
           "nbgrader_generate_preprocessors", "StudyTime", "study_time", "format_minutes", "format_study_times", "main"]

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB = "raise NotImplementedError()"   # what a solution region becomes in the student copy
TEXT_STUB = "YOUR ANSWER HERE"              # ... in a markdown solution cell (nbgrader's stub)
_NEAR_MARKER = re.compile(r"^\s*#+\s*(BEGIN|END)\s+(SOLUTION|HIDDEN\s+TESTS)\b", re.I)
_EXERCISES_HEADING = re.compile(r"^(#{1,6})\s+Exercises\s*$", re.M)
_HEADING = re.compile(r"^(#{1,6})\s+\S", re.M)
_SKIP_DIRS = {".ipynb_checkpoints", "__pycache__"}


class CourseworkError(ValueError):
    """A notebook that cannot be released or graded as it is (unbalanced markers, inconsistent metadata...)."""


@dataclass
class Exercise:
    """A coding exercise: the index of its solution cell and of its test cells."""
    solution: int
    tests: list


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


# ---------------------------------------------------------------- release
def _clear_outputs(cell) -> None:
    if cell["cell_type"] == "code":
        cell["outputs"] = []
        cell["execution_count"] = None


def release_notebook(nb, name: str = "notebook"):
    """The student copy of `nb` (a new notebook; `nb` is left as it is).

    Solution regions become `raise NotImplementedError()` (a markdown solution cell: 'YOUR ANSWER HERE'; a solution
    cell without markers: the stub alone), hidden tests are removed, the outputs and execution counts of every code
    cell of the Exercises section and of every nbgrader cell are cleared. Every other cell is kept as it is, outputs
    included.
    """
    check_notebook(nb, name)
    out = copy.deepcopy(nb)
    for i, c in enumerate(out["cells"]):
        where = _where(name, i, c)
        if is_solution(c):
            stub = CODE_STUB if c["cell_type"] == "code" else TEXT_STUB
            source, found = clear_solution(c["source"], stub, where)
            c["source"] = source if found else stub
        if is_grade(c):
            c["source"] = clear_hidden_tests(c["source"], where)[0]
    return clear_exercise_outputs(out)


def clear_exercise_outputs(nb):
    """Clear, in place, the outputs and execution counts of the Exercises section's code cells and of every nbgrader
    cell (what a solution prints must not reach students); the lesson's outputs are kept. Returns `nb`."""
    section = exercises_range(nb)
    for i, c in enumerate(nb["cells"]):
        if i in section or is_solution(c) or is_grade(c):
            _clear_outputs(c)
    return nb


def _has_coursework(nb) -> bool:
    return any(_meta(c) or "d2l" in c.get("metadata", {}) for c in nb["cells"])


def _release_plan(src_dir, out_dir, folder: str = "release", make=None) -> list:
    """[(relative path, student copy of the notebook, or None for a byte-for-byte copy)] for the folder `src_dir`.

    `make(nb, name, rel)` makes the copy (default: `release_notebook`). Every notebook is checked before anything is
    written; `out_dir` must lie outside `src_dir`.
    """
    import nbformat

    src, out = Path(src_dir).resolve(), Path(out_dir).resolve()
    if not src.is_dir():
        raise CourseworkError(f"{src_dir}: not a folder")
    if out == src or src in out.parents:
        raise CourseworkError(f"the {folder} folder {out_dir} must lie outside the source folder {src_dir}")
    plan = []
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if (not path.is_file() or any(p.startswith(".") or p in _SKIP_DIRS for p in rel.parts)
                or path.name == "conftest.py" or path.suffix == ".pyc"):
            continue
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            if _has_coursework(nb):
                name = str(Path(src_dir) / rel)
                plan.append((rel, make(nb, name, rel) if make else release_notebook(nb, name)))
                continue
        plan.append((rel, None))
    return plan


def release(src_dir, out_dir) -> list:
    """Write the student release of the folder `src_dir` to `out_dir`; return the paths written.

    Every notebook with exercises is released with `release_notebook`; other notebooks (the index) and other files
    (figures...) are copied byte for byte; hidden files, caches and conftest.py are left out. All notebooks are
    checked before anything is written.
    """
    import nbformat

    src, out = Path(src_dir).resolve(), Path(out_dir).resolve()
    written = []
    for rel, nb in _release_plan(src_dir, out_dir):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if nb is None:
            shutil.copyfile(src / rel, target)
        else:
            nbformat.write(nb, target)
        written.append(target)
    return written


# ---------------------------------------------------------------- the learner's copy
MANIFEST = ".course-manifest.json"   # in the learner's folder: what the course wrote there, by content hash
SOLUTIONS_NOTE = ("**Solutions.** Try each exercise first, then run the test cell under it. The model answers are in "
                  "[the full chapter]({link}).")


@dataclass
class LearnerFile:
    """What `learner` did with one file of the course: status 'new', 'updated', 'up to date', 'restored', 'kept'
    (the learner's edited file, left alone) or 'blocked' (an update could not be placed); `update`: where the
    course's new version of a kept file was written, if anywhere."""
    path: Path
    status: str
    update: Path | None = None


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _notebook_bytes(nb) -> bytes:
    import nbformat

    text = nbformat.writes(nb)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def learner_notebook(nb, name: str = "notebook", solutions: str | None = None):
    """The learner's copy of `nb`: its student copy with, under the Exercises heading, a link to `solutions` (the
    notebook with the model answers), when given."""
    import nbformat

    out = release_notebook(nb, name)
    if solutions:
        cell = {"cell_type": "markdown", "metadata": {}, "source": SOLUTIONS_NOTE.format(link=solutions)}
        if (out.get("nbformat"), out.get("nbformat_minor", 0)) >= (4, 5):
            cell["id"] = "solutions-link"   # fixed, so that the same course gives the same bytes
        out["cells"].insert(exercises_range(out).start + 1, nbformat.from_dict(cell))
    return out


def update_path(path: Path) -> Path:
    """Where the course's new version of a file the learner has edited goes: beside it, NAME-update.EXT."""
    return path.with_name(f"{path.stem}-update{path.suffix}")


def learner(src_dir, dest_dir) -> list:
    """Create or refresh the learner's copy of the course folder `src_dir` in `dest_dir`, never overwriting their work.

    Each notebook with exercises becomes its student copy (solutions and hidden tests removed, lesson outputs kept)
    with a link to the full notebook in `src_dir`; other files are copied as they are. `dest_dir/.course-manifest.json`
    records the hash of every file written. A file whose content is still what was written (untouched) is refreshed
    when the course changes; a file the learner changed is theirs: it is left alone and a new version of the course's
    file, if any, is written beside it (`update_path`) under the same rules. A deleted file is written again (how to
    start a chapter over); files the course does not have are never touched. Returns a LearnerFile per course file.
    """
    import json

    src, dest = Path(src_dir).resolve(), Path(dest_dir).resolve()

    def make(nb, name, rel):
        try:
            link = Path(os.path.relpath(src / rel, (dest / rel).parent)).as_posix()
        except ValueError:   # on another drive: no relative link
            link = None
        return learner_notebook(nb, name, link)

    plan = _release_plan(src_dir, dest_dir, "learner", make)
    manifest_path = dest / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        written, offered = dict(manifest.get("written", {})), dict(manifest.get("offered", {}))
    except FileNotFoundError:
        written, offered = {}, {}
    except (ValueError, AttributeError) as e:
        raise CourseworkError(f"{manifest_path}: unreadable ({e}); move it away to treat every file in "
                              f"{dest_dir} as yours") from e

    def place(rel: str, data: bytes) -> str:
        """Write `data` at `rel` unless a learner's file is there; return what happened (a LearnerFile status)."""
        target, h = dest / rel, _sha256(data)
        if not target.exists():
            _write_atomic(target, data)
            status = "restored" if rel in written else "new"
        else:
            current = _sha256(target.read_bytes())
            if current == h:
                status = "up to date"
            elif written.get(rel) == current:
                _write_atomic(target, data)
                status = "updated"
            else:
                return "kept"
        written[rel] = h
        return status

    results = []
    for rel_path, nb in plan:
        rel = rel_path.as_posix()
        data = (src / rel_path).read_bytes() if nb is None else _notebook_bytes(nb)
        h = _sha256(data)
        status, update = place(rel, data), None
        if status == "kept" and offered.get(rel) != h:   # the course changed since it was last offered
            beside = update_path(rel_path).as_posix()
            if place(beside, data) == "kept":
                status = "blocked"   # not recorded as offered: reported again at every run until resolved
            else:
                update = dest / beside
        if status != "blocked":
            offered[rel] = h
        results.append(LearnerFile(dest / rel_path, status, update))
    dest.mkdir(parents=True, exist_ok=True)
    _write_atomic(manifest_path, (json.dumps({"source": str(src), "written": written, "offered": offered},
                                             indent=1, sort_keys=True) + "\n").encode("utf-8"))
    return results


# ---------------------------------------------------------------- execution
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
        _clear_outputs(c)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
        error_on_timeout={"ename": "TimeoutError", "evalue": f"the cell ran longer than {timeout} s",
                          "traceback": []},
        record_timing=False, on_cell_executed=record, resources={"metadata": {"path": str(cwd)}},
        extra_arguments=["--IPKernelApp.log_level=ERROR"])
    stopped = ""
    try:
        client.execute(env=dict(os.environ, D2L_STATIC_PLOTS="1"))
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


def _read(path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def grade_notebook(path, source_path, exercises_only: bool = False, timeout: int = 600, label: str | None = None):
    """Grade one submitted notebook against its source notebook: a list of Score, one per autograded test cell."""
    source_nb = _read(source_path)
    tests = _source_tests(source_nb)
    label = label or Path(path).name
    try:
        sub = _read(path)
    except Exception as e:
        why = f"unreadable notebook ({type(e).__name__})"
        return [Score(label, gid, 0.0, pts, False, why) for _, gid, pts, _ in tests]
    placed = _restore_tests(sub, source_nb)
    if exercises_only:
        sub = exercise_notebook(sub)
        placed = {gid: next((i for i, c in enumerate(sub["cells"]) if grade_id(c) == gid), None) for gid in placed}
    results = run_notebook(sub, Path(path).resolve().parent, timeout)
    scores = []
    for _, gid, pts, _ in tests:
        idx = placed.get(gid)
        r = results.get(idx) if idx is not None else CellResult("not run", "test cell missing from the submission")
        ok = r.status == "ok"
        scores.append(Score(label, gid, pts if ok else 0.0, pts, ok, r.error))
    return scores


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
                      if not any(part in _SKIP_DIRS for part in f.parts)]
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
        if not _source_tests(_read(src)):
            continue
        print(f"grading {label}", file=log, flush=True)
        scores += grade_notebook(f, src, exercises_only, timeout, label)
    return scores, problems


def _num(x: float) -> str:
    return f"{x:g}"


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


def format_learner(files: list) -> str:
    """What `learner` did, one line per file that is not simply up to date, and how to get a fresh copy."""
    lines = []
    for f in files:
        if f.status in ("new", "updated", "restored"):
            lines.append(f"{f.status:9} {f.path}")
        elif f.status == "kept":
            lines.append(f"yours     {f.path}" + (f"  (the course's new version: {f.update})" if f.update else ""))
        elif f.status == "blocked":
            lines.append(f"yours     {f.path}  (the course has a new version, but {update_path(f.path)} is yours "
                         "too: rename one of them and run this again)")
    n = sum(f.status == "up to date" for f in files)
    lines.append(f"{len(files)} course files, {n} already up to date. Files you changed are never overwritten; "
                 "delete one to get it fresh.")
    return "\n".join(lines)


# ---------------------------------------------------------------- study time
READING_WPM, CODE_LINES_PER_MIN = 120, 15   # technical prose with formulas; code read, run and looked at
CODING_MIN, WRITTEN_MIN = 15, 7             # one coding exercise, one written answer


@dataclass
class StudyTime:
    """The estimated minutes a chapter takes to study: its lesson and its exercises."""
    words: int
    code_lines: int
    coding: int
    written: int

    @property
    def lesson(self) -> float:
        """Minutes for the lesson: prose at READING_WPM words and code at CODE_LINES_PER_MIN lines per minute."""
        return self.words / READING_WPM + self.code_lines / CODE_LINES_PER_MIN

    @property
    def exercises(self) -> float:
        """Minutes for the exercises: CODING_MIN per coding exercise, WRITTEN_MIN per written answer."""
        return self.coding * CODING_MIN + self.written * WRITTEN_MIN


def study_time(nb) -> StudyTime:
    """Count what a learner reads, runs and answers in a chapter (the Exercises section's prompts and written answers
    count as exercises, not as reading)."""
    section = exercises_range(nb)
    words = lines = 0
    for i, c in enumerate(nb["cells"]):
        if i in section:
            continue
        if c["cell_type"] == "markdown":
            words += len(c["source"].split())
        elif c["cell_type"] == "code":
            lines += sum(1 for ln in c["source"].split("\n") if ln.strip())
    written = sum(1 for c in nb["cells"] if c["cell_type"] == "markdown" and is_solution(c))
    return StudyTime(words, lines, len(coding_exercises(nb)), written)


def format_minutes(m: float) -> str:
    """`m` minutes rounded to the quarter hour, as '1 h 15 min'."""
    m = 15 * max(1, round(m / 15))
    hours, rest = divmod(m, 60)
    return " ".join(([f"{hours} h"] if hours else []) + ([f"{rest} min"] if rest else []))


def format_study_times(paths) -> str:
    """A markdown table of the study time of each chapter notebook (for the index)."""
    rows = ["| chapter | lesson | exercises | in all |", "|---|---|---|---|"]
    for path in paths:
        nb = _read(path)
        title = next((c["source"].split("\n")[0].lstrip("# ").strip() for c in nb["cells"]
                      if c["cell_type"] == "markdown"), Path(path).stem)
        t = study_time(nb)
        rows.append(f"| {title} | {format_minutes(t.lesson)} | {t.coding} coding, {t.written} written: "
                    f"{format_minutes(t.exercises)} | about {format_minutes(t.lesson + t.exercises)} |")
    return "\n".join(rows)


# ---------------------------------------------------------------- nbgrader
def _nbgrader_preprocessor():
    """nbgrader's ClearOutput for this course (nbgrader is imported only here, when nbgrader asks for it)."""
    from nbgrader.preprocessors import NbGraderPreprocessor

    class ClearExerciseOutput(NbGraderPreprocessor):
        """In `nbgrader generate_assignment`, in place of ClearOutput: clear the outputs of the Exercises section and
        of the nbgrader cells only, keep the lesson's; refuse a notebook `check_notebook` refuses."""

        def preprocess(self, nb, resources):
            check_notebook(nb, (resources.get("metadata") or {}).get("name") or "notebook")
            return clear_exercise_outputs(nb), resources

    ClearExerciseOutput.__module__, ClearExerciseOutput.__qualname__ = __name__, "ClearExerciseOutput"
    return ClearExerciseOutput


def __getattr__(name: str):
    """`ClearExerciseOutput`, the nbgrader preprocessor, is built on first use (nbgrader is needed only then)."""
    if name == "ClearExerciseOutput":
        if name not in globals():
            globals()[name] = _nbgrader_preprocessor()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def nbgrader_generate_preprocessors() -> list:
    """nbgrader's generate_assignment preprocessors with ClearOutput replaced by ClearExerciseOutput."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.preprocessors import ClearOutput

    default = GenerateAssignment.class_traits()["preprocessors"].default()
    if ClearOutput not in default:
        raise CourseworkError("this nbgrader's generate_assignment has no ClearOutput step to replace")
    return [__getattr__("ClearExerciseOutput") if p is ClearOutput else p for p in default]


# ---------------------------------------------------------------- command line
def main(argv=None) -> int:
    """The command line: `release`, `learner`, `study-time` or `grade` (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m d2l_utils.coursework", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="write the student copies of the notebooks of SRC_DIR to OUT_DIR")
    rel.add_argument("src_dir")
    rel.add_argument("out_dir")
    le = sub.add_parser("learner", help="create or refresh a learner's copy of SRC_DIR in DEST_DIR, never "
                                        "overwriting a file the learner changed")
    le.add_argument("src_dir")
    le.add_argument("dest_dir")
    st = sub.add_parser("study-time", help="print the estimated study time of each notebook, as a markdown table")
    st.add_argument("paths", nargs="+", metavar="NOTEBOOK")
    gr = sub.add_parser("grade", help="run submitted notebooks with their hidden tests and print the scores")
    gr.add_argument("paths", nargs="+", metavar="DIR_OR_FILES", help="submitted notebooks, or folders of them")
    gr.add_argument("--source", action="append", metavar="DIR",
                    help="folder of the source (solution) notebooks; may be repeated (default: notebooks/)")
    gr.add_argument("--exercises-only", action="store_true",
                    help="run only the setup cell and the Exercises section (fast)")
    gr.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    gr.add_argument("--csv", metavar="FILE", help="also write the table as CSV")
    args = parser.parse_args(argv)

    if args.command in ("release", "learner"):
        try:
            if args.command == "release":
                report = "\n".join(f"wrote {p}" for p in release(args.src_dir, args.out_dir))
            else:
                report = format_learner(learner(args.src_dir, args.dest_dir))
        except CourseworkError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(report)
        return 0

    if args.command == "study-time":
        print(format_study_times(args.paths))
        return 0

    scores, problems = grade(args.paths, args.source, args.exercises_only, args.timeout)
    for p in problems:
        print(f"skipped {p}", file=sys.stderr)
    if not scores:
        print("error: nothing to grade", file=sys.stderr)
        return 2
    print(format_table(scores))
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["notebook", "grade_id", "points", "max_points", "result", "error"])
            for s in scores:
                w.writerow([s.notebook, s.grade_id, _num(s.points), _num(s.max_points),
                            "pass" if s.passed else "fail", s.error])
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
