"""Deliberately wrong answers to chapter 1's coding exercises (01_fixed_learning_rates.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch01-ex1-solution': '''\
def steps_needed(eta, curvatures, factor=1e-6):
    """Steps of GD at rate eta until each coordinate of sum_i L_i / 2 x_i^2 shrank `factor`-fold."""
    fastest = min(abs(1 - eta * L) for L in curvatures)   # the steep coordinate's factor: it is not the one that waits
    if max(abs(1 - eta * L) for L in curvatures) >= 1:
        return math.inf
    return math.ceil(math.log(factor) / math.log(fastest))
''',
    'ch01-ex2-solution': '''\
def lr_range_test(features, labels, lrs, steps_per_rate=1):
    """Full-batch GD on airfoil from w = 0, b = 0; the loss after each rate's steps."""
    X = torch.cat([features, torch.ones(len(features), 1)], 1).double()
    y = labels.double().reshape(-1)
    losses = []
    for lr in lrs:
        w = torch.zeros(X.shape[1], dtype=torch.float64)   # restarts at every rate instead of continuing
        for _ in range(steps_per_rate):
            w = w - lr * X.T @ (X @ w - y) / len(X)
        losses.append(0.5 * ((X @ w - y) ** 2).mean().item())
    return losses
''',
    'ch01-ex3-solution': '''\
def exact_schedule(curvatures):
    """Learning rates, one per step, that take GD on sum_i L_i / 2 x_i^2 to the minimum exactly."""
    eta = 2 / (min(curvatures) + max(curvatures))   # the best constant rate: fast, but never exact
    return [eta] * len(curvatures)
''',
    'ch01-ex4-solution': '''\
def noise_floor(eta, L, sigma):
    """The limit of E[L/2 x_t^2] for SGD at a constant rate on L/2 x^2, gradient noise std sigma."""
    if eta * L >= 2:
        return math.inf
    return eta * sigma ** 2 / 4   # the small-eta approximation: drops the eta * L term
''',
    'ch01-ex5-solution': '''\
def line_search_rate(curvatures, x):
    """The rate eta that minimises f(x - eta grad f(x)) for f(x) = sum_i L_i / 2 x_i^2."""
    L, x = np.asarray(curvatures, dtype=float), np.asarray(x, dtype=float)
    return float((L * x ** 2).sum() / (L ** 2 * x ** 2).sum())   # x.g / g.g: one power of L short
''',
}

# Wrong answers that the visible tests accept: only a hidden test rejects them.
HIDDEN_WRONG_ANSWERS = {
    'ch01-ex1-solution': ['''\
def steps_needed(eta, curvatures, factor=1e-6):
    """Steps of GD at rate eta until each coordinate of sum_i L_i / 2 x_i^2 shrank `factor`-fold."""
    slowest = max(abs(1 - eta * L) for L in curvatures)
    if slowest >= 1:
        return math.inf
    return math.ceil(math.log(1e-6) / math.log(slowest)) if slowest > 0 else 1   # a millionfold, whatever factor
''', '''\
def steps_needed(eta, curvatures, factor=1e-6):
    """Steps of GD at rate eta until each coordinate of sum_i L_i / 2 x_i^2 shrank `factor`-fold."""
    slowest = max(abs(1 - eta * L) for L in curvatures)
    if slowest >= 1:
        return math.inf
    return math.ceil(math.log(factor) / math.log(slowest))   # log(0) when eta = 1 / L zeroes it in one step
'''],
    'ch01-ex2-solution': '''\
def lr_range_test(features, labels, lrs, steps_per_rate=1):
    """Full-batch GD on airfoil from w = 0, b = 0; the loss after each rate's steps."""
    X = torch.cat([features, torch.ones(len(features), 1)], 1).double()
    y = labels.double().reshape(-1)
    w, losses = torch.zeros(X.shape[1], dtype=torch.float64), []
    for lr in lrs:
        for _ in range(steps_per_rate):
            w = w - lr * X.T @ (X @ w - y) / len(X)
        losses.append(0.5 * ((X @ w - y) ** 2).mean().item())
        if losses[-1] > 4 * min(losses):   # stops once the loss diverges: fewer losses than rates
            break
    return losses
''',
    'ch01-ex3-solution': '''\
def exact_schedule(curvatures):
    """Learning rates, one per step, that take GD on sum_i L_i / 2 x_i^2 to the minimum exactly."""
    return [1 / min(curvatures), 1 / max(curvatures)]   # the valley's two curvatures only: the middle ones stay
''',
    'ch01-ex4-solution': '''\
def noise_floor(eta, L, sigma):
    """The limit of E[L/2 x_t^2] for SGD at a constant rate on L/2 x^2, gradient noise std sigma."""
    if eta * L >= 2:
        return math.inf
    v = eta ** 2 * sigma / (1 - (1 - eta * L) ** 2)   # the std where its square, the variance, belongs
    return L / 2 * v
''',
    'ch01-ex5-solution': '''\
def line_search_rate(curvatures, x):
    """The rate eta that minimises f(x - eta grad f(x)) for f(x) = sum_i L_i / 2 x_i^2."""
    L, x = np.asarray(curvatures, dtype=float), np.asarray(x, dtype=float)
    etas = np.linspace(0, 2 / L.max(), 1001)   # a grid search: half a grid step off, and blind beyond 2 / L_max
    return float(etas[np.argmin([(L / 2 * ((1 - e * L) * x) ** 2).sum() for e in etas])])
''',
}
