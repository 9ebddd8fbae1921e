"""Chapter 3: the AdaGrad class (taught in the notebook, shipped as d2l.AdaGrad) against torch.optim.Adagrad.

Every comparison runs in float64 on random problems and must agree to rtol = 1e-10, atol = 1e-12, except one
float32 run (rtol = 1e-5, atol = 1e-6) and the sparse runs (float32 embeddings).
"""
import io
import math
import re

import pytest
import torch
from matplotlib import pyplot as plt
from optim_problems import LOOSE, TIGHT, assert_same, clones, make_problem, run_torch
from torch import nn

import d2l_utils as d2l

STEM = "03_adagrad_concise"
SHAPES = [(), (5,), (3, 4), (2, 3, 2, 2)]  # a scalar, a bias, a matrix, a conv kernel
OPTIONS = [dict(lr=0.1), dict(lr=0.05, lr_decay=0.01), dict(lr=0.1, weight_decay=0.1),
           dict(lr=0.1, initial_accumulator_value=0.5), dict(lr=0.02, eps=1e-3),
           dict(lr=0.05, lr_decay=0.02, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-6)]


@pytest.fixture
def nb_class(nb_defs):
    """The AdaGrad class as the notebook writes it (constructor and `step`, added by d2l.add_to_class)."""
    return nb_defs(STEM, "AdaGrad", "step")["AdaGrad"]


# ---------------------------------------------------------------- equality
@pytest.mark.parametrize("kwargs", OPTIONS, ids=str)
def test_d2l_adagrad_equals_torch(kwargs):
    init, loss = make_problem(0, shapes=SHAPES)
    assert_same(run_torch(d2l.AdaGrad, kwargs, init, loss), run_torch(torch.optim.Adagrad, kwargs, init, loss), TIGHT)


@pytest.mark.parametrize("kwargs", OPTIONS, ids=str)
def test_notebook_class_equals_d2l_and_torch(nb_class, kwargs):
    init, loss = make_problem(1, shapes=SHAPES)
    ours = run_torch(nb_class, kwargs, init, loss)
    assert_same(ours, run_torch(d2l.AdaGrad, kwargs, init, loss), TIGHT)
    assert_same(ours, run_torch(torch.optim.Adagrad, kwargs, init, loss), TIGHT)


@pytest.mark.parametrize("which", ["notebook", "d2l"])
def test_float32_and_param_groups(nb_class, which):
    cls = nb_class if which == "notebook" else d2l.AdaGrad
    init, loss = make_problem(2, dtype=torch.float32, shapes=SHAPES)
    groups = lambda ps: [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.01, "lr_decay": 0.1}]  # noqa: E731
    kwargs = dict(lr=0.1, weight_decay=0.01)
    assert_same(run_torch(cls, kwargs, init, loss, 50, groups),
                run_torch(torch.optim.Adagrad, kwargs, init, loss, 50, groups), LOOSE)


def test_first_step_is_lr_times_sign():
    """With s0 = 0 the first step is lr * g / |g| = lr * sign(g), however small the gradient."""
    p = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    opt = d2l.AdaGrad([p], lr=0.25)
    p.grad = torch.tensor([1e-4, -5.0, 0.0], dtype=torch.float64)
    opt.step()
    torch.testing.assert_close(p.detach(), torch.tensor([0.75, -1.75, 3.0], dtype=torch.float64),
                               rtol=0, atol=1e-6)  # eps = 1e-10 shortens the 1e-4 gradient's step by 1e-6 x


def test_closure_skip_and_complex():
    a, b = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    opt = d2l.AdaGrad([a, b], lr=0.1)

    def closure():
        opt.zero_grad()
        value = (a ** 2).sum()
        value.backward()
        return value
    assert opt.step(closure).item() == 2.0
    assert torch.equal(b.detach(), torch.ones(2)) and not torch.equal(a.detach(), torch.ones(2))
    c = torch.ones(2, dtype=torch.complex64, requires_grad=True)
    opt = d2l.AdaGrad([c], lr=0.1)
    c.grad = torch.ones_like(c)
    with pytest.raises(RuntimeError, match="complex"):
        opt.step()


# ---------------------------------------------------------------- checkpoints
def test_state_dict_round_trip_through_bytes():
    """Save mid-run to bytes, load with weights_only=True into fresh objects: identical to an uninterrupted run."""
    init, loss = make_problem(3, shapes=SHAPES)
    kwargs = dict(lr=0.1, lr_decay=0.05)
    straight = run_torch(d2l.AdaGrad, kwargs, init, loss, 40)
    params = clones(init)
    opt = d2l.AdaGrad(params, **kwargs)
    for t in range(40):
        if t == 20:
            buf = io.BytesIO()
            torch.save({"params": [p.detach() for p in params], "opt": opt.state_dict()}, buf)
            buf.seek(0)
            ckpt = torch.load(buf, weights_only=True)
            params = [p.clone().requires_grad_() for p in ckpt["params"]]
            opt = d2l.AdaGrad(params, **kwargs)
            opt.load_state_dict(ckpt["opt"])
        opt.zero_grad()
        loss(params, t).backward()
        opt.step()
    assert_same(params, straight, TIGHT)


def test_torch_checkpoint_loads_into_d2l_adagrad():
    """torch.optim.Adagrad's state (step stored as a tensor) resumes in d2l.AdaGrad, lr_decay included."""
    init, loss = make_problem(4, shapes=SHAPES)
    kwargs = dict(lr=0.1, lr_decay=0.05)
    straight = run_torch(torch.optim.Adagrad, kwargs, init, loss, 30)
    params = clones(init)
    opt = torch.optim.Adagrad(params, **kwargs)
    for t in range(30):
        if t == 15:
            state = opt.state_dict()
            opt = d2l.AdaGrad(params, **kwargs)
            opt.load_state_dict(state)
        opt.zero_grad()
        loss(params, t).backward()
        opt.step()
    assert_same(params, straight, TIGHT)


# ---------------------------------------------------------------- sparse gradients
def test_sparse_embedding_equals_torch_and_dense():
    torch.sparse.check_sparse_tensor_invariants.disable()
    gen = torch.Generator().manual_seed(0)
    batches = torch.randint(50, (20, 6, 3), generator=gen)
    targets = torch.randn(20, 6, generator=gen)

    def train(cls, sparse):
        torch.manual_seed(0)
        emb = nn.EmbeddingBag(60, 4, mode="mean", sparse=sparse)   # ids 50..59 never occur in the batches
        opt = cls(emb.parameters(), lr=0.1, lr_decay=0.01)
        for ids, y in zip(batches, targets):
            opt.zero_grad()
            ((emb(ids).sum(1) - y) ** 2).mean().backward()
            opt.step()
        return emb.weight.detach(), opt
    (ours, opt), (dense, _) = train(d2l.AdaGrad, True), train(d2l.AdaGrad, False)
    torch.testing.assert_close(ours, train(torch.optim.Adagrad, True)[0], **LOOSE)
    torch.testing.assert_close(ours, dense, **LOOSE)
    untouched = torch.ones(60, dtype=torch.bool)
    untouched[batches.unique()] = False
    assert untouched.sum() >= 10   # rows never seen: they keep their initial values and a zero accumulator
    torch.manual_seed(0)
    init = nn.EmbeddingBag(60, 4, mode="mean").weight.detach()
    assert torch.equal(ours[untouched], init[untouched]) and torch.equal(dense[untouched], init[untouched])
    assert not torch.equal(ours[~untouched], init[~untouched])
    state = opt.state[opt.param_groups[0]["params"][0]]["sum"]
    assert torch.all(state[untouched] == 0) and torch.all(state[~untouched] > 0)


def test_sparse_with_weight_decay_is_an_error():
    emb = nn.Embedding(5, 2, sparse=True)
    opt = d2l.AdaGrad(emb.parameters(), lr=0.1, weight_decay=0.1)
    emb(torch.tensor([1, 2])).sum().backward()
    with pytest.raises(RuntimeError, match="weight_decay"):
        opt.step()


# ---------------------------------------------------------------- validation
BAD = [("lr", -0.1, "learning rate"), ("lr", math.nan, "learning rate"), ("lr_decay", -0.5, "lr_decay"),
       ("weight_decay", -1.0, "weight_decay"), ("initial_accumulator_value", -0.1, "initial_accumulator_value"),
       ("eps", -1e-10, "eps"), ("lr_decay", math.nan, "lr_decay")]


@pytest.mark.parametrize("which", ["notebook", "d2l"])
@pytest.mark.parametrize("key, value, name", BAD, ids=lambda v: str(v))
def test_validation_names_parameter_and_value(nb_class, which, key, value, name):
    cls = nb_class if which == "notebook" else d2l.AdaGrad
    with pytest.raises(ValueError, match=rf"Invalid {name}: {re.escape(repr(value))}"):
        cls([torch.zeros(2, requires_grad=True)], **{key: value})
    with pytest.raises(ValueError):   # torch.optim agrees that it is invalid
        torch.optim.Adagrad([torch.zeros(2, requires_grad=True)], **{key: value})


def test_valid_edge_values_are_accepted(nb_class):
    for cls in (nb_class, d2l.AdaGrad, torch.optim.Adagrad):
        cls([torch.zeros(2, requires_grad=True)], lr=0.0, eps=0.0, lr_decay=0.0, weight_decay=0.0)



# ---------------------------------------------------------------- section 3.1: the reference comparison
def _curve(trainer, *args):
    features, labels = d2l.get_data_ch7()
    d2l.set_seed(1)
    losses = trainer(*args, features, labels)
    plt.close("all")
    return losses


def _no_sqrt(params, states, hyperparams):
    """AdaGrad without its square root (it diverges here at lr = 0.1)."""
    with torch.no_grad():
        for p, s in zip(params, states):
            s.addcmul_(p.grad, p.grad)
            p.sub_(hyperparams["lr"] * p.grad / (s + 1e-10))


def _no_sum(params, states, hyperparams):
    """AdaGrad that forgets to accumulate: s = g*g each step, a sign-like step of size lr."""
    with torch.no_grad():
        for p, s in zip(params, states):
            s.copy_(p.grad * p.grad)
            p.sub_(hyperparams["lr"] * p.grad / (s.sqrt() + 1e-10))


def test_reference_curve_identifies_adagrad_and_rejects_look_alikes():
    """Section 3.1 asserts that torch's loss curve equals chapter 2's adagrad's to 1e-5 (and ends near the optimum).
    Wrong optimizers must fail that comparison by far, also those that end at about the same loss and would pass a
    range check such as 0.2417 <= loss < 0.25."""
    ours = _curve(d2l.train_pytorch_ch7, torch.optim.Adagrad, {"lr": 0.1})
    states = lambda: d2l.init_adagrad_states(d2l.get_data_ch7()[0])  # noqa: E731
    gap = lambda other: max(abs(a - b) for a, b in zip(ours, other, strict=True))  # noqa: E731
    assert gap(_curve(d2l.train_ch7, d2l.adagrad, states(), {"lr": 0.1, "eps": 1e-10, "eps_inside": False})) < 1e-5
    look_alikes = [_curve(d2l.train_ch7, _no_sum, states(), {"lr": 0.01}),
                   _curve(d2l.train_ch7, d2l.sgd, None, {"lr": 0.02}),
                   _curve(d2l.train_ch7, d2l.adagrad, states(), {"lr": 0.05, "eps": 1e-10, "eps_inside": False})]
    for wrong in look_alikes:
        assert 0.2417 <= wrong[-1] < 0.25            # a loss range alone would accept it
    for wrong in look_alikes + [_curve(d2l.train_ch7, _no_sqrt, states(), {"lr": 0.1})]:
        assert gap(wrong) > 100 * 1e-5               # the reference curve does not


# ---------------------------------------------------------------- section 3.7: fused kernels and helpers
def test_supports_fused_detects_the_kernel():
    major, minor = (int(v) for v in torch.__version__.split(".")[:2])
    assert d2l.supports_fused(torch.optim.Adagrad, "cpu") == ((major, minor) >= (2, 4))

    class NoFused(torch.optim.SGD):
        def __init__(self, params, **kwargs):
            if kwargs.pop("fused", False):
                raise RuntimeError("fused=True is not supported on this device")
            super().__init__(params, lr=0.1, **kwargs)
    assert not d2l.supports_fused(NoFused, "cpu")
    assert not d2l.supports_fused(d2l.AdaGrad, "cpu")   # no fused keyword at all: TypeError


def test_add_to_class_adds_a_method():
    class A:
        pass

    @d2l.add_to_class(A)
    def twice(self, x):
        return 2 * x
    assert A().twice(3) == 6


def test_step_variants_of_section_3_7_agree(nb_defs):
    ns = nb_defs(STEM, "naive", "in_place", "foreach")
    gen = torch.Generator().manual_seed(0)
    P0 = [torch.randn(7, generator=gen, dtype=torch.float64) for _ in range(3)]
    G = [torch.randn(7, generator=gen, dtype=torch.float64) for _ in range(3)]
    ref = [p.clone().requires_grad_() for p in P0]
    opt = torch.optim.Adagrad(ref, lr=0.1, eps=1e-10)
    for p, g in zip(ref, G):
        p.grad = g
    for _ in range(3):
        opt.step()
    for name in ("naive", "in_place", "foreach"):
        P, S = [p.clone() for p in P0], [torch.zeros_like(p) for p in P0]
        for _ in range(3):
            ns[name](P, G, S, 0.1, 1e-10)
        assert_same(P, ref, TIGHT)


def test_least_squares_loss_is_the_minimum():
    """Section 3.1's optimum: no small change of the least-squares weights and bias lowers the loss."""
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(50, 3, generator=gen, dtype=torch.float64)
    y = X @ torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64) + 0.3 + 0.1 * torch.randn(50, generator=gen,
                                                                                          dtype=torch.float64)
    best = d2l.least_squares_loss(X, y)
    Xb = torch.cat([X, torch.ones(50, 1, dtype=torch.float64)], dim=1)
    w = torch.linalg.lstsq(Xb, y.unsqueeze(1)).solution
    assert math.isclose(best, (((Xb @ w - y.unsqueeze(1)) ** 2) / 2).mean().item(), rel_tol=1e-6)
    for k in range(4):
        for delta in (1e-3, -1e-3):
            moved = w.clone()
            moved[k] += delta
            assert (((Xb @ moved - y.unsqueeze(1)) ** 2) / 2).mean().item() > best
