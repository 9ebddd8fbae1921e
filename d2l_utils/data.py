"""Data: the download registry and cache, the airfoil data (chapter 7 of d2l), MNIST loaders, minibatches."""
import contextlib
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator, NamedTuple

import numpy as np
import torch

__all__ = ["DATA_HUB", "DATA_URL", "DataError", "data_dir", "sha1sum", "download", "get_data_ch7", "ImageData",
           "load_mnist", "load_fashion_mnist", "minibatches", "split_data"]

#: where d2l keeps its data files
DATA_URL = "http://d2l-data.s3-accelerate.amazonaws.com/"
#: name -> (URL, SHA-1), as in d2l; the cached file is named after the URL's last component.
DATA_HUB: dict[str, tuple[str, str]] = {
    "airfoil": (DATA_URL + "airfoil_self_noise.dat", "76e5be1548fd8222e5074cf0faae75edff8cf93f"),
}

_REPO_ROOT = Path(__file__).resolve().parent.parent


class DataError(RuntimeError):
    """A dataset is missing, corrupt or cannot be downloaded; the message says what to do."""


def data_dir() -> Path:
    """The download cache: `$D2L_DATA_DIR` if set, else `<repo>/data`."""
    env = os.environ.get("D2L_DATA_DIR")
    return Path(env).expanduser().resolve() if env else _REPO_ROOT / "data"


def sha1sum(path: str | os.PathLike) -> str:
    """The SHA-1 hex digest of a file."""
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fetch(url: str, dest: Path, sha1: str, timeout: float) -> None:
    """Download `url` to `dest` through a temporary file; `dest` appears only complete and verified."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        h, received = hashlib.sha1(), 0
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            expected = response.headers.get("Content-Length")
            while chunk := response.read(1 << 16):
                out.write(chunk)
                h.update(chunk)
                received += len(chunk)
        if expected is not None and received != int(expected):
            raise DataError(f"Download of {url} stopped after {received} of {expected} bytes. "
                            f"Nothing was saved; run again to retry, or place the file at {dest}.")
        if h.hexdigest() != sha1:
            raise DataError(f"The file downloaded from {url} has SHA-1 {h.hexdigest()}, expected {sha1}. "
                            f"Nothing was saved. Retry later, or place a verified copy at {dest}.")
        os.replace(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def download(name: str, cache_dir: str | os.PathLike | None = None, timeout: float = 30.0) -> Path:
    """Return the path of dataset file `name` in the cache, downloading and verifying it if needed."""
    if name not in DATA_HUB:
        raise ValueError(f"Unknown dataset: {name!r} (known: {', '.join(sorted(DATA_HUB))})")
    url, sha1 = DATA_HUB[name]
    path = Path(cache_dir) if cache_dir is not None else data_dir()
    path = path / url.rsplit("/", 1)[-1]
    corrupt = ""
    if path.is_file():
        actual = sha1sum(path)
        if actual == sha1:
            return path
        corrupt = f"The cached file {path} is corrupt (SHA-1 {actual}, expected {sha1}) and was not used. "
    try:
        _fetch(url, path, sha1, timeout)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as e:
        raise DataError(f"{corrupt}Could not download {url} ({e}). If you are offline, download that URL "
                        f"on a connected machine and place the file at {path} (or set D2L_DATA_DIR to a "
                        f"folder that holds it).") from e
    except DataError as e:
        raise DataError(corrupt + str(e)) from None
    return path


def get_data_ch7() -> tuple[torch.Tensor, torch.Tensor]:
    """The airfoil self-noise data as in d2l: z-scored columns, first 1500 rows, features (1500, 5), labels (1500,)."""
    path = download("airfoil")
    bad = DataError(f"{path} does not parse as rows of 6 tab-separated numbers; delete it and run again.")
    try:
        data = np.genfromtxt(path, delimiter="\t")
    except ValueError as e:
        raise bad from e
    if data.ndim != 2 or data.shape[1] != 6 or not np.isfinite(data).all():
        raise bad
    data = (data - data.mean(axis=0)) / data.std(axis=0)
    return (torch.tensor(data[:1500, :-1], dtype=torch.float32),
            torch.tensor(data[:1500, -1], dtype=torch.float32))


def split_data(features: torch.Tensor, labels: torch.Tensor, sizes=(900, 300, 300),
               seed: int = 0) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """A seeded random split of the rows into {'train': (X, y), 'val': (X, y), 'test': (X, y)} of the given sizes."""
    if len(features) != len(labels):
        raise ValueError(f"features and labels differ in length: {len(features)} and {len(labels)}")
    if len(sizes) != 3 or not all(_is_int(n) and n > 0 for n in sizes) or sum(sizes) > len(features):
        raise ValueError(f"Invalid sizes: {sizes!r} (three positive ints, at most {len(features)} rows in all)")
    idx = torch.randperm(len(features), generator=torch.Generator().manual_seed(seed)).to(features.device)
    parts, start = {}, 0
    for name, n in zip(("train", "val", "test"), sizes):
        rows = idx[start:start + n]
        parts[name], start = (features[rows], labels[rows]), start + n
    return parts


class ImageData(NamedTuple):
    """Images in [0, 1] with integer labels, and an optional held-out validation split."""
    X: torch.Tensor
    y: torch.Tensor
    X_val: torch.Tensor | None
    y_val: torch.Tensor | None


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


@contextlib.contextmanager
def _cache_lock(folder: Path):
    """Hold an exclusive lock on `folder` while a dataset there is downloaded or unpacked, so that processes loading it
    at the same time (notebooks run in parallel, test workers) wait instead of reading half-written files. Where the
    lock cannot be taken (a read-only shared cache, a system without fcntl) it does nothing."""
    try:
        import fcntl  # POSIX only
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / ".lock", "a")
    except (ImportError, OSError):
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            locked = True
        except OSError:   # a file system without locks
            locked = False
        try:
            yield
        finally:
            if locked:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _load_torchvision(cls_name: str, train: bool, n: int | None, val_size: int, seed: int, device,
                      flatten: bool, root) -> ImageData:
    import torchvision  # lazy: only the image chapters need it

    if n is not None and (not _is_int(n) or n <= 0):
        raise ValueError(f"Invalid n: {n!r} (must be a positive int or None)")
    if not _is_int(val_size) or val_size < 0:
        raise ValueError(f"Invalid val_size: {val_size!r} (must be an int >= 0)")
    if not _is_int(seed):
        raise ValueError(f"Invalid seed: {seed!r} (must be an int)")
    n, val_size, seed = (None if n is None else int(n)), int(val_size), int(seed)
    root = Path(root) if root is not None else data_dir()
    cls = getattr(torchvision.datasets, cls_name)
    raw = root / cls_name / "raw"
    if root.exists() and not root.is_dir():
        raise DataError(f"The data root {root} is not a folder. Pass a folder (or set D2L_DATA_DIR) that holds "
                        f"{cls_name}/raw/.")
    try:
        with _cache_lock(root / cls_name):   # torchvision unpacks the archives in place, not atomically
            ds = cls(root=str(root), train=train, download=True)
    except (RuntimeError, OSError, urllib.error.URLError) as e:
        files = "\n".join(f"  {m}{fname}  ->  {raw / fname}" for m in cls.mirrors[:1] for fname, _ in cls.resources)
        raise DataError(f"{cls_name} is not in the cache at {raw} and could not be downloaded ({e}). If you are "
                        f"offline, fetch these files on a connected machine and place them as shown (the folder "
                        f"must be writable), or set D2L_DATA_DIR to a folder that holds them:\n{files}") from e
    X, y = ds.data, ds.targets
    total = len(y)
    if n is None:
        n = total - val_size
        if n <= 0:
            raise ValueError(f"Invalid val_size: {val_size} leaves no training images of the {total} in the "
                             f"{'training' if train else 'test'} split")
    if n + val_size > total:
        raise ValueError(f"Invalid n + val_size: {n} + {val_size} > {total} images in the "
                         f"{'training' if train else 'test'} split")
    idx = torch.randperm(total, generator=torch.Generator().manual_seed(seed))
    if n + val_size == total and val_size == 0:
        idx = torch.arange(total)  # the whole split, in its published order

    def take(i):
        imgs = X[i].to(device=device, dtype=torch.float32).div_(255.0).unsqueeze(1)
        return (imgs.flatten(1) if flatten else imgs), y[i].to(device)

    Xt, yt = take(idx[:n])
    Xv, yv = take(idx[n:n + val_size]) if val_size else (None, None)
    return ImageData(Xt, yt, Xv, yv)


def load_mnist(train: bool = True, n: int | None = None, val_size: int = 0, *, seed: int = 0, device=None,
               flatten: bool = False, root=None) -> ImageData:
    """MNIST digits as float tensors in [0, 1] of shape (n, 1, 28, 28) (or (n, 784)), on `device`.

    `n` draws a seeded random subset; `val_size` more images (disjoint from those) form the validation split.
    """
    return _load_torchvision("MNIST", train, n, val_size, seed, device, flatten, root)


def load_fashion_mnist(train: bool = True, n: int | None = None, val_size: int = 0, *, seed: int = 0,
                       device=None, flatten: bool = False, root=None) -> ImageData:
    """Fashion-MNIST, with the same arguments and result as `load_mnist`."""
    return _load_torchvision("FashionMNIST", train, n, val_size, seed, device, flatten, root)


def minibatches(*tensors: torch.Tensor, batch_size: int, shuffle: bool = True,
                generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, ...]]:
    """Yield minibatches of in-memory tensors (same first dimension), indexing on their own device."""
    if not _is_int(batch_size) or batch_size <= 0:
        raise ValueError(f"Invalid batch_size: {batch_size!r} (must be a positive int)")
    if not tensors:
        raise ValueError("minibatches needs at least one tensor")
    n = tensors[0].shape[0]
    if any(t.shape[0] != n for t in tensors):
        raise ValueError(f"Tensors differ in their first dimension: {[t.shape[0] for t in tensors]}")
    device = tensors[0].device
    if any(t.device != device for t in tensors):
        raise ValueError(f"Tensors are on different devices: {[str(t.device) for t in tensors]}")
    idx = torch.randperm(n, generator=generator).to(device) if shuffle else torch.arange(n, device=device)
    for i in range(0, n, batch_size):
        j = idx[i:i + batch_size]
        yield tuple(t[j] for t in tensors)
