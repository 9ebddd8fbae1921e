"""The current d2l.ai edition's optimization code runs on d2l_utils, in both namespaces, with the book's results."""
import contextlib
import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from book_d2l_ai import SECTIONS  # noqa: E402

import d2l_utils as d2l  # noqa: E402
from conftest import follows_book_signature  # noqa: E402
from d2l_utils import d2l_ai  # noqa: E402

EDITION = "from d2l_utils import d2l_ai as d2l"   # the current book's `from d2l import torch as d2l`
PORT = "import d2l_utils as d2l"                 # the course's namespace (the PyTorch port's edition)
LOSS_LINE = re.compile(r"^loss: (\d+\.\d{3}), \d+\.\d{3} sec/epoch$")

# What the book prints where nothing is random (the 2-D traces and the 1-D gradient descent of section gd).
EXACT = {
    "gd": ["epoch 10, x: 0.060466", "epoch 10, x: 3.486784", "epoch 10, x: 61.917364", "epoch 10, x: -1.528166",
           "epoch 20, x1{colon} -0.057646, x2{colon} -0.000073", "epoch 10, x: tensor(0.)",
           "epoch 10, x: tensor(26.8341)", "epoch 10, x: tensor(7.2699)"],
    "momentum": ["epoch 20, x1{colon} -0.943467, x2{colon} -0.000073",
                 "epoch 20, x1{colon} -0.387814, x2{colon} -1673.365109",
                 "epoch 20, x1{colon} 0.007188, x2{colon} 0.002553",
                 "epoch 20, x1{colon} -0.126340, x2{colon} -0.186632"],
    "adagrad": ["epoch 20, x1{colon} -2.382563, x2{colon} -0.158591",
                "epoch 20, x1{colon} -0.002295, x2{colon} -0.000000"],
    "rmsprop": ["epoch 20, x1{colon} -0.010599, x2{colon} 0.000000"],
}
# Number of airfoil trainings (train_ch11 / train_concise_ch11) each section runs.
TRAININGS = {"gd": 0, "sgd": 0, "minibatch-sgd": 5, "momentum": 4, "adagrad": 2, "rmsprop": 2, "adadelta": 2,
             "adam": 3}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def best_loss():
    """The smallest ½-squared loss any linear model reaches on the 1500 airfoil rows (least squares)."""
    data_iter, _ = d2l.get_data_ch11(batch_size=1500)
    X, y = next(iter(data_iter))
    A = torch.cat([X, torch.ones(len(X), 1)], dim=1).double()
    w = torch.linalg.lstsq(A, y.double().unsqueeze(1)).solution
    return float(((A @ w - y.double().unsqueeze(1)) ** 2 / 2).mean())


def run_section(name: str, namespace: str) -> tuple[list[str], dict]:
    """Run one section's code with the given import line; return its printed lines and its variables."""
    torch.manual_seed(0)
    ns, out = {"__name__": "__main__"}, io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(SECTIONS[name].replace("{IMPORT}", namespace), f"<d2l.ai {name}>", "exec"), ns)
    return out.getvalue().splitlines(), ns


@pytest.mark.parametrize("namespace", [EDITION, PORT], ids=["d2l_ai", "d2l_utils"])
@pytest.mark.parametrize("name", list(SECTIONS))
def test_book_section_runs_unchanged(name, namespace, best_loss):
    lines, ns = run_section(name, namespace)
    colon = ":" if namespace == EDITION else ""   # the current book prints `x1: `, the port `x1 `
    expected = [e.replace("{colon}", colon) for e in EXACT.get(name, [])]
    traces = [ln for ln in lines if ln.startswith("epoch")]
    assert [ln for ln in traces if ln in expected] == expected, traces
    losses = [float(m.group(1)) for ln in lines if (m := LOSS_LINE.match(ln))]
    assert len(losses) == TRAININGS[name], lines
    # every airfoil run ends close to the best a linear model can do, and never below it
    assert all(best_loss - 1e-3 <= loss <= best_loss + 0.03 for loss in losses), (best_loss, losses)
    if name == "sgd":
        assert [len(ns[k]) for k in ("constant", "exponential", "polynomial")] == [51, 1001, 51]
    if name == "minibatch-sgd":
        times, curve = ns["mini2_res"]
        assert len(times) == len(curve) == 2 * 1500 // 200 and times == sorted(times)


def test_train_2d_prints_each_editions_line(capsys):
    def gd(x1, x2, s1, s2):
        return x1 - 0.4 * 0.2 * x1, x2 - 0.4 * 4 * x2, 0, 0
    assert d2l_ai.train_2d(gd) == d2l.train_2d(gd)
    assert capsys.readouterr().out.splitlines() == ["epoch 20, x1: -0.943467, x2: -0.000073",
                                                    "epoch 20, x1 -0.943467, x2 -0.000073"]


def test_train_ch11_clears_gradients_so_the_ports_update_functions_work_too(capsys):
    def book_sgd(params, states, hyperparams):   # the book's: it clears the gradients itself
        for p in params:
            p.data.sub_(hyperparams['lr'] * p.grad)
            p.grad.data.zero_()

    results = []
    for fn in (book_sgd, d2l.sgd):   # d2l.sgd (the port's) leaves the gradients to the trainer
        torch.manual_seed(1)
        data_iter, dim = d2l.get_data_ch11(10)
        results.append(d2l.train_ch11(fn, None, {"lr": 0.05}, data_iter, dim)[1])
    assert results[0] == pytest.approx(results[1], rel=1e-6) and len(results[0]) == 15
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and all(LOSS_LINE.match(ln) for ln in out)


def test_get_data_ch11_and_evaluate_loss():
    data_iter, dim = d2l.get_data_ch11(batch_size=7, n=100)
    assert dim == 5 and len(data_iter.dataset) == 100 and data_iter.batch_size == 7
    X, y = data_iter.dataset.tensors
    assert X.shape == (100, 5) and y.shape == (100,) and X.dtype == torch.float32
    full, _ = d2l.get_data_ch11(batch_size=1600, n=1600)   # every row (1503): each column was z-scored over them
    Xf = full.dataset.tensors[0]
    assert len(Xf) == 1503
    assert torch.allclose(Xf.mean(0), torch.zeros(5), atol=1e-4) and torch.allclose(Xf.std(0, unbiased=False),
                                                                                   torch.ones(5), atol=1e-4)
    w = torch.randn(5, 1)
    net = lambda X: d2l.linreg(X, w, torch.zeros(1))
    direct = float(d2l.squared_loss(net(X), y).mean())
    assert d2l.evaluate_loss(net, data_iter, d2l.squared_loss) == pytest.approx(direct, rel=1e-6)
    loader = d2l.load_array((X, y), 10, is_train=False)
    assert torch.equal(next(iter(loader))[0], X[:10])


BOOK_SIGNATURES = {   # d2l-en, d2l/torch.py
    "get_data_ch11": ["batch_size=10", "n=1500"],
    "train_ch11": ["trainer_fn", "states", "hyperparams", "data_iter", "feature_dim", "num_epochs=2"],
    "train_concise_ch11": ["trainer_fn", "hyperparams", "data_iter", "num_epochs=4"],
    "evaluate_loss": ["net", "data_iter", "loss"],
    "load_array": ["data_arrays", "batch_size", "is_train=True"],
    "train_2d": ["trainer", "steps=20", "f_grad=None"],
    "show_trace_2d": ["f", "results"],
}


@pytest.mark.parametrize("name", sorted(BOOK_SIGNATURES))
def test_book_signatures(name):
    assert follows_book_signature(getattr(d2l_ai, name), BOOK_SIGNATURES[name])
    if name != "train_2d":   # the port's namespace has the same function
        assert getattr(d2l, name) is getattr(d2l_ai, name)


def test_tensor_aliases_behave_like_the_books():
    x = d2l_ai.arange(6, dtype=d2l_ai.float32)
    assert isinstance(d2l_ai.numpy(x), np.ndarray) and d2l_ai.size(x) == 6
    assert d2l_ai.reshape(x, (2, 3)).shape == (2, 3) and float(d2l_ai.reduce_sum(x)) == 15.0
    assert d2l_ai.transpose(d2l_ai.reshape(x, (2, 3))).shape == (3, 2)
    assert d2l_ai.matmul(d2l_ai.ones((2, 3)), d2l_ai.ones((3, 1))).tolist() == [[3.0], [3.0]]
    g1, g2 = d2l_ai.meshgrid(d2l_ai.arange(2), d2l_ai.arange(3), indexing="ij")
    assert g1.shape == (2, 3) and d2l_ai.expand_dims(x, 0).shape == (1, 6)
    assert d2l_ai.DATA_URL == "http://d2l-data.s3-accelerate.amazonaws.com/"
    assert d2l_ai.DATA_HUB["airfoil"][0] == d2l_ai.DATA_URL + "airfoil_self_noise.dat"
    for name in d2l_ai.__all__:   # every advertised name exists, and the port's namespace has the non-clashing ones
        assert hasattr(d2l_ai, name), name
        assert name in ("train_2d",) or hasattr(d2l, name), name
