"""Deliberately wrong answers to chapter 10's coding exercises (10_data_parallel_training.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch10-ex1-solution': '''\
def breaking_batch(scores, tolerance=0.05):
    """The smallest batch whose mean loss exceeds (1 + tolerance) times the smallest batch's."""
    batches = list(scores)                       # in the dict's order, not sorted: the base is not the first
    reference = np.mean(scores[batches[0]])
    for b in batches[1:]:
        if np.mean(scores[b]) > (1 + tolerance) * reference:
            return b
    return None
''',
    'ch10-ex2-solution': '''\
def ring_all_reduce(vectors):
    """Ring all-reduce of W equal-length 1-D tensors: (results, elements each worker sent)."""
    W = len(vectors)
    total = sum(v.clone() for v in vectors)      # every worker sends its whole vector to every other
    return [total.clone() for _ in range(W)], [(W - 1) * len(vectors[0])] * W
''',
}

# Wrong answers that the visible tests accept: only a hidden test rejects them.
HIDDEN_WRONG_ANSWERS = {
    'ch10-ex1-solution': ['''\
def breaking_batch(scores, tolerance=0.05):
    """The smallest batch whose mean loss exceeds (1 + tolerance) times the smallest batch's."""
    batches = sorted(scores)
    reference = max(scores[batches[0]])          # the base's worst seed, not its mean: a looser reference
    for b in batches[1:]:
        if max(scores[b]) > (1 + tolerance) * reference:
            return b
    return None
''', '''\
def breaking_batch(scores, tolerance=0.05):
    """The smallest batch whose mean loss exceeds (1 + tolerance) times the smallest batch's."""
    batches = sorted(scores)
    reference = np.mean(scores[batches[0]])
    for b in batches[1:]:
        if np.mean(scores[b]) >= (1 + tolerance) * reference:   # a loss equal to the bound counts as broken
            return b
    return None
'''],
    'ch10-ex2-solution': '''\
def ring_all_reduce(vectors):
    """Ring all-reduce of W equal-length 1-D tensors: (results, elements each worker sent)."""
    W, n = len(vectors), len(vectors[0])
    bufs = [torch.zeros(n) for _ in range(W)]    # float32 buffers: a float64 gradient loses its digits
    for buf, v in zip(bufs, vectors):
        buf.copy_(v)
    bounds = [n * i // W for i in range(W + 1)]
    sent = [0] * W
    for s in range(2 * (W - 1)):                 # W - 1 reduce-scatter rounds, then W - 1 all-gather rounds
        messages = [(r, (r - s) % W) for r in range(W)]
        messages = [(r, c, bufs[r][bounds[c]:bounds[c + 1]].clone()) for r, c in messages]
        for r, c, data in messages:
            if s < W - 1:
                bufs[(r + 1) % W][bounds[c]:bounds[c + 1]] += data
            else:
                bufs[(r + 1) % W][bounds[c]:bounds[c + 1]] = data
            sent[r] += len(data)
    return bufs, sent
''',
}
