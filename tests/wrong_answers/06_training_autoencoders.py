"""Deliberately wrong answers to chapter 6's coding exercises (06_training_autoencoders.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch06-ex1-solution': """\
mnist = d2l.load_mnist(train=True, n=1000, seed=0, flatten=True)

def dead_after_first_step(make_optimizer, X, seed=0):
    d2l.set_seed(seed)
    net = d2l.MLPAutoencoder(784, hidden=(128,), latent_dim=32)
    optimizer = make_optimizer(net.parameters())
    F.binary_cross_entropy(net(X[:64]), X[:64]).backward()
    optimizer.step()
    return int((~d2l.dead_units(net, X)).sum())   # counts the live units
""",
    'ch06-ex2-solution': '''\
fashion = d2l.load_fashion_mnist(train=True, n=2000, val_size=1000, seed=0, device=device, flatten=True)
def per_image_bce(net, X):
    with torch.no_grad():
        return F.binary_cross_entropy(net(X), X, reduction='none').flatten(1).mean(1)

classes = ['T-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot']
d2l.set_seed(0)
fashion_net = d2l.MLPAutoencoder(784, hidden=(128,), latent_dim=32).to(device)
d2l.train_autoencoder(fashion_net, torch.optim.Adam(fashion_net.parameters(), lr=0.01), fashion.X, epochs=3,
                      batch_size=128, loss='bce', seed=0, progress=False)
errors = per_image_bce(fashion_net, fashion.X_val)
class_error = torch.stack([errors[fashion.y_val == c].sum() for c in range(10)]).cpu()   # sums, not means
''',
    'ch06-ex3-solution': """\
def first_adagrad_step(g, lr, initial_accumulator_value=0.0, eps=1e-10):
    '''The update torch.optim.Adagrad makes on its first step, for gradient g (a tensor).'''
    s = torch.full_like(g, initial_accumulator_value)   # divides by the old accumulator
    return -lr * g / (s.sqrt() + eps)
""",
    'ch06-ex4-solution': """\
def pca_train_mse(X, k):
    s = torch.linalg.svdvals(X)   # forgets to centre the images
    return (s[k:] ** 2).sum().item() / X.numel()
""",
    'ch06-ex6-solution': """\
def bce_floor(X):
    '''The smallest mean BCE any reconstruction of X can reach: the mean binary entropy of its pixels.'''
    return -(X * X.log() + (1 - X) * (1 - X).log()).mean()   # 0 * log 0 is NaN here
""",
}

# Wrong answers that the visible tests accept: only a hidden test rejects them.
HIDDEN_WRONG_ANSWERS = {
    'ch06-ex1-solution': """\
mnist = d2l.load_mnist(train=True, n=1000, seed=0, flatten=True)

def dead_after_first_step(make_optimizer, X, seed=0):
    d2l.set_seed(0)   # always seed 0: the seed argument is ignored
    net = d2l.MLPAutoencoder(784, hidden=(128,), latent_dim=32)
    optimizer = make_optimizer(net.parameters())
    F.binary_cross_entropy(net(X[:64]), X[:64]).backward()
    optimizer.step()
    return int(d2l.dead_units(net, X).sum())
""",
    'ch06-ex2-solution': '''\
fashion = d2l.load_fashion_mnist(train=True, n=2000, val_size=1000, seed=0, device=device, flatten=True)
def per_image_bce(net, X):
    with torch.no_grad():
        return F.binary_cross_entropy(net(X), X, reduction='none').flatten(1).mean(1)

classes = ['T-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot']
d2l.set_seed(0)
fashion_net = d2l.MLPAutoencoder(784, hidden=(128,), latent_dim=32).to(device)
d2l.train_autoencoder(fashion_net, torch.optim.Adam(fashion_net.parameters(), lr=0.01), fashion.X, epochs=3,
                      batch_size=128, loss='bce', seed=0, progress=False)
errors = per_image_bce(fashion_net, fashion.X)   # the training images, not the validation images
class_error = torch.stack([errors[fashion.y == c].mean() for c in range(10)]).cpu()
''',
    'ch06-ex3-solution': """\
def first_adagrad_step(g, lr, initial_accumulator_value=0.0, eps=1e-10):
    '''The update torch.optim.Adagrad makes on its first step, for gradient g (a tensor).'''
    s = g * g                       # forgets the initial accumulator value
    return -lr * g / (s.sqrt() + eps)
""",
    'ch06-ex4-solution': """\
def pca_train_mse(X, k):
    s = torch.linalg.svdvals(X - X.mean(0))
    return (s[k:] ** 2).sum().item() / (len(X) * len(s))   # n * (number of singular values): n d only if n >= d
""",
    'ch06-ex6-solution': """\
def bce_floor(X):
    '''The smallest mean BCE any reconstruction of X can reach: the mean binary entropy of its pixels.'''
    X = X.clamp(1e-7, 1 - 1e-7)   # avoids log 0, but a pure black or white pixel no longer costs exactly 0
    return -(X * X.log() + (1 - X) * (1 - X).log()).mean()
""",
}
