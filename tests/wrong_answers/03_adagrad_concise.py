"""Deliberately wrong answers to chapter 3's coding exercises (03_adagrad_concise.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch03-ex1-solution': '''\
def adagrad_clr(lr, lr_decay, step):
    """The decayed learning rate of torch.optim.Adagrad at `step` (1, 2, ...)."""
    return lr / (1 + step * lr_decay)   # off by one: the first step would already be decayed
''',
    'ch03-ex2-solution': '''\
def book_kwargs(eps):
    """Keyword arguments for torch.optim.Adagrad that give the book's sqrt(s + eps)."""
    return {'eps': eps}   # same number, wrong place: sqrt(s) + eps
''',
    'ch03-ex3-solution': '''\
def save_checkpoint(model, optimizer):
    """Everything needed to resume training exactly, as bytes."""
    buffer = io.BytesIO()
    torch.save({'model': model.state_dict()}, buffer)   # forgets AdaGrad's accumulators
    return buffer.getvalue()

def load_checkpoint(data, model, optimizer):
    """Restore `model` and `optimizer` in place from the bytes of save_checkpoint."""
    model.load_state_dict(torch.load(io.BytesIO(data), weights_only=True)['model'])
''',
}
