"""The tools that make, check, grade and publish the course; the lessons never import them (they use d2l_utils).

One command line, `python -m course COMMAND` (course/__main__.py), and one module per concern:

    notebook        cells, nbgrader's markers and a chapter's structure (what every tool below reads)
    release         the student release (`make student`)
    learner         the learner's own copy, refreshed without overwriting their work (`make learn`)
    grading         the autograder (`make grade`, `make feedback`)
    nbgrader_steps  nbgrader's generate_assignment step for this course (nbgrader_config.py)
    study_times     the study times of the index's contents table
    links           every Colab/Binder/nbviewer link, from one address (`make links`)
    lock            constraints.txt, the tested versions (`make lock`)
    lab             JupyterLab's contents manager that never writes the stored chapters (`make lab`, `make learn`)

The names of the first five are gathered here (`import course as cw; cw.release(...)`).
"""
from .notebook import (BEGIN_HIDDEN, BEGIN_SOLUTION, CODE_STUB, END_HIDDEN, END_SOLUTION, TEXT_STUB, CourseworkError,
                       Exercise, check_notebook, clear_hidden_tests, clear_solution, coding_exercises, exercises_range,
                       grade_id, hidden_test_regions, is_grade, is_solution, read_notebook, setup_index,
                       solution_regions, PASS_LINE, exercise_numbers, released_solution, with_pass_line)
from .release import add_pass_lines, clear_exercise_outputs, release, release_notebook
from .learner import MANIFEST, RENAMED, LearnerFile, format_learner, learner, learner_notebook, update_path
from .grading import (NOT_ATTEMPTED, CellResult, Score, exercise_notebook, format_feedback, format_table, grade,
                      grade_notebook, run_notebook)
from .nbgrader_steps import nbgrader_generate_preprocessors
from .study_times import StudyTime, format_minutes, format_study_times, study_time

__all__ = [
    "BEGIN_HIDDEN", "BEGIN_SOLUTION", "CODE_STUB", "END_HIDDEN", "END_SOLUTION", "TEXT_STUB", "CourseworkError",
    "Exercise", "check_notebook", "clear_hidden_tests", "clear_solution", "coding_exercises", "exercises_range",
    "grade_id", "hidden_test_regions", "is_grade", "is_solution", "read_notebook", "setup_index", "solution_regions",
    "PASS_LINE", "exercise_numbers", "released_solution", "with_pass_line",
    "add_pass_lines", "clear_exercise_outputs", "release", "release_notebook",
    "MANIFEST", "RENAMED", "LearnerFile", "format_learner", "learner", "learner_notebook", "update_path",
    "NOT_ATTEMPTED", "CellResult", "Score", "exercise_notebook", "format_feedback", "format_table", "grade",
    "grade_notebook", "run_notebook",
    "nbgrader_generate_preprocessors",
    "StudyTime", "format_minutes", "format_study_times", "study_time",
]


def __getattr__(name: str):
    """`ClearExerciseOutput` (nbgrader's preprocessor) is made on first use: nbgrader is needed only then."""
    if name == "ClearExerciseOutput":
        from . import nbgrader_steps

        return nbgrader_steps.ClearExerciseOutput
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
