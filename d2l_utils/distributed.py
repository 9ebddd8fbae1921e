"""Data-parallel training with torch.distributed: a launcher for local worker processes (the same entry point runs
under torchrun), a worker's rank and device, and the workers chapter 10 runs (training, timing).

`launch(fn, nprocs)` starts `nprocs` processes, each `python -m d2l_utils.distributed` with the environment torchrun
gives its workers (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT; like torchrun's agent, the launcher
hosts the store the workers meet at), so that

    torchrun --nproc-per-node 2 -m d2l_utils.distributed d2l_utils.distributed:fit_autoencoder --kwargs '{...}'

runs the same code. Each worker joins the process group (NCCL when every local rank has a GPU, gloo otherwise),
calls `fn` and hands its result back. `torch.distributed` is imported only where it is used.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import torch

__all__ = ["WorkerError", "launch", "rank", "world_size", "backend", "local_device", "default_backend",
           "check_backend", "run_calls", "fit_autoencoder", "time_steps"]

BACKENDS = ("gloo", "nccl", "mpi")


class WorkerError(RuntimeError):
    """A worker process failed: `rank`, its exit code and the last lines of its error output."""

    def __init__(self, message: str, rank: int | None = None, returncode: int | None = None,
                 pids: tuple[int, ...] = ()):
        super().__init__(message)
        self.rank, self.returncode, self.pids = rank, returncode, pids


# ---------------------------------------------------------------- inside a worker
def _dist():
    import torch.distributed as dist  # lazy: only data-parallel code needs it
    return dist


def _initialized() -> bool:
    dist = _dist()
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    """This process's rank in the process group (0 when there is none)."""
    return _dist().get_rank() if _initialized() else 0


def world_size() -> int:
    """The number of processes in the group (1 when there is none)."""
    return _dist().get_world_size() if _initialized() else 1


def backend() -> str | None:
    """The process group's backend ('gloo', 'nccl', ...), None when there is none."""
    return str(_dist().get_backend()) if _initialized() else None


def local_device() -> torch.device:
    """The device of this rank: its own GPU (LOCAL_RANK) under NCCL, the CPU under gloo, else the first GPU if any."""
    if _initialized():
        if backend() == "nccl":
            return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        return torch.device("cpu")
    return torch.device("cuda:0") if torch.cuda.is_available() else torch.device("cpu")


def default_backend(nprocs: int = 1) -> str:
    """NCCL when this machine has a GPU for each of `nprocs` local workers (and PyTorch has NCCL), else gloo."""
    dist = _dist()
    if torch.cuda.is_available() and dist.is_nccl_available() and torch.cuda.device_count() >= nprocs:
        return "nccl"
    return "gloo"


def check_backend(name: str | None, nprocs: int = 1) -> str:
    """The backend for `nprocs` local workers (`name`, or the default); a clear error if this machine lacks it."""
    dist = _dist()
    if not dist.is_available():
        raise RuntimeError("This PyTorch build has no torch.distributed: install a standard build from pytorch.org")
    if name is None:
        return default_backend(nprocs)
    if name not in BACKENDS:
        raise ValueError(f"Invalid backend: {name!r} (must be one of {BACKENDS}, or None for the machine's default)")
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if name == "nccl" and not (gpus and dist.is_nccl_available()):
        raise RuntimeError(f"Backend 'nccl' needs NVIDIA GPUs and a PyTorch built with NCCL; this machine has {gpus} "
                           f"GPU(s){'' if dist.is_nccl_available() else ' and no NCCL'}. Use backend='gloo' (CPUs).")
    if name == "nccl" and gpus < nprocs:
        raise RuntimeError(f"Backend 'nccl' gives each worker its own GPU: {nprocs} workers need {nprocs} GPUs, this "
                           f"machine has {gpus}. Start at most {gpus} workers, or use backend='gloo'.")
    available = {"gloo": dist.is_gloo_available, "nccl": dist.is_nccl_available, "mpi": dist.is_mpi_available}
    if not available[name]():
        raise RuntimeError(f"Backend {name!r} is not available in this PyTorch build; use "
                           f"{'gloo' if dist.is_gloo_available() else 'another backend'}.")
    return name


def _init_process_group(name: str | None) -> None:
    """Join the group described by torchrun's environment variables (each rank's GPU set first under NCCL)."""
    dist = _dist()
    chosen = check_backend(name, int(os.environ.get("LOCAL_WORLD_SIZE", 1)))
    if chosen == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    dist.init_process_group(chosen, timeout=datetime.timedelta(seconds=float(os.environ.get("D2L_DIST_TIMEOUT",
                                                                                            120))))


# ---------------------------------------------------------------- the launcher
def _target(fn: Callable) -> str:
    """'module:qualname' of a function a fresh process can import."""
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    mod = sys.modules.get(module) if module else None
    obj = mod
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    if module in (None, "__main__") or "<" in qualname or obj is not fn:
        raise ValueError(f"Invalid fn: {fn!r} (must be a function defined at the top level of an importable module, "
                         f"such as d2l_utils.distributed.fit_autoencoder; a function defined in a notebook cannot be "
                         f"imported by the worker processes: put it in a .py file next to the notebook)")
    return f"{module}:{qualname}"


def _rendezvous_store(nprocs: int, timeout: float):
    """The store the workers meet at, hosted by the launcher as torchrun's agent hosts it: on a port the system
    chose and that stays held until the workers are gone (no port is picked, released and then raced for)."""
    return _dist().TCPStore("127.0.0.1", 0, nprocs, is_master=True, wait_for_workers=False,
                            timeout=datetime.timedelta(seconds=timeout))


def _stop(procs: list[subprocess.Popen]) -> None:
    """Terminate every worker still running (its whole process group), then kill what is left; reap them all."""
    for p in procs:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    for p in procs:
        try:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def _tail(path: Path, lines: int = 3) -> str:
    text = path.read_text(errors="replace").strip().splitlines() if path.exists() else []
    return "\n".join(text[-lines:]) or "(no error output)"


def launch(fn: Callable, nprocs: int = 2, *, args: tuple = (), kwargs: dict | None = None,
           backend: str | None = None, threads: int = 1, timeout: float = 600.0) -> list[Any]:
    """Run `fn(*args, **kwargs)` in `nprocs` new local processes that form one torch.distributed group; return the
    results, indexed by rank. Each worker's printed output is shown (rank 0 first) when all have finished.

    `fn` must be importable (defined in a module, e.g. `d2l_utils.distributed.fit_autoencoder`); arguments travel
    with `torch.save` (tensors arrive on the CPU). `backend` None picks NCCL when each worker can have a GPU, else
    gloo. `threads` sets each worker's CPU threads. If a worker fails, the others are stopped and WorkerError says
    which rank failed and why (its exception is the error's __cause__); no worker outlives the call.
    """
    if not isinstance(nprocs, int) or isinstance(nprocs, bool) or nprocs < 1:
        raise ValueError(f"Invalid nprocs: {nprocs!r} (must be a positive int)")
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"Invalid threads: {threads!r} (must be a positive int)")
    if not timeout > 0:
        raise ValueError(f"Invalid timeout: {timeout!r} (must be > 0 seconds)")
    chosen, target = check_backend(backend, nprocs), _target(fn)
    root = str(Path(__file__).resolve().parent.parent)          # so that the workers import this d2l_utils
    with tempfile.TemporaryDirectory(prefix="d2l_workers_") as tmp:
        tmp = Path(tmp)
        torch.save({"target": target, "args": tuple(args), "kwargs": dict(kwargs or {})}, tmp / "spec.pt")
        store = _rendezvous_store(nprocs, timeout)
        env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(store.port), WORLD_SIZE=str(nprocs),
                   TORCHELASTIC_USE_AGENT_STORE="True", LOCAL_WORLD_SIZE=str(nprocs),
                   OMP_NUM_THREADS=str(threads), D2L_BACKEND=chosen, D2L_THREADS=str(threads),
                   PYTHONPATH=os.pathsep.join([root] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
        procs: list[subprocess.Popen] = []
        try:
            for r in range(nprocs):
                with open(tmp / f"out{r}.txt", "w") as out, open(tmp / f"err{r}.txt", "w") as err:
                    procs.append(subprocess.Popen(
                        [sys.executable, "-m", "d2l_utils.distributed", str(tmp / "spec.pt"), "--out", str(tmp)],
                        env=dict(env, RANK=str(r), LOCAL_RANK=str(r)), stdout=out, stderr=err,
                        stdin=subprocess.DEVNULL, start_new_session=True))
            _wait(procs, tmp, timeout)
        finally:
            _stop(procs)
            del store
        for r in range(nprocs):
            text = (tmp / f"out{r}.txt").read_text()
            if text:
                print(text, end="" if text.endswith("\n") else "\n")
        return [torch.load(tmp / f"result{r}.pt", weights_only=False) for r in range(nprocs)]


def _load_error(path: Path) -> BaseException | None:
    if path.exists():
        with contextlib.suppress(Exception):
            return torch.load(path, weights_only=False)
    return None


def _follows_a_peer(cause: BaseException | None, err: Path) -> int:
    """0: a worker that died by itself (no Python error, or its own); 1: one that failed because a peer went away."""
    text = (str(cause) if cause is not None else "") + (err.read_text(errors="replace")[-2000:] if err.exists() else "")
    return int(cause is not None and any(s in text for s in ("Connection closed by peer", "Connection reset",
                                                                "DistNetworkError", "DistBackendError")))


def _wait(procs: list[subprocess.Popen], tmp: Path, timeout: float) -> None:
    """Wait for every worker; on the first failure (or the timeout) stop the rest and raise WorkerError."""
    start = time.monotonic()
    while True:
        codes = [p.poll() for p in procs]
        failed = [r for r, c in enumerate(codes) if c not in (None, 0)]
        if failed:   # the first to fail is the cause: its peers fail a moment later, when they next communicate
            causes = {r: _load_error(tmp / f"error{r}.pt") for r in failed}
            r = min(failed, key=lambda i: (_follows_a_peer(causes[i], tmp / f"err{i}.txt"), i))
            cause = causes[r]
            how = (f"was killed by signal {-codes[r]}" if codes[r] < 0 else f"exited with code {codes[r]}")
            err = WorkerError(f"Worker rank {r} of {len(procs)} {how}; the other workers were stopped. Its last "
                              f"error output:\n{_tail(tmp / f'err{r}.txt')}", rank=r, returncode=codes[r],
                              pids=tuple(p.pid for p in procs))
            raise err from cause
        if all(c == 0 for c in codes):
            return
        if time.monotonic() - start > timeout:
            running = [r for r, c in enumerate(codes) if c is None]
            raise WorkerError(f"Workers {running} still running after timeout={timeout:g} s; all workers were stopped.",
                              pids=tuple(p.pid for p in procs))
        time.sleep(0.02)


def _worker(target: str, args: tuple, kwargs: dict, out: Path | None) -> None:
    """One worker: join the group, run `target`, save its result (or its exception) for the launcher."""
    import importlib

    if "D2L_THREADS" in os.environ:
        torch.set_num_threads(int(os.environ["D2L_THREADS"]))
    module, qualname = target.split(":")
    fn: Any = importlib.import_module(module)
    for part in qualname.split("."):
        fn = getattr(fn, part)
    r = int(os.environ.get("RANK", 0))
    try:
        _init_process_group(os.environ.get("D2L_BACKEND"))
        try:
            result = fn(*args, **kwargs)
            gc.collect()               # DDP models left in reference cycles go while their process group lives
            _dist().barrier()          # nobody leaves while a peer still needs it
        finally:
            _dist().destroy_process_group()
    except BaseException as e:
        if out is not None:
            with contextlib.suppress(Exception):
                out.mkdir(parents=True, exist_ok=True)
                torch.save(e, out / f"error{r}.pt")
        raise
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)     # `--out results/` need not exist yet
        torch.save(result, out / f"result{r}.pt")


def main(argv: list[str] | None = None) -> int:
    """`python -m d2l_utils.distributed module:function --kwargs JSON` (under torchrun), or a launcher's spec file."""
    parser = argparse.ArgumentParser(prog="python -m d2l_utils.distributed", description=main.__doc__)
    parser.add_argument("target", help="module:function to run on every rank, or a spec file written by launch()")
    parser.add_argument("--kwargs", default="{}", help="keyword arguments as a JSON object")
    parser.add_argument("--out", default=None, help="folder for each rank's result (result<rank>.pt)")
    a = parser.parse_args(argv)
    if a.target.endswith(".pt"):
        spec = torch.load(a.target, weights_only=False, map_location="cpu")
        target, args, kwargs = spec["target"], spec["args"], spec["kwargs"]
    else:
        target, args, kwargs = a.target, (), json.loads(a.kwargs)
    try:
        _worker(target, args, kwargs, Path(a.out) if a.out else None)
    except Exception:
        traceback.print_exc()
        return 1
    return 0


# ---------------------------------------------------------------- what the workers of chapter 10 run
def _make_optimizer(name: str, net: torch.nn.Module, lr: float, options: dict) -> torch.optim.Optimizer:
    from . import optim as ours
    if name in ("LARS", "LAMB"):   # the layer-wise methods skip biases, as in chapter 9
        return getattr(ours, name)(ours.exclude_bias_and_norm(net, options.pop("weight_decay", 0.0)), lr=lr,
                                   **options)
    if not hasattr(torch.optim, name):
        raise ValueError(f"Invalid optimizer: {name!r} (a torch.optim class name, 'LARS' or 'LAMB')")
    return getattr(torch.optim, name)(net.parameters(), lr=lr, **options)


def _cpu(obj):
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().clone()
    if isinstance(obj, dict):
        return {k: _cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_cpu(v) for v in obj)
    return obj


def _as_data(data) -> torch.Tensor:
    """A tensor of flat images; from the command line: a file saved with torch.save, or 'mnist' (training split)."""
    if isinstance(data, torch.Tensor):
        return data
    if data == "mnist":
        from .data import load_mnist
        return load_mnist(train=True, flatten=True).X
    if isinstance(data, (str, os.PathLike)) and Path(data).is_file():
        return torch.load(data, map_location="cpu", weights_only=True)
    raise ValueError(f"Invalid data: {data!r} (a tensor, 'mnist', or the path of a tensor saved with torch.save)")


def fit_autoencoder(data: torch.Tensor | str, batch_size: int, epochs: int = 1, optimizer: str = "SGD", lr: float = 0.1,
                    options: dict | None = None, *, val_data: torch.Tensor | None = None,
                    test_data: torch.Tensor | None = None, hidden=(128,), latent_dim: int = 32, loss: str = "bce",
                    seed: int = 0, warmup_steps: int = 0, micro_batches: int = 1, dtype=torch.float32,
                    report: bool = False, device: torch.device | str | None = None) -> dict:
    """Train chapter 6's MLP autoencoder with `train_autoencoder`, alone or as one rank of a process group.

    `data` is a tensor of flat images ('mnist' or a torch.save file from the command line). `batch_size` is the
    global batch: under torch.distributed each rank computes the gradient of its shard and DDP
    averages them. `optimizer` names a torch.optim class or 'LARS'/'LAMB' (biases excluded), `options` its other
    settings; `warmup_steps` > 0 warms the rate up linearly. Returns the history, the test loss (if `test_data`),
    the final weights and optimizer state (on the CPU), and where it ran. `report` prints one line, on rank 0 only.
    `device` overrides the rank's device (`local_device()`), e.g. to compare one process with gloo workers on CPUs.
    """
    from .models import MLPAutoencoder
    from .optim import linear_warmup
    from .train import reconstruction_loss, train_autoencoder

    data = _as_data(data)
    device = local_device() if device is None else torch.device(device)
    torch.manual_seed(seed)                       # the same initial weights on every rank
    net = MLPAutoencoder(data.shape[-1], hidden=hidden, latent_dim=latent_dim).to(device=device, dtype=dtype)
    opt = _make_optimizer(optimizer, net, lr, dict(options or {}))
    if warmup_steps:
        linear_warmup(opt, warmup_steps)
    move = lambda d: None if d is None else d.to(device=device, dtype=dtype)  # noqa: E731
    history = train_autoencoder(net, opt, move(data), epochs=epochs, batch_size=batch_size, loss=loss,
                                val_data=move(val_data), seed=seed, progress=False, micro_batches=micro_batches)
    result = {"history": history, "params": _cpu(dict(net.named_parameters())), "state": _cpu(opt.state_dict()),
              "rank": rank(), "world_size": world_size(), "backend": backend(), "device": str(device)}
    if test_data is not None:
        result["test_loss"] = reconstruction_loss(net, move(test_data), loss)
    if report and rank() == 0:
        w = world_size()
        print(f"rank 0 of {w} ({backend() or 'one process'}, {device}): {epochs} epoch(s) at global batch "
              f"{batch_size} ({batch_size // w} per worker), final training loss {history['train_loss'][-1]:.4f}")
    return result


def time_steps(data: torch.Tensor, batch_size: int, steps: int = 20, *, hidden=(128,), latent_dim: int = 32,
               lr: float = 0.1, seed: int = 0, device: torch.device | str | None = None) -> dict:
    """Median seconds per SGD step of the autoencoder on this rank's shard of a global batch: with DDP's gradient
    all-reduce, without it (DDP's no_sync), and of a bare all-reduce of the gradients' size. A barrier precedes
    every timed step; `device` overrides the rank's device (`local_device()`). A communication hook counts the
    gradient elements DDP all-reduced per step, with and without no_sync ("reduced", "reduced_no_sync")."""
    import torch.nn.functional as F

    from .models import MLPAutoencoder

    dist, w = _dist(), world_size()
    device = local_device() if device is None else torch.device(device)
    if batch_size % w:
        raise ValueError(f"Invalid batch_size: {batch_size} (the global batch must be divisible by the {w} workers)")
    torch.manual_seed(seed)
    net = MLPAutoencoder(data.shape[-1], hidden=hidden, latent_dim=latent_dim).to(device)
    model = torch.nn.parallel.DistributedDataParallel(net) if _initialized() else net
    sent: list[int] = []
    if _initialized():
        from torch.distributed.algorithms.ddp_comm_hooks.default_hooks import allreduce_hook

        def counting_hook(state, bucket):
            sent.append(bucket.buffer().numel())       # what this bucket's all-reduce carries
            return allreduce_hook(state, bucket)
        model.register_comm_hook(None, counting_hook)
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    x = data[rank() * (batch_size // w):(rank() + 1) * (batch_size // w)].to(device)

    def step():
        opt.zero_grad(set_to_none=True)
        F.binary_cross_entropy(model(x), x).backward()
        opt.step()

    def median_time(fn, context=contextlib.nullcontext):
        times = []
        for _ in range(steps + 3):               # three steps to warm up, not timed
            if _initialized():
                dist.barrier()
            with context():
                t0 = time.perf_counter()
                fn()
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                times.append(time.perf_counter() - t0)
        return sorted(times[3:])[steps // 2]

    flat = torch.zeros(sum(p.numel() for p in net.parameters()), device=device)
    synced = median_time(step)
    reduced = sum(sent) / (steps + 3)
    sent.clear()
    no_sync = median_time(step, model.no_sync if _initialized() else contextlib.nullcontext)
    return {"step": synced, "no_sync": no_sync,
            "all_reduce": median_time(lambda: dist.all_reduce(flat)) if _initialized() else 0.0,
            "world_size": w, "batch_size": batch_size, "numel": flat.numel(), "device": str(device),
            "reduced": reduced, "reduced_no_sync": sum(sent) / (steps + 3)}


def run_calls(calls: list) -> list:
    """Run several `(fn, args, kwargs)` one after another in the same workers (one start-up for all); their results."""
    return [fn(*args, **(kwargs or {})) for fn, args, kwargs in calls]


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)   # as multiprocessing's workers end: no interpreter teardown racing the backend's C++ threads
