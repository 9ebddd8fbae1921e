"""Helpers for the course 'Adaptive learning rates, from scratch to autoencoders'.

`import d2l_utils as d2l` gives the names of d2l's chapter 7 (optimization) and the course's own helpers.
"""
import matplotlib.pyplot as plt
import numpy as np
import torch

from .repro import num_threads, set_seed, synchronize, try_gpu
from .data import (DATA_HUB, DataError, ImageData, data_dir, download, get_data_ch7, load_fashion_mnist,
                   load_mnist, minibatches, sha1sum)
from .plotting import Animator, plot, set_axes, set_figsize, show_images, show_trace_2d, use_svg_display
from .optim import (Adam, AdaGrad, RMSProp, adadelta, adagrad, adagrad_2d, adam, adam_2d, f_2d, gd_2d,
                    grad_f_2d, init_adadelta_states, init_adagrad_states, init_adam_states, init_momentum_states,
                    init_rmsprop_states, linear_warmup, momentum_2d, rmsprop, rmsprop_2d, sgd, sgd_momentum)
from .train import (Accumulator, NonFiniteLossError, Race, Timer, check_finite, linreg, race, squared_loss,
                    train_2d, train_autoencoder, train_ch7, train_pytorch_ch7)
from .models import VAE, ConvAutoencoder, MLPAutoencoder, mlp
from .metrics import roc_auc, roc_curve, threshold_at_fpr

__version__ = "0.1.0"
