"""Deliberately wrong answers to the coursework test fixture's coding exercises (tiny_course.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'tiny-ex1-solution': '''\
def mean_sq(x):
    """The mean of the squares of x."""
    return float(np.mean(x)) ** 2   # the square of the mean
''',
    'tiny-ex2-solution': '''\
lr = 0.25   # only half-way
''',
}
