"""Seeding and devices, plotting helpers, timers, the 2-D and chapter-7 trainers."""
import random
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import d2l_utils as d2l  # noqa: E402
from conftest import follows_book_signature  # noqa: E402
from d2l_utils import train as d2l_train  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------- repro
def test_set_seed_makes_every_generator_repeat():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()
    d2l.set_seed(3)
    a = draw()
    d2l.set_seed(3)
    assert draw() == a
    d2l.set_seed(4)
    assert draw() != a


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_set_seed_validates(seed):
    with pytest.raises(ValueError, match="Invalid seed"):
        d2l.set_seed(seed)


def test_try_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert d2l.try_gpu() == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert d2l.try_gpu(1) == torch.device("cuda:1") and d2l.try_gpu(2) == torch.device("cpu")


def test_synchronize_waits_only_on_cuda(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: calls.append(device))
    d2l.synchronize("cpu")
    d2l.synchronize(torch.device("cpu"))
    assert calls == []
    d2l.synchronize("cuda:1")
    assert calls == [torch.device("cuda:1")]


# ---------------------------------------------------------------- plotting
def test_set_figsize():
    d2l.set_figsize((4, 3))
    assert tuple(plt.rcParams["figure.figsize"]) == (4, 3)
    d2l.set_figsize()
    assert tuple(plt.rcParams["figure.figsize"]) == (3.5, 2.5)


def test_plot_several_curves_from_lists_and_tensors():
    x = torch.arange(5.0)
    ax = d2l.plot(x, [x ** 2, 2 * x], "x", "f(x)", legend=["square", "double"], yscale="log")
    assert len(ax.lines) == 2 and ax.get_xlabel() == "x" and ax.get_yscale() == "log"
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [0, 1, 4, 9, 16])
    ax = d2l.plot([1.0, 2.0, 3.0])  # Y alone: plotted against its index
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [1, 2, 3])


def test_show_trace_2d_draws_path_and_contours():
    results = d2l.train_2d(d2l.gd_2d(0.4))
    ax = d2l.show_trace_2d(d2l.f_2d, results)
    x, y = ax.lines[0].get_data()
    assert len(x) == 21 and (x[0], y[0]) == (-5, -2)
    assert ax.collections and ax.get_xlabel() == "x1" and ax.get_ylabel() == "x2"


def test_animator_static_mode_draws_once(monkeypatch):
    monkeypatch.setenv("D2L_STATIC_PLOTS", "1")
    anim = d2l.Animator(xlabel="epoch", legend=["train", "val"])
    assert not anim.live
    for epoch in range(1, 4):
        anim.add(epoch, [1.0 / epoch, None if epoch == 1 else 2.0 / epoch])
    anim.show()
    assert [list(line.get_ydata()) for line in anim.axes.lines] == [[1.0, 0.5, 1 / 3], [1.0, 2 / 3]]


def test_train_autoencoder_animates_the_losses_it_returns(monkeypatch):
    monkeypatch.setenv("D2L_STATIC_PLOTS", "1")
    torch.manual_seed(0)
    net, x = d2l.MLPAutoencoder(16, hidden=(8,), latent_dim=2), torch.rand(64, 16)
    plt.close("all")
    hist = d2l.train_autoencoder(net, torch.optim.Adam(net.parameters(), lr=0.01), x, epochs=3, batch_size=16,
                                 progress=False, animate=True, val_data=x[:16])
    (fig,) = map(plt.figure, plt.get_fignums())  # one figure, drawn once
    ax = fig.axes[0]
    assert [list(line.get_xdata()) for line in ax.lines] == [[1, 2, 3], [1, 2, 3]]
    assert [list(line.get_ydata()) for line in ax.lines] == [hist["train_loss"], hist["val_loss"]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"


class _Elsewhere(torch.Tensor):
    """A CPU tensor that reports another device, and records where `.to` sends it."""
    moves: list = []

    @property
    def device(self):
        return torch.device("cuda", 7)

    def to(self, *args, **kwargs):
        _Elsewhere.moves.append(args[0] if args else kwargs["device"])
        return self.as_subclass(torch.Tensor).to(*args, **kwargs)


def test_train_autoencoder_moves_optimizer_state_to_its_parameters_device(monkeypatch):
    # Runs on any machine: state that reports another device (as state created before `net.to(device)` does)
    # must be moved to its parameter's device before the first step; the same code path serves a real GPU.
    torch.manual_seed(0)
    net = d2l.MLPAutoencoder(16, hidden=(8,), latent_dim=2)
    opt = torch.optim.Adagrad(net.parameters(), lr=0.05)  # eager state: 'sum' exists before training
    for state in opt.state.values():
        state["sum"] = state["sum"].as_subclass(_Elsewhere)
    monkeypatch.setattr(_Elsewhere, "moves", [])
    d2l.train_autoencoder(net, opt, torch.rand(32, 16), epochs=1, batch_size=16, device="cpu", progress=False)
    assert _Elsewhere.moves == [torch.device("cpu")] * len(opt.state)
    assert all(type(s["sum"]) is torch.Tensor and s["sum"].device == torch.device("cpu") for s in opt.state.values())


def test_show_images_grid():
    axes = d2l.show_images(torch.rand(5, 1, 28, 28), 2, 3, titles=list("abcde"))
    assert axes.shape == (2, 3) and axes[0, 0].get_title() == "a" and not axes[1, 2].images


# ---------------------------------------------------------------- timers
def test_timer_and_accumulator(monkeypatch):
    clock = iter([10.0, 11.0, 20.0, 23.0])  # start, stop (1 s), start, stop (3 s)
    monkeypatch.setattr(d2l_train.time, "perf_counter", lambda: next(clock))
    timer = d2l.Timer()
    assert timer.stop() == 1.0
    timer.start()
    assert timer.stop() == 3.0
    assert timer.times == [1.0, 3.0] and timer.sum() == 4.0 and timer.avg() == 2.0 and timer.cumsum() == [1.0, 4.0]
    acc = d2l.Accumulator(2)
    acc.add(1, torch.tensor(2.0))
    acc.add(3, 4)
    assert acc[0] == 4 and acc[1] == 6.0
    acc.reset()
    assert acc.data == [0.0, 0.0]


# ---------------------------------------------------------------- train_2d
def test_train_2d_prints_the_books_line(capsys):
    results = d2l.train_2d(d2l.gd_2d(0.4))
    assert capsys.readouterr().out == "epoch 20, x1 -0.943467, x2 -0.000073\n"
    assert len(results) == 21 and results[0] == (-5, -2)
    d2l.train_2d(d2l.gd_2d(0.6), steps=20)
    assert capsys.readouterr().out == "epoch 20, x1 -0.387814, x2 -1673.365109\n"


def test_train_2d_with_f_grad_and_steps(capsys):
    def gd(x1, x2, s1, s2, f_grad):  # the newer d2l's calling convention
        g1, g2 = f_grad(x1, x2)
        return x1 - 0.1 * g1, x2 - 0.1 * g2, 0, 0
    results = d2l.train_2d(gd, steps=5, f_grad=lambda x1, x2: (2 * x1, 2 * x2))
    assert len(results) == 6 and results[-1] == pytest.approx((-5 * 0.8 ** 5, -2 * 0.8 ** 5))
    assert capsys.readouterr().out.startswith("epoch 5, x1 -1.638400, x2 -0.655360")


@pytest.mark.parametrize("stepper", [d2l.gd_2d, d2l.adagrad_2d])
@pytest.mark.parametrize("eta", [-0.1, float("nan"), float("inf")])
def test_2d_steppers_validate_eta(stepper, eta):
    with pytest.raises(ValueError, match=r"Invalid eta: "):
        stepper(eta)


# ---------------------------------------------------------------- linear regression (chapter 7)
def test_linreg_and_squared_loss():
    X, w, b = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[1.0], [-1.0]]), torch.tensor([0.5])
    y_hat = d2l.linreg(X, w, b)
    assert torch.equal(y_hat, torch.tensor([[-0.5], [-0.5]]))
    loss = d2l.squared_loss(y_hat, torch.tensor([0.5, 1.5]))  # y is reshaped like y_hat
    assert torch.equal(loss, torch.tensor([[0.5], [2.0]]))


LINE = re.compile(r"^loss: \d+\.\d{6}, \d+\.\d{6} sec per epoch\n$")


def test_train_ch7_book_semantics(capsys):
    features, labels = d2l.get_data_ch7()
    d2l.set_seed(0)
    ls = d2l.train_ch7(d2l.sgd, None, {"lr": 0.05}, features, labels, batch_size=10, num_epochs=2)
    out = capsys.readouterr().out
    assert LINE.match(out), out
    assert len(ls) == 1 + 2 * 1500 // 100 and float(out.split(",")[0][6:]) == pytest.approx(ls[-1], abs=1e-6)
    assert ls[0] > 0.4 and 0.2417 <= ls[-1] < 0.25  # from w ~ N(0, 0.01) to near the optimum 0.24169


def test_train_pytorch_ch7(capsys):
    features, labels = d2l.get_data_ch7()
    d2l.set_seed(0)
    ls = d2l.train_pytorch_ch7(torch.optim.SGD, {"lr": 0.05}, features, labels)
    assert LINE.match(capsys.readouterr().out) and len(ls) == 31 and 0.2417 <= ls[-1] < 0.25


def test_scratch_and_concise_trainers_agree():
    features, labels = d2l.get_data_ch7()
    d2l.set_seed(5)
    a = d2l.train_ch7(d2l.sgd, None, {"lr": 0.05}, features, labels)
    d2l.set_seed(5)
    b = d2l.train_pytorch_ch7(torch.optim.SGD, {"lr": 0.05}, features, labels)
    np.testing.assert_allclose(a, b, rtol=1e-4)  # same init, same minibatches, same update


def test_diverging_learning_rate_stops_with_advice():
    features, labels = d2l.get_data_ch7()
    with pytest.raises(d2l.NonFiniteLossError, match=r"smaller learning rate than lr=50"):
        d2l.train_ch7(d2l.sgd, None, {"lr": 50}, features, labels)
    with pytest.raises(d2l.NonFiniteLossError, match=r"smaller learning rate than lr=50"):
        d2l.train_pytorch_ch7(torch.optim.SGD, {"lr": 50}, features, labels)


@pytest.mark.parametrize("kwargs, name", [({"batch_size": 0}, "batch_size"), ({"num_epochs": 1.5}, "num_epochs")])
def test_train_ch7_validates(kwargs, name):
    features, labels = d2l.get_data_ch7()
    with pytest.raises(ValueError, match=f"Invalid {name}"):
        d2l.train_ch7(d2l.sgd, None, {"lr": 0.1}, features, labels, **kwargs)


@pytest.mark.parametrize("lr", [-1.0, float("nan")])
def test_functional_sgd_validates_lr(lr):
    p = torch.zeros(2, requires_grad=True)
    p.grad = torch.ones(2)
    with pytest.raises(ValueError, match=r"Invalid lr: "):
        d2l.sgd([p], None, {"lr": lr})


# ---------------------------------------------------------------- book compatibility
BOOK_SIGNATURES = {
    "train_2d": ["trainer", "steps=20"],
    "show_trace_2d": ["f", "results"],
    "get_data_ch7": [],
    "train_ch7": ["trainer_fn", "states", "hyperparams", "features", "labels", "batch_size=10", "num_epochs=2"],
    "train_pytorch_ch7": ["optimizer_fn", "optimizer_hyperparams", "features", "labels", "batch_size=10",
                          "num_epochs=2"],
    "set_figsize": ["figsize=(3.5, 2.5)"],
    "linreg": ["X", "w", "b"],
    "squared_loss": ["y_hat", "y"],
}


@pytest.mark.parametrize("name", sorted(BOOK_SIGNATURES))
def test_book_signatures(name):
    assert follows_book_signature(getattr(d2l, name), BOOK_SIGNATURES[name])


def test_book_code_runs_unchanged(capsys):
    # Verbatim in style from d2l's chapter 7 (PyTorch port): AdaGrad in 2-D, then from scratch on airfoil.
    import math

    def f_2d(x1, x2):
        return 0.1 * x1 ** 2 + 2 * x2 ** 2

    def adagrad_2d(x1, x2, s1, s2):
        g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6
        s1 += g1 ** 2
        s2 += g2 ** 2
        x1 -= eta / math.sqrt(s1 + eps) * g1
        x2 -= eta / math.sqrt(s2 + eps) * g2
        return x1, x2, s1, s2

    eta = 0.4
    d2l.show_trace_2d(f_2d, d2l.train_2d(adagrad_2d))
    assert capsys.readouterr().out == "epoch 20, x1 -2.382563, x2 -0.158591\n"

    features, labels = d2l.get_data_ch7()

    def init_adagrad_states():
        s_w = torch.zeros((features.shape[1], 1), dtype=torch.float32)
        s_b = torch.zeros(1, dtype=torch.float32)
        return (s_w, s_b)

    def adagrad(params, states, hyperparams):
        eps = 1e-6
        for p, s in zip(params, states):
            s.data += (p.grad.data ** 2)
            p.data -= hyperparams['lr'] * p.grad.data / torch.sqrt(s + eps)

    d2l.set_seed(0)
    d2l.train_ch7(adagrad, init_adagrad_states(), {'lr': 0.1}, features, labels)
    loss = float(capsys.readouterr().out.split(",")[0][len("loss: "):])
    assert 0.2417 <= loss < 0.25
    d2l.train_pytorch_ch7(torch.optim.Adagrad, {'lr': 0.1}, features, labels)
    assert LINE.match(capsys.readouterr().out)


@pytest.mark.parametrize("init", [d2l.init_adagrad_states, d2l.init_momentum_states, d2l.init_rmsprop_states])
def test_state_initializers_accept_what_the_book_passes(init):
    features, _ = d2l.get_data_ch7()
    for spec in (5, features):  # newer d2l passes feature_dim, the PyTorch port reads `features`
        s_w, s_b = init(spec)
        assert s_w.shape == (5, 1) and s_b.shape == (1,) and not s_w.any() and not s_b.any()
    assert [s.shape for s in init([(2, 3), torch.zeros(4)])] == [(2, 3), (4,)]
