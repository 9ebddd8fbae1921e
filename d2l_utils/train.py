"""Training loops: timers, the d2l chapter-7 trainers (2-D, scratch, concise), the autoencoder trainer, and `race`
(a fair comparison of optimizers: a grid per optimizer chosen on held-out data, several seeds)."""
import contextlib
import math
import time
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .data import minibatches
from .models import _bce
from .optim import train_2d  # re-exported: the runner lives beside its 2-D steppers
from .plotting import set_figsize, static_outputs

__all__ = ["Timer", "Accumulator", "NonFiniteLossError", "check_finite", "train_2d", "linreg", "squared_loss",
           "train_ch7", "train_pytorch_ch7", "train_ch7_timed", "sgd_linreg_runs", "fit_linreg", "param_gap",
           "functional_step", "train_autoencoder", "Race", "race"]


class Timer:
    """Record several running times."""

    def __init__(self):
        self.times: list[float] = []
        self.start()

    def start(self) -> None:
        """Start the timer."""
        self.tik = time.perf_counter()

    def stop(self) -> float:
        """Stop the timer, record the time and return it."""
        self.times.append(time.perf_counter() - self.tik)
        return self.times[-1]

    def avg(self) -> float:
        """The average recorded time."""
        return sum(self.times) / len(self.times)

    def sum(self) -> float:
        """The total recorded time."""
        return sum(self.times)

    def cumsum(self) -> list[float]:
        """The accumulated times."""
        return np.array(self.times).cumsum().tolist()


class Accumulator:
    """Sum `n` running quantities."""

    def __init__(self, n: int):
        self.data = [0.0] * n

    def add(self, *args) -> None:
        """Add one value to each quantity."""
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self) -> None:
        """Set every quantity to 0."""
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


class NonFiniteLossError(FloatingPointError):
    """Training produced an infinite or NaN loss."""


def check_finite(loss: float, where: str, hint: str = "") -> None:
    """Raise NonFiniteLossError with advice if `loss` is inf or NaN."""
    if not math.isfinite(loss):
        raise NonFiniteLossError(f"The loss became {loss} {where}: training diverged. Try a smaller learning "
                                 f"rate{hint} (or gradient clipping), and check the inputs for NaN or inf.")


# ---------------------------------------------------------------- linear regression (d2l chapter 7)
def linreg(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The linear regression model X w + b."""
    return torch.matmul(X, w) + b


def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Element-wise squared loss (y_hat - y)^2 / 2."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def _fit_ch7(forward: Callable, step: Callable, features, labels, batch_size: int, num_epochs: int,
             hint: str, plot: bool = True) -> tuple[list[float], list[float]]:
    """The loop the chapter-7 trainers share: full-data loss at the start and every 100 examples (off the clock),
    print, plot; returns (training seconds so far, loss) at each record."""
    if not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"Invalid batch_size: {batch_size!r} (must be a positive int)")
    if not isinstance(num_epochs, int) or num_epochs <= 0:
        raise ValueError(f"Invalid num_epochs: {num_epochs!r} (must be a positive int)")

    def eval_loss() -> float:
        with torch.no_grad():
            return squared_loss(forward(features), labels).mean().item()

    ls, timer = [eval_loss()], Timer()
    for epoch in range(num_epochs):
        for batch_i, (X, y) in enumerate(minibatches(features, labels, batch_size=batch_size)):
            step(squared_loss(forward(X), y).mean())
            if (batch_i + 1) * batch_size % 100 == 0:
                timer.stop()                      # the evaluation below is not training: keep it off the clock
                ls.append(eval_loss())
                check_finite(ls[-1], f"in epoch {epoch + 1} after {(batch_i + 1) * batch_size} examples", hint)
                timer.start()
    print('loss: %f, %f sec per epoch' % (ls[-1], timer.sum() / num_epochs))
    if plot:
        set_figsize()
        plt.plot(np.linspace(0, num_epochs, len(ls)), ls)
        plt.xlabel('epoch')
        plt.ylabel('loss')
    return [0.0] + timer.cumsum(), ls


def _scratch_ch7(trainer_fn, states, hyperparams: dict, features, labels, batch_size: int, num_epochs: int,
                 plot: bool) -> tuple[list[float], list[float]]:
    """Linear regression from scratch (w ~ N(0, 0.01), b = 0) trained by `trainer_fn` in the chapter-7 loop."""
    w = torch.normal(0.0, 0.01, size=(features.shape[1], 1), device=features.device, requires_grad=True)
    b = torch.zeros(1, device=features.device, requires_grad=True)

    def step(loss):
        w.grad, b.grad = None, None
        loss.backward()
        trainer_fn([w, b], states, hyperparams)

    return _fit_ch7(lambda X: linreg(X, w, b), step, features, labels, batch_size, num_epochs,
                    f" than lr={hyperparams.get('lr')}" if "lr" in hyperparams else "", plot)


def train_ch7(trainer_fn, states, hyperparams: dict, features, labels, batch_size: int = 10,
              num_epochs: int = 2) -> list[float]:
    """Train linear regression from scratch with `trainer_fn(params, states, hyperparams)`; return the losses."""
    return _scratch_ch7(trainer_fn, states, hyperparams, features, labels, batch_size, num_epochs, plot=True)[1]


def train_pytorch_ch7(optimizer_fn, optimizer_hyperparams: dict, features, labels, batch_size: int = 10,
                      num_epochs: int = 2) -> list[float]:
    """Train linear regression with a `torch.optim` optimizer class; return the losses (½ MSE)."""
    # The same draws as train_ch7 (w ~ N(0, 0.01), b = 0): with the same seed both see the same init and minibatches.
    net = nn.utils.skip_init(nn.Linear, features.shape[-1], 1, device=features.device)
    with torch.no_grad():
        net.weight.copy_(torch.normal(0.0, 0.01, size=(features.shape[1], 1), device=features.device).T)
        net.bias.zero_()
    optimizer = optimizer_fn(net.parameters(), **optimizer_hyperparams)

    def step(loss):
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    lr = optimizer_hyperparams.get("lr")
    return _fit_ch7(net, step, features, labels, batch_size, num_epochs, f" than lr={lr}" if lr else "")[1]


def train_ch7_timed(trainer_fn, states, hyperparams: dict, features, labels, batch_size: int = 10,
                    num_epochs: int = 2, repeats: int = 1) -> tuple[list[float], list[float]]:
    """`train_ch7` without its plot, returning (training seconds so far, loss) at each record, as d2l's `train_ch11`
    times only the training. With `repeats` > 1 the same run (same random state, fresh copies of `states`) is timed
    that many times and the fastest is kept: a busy machine's pauses only ever add time."""
    import contextlib
    import copy
    import io

    if not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"Invalid repeats: {repeats!r} (must be a positive int)")
    rng, best = torch.random.get_rng_state(), None
    cuda_rng = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
    for _ in range(repeats):
        torch.random.set_rng_state(rng)
        if cuda_rng is not None:
            torch.cuda.set_rng_state_all(cuda_rng)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            seconds, losses = _scratch_ch7(trainer_fn, copy.deepcopy(states), hyperparams, features, labels,
                                           batch_size, num_epochs, plot=False)
        if best is None or seconds[-1] < best[0][-1]:
            best = seconds, losses, out.getvalue()
    print(best[2], end="")
    return best[0], best[1]


def sgd_linreg_runs(features, labels, lrs, seeds=(0,), num_epochs: int = 3, every: int = 100) -> torch.Tensor:
    """SGD with batch size 1 on linear regression (½ squared loss), float64, many runs at once.

    `lrs` are learning rates or schedules `t -> lr` (t = 0, 1, ... counts the steps); each is run with every seed
    (the seed draws w ~ N(0, 0.01²), b = 0 and each epoch's order). Returns the full-data losses, shape
    (len(lrs), len(seeds), 1 + records), at the start and every `every` examples.
    """
    if not isinstance(num_epochs, int) or num_epochs <= 0:
        raise ValueError(f"Invalid num_epochs: {num_epochs!r} (must be a positive int)")
    X = torch.cat([features, torch.ones(len(features), 1, device=features.device)], 1).double()
    y = labels.double().reshape(-1)
    n, steps = len(X), num_epochs * len(X)
    w0, order = [], []
    for s in seeds:
        gen = torch.Generator().manual_seed(s)
        w0.append(torch.cat([torch.normal(0.0, 0.01, size=(X.shape[1] - 1,), generator=gen), torch.zeros(1)]))
        order.append(torch.cat([torch.randperm(n, generator=gen) for _ in range(num_epochs)]))
    W = torch.stack(w0).double().repeat(len(lrs), 1).to(X.device)                 # run r = i * len(seeds) + k
    order = torch.stack(order).repeat(len(lrs), 1).to(X.device)
    rate = torch.tensor([[lr(t) if callable(lr) else lr for t in range(steps)] for lr in lrs], dtype=torch.float64)
    rate = rate.repeat_interleave(len(seeds), 0).to(X.device)
    loss = lambda: 0.5 * ((W @ X.T - y) ** 2).mean(1)  # noqa: E731
    ls = [loss()]
    for t in range(steps):
        x = X[order[:, t]]
        W -= (rate[:, t] * ((x * W).sum(1) - y[order[:, t]]))[:, None] * x   # w -= lr (x.w - y) x, every run
        if (t + 1) % every == 0:
            ls.append(loss())
    return torch.stack(ls, 1).reshape(len(lrs), len(seeds), -1).cpu()


def fit_linreg(trainer_fn, init_states, hyperparams: dict, splits: dict, num_epochs: int = 20,
               batch_size: int = 10, seed: int = 0, average_last: int = 5) -> dict:
    """Train linear regression on splits['train'] with a functional optimizer; return held-out losses and curves.

    `init_states(X_train)` makes fresh optimizer states (None: stateless, like `sgd`); `hyperparams` is copied, so
    Adam's step count starts afresh. `seed` fixes the initial weights (w ~ N(0, 0.01), b = 0) and the minibatch
    order. Returns 'val' (the validation loss averaged over the last `average_last` epochs), 'test' (the test loss
    after the last epoch), and 'val_curve' / 'test_curve' (the loss before training and after every epoch). A run
    whose loss overflows stops there with val = test = nan (a race counts it as the worst).
    """
    if not isinstance(num_epochs, int) or num_epochs <= 0:
        raise ValueError(f"Invalid num_epochs: {num_epochs!r} (must be a positive int)")
    if not isinstance(average_last, int) or not 0 < average_last <= num_epochs:
        raise ValueError(f"Invalid average_last: {average_last!r} (an int in [1, num_epochs])")
    X, y = splits["train"]
    gen = torch.Generator().manual_seed(seed)
    w = torch.normal(0.0, 0.01, size=(X.shape[1], 1), generator=gen).to(X.device).requires_grad_()
    b = torch.zeros(1, device=X.device, requires_grad=True)
    states, hp = (init_states(X) if init_states is not None else None), dict(hyperparams)

    def held_out(part: str) -> float:
        with torch.no_grad():
            return squared_loss(linreg(splits[part][0], w, b), splits[part][1]).mean().item()

    curves = {"val_curve": [held_out("val")], "test_curve": [held_out("test")]}
    for _ in range(num_epochs):
        for Xb, yb in minibatches(X, y, batch_size=batch_size, generator=gen):
            w.grad, b.grad = None, None
            squared_loss(linreg(Xb, w, b), yb).mean().backward()
            trainer_fn([w, b], states, hp)
        for key, part in (("val_curve", "val"), ("test_curve", "test")):
            curves[key].append(held_out(part))
        if not math.isfinite(curves["val_curve"][-1]):
            return {"val": math.nan, "test": math.nan, **curves}
    return {"val": float(np.mean(curves["val_curve"][-average_last:])), "test": curves["test_curve"][-1], **curves}


def param_gap(make_a: Callable, make_b: Callable, features, labels, steps: int = 300, batch_size: int = 10,
              seed: int = 1) -> float:
    """Two copies of linear regression take the same `steps` minibatch steps; return the largest parameter gap.

    `make_a(params)` / `make_b(params)` return a step() function, e.g. `torch.optim.Adam(params).step` or
    `functional_step(d2l.adam, d2l.init_adam_states, {...})`.
    """
    gen = torch.Generator().manual_seed(seed)
    w = torch.normal(0.0, 0.01, size=(features.shape[1], 1), generator=gen).to(features.device)
    b = torch.zeros(1, device=features.device)
    copies = [[w.clone().requires_grad_(), b.clone().requires_grad_()] for _ in range(2)]
    updates = [(ps, make(ps)) for ps, make in zip(copies, (make_a, make_b))]
    done = 0
    while done < steps:
        for X, y in minibatches(features, labels, batch_size=batch_size, generator=gen):
            for params, update in updates:
                for p in params:
                    p.grad = None
                squared_loss(linreg(X, *params), y).mean().backward()
                update()
            done += 1
            if done == steps:
                break
    return max((p - q).abs().max().item() for p, q in zip(*copies))


def functional_step(trainer_fn, init_states, hyperparams: dict) -> Callable:
    """params -> step(): a functional optimizer with its own states (None: stateless) and a copy of `hyperparams`."""
    def make(params):
        states, hp = (init_states(params) if init_states is not None else None), dict(hyperparams)
        return lambda: trainer_fn(params, states, hp)
    return make


# ---------------------------------------------------------------- autoencoders
def _recon_loss(kind):
    if callable(kind):
        return kind
    if kind == "mse":
        return lambda net, x_in, x: F.mse_loss(net(x_in), x)
    if kind == "bce":
        return lambda net, x_in, x: _bce(net(x_in), x)
    raise ValueError(f"Invalid loss: {kind!r} (must be 'mse', 'bce' or a callable (net, x_in, x) -> loss)")


def _mean_terms(net: nn.Module, terms: Callable, data: torch.Tensor, batch_size: int = 1024) -> dict[str, float]:
    """The mean over `data` of each loss term `terms(x)` returns (a dict), in eval mode and without gradients."""
    net.eval()
    sums, n = {}, 0
    with torch.no_grad():
        for (x,) in minibatches(data, batch_size=batch_size, shuffle=False):
            for k, v in terms(x).items():
                sums[k] = sums.get(k, 0.0) + v.detach() * len(x)
            n += len(x)
    return {k: (v / n).item() for k, v in sums.items()}


# ---------------------------------------------------------------- data parallelism inside train_autoencoder
def _process_group():
    """torch.distributed when this process is one rank of an initialised group (torchrun, d2l.launch), else None."""
    import torch.distributed as dist  # lazy: only data-parallel training needs it
    return dist if dist.is_available() and dist.is_initialized() else None


def _data_parallel(net: torch.nn.Module, device: torch.device, n: int, batch_size: int, micro_batches: int,
                   seed: int | None) -> tuple[torch.nn.Module, int, int]:
    """(the module to call, rank, world size): `net` alone, or wrapped in DistributedDataParallel inside a group."""
    dist = _process_group()
    if dist is None:
        return net, 0, 1
    w = dist.get_world_size()
    if batch_size % w:
        raise ValueError(f"Invalid batch_size: {batch_size} (the global batch must be divisible by the {w} workers; "
                         f"try {batch_size - batch_size % w or w})")
    if seed is None:
        raise ValueError("Invalid seed: None (under torch.distributed every rank must draw the same batches: give "
                         "an int seed)")
    if 0 < n % batch_size < w:
        raise ValueError(f"The last batch of {n % batch_size} of the {n} examples cannot give each of the {w} "
                         f"workers an example: drop {n % batch_size} examples or change batch_size")
    ids = [device.index] if device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(net, device_ids=ids), dist.get_rank(), w


def _shards(data: torch.Tensor, batch_size: int, generator, rank: int, world: int):
    """For each global batch (the order of `minibatches` with this generator): this rank's rows and the batch size."""
    idx = torch.randperm(len(data), generator=generator).to(data.device)
    for i in range(0, len(data), batch_size):
        j = idx[i:i + batch_size]
        yield data[j[rank::world]], len(j)


def _accumulate(model, terms: Callable, x: torch.Tensor, m: int, world: int, micro_batches: int, sums: dict) -> int:
    """Backward of this rank's rows `x` of a global batch of `m`, in `micro_batches` parts, each loss weighted so
    that the (DDP-averaged) gradients are those of the mean over the whole batch; logs into `sums`."""
    parts = [c for c in x.tensor_split(micro_batches) if len(c)]
    for i, c in enumerate(parts):
        last = i == len(parts) - 1 or not hasattr(model, "no_sync")
        with contextlib.nullcontext() if last else model.no_sync():   # DDP all-reduces at the last part only
            out = terms(c)
            scale = len(c) * world / m
            (out["loss"] * scale if scale != 1 else out["loss"]).backward()
        for k, v in out.items():
            sums[k] = sums.get(k, 0.0) + v.detach() * len(c)
    return len(x)


def _sum_over_ranks(sums: dict, n: int) -> tuple[dict, int]:
    """The loss sums and example count of the epoch, added over all ranks (one all-reduce)."""
    keys = sorted(sums)
    t = torch.stack([sums[k] for k in keys])
    t = torch.cat([t, torch.tensor([float(n)], dtype=t.dtype, device=t.device)])
    _process_group().all_reduce(t)
    return {k: t[i] for i, k in enumerate(keys)}, int(round(t[-1].item()))


def _progress_bar(total: int, desc: str, progress: bool = True):
    """A tqdm bar (a widget in a notebook) that disappears when done; off where outputs are stored or compared."""
    from tqdm.auto import tqdm  # lazy: optional progress bar
    return tqdm(total=total, desc=desc, disable=not progress or static_outputs(), leave=False)


def train_autoencoder(net: nn.Module, optimizer: torch.optim.Optimizer, data: torch.Tensor, epochs: int = 5,
                      batch_size: int = 128, loss="mse", device=None, val_data: torch.Tensor | None = None,
                      corrupt: Callable | None = None, seed: int | None = 0, progress: bool = True,
                      animate: bool = False, micro_batches: int = 1) -> dict[str, list[float]]:
    """Train `net` to reconstruct `data`; return per-epoch 'train_loss', 'val_loss' and 'epoch_time' lists.

    `loss` is 'mse', 'bce' or a callable (net, x_in, x) -> scalar, or -> dict of terms whose 'loss' is optimized
    (every term is logged). `corrupt(x)` makes the input of a denoising autoencoder (the target stays clean).
    `progress` shows a bar over the epochs while it runs, except where outputs are stored or compared
    (`d2l_utils.plotting.static_outputs`).
    `micro_batches` > 1 accumulates each batch's gradient over that many parts before the step (same update, less
    memory). Inside a torch.distributed process group (e.g. under torchrun) `batch_size` is the global batch: each
    rank computes the gradient of its shard, DistributedDataParallel averages them, and only rank 0 shows progress.
    """
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs <= 0:
        raise ValueError(f"Invalid epochs: {epochs!r} (must be a positive int)")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
        raise ValueError(f"Invalid batch_size: {batch_size!r} (must be a positive int)")
    for name, d in (("data", data), ("val_data", val_data)):
        if d is not None and not isinstance(d, torch.Tensor):
            raise TypeError(f"{name} must be a tensor of inputs, got {type(d).__name__}"
                            + (" (pass its .X or .X_val)" if hasattr(d, "X") else ""))
        if d is not None and len(d) == 0:
            raise ValueError(f"{name} is empty")
    if not isinstance(micro_batches, int) or isinstance(micro_batches, bool) or micro_batches <= 0:
        raise ValueError(f"Invalid micro_batches: {micro_batches!r} (must be a positive int)")
    if corrupt is not None and not callable(corrupt):
        raise ValueError(f"Invalid corrupt: {corrupt!r} (must be a callable x -> corrupted x, or None)")
    loss_fn = _recon_loss(loss)
    device = torch.device(device) if device is not None else data.device
    net.to(device)
    for group in optimizer.param_groups:  # state created before net.to(device) follows its parameter
        for p in group["params"]:
            state = optimizer.state.get(p, {})
            for k, v in state.items():
                if isinstance(v, torch.Tensor) and v.dim() > 0 and v.device != p.device:
                    state[k] = v.to(p.device)
    data = data.to(device)
    val_data = val_data.to(device) if val_data is not None else None
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    model, rank, world = _data_parallel(net, device, len(data), batch_size, micro_batches, seed)
    if rank > 0:
        progress = animate = False

    def terms(x, net=net):
        x_in = corrupt(x) if corrupt is not None else x
        out = loss_fn(net, x_in, x)
        return out if isinstance(out, dict) else {"loss": out}

    history: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "epoch_time": []}
    animator = None
    if animate:
        from .plotting import Animator
        animator = Animator(xlabel="epoch", ylabel="loss", xlim=[1, epochs] if epochs > 1 else None,
                            legend=["train", "validation"] if val_data is not None else ["train"])
    bar = _progress_bar(epochs, "epochs", progress)
    for epoch in range(epochs):
        net.train()
        t0, sums, n = time.perf_counter(), {}, 0
        if world == 1 and micro_batches == 1:   # one process, whole batches: the plain loop
            for (x,) in minibatches(data, batch_size=batch_size, generator=gen):
                out = terms(x)
                optimizer.zero_grad(set_to_none=True)
                out["loss"].backward()
                optimizer.step()
                for k, v in out.items():
                    sums[k] = sums.get(k, 0.0) + v.detach() * len(x)
                n += len(x)
        else:
            for x, m in _shards(data, batch_size, gen, rank, world):
                optimizer.zero_grad(set_to_none=True)
                n += _accumulate(model, lambda c: terms(c, model), x, m, world, micro_batches, sums)
                optimizer.step()
            if world > 1:
                sums, n = _sum_over_ranks(sums, n)
        train = {k: (v / n).item() for k, v in sums.items()}  # the one device sync of the epoch
        history["epoch_time"].append(time.perf_counter() - t0)
        check_finite(train["loss"], f"in epoch {epoch + 1}",
                     f" than lr={optimizer.param_groups[0]['lr']}" if "lr" in optimizer.param_groups[0] else "")
        for k, v in train.items():
            history.setdefault("train_" + k, []).append(v)
        if val_data is not None:
            val = _mean_terms(net, terms, val_data)
            check_finite(val["loss"], f"on the validation data after epoch {epoch + 1}")
            for k, v in val.items():
                history.setdefault("val_" + k, []).append(v)
        bar.set_postfix(train=f"{train['loss']:.4f}",
                        **({"val": f"{history['val_loss'][-1]:.4f}"} if val_data is not None else {}))
        bar.update(1)
        if animator is not None:
            animator.add(epoch + 1, [train["loss"]] + ([history["val_loss"][-1]] if val_data is not None else []))
    bar.close()
    if animator is not None:
        animator.show()
    if val_data is None:
        del history["val_loss"]
    return history


# ---------------------------------------------------------------- fair comparisons
class Race:
    """The outcome of `race`: grid results, the chosen rates, and the runs at those rates for every seed."""

    def __init__(self, grids: dict, grid: dict, chosen: dict, runs: dict, seeds: tuple, metric: str,
                 tune_seeds: tuple = ()):
        self.grids, self.grid, self.chosen, self.runs = grids, grid, chosen, runs
        self.seeds, self.metric, self.tune_seeds = seeds, metric, tuple(tune_seeds)

    @property
    def untouched_seeds(self) -> tuple:
        """The seeds that played no part in choosing the rates."""
        return tuple(s for s in self.seeds if s not in self.tune_seeds)

    def runs_at(self, name: str, untouched: bool = False) -> list:
        """`name`'s runs at its chosen rate, one per seed (only the untouched seeds' when `untouched`)."""
        keep = self.untouched_seeds if untouched else self.seeds
        return [r for s, r in zip(self.seeds, self.runs[name]) if s in keep]

    def scores(self, name: str, key: str | None = None, untouched: bool = False) -> np.ndarray:
        """`name`'s held-out score (`key`, default the test metric) at its chosen rate, one per seed."""
        return np.array([float(r[key or self.metric]) for r in self.runs_at(name, untouched)])

    def beats(self, a: str, b: str, key: str | None = None, untouched: bool = False) -> bool:
        """True when `a` scores lower than `b` on every seed (seed by seed: same data order, same initialization)."""
        return bool(np.all(self.scores(a, key, untouched) < self.scores(b, key, untouched)))

    def inside_grid(self, name: str) -> bool:
        """True when the chosen rate is neither the smallest nor the largest of its grid (else widen the grid)."""
        lrs = sorted(self.grids[name])
        return lrs[0] < self.chosen[name] < lrs[-1]

    def grid_table(self, key: str = "val") -> str:
        """One line per optimizer: the tuning score of every rate of its grid, the chosen one marked with *."""
        lines, w = [], self._width()
        for name, lrs in self.grids.items():
            cells = [f"lr {lr:<7g}{_mean_score(self.grid[name][lr], key):8.4f}"
                     + (" *" if lr == self.chosen[name] else "  ") for lr in lrs]
            lines.append(f"{name:<{w}}" + "  ".join(cells))
        return "\n".join(lines)

    def table(self, key: str | None = None, untouched: bool = False, fmt: str = ".4f") -> str:
        """One line per optimizer: chosen rate, mean (min–max) of the held-out score over the (untouched) seeds."""
        key, w = key or self.metric, self._width()
        seeds = list(self.untouched_seeds if untouched else self.seeds)
        which = "untouched seeds" if untouched else "seeds"
        lines = [f"{'optimizer':<{w}}{'lr':>8}  {key} mean (min–max) over {which} {seeds}"]
        for name in self.grids:
            s = self.scores(name, key, untouched)
            lines.append(f"{name:<{w}}{self.chosen[name]:>8g}  {s.mean():{fmt}} ({s.min():{fmt}}–{s.max():{fmt}})")
        return "\n".join(lines)

    def rate_table(self, key: str = "val", fmt: str = ".4f") -> str:
        """The tuning scores as a table: one row per learning rate, one column per optimizer (* = chosen)."""
        names = list(self.grids)
        w = max([10] + [len(n) + 2 for n in names])
        lines = [f"{'lr':<9}" + "".join(f"{n:>{w}}" for n in names)]
        for lr in sorted({lr for lrs in self.grids.values() for lr in lrs}):
            cells = []
            for n in names:
                if lr not in self.grid[n]:
                    cells.append(" " * w)
                    continue
                mark = " *" if lr == self.chosen[n] else "  "
                cells.append(f"{_mean_score(self.grid[n][lr], key):{w - 2}{fmt}}{mark}")
            lines.append(f"{lr:<9g}" + "".join(cells))
        return "\n".join(lines)

    def _width(self) -> int:
        return max([10] + [len(name) + 2 for name in self.grids])   # 10 unless a name is longer than 8


def _mean_score(results: list, key: str) -> float:
    vals = [float(r[key]) for r in results]
    return float(np.mean(vals)) if all(math.isfinite(v) for v in vals) else math.inf


def race(run: Callable, grids: dict, seeds=(0, 1, 2), tune_seeds=(0,), tune_key: str = "val",
         metric: str = "test", progress: bool = True) -> Race:
    """Compare optimizers fairly: each gets its own learning-rate grid, the rate is chosen on held-out data, and the
    chosen rate is then run with every seed.

    `run(name, lr, seed)` trains one model and returns a dict with at least `tune_key` (the score used for choosing,
    on validation data; lower is better; non-finite counts as worst) and `metric` (the score reported, on data not
    used for choosing). The rate of each optimizer is the one with the lowest mean `tune_key` over `tune_seeds`;
    runs made while tuning are reused for those seeds. `progress` shows a bar over the runs (optimizer, rate and
    seed of the current one) while it runs, except where outputs are stored or compared.
    """
    seeds, tune_seeds = tuple(seeds), tuple(tune_seeds)
    if len(seeds) < 1 or not set(tune_seeds) <= set(seeds):
        raise ValueError(f"tune_seeds {tune_seeds} must be a subset of seeds {seeds}")
    for name, lrs in grids.items():
        if not lrs:
            raise ValueError(f"empty learning-rate grid for {name!r}")
    extra = len(set(seeds) - set(tune_seeds))
    bar = _progress_bar(sum(len(lrs) * len(tune_seeds) + extra for lrs in grids.values()), "race", progress)

    def one_run(name, lr, seed):
        bar.set_description(f"{name}, lr {lr:g}, seed {seed}")
        result = run(name, lr, seed)
        bar.update(1)
        return result

    grid, chosen, runs = {}, {}, {}
    for name, lrs in grids.items():
        grid[name] = {lr: [one_run(name, lr, s) for s in tune_seeds] for lr in lrs}
        chosen[name] = min(lrs, key=lambda lr: _mean_score(grid[name][lr], tune_key))
        done = dict(zip(tune_seeds, grid[name][chosen[name]]))
        runs[name] = [done[s] if s in done else one_run(name, chosen[name], s) for s in seeds]
    bar.close()
    return Race(dict(grids), grid, chosen, runs, seeds, metric, tune_seeds)


# ---------------------------------------------------------------- chapter 9: training with a per-step schedule
__all__ += ["train_scheduled", "reconstruction_loss"]


def reconstruction_loss(net: nn.Module, data: torch.Tensor, loss: str = "bce", batch_size: int = 1024) -> float:
    """The mean reconstruction loss ('bce' or 'mse') of `net` on `data`, in eval mode, without gradients."""
    loss_fn = _recon_loss(loss)
    mean = _mean_terms(net, lambda x: {"loss": loss_fn(net, x, x)}, data, batch_size)["loss"]
    net.train()
    return mean


def train_scheduled(net: nn.Module, optimizer: torch.optim.Optimizer, data: torch.Tensor, epochs: int,
                    batch_size: int, scheduler=None, loss="bce", seed: int = 0,
                    on_step: Callable | None = None, progress: bool = True,
                    max_loss: float = math.inf) -> list[float]:
    """Train an autoencoder on `data`; `scheduler.step()` and then `on_step(step)` after every update.

    Returns the training loss of every step (one host copy per epoch); stops with advice on a non-finite loss, or
    on an epoch whose last loss is above `max_loss` (a diverged run whose loss saturates, as BCE's does, instead
    of overflowing). `progress` shows a bar over the epochs while it runs, except where outputs are stored or
    compared.
    """
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs <= 0:
        raise ValueError(f"Invalid epochs: {epochs!r} (must be a positive int)")
    loss_fn, gen, losses, step = _recon_loss(loss), torch.Generator().manual_seed(seed), [], 0
    net.train()
    bar = _progress_bar(epochs, "epochs", progress)
    for epoch in range(epochs):
        epoch_losses = []
        for (x,) in minibatches(data, batch_size=batch_size, generator=gen):
            out = loss_fn(net, x, x)
            optimizer.zero_grad(set_to_none=True)
            out.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            step += 1
            if on_step is not None:
                on_step(step)
            epoch_losses.append(out.detach())
        losses += torch.stack(epoch_losses).tolist()
        hint = f" than lr={optimizer.param_groups[0].get('lr')}"
        check_finite(losses[-1], f"in epoch {epoch + 1}", hint)
        if losses[-1] > max_loss:
            raise NonFiniteLossError(f"The loss reached {losses[-1]:.4g} in epoch {epoch + 1}, above max_loss="
                                     f"{max_loss:g}: training diverged. Try a smaller learning rate{hint}.")
        bar.set_postfix(train=f"{losses[-1]:.4f}", refresh=False)
        bar.update(1)
    bar.close()
    return losses
