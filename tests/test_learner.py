"""The learner's copy (`make learn`): the student copy in a folder of the learner's own, refreshed when the course
changes, never overwriting a file the learner changed."""
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import course as cw
from course.__main__ import main as cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "coursework"
NB = "tiny_course.ipynb"


def _read(path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _write(nb, path):
    import nbformat

    nbformat.write(nb, str(path))


@pytest.fixture
def course(tmp_path) -> Path:
    """A copy of the fixture course (notebook + data file) that a test may change, as the course's authors do."""
    src = tmp_path / "notebooks"
    src.mkdir()
    for f in FIXTURES.iterdir():
        if f.suffix in (".ipynb", ".csv"):
            shutil.copy(f, src / f.name)
    return src


def _status(files) -> dict:
    return {f.path.name: (f.status, f.update.name if f.update else None) for f in files}


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _edit_course(src: Path, text: str) -> None:
    """The course changes: a sentence added to the lesson."""
    nb = _read(src / NB)
    nb.cells[2].source += f"\n\n{text}"
    _write(nb, src / NB)


def _answer(path: Path) -> None:
    """The learner works: answers the first coding exercise and saves."""
    nb = _read(path)
    e = cw.coding_exercises(nb)[0]
    nb.cells[e.solution].source = "def mean_sq(x):\n    return sum(v * v for v in x) / len(x)   # mine"
    _write(nb, path)


def test_the_learner_copy_is_the_student_copy_with_a_link_to_the_solutions(course, tmp_path):
    me = tmp_path / "my-course"
    assert _status(cw.learner(course, me)) == {NB: ("new", None), "tiny_data.csv": ("new", None)}
    mine, student, src = _read(me / NB), cw.release_notebook(_read(course / NB)), _read(course / NB)
    section = cw.exercises_range(student)
    added = mine.cells.pop(section.start + 1)
    assert mine == student, "apart from the link, the learner's copy is the student copy"
    link = re.search(r"\]\(([^)]+)\)", added.source).group(1)
    assert link == "../notebooks/tiny_course.ipynb" and (me / link).resolve() == (course / NB).resolve()
    assert cw.solution_regions(src.cells[cw.coding_exercises(src)[0].solution].source)[0] not in json.dumps(mine)
    assert (me / "tiny_data.csv").read_bytes() == (course / "tiny_data.csv").read_bytes()
    assert set(json.loads((me / cw.MANIFEST).read_text())["written"]) == {NB, "tiny_data.csv"}
    before = _snapshot(me)
    assert _status(cw.learner(course, me)) == {NB: ("up to date", None), "tiny_data.csv": ("up to date", None)}
    assert _snapshot(me) == before, "the same course gives the same bytes"


def test_untouched_files_follow_the_course_and_edited_ones_are_never_overwritten(course, tmp_path):
    me = tmp_path / "my-course"
    cw.learner(course, me)
    _answer(me / NB)
    work = (me / NB).read_bytes()
    (me / "notes.ipynb").write_text("{}")   # a file of the learner's own
    assert _status(cw.learner(course, me))[NB] == ("kept", None), "the course did not change: nothing to offer"
    assert not cw.update_path(me / NB).exists()

    _edit_course(course, "A first correction.")
    (course / "tiny_data.csv").write_text("1.0\n2.0\n6.0\n")
    status = _status(cw.learner(course, me))
    assert status == {NB: ("kept", "tiny_course-update.ipynb"), "tiny_data.csv": ("updated", None)}
    assert (me / NB).read_bytes() == work, "the learner's work is left as it is"
    update = _read(cw.update_path(me / NB))
    assert "A first correction." in update.cells[2].source and (me / "tiny_data.csv").read_text().endswith("6.0\n")
    fresh = _snapshot(me)
    assert _status(cw.learner(course, me))[NB] == ("kept", None) and _snapshot(me) == fresh

    _edit_course(course, "A second correction.")   # the untouched update is refreshed, the work still kept
    assert _status(cw.learner(course, me))[NB] == ("kept", "tiny_course-update.ipynb")
    assert "A second correction." in _read(cw.update_path(me / NB)).cells[2].source
    assert (me / NB).read_bytes() == work

    _answer(cw.update_path(me / NB))               # the learner moves on to the update and works there too
    edited = _snapshot(me)
    _edit_course(course, "A third correction.")
    files = cw.learner(course, me)
    assert _status(files)[NB] == ("blocked", None) and _snapshot(me) == edited
    assert "rename one of them" in cw.format_learner(files)
    assert (me / "notes.ipynb").read_text() == "{}"


def test_an_untouched_notebook_is_updated_in_place_when_the_course_changes(course, tmp_path):
    """The manifest records the hash of what was written (the learner's copy), not of the source notebook: an
    untouched copy is recognised as the course's and refreshed, without an -update copy beside it."""
    me = tmp_path / "my-course"
    cw.learner(course, me)
    written = json.loads((me / cw.MANIFEST).read_text())["written"][NB]
    assert written == hashlib.sha256((me / NB).read_bytes()).hexdigest() != \
        hashlib.sha256((course / NB).read_bytes()).hexdigest()
    _edit_course(course, "A correction.")
    assert _status(cw.learner(course, me))[NB] == ("updated", None)
    assert not cw.update_path(me / NB).exists() and "A correction." in _read(me / NB).cells[2].source


def test_a_deleted_file_comes_back_fresh_and_a_file_the_course_drops_stays(course, tmp_path):
    me = tmp_path / "my-course"
    cw.learner(course, me)
    _answer(me / NB)
    (me / NB).unlink()
    assert _status(cw.learner(course, me))[NB] == ("restored", None)
    assert _read(me / NB) == cw.learner_notebook(_read(course / NB), NB, "../notebooks/tiny_course.ipynb")
    (course / "tiny_data.csv").unlink()
    cw.learner(course, me)
    assert (me / "tiny_data.csv").exists(), "nothing in the learner's folder is ever deleted"


def test_a_renamed_chapter_replaces_an_untouched_copy_and_keeps_an_edited_one(course, tmp_path):
    me, other = tmp_path / "my-course", "02_other.ipynb"
    shutil.copy(course / NB, course / other)
    cw.learner(course, me)
    _answer(me / other)                                    # the learner worked in one chapter, not the other
    for old in (NB, other):                                 # the course renames both
        (course / old).rename(course / f"new_{old}")
    renamed = {NB: ("new_" + NB,), other: ("new_" + other, "split_part.ipynb")}
    files = cw.learner(course, me, renamed)
    assert _status(files) == {NB: ("retired", None), other: ("renamed", None), "new_" + NB: ("new", None),
                              "new_" + other: ("new", None), "tiny_data.csv": ("up to date", None)}
    assert not (me / NB).exists(), "the untouched copy of a renamed chapter is removed"
    assert "# mine" in (me / other).read_text(), "the learner's work stays where it is"
    report = cw.format_learner(files)
    assert "new_02_other.ipynb, split_part.ipynb" in report and report.endswith(
        "3 course files, 1 already up to date. Files you changed are never overwritten; delete one to get it fresh.")
    manifest = json.loads((me / cw.MANIFEST).read_text())
    assert NB not in manifest["written"] and other not in manifest["written"]
    assert _status(cw.learner(course, me, renamed))[other] == ("renamed", None)   # reminded, never removed
    assert (me / other).exists()
    (course / f"new_{NB}").rename(course / NB)              # a name the course uses is never retired
    assert _status(cw.learner(course, me, renamed))[NB] == ("new", None)


def test_the_renamed_chapters_are_the_courses_old_and_new_names():
    names = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert not set(cw.RENAMED) & names, "an old name the course still uses would be removed from learners' folders"
    assert {n for new in cw.RENAMED.values() for n in new} <= names


def test_a_file_that_was_there_before_is_the_learners(course, tmp_path):
    me = tmp_path / "my-course"
    me.mkdir()
    (me / NB).write_text("my own notebook")
    assert _status(cw.learner(course, me))[NB] == ("kept", "tiny_course-update.ipynb")
    assert (me / NB).read_text() == "my own notebook"


def test_learner_refuses_a_folder_inside_the_course_and_a_broken_manifest(course, tmp_path, capsys):
    assert cli(["learner", str(course), str(course / "mine")]) == 1
    assert "must lie outside the source folder" in capsys.readouterr().err
    me = tmp_path / "my-course"
    me.mkdir()
    (me / cw.MANIFEST).write_text("{not json")
    assert cli(["learner", str(course), str(me)]) == 1
    assert "unreadable" in capsys.readouterr().err and not (me / NB).exists()


def test_feedback_on_the_learners_work(course, tmp_path):
    """`make feedback`: the learner's answered exercise passes its tests, hidden ones included; the other fails."""
    me = tmp_path / "my-course"
    cw.learner(course, me)
    _answer(me / NB)
    scores, problems = cw.grade([me / NB], [course], exercises_only=True, timeout=120)
    assert not problems and [(s.grade_id, s.passed) for s in scores] == [("tiny-ex1-tests", True),
                                                                         ("tiny-ex2-tests", False)]
    assert scores[1].error == "not attempted", "an untouched exercise is not attempted, not the error it raises"
    assert cw.format_feedback(scores).splitlines() == [
        "\u2713 exercise 2 (tiny-ex1-tests): the tests pass, hidden ones included",
        "\u00b7 exercise 3 (tiny-ex2-tests): not attempted"]
    nb = _read(me / NB)   # ... and, in the notebook, the passing test cell says so in one line
    nb.cells[cw.coding_exercises(nb)[1].solution].source = "lr = 1.0   # tried, wrong"
    _write(nb, me / NB)
    scores, _ = cw.grade([me / NB], [course], exercises_only=True, timeout=120)
    assert scores[1].error.startswith(("NameError", "AssertionError")), "attempted: the error it raises"
    ran = cw.exercise_notebook(_read(me / NB))
    results = cw.run_notebook(ran, me, timeout=120)
    test = next(i for i, c in enumerate(ran.cells) if cw.grade_id(c) == "tiny-ex1-tests")
    assert results[test].status == "ok"
    assert [o.get("text") for o in ran.cells[test].outputs] == ["\u2713 exercise 2: the visible tests pass\n"]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_feedback_grades_the_chapters_of_the_learners_folder(tmp_path):
    """`make feedback` hands the grader every chapter of my-course/ (update copies too), not the learner's own notes;
    before `make learn` it says what to do."""
    me = tmp_path / "my-course"
    me.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}

    def make_n():
        return subprocess.run(["make", "-n", "feedback", f"LEARNER_DIR={me}", "VENV=" + str(ROOT / ".venv")],
                              cwd=ROOT, env=env, capture_output=True, text=True)

    got = make_n()
    assert got.returncode != 0 and "run make learn first" in got.stderr
    for name in ("02_adagrad_from_scratch.ipynb", "01_fixed_learning_rates.ipynb",
                 "01_fixed_learning_rates-update.ipynb", "index.ipynb", "notes.ipynb"):
        (me / name).write_text("{}")
    got = make_n()
    (line,) = [ln for ln in got.stdout.replace("\\\n", " ").splitlines() if "-m course grade" in ln]
    assert got.returncode == 0 and line.split()[-4:] == [
        "--exercises-only", *(str(me / n) for n in ("01_fixed_learning_rates-update.ipynb",
                                                   "01_fixed_learning_rates.ipynb", "02_adagrad_from_scratch.ipynb"))]


def _tracked(folder: str) -> list:
    try:
        out = subprocess.run(["git", "ls-files", folder], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / line for line in out.stdout.splitlines()]


def test_make_learn_from_a_fresh_clone(tmp_path, monkeypatch, capsys):
    """`make learn`'s command, run where only the repository's tracked notebooks exist, copies every chapter."""
    clone = tmp_path / "clone"
    for f in _tracked("notebooks"):
        (clone / f.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, clone / f.relative_to(ROOT))
    make = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^learn:.*\n((?:\t.*\n)+)", make, re.M)
    assert recipe and "-m course learner notebooks $(LEARNER_DIR)" in recipe.group(1)
    assert re.search(r"^LEARNER_DIR\s*\?=\s*my-course$", make, re.M)
    assert "my-course/" in (ROOT / ".gitignore").read_text().split()
    monkeypatch.chdir(clone)
    assert cli(["learner", "notebooks", "my-course"]) == 0   # python -m course learner ...
    out = capsys.readouterr().out
    chapters = sorted(p.name for p in (clone / "notebooks").glob("0*.ipynb"))
    assert chapters and all(f"new       {clone / 'my-course' / c}" in out for c in chapters)
    for c in chapters:
        nb = _read(clone / "my-course" / c)
        assert not any(cw.solution_regions(x.source) or cw.hidden_test_regions(x.source) for x in nb.cells)
        link = next(x for x in nb.cells if x.get("id") == "solutions-link")
        assert f"](../notebooks/{c})" in link.source
    index = clone / "notebooks" / "index.ipynb"
    if index.exists():
        assert (clone / "my-course" / "index.ipynb").read_bytes() == index.read_bytes()

