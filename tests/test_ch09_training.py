"""Chapter 9's training helpers: train_scheduled (a per-step schedule and callback) and reconstruction_loss."""
import pytest
import torch
from torch.nn import functional as F

import d2l_utils as d2l


def _net_and_data(seed=0):
    d2l.set_seed(seed)
    return d2l.MLPAutoencoder(12, hidden=(6,), latent_dim=3), torch.rand(40, 12)


def test_reconstruction_loss_is_the_mean_over_all_images():
    net, X = _net_and_data()
    with torch.no_grad():
        bce, mse = F.binary_cross_entropy(net(X), X).item(), F.mse_loss(net(X), X).item()
    assert d2l.reconstruction_loss(net, X, batch_size=7) == pytest.approx(bce, rel=1e-6)
    assert d2l.reconstruction_loss(net, X, "mse", batch_size=40) == pytest.approx(mse, rel=1e-6)
    assert net.training   # back in training mode


def test_train_scheduled_steps_the_scheduler_and_calls_back_after_every_update():
    net, X = _net_and_data()
    opt = torch.optim.SGD(net.parameters(), lr=1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1.0 / (k + 1))
    seen = []
    record = lambda step: seen.append((step, opt.param_groups[0]["lr"]))  # noqa: E731
    losses = d2l.train_scheduled(net, opt, X, 3, 16, sched, on_step=record)
    assert len(losses) == 9 and seen == [(k, 1.0 / (k + 1)) for k in range(1, 10)]
    assert losses[-1] < losses[0]


def test_train_scheduled_is_seeded_and_equals_train_autoencoder_without_schedule():
    runs = []
    for trainer in ("scheduled", "scheduled", "autoencoder"):
        net, X = _net_and_data()
        opt = torch.optim.Adam(net.parameters(), lr=0.01)
        if trainer == "scheduled":
            d2l.train_scheduled(net, opt, X, 2, 8, seed=3)
        else:
            d2l.train_autoencoder(net, opt, X, epochs=2, batch_size=8, loss="bce", seed=3, progress=False)
        runs.append(torch.cat([p.detach().flatten() for p in net.parameters()]))
    assert torch.equal(runs[0], runs[1]) and torch.allclose(runs[0], runs[2], atol=1e-6)


def test_train_scheduled_stops_on_a_non_finite_loss_and_checks_epochs():
    net, X = _net_and_data()
    with pytest.raises(d2l.NonFiniteLossError, match="lr=1e"):
        d2l.train_scheduled(net, torch.optim.SGD(net.parameters(), lr=1e30), X, 3, 8, loss="mse")
    with pytest.raises(ValueError, match="Invalid epochs: 0"):
        d2l.train_scheduled(net, torch.optim.SGD(net.parameters(), lr=0.1), X, 0, 8)


def test_train_scheduled_stops_a_run_whose_loss_passes_max_loss():
    net, X = _net_and_data()
    with pytest.raises(d2l.NonFiniteLossError, match="above max_loss=5: training diverged"):
        d2l.train_scheduled(net, torch.optim.SGD(net.parameters(), lr=1e4), X, 3, 8, max_loss=5.0)
    net, X = _net_and_data()
    assert len(d2l.train_scheduled(net, torch.optim.SGD(net.parameters(), lr=0.1), X, 3, 8, max_loss=5.0)) == 15


def test_train_scheduled_shows_a_bar_only_where_outputs_are_not_stored(capsys, monkeypatch):
    def train(**kwargs):
        net = d2l.MLPAutoencoder(16, hidden=(8,), latent_dim=2)
        d2l.train_scheduled(net, torch.optim.Adam(net.parameters()), torch.rand(32, 16), 3, 8, **kwargs)
        return capsys.readouterr()
    monkeypatch.delenv("D2L_STATIC_PLOTS", raising=False)
    err = train().err
    assert "epochs" in err and "0/3" in err                                  # a bar over the 3 epochs, by default
    assert train(progress=False) == ("", "")
    monkeypatch.setenv("D2L_STATIC_PLOTS", "1")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert train() == ("", "")                                               # none in runs that store outputs
