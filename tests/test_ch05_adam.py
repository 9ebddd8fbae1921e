"""Chapter 5: Adam from d2l_utils against torch.optim (functional form, class, 2-D stepper), validation, the race's
plumbing (split_data, fit_linreg, param_gap), the claims of the written answers, and the notebook's Adam against
its d2l_utils twin.

Tolerances: every comparison with torch.optim runs in float64 on random problems and must agree to
rtol = 1e-10, atol = 1e-12 (the two sides round differently only in the last bits); one float32 run per case
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

STEM = "05_adam"


@pytest.fixture
def float64_default():
    """Make torch.zeros & co. float64 (the notebook's state initializers use the default dtype)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


# ---------------------------------------------------------------- the functional form == torch.optim
ADAM_CASES = [
    (d2l.adam, d2l.init_adam_states, {"lr": lr, "beta1": b1, "beta2": b2, "eps": eps, "t": 1},
     torch.optim.Adam, {"lr": lr, "betas": (b1, b2), "eps": eps})
    for lr, b1, b2, eps in [(0.01, 0.9, 0.999, 1e-8), (0.001, 0.8, 0.99, 1e-6), (0.05, 0.0, 0.9, 1e-3)]]


@pytest.mark.parametrize("seed", [0, 1])
def test_functional_adam_equals_torch_float64(seed):
    for fn, init_states, hp, opt_cls, kwargs in ADAM_CASES:
        init, loss = make_problem(seed)
        ours = run_functional(fn, init_states, dict(hp), init, loss, steps=60)
        theirs = run_torch(opt_cls, kwargs, init, loss, steps=60)
        assert_same(ours, theirs, TIGHT)
        assert not all(torch.equal(p.detach(), q) for p, q in zip(ours, init))  # it did move


def test_functional_adam_equals_torch_float32():
    fn, init_states, hp, opt_cls, kwargs = ADAM_CASES[0]
    init, loss = make_problem(7, dtype=torch.float32)
    assert_same(run_functional(fn, init_states, dict(hp), init, loss, steps=50),
                run_torch(opt_cls, kwargs, init, loss, steps=50), LOOSE)


def test_adam_without_bias_correction_would_differ():
    """The correction matters: the same run with t frozen at a huge value (no correction) ends elsewhere."""
    init, loss = make_problem(4)
    hp = {"lr": 0.01, "eps": 1e-8, "t": 1}
    corrected = run_functional(d2l.adam, d2l.init_adam_states, dict(hp), init, loss, steps=20)
    theirs = run_torch(torch.optim.Adam, {"lr": 0.01, "eps": 1e-8}, init, loss, steps=20)
    assert_same(corrected, theirs, TIGHT)
    uncorrected = run_functional(lambda ps, st, h: d2l.adam(ps, st, dict(h, t=10 ** 6)), d2l.init_adam_states,
                                 dict(hp), init, loss, steps=20)
    assert max((p - q).abs().max().item() for p, q in zip(uncorrected, theirs)) > 1e-3


def test_adam_step_counter():
    """`t` starts at 1 when missing and is advanced by every call; the first step is lr * sign(g) (up to eps)."""
    p = torch.tensor([0.0, 0.0], dtype=torch.float64, requires_grad=True)
    p.grad = torch.tensor([4.0, -0.25], dtype=torch.float64)
    hp = {"lr": 0.1, "eps": 1e-12}
    d2l.adam([p], d2l.init_adam_states([p]), hp)
    assert hp["t"] == 2
    assert p.tolist() == pytest.approx([-0.1, 0.1], rel=1e-9)


def test_init_adam_states_accept_generators_and_shapes():
    states = d2l.init_adam_states(torch.nn.Linear(3, 2).parameters())  # a generator: consumed once
    assert len(states) == 2
    flat = [t for pair in states for t in pair]
    assert all(t.abs().sum() == 0 for t in flat)
    assert len({id(t) for t in flat}) == len(flat)  # no two states share storage
    pairs = d2l.init_adam_states(torch.zeros(10, 4))  # the feature matrix: w (4, 1) and b (1,)
    assert [tuple(v.shape) for v, _ in pairs] == [(4, 1), (1,)]


def test_adam_state_count_must_match():
    params = [torch.zeros(2, requires_grad=True), torch.zeros(1, requires_grad=True)]
    for p in params:
        p.grad = torch.ones_like(p)
    with pytest.raises(ValueError):
        d2l.adam(params, d2l.init_adam_states(params[:1]), {"lr": 0.1, "t": 1})  # too short: an error, not a no-op


# ---------------------------------------------------------------- the Adam class == torch.optim
ADAM_OPTIONS = [dict(lr=lr, betas=b, eps=eps, amsgrad=ams, weight_decay=wd)
                for lr, b, eps in [(0.01, (0.9, 0.999), 1e-8), (0.003, (0.5, 0.9), 1e-4)]
                for ams in (False, True) for wd in (0.0, 0.1)]


@pytest.mark.parametrize("kwargs", ADAM_OPTIONS, ids=str)
def test_adam_class_equals_torch(kwargs):
    init, loss = make_problem(12)
    assert_same(run_torch(d2l.Adam, kwargs, init, loss, 50), run_torch(torch.optim.Adam, kwargs, init, loss, 50),
                TIGHT)


def test_adam_class_float32_and_param_groups():
    init, loss = make_problem(13, dtype=torch.float32)
    groups = lambda ps: [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.001}]  # noqa: E731
    assert_same(run_torch(d2l.Adam, dict(lr=0.01, amsgrad=True), init, loss, 50, groups),
                run_torch(torch.optim.Adam, dict(lr=0.01, amsgrad=True), init, loss, 50, groups), LOOSE)


def test_adam_class_state_dict_round_trip_and_closure():
    assert_resumes_exactly(d2l.Adam, dict(lr=0.01, amsgrad=True))


def test_adam_class_skips_params_without_grad_and_rejects_sparse():
    assert_skips_params_without_grad_and_rejects_sparse(d2l.Adam)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize("hp, name", [
    ({"lr": 0.1, "beta1": 1.0, "t": 1}, "beta1"),
    ({"lr": 0.1, "beta2": -0.1, "t": 1}, "beta2"),
    ({"lr": 0.1, "eps": 0, "t": 1}, "eps"),
    ({"lr": 0.1, "t": 0}, "t"),
    ({"lr": "0.1", "t": 1}, "lr"),
])
def test_functional_adam_validation(hp, name):
    p = torch.ones(3, requires_grad=True)
    p.grad = torch.ones(3)
    states = d2l.init_adam_states([p])
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        d2l.adam([p], states, hp)
    assert torch.equal(p.detach(), torch.ones(3))  # nothing was updated
    bad = hp.get(name, None)
    if bad is not None and name != "t":
        with pytest.raises(ValueError, match=repr(bad).replace("(", r"\(").replace(".", r"\.")):
            d2l.adam([p], states, hp)


@pytest.mark.parametrize("make, name, value", [
    (lambda: d2l.adam_2d(0.1, beta1=1.0), "beta1", 1.0),
    (lambda: d2l.adam_2d(0.1, beta2=1.5), "beta2", 1.5),
    (lambda: d2l.adam_2d(0.1, eps=-1.0), "eps", -1.0),
])
def test_adam_2d_validation(make, name, value):
    with pytest.raises(ValueError, match=rf"Invalid {name}: {value!r}"):
        make()


@pytest.mark.parametrize("make, text", [
    (lambda p: d2l.Adam(p, lr=math.nan), "learning rate: nan"),
    (lambda p: d2l.Adam(p, betas=(1.0, 0.999)), "beta parameter at index 0: 1.0"),
    (lambda p: d2l.Adam(p, betas=(0.9, -0.1)), "beta parameter at index 1: -0.1"),
    (lambda p: d2l.Adam(p, betas=(0.9,)), "betas"),
    (lambda p: d2l.Adam(p, eps=-1.0), "eps: -1.0"),
    (lambda p: d2l.Adam(p, weight_decay=-0.1), "weight_decay: -0.1"),
])
def test_adam_class_validation(make, text):
    with pytest.raises(ValueError, match="Invalid " + text.replace("(", r"\(").replace(".", r"\.")):
        make([torch.zeros(2, requires_grad=True)])


# ---------------------------------------------------------------- the 2-D stepper
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


def test_adam_2d_trace_line(capsys):
    d2l.train_2d(d2l.adam_2d(0.4))
    assert capsys.readouterr().out.splitlines() == ["epoch 20, x1 0.996029, x2 -0.212750"]


@pytest.mark.parametrize("stepper, kwargs", [
    (d2l.adam_2d(0.4, 0.9, 0.999, eps=1e-6), dict(lr=0.4, betas=(0.9, 0.999), eps=1e-6)),
    (d2l.adam_2d(0.1, 0.5, 0.9, eps=1e-3), dict(lr=0.1, betas=(0.5, 0.9), eps=1e-3)),
])
def test_adam_2d_equals_torch(stepper, kwargs, capsys):
    ours = d2l.train_2d(stepper)
    theirs = _torch_2d(torch.optim.Adam, kwargs)
    for a, b in zip(ours, theirs, strict=True):
        assert a == pytest.approx(b, rel=1e-10, abs=1e-12)


# ---------------------------------------------------------------- the race's plumbing: split_data, fit_linreg
def _splits(seed=0, n=200):
    X, y = regression(seed, n=n)
    return d2l.split_data(X.float(), y.float(), sizes=(120, 40, 40), seed=seed)


def test_split_data_is_a_seeded_partition():
    X = torch.arange(50.0).reshape(25, 2)
    y = torch.arange(25.0)
    parts = d2l.split_data(X, y, sizes=(15, 5, 5), seed=3)
    rows = torch.cat([parts[k][1] for k in ("train", "val", "test")])
    assert sorted(rows.tolist()) == list(range(25)) and [len(parts[k][0]) for k in parts] == [15, 5, 5]
    assert all(torch.equal(parts[k][0][:, 1], 2 * parts[k][1] + 1) for k in parts)    # rows stay together
    again, other = d2l.split_data(X, y, sizes=(15, 5, 5), seed=3), d2l.split_data(X, y, sizes=(15, 5, 5), seed=4)
    assert torch.equal(again["test"][1], parts["test"][1]) and not torch.equal(other["test"][1], parts["test"][1])
    with pytest.raises(ValueError, match="sizes"):
        d2l.split_data(X, y, sizes=(20, 5, 5))
    with pytest.raises(ValueError, match="length"):
        d2l.split_data(X, y[:-1])


def test_fit_linreg_seeds_curves_and_fresh_state():
    splits = _splits()
    hp = {"lr": 0.01, "t": 1}
    a = d2l.fit_linreg(d2l.adam, d2l.init_adam_states, hp, splits, num_epochs=8, seed=0)
    b = d2l.fit_linreg(d2l.adam, d2l.init_adam_states, hp, splits, num_epochs=8, seed=0)
    c = d2l.fit_linreg(d2l.adam, d2l.init_adam_states, hp, splits, num_epochs=8, seed=1)
    assert hp == {"lr": 0.01, "t": 1}                  # the caller's dict is not advanced
    assert a == b and a["test"] != c["test"]          # the seed fixes init and minibatch order, and matters
    assert len(a["val_curve"]) == len(a["test_curve"]) == 9 and a["test"] == a["test_curve"][-1]
    assert a["val"] == pytest.approx(sum(a["val_curve"][-5:]) / 5)
    assert a["val_curve"][-1] < a["val_curve"][0] / 2
    with pytest.raises(ValueError, match="average_last"):
        d2l.fit_linreg(d2l.sgd, None, {"lr": 0.01}, splits, num_epochs=3)


def test_fit_linreg_reaches_least_squares_and_stops_on_overflow():
    splits = _splits(1)
    X, y = splits["train"]
    X1 = torch.cat([X.double(), torch.ones(len(X), 1, dtype=torch.float64)], 1)
    w = torch.linalg.lstsq(X1, y.double().reshape(-1, 1)).solution
    Xt, yt = splits["test"]
    best = ((torch.cat([Xt.double(), torch.ones(len(Xt), 1, dtype=torch.float64)], 1) @ w
             - yt.double().reshape(-1, 1)) ** 2 / 2).mean().item()
    r = d2l.fit_linreg(d2l.sgd, None, {"lr": 0.5}, splits, num_epochs=200, batch_size=120)   # full-batch GD
    assert r["test"] == pytest.approx(best, rel=1e-3)
    bad = d2l.fit_linreg(d2l.sgd, None, {"lr": 50.0}, splits, num_epochs=40)
    assert math.isnan(bad["val"]) and math.isnan(bad["test"]) and len(bad["val_curve"]) < 41
    race = d2l.race(lambda name, lr, seed: d2l.fit_linreg(d2l.sgd, None, {"lr": lr}, splits, num_epochs=10,
                                                          seed=seed), {"SGD": [0.01, 0.1, 50.0]}, seeds=(0, 1))
    assert race.chosen["SGD"] != 50.0


def test_param_gap_and_functional_step():
    X, y = regression(2)
    X, y = X.float(), y.float()
    same = d2l.param_gap(d2l.functional_step(d2l.adam, d2l.init_adam_states, {"lr": 0.01, "t": 1, "eps": 1e-8}),
                         lambda ps: torch.optim.Adam(ps, lr=0.01, eps=1e-8).step, X, y, steps=50)
    differ = d2l.param_gap(d2l.functional_step(d2l.sgd, None, {"lr": 0.01}),
                           lambda ps: torch.optim.SGD(ps, lr=0.02).step, X, y, steps=50)
    assert same < 1e-6 < 1e-3 < differ


# ---------------------------------------------------------------- claims of the chapter's written answers
def test_answer_loss_times_100_stability_claims(monkeypatch):
    monkeypatch.setattr(d2l.train_ch7.__globals__["plt"], "plot", lambda *a, **k: None)
    features, labels = d2l.get_data_ch7()
    X1 = d2l.with_ones(features)
    L = torch.linalg.eigvalsh(X1.T @ X1 / len(X1)).max().item()
    assert round(L, 2) == 2.10 and 2 / L < 1 < 2 * 1.5 / L            # SGD outside its bound, momentum inside
    w, v = torch.zeros(6, 1, dtype=torch.float64), torch.zeros(6, 1, dtype=torch.float64)
    y = labels.double().reshape(-1, 1)
    for _ in range(300):                                                # full-batch heavy ball, eta = 1, beta = 0.5
        v = 0.5 * v + X1.T @ (X1 @ w - y) / len(X1)
        w = w - v
    w_star = torch.linalg.lstsq(X1, y).solution
    assert (w - w_star).abs().max() < 1e-6
    batches = torch.randperm(len(X1), generator=torch.Generator().manual_seed(0)).reshape(-1, 10)
    curv = torch.stack([torch.linalg.eigvalsh(X1[i].T @ X1[i] / 10).max() for i in batches])
    assert 0.25 < (curv > 2 * 1.5 / 1.0).double().mean() < 0.45 and curv.max() > 6   # often above momentum's limit
    for fn, init, hp in [(d2l.sgd, None, {"lr": 1.0}),
                         (d2l.sgd_momentum, d2l.init_momentum_states, {"lr": 1.0, "momentum": 0.5})]:
        for seed in range(3):                                           # minibatches of 10: both blow up
            d2l.set_seed(seed)
            ls = d2l.train_ch7(fn, init(features) if init else None, dict(hp), features, labels, num_epochs=2)
            assert 1e2 < ls[-1] < 1e22                                  # both blow up, as the answer says


# ---------------------------------------------------------------- the notebook's Adam == d2l_utils
@pytest.mark.parametrize("seed", [0, 1])
def test_notebook_adam_equals_d2l_utils(nb_defs, float64_default, seed):
    ns = nb_defs(STEM, "init_adam_states", "adam")
    X, y = regression(seed)
    states = ns["init_adam_states"](X)
    assert all(t.dtype == torch.float64 for pair in states for t in pair)
    nb_params = train_linreg(ns["adam"], states, {"lr": 0.01, "t": 1}, X, y)
    lib_params = train_linreg(d2l.adam, d2l.init_adam_states(X), {"lr": 0.01, "t": 1}, X, y)
    assert_same(nb_params, lib_params, TIGHT)
    assert not torch.allclose(nb_params[0], torch.full_like(nb_params[0], 0.01))   # it moved
