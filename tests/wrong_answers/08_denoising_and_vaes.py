"""Deliberately wrong answers to chapter 8's coding exercises (08_denoising_and_vaes.ipynb).

Keyed by the grade_id of the solution cell; each value replaces that whole cell. The visible tests of the exercise
must reject every one (tests/test_coursework.py). They are kept here, outside the notebooks, so that no student copy
(`make student` or nbgrader's generate_assignment) can carry them.
"""

WRONG_ANSWERS = {
    'ch08-ex1-solution': """\
def salt_and_pepper(x, p, generator=None):
    '''x with a fraction p of its entries set to 0 or 1 at random (half each).'''
    # a plausible mistake: pepper only (every hit pixel becomes 0), as in masking noise
    hit = torch.rand(x.shape, generator=generator) < p
    return x.masked_fill(hit.to(x.device), 0.0)""",
    'ch08-ex1b-solution': """\
data = d2l.load_mnist(train=True, n=3000, seed=0, device=device, flatten=True).X
held_out = d2l.load_mnist(train=False, n=2000, seed=0, device=device, flatten=True).X
noisy = {'clean': held_out,
         'salt and pepper': salt_and_pepper(held_out, 0.2, torch.Generator().manual_seed(2))}
ex1 = {}
# a plausible mistake: the corruptions are defined but never passed to the trainer (no corrupt=...),
# so all three models are the same plain autoencoder
corruptions = {'plain': None, 'masking': lambda x: x * (torch.rand_like(x) >= 0.5),
               'salt and pepper': lambda x: salt_and_pepper(x, 0.2)}
for name, corrupt in corruptions.items():
    d2l.set_seed(0)
    ae = d2l.MLPAutoencoder(784, hidden=(128,), latent_dim=32).to(device)
    d2l.train_autoencoder(ae, torch.optim.Adam(ae.parameters(), lr=0.01), data, epochs=6,
                          batch_size=128, loss='bce', seed=0, progress=False)
    with torch.no_grad():
        ex1[name] = {k: ((ae.eval()(X) - held_out) ** 2).mean().item() for k, X in noisy.items()}""",
    'ch08-ex2-solution': """\
def kl_normal(mu, logvar, prior_mu, prior_logvar):
    '''KL(N(mu, exp(logvar)) || N(prior_mu, exp(prior_logvar))), summed over the last axis'''
    # a plausible mistake: the lesson's formula with mu - prior_mu for mu; the prior's variance is forgotten
    return -0.5 * torch.sum(1 + logvar - (mu - prior_mu) ** 2 - logvar.exp(), dim=-1)""",
    'ch08-ex3-solution': """\
def kl_per_dimension(mu, logvar):
    '''The KL of each latent dimension to N(0, 1), averaged over the rows: shape (k,).'''
    # a plausible mistake: summed over the rows instead of averaged, so the sum is n times the KL per image
    return (-0.5 * (1 + logvar - mu ** 2 - logvar.exp())).sum(0)""",
    'ch08-ex4-solution': """\
vae16 = {}
data6 = d2l.load_mnist(train=True, n=5000, val_size=1000, seed=0, device=device, flatten=True)
# a plausible mistake: beta weighs the reconstruction term instead of the KL term
def beta_elbo(beta):
    def loss(net, x_in, x):
        terms = d2l.VAE.elbo_terms(net, x_in, x)
        return dict(terms, loss=beta * terms['recon'] + terms['kl'])
    return loss

for beta in (1.0, 4.0):
    d2l.set_seed(0)
    net16 = d2l.VAE(784, hidden=(128,), latent_dim=16).to(device)
    hist = d2l.train_autoencoder(net16, torch.optim.Adam(net16.parameters(), lr=0.003), data6.X,
                                 epochs=5, batch_size=128, loss=beta_elbo(beta),
                                 val_data=data6.X_val, seed=0, progress=False)
    with torch.no_grad():
        mu16, logvar16 = net16.eval().encode(data6.X_val)
    vae16[beta] = {'recon': hist['val_recon'][-1], 'kl': hist['val_kl'][-1],
                   'kl_dims': kl_per_dimension(mu16, logvar16).cpu()}""",
}

# Wrong answers that the visible tests accept: only a hidden test rejects them.
HIDDEN_WRONG_ANSWERS = {
    'ch08-ex1-solution': """\
def salt_and_pepper(x, p, generator=None):
    '''x with a fraction p of its entries set to 0 or 1 at random (half each).'''
    hit = torch.rand(x.shape, generator=generator) < p
    salt = torch.rand(x.shape, generator=generator) < p   # a plausible mistake: p again, not one half, for salt
    return torch.where(hit.to(x.device), salt.to(device=x.device, dtype=x.dtype), x)""",
    'ch08-ex1b-solution': """\
data = d2l.load_mnist(train=True, n=3000, seed=0, device=device, flatten=True).X
held_out = d2l.load_mnist(train=False, n=2000, seed=0, device=device, flatten=True).X
noisy = {'clean': held_out,
         'salt and pepper': salt_and_pepper(held_out, 0.2, torch.Generator().manual_seed(2))}
ex1 = {}
# a plausible mistake: a copied line left unchanged, so the 'masking' model is trained on salt-and-pepper noise
corruptions = {'plain': None, 'masking': lambda x: salt_and_pepper(x, 0.2),
               'salt and pepper': lambda x: salt_and_pepper(x, 0.2)}
for name, corrupt in corruptions.items():
    d2l.set_seed(0)
    ae = d2l.MLPAutoencoder(784, hidden=(128,), latent_dim=32).to(device)
    d2l.train_autoencoder(ae, torch.optim.Adam(ae.parameters(), lr=0.01), data, epochs=6,
                          batch_size=128, loss='bce', corrupt=corrupt, seed=0, progress=False)
    with torch.no_grad():
        ex1[name] = {k: ((ae.eval()(X) - held_out) ** 2).mean().item() for k, X in noisy.items()}""",
    'ch08-ex2-solution': """\
def kl_normal(mu, logvar, prior_mu, prior_logvar):
    '''KL(N(mu, exp(logvar)) || N(prior_mu, exp(prior_logvar))), summed over the last axis'''
    var_ratio = torch.exp(logvar - prior_logvar)
    mean_term = (mu - prior_mu) ** 2   # a plausible mistake: not divided by the prior's variance
    return 0.5 * torch.sum(var_ratio + mean_term - 1 - (logvar - prior_logvar), dim=-1)""",
    'ch08-ex3-solution': """\
def kl_per_dimension(mu, logvar):
    '''The KL of each latent dimension to N(0, 1), averaged over the rows: shape (k,).'''
    var = logvar.exp()
    # a plausible mistake: log(exp(logvar)) for logvar, infinite once exp underflows (logvar < -104 in float32)
    return (0.5 * (var + mu ** 2 - 1 - var.log())).mean(0)""",
    'ch08-ex4-solution': """\
vae16 = {}
data6 = d2l.load_mnist(train=True, n=5000, val_size=1000, seed=0, device=device, flatten=True)
def beta_elbo(beta):
    '''reconstruction + beta * KL, with both terms logged'''
    def loss(net, x_in, x):
        terms = d2l.VAE.elbo_terms(net, x_in, x)
        return dict(terms, loss=terms['recon'] + beta * terms['kl'])
    return loss

for beta in (1.0, 4.0):
    d2l.set_seed(0)
    net16 = d2l.VAE(784, hidden=(128,), latent_dim=16).to(device)
    hist = d2l.train_autoencoder(net16, torch.optim.Adam(net16.parameters(), lr=0.003), data6.X,
                                 epochs=5, batch_size=128, loss=beta_elbo(beta),
                                 val_data=data6.X_val, seed=0, progress=False)
    with torch.no_grad():
        mu16, logvar16 = net16.eval().encode(data6.X_val)
    # a plausible mistake: the per-dimension KL summed over the 1,000 validation images, not averaged
    vae16[beta] = {'recon': hist['val_recon'][-1], 'kl': hist['val_kl'][-1],
                   'kl_dims': (-0.5 * (1 + logvar16 - mu16 ** 2 - logvar16.exp())).sum(0).cpu()}""",
}
