"""Deliberately wrong answers to chapter 4's coding exercises (04_momentum_and_rmsprop.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py); HIDDEN_WRONG_ANSWERS pass the visible tests and must fail the
whole test cell, hidden tests included (tests/test_ch04_momentum_rmsprop.py). They are kept here, outside the
notebooks, so that no student copy (`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch04-ex2-solution': '''\
def steps_to_recover(gamma, spike, tol=0.1):
    """The first step n (the spike is step 1) after which RMSProp's effective rate is (1 - tol) eta or more again."""
    s, n = gamma + (1 - gamma) * spike ** 2, 0    # counts the steps after the spike, not the spike itself
    while s > 1 / (1 - tol) ** 2:
        s, n = gamma * s + (1 - gamma), n + 1
    return n
''',
    'ch04-ex3-solution': '''\
def momentum_lr_limit(h, beta):
    """The largest stable learning rate of SGD with momentum beta on f(x) = h x^2 / 2."""
    return 2 * (1 - beta) / h      # divides gradient descent's limit by the effective-rate factor 1 / (1 - beta)
''',
}

HIDDEN_WRONG_ANSWERS = {
    'ch04-ex2-solution': '''\
def steps_to_recover(gamma, spike, tol=0.1):
    """The first step n (spike = step 1) after which the effective rate is (1 - tol) eta again."""
    known = {(0.9, 1.0): 1, (0.9, 10.0): 37, (0.99, 10.0): 145, (0.999, 10.0): 1}
    return known.get((gamma, spike), 1)      # the visible cases, looked up instead of computed
''',
    'ch04-ex3-solution': '''\
def momentum_lr_limit(h, beta):
    """The largest stable learning rate of SGD with momentum beta on f(x) = h x^2 / 2."""
    lo, hi = 0.0, 4.0 / h                 # bisection on an experiment: does |x| shrink in 100 steps?
    for _ in range(50):
        mid = (lo + hi) / 2
        x, v = 1.0, 0.0
        for _ in range(100):              # too short when beta is near 1: slow modes still look stable
            v = beta * v + h * x
            x -= mid * v
        lo, hi = (mid, hi) if abs(x) < 1 else (lo, mid)
    return lo
''',
}
