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
from conftest import notebook_defs, wrong_answers  # noqa: E402

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


def _airfoil(trainer, states, seed=0):
    features, labels = d2l.get_data_ch7()
    d2l.set_seed(seed)
    return d2l.train_ch7(trainer, states(features) if states else None, {"lr": 0.1}, features, labels)


def _torch_reference(seed=0):
    """The same run (initialization, minibatches) with torch.optim.Adagrad: an independent implementation."""
    features, labels = d2l.get_data_ch7()
    d2l.set_seed(seed)
    return d2l.train_pytorch_ch7(torch.optim.Adagrad, {"lr": 0.1}, features, labels)


def _same_curve(a, b, tol=1e-4):
    return len(a) == len(b) and max(abs(x - y) for x, y in zip(a, b)) < tol


def test_notebook_adagrad_with_train_ch7_equals_d2l_and_torch(nb):
    """The notebook's cell `train_ch7(adagrad, init_adagrad_states(features), {'lr': 0.1}, ...)`, both ways, and
    torch.optim.Adagrad on the same initialization and minibatches."""
    ours = _airfoil(nb["adagrad"], nb["init_adagrad_states"])
    assert ours == _airfoil(d2l.adagrad, d2l.init_adagrad_states)
    assert len(ours) == 1 + 2 * 1500 // 100
    assert _same_curve(ours, _torch_reference())


def _adagrad_without_root(params, states, hyperparams):
    with torch.no_grad():
        for p, s in zip(params, states):
            s.addcmul_(p.grad, p.grad)
            p -= hyperparams["lr"] * p.grad / (s + 1e-6)


def test_the_torch_reference_rejects_near_misses():
    """What a range of final losses accepted (AdaGrad without the root: 0.2435, plain SGD: 0.2438) is rejected."""
    reference = _torch_reference()
    assert not _same_curve(_airfoil(_adagrad_without_root, d2l.init_adagrad_states), reference)
    assert not _same_curve(_airfoil(d2l.sgd, None), reference)
    assert not _same_curve(_airfoil(d2l.adagrad, d2l.init_adagrad_states, seed=1), reference)


@pytest.mark.parametrize("which", ["notebook", "d2l"])
def test_adagrad_rejects_a_states_list_of_the_wrong_length(nb, which):
    adagrad = nb["adagrad"] if which == "notebook" else d2l.adagrad
    params, states = [_param(), _param()], [torch.zeros(3)]
    with pytest.raises(ValueError, match=r"2 parameter" if which == "d2l" else r"zip\(\)"):
        adagrad(params, states, {"lr": 0.1})
    if which == "d2l":   # checked before anything is updated
        assert all(torch.equal(p.detach(), torch.ones(3)) for p in params) and not states[0].any()
        with pytest.raises(ValueError, match=r"Invalid states: 3 state\(s\) for 2 parameter\(s\)"):
            adagrad(params, [torch.zeros(3)] * 3, {"lr": 0.1})


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


GRIDS_2D = {"GD": [0.05, 0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55], "AdaGrad": [0.25, 0.5, 1, 2, 4, 8, 16]}


def _turned(theta):
    """f(R x) with R the rotation by -theta degrees (det 1), its gradient R^T grad f(R x), and R."""
    c, s = math.cos(math.radians(theta)), math.sin(math.radians(theta))
    rot = lambda x1, x2: (c * x1 + s * x2, -s * x1 + c * x2)  # noqa: E731
    f = lambda x1, x2: d2l.f_2d(*rot(x1, x2))  # noqa: E731

    def grad(x1, x2):
        g1, g2 = d2l.grad_f_2d(*rot(x1, x2))
        return c * g1 - s * g2, s * g1 + c * g2
    return f, grad, rot, c * c + s * s


def _best(f, grad):
    """{name: (best eta, best final f)} of GD and AdaGrad on the grids, 20 steps from (-5, -2)."""
    out = {}
    for name, make in (("GD", d2l.gd_2d), ("AdaGrad", d2l.adagrad_2d)):
        ends = {eta: f(*d2l.train_2d(make(eta, grad=grad), verbose=False)[-1]) for eta in GRIDS_2D[name]}
        eta = min((e for e in ends if math.isfinite(ends[e])), key=ends.get)
        out[name] = eta, ends[eta]
    return out


def test_scaling_one_coordinates_gradient_and_rotation():
    """Section 2.4: a constant factor on x2's gradient changes nothing; a rotation (det +1) removes the advantage,
    each optimizer at its best rate of the grids; the notebook's f_r and gradient are f(R x) and R^T grad f(R x)."""
    original = d2l.train_2d(d2l.adagrad_2d(2), verbose=False)
    scaled = d2l.train_2d(d2l.adagrad_2d(2, grad=lambda x1, x2: (0.2 * x1, 400 * x2)), verbose=False)
    assert max(math.dist(p, q) for p, q in zip(original, scaled)) < 1e-7
    f, grad, rot, det = _turned(45)
    assert det == pytest.approx(1.0)
    ns = notebook_defs(NOTEBOOK, "rotate", "unrotate", "f_rot", "grad_f_rot")
    for x in [(-5.0, -2.0), (1.0, 0.0), (0.3, -2.2)]:
        assert ns["f_rot"](*x) == pytest.approx(f(*x)) == pytest.approx(0.05 * (x[0] + x[1]) ** 2 + (x[0] - x[1]) ** 2)
        assert ns["grad_f_rot"](*x) == pytest.approx(grad(*x))
    aligned, rotated = _best(d2l.f_2d, d2l.grad_f_2d), _best(f, grad)
    assert aligned["AdaGrad"][1] < 1e-6 * aligned["GD"][1]
    assert rotated["AdaGrad"][1] > 2 * rotated["GD"][1]
    assert rotated["GD"][0] == 0.45 and rotated["AdaGrad"][0] == 4   # inside their grids
    for name, make in (("GD", d2l.gd_2d), ("AdaGrad", d2l.adagrad_2d)):
        on_rot = d2l.train_2d(make(rotated[name][0], grad=grad), verbose=False)
        on_twin = d2l.train_2d(make(rotated[name][0]), start=rot(-5, -2), verbose=False)
        gap = max(math.dist(p, (ns["unrotate"](*q))) for p, q in zip(on_rot, on_twin))
        assert (gap < 1e-12) if name == "GD" else (gap > 1)


# ------------------------------------------------------------------ the model answers of the exercises
def test_answer_1_power():
    """c g / (c^2 s)^p = c^(1 - 2p) g / s^p: with p = 0.25 gradients 100x larger give 10x larger steps."""
    def first(g, p, eta=0.4):
        return eta * g / (g * g) ** p
    assert first(800.0, 0.25) / first(8.0, 0.25) == pytest.approx(10, rel=1e-12)
    assert first(800.0, 0.5) / first(8.0, 0.5) == pytest.approx(1, rel=1e-12)


def test_answer_2_angles():
    ratios = {}
    for theta in (0, 10, 20, 22, 24, 30, 45):
        best = _best(*_turned(theta)[:2])
        ratios[theta] = best["GD"][1] / best["AdaGrad"][1]
    assert ratios[0] == pytest.approx(2.24e19, rel=0.01) and ratios[10] == pytest.approx(1.2e5, rel=0.05)
    assert ratios[20] == pytest.approx(123, abs=0.5) and ratios[22] == pytest.approx(59.9, abs=0.05)
    assert ratios[24] == pytest.approx(0.567, abs=5e-4) and ratios[45] == pytest.approx(0.286, abs=5e-4)
    assert all(ratios[a] > ratios[b] for a, b in zip(ratios, list(ratios)[1:]))   # falls with the angle
    assert ratios[22] > 1 > ratios[24]                                             # the crossover near 23°


def test_answer_5_stall():
    def path(reset_at):
        x, s = 10.0, 0.0
        for t in range(200):
            if t == reset_at:
                s = 0.0
            g = (100.0 if t < 5 else 1.0) * x
            s += g * g
            x -= g / math.sqrt(s + 1e-6)
        return x
    assert path(None) == pytest.approx(6.3, abs=0.05) and path(5) == pytest.approx(3.06e-5, rel=0.01)
    assert abs(path(50)) < 1e-3


def test_answer_3_first_steps():
    g = torch.tensor([1e3, 1.0, -1e-3, 1e-6], dtype=torch.float64)
    step = -0.1 * g / torch.sqrt(g * g + 1e-6)
    assert abs(step[1] + 0.1) < 5.1e-8 and step[2].item() == pytest.approx(0.0707, abs=1e-4)
    assert step[3].item() == pytest.approx(-1e-4, rel=1e-6)
    torch_step = -0.1 * 1e-6 / (1e-6 + 1e-10)
    assert torch_step == pytest.approx(-0.1 / (1 + 1e-4), rel=1e-12)
    assert torch_step == pytest.approx(-0.1 * (1 - 1e-4), rel=1e-8)
    # the cross-overs: the book's step is eta / sqrt(2) at |g| = sqrt(eps), PyTorch's eta / 2 at |g| = eps
    assert 0.1 * 1e-3 / math.sqrt(1e-6 + 1e-6) == pytest.approx(0.1 / math.sqrt(2), rel=1e-12)
    assert 0.1 * 1e-10 / (math.sqrt(1e-20) + 1e-10) == pytest.approx(0.05, rel=1e-12)


def test_answer_4_units():
    def adagrad_two_rates(eta1, eta2, grad):
        def step(x1, x2, s1, s2):
            g1, g2 = grad(x1, x2)
            s1, s2 = s1 + g1 ** 2, s2 + g2 ** 2
            return x1 - eta1 * g1 / math.sqrt(s1 + 1e-6), x2 - eta2 * g2 / math.sqrt(s2 + 1e-6), s1, s2
        return step
    grad_z = lambda x1, z: (0.2 * x1, 0.04 * z)  # noqa: E731   g(x1, z) = f(x1, z / 10)
    original = d2l.train_2d(d2l.adagrad_2d(2), verbose=False)
    for eta_z, same in ((2, False), (20, True)):
        path = d2l.train_2d(adagrad_two_rates(2, eta_z, grad_z), start=(-5, -20), verbose=False)
        back = [(x1, z / 10) for x1, z in path]
        gap = max(math.dist(p, q) for p, q in zip(original, back))
        assert (gap < 1e-5) if same else (back[1][1] == pytest.approx(-1.8, abs=1e-6)
                                          and back[-1][1] == pytest.approx(-0.75, abs=0.005))


# ------------------------------------------------------------------ train_2d's options, the explorer
def test_train_2d_default_is_the_books(capsys):
    default = d2l.train_2d(d2l.adagrad_2d(0.4))
    assert capsys.readouterr().out == "epoch 20, x1 -2.382563, x2 -0.158591\n"
    assert default[0] == (-5, -2) and all(len(p) == 2 for p in default)
    quiet = d2l.train_2d(d2l.adagrad_2d(0.4), verbose=False)
    assert capsys.readouterr().out == "" and quiet == default


def test_train_2d_start_and_states(capsys):
    run = d2l.train_2d(d2l.adagrad_2d(0.4), steps=3, start=(1.0, 1.0), verbose=False, states=True)
    assert run[0] == (1.0, 1.0, 0, 0) and len(run) == 4
    x, step = (1.0, 1.0, 0, 0), d2l.adagrad_2d(0.4)
    for point in run[1:]:
        x = step(*x)
        assert point == x
    d2l.train_2d(d2l.gd_2d(0.1), steps=2, start=(2.0, 1.0))
    assert capsys.readouterr().out == "epoch 2, x1 1.920800, x2 0.360000\n"


@pytest.mark.parametrize("steps", [0, -1, 2.5, True])
def test_train_2d_rejects_bad_steps(steps):
    with pytest.raises(ValueError, match=r"Invalid steps"):
        d2l.train_2d(d2l.gd_2d(0.1), steps)


def test_show_trace_2d_options():
    ax = d2l.show_trace_2d(d2l.f_2d, d2l.train_2d(d2l.gd_2d(0.4), verbose=False, states=True), label="GD",
                           color="#2ca02c", levels=[0.1, 1, 10], x1lim=(-6, 2), x2lim=(-4, 3))
    line = ax.lines[0]
    assert line.get_label() == "GD" and line.get_color() == "#2ca02c" and len(line.get_xdata()) == 21
    assert list(ax.collections[0].levels) == [0.1, 1, 10]
    assert ax.get_legend_handles_labels()[1] == ["GD"]


def test_trace_figure_titles():
    fig = d2l.trace_figure(d2l.adagrad_2d(0.4), d2l.f_2d, 20, title="AdaGrad, η = 0.4")
    assert fig.axes[0].get_title() == "AdaGrad, η = 0.4: x = (-2.383, -0.159), f = 0.62"
    fig = d2l.trace_figure(d2l.gd_2d(0.6), d2l.f_2d, 50, title="GD, η = 0.6")
    assert fig.axes[0].get_title() == "GD, η = 0.6: diverged"
    assert all(abs(v) <= 1e3 for v in fig.axes[0].lines[0].get_ydata())


def test_explorer_shows_its_initial_figure_and_redraws(monkeypatch):
    """The notebook's call: a text fallback for the controls, then the initial figure as an ordinary output; moving
    a control redraws that figure in place. The slider holds exactly 0.4 (no rounding on a log grid)."""
    import IPython.display

    shown, updates = [], []

    class Handle:
        def update(self, obj):
            updates.append(obj)

    def display(obj, raw=False, display_id=None):
        shown.append((obj, raw))
        return Handle() if display_id else None

    figures = []

    def trace_figure(*args):
        figures.append(original(*args))
        return figures[-1]

    original = d2l.plotting.trace_figure
    monkeypatch.setattr(IPython.display, "display", display)
    monkeypatch.setattr(d2l.plotting, "trace_figure", trace_figure)
    notebook_defs(NOTEBOOK, "adagrad_2d", "make_trainer")     # runs the explorer cell, which defines make_trainer
    (controls, raw), (image, _) = shown
    assert raw and controls["text/plain"].startswith("[controls: method, η, ε, steps")
    assert isinstance(image, IPython.display.Image) and image.data.startswith(b"\x89PNG")   # shown when untrusted
    assert figures[0].axes[0].get_title() == "AdaGrad, η = 0.4: x = (-2.383, -0.159), f = 0.62"
    from ipywidgets.widgets.widget import _instances
    box = _instances[controls["application/vnd.jupyter.widget-view+json"]["model_id"]]
    sliders = {w.description: w for w in box.children}
    assert list(sliders) == ["method", "η", "ε", "steps"]
    assert sliders["η"].value == 0.4 and sliders["ε"].value == 1e-6 and sliders["steps"].value == 20
    sliders["η"].value = 2
    assert isinstance(updates[-1], IPython.display.Image) and len(figures) == 2
    assert figures[-1].axes[0].get_title() == "AdaGrad, η = 2: x = (-0.002, -0.000), f = 5.3e-07"


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
    setup_src = "\n".join(ln for ln in "".join(setup["source"]).splitlines() if not ln.startswith("%"))
    exec(compile(setup_src, "setup", "exec"), ns)
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
    assert len(wrong) >= 3
    for grade_id, src in wrong.items():
        assert _run(cells, {grade_id: src}) == [grade_id.replace("-solution", "-tests")], grade_id

