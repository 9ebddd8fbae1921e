"""Deliberately wrong answers to chapter 2's coding exercises (02_adagrad_from_scratch.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch02-ex1-solution': '''\
def adagrad_power_2d(eta, p=0.5, eps=1e-6, grad=d2l.grad_f_2d):
    """AdaGrad with the square root replaced by the power p: x -= eta * g / (s + eps) ** p."""
    def step(x1, x2, s1, s2):
        g1, g2 = grad(x1, x2)
        s1, s2 = g1 ** 2, g2 ** 2
        return x1 - eta * g1 / (s1 + eps) ** p, x2 - eta * g2 / (s2 + eps) ** p, s1, s2
    return step
''',
    'ch02-ex2-solution': '''\
def f_rot(x1, x2):
    return 0.1 * (x1 + x2) ** 2 + 2 * (x1 - x2) ** 2


def grad_f_rot(x1, x2):
    """The gradient (df/dx1, df/dx2) of f_rot."""
    return 0.2 * (x1 + x2) + 4 * (x1 - x2), 0.2 * (x1 + x2) + 4 * (x1 - x2)
''',
    'ch02-ex3-solution': '''\
def adagrad_first_step(g, eta, eps=1e-6):
    """AdaGrad's first update (from s = 0) for the gradients `g` (a tensor)."""
    return -eta * g / (torch.sqrt(g * g) + eps)
''',
}
