"""Deliberately wrong answers to chapter 1's coding exercises (01_fixed_learning_rates.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch01-ex1-solution': '''\
def largest_stable_lr(curvatures):
    """The supremum of the stable learning rates of GD on sum_i L_i / 2 x_i^2."""
    return 2 / min(curvatures)   # a common mistake: the flattest direction does not bound the step
''',
    'ch01-ex2-solution': '''\
def best_fixed_lr(curvatures):
    """The learning rate minimising max_i |1 - eta L_i|, and that minimal factor."""
    eta = 1 / max(curvatures)          # solves the steep coordinate in one step, but is not optimal
    return eta, max(abs(1 - eta * L) for L in curvatures)
''',
    'ch01-ex3-solution': '''\
def steps_to_reach(eta, L, x0, tol):
    """Steps of GD on L/2 x^2 until |x_t| <= tol, or None if it never gets there."""
    q = 1 - eta * L                    # forgets the absolute value: wrong for 1/L < eta < 2/L
    if q <= 0 or q >= 1:
        return None
    return math.ceil(math.log(tol / abs(x0)) / math.log(q))
''',
}
