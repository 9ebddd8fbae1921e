"""Chapter 8: the VAE (d2l_utils.models) and the notebook's ELBO helpers."""
import math

import pytest
import torch

import d2l_utils as d2l

STEM = "08_denoising_and_vaes"


# ---------------------------------------------------------------- the VAE
def test_vae_shapes_and_parts():
    torch.manual_seed(0)
    net = d2l.VAE(784, hidden=(32,), latent_dim=3)
    assert isinstance(net, d2l.MLPAutoencoder) and net.latent_dim == 3
    x = torch.rand(5, 1, 28, 28)
    mu, logvar = net.encode(x)
    assert mu.shape == logvar.shape == (5, 3)
    x_hat, mu2, logvar2 = net(x)
    assert x_hat.shape == x.shape and ((0 <= x_hat) & (x_hat <= 1)).all()
    assert torch.equal(mu, mu2) and torch.equal(logvar, logvar2)
    assert net.decode(torch.zeros(4, 3)).shape == (4, 784)
    assert net.sample(6).shape == (6, 784)
    assert d2l.VAE(784, hidden=16, latent_dim=2)(torch.rand(2, 784))[0].shape == (2, 784)   # hidden=16: (16,)
    with pytest.raises(ValueError):
        d2l.VAE(784, hidden=(32,), latent_dim=0)


def test_sample_is_reproducible_with_a_generator():
    torch.manual_seed(0)
    net = d2l.VAE(784, hidden=(16,), latent_dim=2)
    a = net.sample(4, generator=torch.Generator().manual_seed(3))
    b = net.sample(4, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_sample_decodes_codes_drawn_from_the_standard_normal():
    torch.manual_seed(0)
    net = d2l.VAE(784, hidden=(16,), latent_dim=3)
    seen = []
    net.decode = lambda z: seen.append(z) or torch.zeros(len(z), 784)   # record the codes sample() decodes
    assert net.sample(20_000, generator=torch.Generator().manual_seed(0)).shape == (20_000, 784)
    (z,) = seen
    assert z.shape == (20_000, 3)
    assert z.mean(0).abs().max() < 0.03 and (z.std(0) - 1).abs().max() < 0.03
    assert ((z < 0).float().mean(0) - 0.5).abs().max() < 0.02          # symmetric about 0 (U(0, 1) is not)
    assert abs((z.abs() > 2).float().mean().item() - 0.0455) < 0.005   # the normal's tails: P(|z| > 2) = 4.55 %


def test_reparameterize_is_differentiable_and_distributed_right():
    mu = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    logvar = torch.tensor([0.0, -2.0, 1.0], dtype=torch.float64, requires_grad=True)
    torch.manual_seed(0)
    z = d2l.VAE.reparameterize(mu, logvar)
    z.sum().backward()
    torch.manual_seed(0)
    eps = torch.randn(3, dtype=torch.float64)
    assert torch.allclose(z, mu + torch.exp(0.5 * logvar) * eps)
    assert torch.allclose(mu.grad, torch.ones(3, dtype=torch.float64))                 # dz/dmu = 1
    assert torch.allclose(logvar.grad, 0.5 * torch.exp(0.5 * logvar) * eps)          # dz/dlogvar = sigma eps / 2
    torch.manual_seed(1)
    big = d2l.VAE.reparameterize(torch.full((200_000,), 3.0), torch.full((200_000,), math.log(4.0)))
    assert abs(big.mean().item() - 3.0) < 0.02 and abs(big.std().item() - 2.0) < 0.02


def test_elbo_terms():
    torch.manual_seed(0)
    net = d2l.VAE(784, hidden=(32,), latent_dim=4)
    x = torch.rand(8, 784)
    net.eval()
    terms = d2l.VAE.elbo_terms(net, x, x)
    assert set(terms) == {"loss", "recon", "kl"}
    assert torch.isclose(terms["loss"], terms["recon"] + terms["kl"])
    x_hat, mu, logvar = net(x)
    recon = torch.nn.functional.binary_cross_entropy(x_hat, x, reduction="sum") / 8
    assert torch.isclose(terms["recon"], recon, rtol=1e-5)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    kl = torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0)).sum() / 8
    assert torch.isclose(terms["kl"], kl, rtol=1e-5) and terms["kl"] >= 0


def test_kl_is_zero_for_the_prior_itself():
    net = d2l.VAE(784, hidden=(8,), latent_dim=2)
    last = net.encoder[-1]
    with torch.no_grad():   # an encoder that outputs mu = 0 and logvar = 0 for every image
        last.weight.zero_()
        last.bias.zero_()
    terms = d2l.VAE.elbo_terms(net, torch.rand(5, 784), torch.rand(5, 784))
    assert terms["kl"].item() == 0.0


def test_eval_mode_is_deterministic_training_mode_samples():
    torch.manual_seed(0)
    net = d2l.VAE(784, hidden=(32,), latent_dim=2)
    x = torch.rand(4, 784)
    net.eval()
    a, mu, _ = net(x)
    b, _, _ = net(x)
    assert torch.equal(a, b) and torch.equal(a, net.decode(mu))
    net.train()
    c, _, _ = net(x)
    d, _, _ = net(x)
    assert not torch.equal(c, d)


def test_a_short_training_run_lowers_both_the_loss_and_logs_both_terms():
    torch.manual_seed(0)
    X = (torch.rand(256, 784) < torch.linspace(0.05, 0.6, 784)).float()   # Bernoulli pixels, a learnable mean
    net = d2l.VAE(784, hidden=(32,), latent_dim=2)
    hist = d2l.train_autoencoder(net, torch.optim.Adam(net.parameters(), lr=3e-3), X, epochs=4, batch_size=64,
                                 loss=d2l.VAE.elbo_terms, val_data=X[:64], progress=False)
    for key in ("train_loss", "train_recon", "train_kl", "val_loss", "val_recon", "val_kl"):
        assert len(hist[key]) == 4 and all(math.isfinite(v) for v in hist[key]), key
    assert hist["train_loss"][-1] < 0.9 * hist["train_loss"][0]
    assert all(math.isclose(l, r + k, rel_tol=1e-4)
               for l, r, k in zip(hist["train_loss"], hist["train_recon"], hist["train_kl"]))


def test_a_nan_reconstruction_stops_training_with_the_clear_error():
    torch.manual_seed(0)
    net = d2l.VAE(784, hidden=(8,), latent_dim=2)
    with torch.no_grad():
        net.decoder[0].weight.fill_(float("nan"))
    with pytest.raises(d2l.NonFiniteLossError):
        d2l.train_autoencoder(net, torch.optim.Adam(net.parameters()), torch.rand(32, 784), epochs=1,
                              batch_size=16, loss=d2l.VAE.elbo_terms, progress=False)


# ---------------------------------------------------------------- the notebook's versions equal d2l_utils'
@pytest.mark.parametrize("training", [False, True])
def test_notebook_elbo_terms_equal_d2l(nb_defs, training):
    ns = nb_defs(STEM, "reparameterize", "elbo_terms")
    torch.manual_seed(0)
    net = d2l.VAE(in_dim=16, hidden=(8,), latent_dim=2).double().train(training)
    x = torch.rand(5, 16, dtype=torch.float64)
    torch.manual_seed(1)
    ours = ns["elbo_terms"](net, x, x)
    torch.manual_seed(1)
    theirs = d2l.VAE.elbo_terms(net, x, x)
    for k in ("loss", "recon", "kl"):
        torch.testing.assert_close(ours[k], theirs[k], rtol=1e-10, atol=1e-10)
