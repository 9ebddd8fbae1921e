"""Reproducibility and devices: seeding every random number generator, picking a GPU."""
import os
import random

import numpy as np
import torch

__all__ = ["set_seed", "try_gpu", "num_threads", "synchronize"]


def set_seed(seed: int = 0) -> None:
    """Seed Python's `random`, NumPy and PyTorch (CPU and every CUDA device) with `seed`."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"Invalid seed: {seed!r} (must be a non-negative int)")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    os.environ["PYTHONHASHSEED"] = str(seed)  # for subprocesses started from here


def try_gpu(i: int = 0) -> torch.device:
    """Return `cuda:i` if that GPU exists, else the CPU."""
    if torch.cuda.is_available() and torch.cuda.device_count() > i:
        return torch.device(f"cuda:{i}")
    return torch.device("cpu")


def num_threads() -> int:
    """The number of threads PyTorch uses for CPU kernels (printed results may depend on it)."""
    return torch.get_num_threads()


def synchronize(device: torch.device | str | None = None) -> None:
    """Wait until queued GPU work on `device` is done (a no-op on the CPU), so that a timer measures it."""
    device = torch.device(device) if device is not None else try_gpu()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
