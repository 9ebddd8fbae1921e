"""Chapter 3: the AdaGrad class (taught in the notebook, shipped as d2l.AdaGrad) against torch.optim.Adagrad.

Every comparison runs in float64 on random problems and must agree to rtol = 1e-10, atol = 1e-12, except one
float32 run (rtol = 1e-5, atol = 1e-6) and the sparse runs (float32 embeddings).
"""
import io
import math
import re

import pytest
import torch
from torch import nn

import d2l_utils as d2l
from optim_problems import LOOSE, TIGHT, assert_same, clones, make_problem, run_torch

STEM = "03_adagrad_concise"
SHAPES = [(), (5,), (3, 4), (2, 3, 2, 2)]  # a scalar, a bias, a matrix, a conv kernel
OPTIONS = [dict(lr=0.1), dict(lr=0.05, lr_decay=0.01), dict(lr=0.1, weight_decay=0.1),
           dict(lr=0.1, initial_accumulator_value=0.5), dict(lr=0.02, eps=1e-3),
           dict(lr=0.05, lr_decay=0.02, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-6)]


@pytest.fixture
def nb_class(nb_defs):
    """The AdaGrad class as the notebook writes it."""
    return nb_defs(STEM, "AdaGrad")["AdaGrad"]


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
        emb = nn.EmbeddingBag(50, 4, mode="mean", sparse=sparse)
        opt = cls(emb.parameters(), lr=0.1, lr_decay=0.01)
        for ids, y in zip(batches, targets):
            opt.zero_grad()
            ((emb(ids).sum(1) - y) ** 2).mean().backward()
            opt.step()
        return emb.weight.detach()
    ours = train(d2l.AdaGrad, True)
    torch.testing.assert_close(ours, train(torch.optim.Adagrad, True), **LOOSE)
    torch.testing.assert_close(ours, train(d2l.AdaGrad, False), **LOOSE)
    untouched = torch.ones(50, dtype=torch.bool)
    untouched[batches.unique()] = False
    if untouched.any():   # rows never seen keep their initial values
        torch.manual_seed(0)
        init = nn.EmbeddingBag(50, 4, mode="mean").weight.detach()
        assert torch.equal(ours[untouched], init[untouched])


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

