"""Deliberately wrong answers to chapter 2's coding exercises (02_adagrad_from_scratch.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch02-ex1-solution': '''\
def step_multiplier(c, p):
    """The factor on a coordinate's steps when all its gradients are multiplied by c (power p, eps -> 0)."""
    return c ** (1 - p)     # forgets that s collects squared gradients
''',
    'ch02-ex2-solution': '''\
def crossover_angle(tol=0.1):
    """An angle within `tol` of where advantage(theta) crosses 1, between 0 and 45 degrees."""
    return next(th for th in (0, 10, 20, 30, 45) if advantage(th) < 1)   # a coarse grid, not a search
''',
    'ch02-ex3-solution': '''\
def adagrad_first_step(g, eta, eps=1e-6, eps_inside=True):
    """AdaGrad's first update from s = 0 for the tensor `g`; eps_inside=False: torch.optim's."""
    return -eta * g / (torch.sqrt(g * g) + eps)   # PyTorch's form for both conventions
''',
    'ch02-ex5-solution': '''\
def adagrad_1d(grad, x0, eta, steps, reset_at=None, eps=1e-6):
    """AdaGrad in 1-D for grad(x, t); the sum s is set to 0 just before step `reset_at`."""
    x, s, path = x0, 0.0, [x0]
    for t in range(steps):
        g = grad(x, t)
        s += g * g                  # never resets: reset_at is ignored
        x = x - eta * g / math.sqrt(s + eps)
        path.append(x)
    return path
''',
}

# Wrong answers that the visible tests accept: only a hidden test rejects them.
HIDDEN_WRONG_ANSWERS = {
    'ch02-ex1-solution': '''\
def step_multiplier(c, p):
    """The factor on a coordinate's steps when all its gradients are multiplied by c (eps -> 0)."""
    return c ** (1 - 2 * p) if p < 0.5 else 1.0   # takes every p >= 1/2 to be scale-free, not only p = 1/2
''',
    'ch02-ex2-solution': '''\
def crossover_angle(tol=0.1):
    """An angle within `tol` of where advantage(theta) crosses 1, between 0 and 45 degrees."""
    theta = 0.0
    while advantage(theta) > 1:   # a scan in fixed 0.1-degree steps: tol is ignored
        theta = round(theta + 0.1, 10)
    return theta
''',
    'ch02-ex3-solution': '''\
def adagrad_first_step(g, eta, eps=1e-6, eps_inside=True):
    """AdaGrad's first update from s = 0 for the tensor `g`; eps_inside=False: torch.optim's."""
    s = g * g
    if eps_inside:
        return -eta * g / torch.sqrt(s + 1e-6)   # the book's 1e-6, whatever eps is passed
    return -eta * g / (torch.sqrt(s) + eps)
''',
    'ch02-ex5-solution': '''\
def adagrad_1d(grad, x0, eta, steps, reset_at=None, eps=1e-6):
    """AdaGrad in 1-D for grad(x, t); the sum s is set to 0 just before step `reset_at`."""
    x, s, path = x0, 0.0, [x0]
    for t in range(steps):
        g = grad(x, t)
        s += g * g
        x = x - eta * g / math.sqrt(s + eps)
        path.append(x)
        if t == reset_at:   # resets after step reset_at, one step late
            s = 0.0
    return path
''',
}
