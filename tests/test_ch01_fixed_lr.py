"""Chapter 1: the trainers its experiments use (d2l.train_ch7_timed, d2l.sgd_linreg_runs) against plain references."""
import math

import pytest
import torch
from matplotlib import pyplot as plt

import d2l_utils as d2l


@pytest.fixture(scope="module")
def airfoil():
    return d2l.get_data_ch7()


@pytest.mark.parametrize("batch_size, num_epochs", [(1, 1), (10, 2), (1500, 3)])
def test_train_ch7_timed_trains_exactly_like_train_ch7(airfoil, batch_size, num_epochs, capsys):
    features, labels = airfoil
    d2l.set_seed(1)
    reference = d2l.train_ch7(d2l.sgd, None, {"lr": 0.05}, features, labels, batch_size, num_epochs)
    plt.close("all")
    d2l.set_seed(1)
    seconds, losses = d2l.train_ch7_timed(d2l.sgd, None, {"lr": 0.05}, features, labels, batch_size, num_epochs)
    assert losses == reference                        # same draws, same updates, same records
    assert len(seconds) == len(losses) and seconds[0] == 0.0
    assert all(b >= a for a, b in zip(seconds, seconds[1:]))   # cumulative
    assert "sec per epoch" in capsys.readouterr().out


def test_train_ch7_timed_does_not_time_the_evaluation(airfoil, monkeypatch):
    """With a fake clock that a training step advances by 1 and an evaluation by 100, the seconds count steps only."""
    features, labels = airfoil
    clock, loss = [0.0], d2l.train.squared_loss

    def ticking_loss(y_hat, y):
        clock[0] += 1.0 if torch.is_grad_enabled() else 100.0   # evaluation runs under no_grad
        return loss(y_hat, y)
    monkeypatch.setattr(d2l.train, "squared_loss", ticking_loss)
    monkeypatch.setattr(d2l.train.time, "perf_counter", lambda: clock[0])
    d2l.set_seed(0)
    seconds, losses = d2l.train_ch7_timed(d2l.sgd, None, {"lr": 0.9}, features, labels, 1500, 5)
    assert seconds == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0] and len(losses) == 6


def test_train_ch7_timed_validates_and_stops_on_divergence(airfoil):
    features, labels = airfoil
    with pytest.raises(ValueError, match="batch_size"):
        d2l.train_ch7_timed(d2l.sgd, None, {"lr": 0.1}, features, labels, 0)
    with pytest.raises(d2l.NonFiniteLossError, match="lr=50"):
        d2l.train_ch7_timed(d2l.sgd, None, {"lr": 50}, features, labels, 1500, 50)


def _plain_sgd(features, labels, lr, seed, num_epochs, every=100):
    """The same run written as a plain loop over examples, one run at a time."""
    X = torch.cat([features, torch.ones(len(features), 1)], 1).double()
    y = labels.double()
    gen = torch.Generator().manual_seed(seed)
    w = torch.cat([torch.normal(0.0, 0.01, size=(X.shape[1] - 1,), generator=gen), torch.zeros(1)]).double()
    order = torch.cat([torch.randperm(len(X), generator=gen) for _ in range(num_epochs)])
    losses = [0.5 * ((X @ w - y) ** 2).mean().item()]
    for t, i in enumerate(order.tolist()):
        rate = lr(t) if callable(lr) else lr
        w = w - rate * (X[i] @ w - y[i]) * X[i]
        if (t + 1) % every == 0:
            losses.append(0.5 * ((X @ w - y) ** 2).mean().item())
    return torch.tensor(losses, dtype=torch.float64)


def test_sgd_linreg_runs_equals_a_plain_loop(airfoil):
    features, labels = airfoil
    features, labels = features[:300], labels[:300]
    lrs = [0.01, lambda t: 0.05 / (1 + t / 50)]
    runs = d2l.sgd_linreg_runs(features, labels, lrs, seeds=(0, 3), num_epochs=2, every=50)
    assert runs.shape == (2, 2, 1 + 600 // 50) and runs.dtype == torch.float64
    for i, lr in enumerate(lrs):
        for k, seed in enumerate((0, 3)):
            torch.testing.assert_close(runs[i, k], _plain_sgd(features, labels, lr, seed, 2, every=50),
                                       rtol=1e-10, atol=1e-12)
    assert not torch.equal(runs[0, 0], runs[0, 1])     # seeds differ


def test_sgd_linreg_runs_matches_the_least_squares_floor(airfoil):
    """A small constant rate for long enough gets close to the optimum; a larger one stays on a higher floor."""
    features, labels = airfoil
    X = torch.cat([features, torch.ones(len(features), 1)], 1).double()
    w = torch.linalg.lstsq(X, labels.double()[:, None]).solution
    optimum = 0.5 * ((X @ w - labels.double()[:, None]) ** 2).mean().item()
    runs = d2l.sgd_linreg_runs(features, labels, [0.002, 0.05], seeds=(0,), num_epochs=4)
    floor = runs[:, 0, -15:].mean(-1) - optimum
    assert 0 < floor[0] < 0.005 < floor[1]
    assert math.isclose(runs[0, 0, 0].item(), runs[1, 0, 0].item())   # same start for the same seed
    with pytest.raises(ValueError, match="num_epochs"):
        d2l.sgd_linreg_runs(features, labels, [0.1], num_epochs=0)


def _prose_code(stem: str) -> dict:
    """Run the ```python blocks of a notebook's markdown (code shown in the prose); return what they define."""
    import json
    import re
    from pathlib import Path
    nb = json.loads((Path(__file__).parent.parent / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
    ns = {"torch": torch, "d2l": d2l}
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for block in re.findall(r"```python\n(.*?)```", "".join(cell["source"]), re.S):
                exec(block, ns)
    return ns


def test_code_in_chapter_1_prose_computes_what_the_helpers_compute():
    ns = _prose_code("01_fixed_learning_rates")
    for eta in (0.4, 0.6):
        ours, theirs = ns["gd_2d"](eta), d2l.gd_2d(eta)
        for point in [(-5.0, -2.0, 0, 0), (1.5, 0.25, 3.0, 7.0)]:
            assert ours(*point) == theirs(*point)
    a = [torch.randn(3, 2, requires_grad=True), torch.randn(2, requires_grad=True)]
    b = [p.detach().clone().requires_grad_() for p in a]
    for p, q in zip(a, b):
        p.grad = torch.randn_like(p)
        q.grad = p.grad.clone()
    ns["sgd"](a, None, {"lr": 0.3})
    d2l.sgd(b, None, {"lr": 0.3})
    assert all(torch.equal(p, q) for p, q in zip(a, b))


def test_train_ch7_timed_repeats_keep_the_fastest_identical_run(airfoil, monkeypatch, capsys):
    """Repeats replay the same run (same draws, same losses) and keep the fastest; its summary line alone is printed."""
    features, labels = airfoil
    d2l.set_seed(2)
    _, once = d2l.train_ch7_timed(d2l.sgd, None, {"lr": 0.05}, features, labels, 100, 1)
    capsys.readouterr()
    clock, calls = [0.0], [0]
    run = d2l.train._scratch_ch7

    def counting(*args, **kwargs):
        calls[0] += 1
        return run(*args, **kwargs)

    def trainer(params, states, hyperparams):   # a step costs 1 s, or 10 s during the first repeat (a pause)
        clock[0] += 10.0 if calls[0] == 1 else 1.0
        d2l.sgd(params, states, hyperparams)
    monkeypatch.setattr(d2l.train, "_scratch_ch7", counting)
    monkeypatch.setattr(d2l.train.time, "perf_counter", lambda: clock[0])
    d2l.set_seed(2)
    seconds, losses = d2l.train_ch7_timed(trainer, None, {"lr": 0.05}, features, labels, 100, 1, repeats=3)
    assert calls[0] == 3 and losses == once and seconds[-1] == 15.0     # 15 steps of 1 s: the fastest repeat
    assert capsys.readouterr().out.count("sec per epoch") == 1
    with pytest.raises(ValueError, match="repeats"):
        d2l.train_ch7_timed(d2l.sgd, None, {"lr": 0.05}, features, labels, 100, 1, repeats=0)
