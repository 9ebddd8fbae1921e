"""Metrics: ROC curve and its area for anomaly scores (vectorised, ties handled), thresholds for a target FPR,
the dead ReLU units of an autoencoder's encoder, and the loss of a linear model in float64 (least squares)."""
import math

import numpy as np
import torch

__all__ = ["roc_curve", "roc_auc", "threshold_at_fpr", "dead_units", "least_squares_loss", "with_ones", "half_mse"]


def _to_numpy(a) -> np.ndarray:
    return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)


def _finite_scores(scores, name: str = "scores") -> np.ndarray:
    s = _to_numpy(scores).astype(np.float64).ravel()
    bad = int(np.count_nonzero(~np.isfinite(s)))
    if bad:
        raise ValueError(f"{name} contain {bad} NaN or infinite value(s) (of {s.size}); a diverged model? "
                         f"Score only finite numbers.")
    return s


def _arrays(scores, labels) -> tuple[np.ndarray, np.ndarray]:
    s, y = _to_numpy(scores).ravel(), _to_numpy(labels).ravel()
    if s.shape != y.shape:
        raise ValueError(f"scores and labels differ in size: {s.shape} vs {y.shape}")
    s = _finite_scores(s)
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"labels must be 0 (normal) or 1 (anomaly), got values {np.unique(y)[:5].tolist()}")
    y = y.astype(bool)
    if y.all() or not y.any():
        raise ValueError("ROC needs at least one positive (1) and one negative (0) label")
    return s, y


def roc_curve(scores, labels) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fpr, tpr, thresholds): rates when flagging score >= threshold, thresholds decreasing from +inf."""
    s, y = _arrays(scores, labels)
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # last index of each run of tied scores
    tp, fp = np.cumsum(y)[last], np.cumsum(~y)[last]
    fpr = np.r_[0.0, fp / fp[-1]]
    tpr = np.r_[0.0, tp / tp[-1]]
    return fpr, tpr, np.r_[np.inf, s[last]]


def roc_auc(scores, labels) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties counting one half."""
    fpr, tpr, _ = roc_curve(scores, labels)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def threshold_at_fpr(normal_scores, fpr: float) -> float:
    """The lowest t for which flagging `score > t` flags at most a fraction `fpr` of `normal_scores`."""
    if isinstance(fpr, bool) or not isinstance(fpr, (int, float, np.floating, np.integer)) or not 0 <= fpr <= 1:
        raise ValueError(f"Invalid fpr: {fpr!r} (must be a number in [0, 1])")
    s = np.sort(_finite_scores(normal_scores, "normal_scores"))
    n = s.size
    if n == 0:
        raise ValueError("normal_scores is empty: a threshold needs held-out normal data")
    k = math.floor(round(fpr * n, 9))  # how many normal examples we may flag (rounding guards 0.29 * 100)
    if k >= n:
        return -math.inf  # flag everything
    return float(s[n - 1 - k])  # the (k+1)-th largest: only the k above it (fewer with ties) are flagged


def dead_units(net: torch.nn.Module, X: torch.Tensor) -> torch.Tensor:
    """Which units of the encoder's first hidden ReLU layer output 0 for every row of `X` (a boolean mask)."""
    layer = net.encoder[:2]  # first Linear + its activation
    if not (isinstance(layer[0], torch.nn.Linear) and isinstance(layer[-1], torch.nn.ReLU)):
        raise ValueError(f"dead_units needs an encoder that starts with Linear + ReLU, got {layer!r}")
    with torch.no_grad():
        return layer(X.flatten(1)).amax(0) == 0


def with_ones(X: torch.Tensor) -> torch.Tensor:
    """The rows of X in float64 on the CPU, with a column of ones for the bias (chapter 4)."""
    return torch.cat([X.cpu().double(), torch.ones(len(X), 1, dtype=torch.float64)], dim=1)


def half_mse(w: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> float:
    """The loss (1/2 mean squared error) of the linear model w (bias last) on the rows X, y (chapter 4)."""
    return (((with_ones(X) @ w - y.cpu().double().reshape(-1, 1)) ** 2) / 2).mean().item()


def least_squares_loss(features: torch.Tensor, labels: torch.Tensor) -> float:
    """The lowest loss (1/2 mean squared error) a linear model with a bias reaches on (features, labels), in float64."""
    features, labels = features.detach(), labels.detach()
    w = torch.linalg.lstsq(with_ones(features), labels.cpu().double().reshape(-1, 1)).solution
    return half_mse(w, features, labels)
