"""Seconds per training epoch of chapter 6's autoencoders, per optimizer (the cost of the notebook's experiments).

    python benchmarks/bench_autoencoder_epoch.py [--n 10000] [--epochs 3] [--batch-size 128] [--conv] [--cpu]

Trains on a seeded MNIST subset held on the device (GPU when there is one) and prints, per optimizer, the median
epoch time (the first epoch, which includes warm-up, is left out when there are more) and the final training loss.
"""
import argparse
import statistics

import torch

import d2l_utils as d2l

OPTIMIZERS = {   # the rates chapter 6's race chooses
    "SGD": lambda p: torch.optim.SGD(p, lr=10.0),
    "momentum": lambda p: torch.optim.SGD(p, lr=3.0, momentum=0.9),
    "AdaGrad (d2l)": lambda p: d2l.AdaGrad(p, lr=0.03),
    "Adagrad (torch)": lambda p: torch.optim.Adagrad(p, lr=0.03),
    "RMSprop": lambda p: torch.optim.RMSprop(p, lr=3e-3),
    "Adam": lambda p: torch.optim.Adam(p, lr=1e-2),
    "Adam + warm-up": lambda p: _warm(torch.optim.Adam(p, lr=1e-2)),
}


def _warm(optimizer, steps: int = 24):
    d2l.linear_warmup(optimizer, steps)
    return optimizer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="training images (a seeded subset of MNIST)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--conv", action="store_true", help="the convolutional autoencoder instead of the MLP")
    ap.add_argument("--cpu", action="store_true", help="run on the CPU even when a GPU is present")
    args = ap.parse_args()
    device = torch.device("cpu") if args.cpu else d2l.try_gpu()
    data = d2l.load_mnist(train=True, n=args.n, device=device, flatten=not args.conv)
    print(f"device {device}, {torch.get_num_threads()} CPU threads, {args.n} images, batch {args.batch_size}, "
          f"{'conv' if args.conv else 'MLP'} autoencoder, {args.epochs} epochs")
    for name, make in OPTIMIZERS.items():
        d2l.set_seed(0)
        net = (d2l.ConvAutoencoder() if args.conv else d2l.MLPAutoencoder()).to(device)
        hist = d2l.train_autoencoder(net, make(net.parameters()), data.X, epochs=args.epochs,
                                     batch_size=args.batch_size, loss="bce", device=device, progress=False)
        times = hist["epoch_time"][1:] or hist["epoch_time"]
        print(f"{name:16s} {statistics.median(times):7.3f} s per epoch   final train loss {hist['train_loss'][-1]:.4f}")


if __name__ == "__main__":
    main()
