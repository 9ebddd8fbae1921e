"""The download cache: checksums, atomic writes, offline errors, and the airfoil data of d2l chapter 7."""
import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

import d2l_utils as d2l
from d2l_utils import data as d2l_data

PAYLOAD = b"0.1\t0.2\r\n" * 5000  # 45 kB, CRLF like the airfoil file
PAYLOAD_SHA1 = hashlib.sha1(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves /good (the payload), /bad (other bytes) and /cut (announces the payload, closes halfway)."""

    def do_GET(self):
        body = {"/good": PAYLOAD, "/bad": PAYLOAD[::-1] + b"x", "/cut": PAYLOAD}.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.server.hits += 1  # counted before the body is sent: once a client has read it, the count is final
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path == "/cut":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A local HTTP server on 127.0.0.1 (never the real network)."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.hits = 0
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _closed_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed once the socket is: connections are refused


def _register(monkeypatch, url, sha1=PAYLOAD_SHA1):
    monkeypatch.setitem(d2l_data.DATA_HUB, "toy", (url, sha1))


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_data_dir_default_and_env(monkeypatch, tmp_path):
    monkeypatch.delenv("D2L_DATA_DIR", raising=False)
    assert d2l.data_dir() == Path(d2l_data.__file__).resolve().parent.parent / "data"
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    assert d2l.data_dir() == tmp_path.resolve()


def test_download_verifies_caches_and_uses_env_dir(server, monkeypatch, tmp_path):
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    _register(monkeypatch, f"http://127.0.0.1:{server.server_port}/good")
    path = d2l.download("toy")
    assert path == tmp_path / "good" and path.read_bytes() == PAYLOAD and server.hits == 1
    assert d2l.download("toy") == path and server.hits == 1  # cached: not downloaded again
    assert _leftovers(tmp_path) == ["good"]


def test_missing_file_offline_names_url_and_path(monkeypatch, tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/airfoil_self_noise.dat"
    _register(monkeypatch, url)
    with pytest.raises(d2l.DataError) as err:
        d2l.download("toy", cache_dir=tmp_path)
    msg = str(err.value)
    assert url in msg and str(tmp_path / "airfoil_self_noise.dat") in msg and "offline" in msg
    assert _leftovers(tmp_path) == []


def test_wrong_checksum_is_an_error_and_nothing_is_kept(server, tmp_path, monkeypatch):
    _register(monkeypatch, f"http://127.0.0.1:{server.server_port}/bad")
    with pytest.raises(d2l.DataError, match="SHA-1"):
        d2l.download("toy", cache_dir=tmp_path)
    assert _leftovers(tmp_path) == []


def test_corrupt_cached_file_is_not_used(monkeypatch, tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/good"
    _register(monkeypatch, url)
    (tmp_path / "good").write_bytes(b"truncated")
    with pytest.raises(d2l.DataError) as err:
        d2l.download("toy", cache_dir=tmp_path)
    assert "corrupt" in str(err.value) and url in str(err.value)


def test_corrupt_cached_file_is_replaced_when_online(server, monkeypatch, tmp_path):
    _register(monkeypatch, f"http://127.0.0.1:{server.server_port}/good")
    (tmp_path / "good").write_bytes(b"truncated")
    assert d2l.download("toy", cache_dir=tmp_path).read_bytes() == PAYLOAD


def test_interrupted_download_leaves_no_partial_file(server, monkeypatch, tmp_path):
    _register(monkeypatch, f"http://127.0.0.1:{server.server_port}/cut")
    with pytest.raises(d2l.DataError) as err:
        d2l.download("toy", cache_dir=tmp_path)
    assert str(tmp_path / "cut") in str(err.value)
    assert _leftovers(tmp_path) == []  # neither the file nor a .part temporary


def test_unknown_dataset():
    with pytest.raises(ValueError, match="Unknown dataset: 'nope'"):
        d2l.download("nope")


def test_get_data_ch7_matches_the_book():
    features, labels = d2l.get_data_ch7()
    assert features.shape == (1500, 5) and labels.shape == (1500,)
    assert features.dtype == labels.dtype == torch.float32
    raw = np.genfromtxt(d2l.download("airfoil"), delimiter="\t")
    assert raw.shape == (1503, 6)
    z = (raw - raw.mean(axis=0)) / raw.std(axis=0)  # population std, float64, on all 1503 rows
    assert torch.equal(features, torch.tensor(z[:1500, :5], dtype=torch.float32))
    assert torch.equal(labels, torch.tensor(z[:1500, 5], dtype=torch.float32))


def test_get_data_ch7_rejects_a_corrupt_cache(monkeypatch, tmp_path):
    bad = tmp_path / "airfoil_self_noise.dat"
    bad.write_text("1\t2\n3\n")
    monkeypatch.setitem(d2l_data.DATA_HUB, "airfoil",
                        (f"http://127.0.0.1:{_closed_port()}/airfoil_self_noise.dat", d2l.sha1sum(bad)))
    monkeypatch.setenv("D2L_DATA_DIR", str(tmp_path))
    with pytest.raises(d2l.DataError, match="6 tab-separated"):
        d2l.get_data_ch7()


# ---------------------------------------------------------------- the cache under parallel use
def test_cache_lock_makes_a_second_loader_wait(tmp_path):
    """While one loader holds the dataset's lock (unpacking), another waits for it instead of reading."""
    order = []

    def second():
        with d2l_data._cache_lock(tmp_path / "MNIST"):
            order.append("second enters")

    with d2l_data._cache_lock(tmp_path / "MNIST"):
        t = threading.Thread(target=second)
        t.start()
        t.join(timeout=0.5)                      # it cannot get in while the lock is held
        order.append("first leaves")
    t.join()
    assert order == ["first leaves", "second enters"]


def test_cache_lock_does_nothing_where_it_cannot_lock(tmp_path):
    """A cache folder that cannot be created or written (a read-only shared cache) still loads."""
    blocker = tmp_path / "a file"
    blocker.write_text("")
    with d2l_data._cache_lock(blocker / "MNIST"):   # mkdir fails under a file: no lock, no error
        pass


def _load_in_subprocess(root: str, queue) -> None:
    d = d2l.load_mnist(train=False, n=50, seed=3, root=root)
    queue.put((d.X.sum().item(), d.y.tolist()))


def test_two_processes_unpacking_the_same_archives_both_load_the_data(tmp_path):
    """A cache with only the downloaded archives, loaded by two processes at once (notebooks under pytest-xdist):
    both read the complete test split."""
    import multiprocessing as mp
    import shutil

    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in (d2l.data_dir() / "MNIST" / "raw").glob("*.gz"):
        shutil.copy(f, raw / f.name)
    if not any(raw.iterdir()):
        pytest.skip("the MNIST archives are not in the cache")
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_load_in_subprocess, args=(str(tmp_path), queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join()
    assert all(p.exitcode == 0 for p in procs)
    assert results[0] == results[1] == (d2l.load_mnist(train=False, n=50, seed=3).X.sum().item(),
                                        d2l.load_mnist(train=False, n=50, seed=3).y.tolist())
