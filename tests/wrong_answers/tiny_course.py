"""Deliberately wrong answers to the coursework test fixture's coding exercises (tiny_course.ipynb).

Keyed by the grade_id of the solution cell; each value (one, or a list) replaces that whole cell. The visible tests
must reject one at least, the whole test cell every one, and each hidden test one that the visible tests let through
(tests/test_coursework.py; exercise 2's hidden test is the example of one that cannot fail). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'tiny-ex1-solution': ['''\
def mean_sq(x):
    """The mean of the squares of x."""
    return float(np.mean(x)) ** 2   # the square of the mean
''', '''\
def mean_sq(x):
    """The mean of the squares of x."""
    return (x[0] ** 2 + x[-1] ** 2) / 2   # the first and last only: right for two numbers
'''],
    'tiny-ex2-solution': '''\
lr = 0.25   # only half-way
''',
}
