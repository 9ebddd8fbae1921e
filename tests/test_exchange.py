"""A class through nbgrader's own exchange, end to end, with the shipped nbgrader_config.py (README, "For
instructors", lists the same steps).

One instructor and three students, each with a home folder of their own, share an exchange folder (a temporary one:
NBGRADER_EXCHANGE overrides the configuration's /srv/nbgrader/exchange). The students run as on a JupyterHub whose
servers all run as the system user `jovyan`: nbgrader then takes the student's name from JUPYTERHUB_USER. The chapter
is the fixture course (tests/fixtures/coursework), so that every step stays fast:

    instructor  generate_assignment, release_assignment
    students    fetch_assignment; alice answers everything, bob nothing then exercise 2 (submitted twice), carol
                nothing, after the due date; submit
    instructor  db assignment add --duedate, collect, autograde, generate_feedback, release_feedback
    students    fetch_feedback
    instructor  export: one row per student, scores 3, 1 and 0
"""
import csv
import os
import shutil
import stat
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

import course as cw

pytest.importorskip("nbgrader")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "coursework"
TINY = FIXTURES / "tiny_course.ipynb"
COURSE_ID = "adaptive-lr-test"
ASSIGNMENT = "tiny"
# A student's nbgrader, as in a hub's single-user server running as `jovyan` (nbgrader.utils.get_username).
AS_JOVYAN = ("import sys, nbgrader.utils as u; u.get_osusername = lambda: 'jovyan'; "
             "from nbgrader.apps.nbgraderapp import main; sys.exit(main())")


class Class:
    """The instructor's course folder, the exchange, and one home folder per student, each with the shipped config."""

    def __init__(self, tmp: Path):
        self.tmp, self.exchange, self.course = tmp, tmp / "exchange", tmp / "instructor" / "course"
        folder = self.course / "source" / ASSIGNMENT
        folder.mkdir(parents=True)
        for f in FIXTURES.iterdir():
            if f.suffix in (".ipynb", ".csv"):
                shutil.copy(f, folder / f.name)
        shutil.copy(ROOT / "nbgrader_config.py", self.course / "nbgrader_config.py")

    def env(self, home: Path, user: str | None) -> dict:
        config = home / ".jupyter"
        config.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "nbgrader_config.py", config / "nbgrader_config.py")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "NBGRADER"))}
        env.update(HOME=str(home), JUPYTER_CONFIG_DIR=str(config), NBGRADER_EXCHANGE=str(self.exchange),
                   NBGRADER_COURSE_ID=COURSE_ID, D2L_STATIC_PLOTS="1",
                   PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
                   PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
        if user:
            env["JUPYTERHUB_USER"] = user
        return env

    def instructor(self, *args: str) -> subprocess.CompletedProcess:
        return self._run([sys.executable, "-m", "nbgrader", *args], self.course, self.env(self.tmp / "instructor",
                                                                                            None))

    def student(self, name: str, *args: str) -> subprocess.CompletedProcess:
        home = self.home(name)
        return self._run([sys.executable, "-c", AS_JOVYAN, *args], home, self.env(home, name))

    def home(self, name: str) -> Path:
        home = self.tmp / "home" / name
        home.mkdir(parents=True, exist_ok=True)
        return home

    @staticmethod
    def _run(cmd, cwd, env) -> subprocess.CompletedProcess:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{' '.join(cmd[2:] if cmd[1] == '-c' else cmd[3:])} failed in {cwd}:\n" \
                                     f"{proc.stdout}\n{proc.stderr}"
        return proc


def _answer(path: Path, exercises: list) -> None:
    """Fill in the listed coding exercises (0-based) of a fetched notebook with the model answers."""
    import nbformat

    src, nb = cw.read_notebook(TINY), cw.read_notebook(path)
    for k in exercises:
        e = cw.coding_exercises(src)[k]
        gid = cw.grade_id(src.cells[e.solution])
        (cell,) = [c for c in nb.cells if cw.grade_id(c) == gid]
        cell.source = src.cells[e.solution].source
    nbformat.write(nb, path)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _submissions(exchange: Path, student: str) -> list:
    return sorted(p.name for p in (exchange / COURSE_ID / "inbound").glob(f"{student}+{ASSIGNMENT}+*"))


def _utc(ts: str) -> datetime:
    return datetime.strptime(ts.strip().replace(" UTC", ""), "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)


def test_a_class_through_the_nbgrader_exchange(tmp_path):
    k = Class(tmp_path)
    k.instructor("generate_assignment", ASSIGNMENT)
    k.instructor("release_assignment", ASSIGNMENT)
    course = k.exchange / COURSE_ID
    assert (course / "outbound" / ASSIGNMENT / TINY.name).is_file()
    # the permissions nbgrader sets: everyone may create a submission in inbound, nobody but the instructor may list
    # it (so a student cannot find, hence not read, another's submission, whose name ends in a random string)
    assert _mode(k.exchange) == 0o777 and _mode(course / "outbound") == 0o755
    assert _mode(course / "inbound") & 0o777 == 0o733 and _mode(course / "inbound") & stat.S_ISGID

    for name in ("alice", "bob", "carol"):
        k.student(name, "fetch_assignment", ASSIGNMENT)
        fetched = k.home(name) / ASSIGNMENT
        assert sorted(p.name for p in fetched.iterdir()) == ["tiny_course.ipynb", "tiny_data.csv"]
        assert not any(cw.solution_regions(c.source) or cw.hidden_test_regions(c.source)
                       for c in cw.read_notebook(fetched / TINY.name).cells)
    _answer(k.home("alice") / ASSIGNMENT / TINY.name, [0, 1])
    k.student("alice", "submit", ASSIGNMENT)
    k.student("bob", "submit", ASSIGNMENT)                     # bob submits the untouched copy first ...
    time.sleep(1.1)
    _answer(k.home("bob") / ASSIGNMENT / TINY.name, [0])
    k.student("bob", "submit", ASSIGNMENT)                     # ... then again, with exercise 2 answered
    assert len(_submissions(k.exchange, "bob")) == 2 and len(_submissions(k.exchange, "alice")) == 1
    for sub in _submissions(k.exchange, "alice") + _submissions(k.exchange, "bob"):
        assert len(sub.split("+")) == 4, "student+assignment+timestamp+random: a name no one can guess"
    time.sleep(1.1)
    due = datetime.now(timezone.utc).replace(microsecond=0)
    time.sleep(1.1)
    k.instructor("db", "assignment", "add", ASSIGNMENT, f"--duedate={due.strftime('%Y-%m-%d %H:%M:%S')} UTC")
    k.student("carol", "submit", ASSIGNMENT)                   # carol, untouched, after the due date

    k.instructor("collect", ASSIGNMENT)
    submitted = k.course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["alice", "bob", "carol"]
    stamps = {n: _utc((submitted / n / ASSIGNMENT / "timestamp.txt").read_text()) for n in ("alice", "bob", "carol")}
    latest_bob = max(_utc((course / "inbound" / s / "timestamp.txt").read_text())
                     for s in _submissions(k.exchange, "bob"))
    assert stamps["bob"] == latest_bob and stamps["bob"] > stamps["alice"]
    bob_nb = cw.read_notebook(submitted / "bob" / ASSIGNMENT / TINY.name)
    ex1 = cw.grade_id(cw.read_notebook(TINY).cells[cw.coding_exercises(cw.read_notebook(TINY))[0].solution])
    assert "BEGIN SOLUTION" in next(c.source for c in bob_nb.cells if cw.grade_id(c) == ex1), \
        "the collected copy is bob's second submission"
    assert stamps["alice"] < due < stamps["carol"] and stamps["bob"] < due

    k.instructor("autograde", ASSIGNMENT)
    k.instructor("generate_feedback", ASSIGNMENT)
    k.instructor("release_feedback", ASSIGNMENT)
    assert _mode(course / "feedback") & 0o777 == 0o711, "students fetch their own feedback by its hash, list none"

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{k.course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        late = {n: gb.find_submission(ASSIGNMENT, n).total_seconds_late for n in ("alice", "bob", "carol")}
    assert late["alice"] == late["bob"] == 0 and late["carol"] > 0, late

    expected = {"alice": 3, "bob": 1, "carol": 0}   # exercise 2 is worth 1 point, exercise 3 2 (code; the written
    for name, score in expected.items():              # answer awaits the instructor)
        k.student(name, "fetch_feedback", ASSIGNMENT)
        (html,) = (k.home(name) / ASSIGNMENT / "feedback").glob(f"*/{TINY.stem}.html")
        text = html.read_text(encoding="utf-8")
        assert f"{score:.1f} / " in text, f"{name}'s feedback"
        assert not [o for o in expected if o != name and f"/{o}/" in str(html)]

    k.instructor("export", "--to", str(tmp_path / "grades.csv"))
    rows = list(csv.DictReader((tmp_path / "grades.csv").open()))
    assert sorted((r["student_id"], float(r["score"])) for r in rows) == sorted(
        (n, float(s)) for n, s in expected.items())
    assert len({r["score"] for r in rows}) == 3 and {r["assignment"] for r in rows} == {ASSIGNMENT}

