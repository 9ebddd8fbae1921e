"""Chapter 4: momentum, RMSProp and AdaDelta from d2l_utils against torch.optim, validation, 2-D traces, and the
notebook's helpers against their d2l_utils twins.

Tolerances: every comparison with torch.optim runs in float64 on random problems and must agree to
rtol = 1e-10, atol = 1e-12 (the two sides round differently only in the last bits); one float32 run per pair
checks rtol = 1e-5, atol = 1e-6 (float32 rounding, 50 steps).
"""
import math

import pytest
import torch
from optim_problems import (
    LOOSE,
    TIGHT,
    assert_resumes_exactly,
    assert_same,
    assert_skips_params_without_grad_and_rejects_sparse,
    make_problem,
    regression,
    run_functional,
    run_torch,
    train_linreg,
)

import d2l_utils as d2l

STEM = "04_momentum_and_rmsprop"


@pytest.fixture
def float64_default():
    """Make torch.zeros & co. float64 (the notebook's state initializers use the default dtype)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


# ---------------------------------------------------------------- functional forms == torch.optim
FUNCTIONAL_CASES = {
    "sgd_momentum": [
        (d2l.sgd_momentum, d2l.init_momentum_states, {"lr": lr, "momentum": m},
         torch.optim.SGD, {"lr": lr, "momentum": m})
        for lr, m in [(0.01, 0.9), (0.05, 0.5), (0.002, 0.0)]],
    "rmsprop": [
        (d2l.rmsprop, d2l.init_rmsprop_states, {"lr": lr, "gamma": g, "eps": eps, "eps_inside": False},
         torch.optim.RMSprop, {"lr": lr, "alpha": g, "eps": eps})
        for lr, g, eps in [(0.01, 0.9, 1e-8), (0.003, 0.99, 1e-6), (0.02, 0.5, 1e-3)]],
    "adadelta": [
        (d2l.adadelta, d2l.init_adadelta_states, {"rho": rho, "eps": eps, "lr": lr},
         torch.optim.Adadelta, {"rho": rho, "eps": eps, "lr": lr})
        for lr, rho, eps in [(1.0, 0.9, 1e-6), (1.0, 0.95, 1e-5), (0.5, 0.8, 1e-4)]],
}


@pytest.mark.parametrize("name", list(FUNCTIONAL_CASES))
@pytest.mark.parametrize("seed", [0, 1])
def test_functional_equals_torch_float64(name, seed):
    for fn, init_states, hp, opt_cls, kwargs in FUNCTIONAL_CASES[name]:
        init, loss = make_problem(seed)
        ours = run_functional(fn, init_states, dict(hp), init, loss, steps=60)
        theirs = run_torch(opt_cls, kwargs, init, loss, steps=60)
        assert_same(ours, theirs, TIGHT)
        assert not all(torch.equal(p.detach(), q) for p, q in zip(ours, init))  # it did move


@pytest.mark.parametrize("name", list(FUNCTIONAL_CASES))
def test_functional_equals_torch_float32(name):
    fn, init_states, hp, opt_cls, kwargs = FUNCTIONAL_CASES[name][0]
    init, loss = make_problem(7, dtype=torch.float32)
    assert_same(run_functional(fn, init_states, dict(hp), init, loss, steps=50),
                run_torch(opt_cls, kwargs, init, loss, steps=50), LOOSE)


def test_rmsprop_eps_placement_matters():
    """With eps inside the root (the book's default) the update differs from torch's measurably when eps is large."""
    init, loss = make_problem(3)
    hp = {"lr": 0.01, "gamma": 0.9, "eps": 1e-2}
    inside = run_functional(d2l.rmsprop, d2l.init_rmsprop_states, dict(hp), init, loss, steps=50)
    outside = run_functional(d2l.rmsprop, d2l.init_rmsprop_states, dict(hp, eps_inside=False), init, loss, steps=50)
    theirs = run_torch(torch.optim.RMSprop, {"lr": 0.01, "alpha": 0.9, "eps": 1e-2}, init, loss, steps=50)
    assert_same(outside, theirs, TIGHT)
    assert max((p - q).abs().max().item() for p, q in zip(inside, theirs)) > 1e-4


def test_rmsprop_book_form_by_hand():
    """One step of the book's RMSProp (eps = 1e-6 inside the root), computed by hand."""
    p = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    p.grad = torch.tensor([0.5, 3.0], dtype=torch.float64)
    s = [torch.tensor([0.1, 0.2], dtype=torch.float64)]
    d2l.rmsprop([p], s, {"lr": 0.1, "gamma": 0.9})
    s_new = [0.9 * 0.1 + 0.1 * 0.25, 0.9 * 0.2 + 0.1 * 9.0]
    assert s[0].tolist() == pytest.approx(s_new, rel=1e-15)
    assert p.tolist() == pytest.approx([1.0 - 0.1 * 0.5 / math.sqrt(s_new[0] + 1e-6),
                                        -2.0 - 0.1 * 3.0 / math.sqrt(s_new[1] + 1e-6)], rel=1e-14)


def test_init_states_accept_generators_and_shapes():
    net = torch.nn.Linear(3, 2)
    for init in (d2l.init_momentum_states, d2l.init_rmsprop_states, d2l.init_adadelta_states):
        states = init(net.parameters())  # a generator: consumed once
        assert len(states) == 2
        flat = [t for s in states for t in (s if isinstance(s, tuple) else (s,))]
        assert all(t.abs().sum() == 0 for t in flat)
        assert len({id(t) for t in flat}) == len(flat)  # no two states share storage
    assert [tuple(s.shape) for s in d2l.init_rmsprop_states(torch.zeros(10, 4))] == [(4, 1), (1,)]  # features
    assert [tuple(s.shape) for _, s in d2l.init_adadelta_states([(2, 3), (5,)])] == [(2, 3), (5,)]


@pytest.mark.parametrize("fn, init_states, hp", [
    (d2l.sgd_momentum, d2l.init_momentum_states, {"lr": 0.1, "momentum": 0.9}),
    (d2l.rmsprop, d2l.init_rmsprop_states, {"lr": 0.1, "gamma": 0.9}),
    (d2l.adadelta, d2l.init_adadelta_states, {"rho": 0.9}),
])
def test_functional_state_count_must_match(fn, init_states, hp):
    params = [torch.zeros(2, requires_grad=True), torch.zeros(1, requires_grad=True)]
    for p in params:
        p.grad = torch.ones_like(p)
    with pytest.raises(ValueError):
        fn(params, init_states(params[:1]), hp)  # a state list that is too short is an error, not a no-op


# ---------------------------------------------------------------- the RMSProp class == torch.optim
RMSPROP_OPTIONS = [dict(lr=0.01, alpha=a, eps=eps, momentum=m, centered=c, weight_decay=wd)
                   for a, eps in [(0.99, 1e-8), (0.9, 1e-4)] for m in (0.0, 0.9) for c in (False, True)
                   for wd in (0.0, 0.1)]


@pytest.mark.parametrize("kwargs", RMSPROP_OPTIONS, ids=str)
def test_rmsprop_class_equals_torch(kwargs):
    init, loss = make_problem(11)
    assert_same(run_torch(d2l.RMSProp, kwargs, init, loss, 50), run_torch(torch.optim.RMSprop, kwargs, init, loss, 50),
                TIGHT)


def test_rmsprop_class_float32_and_param_groups():
    kwargs = dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True)
    init, loss = make_problem(13, dtype=torch.float32)
    groups = lambda ps: [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.001}]  # noqa: E731
    assert_same(run_torch(d2l.RMSProp, kwargs, init, loss, 50, groups),
                run_torch(torch.optim.RMSprop, kwargs, init, loss, 50, groups), LOOSE)


def test_rmsprop_class_state_dict_round_trip_and_closure():
    assert_resumes_exactly(d2l.RMSProp, dict(lr=0.01, momentum=0.9, centered=True))


def test_rmsprop_class_skips_params_without_grad_and_rejects_sparse():
    assert_skips_params_without_grad_and_rejects_sparse(d2l.RMSProp)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize("fn, init_states, hp, name", [
    (d2l.sgd_momentum, d2l.init_momentum_states, {"lr": -0.1, "momentum": 0.9}, "lr"),
    (d2l.sgd_momentum, d2l.init_momentum_states, {"lr": 0.1, "momentum": 1.0}, "momentum"),
    (d2l.sgd_momentum, d2l.init_momentum_states, {"lr": 0.1, "momentum": -0.5}, "momentum"),
    (d2l.sgd_momentum, d2l.init_momentum_states, {"lr": math.inf, "momentum": 0.5}, "lr"),
    (d2l.rmsprop, d2l.init_rmsprop_states, {"lr": 0.1, "gamma": 1.5}, "gamma"),
    (d2l.rmsprop, d2l.init_rmsprop_states, {"lr": math.nan, "gamma": 0.9}, "lr"),
    (d2l.rmsprop, d2l.init_rmsprop_states, {"lr": 0.1, "gamma": 0.9, "eps": 0.0}, "eps"),
    (d2l.rmsprop, d2l.init_rmsprop_states, {"lr": 0.1}, "gamma"),
    (d2l.adadelta, d2l.init_adadelta_states, {"rho": -0.1}, "rho"),
    (d2l.adadelta, d2l.init_adadelta_states, {"rho": 0.9, "eps": -1e-6}, "eps"),
    (d2l.adadelta, d2l.init_adadelta_states, {"rho": 0.9, "lr": -1.0}, "lr"),
])
def test_functional_validation(fn, init_states, hp, name):
    p = torch.ones(3, requires_grad=True)
    p.grad = torch.ones(3)
    states = init_states([p])
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        fn([p], states, hp)
    assert torch.equal(p.detach(), torch.ones(3))  # nothing was updated
    bad = hp.get(name, None)
    if bad is not None:
        with pytest.raises(ValueError, match=repr(bad).replace("(", r"\(").replace(".", r"\.")):
            fn([p], states, hp)


@pytest.mark.parametrize("make, name, value", [
    (lambda: d2l.momentum_2d(-0.1), "eta", -0.1),
    (lambda: d2l.momentum_2d(0.5, beta=1.0), "beta", 1.0),
    (lambda: d2l.rmsprop_2d(0.4, gamma=2.0), "gamma", 2.0),
    (lambda: d2l.rmsprop_2d(0.4, 0.9, eps=0.0), "eps", 0.0),
    (lambda: d2l.rmsprop_2d(math.nan, 0.9), "eta", math.nan),
])
def test_2d_stepper_validation(make, name, value):
    with pytest.raises(ValueError, match=rf"Invalid {name}: {value!r}"):
        make()


@pytest.mark.parametrize("make, text", [
    (lambda p: d2l.RMSProp(p, lr=-0.01), "learning rate: -0.01"),
    (lambda p: d2l.RMSProp(p, alpha=-0.1), "alpha: -0.1"),
    (lambda p: d2l.RMSProp(p, eps=-1e-8), "eps: -1e-08"),
    (lambda p: d2l.RMSProp(p, momentum=-0.9), "momentum: -0.9"),
    (lambda p: d2l.RMSProp(p, weight_decay=-1.0), "weight_decay: -1.0"),
])
def test_class_validation(make, text):
    with pytest.raises(ValueError, match="Invalid " + text.replace("(", r"\(").replace(".", r"\.")):
        make([torch.zeros(2, requires_grad=True)])


# ---------------------------------------------------------------- 2-D traces
def test_2d_trace_lines(capsys):
    d2l.train_2d(d2l.rmsprop_2d(0.4, 0.9))          # the book's RMSProp trace
    d2l.train_2d(d2l.momentum_2d(0.6, 0.5))         # the book's momentum trace
    d2l.train_2d(d2l.adagrad_2d(0.4))               # chapter 2, for the comparison of section 4.2
    assert capsys.readouterr().out.splitlines() == [
        "epoch 20, x1 -0.010599, x2 0.000000",
        "epoch 20, x1 0.007188, x2 0.002553",
        "epoch 20, x1 -2.382563, x2 -0.158591",
    ]


def _torch_2d(opt_cls, kwargs, steps=20):
    x = torch.tensor([-5.0, -2.0], dtype=torch.float64, requires_grad=True)
    opt = opt_cls([x], **kwargs)
    path = [tuple(x.tolist())]
    for _ in range(steps):
        opt.zero_grad()
        d2l.f_2d(x[0], x[1]).backward()
        opt.step()
        path.append(tuple(x.tolist()))
    return path


@pytest.mark.parametrize("eta, beta", [(0.6, 0.5), (0.4, 0.9), (0.4, 0.0)])
def test_momentum_2d_equals_torch(eta, beta, capsys):
    theirs = _torch_2d(torch.optim.SGD, dict(lr=eta, momentum=beta))
    for a, b in zip(d2l.train_2d(d2l.momentum_2d(eta, beta)), theirs, strict=True):
        assert a == pytest.approx(b, rel=1e-10, abs=1e-12)


def test_rmsprop_2d_equals_functional(capsys):
    """rmsprop_2d and the functional rmsprop (eps inside the root) follow the same path on f_2d."""
    x = torch.tensor([-5.0, -2.0], dtype=torch.float64, requires_grad=True)
    states, path = [torch.zeros(2, dtype=torch.float64)], [(-5.0, -2.0)]
    for _ in range(20):
        x.grad = None
        d2l.f_2d(x[0], x[1]).backward()
        d2l.rmsprop([x], states, {"lr": 0.4, "gamma": 0.9})
        path.append(tuple(x.tolist()))
    for a, b in zip(d2l.train_2d(d2l.rmsprop_2d(0.4, 0.9)), path, strict=True):
        assert a == pytest.approx(b, rel=1e-10, abs=1e-12)


def test_2d_steppers_take_other_gradients(capsys):
    rot = lambda x1, x2: (0.2 * (x1 + x2) + 4 * (x1 - x2), 0.2 * (x1 + x2) - 4 * (x1 - x2))  # noqa: E731
    aligned = d2l.train_2d(d2l.rmsprop_2d(0.4, 0.9))[-1]
    rotated = d2l.train_2d(d2l.rmsprop_2d(0.4, 0.9, grad=rot))[-1]
    assert math.dist(rotated, (0, 0)) > 50 * math.dist(aligned, (0, 0))


def test_2d_paths_fit_inside_the_contour_grids(capsys):
    """Sections 4.2 and 4.4 widen the contour grid: every point of every drawn path lies inside it."""
    for steppers, (x1lim, x2lim) in [
            ([d2l.adagrad_2d(0.4), d2l.rmsprop_2d(0.4, 0.9)], ((-5.5, 1.0), (-3.0, 2.0))),
            ([d2l.gd_2d(0.4), d2l.momentum_2d(0.4, 0.5), d2l.momentum_2d(0.4, 0.9)], ((-5.5, 3.5), (-3.0, 3.0)))]:
        for stepper in steppers:
            for x1, x2 in d2l.train_2d(stepper, verbose=False):
                assert x1lim[0] < x1 < x1lim[1] - 0.1 and x2lim[0] < x2 < x2lim[1] - 0.1, (x1, x2)


# ---------------------------------------------------------------- claims of the chapter's written answers
def test_answer_rmsprop_gamma_one_is_sgd_at_rate_10_and_diverges(monkeypatch):
    monkeypatch.setattr(d2l.train_ch7.__globals__["plt"], "plot", lambda *a, **k: None)
    features, labels = d2l.get_data_ch7()
    X1 = d2l.with_ones(features)
    L = torch.linalg.eigvalsh(X1.T @ X1 / len(X1)).max().item()
    assert round(L, 2) == 2.10 and 2 / L < 0.01 / math.sqrt(1e-6)   # rate 10, far above the stable limit
    with pytest.raises(d2l.NonFiniteLossError):
        d2l.set_seed(0)
        d2l.train_ch7(d2l.rmsprop, d2l.init_rmsprop_states(features), {"lr": 0.01, "gamma": 1.0}, features, labels)


# ---------------------------------------------------------------- the notebook's helpers == d2l_utils
@pytest.mark.parametrize("seed", [0, 1])
def test_notebook_optimizers_equal_d2l_utils(nb_defs, float64_default, seed):
    ns = nb_defs(STEM, "init_rmsprop_states", "rmsprop", "init_adadelta_states", "adadelta")
    X, y = regression(seed)
    cases = [("rmsprop", {"lr": 0.01, "gamma": 0.9}, d2l.rmsprop, d2l.init_rmsprop_states),
             ("adadelta", {"rho": 0.9}, d2l.adadelta, d2l.init_adadelta_states)]
    for name, hp, ours, ours_init in cases:
        theirs_states = ns["init_" + name + "_states"](X)
        assert all(t.dtype == torch.float64 for s in theirs_states for t in (s if isinstance(s, tuple) else (s,)))
        nb_params = train_linreg(ns[name], theirs_states, dict(hp), X, y)
        lib_params = train_linreg(ours, ours_init(X), dict(hp), X, y)
        assert_same(nb_params, lib_params, TIGHT)


def test_notebook_rmsprop_2d_equals_d2l_utils(nb_defs, capsys):
    ns = nb_defs(STEM, "rmsprop_2d")
    for eta, gamma in [(0.4, 0.9), (0.1, 0.99), (0.3, 0.5)]:
        assert d2l.train_2d(ns["rmsprop_2d"](eta, gamma), steps=30) == \
            d2l.train_2d(d2l.rmsprop_2d(eta, gamma), steps=30)
    d2l.train_2d(ns["rmsprop_2d"](0.4, 0.9))
    assert capsys.readouterr().out.splitlines()[-1] == "epoch 20, x1 -0.010599, x2 0.000000"


@pytest.mark.parametrize("lr, momentum", [(0.01, 0.5), (0.03, 0.9), (0.1, 0.0)])
def test_notebook_momentum_equals_torch_sgd(nb_defs, float64_default, lr, momentum):
    """Section 4.4's scratch momentum is torch.optim.SGD(momentum=...) (dampening 0) and d2l.sgd_momentum."""
    ns = nb_defs(STEM, "init_momentum_states", "sgd_momentum")
    X, y = regression(3)
    hp = {"lr": lr, "momentum": momentum}
    nb_params = train_linreg(ns["sgd_momentum"], ns["init_momentum_states"](X), dict(hp), X, y)
    params = train_linreg(lambda ps, states, h: states.setdefault("opt", torch.optim.SGD(ps, lr=lr,
                                                                                         momentum=momentum)).step(),
                          {}, hp, X, y)
    assert_same(nb_params, params, TIGHT)
    assert_same(nb_params, train_linreg(d2l.sgd_momentum, d2l.init_momentum_states(X), dict(hp), X, y), TIGHT)
    assert not torch.allclose(nb_params[0], torch.full_like(nb_params[0], 0.01))   # it moved


@pytest.mark.parametrize("seed", [0, 1])
def test_notebook_least_squares_helpers_equal_d2l_utils(nb_defs, seed):
    """Section 4.1's with_ones and half_mse are d2l.with_ones and d2l.half_mse (which chapter 5 imports)."""
    ns = nb_defs(STEM, "with_ones", "half_mse", preamble="device = torch.device('cpu')")   # the cell loads airfoil
    X, y = regression(seed, n=40, d=4)
    X32, y32 = X.float(), y.float()
    assert torch.equal(ns["with_ones"](X32), d2l.with_ones(X32))
    assert d2l.with_ones(X32).dtype == torch.float64 and torch.equal(d2l.with_ones(X32)[:, -1], torch.ones(40,
                                                                                                 dtype=torch.float64))
    w = torch.linalg.lstsq(d2l.with_ones(X32), y32.double().reshape(-1, 1)).solution
    assert ns["half_mse"](w, X32, y32) == d2l.half_mse(w, X32, y32)
    assert d2l.half_mse(w, X32, y32) == pytest.approx(d2l.least_squares_loss(X32, y32), rel=1e-12)
    assert d2l.half_mse(w + 0.1, X32, y32) > d2l.half_mse(w, X32, y32)   # the fit is the minimum
