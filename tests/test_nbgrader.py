"""nbgrader with the shipped nbgrader_config.py, and the leak check of every student copy.

A temporary nbgrader course folder (its own gradebook database, no exchange, offline) holds the fixture chapter as
assignment `tiny` and every chapter notebook as assignment `chapters`; one `nbgrader generate_assignment` releases
both. nbgrader's student copy must equal `make student`'s (the lesson's outputs kept), and neither may contain a
solution, a hidden test or a recorded wrong answer (tests/wrong_answers/), in a cell or in metadata. The fixture is
then autograded: a filled-in release scores full marks, the release as handed out zero.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import course as cw
from conftest import wrong_answers
from course.__main__ import main as cli

pytest.importorskip("nbgrader")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "coursework"
TINY = FIXTURES / "tiny_course.ipynb"
CHAPTERS = sorted((ROOT / "notebooks").glob("0*.ipynb"))
ALL = [TINY] + CHAPTERS
NBGRADER_KEYS = {"checksum", "cell_type"}   # what nbgrader adds to a cell's nbgrader metadata (its own bookkeeping)
LOCK_KEYS = {"deletable", "editable"}      # ... and to the cell's metadata (LockCells)


def _read(path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _assignment(path: Path) -> str:
    return "tiny" if path == TINY else "chapters"


def nbgrader(course: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run `nbgrader ARGS` in the course folder `course`, isolated from the user's Jupyter configuration."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
               JUPYTER_CONFIG_DIR=str(course.parent / "jupyter-config"), D2L_STATIC_PLOTS="1")
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """An nbgrader course folder with the shipped configuration, both assignments generated."""
    course = tmp_path_factory.mktemp("nbgrader") / "course"
    for path in ALL:
        folder = course / "source" / _assignment(path)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / path.name)
    for f in FIXTURES.glob("*.csv"):
        shutil.copy(f, course / "source" / "tiny" / f.name)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    nbgrader(course, "generate_assignment", "*")
    return course


@pytest.fixture(scope="module")
def make_student(tmp_path_factory) -> Path:
    """The release written by `make student`'s command, for the chapters and for the fixture folder."""
    out = tmp_path_factory.mktemp("make-student")
    for src, dest in ((ROOT / "notebooks", out / "chapters"), (FIXTURES, out / "tiny")):
        assert cli(["release", str(src), str(dest)]) == 0   # python -m course release SRC DEST
    return out


def _nbgrader_copy(course: Path, path: Path) -> Path:
    return course / "release" / _assignment(path) / path.name


def _without_nbgrader_bookkeeping(cell: dict) -> dict:
    cell = json.loads(json.dumps(cell))
    for k in LOCK_KEYS:
        cell["metadata"].pop(k, None)
    for k in NBGRADER_KEYS:
        cell["metadata"].get("nbgrader", {}).pop(k, None)
    return cell


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_nbgrader_makes_the_same_student_copy_as_make_student(path, course, make_student):
    ours = json.loads((make_student / _assignment(path) / path.name).read_text(encoding="utf-8"))
    theirs = json.loads(_nbgrader_copy(course, path).read_text(encoding="utf-8"))
    assert theirs["metadata"] == ours["metadata"] and len(theirs["cells"]) == len(ours["cells"])
    for i, (a, b) in enumerate(zip(ours["cells"], theirs["cells"])):
        if "nbgrader" in a["metadata"]:   # nbgrader locks and checksums its cells: nothing else may differ
            assert set(b["metadata"]) - set(a["metadata"]) <= LOCK_KEYS, f"cell {i}"
            assert set(b["metadata"]["nbgrader"]) - set(a["metadata"]["nbgrader"]) <= NBGRADER_KEYS, f"cell {i}"
        assert _without_nbgrader_bookkeeping(b) == a, f"{path.name}, cell {i}: nbgrader's copy differs"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_nbgrader_keeps_the_lessons_outputs_and_clears_the_exercises(path, course):
    src, rel = _read(path), _read(_nbgrader_copy(course, path))
    section = cw.exercises_range(src)
    lesson = [i for i, c in enumerate(src.cells) if c.cell_type == "code" and i not in section
              and not (cw.is_solution(c) or cw.is_grade(c))]
    assert any(src.cells[i].outputs for i in lesson), "the lesson shows outputs"
    for i in lesson:
        assert rel.cells[i].outputs == src.cells[i].outputs, f"cell {i}: lesson output lost"
        assert rel.cells[i].execution_count == src.cells[i].execution_count
    for i, c in enumerate(rel.cells):
        if c.cell_type == "code" and (i in section or cw.is_solution(c) or cw.is_grade(c)):
            assert c.outputs == [] and c.execution_count is None, f"cell {i}: exercise output kept"
    if path == TINY:   # the fixture's second solution prints what its test checks
        assert any(o.get("text") for o in src.cells[cw.coding_exercises(src)[1].solution].outputs)


# ---------------------------------------------------------------- no secret in any student copy
def _strings(x) -> list:
    """Every text in a notebook JSON value (multi-line texts joined), keys included."""
    if isinstance(x, str):
        return [x]
    if isinstance(x, list):
        return ["".join(x)] if x and all(isinstance(s, str) for s in x) else [s for v in x for s in _strings(v)]
    if isinstance(x, dict):
        return [s for k, v in x.items() for s in [k] + _strings(v)]
    return []


def _secrets(path: Path) -> list:
    """What no student may receive: each solution region (a whole solution cell without markers), hidden-test region
    and recorded wrong answer of the notebook."""
    nb, found = _read(path), []
    for c in nb.cells:
        if cw.is_solution(c):
            regions = cw.solution_regions(c.source)
            found += regions if regions else [c.source]
        if cw.is_grade(c):
            found += cw.hidden_test_regions(c.source)
    return [s for s in found + list(wrong_answers(path).values()) if s.strip()]


def _public(path: Path) -> str:
    """What students may receive in the Exercises section: prompts, setup code, visible tests, solution skeletons."""
    nb = _read(path)
    section = cw.exercises_range(nb)
    texts = []
    for i, c in enumerate(nb.cells):
        if i in section or cw.is_solution(c) or cw.is_grade(c):
            src = c.source
            if cw.is_solution(c):
                src = cw.clear_solution(src)[0] if cw.solution_regions(src) else ""
            texts.append(cw.clear_hidden_tests(src)[0] if cw.is_grade(c) else src)
    return "\n".join(texts)


def _received(copy: Path, path: Path) -> str:
    """What a student copy holds outside the lesson: every metadata value, and the Exercises section and nbgrader
    cells (sources and outputs). The lesson's cells equal the source's (the tests above and test_coursework)."""
    raw = json.loads(copy.read_text(encoding="utf-8"))
    section = cw.exercises_range(_read(path))
    cells = [c for i, c in enumerate(raw["cells"]) if i in section or "nbgrader" in c["metadata"]]
    return "\n".join(_strings([raw["metadata"], [c["metadata"] for c in raw["cells"]], cells]))


@pytest.mark.parametrize("maker", ["make student", "nbgrader"])
@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_no_student_copy_holds_a_solution_a_hidden_test_or_a_wrong_answer(path, maker, course, make_student):
    copy = (make_student / _assignment(path) / path.name if maker == "make student"
            else _nbgrader_copy(course, path))
    received, public, secrets = _received(copy, path), _public(path), _secrets(path)
    assert secrets and not any(cw.solution_regions(c.source) or cw.hidden_test_regions(c.source)
                               for c in _read(copy).cells), "markers left in the copy"
    for secret in secrets:
        assert secret.strip() not in received, f"{maker}: leaked into {copy.name}:\n{secret}"
        for line in {ln.strip() for ln in secret.split("\n")}:   # nor any line of it a student cannot already see
            if len(line) >= 6 and line not in public:
                assert line not in received, f"{maker}: a line of a secret leaked into {copy.name}: {line!r}"


def test_the_leak_check_finds_a_leak(course, tmp_path):
    """The check above catches a wrong answer kept in the metadata, and one solution line left in a cell."""
    raw = json.loads(_nbgrader_copy(course, TINY).read_text(encoding="utf-8"))
    src = _read(TINY)
    ex1, ex2 = cw.coding_exercises(src)[:2]
    raw["cells"][ex1.solution]["metadata"]["d2l"] = {"note": wrong_answers(TINY)["tiny-ex1-solution"]}
    (tmp_path / "a.ipynb").write_text(json.dumps(raw))
    assert wrong_answers(TINY)["tiny-ex1-solution"].strip() in _received(tmp_path / "a.ipynb", TINY)
    raw = json.loads(_nbgrader_copy(course, TINY).read_text(encoding="utf-8"))
    line = cw.solution_regions(src.cells[ex1.solution].source)[0].split("\n")[-1].strip()
    raw["cells"][ex2.tests[0]]["source"] += "\n" + line
    (tmp_path / "b.ipynb").write_text(json.dumps(raw))
    assert line not in _public(TINY) and line in _received(tmp_path / "b.ipynb", TINY)


def test_the_nbgrader_step_refuses_a_notebook_with_answers_in_its_metadata():
    nb = _read(TINY)
    step = cw.ClearExerciseOutput()
    assert step.preprocess(_read(TINY), {"metadata": {"name": "tiny"}})[0].cells[3].outputs == nb.cells[3].outputs
    nb.cells[cw.coding_exercises(nb)[0].solution].metadata["d2l"] = {"wrong_answer": "return 0"}
    with pytest.raises(cw.CourseworkError, match="would ship with every student copy"):
        step.preprocess(nb, {"metadata": {"name": "tiny"}})
    assert cw.ClearExerciseOutput in cw.nbgrader_generate_preprocessors()


# ---------------------------------------------------------------- autograde and feedback
def test_nbgrader_autogrades_solutions_full_and_the_release_zero(course):
    import nbformat

    src, release = _read(TINY), _nbgrader_copy(course, TINY)
    for student in ("alice", "bob"):
        shutil.copytree(release.parent, course / "submitted" / student / "tiny")
    answered = _read(release)   # alice fills in every solution region of the release
    for e in cw.coding_exercises(src):
        answered.cells[e.solution].source = src.cells[e.solution].source
    nbformat.write(answered, course / "submitted" / "alice" / "tiny" / TINY.name)
    nbgrader(course, "autograde", "tiny")
    nbgrader(course, "generate_feedback", "tiny")

    from nbgrader.api import Gradebook

    points = sum(c.metadata["nbgrader"]["points"] for c in src.cells if cw.is_grade(c) and c.cell_type == "code")
    written = sum(c.metadata["nbgrader"]["points"] for c in src.cells if cw.is_grade(c) and c.cell_type == "markdown")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        alice, bob = (gb.find_submission_notebook(TINY.stem, "tiny", s) for s in ("alice", "bob"))
        assert alice.max_code_score == bob.max_code_score == points == 3
        assert alice.code_score == points and bob.code_score == 0
        assert not alice.failed_tests and bob.failed_tests
    for student, score in (("alice", points), ("bob", 0)):   # the written answer awaits the instructor
        html = (course / "feedback" / student / "tiny" / f"{TINY.stem}.html").read_text(encoding="utf-8")
        assert f"{score:.1f} / {points + written:.1f}" in html
