"""Optimizers three ways: the book's functional form, 2-D steppers for `train_2d`, and torch.optim classes.

Functional form (d2l chapter 7): `opt(params, states, hyperparams)` updates `params` (and `states`)
in place from `p.grad`. 2-D steppers: `trainer(x1, x2, s1, s2) -> (x1, x2, s1, s2)` for
f(x1, x2) = 0.1 x1^2 + 2 x2^2 unless another gradient is given.
"""
import math
from typing import Callable, Iterable

import torch

__all__ = ["f_2d", "grad_f_2d", "sgd", "init_momentum_states", "sgd_momentum", "init_adagrad_states", "adagrad",
           "init_rmsprop_states", "rmsprop", "init_adadelta_states", "adadelta", "init_adam_states", "adam",
           "gd_2d", "momentum_2d", "adagrad_2d", "rmsprop_2d", "adam_2d", "AdaGrad", "RMSProp", "Adam",
           "supports_fused", "add_to_class", "linear_warmup", "train_2d"]


# ---------------------------------------------------------------- validation (messages like torch.optim's)
def _check(name: str, value, low: float = 0.0, high: float = math.inf, low_open: bool = False,
           high_open: bool = False) -> float:
    """Return `value` if it is a finite real number in the interval, else raise ValueError naming it."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
    if not ok:
        lo, hi = ("(" if low_open else "[") + f"{low:g}", f"{high:g}" + (")" if high_open else "]")
        raise ValueError(f"Invalid {name}: {value!r} (must be a finite number in {lo}, {hi})")
    return value


def _hp(hyperparams: dict, name: str, default=None, **bounds) -> float:
    if name not in hyperparams and default is None:
        raise ValueError(f"Missing hyperparameter {name!r} (got {sorted(hyperparams)})")
    return _check(name, hyperparams.get(name, default), **bounds)


# ---------------------------------------------------------------- the 2-D test function of the chapter
def f_2d(x1, x2):
    """f(x1, x2) = 0.1 x1^2 + 2 x2^2, badly conditioned (curvatures 0.2 and 4)."""
    return 0.1 * x1 ** 2 + 2 * x2 ** 2


def grad_f_2d(x1, x2):
    """The gradient of `f_2d`."""
    return 0.2 * x1, 4 * x2


# ---------------------------------------------------------------- functional form (d2l chapter 7)
def _zeros(spec) -> list[torch.Tensor]:
    """State tensors: `spec` is the features or feature_dim (linear regression: w (d, 1), b (1,)), or shapes/params."""
    if isinstance(spec, int) and not isinstance(spec, bool):
        return [torch.zeros((spec, 1)), torch.zeros(1)]
    if isinstance(spec, torch.Tensor):
        return [torch.zeros((spec.shape[1], 1), dtype=spec.dtype, device=spec.device),
                torch.zeros(1, dtype=spec.dtype, device=spec.device)]
    return [torch.zeros_like(s) if isinstance(s, torch.Tensor) else torch.zeros(s) for s in spec]


def _paired(params, states) -> tuple[list, list]:
    """`params` and `states` as lists of the same length, checked before anything is updated."""
    params, states = list(params), list(states)
    if len(params) != len(states):
        raise ValueError(f"Invalid states: {len(states)} state(s) for {len(params)} parameter(s) "
                         f"(one state per parameter, in the same order; create them with the matching init function)")
    return params, states


def sgd(params, states, hyperparams: dict) -> None:
    """Minibatch SGD: p -= lr * g."""
    lr = _hp(hyperparams, "lr")
    with torch.no_grad():
        for p in params:
            p.sub_(p.grad, alpha=lr)


def init_momentum_states(spec) -> list[torch.Tensor]:
    """Velocity buffers, zero (see `_zeros` for `spec`)."""
    return _zeros(spec)


def sgd_momentum(params, states, hyperparams: dict) -> None:
    """SGD with momentum: v = momentum v + g; p -= lr v (torch.optim.SGD with dampening 0)."""
    lr, m = _hp(hyperparams, "lr"), _hp(hyperparams, "momentum", high=1.0, high_open=True)
    with torch.no_grad():
        for p, v in zip(params, states, strict=True):
            v.mul_(m).add_(p.grad)
            p.sub_(v, alpha=lr)


def init_adagrad_states(spec) -> list[torch.Tensor]:
    """AdaGrad's accumulators s = 0, one per parameter (see `_zeros` for `spec`)."""
    return _zeros(spec)


def _denom(s: torch.Tensor, eps: float, eps_inside: bool) -> torch.Tensor:
    return torch.sqrt(s + eps) if eps_inside else torch.sqrt(s).add_(eps)


def adagrad(params, states, hyperparams: dict) -> None:
    """AdaGrad: s += g*g; p -= lr g / sqrt(s + eps) (eps=1e-6 inside the root, as in d2l; eps_inside=False: torch's)."""
    lr = _hp(hyperparams, "lr")
    eps = _hp(hyperparams, "eps", 1e-6, low_open=True)
    inside = hyperparams.get("eps_inside", True)
    params, states = _paired(params, states)
    with torch.no_grad():
        for p, s in zip(params, states, strict=True):
            s.addcmul_(p.grad, p.grad)
            p.sub_(lr * p.grad / _denom(s, eps, inside))


def init_rmsprop_states(spec) -> list[torch.Tensor]:
    """RMSProp's leaky averages of g*g, zero."""
    return _zeros(spec)


def rmsprop(params, states, hyperparams: dict) -> None:
    """RMSProp: s = gamma s + (1 - gamma) g*g; p -= lr g / sqrt(s + eps) (torch's RMSprop: alpha=gamma, eps outside)."""
    lr, gamma = _hp(hyperparams, "lr"), _hp(hyperparams, "gamma", high=1.0)
    eps = _hp(hyperparams, "eps", 1e-6, low_open=True)
    inside = hyperparams.get("eps_inside", True)
    with torch.no_grad():
        for p, s in zip(params, states, strict=True):
            s.mul_(gamma).addcmul_(p.grad, p.grad, value=1 - gamma)
            p.sub_(lr * p.grad / _denom(s, eps, inside))


def init_adadelta_states(spec) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """AdaDelta's pairs (s, delta): leaky averages of g*g and of the squared updates."""
    return [(s, torch.zeros_like(s)) for s in _zeros(spec)]  # one pass: `spec` may be a generator


def adadelta(params, states, hyperparams: dict) -> None:
    """AdaDelta: s = rho s + (1-rho) g^2; g' = sqrt((delta+eps) / (s+eps)) g; p -= lr g'; delta likewise with g'^2."""
    rho = _hp(hyperparams, "rho", high=1.0)
    eps = _hp(hyperparams, "eps", 1e-5, low_open=True)
    lr = _hp(hyperparams, "lr", 1.0)  # AdaDelta needs none; torch.optim.Adadelta multiplies by lr=1.0
    with torch.no_grad():
        for p, (s, delta) in zip(params, states, strict=True):
            s.mul_(rho).addcmul_(p.grad, p.grad, value=1 - rho)
            g = torch.sqrt(delta + eps) / torch.sqrt(s + eps) * p.grad
            p.sub_(g, alpha=lr)
            delta.mul_(rho).addcmul_(g, g, value=1 - rho)


def init_adam_states(spec) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Adam's pairs (v, s): first and second moment estimates, zero."""
    return [(v, torch.zeros_like(v)) for v in _zeros(spec)]  # one pass: `spec` may be a generator


def adam(params, states, hyperparams: dict) -> None:
    """Adam with bias correction; `hyperparams['t']` (the step, from 1) is advanced after each call."""
    lr = _hp(hyperparams, "lr")
    b1 = _hp(hyperparams, "beta1", 0.9, high=1.0, high_open=True)
    b2 = _hp(hyperparams, "beta2", 0.999, high=1.0, high_open=True)
    eps = _hp(hyperparams, "eps", 1e-6, low_open=True)
    t = hyperparams.setdefault("t", 1)
    if not isinstance(t, int) or t < 1:
        raise ValueError(f"Invalid t: {t!r} (the step count must be an int >= 1)")
    with torch.no_grad():
        for p, (v, s) in zip(params, states, strict=True):
            v.mul_(b1).add_(p.grad, alpha=1 - b1)
            s.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
            v_hat, s_hat = v / (1 - b1 ** t), s / (1 - b2 ** t)
            p.sub_(lr * v_hat / (torch.sqrt(s_hat) + eps))
    hyperparams["t"] = t + 1


# ---------------------------------------------------------------- 2-D: the runner and its steppers
def train_2d(trainer, steps: int = 20, f_grad=None, *, start: tuple = (-5, -2), verbose: bool = True,
             states: bool = False) -> list[tuple]:
    """Run a 2-D optimizer from `start` (the book's (-5, -2)) with states 0; print the last point, return all steps + 1.

    `verbose=False` prints nothing; `states=True` returns (x1, x2, s1, s2) after every step instead of (x1, x2).
    """
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
        raise ValueError(f"Invalid steps: {steps!r} (must be a positive int)")
    x1, x2, s1, s2 = *start, 0, 0
    results = [(x1, x2, s1, s2) if states else (x1, x2)]
    for _ in range(steps):
        if f_grad:
            x1, x2, s1, s2 = trainer(x1, x2, s1, s2, f_grad)
        else:
            x1, x2, s1, s2 = trainer(x1, x2, s1, s2)
        results.append((x1, x2, s1, s2) if states else (x1, x2))
    if verbose:
        print('epoch %d, x1 %f, x2 %f' % (steps, x1, x2))
    return results


Stepper = Callable[[float, float, object, object], tuple]


def gd_2d(eta: float, grad=grad_f_2d) -> Stepper:
    """Gradient descent with a fixed learning rate `eta`; states unused."""
    _check("eta", eta)

    def step(x1, x2, s1, s2):
        g1, g2 = grad(x1, x2)
        return x1 - eta * g1, x2 - eta * g2, 0, 0
    return step


def momentum_2d(eta: float, beta: float = 0.5, grad=grad_f_2d) -> Stepper:
    """Momentum: the states are the velocities v1, v2."""
    _check("eta", eta), _check("beta", beta, high=1.0, high_open=True)

    def step(x1, x2, v1, v2):
        g1, g2 = grad(x1, x2)
        v1, v2 = beta * v1 + g1, beta * v2 + g2
        return x1 - eta * v1, x2 - eta * v2, v1, v2
    return step


def adagrad_2d(eta: float, eps: float = 1e-6, grad=grad_f_2d) -> Stepper:
    """AdaGrad: the states are the sums of squared gradients s1, s2."""
    _check("eta", eta), _check("eps", eps, low_open=True)

    def step(x1, x2, s1, s2):
        g1, g2 = grad(x1, x2)
        s1, s2 = s1 + g1 ** 2, s2 + g2 ** 2
        return x1 - eta / math.sqrt(s1 + eps) * g1, x2 - eta / math.sqrt(s2 + eps) * g2, s1, s2
    return step


def rmsprop_2d(eta: float, gamma: float = 0.9, eps: float = 1e-6, grad=grad_f_2d) -> Stepper:
    """RMSProp: the states are the leaky averages of squared gradients."""
    _check("eta", eta), _check("gamma", gamma, high=1.0), _check("eps", eps, low_open=True)

    def step(x1, x2, s1, s2):
        g1, g2 = grad(x1, x2)
        s1, s2 = gamma * s1 + (1 - gamma) * g1 ** 2, gamma * s2 + (1 - gamma) * g2 ** 2
        return x1 - eta / math.sqrt(s1 + eps) * g1, x2 - eta / math.sqrt(s2 + eps) * g2, s1, s2
    return step


def adam_2d(eta: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-6, grad=grad_f_2d) -> Stepper:
    """Adam: each state is a tuple (v, s, t) per coordinate (0 before the first step)."""
    _check("eta", eta), _check("beta1", beta1, high=1.0, high_open=True)
    _check("beta2", beta2, high=1.0, high_open=True), _check("eps", eps, low_open=True)

    def coord(x, g, state):
        v, s, t = state if state else (0.0, 0.0, 0)
        t += 1
        v, s = beta1 * v + (1 - beta1) * g, beta2 * s + (1 - beta2) * g ** 2
        v_hat, s_hat = v / (1 - beta1 ** t), s / (1 - beta2 ** t)
        return x - eta * v_hat / (math.sqrt(s_hat) + eps), (v, s, t)

    def step(x1, x2, s1, s2):
        g1, g2 = grad(x1, x2)
        (x1, s1), (x2, s2) = coord(x1, g1, s1), coord(x2, g2, s2)
        return x1, x2, s1, s2
    return step


# ---------------------------------------------------------------- torch.optim.Optimizer classes
def _closure_loss(closure):
    """The loss `closure` returns, computed with gradients enabled (None without a closure), as torch.optim does."""
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


class _Scratch(torch.optim.Optimizer):
    """Shared `step()`: loops over groups and parameters with gradients and calls `self._update`."""

    sparse_ok = False

    @torch.no_grad()
    def step(self, closure=None):
        """Perform one update; `closure` re-evaluates the model and returns the loss."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse and not self.sparse_ok:
                    raise RuntimeError(f"{type(self).__name__} does not support sparse gradients; "
                                       f"use AdaGrad or torch.optim.SparseAdam")
                if torch.is_complex(p):  # g*g would not be |g|^2: refuse rather than compute nonsense
                    raise RuntimeError(f"{type(self).__name__} does not support complex parameters; "
                                       f"use torch.optim's version")
                state = self.state[p]
                if not state:
                    self._init_state(p, state, group)
                # a Python int, also after loading a torch.optim state_dict (float tensor, maybe shared)
                state["step"] = int(state["step"]) + 1
                self._update(p, p.grad, state, group)
        return loss


class AdaGrad(_Scratch):
    """AdaGrad as `torch.optim.Adagrad` computes it (eps outside the root), written from scratch.

    One deliberate difference: a param group's own `initial_accumulator_value` is used for its parameters
    (torch.optim.Adagrad fills every accumulator with the constructor's value).
    """

    sparse_ok = True

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10):
        _check("learning rate", lr), _check("lr_decay", lr_decay), _check("weight_decay", weight_decay)
        _check("initial_accumulator_value", initial_accumulator_value), _check("eps", eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))
        for group in self.param_groups:  # eager, like torch.optim.Adagrad
            for p in group["params"]:
                self._init_state(p, self.state[p], group)

    def _init_state(self, p, state, group):
        state["step"] = 0
        state["sum"] = torch.full_like(p, group["initial_accumulator_value"], memory_format=torch.preserve_format)

    def _update(self, p, g, state, group):
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        if g.is_sparse:
            if group["weight_decay"] != 0:
                raise RuntimeError("weight_decay is not supported with sparse gradients")
            g = g.coalesce()
            idx, vals = g._indices(), g._values()
            # indices of a coalesced tensor: valid by construction (and torch warns unless told so)
            state["sum"].add_(torch.sparse_coo_tensor(idx, vals.pow(2), g.shape, check_invariants=False))
            std_vals = state["sum"].sparse_mask(g)._values().sqrt_().add_(group["eps"])
            p.add_(torch.sparse_coo_tensor(idx, vals / std_vals, g.shape, check_invariants=False), alpha=-clr)
            return
        if group["weight_decay"] != 0:
            g = g.add(p, alpha=group["weight_decay"])
        state["sum"].addcmul_(g, g, value=1)
        p.addcdiv_(g, state["sum"].sqrt().add_(group["eps"]), value=-clr)


class RMSProp(_Scratch):
    """RMSProp as `torch.optim.RMSprop` computes it (alpha is the book's gamma; eps outside the root)."""

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False):
        _check("learning rate", lr), _check("alpha", alpha, high=1.0), _check("eps", eps)
        _check("weight_decay", weight_decay), _check("momentum", momentum, high=1.0, high_open=True)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=bool(centered)))

    def _init_state(self, p, state, group):
        state["step"] = 0
        state["square_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        if group["momentum"] > 0:
            state["momentum_buffer"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        if group["centered"]:
            state["grad_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)

    def _update(self, p, g, state, group):
        if group["weight_decay"] != 0:
            g = g.add(p, alpha=group["weight_decay"])
        alpha = group["alpha"]
        sq = state["square_avg"].mul_(alpha).addcmul_(g, g, value=1 - alpha)
        if group["centered"]:
            ga = state["grad_avg"].lerp_(g, 1 - alpha)
            avg = sq.addcmul(ga, ga, value=-1).sqrt_().add_(group["eps"])
        else:
            avg = sq.sqrt().add_(group["eps"])
        if group["momentum"] > 0:
            buf = state["momentum_buffer"].mul_(group["momentum"]).addcdiv_(g, avg)
            p.add_(buf, alpha=-group["lr"])
        else:
            p.addcdiv_(g, avg, value=-group["lr"])


def _check_betas(betas) -> tuple[float, float]:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas!r} (must be a pair (beta1, beta2))")
    _check("beta parameter at index 0", betas[0], high=1.0, high_open=True)
    _check("beta parameter at index 1", betas[1], high=1.0, high_open=True)
    return tuple(betas)


def _adam_moments(g: torch.Tensor, state: dict, group: dict) -> tuple[torch.Tensor, float]:
    """Update Adam's moments in `state` with gradient `g` (AMSGrad's maximum too if the group asks for it); return
    the denominator sqrt(v_hat) + eps and the first moment's bias correction 1 - beta1^t."""
    (b1, b2), t = group["betas"], state["step"]
    state["exp_avg"].lerp_(g, 1 - b1)
    sq = state["exp_avg_sq"].mul_(b2).addcmul_(g, g, value=1 - b2)
    if group.get("amsgrad"):
        sq = torch.maximum(state["max_exp_avg_sq"], sq, out=state["max_exp_avg_sq"])
    return (sq.sqrt() / math.sqrt(1 - b2 ** t)).add_(group["eps"]), 1 - b1 ** t


class Adam(_Scratch):
    """Adam as `torch.optim.Adam` computes it (bias-corrected moments, eps outside the root)."""

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False):
        _check("learning rate", lr), _check("eps", eps), _check("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, betas=_check_betas(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=bool(amsgrad)))

    def _init_state(self, p, state, group):
        state["step"] = 0
        state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)

    def _update(self, p, g, state, group):
        if group["weight_decay"] != 0:
            g = g.add(p, alpha=group["weight_decay"])
        denom, bc1 = _adam_moments(g, state, group)
        p.addcdiv_(state["exp_avg"], denom, value=-group["lr"] / bc1)


# ---------------------------------------------------------------- feature detection and class building
def supports_fused(optimizer_cls, device="cpu") -> bool:
    """Whether `optimizer_cls(params, fused=True)` steps float32 parameters on `device` with this torch build.

    Adagrad's fused kernel exists on the CPU from torch 2.4 and on CUDA only in recent releases; older builds raise.
    """
    p = torch.zeros(2, device=device, requires_grad=True)
    p.grad = torch.ones_like(p)
    try:
        optimizer_cls([p], fused=True).step()
    except (TypeError, RuntimeError, ValueError, NotImplementedError):
        return False
    return True


def add_to_class(Class):
    """Decorator that adds the decorated function to `Class` as a method (d2l's way to write a class over cells)."""
    def wrapper(obj):
        setattr(Class, obj.__name__, obj)
    return wrapper


# ---------------------------------------------------------------- chapter 9: per-layer rates, learned rates, AdamW
__all__ += ["lars_trust_ratio", "lamb_trust_ratio", "exclude_bias_and_norm", "LARS", "GlobalLARS", "LAMB", "AdamW",
            "SGDHD", "AdamHD", "warmup_cosine", "one_cycle"]


def lars_trust_ratio(w: torch.Tensor, g: torch.Tensor, trust_coefficient: float = 1e-3, weight_decay: float = 0.0,
                     eps: float = 1e-8) -> torch.Tensor:
    """LARS's factor of a tensor: trust_coefficient ||w|| / (||g|| + weight_decay ||w|| + eps); 1 if a norm is 0."""
    w_norm, g_norm = torch.linalg.vector_norm(w), torch.linalg.vector_norm(g)
    ratio = trust_coefficient * w_norm / (g_norm + weight_decay * w_norm + eps)
    return torch.where((w_norm > 0) & (g_norm > 0), ratio, torch.ones_like(ratio))


def lamb_trust_ratio(w: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """LAMB's per-tensor factor ||w|| / ||u|| for the Adam direction u (weight decay included); 1 if either is 0."""
    w_norm, u_norm = torch.linalg.vector_norm(w), torch.linalg.vector_norm(u)
    return torch.where((w_norm > 0) & (u_norm > 0), w_norm / u_norm, torch.ones_like(w_norm))


def exclude_bias_and_norm(model: torch.nn.Module, weight_decay: float = 0.0) -> list[dict]:
    """Two param groups, as the LARS and LAMB papers train: weight matrices and filters (adapted, decayed), and
    biases and normalization parameters (tensors of dimension <= 1: no layer adaptation, no weight decay)."""
    params = [p for p in model.parameters() if p.requires_grad]
    return [{"params": [p for p in params if p.dim() > 1], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() <= 1], "weight_decay": 0.0, "layer_adaptation": False}]


class LARS(_Scratch):
    """Layer-wise adaptive rate scaling (You, Gitman, Ginsburg 2017) on top of `torch.optim.SGD` with momentum.

    For each parameter tensor: d = ratio * (g + weight_decay w) with ratio = `lars_trust_ratio(w, g, ...)`;
    v = momentum v + d; w -= lr v. With ratio 1 this is torch.optim.SGD(momentum, weight_decay). A param group with
    `layer_adaptation=False` (biases, normalization: see `exclude_bias_and_norm`) uses ratio 1. The last ratio of each
    tensor is kept in `state['trust_ratio']`.
    """

    def __init__(self, params: Iterable, lr: float = 1.0, momentum: float = 0.9, weight_decay: float = 0.0,
                 trust_coefficient: float = 1e-3, eps: float = 1e-8, layer_adaptation: bool = True):
        _check("learning rate", lr), _check("momentum", momentum, high=1.0, high_open=True)
        _check("weight_decay", weight_decay), _check("trust_coefficient", trust_coefficient, low_open=True)
        _check("eps", eps)
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay,
                                      trust_coefficient=trust_coefficient, eps=eps,
                                      layer_adaptation=bool(layer_adaptation)))
        for group in self.param_groups:   # options given per group are validated too
            _check("learning rate", group["lr"]), _check("weight_decay", group["weight_decay"])
            _check("momentum", group["momentum"], high=1.0, high_open=True)
            _check("trust_coefficient", group["trust_coefficient"], low_open=True)

    def _init_state(self, p, state, group):
        state["step"] = 0
        state["momentum_buffer"] = torch.zeros_like(p, memory_format=torch.preserve_format)

    def trust_ratio(self, p: torch.Tensor, g: torch.Tensor, group: dict) -> torch.Tensor:
        """The factor of tensor `p` this step (1 in a group without layer adaptation)."""
        if not group["layer_adaptation"]:
            return torch.ones((), dtype=p.dtype, device=p.device)
        return lars_trust_ratio(p, g, group["trust_coefficient"], group["weight_decay"], group["eps"])

    def _update(self, p, g, state, group):
        ratio = self.trust_ratio(p, g, group)
        state["trust_ratio"] = ratio
        d = g.add(p, alpha=group["weight_decay"]) if group["weight_decay"] != 0 else g.clone()
        if group["layer_adaptation"]:
            d.mul_(ratio)
        buf = state["momentum_buffer"].mul_(group["momentum"]).add_(d)
        p.add_(buf, alpha=-group["lr"])


class GlobalLARS(LARS):
    """LARS with one trust ratio per param group instead of one per tensor: the ablation of the per-layer part.

    The ratio is `lars_trust_ratio` of all the group's tensors (with gradients) joined into one vector, shared by
    every tensor of the group; everything else is LARS's. A group with `layer_adaptation=False` (biases and
    normalization, see `exclude_bias_and_norm`) uses ratio 1 and its own weight decay, exactly as in LARS, so the
    two differ only in per-tensor against joint norms. With a single adapted tensor it takes LARS's steps.
    """

    @torch.no_grad()
    def step(self, closure=None):
        """Perform one update; `closure` re-evaluates the model and returns the loss."""
        self._joint = {}
        for i, group in enumerate(self.param_groups):
            params = [p for p in group["params"] if p.grad is not None]
            if group["layer_adaptation"] and params:
                w = torch.cat([p.detach().flatten() for p in params])
                g = torch.cat([p.grad.flatten() for p in params])
                self._joint[i] = lars_trust_ratio(w, g, group["trust_coefficient"], group["weight_decay"],
                                                  group["eps"])
        return super().step(closure)

    def trust_ratio(self, p: torch.Tensor, g: torch.Tensor, group: dict) -> torch.Tensor:
        """The group's joint factor this step (1 in a group without layer adaptation)."""
        if not group["layer_adaptation"]:
            return torch.ones((), dtype=p.dtype, device=p.device)
        return self._joint[next(i for i, grp in enumerate(self.param_groups) if grp is group)]


class LAMB(_Scratch):
    """Layer-wise adaptive moments (You et al. 2019): AdamW's direction, rescaled per tensor.

    u = m_hat / (sqrt(v_hat) + eps) + weight_decay w (bias-corrected moments as in Adam); w -= lr * ratio * u with
    ratio = `lamb_trust_ratio(w, u)`. With ratio 1 this is torch.optim.AdamW. A param group with
    `layer_adaptation=False` uses ratio 1. The last ratio of each tensor is kept in `state['trust_ratio']`.
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-6, weight_decay: float = 0.0, layer_adaptation: bool = True):
        _check("learning rate", lr), _check("eps", eps), _check("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, betas=_check_betas(betas), eps=eps, weight_decay=weight_decay,
                                      layer_adaptation=bool(layer_adaptation)))
        for group in self.param_groups:
            _check("learning rate", group["lr"]), _check("weight_decay", group["weight_decay"])

    def _init_state(self, p, state, group):
        state["step"] = 0
        state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)

    def trust_ratio(self, p: torch.Tensor, u: torch.Tensor, group: dict) -> torch.Tensor:
        """The factor of tensor `p` for direction `u` this step (1 in a group without layer adaptation)."""
        if not group["layer_adaptation"]:
            return torch.ones((), dtype=p.dtype, device=p.device)
        return lamb_trust_ratio(p, u)

    def _update(self, p, g, state, group):
        denom, bc1 = _adam_moments(g, state, group)
        u = state["exp_avg"].div(denom).div_(bc1)
        if group["weight_decay"] != 0:
            u.add_(p, alpha=group["weight_decay"])
        ratio = self.trust_ratio(p, u, group)
        state["trust_ratio"] = ratio
        p.sub_(u.mul_(ratio).mul_(group["lr"]))


class AdamW(_Scratch):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019) as `torch.optim.AdamW` computes it.

    w -= lr * weight_decay * w, then Adam's step (bias-corrected moments, eps outside the root; optional AMSGrad,
    `maximize` ascends). Unlike Adam's `weight_decay` (an L2 term added to g), the decay is not divided by sqrt(v_hat).
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, maximize: bool = False):
        _check("learning rate", lr), _check("eps", eps), _check("weight_decay", weight_decay)
        super().__init__(params, dict(lr=lr, betas=_check_betas(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=bool(amsgrad), maximize=bool(maximize)))

    def _init_state(self, p, state, group):
        Adam._init_state(self, p, state, group)

    def _update(self, p, g, state, group):
        if group["maximize"]:
            g = -g
        p.mul_(1 - group["lr"] * group["weight_decay"])
        Adam._update(self, p, g, state, dict(group, weight_decay=0.0))


class _HyperGradient(torch.optim.Optimizer):
    """Hypergradient descent (Baydin et al. 2018): before each step the group's lr moves by
    hypergrad_lr * <g_t, u_{t-1}>, minus the derivative of the loss with respect to the previous step's lr, where
    u_{t-1} is the previous step's direction (w -= lr u). The lr used at each step is recorded in `lr_history`."""

    def __init__(self, params, defaults: dict):
        _check("learning rate", defaults["lr"]), _check("hypergrad_lr", defaults["hypergrad_lr"])
        _check("weight_decay", defaults["weight_decay"])
        super().__init__(params, defaults)
        for group in self.param_groups:
            _check("learning rate", group["lr"]), _check("hypergrad_lr", group["hypergrad_lr"])
        self.lr_history: list[list[float]] = [[] for _ in self.param_groups]

    @torch.no_grad()
    def step(self, closure=None):
        """Update each group's lr by its hypergradient, then take the step; `closure` returns the loss."""
        loss = _closure_loss(closure)
        for k, group in enumerate(self.param_groups):
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                if p.grad.is_sparse or torch.is_complex(p):
                    raise RuntimeError(f"{type(self).__name__} supports only dense real parameters")
            grads = [p.grad.add(p, alpha=group["weight_decay"]) if group["weight_decay"] != 0 else p.grad
                     for p in params]
            dirs = [self.state[p]["direction"] for p in params if "direction" in self.state[p]]
            if group["hypergrad_lr"] != 0 and len(dirs) == len(params) and params:
                h = sum(torch.sum(g * u) for g, u in zip(grads, dirs))
                group["lr"] = group["lr"] + group["hypergrad_lr"] * float(h)
            for p, g in zip(params, grads):
                state = self.state[p]
                state["step"] = int(state.get("step", 0)) + 1
                self._update(p, g, state, group)
            if k < len(self.lr_history):
                self.lr_history[k].append(group["lr"])
        return loss


class SGDHD(_HyperGradient):
    """SGD-HD: plain SGD (as torch.optim.SGD without momentum) whose lr follows its hypergradient <g_t, g_{t-1}>."""

    def __init__(self, params: Iterable, lr: float = 1e-3, hypergrad_lr: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, hypergrad_lr=hypergrad_lr, weight_decay=weight_decay))

    def _update(self, p, g, state, group):
        state["direction"] = g.clone()
        p.add_(g, alpha=-group["lr"])


class AdamHD(_HyperGradient):
    """Adam-HD: torch.optim.Adam's step whose lr follows its hypergradient <g_t, u_{t-1}>, u the Adam direction."""

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, hypergrad_lr: float = 0.0, weight_decay: float = 0.0):
        _check("eps", eps)
        super().__init__(params, dict(lr=lr, betas=_check_betas(betas), eps=eps, hypergrad_lr=hypergrad_lr,
                                      weight_decay=weight_decay))

    def _update(self, p, g, state, group):
        if "exp_avg" not in state:
            state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        denom, bc1 = _adam_moments(g, state, group)
        state["direction"] = state["exp_avg"] / denom / bc1
        p.addcdiv_(state["exp_avg"], denom, value=-group["lr"] / bc1)


# ---------------------------------------------------------------- schedules (learning rate at step k, from 0)
def warmup_cosine(step: int, total_steps: int, warmup_steps: int, base_lr: float, start_factor: float = 0.1,
                  min_lr: float = 0.0) -> float:
    """Linear warm-up from start_factor * base_lr over `warmup_steps`, then cosine decay to `min_lr` at `total_steps`.

    The values of torch's SequentialLR([LinearLR(start_factor, total_iters=warmup_steps),
    CosineAnnealingLR(T_max=total_steps - warmup_steps, eta_min=min_lr)], milestones=[warmup_steps]).
    """
    if not (isinstance(step, int) and 0 <= step <= total_steps):
        raise ValueError(f"Invalid step: {step!r} (must be an int in [0, total_steps={total_steps}])")
    if not (isinstance(warmup_steps, int) and 0 <= warmup_steps < total_steps):
        raise ValueError(f"Invalid warmup_steps: {warmup_steps!r} (must be an int in [0, total_steps))")
    _check("base_lr", base_lr), _check("start_factor", start_factor, high=1.0, low_open=True)
    _check("min_lr", min_lr, high=base_lr)
    if step < warmup_steps:
        return base_lr * (start_factor + (1 - start_factor) * step / warmup_steps)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * progress)) / 2


def one_cycle(step: int, total_steps: int, max_lr: float, pct_start: float = 0.3, div_factor: float = 25.0,
              final_div_factor: float = 1e4) -> float:
    """The one-cycle policy as torch.optim.lr_scheduler.OneCycleLR (cosine annealing, two phases) computes it:
    from max_lr / div_factor up to max_lr over pct_start of the steps, then down to that / final_div_factor."""
    if not (isinstance(total_steps, int) and total_steps > 0):
        raise ValueError(f"Invalid total_steps: {total_steps!r} (must be a positive int)")
    if not (isinstance(step, int) and 0 <= step <= total_steps):
        raise ValueError(f"Invalid step: {step!r} (must be an int in [0, total_steps={total_steps}])")
    _check("max_lr", max_lr), _check("pct_start", pct_start, high=1.0, low_open=True, high_open=True)
    _check("div_factor", div_factor, low_open=True), _check("final_div_factor", final_div_factor, low_open=True)
    initial = max_lr / div_factor
    peak_step = float(pct_start * total_steps) - 1

    def cos(start, end, pct):
        return end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)
    if step <= peak_step:
        return cos(initial, max_lr, step / peak_step)
    return cos(max_lr, initial / final_div_factor, (step - peak_step) / (total_steps - 1 - peak_step))


# ---------------------------------------------------------------- warm-up
def linear_warmup(optimizer: torch.optim.Optimizer, steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Scale every learning rate by min(1, t / steps) at step t = 1, 2, ...: the first step uses lr / steps.

    The schedule advances itself after every `optimizer.step()` (a step hook), so any training loop, including
    `train_autoencoder`, warms up without knowing about it. Returns the scheduler (its state can be saved).
    """
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
        raise ValueError(f"Invalid steps: {steps!r} (must be a positive int)")
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: min(1.0, (t + 1) / steps))
    optimizer.register_step_post_hook(lambda *_: scheduler.step())
    return scheduler
