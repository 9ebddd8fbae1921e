"""The current d2l.ai edition's optimization helpers (its chapter-11 names), as one namespace.

`from d2l_utils import d2l_ai as d2l` stands in for that edition's `from d2l import torch as d2l`: the code of its
optimization sections (gd, sgd, minibatch-sgd, momentum, adagrad, rmsprop, adadelta, adam) runs unchanged and prints
what the book prints (`epoch 20, x1: -0.943467, x2: -0.000073`; `loss: 0.242, 0.031 sec/epoch`, whose last digit
varies with the random minibatches and whose time with the machine).

`import d2l_utils as d2l` is the PyTorch port's edition, the one this course follows: its `train_2d` prints
`epoch 20, x1 -0.943467, x2 -0.000073`. It also carries every name defined here that the port does not have
(`get_data_ch11`, `train_ch11`, `train_concise_ch11`, `evaluate_loss`, `load_array`, `DATA_URL`, the tensor aliases),
so the current book's code runs there too; only `train_2d`'s printed line differs.

One difference between the editions is kept out of the way: the current book's update functions zero `p.grad`
themselves and its `train_ch11` relies on that, while the port's update functions (`d2l_utils.sgd`, `adagrad`, ...)
leave the gradients to the trainer. `train_ch11` here clears the gradients before each backward pass, which changes
nothing for the book's functions and makes the port's ones correct in it too.
"""
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from .data import DATA_HUB, DATA_URL, download
from .plotting import Animator, plot, set_axes, set_figsize, show_images, show_trace_2d, use_svg_display
from .repro import try_gpu
from .train import Accumulator, Timer, linreg, squared_loss
from .train import train_2d as _train_2d_port

__all__ = [
    # helpers of the book's optimization chapter
    "train_2d", "get_data_ch11", "train_ch11", "train_concise_ch11", "evaluate_loss", "load_array",
    # shared with the port's edition
    "DATA_HUB", "DATA_URL", "download", "Animator", "Accumulator", "Timer", "plot", "set_axes", "set_figsize",
    "show_images", "show_trace_2d", "use_svg_display", "linreg", "squared_loss", "try_gpu", "plt",
    # the tensor aliases of the book's d2l/torch.py
    "ones_like", "ones", "zeros_like", "zeros", "tensor", "arange", "meshgrid", "sin", "sinh", "cos", "cosh",
    "tanh", "linspace", "exp", "log", "normal", "rand", "randn", "matmul", "int32", "int64", "float32", "concat",
    "stack", "abs", "eye", "sigmoid", "batch_matmul", "numpy", "size", "reshape", "to", "reduce_sum", "argmax",
    "astype", "transpose", "reduce_mean", "expand_dims", "swapaxes", "repeat",
]


# ---------------------------------------------------------------- 2-D traces (section gd)
def train_2d(trainer, steps: int = 20, f_grad=None) -> list[tuple]:
    """Run a 2-D optimizer from (-5, -2) with states 0; print `epoch N, x1: ..., x2: ...`; return every point."""
    results = _train_2d_port(trainer, steps, f_grad, verbose=False)
    x1, x2 = results[-1]
    print(f'epoch {steps}, x1: {float(x1):f}, x2: {float(x2):f}')
    return results


# ---------------------------------------------------------------- data (section minibatch-sgd)
def load_array(data_arrays, batch_size: int, is_train: bool = True) -> torch.utils.data.DataLoader:
    """A DataLoader over the tensors `data_arrays`, shuffled when `is_train`."""
    dataset = torch.utils.data.TensorDataset(*data_arrays)
    return torch.utils.data.DataLoader(dataset, batch_size, shuffle=is_train)


def get_data_ch11(batch_size: int = 10, n: int = 1500) -> tuple[torch.utils.data.DataLoader, int]:
    """The z-scored airfoil data, first `n` rows, as a shuffled DataLoader of (features, label), and the feature
    count."""
    data = np.genfromtxt(download("airfoil"), dtype=np.float32, delimiter="\t")
    data = torch.from_numpy((data - data.mean(axis=0)) / data.std(axis=0))
    data_iter = load_array((data[:n, :-1], data[:n, -1]), batch_size, is_train=True)
    return data_iter, data.shape[1] - 1


def evaluate_loss(net, data_iter, loss) -> float:
    """The mean of `loss` over every example of `data_iter`."""
    metric = Accumulator(2)  # sum of losses, number of loss values
    with torch.no_grad():
        for X, y in data_iter:
            out = net(X)
            values = loss(out, y.reshape(out.shape))
            metric.add(values.sum(), values.numel())
    return metric[0] / metric[1]


# ---------------------------------------------------------------- trainers (section minibatch-sgd)
def _fit_ch11(step, net, loss, data_iter, num_epochs: int, report_scale: float) -> tuple[list[float], list[float]]:
    """The loop both chapter-11 trainers share: evaluate every 200 examples, plot, print the book's line."""
    animator = Animator(xlabel='epoch', ylabel='loss', xlim=[0, num_epochs], ylim=[0.22, 0.35])
    n, timer = 0, Timer()
    for _ in range(num_epochs):
        for X, y in data_iter:
            step(X, y)
            n += X.shape[0]
            if n % 200 == 0:
                timer.stop()
                animator.add(n / X.shape[0] / len(data_iter), (evaluate_loss(net, data_iter, loss) * report_scale,))
                timer.start()
    animator.show()
    print(f'loss: {animator.Y[0][-1]:.3f}, {timer.sum() / num_epochs:.3f} sec/epoch')
    return timer.cumsum(), animator.Y[0]


def train_ch11(trainer_fn, states, hyperparams: dict, data_iter, feature_dim: int,
               num_epochs: int = 2) -> tuple[list[float], list[float]]:
    """Train linear regression from scratch with `trainer_fn(params, states, hyperparams)`.

    Returns (cumulative training seconds, losses): the loss over the whole data every 200 examples.
    """
    w = torch.normal(mean=0.0, std=0.01, size=(feature_dim, 1), requires_grad=True)
    b = torch.zeros((1), requires_grad=True)
    net = lambda X: linreg(X, w, b)

    def step(X, y):
        w.grad = b.grad = None   # a no-op for the book's update functions, which clear the gradients themselves
        squared_loss(net(X), y).mean().backward()
        trainer_fn([w, b], states, hyperparams)

    return _fit_ch11(step, net, squared_loss, data_iter, num_epochs, 1.0)


def train_concise_ch11(trainer_fn, hyperparams: dict, data_iter, num_epochs: int = 4) -> None:
    """Train linear regression with a `torch.optim` optimizer class; plot and print the loss (½ MSE)."""
    net = nn.Sequential(nn.Linear(5, 1))

    def init_weights(module):
        if type(module) is nn.Linear:
            torch.nn.init.normal_(module.weight, std=0.01)

    net.apply(init_weights)
    optimizer = trainer_fn(net.parameters(), **hyperparams)
    loss = nn.MSELoss(reduction='none')

    def step(X, y):
        optimizer.zero_grad()
        out = net(X)
        loss(out, y.reshape(out.shape)).mean().backward()
        optimizer.step()

    _fit_ch11(step, net, loss, data_iter, num_epochs, 0.5)   # MSELoss has no 1/2: halve it to match train_ch11


# ---------------------------------------------------------------- the book's tensor aliases (d2l/torch.py)
ones_like, ones, zeros_like, zeros, tensor = torch.ones_like, torch.ones, torch.zeros_like, torch.zeros, torch.tensor
arange, meshgrid, linspace, eye = torch.arange, torch.meshgrid, torch.linspace, torch.eye
sin, sinh, cos, cosh, tanh, exp, log = torch.sin, torch.sinh, torch.cos, torch.cosh, torch.tanh, torch.exp, torch.log
normal, rand, randn, matmul, batch_matmul = torch.normal, torch.rand, torch.randn, torch.matmul, torch.bmm
int32, int64, float32 = torch.int32, torch.int64, torch.float32
concat, stack, abs, sigmoid = torch.cat, torch.stack, torch.abs, torch.sigmoid


def numpy(x: torch.Tensor, *args, **kwargs) -> np.ndarray:
    """`x` as a NumPy array (detached)."""
    return x.detach().numpy(*args, **kwargs)


def size(x: torch.Tensor, *args, **kwargs) -> int:
    """The number of elements of `x`."""
    return x.numel(*args, **kwargs)


def reshape(x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """`x.reshape(...)`."""
    return x.reshape(*args, **kwargs)


def to(x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """`x.to(...)`."""
    return x.to(*args, **kwargs)


def reduce_sum(x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """`x.sum(...)`."""
    return x.sum(*args, **kwargs)


def reduce_mean(x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """`x.mean(...)`."""
    return x.mean(*args, **kwargs)


def argmax(x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """`x.argmax(...)`."""
    return x.argmax(*args, **kwargs)


def astype(x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """`x.type(...)`."""
    return x.type(*args, **kwargs)


def transpose(x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """`x.t()`."""
    return x.t(*args, **kwargs)


def expand_dims(x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """`x.unsqueeze(...)`."""
    return x.unsqueeze(*args, **kwargs)


def swapaxes(x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """`x.swapaxes(...)`."""
    return x.swapaxes(*args, **kwargs)


def repeat(x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """`x.repeat(...)`."""
    return x.repeat(*args, **kwargs)
