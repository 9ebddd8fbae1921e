"""Chapter 2 (AdaGrad from scratch): the notebook's AdaGrad equals d2l_utils', the book's numbers, the worked
examples, hyperparameter validation, the divergence error, and the exercises' tests against wrong answers."""
import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import d2l_utils as d2l  # noqa: E402
from conftest import wrong_answers  # noqa: E402

STEM = "02_adagrad_from_scratch"
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / f"{STEM}.ipynb"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def nb(nb_defs):
    """The notebook's adagrad, init_adagrad_states and adagrad_2d."""
    return nb_defs(STEM, "adagrad", "init_adagrad_states", "adagrad_2d")


def _regression_problem(dtype, seed=0, n=40, d=5):
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=gen, dtype=dtype)
    y = X @ torch.randn(d, 1, generator=gen, dtype=dtype) + 0.1 * torch.randn(n, 1, generator=gen, dtype=dtype)
    return X, y.reshape(-1)


def _run_functional(opt, init, X, y, hyperparams, steps=25, batch_size=8):
    """Minibatch linear regression with a functional optimizer; returns the parameters and the states."""
    w = (0.01 * torch.arange(X.shape[1], dtype=X.dtype)).reshape(-1, 1).requires_grad_()
    b = torch.zeros(1, dtype=X.dtype, requires_grad=True)
    states = init(X)
    for i in range(steps):
        j = slice((i * batch_size) % len(X), (i * batch_size) % len(X) + batch_size)
        w.grad, b.grad = None, None
        d2l.squared_loss(d2l.linreg(X[j], w, b), y[j]).mean().backward()
        opt([w, b], states, hyperparams)
    return [w.detach(), b.detach()], list(states)


# ------------------------------------------------------------------ the notebook's code equals d2l_utils'
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("hyperparams", [{"lr": 0.1}, {"lr": 0.5, "eps": 1e-3}])
def test_notebook_adagrad_equals_d2l(nb, dtype, hyperparams):
    X, y = _regression_problem(dtype)
    ours = _run_functional(nb["adagrad"], nb["init_adagrad_states"], X, y, dict(hyperparams))
    theirs = _run_functional(d2l.adagrad, d2l.init_adagrad_states, X, y, dict(hyperparams))
    for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
        assert a.shape == b.shape and a.dtype == b.dtype
        assert torch.equal(a, b)


def test_notebook_init_adagrad_states_shapes(nb):
    features = torch.zeros(7, 5, dtype=torch.float64)
    for init in (nb["init_adagrad_states"], d2l.init_adagrad_states):
        s_w, s_b = init(features)
        assert s_w.shape == (5, 1) and s_b.shape == (1,)
        assert s_w.dtype == torch.float64 and not s_w.any() and not s_b.any()


def test_notebook_adagrad_with_train_ch7_equals_d2l(nb):
    """The notebook's cell `train_ch7(adagrad, init_adagrad_states(features), {'lr': 0.1}, ...)`, both ways."""
    features, labels = d2l.get_data_ch7()
    histories = []
    for adagrad, init in [(nb["adagrad"], nb["init_adagrad_states"]), (d2l.adagrad, d2l.init_adagrad_states)]:
        d2l.set_seed(0)
        histories.append(d2l.train_ch7(adagrad, init(features), {"lr": 0.1}, features, labels))
    assert histories[0] == histories[1]
    assert len(histories[0]) == 1 + 2 * 1500 // 100
    assert 0.2417 <= histories[0][-1] < 0.25


def test_notebook_adagrad_2d_equals_d2l(nb):
    def trace(trainer):
        x = (-5, -2, 0, 0)
        points = []
        for _ in range(30):
            x = trainer(*x)
            points.append(x)
        return points

    rot = lambda x1, x2: (0.2 * (x1 + x2) + 4 * (x1 - x2), 0.2 * (x1 + x2) - 4 * (x1 - x2))  # noqa: E731
    for eta, eps, grad in [(0.4, 1e-6, d2l.grad_f_2d), (2, 1e-6, d2l.grad_f_2d), (1, 0.5, rot)]:
        assert trace(nb["adagrad_2d"](eta, eps, grad=grad)) == trace(d2l.adagrad_2d(eta, eps, grad=grad))


# ------------------------------------------------------------------ the printed traces of the book
@pytest.mark.parametrize("make, line", [
    (lambda nb: d2l.gd_2d(0.4), "epoch 20, x1 -0.943467, x2 -0.000073"),
    (lambda nb: d2l.adagrad_2d(0.4), "epoch 20, x1 -2.382563, x2 -0.158591"),
    (lambda nb: d2l.adagrad_2d(2), "epoch 20, x1 -0.002295, x2 -0.000000"),
    (lambda nb: nb["adagrad_2d"](0.4), "epoch 20, x1 -2.382563, x2 -0.158591"),
    (lambda nb: nb["adagrad_2d"](2), "epoch 20, x1 -0.002295, x2 -0.000000"),
])
def test_trace_lines(nb, capsys, make, line):
    results = d2l.train_2d(make(nb))
    assert capsys.readouterr().out == line + "\n"
    assert len(results) == 21 and results[0] == (-5, -2)


def test_adagrad_first_step_moves_every_coordinate_by_eta():
    x1, x2, s1, s2 = d2l.adagrad_2d(0.4)(-5, -2, 0, 0)
    assert (s1, s2) == (1.0, 64.0)
    assert abs(x1 + 4.6) < 1e-6 and abs(x2 + 1.6) < 1e-7


def test_rescaling_invariance_and_rotation():
    """AdaGrad ignores a coordinate's gradient scale (up to eps); a rotated problem loses the advantage."""
    def points(trainer, start=(-5, -2)):
        x = (*start, 0, 0)
        out = []
        for _ in range(20):
            x = trainer(*x)
            out.append(x[:2])
        return out

    original = points(d2l.adagrad_2d(2))
    rescaled = points(d2l.adagrad_2d(2, grad=lambda x1, x2: (0.2 * x1, 400 * x2)))
    assert max(abs(a - b) for p, q in zip(original, rescaled) for a, b in zip(p, q)) < 1e-6
    f_rot = lambda x1, x2: 0.1 * (x1 + x2) ** 2 + 2 * (x1 - x2) ** 2  # noqa: E731
    g_rot = lambda x1, x2: (0.2 * (x1 + x2) + 4 * (x1 - x2), 0.2 * (x1 + x2) - 4 * (x1 - x2))  # noqa: E731
    turn = lambda x1, x2: ((x1 + x2) / math.sqrt(2), (x1 - x2) / math.sqrt(2))  # noqa: E731
    rotated = points(d2l.adagrad_2d(2, grad=g_rot))
    twin = points(d2l.adagrad_2d(2, grad=lambda u, v: (0.4 * u, 8 * v)), start=turn(-5, -2))
    assert f_rot(*rotated[-1]) > 1e4 * f_rot(*turn(*twin[-1]))


# ------------------------------------------------------------------ the worked examples
def _autoencoder_step(adagrad, eps):
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
         for k, v in {"W1": [0.1, 0.2], "b1": [0.3], "W2": [0.4, 0.5], "b2": [0.6, 0.6]}.items()}
    x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    h = t["W1"] @ x + t["b1"]
    x_hat = t["W2"] * h + t["b2"]
    loss = ((x - x_hat) ** 2).sum()
    loss.backward()
    grads = {k: p.grad.clone() for k, p in t.items()}
    adagrad(list(t.values()), [torch.zeros_like(p) for p in t.values()], {"lr": 0.1, "eps": eps})
    return h.item(), x_hat.detach(), loss.item(), grads, {k: p.detach() for k, p in t.items()}


@pytest.mark.parametrize("which", ["notebook", "d2l"])
def test_worked_example_autoencoder(nb, which):
    adagrad = nb["adagrad"] if which == "notebook" else d2l.adagrad
    h, x_hat, loss, grads, after = _autoencoder_step(adagrad, eps=1e-12)
    assert h == pytest.approx(0.8, abs=1e-12)                     # not 0.7
    assert torch.allclose(x_hat, torch.tensor([0.92, 1.0], dtype=torch.float64), atol=1e-12)
    assert loss == pytest.approx(1.0064, abs=1e-12)
    assert torch.allclose(grads["W1"], torch.tensor([-1.064, -2.128], dtype=torch.float64), atol=1e-12)
    assert torch.allclose(grads["W2"], torch.tensor([-0.128, -1.6], dtype=torch.float64), atol=1e-12)
    expected = {"W1": [0.2, 0.3], "b1": [0.4], "W2": [0.5, 0.6], "b2": [0.7, 0.7]}  # -eta * sign(g)
    for k, v in expected.items():
        assert torch.allclose(after[k], torch.tensor(v, dtype=torch.float64), atol=1e-9), k
    # dividing by the norm of the whole gradient is a different method
    norm = math.sqrt(sum(float((g ** 2).sum()) for g in grads.values()))
    W1_norm = torch.tensor([0.1, 0.2], dtype=torch.float64) - 0.1 * grads["W1"] / norm
    assert norm == pytest.approx(3.6599, abs=1e-4)
    assert torch.allclose(W1_norm, torch.tensor([0.1291, 0.2581], dtype=torch.float64), atol=1e-4)
    assert not torch.allclose(W1_norm, after["W1"], atol=1e-2)


@pytest.mark.parametrize("which", ["notebook", "d2l", "2d"])
def test_worked_example_quadratic(nb, which):
    """f = x^2 + 2y^2 from (1, 1), eta = 0.1: theta1 = (0.9, 0.9), theta2 = (0.8331, 0.8331)."""
    thetas = []
    if which == "2d":
        point = (1.0, 1.0, 0, 0)
        step = d2l.adagrad_2d(0.1, grad=lambda x, y: (2 * x, 4 * y))
        for _ in range(2):
            point = step(*point)
            thetas.append(point[:2])
    else:
        adagrad = nb["adagrad"] if which == "notebook" else d2l.adagrad
        theta = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
        states = [torch.zeros(2, dtype=torch.float64)]
        for _ in range(2):
            theta.grad = None
            (theta[0] ** 2 + 2 * theta[1] ** 2).backward()
            adagrad([theta], states, {"lr": 0.1})
            thetas.append(tuple(theta.tolist()))
    assert thetas[0] == pytest.approx((0.9, 0.9), abs=1e-6)        # not (0.8, 0.6), plain GD
    assert thetas[1] == pytest.approx((0.8331, 0.8331), abs=5e-5)
    assert thetas[1][0] == pytest.approx(0.9 - 0.18 / math.sqrt(7.24), abs=1e-7)
    assert abs(thetas[1][0] - thetas[1][1]) < 1e-7


# ------------------------------------------------------------------ validation
def _param():
    p = torch.ones(3, requires_grad=True)
    p.grad = torch.full((3,), 0.5)
    return p


@pytest.mark.parametrize("which", ["notebook", "d2l"])
@pytest.mark.parametrize("hyperparams, name, shown", [
    ({"lr": -0.1}, "lr", "-0.1"), ({"lr": math.nan}, "lr", "nan"), ({"lr": math.inf}, "lr", "inf"),
    ({"lr": 0.1, "eps": 0.0}, "eps", "0.0"), ({"lr": 0.1, "eps": -1e-6}, "eps", "-1e-06"),
    ({"lr": 0.1, "eps": math.nan}, "eps", "nan"),
])
def test_functional_adagrad_validates(nb, which, hyperparams, name, shown):
    adagrad = nb["adagrad"] if which == "notebook" else d2l.adagrad
    p, s = _param(), torch.zeros(3)
    with pytest.raises(ValueError, match=rf"Invalid {name}: {shown}\b"):
        adagrad([p], [s], hyperparams)
    assert torch.equal(p.detach(), torch.ones(3)) and not s.any()     # nothing was changed


@pytest.mark.parametrize("kwargs, name, shown", [
    ({"eta": -1.0}, "eta", "-1.0"), ({"eta": math.inf}, "eta", "inf"), ({"eta": math.nan}, "eta", "nan"),
    ({"eta": 0.4, "eps": 0.0}, "eps", "0.0"), ({"eta": 0.4, "eps": -1.0}, "eps", "-1.0"),
])
def test_adagrad_2d_validates(kwargs, name, shown):
    with pytest.raises(ValueError, match=rf"Invalid {name}: {shown}\b"):
        d2l.adagrad_2d(**kwargs)


def test_valid_hyperparameters_are_accepted(nb):
    for adagrad in (nb["adagrad"], d2l.adagrad):
        p, s = _param(), torch.zeros(3)
        adagrad([p], [s], {"lr": 0})                   # lr = 0 is allowed (and does nothing)
        assert torch.equal(p.detach(), torch.ones(3)) and torch.equal(s, torch.full((3,), 0.25))
    d2l.adagrad_2d(0.0, eps=1e-12)


# ------------------------------------------------------------------ divergence
@pytest.mark.parametrize("trainer, states, lr", [
    (d2l.sgd, None, 10.0),
    (d2l.adagrad, "adagrad", 1e30),
])
def test_diverging_learning_rate_raises_clear_error(trainer, states, lr):
    features, labels = d2l.get_data_ch7()
    d2l.set_seed(0)
    init = d2l.init_adagrad_states(features) if states else None
    with pytest.raises(d2l.NonFiniteLossError, match="smaller learning rate") as info:
        d2l.train_ch7(trainer, init, {"lr": lr}, features, labels)
    assert f"lr={lr}" in str(info.value)


# ------------------------------------------------------------------ the exercises reject the wrong answers
def _exercise_cells():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    cells = nb["cells"]
    start = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
                 and "\n## Exercises" in "\n" + "".join(c["source"]))
    setup = next(c for c in cells if c["cell_type"] == "code")
    return setup, [c for c in cells[start:] if c["cell_type"] == "code"]


def _run(cells, replace=None):
    """Run setup + exercise cells; `replace` maps a solution grade_id to other source. Returns failing test ids."""
    setup, exercises = cells
    ns: dict = {}
    exec(compile("".join(setup["source"]), "setup", "exec"), ns)
    failed = []
    for c in exercises:
        meta = c["metadata"].get("nbgrader", {})
        src = "".join(c["source"])
        if replace and meta.get("grade_id") in replace:
            src = replace[meta["grade_id"]]
        try:
            exec(compile(src, meta.get("grade_id", "cell"), "exec"), ns)
        except (AssertionError, NotImplementedError, NameError):
            if not meta.get("grade"):
                raise
            failed.append(meta["grade_id"])
    return failed


def test_exercises_pass_with_solutions_and_reject_wrong_answers():
    """Setup + exercises alone (no lesson variables): the solutions pass, each wrong answer fails its tests."""
    cells = _exercise_cells()
    assert _run(cells) == []
    wrong = wrong_answers(NOTEBOOK)
    assert len(wrong) >= 2
    for grade_id, src in wrong.items():
        assert _run(cells, {grade_id: src}) == [grade_id.replace("-solution", "-tests")], grade_id

