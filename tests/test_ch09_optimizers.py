"""Chapter 9: LARS, LAMB, AdamW, SGD-HD, Adam-HD and the schedules against torch.optim, autograd and each other.

Every comparison with torch.optim runs in float64 on random problems (tests/optim_problems.py) and must agree to
TIGHT (rtol 1e-10, atol 1e-12); "exactly" means torch.equal.
"""
import math

import pytest
import torch
from optim_problems import LOOSE, TIGHT, assert_same, clones, make_problem, run_torch
from torch import nn

import d2l_utils as d2l


def _mixed_groups(params):
    """Two groups (matrices, vectors) with their own options, as exclude_bias_and_norm makes them."""
    return [{"params": [p for p in params if p.dim() > 1]}, {"params": [p for p in params if p.dim() <= 1]}]


# ---------------------------------------------------------------- AdamW == torch.optim.AdamW
ADAMW_CASES = [dict(lr=0.01), dict(lr=0.003, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
               dict(lr=0.02, weight_decay=0.5, amsgrad=True), dict(lr=0.01, weight_decay=0.05, maximize=True),
               dict(lr=0.005, betas=(0.0, 0.9), eps=1e-3, weight_decay=0.0, amsgrad=True, maximize=True)]


@pytest.mark.parametrize("kwargs", ADAMW_CASES, ids=str)
@pytest.mark.parametrize("seed", [0, 1])
def test_adamw_equals_torch(kwargs, seed):
    init, loss = make_problem(seed)
    steps = 60 if not kwargs.get("maximize") else 8   # ascent blows the quartic up after a few steps
    ours = run_torch(d2l.AdamW, kwargs, init, loss, steps)
    assert_same(ours, run_torch(torch.optim.AdamW, kwargs, init, loss, steps), TIGHT)


def test_adamw_equals_torch_float32_and_groups():
    init, loss = make_problem(2, dtype=torch.float32)
    kwargs = dict(lr=0.01, weight_decay=0.2)
    groups = lambda ps: [{"params": ps[:1], "weight_decay": 0.0}, {"params": ps[1:], "lr": 0.03}]  # noqa: E731
    assert_same(run_torch(d2l.AdamW, kwargs, init, loss, 50, groups),
                run_torch(torch.optim.AdamW, kwargs, init, loss, 50, groups), LOOSE)


def test_adamw_differs_from_adam_with_l2():
    init, loss = make_problem(3)
    a = run_torch(d2l.AdamW, dict(lr=0.01, weight_decay=0.1), init, loss, 30)
    b = run_torch(torch.optim.Adam, dict(lr=0.01, weight_decay=0.1), init, loss, 30)
    assert max((p - q).abs().max().item() for p, q in zip(a, b)) > 1e-3


# ---------------------------------------------------------------- LAMB and LARS with trust ratio 1
class _LAMB1(d2l.LAMB):
    def trust_ratio(self, p, u, group):
        return torch.ones((), dtype=p.dtype)


class _LARS1(d2l.LARS):
    def trust_ratio(self, p, g, group):
        return torch.ones((), dtype=p.dtype)


@pytest.mark.parametrize("kwargs", [dict(lr=0.01), dict(lr=0.003, betas=(0.8, 0.99), eps=1e-8, weight_decay=0.1),
                                    dict(lr=0.02, betas=(0.5, 0.9), eps=1e-3, weight_decay=0.01)], ids=str)
def test_lamb_with_ratio_one_is_adamw(kwargs):
    init, loss = make_problem(4)
    kw_torch = dict(kwargs, eps=kwargs.get("eps", 1e-6), weight_decay=kwargs.get("weight_decay", 0.0))
    assert_same(run_torch(_LAMB1, kwargs, init, loss), run_torch(torch.optim.AdamW, kw_torch, init, loss), TIGHT)


@pytest.mark.parametrize("kwargs", [dict(lr=0.01), dict(lr=0.003, momentum=0.5, weight_decay=0.1),
                                    dict(lr=0.02, momentum=0.0, weight_decay=0.01)], ids=str)
def test_lars_with_ratio_one_is_sgd_momentum(kwargs):
    init, loss = make_problem(5)
    kw_torch = dict(lr=kwargs["lr"], momentum=kwargs.get("momentum", 0.9), weight_decay=kwargs.get("weight_decay", 0))
    assert_same(run_torch(_LARS1, kwargs, init, loss), run_torch(torch.optim.SGD, kw_torch, init, loss), TIGHT)


def _net_and_loss(seed=0):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(6, 5), nn.LayerNorm(5), nn.Tanh(), nn.Linear(5, 3)).double()
    X, Y = torch.randn(32, 6, dtype=torch.float64), torch.randn(32, 3, dtype=torch.float64)
    return net, lambda: ((net(X) - Y) ** 2).mean()


def _train(net, loss, *opts, steps=25):
    """`steps` steps of every optimizer in `opts` on the one loss; the final weights by name."""
    for _ in range(steps):
        for opt in opts:
            opt.zero_grad()
        loss().backward()
        for opt in opts:
            opt.step()
    return {n: p.detach().clone() for n, p in net.named_parameters()}


@pytest.mark.parametrize("which", ["LARS", "LAMB"])
def test_excluded_biases_and_norms_follow_the_base_method(which):
    wd = 0.05
    net, loss = _net_and_loss()
    init = {n: p.detach().clone() for n, p in net.named_parameters()}
    if which == "LARS":
        ours = d2l.LARS(d2l.exclude_bias_and_norm(net, wd), lr=0.1, momentum=0.9, trust_coefficient=0.02)
        base = lambda groups: torch.optim.SGD(groups, lr=0.1, momentum=0.9)  # noqa: E731
    else:
        ours = d2l.LAMB(d2l.exclude_bias_and_norm(net, wd), lr=0.01)
        base = lambda groups: torch.optim.AdamW(groups, lr=0.01, eps=1e-6)  # noqa: E731
    got = _train(net, loss, ours)
    # the excluded tensors (biases, LayerNorm) evolve as the base method would move them, given the same gradients:
    # replay LARS/LAMB's trajectory of the adapted weights while the base method updates the excluded ones
    net2, loss2 = _net_and_loss()
    adapted = [p for p in net2.parameters() if p.dim() > 1]
    excluded = [p for p in net2.parameters() if p.dim() <= 1]
    twin = type(ours)(adapted, **{k: v for k, v in ours.defaults.items() if k != "layer_adaptation"})
    twin.param_groups[0]["weight_decay"] = wd
    other = base([{"params": excluded, "weight_decay": 0.0}])
    _train(net2, loss2, twin, other)
    for n, p in net2.named_parameters():
        torch.testing.assert_close(got[n], p.detach(), **TIGHT)
        if p.dim() <= 1:
            assert not torch.equal(got[n], init[n]), f"{n} was not trained"
    ratios = [ours.state[p]["trust_ratio"].item() for p in net.parameters()]
    assert [r == 1.0 for r in ratios] == [p.dim() <= 1 for p in net.parameters()]


def test_global_lars_shares_one_ratio_and_treats_biases_as_lars():
    """GlobalLARS: one joint ratio for the adapted tensors, ratio 1 and SGD's step for the excluded ones."""
    wd = 0.05
    net, loss = _net_and_loss()
    opt = d2l.GlobalLARS(d2l.exclude_bias_and_norm(net, wd), lr=0.1, trust_coefficient=0.02)
    opt.zero_grad()
    loss().backward()
    adapted = [p for p in net.parameters() if p.dim() > 1]
    joint = d2l.lars_trust_ratio(torch.cat([p.detach().flatten() for p in adapted]),
                                 torch.cat([p.grad.flatten() for p in adapted]), 0.02, wd)
    per_tensor = [d2l.lars_trust_ratio(p.detach(), p.grad, 0.02, wd).item() for p in adapted]
    assert max(per_tensor) > 1.1 * min(per_tensor)              # so one shared ratio is a real change
    opt.step()
    for p in net.parameters():
        want = joint.item() if p.dim() > 1 else 1.0
        assert opt.state[p]["trust_ratio"].item() == pytest.approx(want, rel=1e-12)
    # the excluded tensors follow momentum SGD without decay, as in LARS (same replay as the test above)
    net, loss = _net_and_loss()
    got = _train(net, loss, d2l.GlobalLARS(d2l.exclude_bias_and_norm(net, wd), lr=0.1, trust_coefficient=0.02))
    net2, loss2 = _net_and_loss()
    twin = d2l.GlobalLARS([p for p in net2.parameters() if p.dim() > 1], lr=0.1, weight_decay=wd,
                          trust_coefficient=0.02)
    other = torch.optim.SGD([p for p in net2.parameters() if p.dim() <= 1], lr=0.1, momentum=0.9)
    _train(net2, loss2, twin, other)
    for n, p in net2.named_parameters():
        torch.testing.assert_close(got[n], p.detach(), **TIGHT)


def test_global_lars_with_one_adapted_tensor_is_lars():
    init, loss = make_problem(6)
    kwargs = dict(lr=0.3, momentum=0.9, weight_decay=0.01, trust_coefficient=0.01)
    one = lambda params: [{"params": [params[0]]},  # noqa: E731
                          {"params": params[1:], "layer_adaptation": False, "weight_decay": 0.0}]
    assert_same(run_torch(d2l.GlobalLARS, kwargs, init, loss, 40, one),
                run_torch(d2l.LARS, kwargs, init, loss, 40, one), TIGHT)


def test_trust_ratios():
    w, g = torch.tensor([3.0, 4.0], dtype=torch.float64), torch.tensor([0.0, 0.5], dtype=torch.float64)
    assert d2l.lars_trust_ratio(w, g, 0.01, 0.0, 0.0).item() == pytest.approx(0.01 * 5 / 0.5)
    assert d2l.lars_trust_ratio(w, g, 0.01, 0.1, 0.0).item() == pytest.approx(0.01 * 5 / (0.5 + 0.5))
    assert d2l.lars_trust_ratio(torch.zeros(2), g).item() == 1.0
    assert d2l.lars_trust_ratio(w, torch.zeros(2)).item() == 1.0
    assert d2l.lamb_trust_ratio(w, g).item() == pytest.approx(10.0)
    assert d2l.lamb_trust_ratio(torch.zeros(2), g).item() == 1.0 and d2l.lamb_trust_ratio(w, 0 * g).item() == 1.0


def test_lars_scales_each_tensor_by_its_ratio():
    """One LARS step moves each tensor by lr * trust_coefficient * ||w|| exactly (no momentum history, no decay)."""
    init, loss = make_problem(6)
    params = clones(init)
    opt = d2l.LARS(params, lr=0.5, trust_coefficient=0.01, eps=0.0)
    loss(params, 0).backward()
    opt.step()
    for p, p0 in zip(params, init):
        moved = torch.linalg.vector_norm(p.detach() - p0)
        torch.testing.assert_close(moved, 0.5 * 0.01 * torch.linalg.vector_norm(p0), **TIGHT)


def test_lamb_moves_each_tensor_by_lr_times_its_norm():
    init, loss = make_problem(7)
    params = clones(init)
    opt = d2l.LAMB(params, lr=0.01, weight_decay=0.1)
    for t in range(3):
        before = [p.detach().clone() for p in params]
        opt.zero_grad()
        loss(params, t).backward()
        opt.step()
        for p, b in zip(params, before):
            torch.testing.assert_close(torch.linalg.vector_norm(p.detach() - b), 0.01 * torch.linalg.vector_norm(b),
                                       **TIGHT)


def test_lamb_trust_ratio_is_not_clipped():
    """LAMB's ratio is ||w|| / ||u|| however large: a weight 100 times the size of its step is scaled by 100."""
    w = torch.full((4,), 100.0, dtype=torch.float64)
    assert d2l.lamb_trust_ratio(w, torch.full((4,), 0.01, dtype=torch.float64)).item() == pytest.approx(1e4)
    p = w.clone().requires_grad_()
    opt = d2l.LAMB([p], lr=0.01, eps=0.0)
    p.grad = torch.tensor([1.0, -2.0, 3.0, -4.0], dtype=torch.float64)
    opt.step()                                        # first Adam step: u = sign(g), ||u|| = 2, ||w|| = 200
    assert opt.state[p]["trust_ratio"].item() == pytest.approx(100.0, rel=1e-12)
    torch.testing.assert_close(p.detach(), w - 0.01 * 100.0 * torch.tensor([1.0, -1.0, 1.0, -1.0],
                                                                            dtype=torch.float64), **TIGHT)


# ---------------------------------------------------------------- hypergradient descent
@pytest.mark.parametrize("kwargs", [dict(lr=0.01), dict(lr=0.003, weight_decay=0.1)], ids=str)
def test_sgdhd_with_beta_zero_is_sgd_exactly(kwargs):
    init, loss = make_problem(8)
    ours = run_torch(d2l.SGDHD, dict(kwargs, hypergrad_lr=0.0), init, loss)
    theirs = run_torch(torch.optim.SGD, kwargs, init, loss)
    assert all(torch.equal(p, q) for p, q in zip(ours, theirs))


@pytest.mark.parametrize("kwargs", [dict(lr=0.01), dict(lr=0.003, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)],
                         ids=str)
def test_adamhd_with_beta_zero_is_adam_exactly(kwargs):
    init, loss = make_problem(9)
    ours = run_torch(d2l.AdamHD, dict(kwargs, hypergrad_lr=0.0), init, loss)
    theirs = run_torch(torch.optim.Adam, kwargs, init, loss)
    assert all(torch.equal(p, q) for p, q in zip(ours, theirs))


@pytest.mark.parametrize("cls", [d2l.SGDHD, d2l.AdamHD])
def test_hypergradient_step_is_the_autograd_derivative(cls):
    """After steps 1 and 2 the lr moved by -beta * d loss(w_1) / d lr, w_1 = w_0 - lr u_0 (autograd, float64)."""
    init, loss = make_problem(10)
    lr, beta = 0.01, 1e-3
    # autograd: the loss after one step, as a function of the learning rate
    lr_t = torch.tensor(lr, dtype=torch.float64, requires_grad=True)
    params = clones(init)
    probe = cls(params, lr=lr)
    loss(params, 0).backward()
    probe.step()   # u_0 is the step direction of the optimizer: w_1 = w_0 - lr u_0
    dirs = [probe.state[p]["direction"] for p in params]
    w1 = [p0 - lr_t * u for p0, u in zip(init, dirs)]
    for w, p in zip(w1, params):
        torch.testing.assert_close(w.detach(), p.detach(), **TIGHT)
    dloss_dlr, = torch.autograd.grad(loss(w1, 1), lr_t)
    # the optimizer: two steps with hypergradient rate beta
    params = clones(init)
    opt = cls(params, lr=lr, hypergrad_lr=beta)
    for t in range(2):
        opt.zero_grad()
        loss(params, t).backward()
        opt.step()
    assert opt.lr_history[0][0] == lr
    assert math.isclose(opt.param_groups[0]["lr"], lr - beta * dloss_dlr.item(), rel_tol=1e-12)
    assert abs(dloss_dlr.item()) > 1e-3   # a real change, not 0 = 0


def test_sgdhd_raises_the_rate_on_a_valley_floor_and_lowers_it_on_zigzag():
    w = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    for curvature, lr, up in ((1.0, 0.01, True), (1.0, 1.9, False)):   # small rate: gradients agree; large: flip
        w.data.fill_(1.0)
        opt = d2l.SGDHD([w], lr=lr, hypergrad_lr=0.01)
        for _ in range(5):
            opt.zero_grad()
            (0.5 * curvature * w ** 2).sum().backward()
            opt.step()
        assert (opt.param_groups[0]["lr"] > lr) == up


# ---------------------------------------------------------------- schedules == torch.optim.lr_scheduler
def _torch_lrs(make_scheduler, total):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    sched = make_scheduler(opt)
    lrs = []
    for _ in range(total + 1):
        lrs.append(opt.param_groups[0]["lr"])
        if len(lrs) <= total:
            opt.step()
            sched.step()
    return lrs


@pytest.mark.parametrize("total,warmup,base,start,floor", [(100, 10, 0.1, 0.1, 0.0), (57, 5, 3.0, 0.01, 0.3),
                                                           (20, 0, 1.0, 0.5, 0.0), (12, 11, 0.02, 1 / 11, 1e-4)])
def test_warmup_cosine_equals_torch(total, warmup, base, start, floor):
    def make(opt):
        for g in opt.param_groups:
            g["lr"] = base
        cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total - warmup, eta_min=floor)
        if warmup == 0:
            return cosine
        linear = torch.optim.lr_scheduler.LinearLR(opt, start_factor=start, total_iters=warmup)
        return torch.optim.lr_scheduler.SequentialLR(opt, [linear, cosine], milestones=[warmup])
    theirs = _torch_lrs(make, total)
    ours = [d2l.warmup_cosine(k, total, warmup, base, start, floor) for k in range(total + 1)]
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (k, a, b)


@pytest.mark.parametrize("total,max_lr,pct,div,final", [(100, 0.1, 0.3, 25.0, 1e4), (37, 2.0, 0.25, 10.0, 100.0),
                                                        (10, 1.0, 0.5, 5.0, 1e3)])
def test_one_cycle_equals_torch(total, max_lr, pct, div, final):
    make = lambda opt: torch.optim.lr_scheduler.OneCycleLR(  # noqa: E731
        opt, max_lr=max_lr, total_steps=total, pct_start=pct, div_factor=div, final_div_factor=final,
        cycle_momentum=False)
    theirs = _torch_lrs(make, total - 1)   # OneCycleLR defines total_steps learning rates: steps 0 .. total-1
    ours = [d2l.one_cycle(k, total, max_lr, pct, div, final) for k in range(total)]
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15), (k, a, b)


# ---------------------------------------------------------------- bad input
def _p():
    return [torch.zeros(2, requires_grad=True)]


@pytest.mark.parametrize("make,match", [
    (lambda: d2l.LARS(_p(), lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda: d2l.LARS(_p(), trust_coefficient=0.0), "Invalid trust_coefficient: 0.0"),
    (lambda: d2l.LARS(_p(), trust_coefficient=-1), "Invalid trust_coefficient: -1"),
    (lambda: d2l.LARS(_p(), momentum=1.0), "Invalid momentum: 1.0"),
    (lambda: d2l.LARS(_p(), weight_decay=-1e-4), "Invalid weight_decay: -0.0001"),
    (lambda: d2l.LARS([{"params": _p(), "lr": -1.0}]), "Invalid learning rate: -1.0"),
    (lambda: d2l.LAMB(_p(), lr=float("nan")), "Invalid learning rate: nan"),
    (lambda: d2l.LAMB(_p(), betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (lambda: d2l.LAMB(_p(), betas=0.9), "Invalid betas: 0.9"),
    (lambda: d2l.LAMB(_p(), eps=-1e-8), "Invalid eps"),
    (lambda: d2l.AdamW(_p(), weight_decay=-0.01), "Invalid weight_decay: -0.01"),
    (lambda: d2l.AdamW(_p(), betas=(-0.1, 0.999)), "Invalid beta parameter at index 0: -0.1"),
    (lambda: d2l.SGDHD(_p(), lr=-1e-3), "Invalid learning rate: -0.001"),
    (lambda: d2l.SGDHD(_p(), hypergrad_lr=-1e-3), "Invalid hypergrad_lr: -0.001"),
    (lambda: d2l.AdamHD(_p(), hypergrad_lr=float("inf")), "Invalid hypergrad_lr: inf"),
    (lambda: d2l.AdamHD(_p(), eps=-1.0), "Invalid eps: -1.0"),
    (lambda: d2l.AdamHD([{"params": _p(), "hypergrad_lr": -1.0}]), "Invalid hypergrad_lr: -1.0"),
    (lambda: d2l.warmup_cosine(5, 10, 10, 0.1), "Invalid warmup_steps: 10"),
    (lambda: d2l.warmup_cosine(11, 10, 2, 0.1), "Invalid step: 11"),
    (lambda: d2l.warmup_cosine(1, 10, 2, -0.1), "Invalid base_lr: -0.1"),
    (lambda: d2l.warmup_cosine(1, 10, 2, 0.1, start_factor=0.0), "Invalid start_factor: 0.0"),
    (lambda: d2l.one_cycle(0, 0, 0.1), "Invalid total_steps: 0"),
    (lambda: d2l.one_cycle(0, 10, 0.1, pct_start=1.0), "Invalid pct_start: 1.0"),
])
def test_bad_input_gets_a_clear_error(make, match):
    with pytest.raises(ValueError, match=match.replace(".", r"\.").replace("(", r"\(")):
        make()


ROUND_TRIP = [(d2l.LARS, dict(lr=0.05, momentum=0.9, weight_decay=0.01, trust_coefficient=0.02)),
              (d2l.LAMB, dict(lr=0.01, weight_decay=0.1)), (d2l.AdamW, dict(lr=0.01, amsgrad=True)),
              (d2l.SGDHD, dict(lr=0.01, hypergrad_lr=1e-5)), (d2l.AdamHD, dict(lr=0.01, hypergrad_lr=1e-4))]


@pytest.mark.parametrize("cls, kwargs", ROUND_TRIP, ids=lambda x: getattr(x, "__name__", ""))
def test_state_dict_resumes_a_run_exactly(cls, kwargs):
    """Stop after 4 of 8 steps, save, resume in fresh parameters and a fresh optimizer: the run is the
    uninterrupted one, step for step (moments, momentum buffers and hypergradient directions and rates restored)."""
    import copy
    import io

    init, loss = make_problem(11)

    def steps(opt, params, ts):
        for t in ts:
            opt.zero_grad()
            loss(params, t).backward()
            opt.step()

    whole = clones(init)
    whole_opt = cls(whole, **kwargs)
    steps(whole_opt, whole, range(8))
    first = clones(init)
    first_opt = cls(first, **kwargs)
    steps(first_opt, first, range(4))
    buffer = io.BytesIO()
    torch.save({"params": [p.detach() for p in first], "opt": first_opt.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=True)
    resumed = clones(saved["params"])
    resumed_opt = cls(resumed, **kwargs)              # the constructor's rate: only the saved state can restore it
    resumed_opt.load_state_dict(copy.deepcopy(saved["opt"]))
    steps(resumed_opt, resumed, range(4, 8))
    assert all(torch.isfinite(p).all() and torch.equal(p, q) for p, q in zip(resumed, whole))
    assert resumed_opt.param_groups[0]["lr"] == whole_opt.param_groups[0]["lr"]
    if kwargs.get("hypergrad_lr"):
        assert whole_opt.param_groups[0]["lr"] != kwargs["lr"]   # the rate moved, so restoring it mattered
