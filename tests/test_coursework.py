"""Coursework: the exercises of every chapter, the student release, the mutation check and the grader.

Runs over the fixture notebooks in tests/fixtures/coursework/ and over every chapter notebook (notebooks/0*.ipynb).
Each notebook is executed in ONE kernel: first its student copy (setup cell + Exercises section), then, after
`%reset -f`, the source: setup cell, and for each coding exercise each of its recorded wrong answers
(tests/wrong_answers/) + the visible part of its test cells (one wrong answer at least must fail there: a student
gets that feedback before grading), each hidden test alone after the visible part (each must reject one wrong answer
that the visible part lets through), and the whole test cells (must reject every wrong answer), then its solution +
test cells (must pass). Full-notebook grading runs on the fixtures and on the cheapest chapter only.
"""
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

import course as cw
from conftest import recorded_wrong_answers, split_at_markers, wrong_answers
from course.__main__ import main as cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "coursework"
FIXTURE_NBS = sorted(FIXTURES.glob("*.ipynb"))
CHAPTERS = sorted((ROOT / "notebooks").glob("0*.ipynb"))
ALL = FIXTURE_NBS + CHAPTERS
CHEAPEST = ROOT / "notebooks" / "01_fixed_learning_rates.ipynb"
TIMEOUT = 120   # seconds per cell; exercise cells take a few seconds at most


def _read(path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _name(p):
    return p.name


# ---------------------------------------------------------------- shared, once per session
@pytest.fixture(scope="session")
def student(tmp_path_factory):
    """`student(path)`: the student copy of a source notebook (released once per session)."""
    import nbformat

    cache = {}
    fixtures_out = tmp_path_factory.mktemp("fixtures-student")
    chapters_out = tmp_path_factory.mktemp("student")

    def get(path: Path) -> Path:
        if path not in cache:
            if path.parent == FIXTURES:   # the whole folder, as `make student` does (data files copied too)
                cw.release(FIXTURES, fixtures_out)
                cache.update({p: fixtures_out / p.name for p in FIXTURE_NBS})
            else:
                out = chapters_out / path.name
                nbformat.write(cw.release_notebook(_read(path), path.name), out)
                cache[path] = out
        return cache[path]
    return get


def only_hidden_region(source: str, k: int) -> str:
    """The test cell `source` with its visible lines and the lines of its k-th hidden-test region only (markers
    dropped): what the k-th hidden test adds to the visible ones."""
    out, region, inside = [], -1, False
    for line in source.split("\n"):
        if line.strip() == cw.BEGIN_HIDDEN:
            region, inside = region + 1, True
        elif line.strip() == cw.END_HIDDEN:
            inside = False
        elif not inside or region == k:
            out.append(line)
    return "\n".join(out)


def _mutation_cells(nb, path):
    """The source run: setup cell; per coding exercise and each of its recorded wrong answers: the answer, then per
    test cell its visible part, its visible part with each hidden region alone, and the whole cell; then the
    solution + tests; other cells."""
    import nbformat

    new = nbformat.v4.new_code_cell
    cells = [new(nb.cells[cw.setup_index(nb)].source, metadata={"role": "setup"})]
    exercises = {e.solution: e for e in cw.coding_exercises(nb)}
    wrong = recorded_wrong_answers(path)
    for i in cw.exercises_range(nb):
        c = nb.cells[i]
        if c.cell_type != "code" or i == cw.setup_index(nb):
            continue
        gid = cw.grade_id(c) or f"cell {i}"
        e = exercises.get(i)
        for j, answer in enumerate(wrong.get(gid, []) if e is not None else []):
            cells.append(new(answer, metadata={"role": "wrong", "gid": gid, "wrong": j}))
            for t in e.tests:
                source, tid = nb.cells[t].source, cw.grade_id(nb.cells[t]) or f"cell {t}"
                meta = dict(gid=gid, wrong=j, test=tid)
                cells.append(new(cw.clear_hidden_tests(source)[0], metadata=dict(meta, role="test-wrong")))
                regions = cw.hidden_test_regions(source)
                cells += [new(only_hidden_region(source, k), metadata=dict(meta, role="test-hidden", region=k))
                          for k in range(len(regions))]
                if regions:
                    cells.append(new(source, metadata=dict(meta, role="test-full")))
        role = "solution" if cw.is_solution(c) else "test" if cw.is_grade(c) else "plain"
        cells.append(new(c.source, metadata={"role": role, "gid": gid}))
    return cells


@pytest.fixture(scope="session")
def runs(student):
    """`runs(path)`: [(phase, role, grade_id or label, CellResult)] of the one-kernel run of a notebook."""
    cache = {}

    def get(path: Path):
        if path not in cache:
            import nbformat

            src, stu_path = _read(path), student(path)
            stu = cw.exercise_notebook(_read(stu_path))
            for c in stu.cells:
                c.metadata["phase"] = "student"
            new = nbformat.v4.new_code_cell
            cells = stu.cells + [new("%reset -f", metadata={"role": "reset"}),
                                 new(f"import os\nos.chdir({str(path.parent)!r})\ndel os", metadata={"role": "cd"})]
            for c in _mutation_cells(src, path):
                c.metadata["phase"] = "source"
                cells.append(c)
            nb = nbformat.v4.new_notebook(cells=cells, metadata=src.metadata)
            results = cw.run_notebook(nb, stu_path.parent, TIMEOUT)
            cache[path] = [(c.metadata.get("phase"), c.metadata.get("role"), c.metadata.get("gid") or cw.grade_id(c),
                            c, results[i]) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        return cache[path]
    return get


# ---------------------------------------------------------------- every notebook: structure
@pytest.mark.parametrize("path", ALL, ids=_name)
def test_exercises_are_well_formed(path):
    nb = _read(path)
    exercises = cw.check_notebook(nb, path.name)   # balanced markers, unique grade_ids, consistent metadata
    wrong = wrong_answers(path)
    assert set(wrong) <= {cw.grade_id(nb.cells[e.solution]) for e in exercises}, "a wrong answer for no exercise"
    assert len(exercises) >= 2, "a chapter has at least two autograded coding exercises"
    section = cw.exercises_range(nb)
    assert section.start > cw.setup_index(nb), "an Exercises section after the setup cell"
    for e in exercises:
        sol = nb.cells[e.solution]
        gid = cw.grade_id(sol)
        assert e.solution in section, f"{gid} lies outside the Exercises section"
        assert cw.solution_regions(sol.source), f"{gid}: no '### BEGIN SOLUTION' region"
        assert wrong.get(gid), f"{gid}: no deliberately wrong answer in tests/wrong_answers/{path.stem}.py"
        assert e.tests and e.tests[0] == e.solution + 1, f"{gid}: the test cell must follow the solution cell"
        for t in e.tests:
            meta = nb.cells[t].metadata["nbgrader"]
            assert meta["points"] > 0 and meta.get("locked", False), cw.grade_id(nb.cells[t])
    for i in section:   # a written answer is an nbgrader "manually graded answer": hidden from students, graded by hand
        c = nb.cells[i]
        if c.cell_type == "markdown" and c.source.lstrip().startswith("**Answer"):
            meta = c.metadata.get("nbgrader", {})
            assert meta.get("solution") and meta.get("grade") and meta.get("points", 0) > 0, f"cell {i}: {meta}"


# ---------------------------------------------------------------- every notebook: the student copy
def _joined(x):
    """Notebook JSON with every list of strings (a multi-line text) joined, so that texts can be searched."""
    if isinstance(x, list):
        return "".join(x) if x and all(isinstance(s, str) for s in x) else [_joined(v) for v in x]
    if isinstance(x, dict):
        return {k: _joined(v) for k, v in x.items()}
    return x


@pytest.mark.parametrize("path", ALL, ids=_name)
def test_student_copy(path, student):
    src_nb, rel_path = _read(path), student(path)
    src, rel = json.loads(path.read_text(encoding="utf-8")), json.loads(rel_path.read_text(encoding="utf-8"))
    assert rel["metadata"] == src["metadata"] and len(rel["cells"]) == len(src["cells"])
    section = cw.exercises_range(src_nb)
    secret = []
    for i, (a, b) in enumerate(zip(src["cells"], rel["cells"])):
        cell = src_nb.cells[i]
        exercise_cell = cw.is_solution(cell) or cw.is_grade(cell)
        if not exercise_cell and not (i in section and a["cell_type"] == "code"):
            assert a == b, f"cell {i} differs from the source (lesson cells are kept as they are)"
            continue
        if a["cell_type"] == "code":
            assert b["outputs"] == [] and b["execution_count"] is None, f"cell {i}: outputs not cleared"
        assert "wrong_answer" not in json.dumps(b["metadata"])
        text = "".join(b["source"])
        if cw.is_solution(cell):   # a region becomes the stub; a solution cell without markers becomes the stub
            stub = cw.CODE_STUB if a["cell_type"] == "code" else cw.TEXT_STUB
            cleared, found = cw.clear_solution(cell.source, stub)
            assert text == (cleared if found else stub)
            inside = split_at_markers(cell.source)[1]   # the source's own lines, not the code under test
            secret += ["\n".join(inside)] if inside else [cell.source]
            secret += recorded_wrong_answers(path).get(cw.grade_id(cell), [])
        if cw.is_grade(cell) and not cw.is_solution(cell):   # hidden tests gone, and a line saying it passed
            number = cw.exercise_numbers(src_nb)[cw.grade_id(cell)]
            assert text == cw.clear_hidden_tests(cell.source)[0].rstrip("\n") + \
                f'\nprint("\u2713 exercise {number}: the visible tests pass")'
            secret += ["\n".join(split_at_markers(cell.source)[1])]
        for marker in (cw.BEGIN_SOLUTION, cw.END_SOLUTION, cw.BEGIN_HIDDEN, cw.END_HIDDEN):
            assert marker not in text
    for e in cw.coding_exercises(src_nb):   # each region became the stub, at the indentation of its marker
        lines = "".join(rel["cells"][e.solution]["source"]).split("\n")
        for ln in src_nb.cells[e.solution].source.split("\n"):
            if ln.strip() == cw.BEGIN_SOLUTION:
                assert ln.replace(cw.BEGIN_SOLUTION, cw.CODE_STUB) in lines
    # no solution, wrong answer or hidden test anywhere outside the lesson (whose cells equal the source's)
    searched = json.dumps(_joined({"metadata": rel["metadata"], "cell_metadata": [c["metadata"] for c in rel["cells"]],
                                   "exercises": rel["cells"][section.start:]}), ensure_ascii=False)
    texts = ["".join(c["source"]) for c in rel["cells"][section.start:]]
    lines = {ln.strip() for text in texts for ln in text.split("\n")}
    public = {ln.strip() for i in section for ln in split_at_markers(src_nb.cells[i].source)[0]}
    for s in secret:
        leaked = json.dumps(s.strip("\n"), ensure_ascii=False)[1:-1] in searched
        assert not leaked, f"leaked into the student copy:\n{s}"
        for line in {ln.strip() for ln in s.split("\n")} - public:   # line by line
            assert len(line) < 6 or line not in lines, f"a line of a secret leaked into the student copy: {line!r}"


# ---------------------------------------------------------------- every notebook: one kernel run
def _fmt(rows):
    return "\n".join(f"{phase} {role} {gid}: {r.status} {r.error}" for phase, role, gid, _, r in rows)


@pytest.mark.parametrize("path", ALL, ids=_name)
def test_student_copy_runs_with_only_not_implemented_errors(path, runs):
    rows = [r for r in runs(path) if r[0] == "student"]
    errors = [r for r in rows if r[4].status != "ok"]
    assert rows[0][4].status == "ok", f"the setup cell fails: {rows[0][4].error}"
    for _, _, gid, cell, r in errors:
        assert cw.is_solution(cell) or cw.is_grade(cell), f"an error outside the exercise cells ({gid}): {r.error}"
        if cw.is_solution(cell):
            assert r.ename == "NotImplementedError", f"{gid}: {r.error}"
    tests = [r for r in rows if cw.is_grade(r[3]) and not cw.is_solution(r[3])]
    assert tests and all(r[4].status == "error" for r in tests), "a test cell passes without an answer:\n" + _fmt(tests)


@pytest.mark.parametrize("path", ALL, ids=_name)
def test_solutions_pass_and_wrong_answers_fail(path, runs):
    rows = [r for r in runs(path) if r[0] != "student"]
    assert all(r[4].status == "ok" for r in rows if r[1] in ("reset", "cd", "setup")), _fmt(rows)
    wrong_tests = {}
    for _, role, gid, _, r in rows:
        if role == "test-wrong":
            wrong_tests.setdefault(gid, []).append(r.status)
        elif role == "wrong":
            assert r.status == "ok", f"{gid}: the wrong answer itself raises ({r.error}), so it proves nothing"
        elif role in ("solution", "test", "plain"):
            assert r.status == "ok", f"{gid} ({role}) fails with the solutions in place: {r.error}"
    n = len(cw.coding_exercises(_read(path)))
    assert len(wrong_tests) == n
    for gid, statuses in wrong_tests.items():
        assert "error" in statuses, f"{gid}: the tests accept the deliberately wrong answer"


def hidden_test_verdicts(rows) -> tuple[list[str], list[str]]:
    """From a one-kernel run: (the recorded wrong answers that the whole test cells accept, the hidden tests that
    reject no recorded wrong answer). A hidden test rejects an answer when the visible part of its cell passes and
    the visible part with that hidden region fails."""
    accepted, verdicts, status = {}, {}, {}
    for _, role, _gid, cell, r in rows:
        m = cell.metadata
        if role in ("test-wrong", "test-hidden", "test-full"):
            status[(m["gid"], m["wrong"], m["test"], role, m.get("region"))] = r.status
    for (gid, j, test, role, region), st in status.items():
        full = st if role == "test-full" else status.get((gid, j, test, "test-full", None), st)
        if role in ("test-wrong", "test-full"):
            accepted.setdefault((gid, j), []).append(full == "ok")
        if role == "test-hidden":
            rejects = status[(gid, j, test, "test-wrong", None)] == "ok" and st == "error"
            verdicts[(test, region)] = verdicts.get((test, region), False) or rejects
    return ([f"{gid} wrong answer {j + 1}" for (gid, j), oks in accepted.items() if all(oks)],
            [f"{test}, hidden test {k + 1}" for (test, k), rejected in verdicts.items() if not rejected])


@pytest.mark.parametrize("path", CHAPTERS, ids=_name)
def test_every_hidden_test_rejects_a_recorded_wrong_answer(path, runs):
    """A hidden test that no wrong answer can fail goes unseen by the students' visible tests and by the grader:
    tests/wrong_answers/<chapter>.py records, for each, a wrong answer the visible tests let through."""
    accepted, unrejected = hidden_test_verdicts(runs(path))
    assert not accepted, f"the whole test cells accept these recorded wrong answers: {accepted}"
    assert not unrejected, f"no recorded wrong answer passes the visible tests and fails: {unrejected}"


def test_hidden_test_verdicts_find_a_hidden_test_that_cannot_fail(runs):
    """The fixture's exercise 2 checks in its hidden test what its visible test already implies: no wrong answer can
    fail it alone, and the verdicts say so; exercise 1's hidden tests reject its second recorded wrong answer."""
    rows = runs(FIXTURE_NBS[0])
    assert hidden_test_verdicts(rows) == ([], ["tiny-ex2-tests, hidden test 1"])
    assert hidden_test_verdicts([r for r in rows if r[3].metadata.get("wrong") != 1]) == (
        [], ["tiny-ex1-tests, hidden test 1", "tiny-ex2-tests, hidden test 1"])


# ---------------------------------------------------------------- the grader, from the command line
def _tampered_submission(student, folder: Path) -> Path:
    """The fixture's student copy, answered: exercise 1 wrong in a way only the hidden tests catch, exercise 2
    right with its test cell deleted (both restored by the grader)."""
    import nbformat

    src = _read(FIXTURE_NBS[0])
    nb = _read(student(FIXTURE_NBS[0]))
    ex1, ex2 = cw.coding_exercises(src)[:2]
    nb.cells[ex1.solution].source = wrong_answers(FIXTURE_NBS[0])[cw.grade_id(src.cells[ex1.solution])]
    nb.cells[ex1.tests[0]].source = "pass"
    nb.cells[ex2.solution].source = "\n".join(cw.solution_regions(src.cells[ex2.solution].source))
    del nb.cells[ex2.tests[0]]
    folder.mkdir()
    for f in FIXTURES.glob("*.csv"):
        (folder / f.name).write_bytes(f.read_bytes())
    nbformat.write(nb, folder / FIXTURE_NBS[0].name)
    return folder / FIXTURE_NBS[0].name


def test_grader_scores_solutions_full_and_student_copies_zero(student, tmp_path):
    targets = FIXTURE_NBS + ([CHEAPEST] if CHEAPEST.exists() else [])
    tampered = _tampered_submission(student, tmp_path / "tampered")
    files = [str(p) for t in targets for p in (t, student(t))] + [str(tampered)]
    table = tmp_path / "grades.csv"
    proc = subprocess.run([sys.executable, "-m", "course", "grade", "--source", str(FIXTURES),
                           "--source", str(ROOT / "notebooks"), "--csv", str(table), *files],
                          capture_output=True, text=True, cwd=tmp_path, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "total:" in proc.stdout and "grade_id" in proc.stdout
    rows = list(csv.DictReader(table.open()))
    for t in targets:
        for path, full in ((str(t), True), (str(student(t)), False)):
            mine = [r for r in rows if r["notebook"] == path]
            assert len(mine) == len([c for c in _read(t).cells if cw.is_grade(c) and c.cell_type == "code"])
            if full:
                assert all(r["result"] == "pass" and r["points"] == r["max_points"] for r in mine), mine
            else:
                assert all(r["result"] == "fail" and float(r["points"]) == 0 for r in mine), mine
    mine = {r["grade_id"]: r for r in rows if r["notebook"] == str(tampered)}
    assert mine["tiny-ex1-tests"]["result"] == "fail" and mine["tiny-ex1-tests"]["error"] == "AssertionError"
    assert mine["tiny-ex2-tests"]["result"] == "pass" and mine["tiny-ex2-tests"]["points"] == "2"


# ---------------------------------------------------------------- the grader, in-process and fast
def test_grade_exercises_only(student):
    src, stu = FIXTURE_NBS[0], student(FIXTURE_NBS[0])
    scores, problems = cw.grade([src, stu], [FIXTURES], exercises_only=True, timeout=TIMEOUT)
    assert not problems
    by_file = {}
    for s in scores:
        by_file.setdefault(s.notebook, []).append(s)
    assert all(s.passed for s in by_file[str(src)]) and not any(s.passed for s in by_file[str(stu)])
    assert [(s.exercise, s.error) for s in by_file[str(stu)]] == [(2, "not attempted"), (3, "not attempted")]
    assert cw.format_feedback(by_file[str(src)]).splitlines()[0] == \
        "\u2713 exercise 2 (tiny-ex1-tests): the tests pass, hidden ones included"
    assert sum(s.points for s in by_file[str(src)]) == sum(s.max_points for s in by_file[str(src)]) == 3
    table = cw.format_table(scores)
    assert "tiny-ex2-tests" in table and "total: 3/6 (50.0%)" in table


def test_the_grader_restores_the_hidden_tests(student, tmp_path):
    """Fast (the fixture, --exercises-only): a test cell emptied by the student is put back with its hidden tests,
    which reject an answer that passes the visible ones; a deleted test cell is put back and passes."""
    import nbformat

    tampered = _tampered_submission(student, tmp_path / "tampered")
    nb = _read(tampered)
    ex1 = cw.coding_exercises(nb)[0]
    nb.cells[ex1.solution].source = "def mean_sq(x):\n    return 5.0   # passes the visible test only"
    nbformat.write(nb, tampered)
    scores, problems = cw.grade([tampered], [FIXTURES], exercises_only=True, timeout=TIMEOUT)
    by = {s.grade_id: s for s in scores}
    assert not problems and by["tiny-ex1-tests"].error == "AssertionError" and not by["tiny-ex1-tests"].passed
    assert by["tiny-ex2-tests"].passed


def test_run_notebook_sets_folder_and_environment_and_survives_errors_and_timeouts(tmp_path):
    import nbformat

    new = nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(cells=[
        new("import os\nassert os.getcwd() == %r and os.environ['D2L_STATIC_PLOTS'] == '1'" % str(tmp_path)),
        new("1 / 0"), new("import time\ntime.sleep(60)"), new("x = 1"), new("assert x == 1, 'message\\nmore'")])
    r = cw.run_notebook(nb, tmp_path, timeout=3)
    assert [r[i].status for i in range(5)] == ["ok", "error", "error", "ok", "ok"]
    assert r[1].error.startswith("ZeroDivisionError: ") and r[2].ename in ("TimeoutError", "KeyboardInterrupt")


def test_grade_skips_unknown_notebooks_and_the_cli_needs_something_to_grade(tmp_path, capsys):
    (tmp_path / "notes.ipynb").write_text((FIXTURES / FIXTURE_NBS[0].name).read_text())
    scores, problems = cw.grade([tmp_path], [tmp_path / "nowhere"])
    assert scores == [] and "no source notebook" in problems[0]
    assert cli(["grade", "--source", str(tmp_path / "nowhere"), str(tmp_path)]) == 2
    assert "nothing to grade" in capsys.readouterr().err


# ---------------------------------------------------------------- release: unit tests (no kernel)
def test_clear_solution_keeps_the_indentation_of_the_marker():
    src = "def f(x):\n    ### BEGIN SOLUTION\n    y = x\n    return y\n    ### END SOLUTION\n\n" \
          "for i in range(2):\n        ### BEGIN SOLUTION\n        pass\n        ### END SOLUTION\nz = 1"
    out, found = cw.clear_solution(src)
    assert found and out == "def f(x):\n    raise NotImplementedError()\n\nfor i in range(2):\n" \
                            "        raise NotImplementedError()\nz = 1"
    assert cw.clear_solution("a = 1") == ("a = 1", False)
    assert cw.clear_hidden_tests("assert a\n### BEGIN HIDDEN TESTS\nassert b\n### END HIDDEN TESTS\nassert c") == \
        ("assert a\nassert c", True)
    assert cw.solution_regions(src) == ["    y = x\n    return y", "        pass"]


def _nb(*cells):
    import nbformat

    return nbformat.v4.new_notebook(cells=list(cells))


def _sol(src, gid="x-ex1", kind="code"):
    import nbformat

    c = nbformat.v4.new_code_cell(src) if kind == "code" else nbformat.v4.new_markdown_cell(src)
    c.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": f"{gid}-solution", "locked": False,
                              "schema_version": 3, "task": False}
    return c


def _test(src, gid="x-ex1"):
    import nbformat

    c = nbformat.v4.new_code_cell(src)
    c.metadata["nbgrader"] = {"solution": False, "grade": True, "grade_id": f"{gid}-tests", "locked": True,
                              "points": 1, "schema_version": 3, "task": False}
    return c


@pytest.mark.parametrize("cells, message", [
    (lambda: [_sol("### BEGIN SOLUTION\nx = 1")], "has no '### END SOLUTION'"),
    (lambda: [_sol("x = 1\n### END SOLUTION")], "without a '### BEGIN SOLUTION'"),
    (lambda: [_sol("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION")], "nested"),
    (lambda: [_test("assert 1\n### BEGIN HIDDEN TESTS\nassert 2")], "has no '### END HIDDEN TESTS'"),
    (lambda: [_test("assert 1\n### END HIDDEN TESTS")], "without a '### BEGIN HIDDEN TESTS'"),
    (lambda: [_sol("## BEGIN SOLUTION\nx = 1\n### END SOLUTION")], "malformed marker"),
    (lambda: [_test("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")], "not a solution cell"),
    (lambda: [_sol("x = 1\n### BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS")], "not a graded cell"),
    (lambda: [_sol("x = 1"), _sol("y = 2")], "used by cell 0 too"),
])
def test_release_refuses_bad_markers_and_metadata(cells, message):
    with pytest.raises(cw.CourseworkError, match=message):
        cw.release_notebook(_nb(*cells()), "bad.ipynb")


def test_release_cli_refuses_unbalanced_markers_and_writes_nothing(tmp_path, capsys):
    import nbformat

    src = tmp_path / "src"
    src.mkdir()
    nbformat.write(_nb(_sol("def f():\n    ### BEGIN SOLUTION\n    return 1\n"), _test("assert f() == 1")),
                   src / "02_bad.ipynb")
    (src / "index.ipynb").write_text((ROOT / "notebooks" / "index.ipynb").read_text()
                                     if (ROOT / "notebooks" / "index.ipynb").exists() else "{}")
    assert cli(["release", str(src), str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "02_bad.ipynb, cell 0 (x-ex1-solution)" in err and "no '### END" in err
    assert not (tmp_path / "out").exists()
    with pytest.raises(cw.CourseworkError, match="outside the source folder"):
        cw.release(src, src / "student")


def test_release_of_the_fixture_folder(student):
    out = student(FIXTURE_NBS[0]).parent
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in FIXTURES.iterdir()
                                                           if p.suffix in (".ipynb", ".csv"))
    for f in FIXTURES.glob("*.csv"):
        assert (out / f.name).read_bytes() == f.read_bytes()


def test_index_is_copied_byte_for_byte(tmp_path):
    index = ROOT / "notebooks" / "index.ipynb"
    if not index.exists():
        pytest.skip("no index notebook yet")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.ipynb").write_bytes(index.read_bytes())
    cw.release(tmp_path / "src", tmp_path / "out")
    assert (tmp_path / "out" / "index.ipynb").read_bytes() == index.read_bytes()


def test_markdown_solutions_and_solution_cells_without_markers():
    nb = cw.release_notebook(_nb(_sol("Because ...", "x-ex1", "markdown"),
                                 _sol("**Answer.**\n### BEGIN SOLUTION\nBecause ...\n### END SOLUTION", "x-ex2",
                                      "markdown"),
                                 _sol("def f():\n    return 1", "x-ex3")))
    assert [c.source for c in nb.cells] == ["YOUR ANSWER HERE", "**Answer.**\nYOUR ANSWER HERE",
                                            "raise NotImplementedError()"]


def test_exercise_numbers_are_the_numbered_prompts():
    nb = _read(FIXTURE_NBS[0])
    assert cw.exercise_numbers(nb) == {"tiny-ex1-solution": 2, "tiny-ex1-tests": 2, "tiny-ex2-solution": 3,
                                       "tiny-ex2-tests": 3}
    assert cw.with_pass_line("assert x\n", 2) == 'assert x\nprint("\u2713 exercise 2: the visible tests pass")'
    assert cw.with_pass_line(cw.with_pass_line("assert x", 2), 2) == cw.with_pass_line("assert x", 2)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_student_and_learner_copies_keep_the_check_cells_collapsed(path):
    """The check cells test the learner's own run: make student, make learn (and nbgrader, whose copy equals make
    student's, tests/test_nbgrader.py) keep each one with its source, its tag and its collapsed input."""
    src = _read(path)
    checks = [(c.source, c.metadata) for c in src.cells if "check" in c.metadata.get("tags", [])]
    assert checks, "a chapter whose claims are checked"
    for copy in (cw.release_notebook(src, path.name), cw.learner_notebook(src, path.name, solutions=path.name)):
        kept = [(c.source, c.metadata) for c in copy.cells if "check" in c.metadata.get("tags", [])]
        assert kept == checks
        assert all(m["jupyter"]["source_hidden"] is True for _, m in kept)
