"""How long one AdaGrad step takes, written six ways (chapter 3, section 3.7).

    python benchmarks/bench_adagrad_step.py [--tensors 60] [--size 20000] [--min-time 1.0] [--threads N] [--cpu]

Each variant first takes three steps from the same start (which also warms it up) and must give the same parameters
as the others; then `torch.utils.benchmark.Timer.blocked_autorange` times it (blocks of steps until `--min-time`
seconds, median per step, GPU synchronized), on the GPU when there is one. `torch._foreach_*` are private PyTorch
functions (what `torch.optim` uses for foreach=True): they may change between releases. `fused=True` is skipped where
this torch build has no fused Adagrad kernel for the device (CPU: torch >= 2.4; CUDA: recent releases only).
"""
import argparse
import logging

import torch

import d2l_utils as d2l

logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)  # quiet where CUDA tools exist without a GPU
from torch.utils import benchmark  # noqa: E402


def naive(P, G, S, lr, eps):
    for p, g, s in zip(P, G, S):
        s[:] += g * g
        p[:] -= lr * g / (torch.sqrt(s) + eps)


def in_place(P, G, S, lr, eps):
    for p, g, s in zip(P, G, S):
        s.addcmul_(g, g)
        p.addcdiv_(g, s.sqrt().add_(eps), value=-lr)


def foreach(P, G, S, lr, eps):
    torch._foreach_addcmul_(S, G, G)
    std = torch._foreach_sqrt(S)
    torch._foreach_add_(std, eps)
    torch._foreach_addcdiv_(P, G, std, value=-lr)


MANUAL = {"naive": naive, "in place": in_place, "foreach": foreach}


def stepper(kind: str, P0, G, torch_kinds: dict, lr: float = 0.1, eps: float = 1e-10):
    """Fresh copies of the parameters `P0` (gradients `G`) and a function doing one step of `kind` on them."""
    P = [p.clone().requires_grad_() for p in P0]
    if kind in torch_kinds:
        for p, g in zip(P, G):
            p.grad = g
        return P, torch.optim.Adagrad(P, lr=lr, eps=eps, **torch_kinds[kind]).step
    S = [torch.zeros_like(p) for p in P]
    return P, torch.no_grad()(lambda: MANUAL[kind](P, G, S, lr, eps))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tensors", type=int, default=60)
    ap.add_argument("--size", type=int, default=20_000)
    ap.add_argument("--min-time", type=float, default=1.0, help="seconds of measurement per variant")
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--cpu", action="store_true", help="run on the CPU even when a GPU is present")
    args = ap.parse_args()
    device = torch.device("cpu") if args.cpu else d2l.try_gpu()
    gen = torch.Generator().manual_seed(0)
    P0 = [torch.randn(args.size, generator=gen).to(device) for _ in range(args.tensors)]
    G = [torch.randn(args.size, generator=gen).to(device) for _ in range(args.tensors)]
    torch_kinds = {"torch foreach=False": dict(foreach=False), "torch foreach=True": dict(foreach=True)}
    fused = d2l.supports_fused(torch.optim.Adagrad, device)
    if fused:
        torch_kinds["torch fused=True"] = dict(fused=True)
    print(f"torch {torch.__version__}, device {device}, {args.threads} CPU threads, {args.tensors} tensors x "
          f"{args.size} numbers; fused Adagrad {'available' if fused else 'not available on this device/version'}")
    reference = None
    for kind in [*MANUAL, *torch_kinds]:
        P, one_step = stepper(kind, P0, G, torch_kinds)
        for _ in range(3):
            one_step()
        params = torch.cat([p.detach().flatten() for p in P])
        reference = params if reference is None else reference
        same = torch.allclose(params, reference, rtol=1e-6, atol=1e-6)
        m = benchmark.Timer("one_step()", globals={"one_step": one_step}, num_threads=args.threads)
        m = m.blocked_autorange(min_run_time=args.min_time)
        print(f"{kind:20s} {1e3 * m.median:8.3f} ms per step (IQR {1e3 * m.iqr:.3f} ms, "
              f"{len(m.times)} blocks of {m.number_per_run}){'' if same else '   (DIFFERENT parameters!)'}")


if __name__ == "__main__":
    main()
