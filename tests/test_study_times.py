"""Study times (the index's "time to study"): 70 words, 8 lines of code a minute and a minute a figure for the lesson
(the cells before the Exercises heading), a "Going further" section counted apart, and the numbered exercises."""
from pathlib import Path

import nbformat
import pytest

import course as cw
from course import links
from course import study_times as st
from course.__main__ import main as cli

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "coursework" / "tiny_course.ipynb"
md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def _figure():
    return nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})


def _graded(cell, gid, solution, grade):
    cell.metadata["nbgrader"] = {"solution": solution, "grade": grade, "grade_id": gid, "locked": not solution,
                                 "points": 1, "schema_version": 3, "task": False}
    return cell


def _chapter():
    """A chapter with known counts: 70 words, 16 lines of code and 2 figures in the lesson; 35 words, 8 lines and
    1 figure going further; 2 numbered exercises, the second with a coding part and a written answer."""
    words = lambda n: " ".join(["word"] * n)
    plot = code("x = 1\n\n# a comment is not read\n   # nor an indented one\n" + "y = x\n" * 7)   # 8 lines
    plot.outputs = [_figure(), nbformat.v4.new_output("stream", text="printed\n")]
    check = code("# Claim: the check cell is collapsed\nassert 1 + 1 == 2\n" * 3)
    check.metadata.update({"tags": ["check"], "jupyter": {"source_hidden": True}})
    cells = [md("# 9. A chapter\n\n" + words(63)), code("import math\nimport os\n" * 4), plot, check,  # 67 words
             md("## Summary\n\n" + words(1))]   # and 3
    extra = code("z = 2\n" * 8)
    extra.outputs = [_figure()]
    cells += [md("## Going further\n\n" + words(32)), extra]   # 35 words
    second = code("plt.plot()")
    second.outputs = [_figure()]
    cells[2].outputs.append(_figure())
    cells += [md("## Exercises\n\n1. (Conceptual) Why?"),
              _graded(md("**Answer.** Because:\n\n1. first\n2. second\n3. third"), "a-written", True, True),
              md("2. (Coding) Write `f`, then say why:\n\n   1. a sub-item is not an exercise"),
              _graded(code("### BEGIN SOLUTION\ndef f():\n    return 1\n### END SOLUTION"), "b-sol", True, False),
              _graded(code("assert f() == 1"), "b-tests", False, True),
              _graded(md("**Answer.** It is 1."), "b-written", True, True),
              md("---\n[Index](index.ipynb)")]
    return nbformat.v4.new_notebook(cells=cells)


def test_the_lesson_the_going_further_section_and_the_exercises_are_counted_apart():
    t = cw.study_time(_chapter())
    assert (t.lesson_reading.words, t.lesson_reading.code_lines, t.lesson_reading.figures) == (70, 16, 2)
    assert (t.further_reading.words, t.further_reading.code_lines, t.further_reading.figures) == (35, 8, 1)
    assert t.lesson == pytest.approx(70 / 70 + 16 / 8 + 2) == 5
    assert t.going_further == pytest.approx(35 / 70 + 8 / 8 + 1) == 2.5
    assert (t.exercises_count, t.coding, t.written) == (2, 1, 2), "two numbered exercises, not coding + written = 3"
    assert t.total == pytest.approx(t.lesson + t.going_further + t.exercises)


def test_the_rates_are_the_guides():
    assert (st.READING_WPM, st.CODE_LINES_PER_MIN, st.FIGURE_MIN) == (70, 8, 1)


def test_without_a_going_further_section_everything_before_the_exercises_is_the_lesson():
    nb = _chapter()
    nb.cells = [c for c in nb.cells if "Going further" not in c.source and not c.source.startswith("z = 2")]
    t = cw.study_time(nb)
    assert st.going_further_range(nb) == range(0) and t.going_further == 0
    assert (t.lesson_reading.words, t.lesson_reading.code_lines, t.lesson_reading.figures) == (70, 16, 2)


def test_the_fixture_chapter():
    t = cw.study_time(cw.read_notebook(TINY))
    nb = cw.read_notebook(TINY)
    words = sum(len(nb.cells[i].source.split()) for i in (0, 2))   # the markdown cells before the Exercises
    assert (t.lesson_reading.words, t.lesson_reading.code_lines, t.lesson_reading.figures) == (words, 3 + 6, 1)
    assert (t.exercises_count, t.coding, t.written) == (3, 2, 1)
    assert t.lesson == words / 70 + 9 / 8 + 1 and t.exercises == 2 * 15 + 7
    assert [cw.format_minutes(m) for m in (75, 122, 3)] == ["1 h 15 min", "2 h", "15 min"]


def test_the_table_and_the_index_show_the_going_further_section_and_the_numbered_exercises(tmp_path, capsys):
    nb = _chapter()
    nb.cells[-1].source = "---"
    nbformat.write(nb, tmp_path / "09_chapter.ipynb")
    assert cli(["study-times", str(tmp_path / "09_chapter.ipynb")]) == 0
    row = capsys.readouterr().out.splitlines()[2]
    assert row == "| 9. A chapter | 15 min | 15 min | 2 (1 coding): 30 min | about 1 h |"   # the parts add up
    t = cw.study_time(nb)
    assert links.study_time_cell(t) == "about 1 h (15 min lesson, 15 min going further, 2 exercises: 30 min)"
    nb.cells = [c for c in nb.cells if "Going further" not in c.source and not c.source.startswith("z = 2")]
    assert links.study_time_cell(cw.study_time(nb)) == "about 45 min (15 min lesson, 2 exercises: 30 min)"



LESSON_LIMIT_MIN = 75   # the course's limit for one lesson; longer chapters move material to "Going further" or split


@pytest.mark.parametrize("path", links.chapters(ROOT), ids=lambda p: p.name)
def test_every_lesson_fits_in_the_course_limit(path):
    minutes = st.study_time(st.read_notebook(path)).lesson
    assert minutes <= LESSON_LIMIT_MIN, f"{path.name}: lesson {minutes:.1f} min > {LESSON_LIMIT_MIN}"


def test_the_index_totals_add_up_row_by_row_and_for_the_course():
    import re
    table = links.index_table()
    def minutes(text):
        h = re.search(r"(\d+) h", text)
        m = re.search(r"(\d+) min", text)
        return 60 * int(h.group(1) if h else 0) + int(m.group(1) if m else 0)
    rows = [r for r in table.splitlines() if r.startswith("| ")][1:]   # after the header
    chapters, last = rows[:-1], rows[-1]
    assert len(chapters) == len(links.chapters()) and f"all {len(chapters)} chapters" in last
    totals = []
    for row in chapters:
        cell = row.split(" | ")[3]
        total, parts = re.match(r"about (.+?) \((.+)\)$", cell).groups()
        shown = [minutes(p.split(": ")[-1]) for p in parts.split(", ")]
        assert minutes(total) == sum(shown), row
        totals.append(minutes(total))
    assert minutes(re.search(r"about ([^|]+)", last).group(1)) == sum(totals)
