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
GRIDS_2D = {'GD': [0.05, 0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55], 'AdaGrad': [0.25, 0.5, 1, 2, 4, 8, 16]}


def advantage(theta):
    """Best final f of GD over best final f of AdaGrad on f(R_theta x), 20 steps from (-5, -2), grids GRIDS_2D."""
    c, s = math.cos(math.radians(theta)), math.sin(math.radians(theta))

    def f(x1, x2):
        return d2l.f_2d(c * x1 + s * x2, -s * x1 + c * x2)

    def grad(x1, x2):
        g1, g2 = d2l.grad_f_2d(c * x1 + s * x2, -s * x1 + c * x2)
        return c * g1 + s * g2, -s * g1 + c * g2

    def best(make, grid):
        ends = [f(*d2l.train_2d(make(eta, grad=grad), verbose=False)[-1]) for eta in grid]
        return min(e for e in ends if math.isfinite(e))

    return best(d2l.gd_2d, GRIDS_2D['GD']) / best(d2l.adagrad_2d, GRIDS_2D['AdaGrad'])
''',
    'ch02-ex3-solution': '''\
def adagrad_first_step(g, eta, eps=1e-6, eps_inside=True):
    """AdaGrad's first update (from s = 0) for the gradients `g` (a tensor); eps_inside=False: torch.optim.Adagrad's."""
    return -eta * g / (torch.sqrt(g * g) + eps)   # PyTorch's form for both conventions
''',
}
