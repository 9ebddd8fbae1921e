"""Chapter 5: the MNIST loaders, minibatches, the autoencoders and train_autoencoder (d2l_utils), and the helpers
the notebook writes out."""
import math
import warnings

import matplotlib
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import d2l_utils as d2l
from d2l_utils.train import _bce

STEM = "06_training_autoencoders"
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


# ---------------------------------------------------------------- loaders
@pytest.mark.parametrize("flatten, shape", [(False, (1, 28, 28)), (True, (784,))])
def test_load_mnist_shapes_dtype_range(flatten, shape):
    d = d2l.load_mnist(n=200, val_size=50, seed=0, flatten=flatten)
    assert isinstance(d, d2l.ImageData)
    assert d.X.shape == (200, *shape) and d.X_val.shape == (50, *shape)
    assert d.y.shape == (200,) and d.y_val.shape == (50,)
    assert d.X.dtype == torch.float32 and d.y.dtype == torch.int64
    for X in (d.X, d.X_val):
        assert 0.0 <= X.min().item() and X.max().item() <= 1.0
        assert X.max().item() == 1.0 and X.min().item() == 0.0   # pixels 0..255 scaled by 1/255
    assert set(d.y.tolist()) <= set(range(10)) and len(set(d.y.tolist())) == 10


def test_load_mnist_values_are_the_dataset_pixels():
    """The test split without a subset is the published order, pixel for pixel (uint8 / 255)."""
    import torchvision
    d = d2l.load_mnist(train=False)
    ds = torchvision.datasets.MNIST(root=str(d2l.data_dir()), train=False, download=False)
    assert d.X.shape == (10000, 1, 28, 28) and d.X_val is None and d.y_val is None
    assert torch.equal(d.X[:20, 0], ds.data[:20].float() / 255) and torch.equal(d.y, ds.targets)
    d = d2l.load_mnist(train=False, val_size=1000)                 # n=None: everything else
    assert d.X.shape[0] == 9000 and d.X_val.shape[0] == 1000


@pytest.mark.parametrize("device", DEVICES)
def test_load_mnist_device(device):
    d = d2l.load_mnist(n=64, val_size=16, device=device)
    for t in d:
        assert t.device.type == device


def test_load_mnist_default_device_is_cpu():
    assert all(t.device.type == "cpu" for t in d2l.load_mnist(n=8, val_size=8))


def test_load_mnist_seeded_subset_reproducible():
    a, b = d2l.load_mnist(n=300, val_size=100, seed=3), d2l.load_mnist(n=300, val_size=100, seed=3)
    assert all(torch.equal(s, t) for s, t in zip(a, b))
    c = d2l.load_mnist(n=300, val_size=100, seed=4)
    assert not torch.equal(a.X, c.X) and not torch.equal(a.X_val, c.X_val)


def test_load_mnist_validation_split_is_disjoint():
    d = d2l.load_mnist(n=2000, val_size=1000, seed=1, flatten=True)
    train_rows = {row.numpy().tobytes() for row in d.X}
    assert not any(row.numpy().tobytes() in train_rows for row in d.X_val)
    # and the two together are a seeded draw without repetition from the whole split
    both = d2l.load_mnist(n=3000, val_size=0, seed=1, flatten=True)
    assert torch.equal(both.X[:2000], d.X) and torch.equal(both.X[2000:], d.X_val)


def test_load_fashion_mnist():
    d = d2l.load_fashion_mnist(n=30, val_size=10, seed=0, flatten=True)
    assert d.X.shape == (30, 784) and d.X_val.shape == (10, 784) and d.X.dtype == torch.float32
    assert 0.0 <= d.X.min().item() and d.X.max().item() <= 1.0
    assert not torch.equal(d.X, d2l.load_mnist(n=30, val_size=10, seed=0, flatten=True).X)


@pytest.mark.parametrize("kwargs", [dict(n=0), dict(n=-5), dict(n=2.5), dict(n=True), dict(n="100"),
                                    dict(n=10, val_size=-1), dict(n=10, val_size=1.0),
                                    dict(n=10, seed="zero"), dict(n=59_000, val_size=2_000),
                                    dict(n=None, val_size=60_001)])
def test_load_mnist_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        d2l.load_mnist(**kwargs)


def test_load_mnist_accepts_numpy_ints():
    d = d2l.load_mnist(n=np.int64(10), val_size=np.int64(5), seed=np.int64(0))
    assert d.X.shape[0] == 10 and d.X_val.shape[0] == 5


def _offline(monkeypatch):
    """torchvision's mirrors point at a closed local port: any download attempt fails at once, offline."""
    import torchvision
    for cls in (torchvision.datasets.MNIST, torchvision.datasets.FashionMNIST):
        monkeypatch.setattr(cls, "mirrors", ["http://127.0.0.1:9/"])


@pytest.mark.parametrize("loader, folder", [(d2l.load_mnist, "MNIST"), (d2l.load_fashion_mnist, "FashionMNIST")])
def test_missing_files_offline_name_url_and_path(tmp_path, monkeypatch, loader, folder):
    _offline(monkeypatch)
    with pytest.raises(d2l.DataError) as info:
        loader(n=10, root=tmp_path)
    msg = str(info.value)
    assert "http://127.0.0.1:9/train-images-idx3-ubyte.gz" in msg
    assert str(tmp_path / folder / "raw" / "train-images-idx3-ubyte.gz") in msg
    assert "D2L_DATA_DIR" in msg


def test_missing_files_under_d2l_data_dir(tmp_path, monkeypatch):
    _offline(monkeypatch)
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    with pytest.raises(d2l.DataError) as info:
        d2l.load_mnist(train=False, n=10)
    assert str(tmp_path / "MNIST" / "raw") in str(info.value)


def test_root_that_is_a_file(tmp_path, monkeypatch):
    _offline(monkeypatch)
    not_a_folder = tmp_path / "data.txt"
    not_a_folder.write_text("not a folder")
    with pytest.raises(d2l.DataError, match="not a folder"):
        d2l.load_mnist(n=10, root=not_a_folder)


# ---------------------------------------------------------------- minibatches
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("n, batch_size", [(103, 10), (100, 10), (5, 8), (1, 1)])
def test_minibatches_cover_every_example_once(device, n, batch_size):
    X = torch.arange(n, device=device)
    y = 2 * torch.arange(n, device=device)
    for shuffle in (True, False):
        batches = list(d2l.minibatches(X, y, batch_size=batch_size, shuffle=shuffle))
        rest = [n % batch_size] if n % batch_size else []
        assert [len(b[0]) for b in batches] == [batch_size] * (n // batch_size) + rest
        seen = torch.cat([b[0] for b in batches])
        assert torch.equal(seen.sort().values, X)                      # every example exactly once
        assert all(torch.equal(yb, 2 * xb) for xb, yb in batches)      # tensors stay aligned
        assert all(t.device.type == device for b in batches for t in b)
        if not shuffle:
            assert torch.equal(seen, X)


def test_minibatches_shuffle_is_seeded_and_changes_each_epoch():
    X = torch.arange(1000)
    order = lambda gen: torch.cat([b for (b,) in d2l.minibatches(X, batch_size=64, generator=gen)])
    a = order(torch.Generator().manual_seed(0))
    assert torch.equal(a, order(torch.Generator().manual_seed(0)))
    assert not torch.equal(a, X)
    gen = torch.Generator().manual_seed(0)
    assert not torch.equal(order(gen), order(gen))                      # a new permutation every epoch


@pytest.mark.parametrize("batch_size", [0, -1, 2.0, True, None])
def test_minibatches_invalid_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        next(d2l.minibatches(torch.zeros(4), batch_size=batch_size))


def test_minibatches_invalid_tensors():
    with pytest.raises(ValueError, match="first dimension"):
        next(d2l.minibatches(torch.zeros(4), torch.zeros(5), batch_size=2))
    with pytest.raises(ValueError, match="at least one"):
        next(d2l.minibatches(batch_size=2))


# ---------------------------------------------------------------- models
@pytest.mark.parametrize("hidden", [(128,), (64, 32), (), 48])
def test_mlp_autoencoder_shapes(hidden):
    net = d2l.MLPAutoencoder(784, hidden=hidden, latent_dim=8)
    assert net.hidden == ((hidden,) if isinstance(hidden, int) else tuple(hidden)) and net.latent_dim == 8
    for x in (torch.rand(5, 784), torch.rand(5, 1, 28, 28)):
        out = net(x)
        assert out.shape == x.shape and 0 < out.min() and out.max() < 1
        z = net.encode(x)
        assert z.shape == (5, 8) and net.decode(z).shape == (5, 784)
        assert torch.allclose(net.decode(z).view(x.shape), out)


def test_mlp_autoencoder_other_input_size_and_parameter_count():
    net = d2l.MLPAutoencoder(in_dim=20, hidden=(6,), latent_dim=2)
    assert net(torch.rand(3, 20)).shape == (3, 20)
    assert sum(p.numel() for p in net.parameters()) == (20 * 6 + 6) + (6 * 2 + 2) + (2 * 6 + 6) + (6 * 20 + 20)
    assert isinstance(net.encoder[-1], nn.Linear)                       # the code has no activation
    assert isinstance(net.decoder[-1], nn.Sigmoid)


def test_conv_autoencoder_shapes():
    net = d2l.ConvAutoencoder(latent_dim=16)
    for x in (torch.rand(4, 1, 28, 28), torch.rand(4, 784), torch.rand(784, 4).T):   # the last is not contiguous
        out = net(x)
        assert out.shape == x.shape and 0 < out.min() and out.max() < 1
        assert net.encode(x).shape == (4, 16)
    assert net.decode(torch.zeros(2, 16)).shape == (2, 1, 28, 28)


def test_vae_keeps_the_autoencoder_api():
    vae = d2l.VAE(784, hidden=(32,), latent_dim=2)
    assert isinstance(vae, d2l.MLPAutoencoder) and vae.latent_dim == 2 and vae.hidden == (32,)
    mu, logvar = vae.encode(torch.rand(3, 1, 28, 28))
    assert mu.shape == logvar.shape == (3, 2) and vae.decode(mu).shape == (3, 784)


@pytest.mark.parametrize("sizes", [[784], [], [784, 0], [784, 2.5]])
def test_mlp_invalid_sizes(sizes):
    with pytest.raises(ValueError, match="sizes"):
        d2l.mlp(sizes)


# ---------------------------------------------------------------- train_autoencoder
def _tiny_data(n=256, d=64, k=4, seed=0):
    """n points in [0, 1]^d near a k-dimensional surface (the same surface for every seed)."""
    basis = torch.randn(k, d, generator=torch.Generator().manual_seed(1234))
    return torch.sigmoid(3 * torch.randn(n, k, generator=torch.Generator().manual_seed(seed)) @ basis)


def _tiny_net(seed=0):
    torch.manual_seed(seed)
    return d2l.MLPAutoencoder(64, hidden=(32,), latent_dim=4)


@pytest.mark.parametrize("loss", ["mse", "bce"])
@pytest.mark.parametrize("optimizer", ["AdaGrad", "Adagrad", "Adam"])
def test_train_autoencoder_reduces_the_loss(loss, optimizer):
    X, X_val = _tiny_data(), _tiny_data(64, seed=1)
    net = _tiny_net()
    cls = {"AdaGrad": d2l.AdaGrad, "Adagrad": torch.optim.Adagrad, "Adam": torch.optim.Adam}[optimizer]
    hist = d2l.train_autoencoder(net, cls(net.parameters(), lr=0.03), X, epochs=6, batch_size=32, loss=loss,
                                 val_data=X_val, progress=False)
    assert set(hist) == {"train_loss", "val_loss", "epoch_time"}
    assert all(len(v) == 6 for v in hist.values()) and all(t > 0 for t in hist["epoch_time"])
    assert hist["train_loss"][-1] < 0.8 * hist["train_loss"][0]
    assert hist["val_loss"][-1] < 0.8 * hist["val_loss"][0]


def test_train_autoencoder_losses_are_the_named_ones():
    """With lr=0 nothing changes, so each recorded loss is the loss of the initial network."""
    X, X_val = _tiny_data(), _tiny_data(64, seed=1)
    for name, fn in (("mse", F.mse_loss), ("bce", F.binary_cross_entropy)):
        net = _tiny_net()
        hist = d2l.train_autoencoder(net, torch.optim.SGD(net.parameters(), lr=0.0), X, epochs=2, batch_size=50,
                                     loss=name, val_data=X_val, progress=False)
        with torch.no_grad():
            assert hist["train_loss"][0] == pytest.approx(fn(net(X), X).item(), rel=1e-5)
            assert hist["val_loss"][1] == pytest.approx(fn(net(X_val), X_val).item(), rel=1e-5)


@pytest.mark.parametrize("loss", ["bce", lambda net, x_in, x: F.binary_cross_entropy(net(x_in), x)])
def test_train_autoencoder_equals_the_loop_written_out_in_the_notebook(loss):
    """Section 5.6 writes out the loop of train_autoencoder: seeded shuffle, F.binary_cross_entropy, zero_grad,
    backward, step. Both give the same weights: exactly with the same loss function, and to rounding with 'bce'
    (SGD there: AdaGrad's first step, lr * sign(g), would amplify rounding in gradients that are almost 0)."""
    X = _tiny_data()
    exact = callable(loss)
    make = (lambda p: torch.optim.Adagrad(p, lr=0.05)) if exact else (lambda p: torch.optim.SGD(p, lr=0.5))
    net_a, net_b = _tiny_net(), _tiny_net()
    opt_a, opt_b = make(net_a.parameters()), make(net_b.parameters())
    d2l.train_autoencoder(net_a, opt_a, X, epochs=2, batch_size=32, loss=loss, seed=7, progress=False)
    gen = torch.Generator().manual_seed(7)
    for _ in range(2):
        for (x,) in d2l.minibatches(X, batch_size=32, generator=gen):
            loss_value = F.binary_cross_entropy(net_b(x), x)
            opt_b.zero_grad()
            loss_value.backward()
            opt_b.step()
    for a, b in zip(net_a.parameters(), net_b.parameters()):
        if exact:
            assert torch.equal(a, b)
        else:
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_train_autoencoder_is_reproducible_and_seeded():
    X = _tiny_data()
    runs = []
    for seed in (0, 0, 1):
        net = _tiny_net()
        runs.append(d2l.train_autoencoder(net, torch.optim.Adam(net.parameters(), lr=0.01), X, epochs=2,
                                          batch_size=32, seed=seed, progress=False)["train_loss"])
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_train_autoencoder_callable_loss_and_corrupt():
    X = _tiny_data()
    seen = []

    def loss(net, x_in, x):
        seen.append((x_in.clone(), x.clone()))
        mse = F.mse_loss(net(x_in), x)
        return {"loss": mse, "twice": 2 * mse}

    net = _tiny_net()
    hist = d2l.train_autoencoder(net, torch.optim.Adam(net.parameters(), lr=0.01), X, epochs=2, batch_size=64,
                                 loss=loss, val_data=X[:32], corrupt=torch.zeros_like, progress=False)
    assert all((x_in == 0).all() and (x > 0).all() for x_in, x in seen)   # corrupted input, clean target
    assert hist["train_twice"] == pytest.approx([2 * v for v in hist["train_loss"]])
    assert hist["val_twice"] == pytest.approx([2 * v for v in hist["val_loss"]])


def test_train_autoencoder_without_validation_data():
    net = _tiny_net()
    hist = d2l.train_autoencoder(net, torch.optim.Adam(net.parameters()), _tiny_data(), epochs=1, progress=False)
    assert set(hist) == {"train_loss", "epoch_time"}


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_train_autoencoder_nan_input_raises(loss):
    X = _tiny_data()
    X[5, 3] = float("nan")
    net = _tiny_net()
    with pytest.raises(d2l.NonFiniteLossError, match="smaller learning rate"):
        d2l.train_autoencoder(net, torch.optim.SGD(net.parameters(), lr=0.1), X, epochs=2, batch_size=32,
                              loss=loss, progress=False)


def test_train_autoencoder_huge_learning_rate_raises():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(64, 8), nn.Linear(8, 64))           # unbounded output: the loss can blow up
    with pytest.raises(d2l.NonFiniteLossError, match="lr=1000"):
        d2l.train_autoencoder(net, torch.optim.SGD(net.parameters(), lr=1000.0), _tiny_data(), epochs=3,
                              batch_size=32, progress=False)


def test_train_autoencoder_nan_validation_data_raises():
    X_val = _tiny_data(16)
    X_val[0, 0] = float("nan")
    net = _tiny_net()
    with pytest.raises(d2l.NonFiniteLossError, match="validation"):
        d2l.train_autoencoder(net, torch.optim.Adam(net.parameters()), _tiny_data(), epochs=1, val_data=X_val,
                              progress=False)


def test_bce_matches_torch_and_keeps_gradients_finite():
    g = torch.Generator().manual_seed(0)
    p, x = torch.rand(50, 30, generator=g), torch.rand(50, 30, generator=g)
    torch.testing.assert_close(_bce(p, x), F.binary_cross_entropy(p, x))
    a = torch.tensor([-200.0, -30.0, 0.0, 30.0, 200.0], requires_grad=True)   # saturated sigmoids: p = 0 or 1
    x = torch.tensor([1.0, 1.0, 0.5, 0.0, 0.0])
    loss = _bce(torch.sigmoid(a), x)
    loss.backward()
    assert loss.item() == pytest.approx(F.binary_cross_entropy(torch.sigmoid(a.detach()), x).item())
    assert torch.isfinite(a.grad).all()
    assert math.isnan(_bce(torch.tensor([float("nan"), 0.5]), torch.tensor([1.0, 0.0])).item())


@pytest.mark.parametrize("kwargs, error", [
    (dict(epochs=0), ValueError), (dict(epochs=-1), ValueError), (dict(epochs=1.5), ValueError),
    (dict(epochs=True), ValueError), (dict(batch_size=0), ValueError), (dict(batch_size=2.0), ValueError),
    (dict(loss="l1"), ValueError), (dict(corrupt=0.1), ValueError),
    (dict(data=torch.zeros(0, 64)), ValueError), (dict(val_data=torch.zeros(0, 64)), ValueError),
    (dict(data=d2l.ImageData(torch.zeros(4, 64), None, None, None)), TypeError),
    (dict(val_data=np.zeros((4, 64))), TypeError),
])
def test_train_autoencoder_invalid_arguments(kwargs, error):
    net = _tiny_net()
    args = dict(data=_tiny_data(), epochs=1, batch_size=32, progress=False)
    args.update(kwargs)
    with pytest.raises(error):
        d2l.train_autoencoder(net, torch.optim.Adam(net.parameters()), **args)


def test_train_autoencoder_progress_false_is_silent(capsys):
    net = _tiny_net()
    d2l.train_autoencoder(net, torch.optim.Adam(net.parameters()), _tiny_data(), epochs=2, progress=False)
    assert capsys.readouterr() == ("", "")


def test_train_autoencoder_animate_one_epoch_without_warnings():
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    net = _tiny_net()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d2l.train_autoencoder(net, torch.optim.Adam(net.parameters()), _tiny_data(), epochs=1, progress=False,
                              animate=True, val_data=_tiny_data(16))
    plt.close("all")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_train_autoencoder_moves_model_data_and_optimizer_state_to_the_device():
    net = _tiny_net()
    opt = torch.optim.Adagrad(net.parameters(), lr=0.05)                # eager state, created on the CPU
    hist = d2l.train_autoencoder(net, opt, _tiny_data(), epochs=2, device="cuda", progress=False)
    assert next(net.parameters()).is_cuda and all(s["sum"].is_cuda for s in opt.state.values())
    assert hist["train_loss"][-1] < hist["train_loss"][0]


# ---------------------------------------------------------------- what the notebook writes out
def test_notebook_pixel_gradients_match_autograd(nb_defs):
    ns = nb_defs(STEM, "mse_pixel_grad", "bce_pixel_grad")
    a = torch.linspace(-8, 6, 29, dtype=torch.float64, requires_grad=True)
    for x in (0.0, 0.3, 1.0):
        target = torch.full_like(a, x)
        g_mse, = torch.autograd.grad(((torch.sigmoid(a) - target) ** 2).sum(), a)
        g_bce, = torch.autograd.grad(F.binary_cross_entropy_with_logits(a, target, reduction="sum"), a)
        np.testing.assert_allclose(ns["mse_pixel_grad"](a.detach().numpy(), x), g_mse.numpy(), rtol=1e-10,
                                   atol=1e-14)
        np.testing.assert_allclose(ns["bce_pixel_grad"](a.detach().numpy(), x), g_bce.numpy(), rtol=1e-10,
                                   atol=1e-14)


@pytest.mark.parametrize("cls", [torch.optim.Adagrad, d2l.AdaGrad])
def test_notebook_effective_rates_are_the_step_per_unit_gradient(nb_defs, cls):
    """After AdaGrad's step t, the next step moves each weight by -(its effective rate) x (its gradient); a weight
    that has never had a nonzero gradient (s = 0) has no rate: NaN."""
    effective_rates = nb_defs(STEM, "effective_rates")["effective_rates"]
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3))
    with torch.no_grad():
        net[0].bias[0] = -100.0                   # unit 0 is dead: its weights never get a gradient
    opt = cls([{"params": net[0].parameters()}, {"params": net[2].parameters(), "lr": 0.3}], lr=0.1)
    x = torch.randn(16, 5)
    for _ in range(3):
        opt.zero_grad()
        net(x).pow(2).mean().backward()
        opt.step()
    opt.zero_grad()
    net(x).pow(2).mean().backward()
    before = [p.detach().clone() for p in net.parameters()]
    grads = [p.grad.clone() for p in net.parameters()]
    for state, g in zip((opt.state[p] for p in net.parameters()), grads):
        state["sum"] += g * g           # the accumulator is updated first: read the rates the step will use
    rates = effective_rates(opt)
    sums = [opt.state[p]["sum"].clone() for p in net.parameters()]
    for state, g in zip((opt.state[p] for p in net.parameters()), grads):
        state["sum"] -= g * g
    opt.step()
    assert len(rates) == 4
    assert rates[0][0].isnan().all() and rates[0].isnan().sum() == 5 and not rates[3].isnan().any()
    for p, p0, g, r, s in zip(net.parameters(), before, grads, rates, sums):
        assert torch.equal(r.isnan(), s == 0)
        torch.testing.assert_close(p.detach() - p0, -r.nan_to_num(0.0) * g, rtol=1e-5, atol=1e-7)


def test_notebook_dead_units_counts_silent_relus(nb_defs):
    dead_units = nb_defs(STEM, "dead_units")["dead_units"]
    net = d2l.MLPAutoencoder(784, hidden=(6,), latent_dim=2)
    with torch.no_grad():
        net.encoder[0].bias[:3] = -1e3      # three units switched off for every image in [0, 1]
        net.encoder[0].bias[3:] = 1e3
    assert dead_units(net, torch.rand(10, 784)).tolist() == [True] * 3 + [False] * 3


def test_notebook_dead_units_is_d2l_dead_units(nb_defs):
    """Chapter 5 teaches `dead_units`; chapters 6 and 7 use its twin `d2l.dead_units` (a mask, never a count)."""
    dead_units = nb_defs(STEM, "dead_units")["dead_units"]
    gen = torch.Generator().manual_seed(0)
    for seed in range(3):
        d2l.set_seed(seed)
        net = d2l.MLPAutoencoder(784, hidden=(32,), latent_dim=4)
        with torch.no_grad():
            net.encoder[0].bias -= torch.rand(32, generator=gen)   # kill some units, not all
        X = torch.rand(50, 784, generator=gen) * (torch.rand(50, 784, generator=gen) < 0.3)
        ours, theirs = dead_units(net, X), d2l.dead_units(net, X)
        assert ours.dtype == theirs.dtype == torch.bool and torch.equal(ours, theirs)
        assert 0 < int(theirs.sum()) < 32


# ---------------------------------------------------------------- warm-up, progress bars, race tables
def test_linear_warmup_scales_the_first_steps():
    w = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.8)
    scheduler = d2l.linear_warmup(opt, steps=4)
    lrs = []
    for _ in range(6):
        lrs.append(opt.param_groups[0]["lr"])
        w.grad = torch.ones(2)
        opt.step()
    assert lrs == pytest.approx([0.2, 0.4, 0.6, 0.8, 0.8, 0.8])
    assert w.detach().tolist() == pytest.approx([-3.6, -3.6])
    assert scheduler.state_dict()["last_epoch"] == 6


def test_linear_warmup_inside_train_autoencoder():
    """The schedule advances with every optimizer step, so an unmodified training loop warms up."""
    net = _tiny_net()
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    scheduler = d2l.linear_warmup(opt, steps=100)
    d2l.train_autoencoder(net, opt, _tiny_data(), epochs=2, batch_size=32, progress=False)   # 2 x 8 steps
    assert scheduler.last_epoch == 16 and opt.param_groups[0]["lr"] == pytest.approx(0.01 * 17 / 100)


def test_linear_warmup_one_step_changes_nothing():
    X = _tiny_data()
    results = []
    for warm in (False, True):
        net = _tiny_net()
        opt = torch.optim.Adagrad(net.parameters(), lr=0.05)
        if warm:
            d2l.linear_warmup(opt, steps=1)
        d2l.train_autoencoder(net, opt, X, epochs=1, batch_size=32, progress=False)
        results.append([p.detach().clone() for p in net.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*results))


@pytest.mark.parametrize("steps", [0, -3, 2.5, True, "10"])
def test_linear_warmup_invalid_steps(steps):
    with pytest.raises(ValueError, match="steps"):
        d2l.linear_warmup(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), steps)


def test_progress_bar_only_when_outputs_are_not_stored(capsys, monkeypatch):
    def train():
        net = _tiny_net()
        d2l.train_autoencoder(net, torch.optim.Adam(net.parameters()), _tiny_data(), epochs=2, progress=True)
        return capsys.readouterr()
    monkeypatch.delenv("D2L_STATIC_PLOTS", raising=False)
    assert "epochs" in train().err                                   # a bar by default
    monkeypatch.setenv("D2L_STATIC_PLOTS", "1")
    assert train() == ("", "")                                      # none in headless runs that store outputs


def test_race_tables_align_long_names():
    grids = {"SGD": (0.1, 1.0), "Adam warm-up": (0.01, 0.1)}
    r = d2l.race(lambda name, lr, seed: {"val": lr, "test": lr + seed}, grids, seeds=(0, 1))
    for table, column in ((r.table(), "("), (r.grid_table(), "lr ")):
        rows = [line for line in table.splitlines() if line.startswith(("SGD", "Adam"))]
        assert len(rows) == 2 and len({row.index(column) for row in rows}) == 1, table   # one column
    short = d2l.race(lambda name, lr, seed: {"val": lr, "test": lr}, {"SGD": (0.1, 1.0)})
    assert short.table().splitlines()[1].startswith("SGD       ")       # names up to 8 characters: as before
