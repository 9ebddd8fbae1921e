"""How long one AdaGrad step takes, written six ways (chapter 3, section 3.7).

    python benchmarks/bench_adagrad_step.py [--tensors 60] [--size 20000] [--steps 50] [--repeat 5] [--cpu]

Prints the best of `repeat` timings per step for each variant, on the GPU when there is one, and checks that all
variants compute the same parameters.
"""
import argparse
import time

import torch

import d2l_utils as d2l


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
TORCH = {"torch foreach=False": dict(foreach=False), "torch foreach=True": dict(foreach=True),
         "torch fused=True": dict(fused=True)}


def bench(kind: str, tensors: int, size: int, steps: int, device, lr: float = 0.1, eps: float = 1e-10):
    """(seconds per step, final parameters) for one variant."""
    gen = torch.Generator().manual_seed(0)
    P = [torch.randn(size, generator=gen).to(device).requires_grad_() for _ in range(tensors)]
    grads = [[torch.randn(size, generator=gen).to(device) for _ in P] for _ in range(2)]
    if kind in TORCH:
        opt = torch.optim.Adagrad(P, lr=lr, eps=eps, **TORCH[kind])
    else:
        S = [torch.zeros_like(p) for p in P]
    d2l.synchronize(device)
    start = time.perf_counter()
    for t in range(steps):
        G = grads[t % 2]
        if kind in TORCH:
            for p, g in zip(P, G):
                p.grad = g
            opt.step()
        else:
            with torch.no_grad():
                MANUAL[kind](P, G, S, lr, eps)
    d2l.synchronize(device)
    return (time.perf_counter() - start) / steps, torch.cat([p.detach().flatten() for p in P])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tensors", type=int, default=60)
    ap.add_argument("--size", type=int, default=20_000)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cpu", action="store_true", help="run on the CPU even when a GPU is present")
    args = ap.parse_args()
    device = torch.device("cpu") if args.cpu else d2l.try_gpu()
    print(f"device {device}, {torch.get_num_threads()} CPU threads, {args.tensors} tensors x {args.size} numbers, "
          f"{args.steps} steps, best of {args.repeat}")
    reference = None
    for kind in [*MANUAL, *TORCH]:
        try:
            runs = [bench(kind, args.tensors, args.size, args.steps, device) for _ in range(args.repeat)]
        except RuntimeError as e:  # e.g. fused=True on a build without that kernel
            print(f"{kind:20s} unavailable: {e}")
            continue
        best, params = min(r[0] for r in runs), runs[0][1]
        reference = params if reference is None else reference
        same = torch.allclose(params, reference, rtol=1e-6, atol=1e-6)
        print(f"{kind:20s} {1e3 * best:8.3f} ms per step{'' if same else '   (DIFFERENT parameters!)'}")


if __name__ == "__main__":
    main()
