"""Deliberately wrong answers to chapter 9's coding exercises (09_layerwise_and_learned_rates.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch09-ex1-solution': """\
def clipped_lamb_trust_ratio(w, u, max_norm=10.0):
    w_norm, u_norm = torch.linalg.vector_norm(w), torch.linalg.vector_norm(u)
    ratio = (w_norm / u_norm).clamp(max=max_norm)   # clips the ratio, not the weight norm
    return torch.where((w_norm > 0) & (u_norm > 0), ratio, torch.ones_like(ratio))
""",
    'ch09-ex2-solution': '''\
def normalized_hypergradient_lr(lr, g, g_prev, beta):
    \'\'\'The next learning rate of the multiplicative rule lr * (1 + beta * cos(g, g_prev)).\'\'\'
    return lr + beta * torch.dot(g.flatten(), g_prev.flatten()).item()   # the additive rule of section 9.5
''',
    'ch09-ex3-solution': '''\
def steps_to_halve(lr, weight_decay):
    \'\'\'How many AdamW steps with zero gradient it takes until a weight is at most half its initial value.\'\'\'
    return round(0.5 / (lr * weight_decay))   # a linear decay instead of a geometric one
''',
}

# Wrong answers that the visible tests accept: only a hidden test rejects them.
HIDDEN_WRONG_ANSWERS = {
    'ch09-ex1-solution': """\
def clipped_lamb_trust_ratio(w, u, max_norm=10.0):
    w_norm, u_norm = torch.linalg.vector_norm(w), torch.linalg.vector_norm(u)
    ratio = w_norm.clamp(max=10.0) / u_norm   # clips at 10, whatever max_norm is
    return torch.where((w_norm > 0) & (u_norm > 0), ratio, torch.ones_like(ratio))
""",
    'ch09-ex2-solution': '''\
def normalized_hypergradient_lr(lr, g, g_prev, beta):
    \'\'\'The next learning rate of the multiplicative rule lr * (1 + beta * cos(g, g_prev)).\'\'\'
    return lr * (1 + beta * torch.sign(torch.dot(g.flatten(), g_prev.flatten())).item())   # sign, not cosine
''',
    'ch09-ex3-solution': '''\
def steps_to_halve(lr, weight_decay):
    \'\'\'How many AdamW steps with zero gradient it takes until a weight is at most half its initial value.\'\'\'
    return math.ceil(math.log(2) / (lr * weight_decay))   # the half-life of exp(-lr wd t), not of (1 - lr wd)^t
''',
}
