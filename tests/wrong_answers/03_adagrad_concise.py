"""Deliberately wrong answers to chapter 3's coding exercises (03_adagrad_concise.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py); HIDDEN_WRONG_ANSWERS pass the visible tests and must fail the
whole test cell, hidden tests included (tests/test_ch03_adagrad_class.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch03-ex1-solution': '''\
def last_step_rates(optimizer, p):
    """Per-coordinate factor of p.grad in the last step of a torch.optim.Adagrad (no weight decay)."""
    group = next(g for g in optimizer.param_groups if any(q is p for q in g['params']))
    return group['lr'] / (optimizer.state[p]['sum'].sqrt() + group['eps'])   # forgets lr_decay
''',
    'ch03-ex2-solution': '''\
def to_torch_adagrad(params, states, steps, lr):
    """A torch.optim.Adagrad that continues a run of d2l.adagrad (eps=1e-10 outside the root) after `steps` updates."""
    return torch.optim.Adagrad(params, lr=lr, eps=1e-10)   # a fresh optimizer: the accumulators are lost
''',
    'ch03-ex3-solution': '''\
def save_checkpoint(model, optimizer):
    """Everything needed to resume a loop that draws its minibatches from torch's global generator, as bytes."""
    buffer = io.BytesIO()
    torch.save({'model': model.state_dict(), 'optimizer': optimizer.state_dict()}, buffer)   # no random state
    return buffer.getvalue()

def load_checkpoint(data, model, optimizer):
    """Restore `model`, `optimizer` and the global random state from the bytes of save_checkpoint."""
    ckpt = torch.load(io.BytesIO(data), weights_only=True)
    model.load_state_dict(ckpt['model'])
    optimizer.load_state_dict(ckpt['optimizer'])
''',
    'ch03-ex4-solution': '''\
def lazy_adam_step(weight, rows, grad_rows, state, lr, betas=(0.9, 0.999), eps=1e-8):
    """One lazy (SparseAdam) step, in place: only the given rows' moments and values change."""
    if not state:
        state.update(step=0, v=torch.zeros_like(weight), s=torch.zeros_like(weight))
    state['step'] += 1
    (b1, b2), t, v, s = betas, state['step'], state['v'], state['s']
    g = torch.zeros_like(weight)
    g[rows] = grad_rows                      # dense Adam: every row's moments decay, every row moves
    v.mul_(b1).add_((1 - b1) * g)
    s.mul_(b2).add_((1 - b2) * g ** 2)
    step = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    weight -= step * v / (s.sqrt() + eps)
''',
    'ch03-ex5-solution': '''\
def s0_for_first_step(g, f):
    """The initial_accumulator_value making AdaGrad's first step f * lr for a first gradient g."""
    return g ** 2 / f ** 2      # forgets that the first gradient is added to s before the step
''',
}

HIDDEN_WRONG_ANSWERS = {
    'ch03-ex1-solution': '''\
def last_step_rates(optimizer, p):
    """Per-coordinate factor of p.grad in the last step of torch.optim.Adagrad (no weight decay)."""
    group = optimizer.param_groups[0]                         # the first group's hyperparameters for every p
    state = optimizer.state[p]
    t = float(state['step'])
    clr = group['lr'] / (1 + (t - 1) * group['lr_decay'])
    return clr / (state['sum'].sqrt() + group['eps'])
''',
    'ch03-ex3-solution': '''\
def save_checkpoint(model, optimizer):
    """Everything to resume a loop drawing minibatches from torch's global generator, as bytes."""
    buffer = io.BytesIO()
    torch.save({'model': model.state_dict(), 'optimizer': optimizer.state_dict(),
                'rng': torch.get_rng_state()}, buffer)
    return buffer.getvalue()

def load_checkpoint(data, model, optimizer):
    """Restore `model`, `optimizer` and the global random state from save_checkpoint's bytes."""
    ckpt = torch.load(io.BytesIO(data), weights_only=False)   # unpickles anything the file holds
    model.load_state_dict(ckpt['model'])
    optimizer.load_state_dict(ckpt['optimizer'])
    torch.set_rng_state(ckpt['rng'])
''',
    'ch03-ex2-solution': '''\
def to_torch_adagrad(params, states, steps, lr):
    """A torch.optim.Adagrad continuing d2l.adagrad (eps=1e-10 outside) after `steps` updates."""
    optimizer = torch.optim.Adagrad(params, lr=lr, eps=1e-10)
    for p, s in zip(params, states):
        optimizer.state[p]['sum'].copy_(s)    # the step counter stays 0: a wrong state for lr_decay
    return optimizer
''',
    'ch03-ex4-solution': '''\
def lazy_adam_step(weight, rows, grad_rows, state, lr, betas=(0.9, 0.999), eps=1e-8):
    """One lazy (SparseAdam) step, in place: only the given rows' moments and values change."""
    if not state:
        state.update(step=0, v=torch.zeros_like(weight), s=torch.zeros_like(weight))
    state['step'] += 1
    (b1, b2), t, v, s = betas, state['step'], state['v'], state['s']
    v[rows] = b1 * v[rows] + (1 - b1) * grad_rows
    s[rows] = b2 * s[rows] + (1 - b2) * grad_rows ** 2
    step = lr * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)   # bias correction with the default betas
    weight[rows] -= step * v[rows] / (s[rows].sqrt() + eps)
''',
    'ch03-ex5-solution': '''\
def s0_for_first_step(g, f):
    """The initial_accumulator_value making AdaGrad's first step f * lr for a first gradient g."""
    if g <= 0 or not 0 < f <= 1:          # a gradient may be negative: only its square matters
        raise ValueError(f'need g > 0 and 0 < f <= 1, got g={g}, f={f}')
    return g ** 2 * (1 / f ** 2 - 1)
''',
}
