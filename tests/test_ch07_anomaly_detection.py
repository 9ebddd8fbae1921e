"""Chapter 7: ROC curve, AUC and thresholds (d2l_utils.metrics), dead units, the notebook's ROC helpers."""
import math

import numpy as np
import pytest
import torch

import d2l_utils as d2l

STEM = "07_anomaly_detection"


# ---------------------------------------------------------------- brute force references
def pairwise_auc(scores, labels) -> float:
    """P(positive scores higher than negative) + 1/2 P(tie), over all (positive, negative) pairs."""
    s, y = np.asarray(scores, dtype=np.float64), np.asarray(labels).astype(bool)
    pos, neg = s[y], s[~y]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def rates_at(scores, labels, t):
    """(FPR, TPR) when flagging score >= t, counted one example at a time."""
    s, y = np.asarray(scores, dtype=np.float64), np.asarray(labels).astype(bool)
    flagged = [v >= t for v in s]
    tp = sum(f and l for f, l in zip(flagged, y))
    fp = sum(f and not l for f, l in zip(flagged, y))
    return fp / (~y).sum(), tp / y.sum()


def tied_data(seed, n, levels):
    """Scores on a coarse grid (many ties), positives shifted up a little; both classes present."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    y[:2] = [True, False]
    s = rng.integers(0, levels, size=n) + y * rng.integers(0, 3, size=n)
    return s.astype(np.float64), y.astype(int)


# ---------------------------------------------------------------- roc_curve / roc_auc
@pytest.mark.parametrize("seed,n,levels", [(0, 10, 3), (1, 37, 5), (2, 200, 8), (3, 500, 40), (4, 64, 2),
                                           (5, 301, 1000)])
def test_auc_equals_the_pairwise_count(seed, n, levels):
    s, y = tied_data(seed, n, levels)
    assert math.isclose(d2l.roc_auc(s, y), pairwise_auc(s, y), rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize("seed,n,levels", [(0, 10, 3), (1, 50, 6), (2, 200, 20)])
def test_roc_curve_points_are_the_rates_at_each_threshold(seed, n, levels):
    s, y = tied_data(seed, n, levels)
    fpr, tpr, thr = d2l.roc_curve(s, y)
    assert thr[0] == np.inf and (fpr[0], tpr[0]) == (0.0, 0.0) and (fpr[-1], tpr[-1]) == (1.0, 1.0)
    assert np.all(np.diff(thr) < 0), "thresholds strictly decreasing: one point per distinct score"
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    assert sorted(thr[1:].tolist()) == sorted(set(s.tolist()))
    for f, t, th in zip(fpr[1:], tpr[1:], thr[1:]):
        assert np.allclose((f, t), rates_at(s, y, th), rtol=0, atol=1e-12)


def test_auc_known_values_and_invariances():
    assert d2l.roc_auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0
    assert d2l.roc_auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == 0.0
    assert d2l.roc_auc([0.5] * 6, [0, 1, 0, 1, 1, 0]) == 0.5           # all tied: the diagonal
    assert d2l.roc_auc([1, 2, 3, 2], [0, 0, 1, 1]) == 0.875             # pairs: 1 + 1 + 1 + 0.5 of 4
    s, y = tied_data(7, 120, 6)
    auc = d2l.roc_auc(s, y)
    assert math.isclose(d2l.roc_auc(-s, y), 1 - auc)                  # reversed scores
    assert math.isclose(d2l.roc_auc(s, 1 - y), 1 - auc)               # swapped classes
    assert math.isclose(d2l.roc_auc(np.exp(s / 3), y), auc)           # any increasing transform
    perm = np.random.default_rng(0).permutation(len(s))
    assert math.isclose(d2l.roc_auc(s[perm], y[perm]), auc)           # order of the examples


def test_inputs_tensors_lists_bools_and_columns():
    s, y = tied_data(8, 80, 7)
    auc = d2l.roc_auc(s, y)
    assert d2l.roc_auc(torch.tensor(s, dtype=torch.float32, requires_grad=True), torch.tensor(y)) == auc
    assert d2l.roc_auc(s.tolist(), y.astype(bool).tolist()) == auc
    assert d2l.roc_auc(s[:, None], y.astype(float)) == auc


@pytest.mark.parametrize("scores,labels,message", [
    ([0.1, 0.2, 0.3], [0, 0, 0], "at least one positive"),
    ([0.1, 0.2, 0.3], [1, 1, 1], "at least one positive"),
    ([], [], "at least one positive"),
    ([0.1, 0.2, 0.3], [0, 1], "differ in size"),
    ([0.1, float("nan"), 0.3], [0, 1, 1], "1 NaN or infinite"),
    ([0.1, float("inf"), 0.3], [0, 1, 1], "NaN or infinite"),
    ([0.1, 0.2, 0.3], [0, 1, 2], "labels must be 0"),
])
def test_errors(scores, labels, message):
    for fn in (d2l.roc_curve, d2l.roc_auc):
        with pytest.raises(ValueError, match=message):
            fn(scores, labels)


# ---------------------------------------------------------------- threshold_at_fpr
@pytest.mark.parametrize("seed,n,levels", [(0, 1000, 10**6), (1, 97, 5), (2, 400, 30), (3, 20, 2)])
def test_threshold_flags_at_most_fpr_and_is_the_lowest_such(seed, n, levels):
    s = np.random.default_rng(seed).integers(0, levels, size=n).astype(np.float64)
    for fpr in (0.0, 0.01, 0.05, 0.1, 0.29, 0.5, 0.99):
        t = d2l.threshold_at_fpr(s, fpr)
        allowed = math.floor(round(fpr * n, 9))
        assert (s > t).sum() <= allowed
        lower = s[s < t]   # any lower threshold among the scores flags too many
        assert lower.size == 0 or (s > lower.max()).sum() > allowed
        assert t in s


def test_threshold_edge_cases():
    s = np.arange(100.0)
    assert d2l.threshold_at_fpr(s, 0.05) == 94.0            # flags 95..99
    assert d2l.threshold_at_fpr(s, 0.29) == 70.0            # 0.29 * 100 is 28.999...: still 29 flagged
    assert d2l.threshold_at_fpr(s, 0.0) == 99.0             # flags nothing
    assert d2l.threshold_at_fpr(s, 1.0) == -math.inf        # flags everything
    assert d2l.threshold_at_fpr([2.0, 2.0, 2.0, 2.0], 0.5) == 2.0   # ties: better none than all
    assert d2l.threshold_at_fpr(torch.tensor([[3.0], [1.0], [2.0]]), 0.4) == 2.0
    for bad in (-0.1, 1.5, float("nan"), True, "0.05", None):
        with pytest.raises(ValueError, match="fpr"):
            d2l.threshold_at_fpr(s, bad)
    with pytest.raises(ValueError, match="empty"):
        d2l.threshold_at_fpr([], 0.05)
    with pytest.raises(ValueError, match="NaN"):
        d2l.threshold_at_fpr([1.0, float("nan")], 0.05)


# ---------------------------------------------------------------- dead units
def test_dead_units_are_the_encoder_units_silent_on_every_input():
    net = d2l.MLPAutoencoder(4, hidden=(3,), latent_dim=2)
    with torch.no_grad():
        net.encoder[0].weight.copy_(torch.tensor([[1.0, 0, 0, 0], [-1, -1, -1, -1], [0, 1, 0, 0]]))
        net.encoder[0].bias.copy_(torch.tensor([0.0, 0.0, -0.5]))
    X = torch.tensor([[1.0, 0, 0, 0], [0, 0.4, 0, 0]])   # unit 0: 1, 0; unit 1: -1, -0.4; unit 2: -0.5, -0.1
    assert d2l.dead_units(net, X).tolist() == [False, True, True]
    assert d2l.dead_units(net, torch.tensor([[0, 0.6, 0, 0]])).tolist() == [True, True, False]   # 0.6 - 0.5 > 0
    assert d2l.dead_units(net, X.view(2, 1, 2, 2)).tolist() == [False, True, True]                # images flattened
    with pytest.raises(ValueError, match="Linear"):
        d2l.dead_units(d2l.ConvAutoencoder(), torch.rand(2, 784))


@pytest.mark.parametrize("source", ["d2l_utils", "chapter 6"])
def test_dead_means_zero_on_every_row_not_small_or_mostly_zero(source, nb_defs):
    """A unit with a tiny positive output, or zero on all rows but one, is alive; only zero everywhere is dead."""
    dead_units = d2l.dead_units if source == "d2l_utils" else nb_defs("06_training_autoencoders",
                                                                      "dead_units")["dead_units"]
    net = d2l.MLPAutoencoder(2, hidden=(4,), latent_dim=2)
    with torch.no_grad():
        net.encoder[0].weight.copy_(torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]))
        net.encoder[0].bias.copy_(torch.tensor([0.01, -0.5, -0.01, -0.5]))
    X = torch.tensor([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.6, 0.0]])
    # unit 0: 0.01 on every row; unit 1: zero on 3 of 4 rows, 0.1 on the last; unit 2: zero everywhere; unit 3: 0.5
    # on 3 rows, zero on 1
    assert dead_units(net, X).tolist() == [False, False, True, False]
    assert dead_units(net, X[:3]).tolist() == [False, True, True, False]


# ---------------------------------------------------------------- the notebook's versions equal d2l_utils'
@pytest.mark.parametrize("seed, n, levels", [(0, 40, 5), (1, 200, 20), (2, 500, 1000)])
def test_notebook_roc_equals_d2l(nb_defs, seed, n, levels):
    # the defining cell goes on to use the lesson's scores: stand-ins for them
    ns = nb_defs(STEM, "roc_curve", "roc_auc", preamble="scores, is_anomaly = np.array([0.2, 0.7]), np.array([0, 1])")
    s, y = tied_data(seed, n, levels)
    for a, b in zip(ns["roc_curve"](s, y), d2l.roc_curve(s, y)):
        np.testing.assert_array_equal(a, b)
    assert ns["roc_auc"](s, y) == d2l.roc_auc(s, y)
    assert abs(ns["roc_auc"](s, y) - pairwise_auc(s, y)) < 1e-12
