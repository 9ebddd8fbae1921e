"""Deliberately wrong answers to chapter 3's coding exercises (03_adagrad_concise.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py). They are kept here, outside the notebooks, so that no student copy
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
}
