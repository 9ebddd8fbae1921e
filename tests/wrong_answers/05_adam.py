"""Deliberately wrong answers to chapter 5's coding exercises (05_adam.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py); HIDDEN_WRONG_ANSWERS pass the visible tests and must fail the
whole test cell, hidden tests included (tests/test_ch05_adam.py). They are kept here, outside the
notebooks, so that no student copy (`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch05-ex2-solution': '''\
def adam_flip_step(t, lr, beta1):
    """The size of Adam's step t (t = 1, 2, ...; bias-corrected, eps = 0) when the gradient is +g, -g, +g, ..."""
    return lr * (1 - beta1) * (1 - (-beta1) ** t) / (1 + beta1)   # v's bias correction 1 - beta1^t left out
''',
    'ch05-ex3-solution': '''\
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
    'ch05-ex2-solution': '''\
def adam_flip_step(t, lr, beta1):
    """Adam's step size at t = 1, 2, ... (bias-corrected, eps = 0) for gradients g, -g, g, ..."""
    v = torch.zeros(1)                        # float32: about 7 digits, fewer where v nearly cancels
    for k in range(1, t + 1):
        v = beta1 * v + (1 - beta1) * (1.0 if k % 2 else -1.0)
    return lr * abs(v.item()) / (1 - beta1 ** t)      # s-hat is g^2 exactly, so |g| cancels
''',
    'ch05-ex3-solution': '''\
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
