"""Deliberately wrong answers to chapter 6's coding exercises (06_autoencoder_applications.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch06-ex1-solution': """\
def kl_normal(mu, logvar, prior_mu, prior_logvar):
    '''KL(N(mu, exp(logvar)) || N(prior_mu, exp(prior_logvar))) of each row, summed over the last dimension.'''
    # a plausible mistake: the lesson's formula with mu - prior_mu for mu; the prior's variance is forgotten
    return -0.5 * torch.sum(1 + logvar - (mu - prior_mu) ** 2 - logvar.exp(), dim=-1)""",
    'ch06-ex2-solution': """\
def auc_from_ranks(scores, labels):
    '''The AUC as the Mann-Whitney statistic, with average ranks for tied scores.'''
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels).astype(bool)
    ranks = np.argsort(np.argsort(s)) + 1.0       # a plausible mistake: ties get distinct ranks
    n1, n0 = y.sum(), (~y).sum()
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))""",
    'ch06-ex3-solution': """\
def salt_and_pepper(x, p, generator=None):
    '''x with a fraction p of its entries set to 0 or 1 at random (half each).'''
    # a plausible mistake: pepper only (every hit pixel becomes 0), as in masking noise
    hit = torch.rand(x.shape, generator=generator) < p
    return x.masked_fill(hit.to(x.device), 0.0)""",
    'ch06-ex5-solution': """\
def beta_elbo(beta):
    '''A loss function (net, x_in, x) -> dict for d2l.train_autoencoder: reconstruction + beta * KL.'''
    # a plausible mistake: the weighted KL term added to the whole -ELBO, which already holds one KL term
    def loss(net, x_in, x):
        terms = d2l.VAE.elbo_terms(net, x_in, x)
        return {'loss': terms['loss'] + beta * terms['kl'], 'recon': terms['recon'], 'kl': terms['kl']}
    return loss""",
}
