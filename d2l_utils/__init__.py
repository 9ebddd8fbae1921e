"""Helpers for the course 'Adaptive learning rates, from scratch to autoencoders'.

`import d2l_utils as d2l` gives the names of the d2l PyTorch port's chapter 7 (optimization), the course's own
helpers, and the current d2l.ai edition's chapter-11 names that the port lacks. `from d2l_utils import d2l_ai as d2l`
is the current edition's namespace, printed formats included (see d2l_utils/d2l_ai.py).
"""
import matplotlib.pyplot as plt
import numpy as np
import torch

from .repro import num_threads, set_seed, synchronize, try_gpu
from .data import (DATA_HUB, DATA_URL, DataError, ImageData, data_dir, download, get_data_ch7, load_fashion_mnist,
                   load_mnist, minibatches, sha1sum, split_data)
from .plotting import (Animator, explore_2d, plot, set_axes, set_figsize, show_images, show_trace_2d, trace_figure,
                       use_svg_display)
from .optim import (Adam, AdaGrad, RMSProp, adadelta, adagrad, adagrad_2d, adam, adam_2d, f_2d, gd_2d,
                    grad_f_2d, init_adadelta_states, init_adagrad_states, init_adam_states, init_momentum_states,
                    init_rmsprop_states, linear_warmup, momentum_2d, rmsprop, rmsprop_2d, sgd, sgd_momentum)
from .train import (Accumulator, NonFiniteLossError, Race, Timer, check_finite, fit_linreg, functional_step, linreg,
                    param_gap, race, squared_loss, train_2d, train_autoencoder, train_ch7, train_pytorch_ch7)
from .train import sgd_linreg_runs, train_ch7_timed
from .optim import add_to_class, supports_fused
from .optim import (LAMB, LARS, AdamHD, AdamW, GlobalLARS, SGDHD, exclude_bias_and_norm, lamb_trust_ratio,
                    lars_trust_ratio, one_cycle, warmup_cosine)
from .train import reconstruction_loss, train_scheduled
from .models import VAE, ConvAutoencoder, MLPAutoencoder, mlp
from .metrics import dead_units, half_mse, least_squares_loss, roc_auc, roc_curve, threshold_at_fpr, with_ones
from .d2l_ai import abs as abs   # d2l.abs is torch.abs, as in the book; not in __all__: `import *` keeps builtins
from .d2l_ai import (arange, argmax, astype, batch_matmul, concat, cos, cosh, evaluate_loss, exp, expand_dims,
                     eye, float32, get_data_ch11, int32, int64, linspace, load_array, log, matmul, meshgrid, normal,
                     numpy, ones, ones_like, rand, randn, reduce_mean, reduce_sum, repeat, reshape, sigmoid, sin, sinh,
                     size, stack, swapaxes, tanh, tensor, to, train_ch11, train_concise_ch11, transpose, zeros,
                     zeros_like)

__all__ = [  # the public names, module by module (ruff checks that every import above is listed)
    "plt", "np", "torch",
    "num_threads", "set_seed", "synchronize", "try_gpu",
    "DATA_HUB", "DATA_URL", "DataError", "ImageData", "data_dir", "download", "get_data_ch7", "load_fashion_mnist",
    "load_mnist", "minibatches", "sha1sum", "split_data",
    "Animator", "explore_2d", "plot", "set_axes", "set_figsize", "show_images", "show_trace_2d", "trace_figure",
    "use_svg_display",
    "Adam", "AdaGrad", "RMSProp", "adadelta", "adagrad", "adagrad_2d", "adam", "adam_2d", "f_2d", "gd_2d",
    "grad_f_2d", "init_adadelta_states", "init_adagrad_states", "init_adam_states", "init_momentum_states",
    "init_rmsprop_states", "momentum_2d", "rmsprop", "rmsprop_2d", "sgd", "sgd_momentum",
    "Accumulator", "NonFiniteLossError", "Race", "Timer", "check_finite", "fit_linreg", "functional_step", "linreg",
    "param_gap", "race", "squared_loss", "train_2d", "train_autoencoder", "train_ch7", "train_pytorch_ch7",
    "sgd_linreg_runs", "train_ch7_timed",
    "add_to_class", "supports_fused", "linear_warmup",
    "LAMB", "LARS", "AdamHD", "AdamW", "GlobalLARS", "SGDHD", "exclude_bias_and_norm", "lamb_trust_ratio",
    "lars_trust_ratio", "one_cycle", "warmup_cosine",
    "reconstruction_loss", "train_scheduled",
    "VAE", "ConvAutoencoder", "MLPAutoencoder", "mlp",
    "dead_units", "half_mse", "least_squares_loss", "roc_auc", "roc_curve", "threshold_at_fpr", "with_ones",
    "distributed", "WorkerError", "launch",
    "arange", "argmax", "astype", "batch_matmul", "concat", "cos", "cosh", "evaluate_loss", "exp",
    "expand_dims", "eye", "float32", "get_data_ch11", "int32", "int64", "linspace", "load_array", "log", "matmul",
    "meshgrid", "normal", "numpy", "ones", "ones_like", "rand", "randn", "reduce_mean", "reduce_sum", "repeat",
    "reshape", "sigmoid", "sin", "sinh", "size", "stack", "swapaxes", "tanh", "tensor", "to", "train_ch11",
    "train_concise_ch11", "transpose", "zeros", "zeros_like",
]

__version__ = "0.1.0"

_DISTRIBUTED = ("distributed", "WorkerError", "launch")


def __getattr__(name: str):
    """`d2l.distributed`, `d2l.launch` and `d2l.WorkerError`, imported on first use: the workers run
    `python -m d2l_utils.distributed`, which must not be imported already when the package is."""
    if name in _DISTRIBUTED:
        import importlib
        distributed = importlib.import_module(f"{__name__}.distributed")
        return distributed if name == "distributed" else getattr(distributed, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, the lazily imported ones included."""
    return sorted(set(globals()) | set(_DISTRIBUTED))
