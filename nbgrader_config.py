"""nbgrader settings for teaching this course with nbgrader (0.9 or later).

Copy this file into the root of your nbgrader course folder, with each chapter in `source/<assignment>/`
(README.md, "For instructors", walks through every step). Run nbgrader in an environment where this repository is
installed (`pip install -c constraints.txt -r requirements.txt -e . nbgrader`): the chapters import `d2l_utils`,
this file imports `course`.

With these settings `nbgrader generate_assignment` makes the same student copy as `make student`: every lesson cell
keeps its outputs and figures, the exercise cells are cleared (solution regions become `raise NotImplementedError()`,
written answers `YOUR ANSWER HERE`, hidden tests removed, outputs cleared), and a notebook that keeps answers in its
cell metadata is refused. Everything else is nbgrader's default.
"""
import os

from course.nbgrader_steps import CODE_STUB, nbgrader_generate_preprocessors

c = get_config()  # noqa: F821 (defined by the program that loads this file)

# generate_assignment: nbgrader's steps, with its ClearOutput (which clears every output) replaced by
# course.nbgrader_steps.ClearExerciseOutput (which clears the outputs of the exercises only).
c.GenerateAssignment.preprocessors = nbgrader_generate_preprocessors()
# The same stub as `make student`, at the indentation of the solution region.
c.ClearSolutions.code_stub = {"python": CODE_STUB}

# autograde: a chapter's longest cell takes well under a minute; nbgrader's default limit is 30 s per cell, too
# tight for a busy grading machine. Graded runs draw figures once per cell and show no progress bar. nbgrader's
# server extension also loads this file into JupyterLab: the kernels JupyterLab starts stay live all the same
# (d2l_utils.plotting.static_outputs).
c.Execute.timeout = 600
os.environ.setdefault("D2L_STATIC_PLOTS", "1")

# The class: one course id and one exchange folder, shared by the instructor and every student (release_assignment,
# fetch_assignment, submit, collect, release_feedback, fetch_feedback). On a JupyterHub, jupyterhub_config.py puts
# this repository on every server's JUPYTER_CONFIG_PATH, so that every user's nbgrader reads this file (README.md).
# nbgrader makes the exchange folder world-writable (0777) on the first release_assignment and each course's
# inbound folder write-only for students (0733: a student cannot list, so cannot read, another's submission).
c.CourseDirectory.course_id = os.environ.get("NBGRADER_COURSE_ID", "adaptive-lr")
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
