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
import io

def save_checkpoint(net, opt):
    """The weights of `net` and the state of its optimizer `opt`, serialized with torch.save into bytes."""
    buffer = io.BytesIO()
    torch.save({'net': net.state_dict(), 'opt': opt.state_dict()}, buffer)
    return buffer.getvalue()

def load_checkpoint(data):
    """A fresh nn.Linear(5, 1) and torch.optim.RMSprop(lr=0.01, alpha=0.9), restored from `save_checkpoint`'s bytes."""
    saved = torch.load(io.BytesIO(data))
    net = nn.Linear(5, 1)
    net.load_state_dict(saved['net'])
    opt = torch.optim.RMSprop(net.parameters(), lr=0.01, alpha=0.9)   # the weights come back, the state s does not
    return net, opt
''',
    'ch04-ex4-solution': '''\
def adam_flip_step(t, lr, beta1):
    """The size of Adam's step t (t = 1, 2, ...; bias-corrected, eps = 0) when the gradient is +g, -g, +g, ..."""
    return lr * (1 - beta1) * (1 - (-beta1) ** t) / (1 + beta1)   # v's bias correction 1 - beta1^t left out
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
''',
}
