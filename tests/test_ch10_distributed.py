"""Chapter 10: data-parallel training. Two gloo workers equal one process with the global batch, gradient accumulation
equals the large batch, train_autoencoder runs under torchrun, and the launcher's errors leave no process behind."""
import math
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import torch

import d2l_utils as d2l
from d2l_utils import distributed as dd

ROOT = Path(__file__).resolve().parent.parent
TAG = "D2L_TEST_WORKER_TAG"
# Float32 sums taken in another order differ by rounding (~1e-7 relative), which a few steps carry forward (Adam
# amplifies it where a gradient is nearly 0); float64 shows the same runs agree to rounding (~1e-15).
TOLERANCE = {torch.float32: 1e-4, torch.float64: 1e-12}
OPTIMIZERS = {"SGD": ("SGD", 0.5, {"momentum": 0.9}), "Adam": ("Adam", 0.01, {}),
              "LARS": ("LARS", 5.0, {"momentum": 0.9})}
SMALL = dict(hidden=(16,), latent_dim=4)


def _tagged_processes(tag: str) -> list[int]:
    """Pids of live processes (other than this one) whose environment carries `tag`."""
    pids = []
    for env in Path("/proc").glob("[0-9]*/environ"):
        pid = int(env.parent.name)
        try:
            if pid != os.getpid() and f"{TAG}={tag}".encode() in env.read_bytes().split(b"\0"):
                status = (env.parent / "status").read_text()
                if "\nState:\tZ" not in status:
                    pids.append(pid)
        except OSError:
            continue
    return pids


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny networks: one CPU thread is faster than several (and the workers use one each)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def no_worker_left_behind(monkeypatch):
    """Every process a test starts inherits a tag; after the test (passed or failed) none may still run."""
    tag = uuid.uuid4().hex
    monkeypatch.setenv(TAG, tag)
    yield
    if not Path("/proc").exists():
        return
    deadline, left = time.monotonic() + 10, _tagged_processes(tag)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = _tagged_processes(tag)
    for pid in left:   # clean up before failing, so that a failing test leaves nothing running either
        with __import__("contextlib").suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"worker processes left running: {left}"


def _data(n: int, dim: int = 32, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, dim, generator=torch.Generator().manual_seed(seed))


def _gap(a: dict, b: dict) -> float:
    """Largest difference of weights and of every optimizer-state tensor between two results of fit_autoencoder."""
    gaps = [(a["params"][k] - b["params"][k]).abs().max().item() for k in a["params"]]
    sa, sb = a["state"]["state"], b["state"]["state"]
    assert sa.keys() == sb.keys() and sa
    for k in sa:
        tensors = [n for n, v in sa[k].items() if torch.is_tensor(v)]
        assert tensors, "no optimizer state to compare"
        gaps += [(sa[k][n].double() - sb[k][n].double()).abs().max().item() for n in tensors]
    return max(gaps)


# ---------------------------------------------------------------- DDP equals one process
BATCH, N = 32, 7 * 32 + 5          # 8 steps; the last batch of 5 splits 3 + 2, weighted back to the batch mean
JOBS = [(name, dtype) for name in OPTIMIZERS for dtype in (torch.float32, torch.float64)]


@pytest.fixture(scope="module")
def two_workers():
    """One launch of 2 gloo workers that runs every (optimizer, dtype) job."""
    data = _data(N)
    jobs = [(dd.fit_autoencoder, (data, BATCH, 1, *OPTIMIZERS[name]), dict(dtype=dtype, seed=3, **SMALL))
            for name, dtype in JOBS]
    jobs.append((dd.time_steps, (_data(64), 64), dict(steps=2, **SMALL)))     # last: what DDP all-reduces
    return data, d2l.launch(dd.run_calls, 2, args=(jobs,), backend="gloo")


@pytest.mark.parametrize("i", range(len(JOBS)), ids=[f"{n}-{str(d)[6:]}" for n, d in JOBS])
def test_two_gloo_workers_equal_one_process_with_the_global_batch(two_workers, i):
    data, results = two_workers
    name, dtype = JOBS[i]
    one = dd.fit_autoencoder(data, BATCH, 1, *OPTIMIZERS[name], dtype=dtype, seed=3, **SMALL)
    rank0, rank1 = results[0][i], results[1][i]
    assert (rank0["rank"], rank1["rank"], rank0["world_size"], rank0["backend"]) == (0, 1, 2, "gloo")
    assert one["world_size"] == 1 and one["backend"] is None
    assert _gap(rank0, one) < TOLERANCE[dtype]
    assert _gap(rank0, rank1) < TOLERANCE[dtype]
    assert math.isclose(rank0["history"]["train_loss"][0], one["history"]["train_loss"][0],
                        rel_tol=1e-5 if dtype == torch.float32 else 1e-12)
    # the comparison can fail: a different seed (other data order, other weights) is far outside the tolerance
    other = dd.fit_autoencoder(data, BATCH, 1, *OPTIMIZERS[name], dtype=dtype, seed=4, **SMALL)
    assert _gap(rank0, other) > 100 * TOLERANCE[torch.float32]


def test_ddp_all_reduces_one_number_per_weight_and_nothing_under_no_sync(two_workers):
    t = two_workers[1][0][-1]
    weights = sum(p.numel() for p in d2l.MLPAutoencoder(32, **SMALL).parameters())
    assert t["world_size"] == 2 and t["numel"] == weights
    assert t["reduced"] == weights and t["reduced_no_sync"] == 0


# ---------------------------------------------------------------- gradient accumulation
@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("micro", [2, 3])
def test_gradient_accumulation_equals_the_large_batch(name, micro):
    data = _data(N, seed=1)
    one = dd.fit_autoencoder(data, BATCH, 2, *OPTIMIZERS[name], dtype=torch.float64, seed=5, **SMALL)
    acc = dd.fit_autoencoder(data, BATCH, 2, *OPTIMIZERS[name], dtype=torch.float64, seed=5, micro_batches=micro,
                             **SMALL)
    assert _gap(acc, one) < TOLERANCE[torch.float64]
    assert acc["history"]["train_loss"] == pytest.approx(one["history"]["train_loss"], rel=1e-12)
    half = dd.fit_autoencoder(data, BATCH // 2, 1, *OPTIMIZERS[name], dtype=torch.float64, seed=5, **SMALL)
    assert _gap(half, one) > 1e-6   # steps of half the batch are not the same training


def test_invalid_micro_batches_are_refused():
    net = d2l.MLPAutoencoder(32, hidden=(8,), latent_dim=2)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="Invalid micro_batches"):
            d2l.train_autoencoder(net, torch.optim.SGD(net.parameters(), lr=0.1), _data(16), micro_batches=bad,
                                  progress=False)


# ---------------------------------------------------------------- torchrun
def test_train_autoencoder_under_torchrun_trains_and_reports_once(tmp_path):
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or shutil.which("torchrun")
    if torchrun is None:
        pytest.skip("torchrun is not installed")
    torch.save(_data(256), tmp_path / "data.pt")
    kwargs = ('{"data": "%s", "batch_size": 64, "epochs": 3, "optimizer": "Adam", "lr": 0.01, "hidden": [16], '
              '"latent_dim": 4, "report": true}' % (tmp_path / "data.pt"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    out = tmp_path / "results" / "run"             # does not exist yet: the workers create it
    proc = subprocess.run([torchrun, "--standalone", "--nproc-per-node", "2", "-m", "d2l_utils.distributed",
                           "d2l_utils.distributed:fit_autoencoder", "--kwargs", kwargs, "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    reports = [line for line in proc.stdout.splitlines() if line.startswith("rank ")]
    assert len(reports) == 1 and reports[0].startswith("rank 0 of 2 (gloo, cpu)"), proc.stdout
    results = [torch.load(out / f"result{r}.pt", weights_only=False) for r in (0, 1)]
    losses = results[0]["history"]["train_loss"]
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert results[1]["history"]["train_loss"] == losses and _gap(results[0], results[1]) < 1e-6


# ---------------------------------------------------------------- errors
def test_a_global_batch_the_workers_do_not_divide():
    with pytest.raises(d2l.WorkerError, match=r"(?s)rank \d of 2 .*divisible by the 2 workers") as info:
        d2l.launch(dd.fit_autoencoder, 2, args=(_data(64), 33), kwargs=SMALL, backend="gloo")
    assert isinstance(info.value.__cause__, ValueError) and "batch_size: 33" in str(info.value.__cause__)
    assert len(info.value.pids) == 2
    assert "Warning" not in str(info.value)      # the error output the message quotes is the worker's own


def test_launches_at_the_same_time_each_meet_at_their_own_store():
    """The launcher hosts each group's rendezvous on a port it holds throughout: concurrent launches never mix."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(3) as pool:
        runs = list(pool.map(lambda n: d2l.launch(dd.world_size, n, backend="gloo"), (2, 3, 2)))
    assert runs == [[2, 2], [3, 3, 3], [2, 2]]


def _die_on_rank_1():
    """A worker that dies abruptly on rank 1, while rank 0 waits for it."""
    if dd.rank() == 1:
        os._exit(3)
    import torch.distributed as dist
    dist.barrier()


def test_a_worker_that_dies_is_named_and_nothing_is_left_behind(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]))
    with pytest.raises(d2l.WorkerError, match="rank 1 of 2 exited with code 3") as info:
        d2l.launch(_die_on_rank_1, 2, backend="gloo", timeout=120)
    assert info.value.rank == 1 and info.value.returncode == 3
    for pid in info.value.pids:   # reaped: no such process any more
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_backend_the_machine_lacks():
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    with pytest.raises(RuntimeError, match="nccl"):
        d2l.launch(dd.rank, gpus + 1, backend="nccl")
    with pytest.raises(ValueError, match="Invalid backend: 'tpu'"):
        d2l.launch(dd.rank, 2, backend="tpu")


def test_launch_refuses_what_a_worker_cannot_import_and_bad_arguments():
    with pytest.raises(ValueError, match="Invalid fn"):
        d2l.launch(lambda: 0, 2)
    with pytest.raises(ValueError, match="Invalid nprocs"):
        d2l.launch(dd.rank, 0)
    with pytest.raises(ValueError, match="Invalid threads"):
        d2l.launch(dd.rank, 1, threads=0)


def test_outside_a_process_group():
    assert (dd.rank(), dd.world_size(), dd.backend()) == (0, 1, None)
    assert dd.check_backend("gloo") == "gloo" and dd.default_backend(10 ** 6) == "gloo"
    t = dd.time_steps(_data(64), 64, steps=2, **SMALL)
    assert t["world_size"] == 1 and t["step"] > 0 and t["all_reduce"] == 0.0
    assert t["numel"] == sum(p.numel() for p in d2l.MLPAutoencoder(32, **SMALL).parameters())
    with pytest.raises(ValueError, match="Invalid data"):
        dd.fit_autoencoder("no-such-file.pt", 8)


def test_the_device_can_be_pinned_to_compare_with_gloo_workers():
    """The notebook's one-process references run where the workers ran (the CPU under gloo), even on a GPU machine."""
    t = dd.time_steps(_data(64), 64, steps=2, device="cpu", **SMALL)
    r = dd.fit_autoencoder(_data(16), 8, 1, "SGD", 0.1, device="cpu", **SMALL)
    assert t["device"] == r["device"] == "cpu"
    assert dd.time_steps(_data(64), 64, steps=2, **SMALL)["device"] == str(dd.local_device())
