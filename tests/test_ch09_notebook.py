"""Chapter 7: what the notebook teaches (trust ratios, LARS, LAMB, SGD-HD, schedules) equals its d2l_utils twin."""
import math

import pytest
import torch
from optim_problems import TIGHT, assert_same, make_problem, run_torch

import d2l_utils as d2l

STEM = "09_layerwise_and_learned_rates"


@pytest.fixture(scope="module")
def nb(request):
    from conftest import ROOT, notebook_defs
    return notebook_defs(ROOT / "notebooks" / f"{STEM}.ipynb", "warmup_cosine", "one_cycle", "lars_trust_ratio",
                         "lamb_trust_ratio", "LARS", "LAMB", "SGDHD")


def _groups(params):
    """Matrices adapted and decayed; vectors excluded, as d2l.exclude_bias_and_norm makes the groups."""
    return [{"params": [p for p in params if p.dim() > 1], "weight_decay": 0.01},
            {"params": [p for p in params if p.dim() <= 1], "weight_decay": 0.0, "layer_adaptation": False}]


@pytest.mark.parametrize("args", [(0, 100, 10, 0.1), (5, 100, 10, 0.1, 0.5), (10, 100, 10, 0.1), (57, 100, 10, 0.1),
                                  (100, 100, 10, 0.1, 0.1, 0.01), (3, 12, 0, 2.0), (7, 12, 11, 0.02, 1 / 11, 1e-4)])
def test_warmup_cosine_twin(nb, args):
    assert nb["warmup_cosine"](*args) == d2l.warmup_cosine(*args)


@pytest.mark.parametrize("total,max_lr,pct,div,final", [(300, 0.01, 0.3, 25.0, 1e4), (37, 2.0, 0.25, 10.0, 100.0)])
def test_one_cycle_twin(nb, total, max_lr, pct, div, final):
    for k in range(total):
        assert nb["one_cycle"](k, total, max_lr, pct, div, final) == d2l.one_cycle(k, total, max_lr, pct, div, final)


def test_trust_ratio_twins(nb):
    gen = torch.Generator().manual_seed(0)
    for _ in range(5):
        w, g = torch.randn(4, 3, generator=gen), torch.randn(4, 3, generator=gen)
        assert torch.equal(nb["lars_trust_ratio"](w, g, 0.01, 0.1), d2l.lars_trust_ratio(w, g, 0.01, 0.1))
        assert torch.equal(nb["lamb_trust_ratio"](w, g), d2l.lamb_trust_ratio(w, g))
    zero = torch.zeros(3)
    assert nb["lars_trust_ratio"](zero, torch.ones(3)).item() == d2l.lars_trust_ratio(zero, torch.ones(3)).item() == 1
    assert nb["lamb_trust_ratio"](torch.ones(3), zero).item() == d2l.lamb_trust_ratio(torch.ones(3), zero).item() == 1


@pytest.mark.parametrize("kwargs", [dict(lr=0.5), dict(lr=0.3, momentum=0.5, trust_coefficient=0.01)], ids=str)
def test_lars_twin(nb, kwargs):
    init, loss = make_problem(20)
    assert_same(run_torch(nb["LARS"], kwargs, init, loss, 40, _groups),
                run_torch(d2l.LARS, kwargs, init, loss, 40, _groups), TIGHT)


@pytest.mark.parametrize("kwargs", [dict(lr=0.01), dict(lr=0.003, betas=(0.8, 0.99), eps=1e-8)], ids=str)
def test_lamb_twin(nb, kwargs):
    init, loss = make_problem(21)
    assert_same(run_torch(nb["LAMB"], kwargs, init, loss, 40, _groups),
                run_torch(d2l.LAMB, kwargs, init, loss, 40, _groups), TIGHT)


def test_sgdhd_twin(nb):
    init, loss = make_problem(22)
    kwargs = dict(lr=0.001, hypergrad_lr=1e-4)
    ours = run_torch(nb["SGDHD"], kwargs, init, loss, 40)
    theirs = run_torch(d2l.SGDHD, kwargs, init, loss, 40)
    assert all(torch.equal(p, q) for p, q in zip(ours, theirs))
    a, b = nb["SGDHD"](ours, **kwargs), d2l.SGDHD(theirs, **kwargs)   # and the learning rates they end with
    for opt in (a, b):
        for t in range(3):
            opt.zero_grad()
            loss(opt.param_groups[0]["params"], t).backward()
            opt.step()
    assert math.isclose(a.param_groups[0]["lr"], b.param_groups[0]["lr"], rel_tol=1e-12)
    assert a.param_groups[0]["lr"] != kwargs["lr"]
