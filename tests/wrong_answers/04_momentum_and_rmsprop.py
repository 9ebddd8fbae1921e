"""Deliberately wrong answers to chapter 4's coding exercises (04_rmsprop_adadelta_adam.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py); HIDDEN_WRONG_ANSWERS pass the visible tests and must fail the
whole test cell, hidden tests included (tests/test_ch04_optimizers.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch04-ex1-solution': '''\
def steps_to_recover(gamma, spike, tol=0.1):
    """The first step n (the spike is step 1) after which RMSProp's effective rate is (1 - tol) eta or more again."""
    s, n = gamma + (1 - gamma) * spike ** 2, 0    # counts the steps after the spike, not the spike itself
    while s > 1 / (1 - tol) ** 2:
        s, n = gamma * s + (1 - gamma), n + 1
    return n
''',
    'ch04-ex4-solution': '''\
def adam_flip_step(t, lr, beta1):
    """The size of Adam's step t (t = 1, 2, ...; bias-corrected, eps = 0) when the gradient is +g, -g, +g, ..."""
    return lr * (1 - beta1) * (1 - (-beta1) ** t) / (1 + beta1)   # v's bias correction 1 - beta1^t left out
''',
    'ch04-ex5-solution': '''\
def momentum_lr_limit(h, beta):
    """The largest stable learning rate of SGD with momentum beta on f(x) = h x^2 / 2."""
    return 2 * (1 - beta) / h      # divides gradient descent's limit by the effective-rate factor 1 / (1 - beta)
''',
    'ch04-ex6-solution': '''\
def lr_range_test(opt_cls, lrs, X, y, batch_size=10, seed=0):
    """The minibatch loss before each step of a run whose rate is lrs[k] at step k."""
    torch.manual_seed(seed)
    model = nn.Linear(X.shape[1], 1)
    opt = opt_cls(model.parameters(), lr=lrs[0])          # the rate is never raised after this
    losses = []
    for k in range(len(lrs)):
        rows = torch.arange(k * batch_size, (k + 1) * batch_size) % len(X)
        loss = ((model(X[rows]).squeeze(1) - y[rows]) ** 2).mean() / 2
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return losses
''',
}

HIDDEN_WRONG_ANSWERS = {
    'ch04-ex1-solution': '''\
def steps_to_recover(gamma, spike, tol=0.1):
    """The first step n (spike = step 1) after which the effective rate is (1 - tol) eta again."""
    known = {(0.9, 1.0): 1, (0.9, 10.0): 37, (0.99, 10.0): 145, (0.999, 10.0): 1}
    return known.get((gamma, spike), 1)      # the visible cases, looked up instead of computed
''',
    'ch04-ex4-solution': '''\
def adam_flip_step(t, lr, beta1):
    """Adam's step size at t = 1, 2, ... (bias-corrected, eps = 0) for gradients g, -g, g, ..."""
    v = torch.zeros(1)                        # float32: about 7 digits, fewer where v nearly cancels
    for k in range(1, t + 1):
        v = beta1 * v + (1 - beta1) * (1.0 if k % 2 else -1.0)
    return lr * abs(v.item()) / (1 - beta1 ** t)      # s-hat is g^2 exactly, so |g| cancels
''',
    'ch04-ex5-solution': '''\
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
    'ch04-ex6-solution': '''\
def lr_range_test(opt_cls, lrs, X, y, batch_size=10, seed=0):
    """The minibatch loss before each step of a run whose rate is lrs[k] at step k."""
    torch.manual_seed(seed)
    model = nn.Linear(X.shape[1], 1)
    opt = opt_cls(model.parameters(), lr=lrs[0])
    losses = []
    for k, lr in enumerate(lrs):
        for group in opt.param_groups:
            group['lr'] = float(lr)
        start = k * batch_size % len(X)
        rows = slice(start, start + batch_size)   # the start wraps, the batch does not: short at the end
        loss = ((model(X[rows]).squeeze(1) - y[rows]) ** 2).mean() / 2
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return losses
''',
}
