"""Deliberately wrong answers to chapter 7's coding exercises (07_anomaly_detection.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch07-ex1-solution': """\
def auc_from_ranks(scores, labels):
    '''The AUC as the Mann-Whitney statistic, with average ranks for tied scores.'''
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(bool)
    ranks = np.argsort(np.argsort(s)) + 1.0       # a plausible mistake: ties get distinct ranks
    n1, n0 = y.sum(), (~y).sum()
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))""",
    'ch07-ex3-solution': """\
def detector_auc(anomaly, data, held_out, seed):
    '''The AUC on held_out of a detector trained on the images of data that are not `anomaly`.'''
    # a plausible mistake: trained on every image of data, the anomalies included
    d2l.set_seed(seed)
    net = d2l.MLPAutoencoder(784, hidden=(128,), latent_dim=8).to(device)
    d2l.train_autoencoder(net, torch.optim.Adam(net.parameters(), lr=0.01), data.X,
                          epochs=6, batch_size=128, loss='bce', seed=seed, progress=False)
    with torch.no_grad():
        scores = ((net.eval()(held_out.X) - held_out.X) ** 2).flatten(1).mean(1)
    return d2l.roc_auc(scores.cpu(), (held_out.y == anomaly).cpu())

data = d2l.load_mnist(train=True, n=3000, seed=0, device=device, flatten=True)
held_out = d2l.load_mnist(train=False, n=2000, seed=0, device=device, flatten=True)
ex3 = {(digit, seed): detector_auc(digit, data, held_out, seed)
       for digit in (1, 2) for seed in (0, 1)}""",
}

# Wrong answers that the visible tests accept: only a hidden test rejects them.
HIDDEN_WRONG_ANSWERS = {
    'ch07-ex1-solution': """\
def auc_from_ranks(scores, labels):
    '''The AUC as the Mann-Whitney statistic, with average ranks for tied scores.'''
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(bool)
    order = np.argsort(s, kind='stable')
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    # a plausible mistake: each pair of equal neighbours shares its average rank, right for a tie of two scores
    # but not for three or more (the average drifts along the run)
    for i, j in zip(order[:-1], order[1:]):
        if s[i] == s[j]:
            ranks[i] = ranks[j] = (ranks[i] + ranks[j]) / 2
    n1, n0 = y.sum(), (~y).sum()
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))""",
    'ch07-ex3-solution': """\
def detector_auc(anomaly, data, held_out, seed):
    '''The AUC on held_out of a detector trained on the images of data that are not `anomaly`.'''
    d2l.set_seed(seed)
    net = d2l.MLPAutoencoder(784, hidden=(128,), latent_dim=8).to(device)
    normal = data.X[data.y != anomaly]
    d2l.train_autoencoder(net, torch.optim.Adam(net.parameters(), lr=0.01), normal, epochs=6,
                          batch_size=128, loss='bce', seed=seed, progress=False)
    with torch.no_grad():
        scores = ((net.eval()(held_out.X) - held_out.X) ** 2).flatten(1).mean(1)
    # a plausible mistake: the lesson's labels (the 2s are the anomalies) whatever `anomaly` is
    return d2l.roc_auc(scores.cpu(), (held_out.y == 2).cpu())

data = d2l.load_mnist(train=True, n=3000, seed=0, device=device, flatten=True)
held_out = d2l.load_mnist(train=False, n=2000, seed=0, device=device, flatten=True)
ex3 = {(digit, seed): detector_auc(digit, data, held_out, seed)
       for digit in (1, 2) for seed in (0, 1)}""",
}
