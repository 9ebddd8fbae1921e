"""Deliberately wrong answers to chapter 8's coding exercises (08_data_parallel_training.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch08-ex1-solution': '''\
def breaking_batch(scores, tolerance=0.05):
    """The smallest batch whose mean loss exceeds (1 + tolerance) times the smallest batch's."""
    batches = list(scores)                       # in the dict's order, not sorted: the base is not the first
    reference = np.mean(scores[batches[0]])
    for b in batches[1:]:
        if np.mean(scores[b]) > (1 + tolerance) * reference:
            return b
    return None
''',
    'ch08-ex2-solution': '''\
def ring_all_reduce(vectors):
    """Ring all-reduce of W equal-length 1-D tensors: (results, elements each worker sent)."""
    W = len(vectors)
    total = sum(v.clone() for v in vectors)      # every worker sends its whole vector to every other
    return [total.clone() for _ in range(W)], [(W - 1) * len(vectors[0])] * W
''',
}
