"""Deliberately wrong answers to chapter 4's coding exercises (04_rmsprop_adadelta_adam.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch04-ex1-solution': '''\
def rmsprop_rates(grads, eta, gamma, eps=1e-6):
    """RMSProp's effective learning rate eta / sqrt(s_t + eps) after each gradient of one coordinate."""
    s, rates = 0.0, []
    for g in grads:
        s = gamma * s + g * g          # forgot the (1 - gamma): this is a leaky *sum*, not an average
        rates.append(eta / math.sqrt(s + eps))
    return rates
''',
    'ch04-ex2-solution': '''\
def grad_f_rot(x1, x2):
    """The gradient of f_rot(x1, x2) = 0.1 (x1 + x2)^2 + 2 (x1 - x2)^2."""
    return 0.2 * (x1 + x2) + 4 * (x1 - x2), 0.2 * (x1 + x2) + 4 * (x1 - x2)   # lost the inner derivative -1

aligned = d2l.train_2d(d2l.rmsprop_2d(0.4, 0.9))
rotated = d2l.train_2d(d2l.rmsprop_2d(0.4, 0.9, grad=grad_f_rot))
print(f'distance to the minimum after 20 steps: aligned {math.dist(aligned[-1], (0, 0)):.4f}, '
      f'rotated {math.dist(rotated[-1], (0, 0)):.4f}')
''',
    'ch04-ex3-solution': '''\
def online_adam(amsgrad, steps=300, C=3.0):
    """Adam (or AMSGrad) on f_t(x) = C x (t % 3 == 0) or -x, projected onto [-1, 1]; the final x."""
    x = torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam([x], lr=0.1, amsgrad=amsgrad)          # the default betas (0.9, 0.999)
    for t in range(steps):
        x.grad = torch.tensor([C if t % 3 == 0 else -1.0])
        opt.step()
        with torch.no_grad():
            x.clamp_(-1.0, 1.0)
    return x.item()

print(f'Adam ends at x = {online_adam(False):.2f}, AMSGrad at x = {online_adam(True):.2f} (the best point is -1)')
''',
}
