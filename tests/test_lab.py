"""JupyterLab as `make lab` starts it: the kernels are live (progress bars, live curves), and the stored chapters in
notebooks/ are never written, autosave included, so `git status` stays clean (course/lab.py).

The server test runs the Makefile's own `lab` command (`make -n lab`), without a browser, in the repository, with
D2L_STATIC_PLOTS=1 in its environment (as nbgrader's server extension sets it when it loads nbgrader_config.py, or
a shell that exported it).
"""
import asyncio
import json
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from queue import Empty

import pytest

from course.lab import CourseContentsManager

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "notebooks/01_fixed_learning_rates.ipynb"   # in the repository
API_PATH = "01_fixed_learning_rates.ipynb"            # in the server, which serves notebooks/ (make lab)


# ---------------------------------------------------------------- the contents manager alone
def _manager(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "a.ipynb").write_text(json.dumps(_notebook("stored")), encoding="utf-8")
    (tmp_path / "mine").mkdir()
    return CourseContentsManager(root_dir=str(tmp_path), read_only_dirs=[str(tmp_path / "notebooks")])


def _notebook(text):
    return {"cells": [{"cell_type": "markdown", "id": "c0", "metadata": {}, "source": text}], "metadata": {},
            "nbformat": 4, "nbformat_minor": 5}


def test_stored_chapters_are_read_only_and_never_written(tmp_path):
    from tornado.web import HTTPError

    cm = _manager(tmp_path)
    stored = (tmp_path / "notebooks" / "a.ipynb").read_bytes()

    async def scenario():
        model = await cm.get("notebooks/a.ipynb")
        folder = await cm.get("notebooks")
        assert model["writable"] is False and folder["writable"] is False
        assert all(child["writable"] is False for child in folder["content"])
        for attempt in (lambda: cm.save({"type": "notebook", "content": _notebook("run")}, "notebooks/a.ipynb"),
                        lambda: cm.save({"type": "notebook", "content": _notebook("new")}, "notebooks/b.ipynb"),
                        lambda: cm.save({"type": "notebook", "content": _notebook("x")}, "mine/../notebooks/a.ipynb"),
                        lambda: cm.new_untitled("notebooks", type="notebook"),
                        lambda: cm.delete_file("notebooks/a.ipynb"),
                        lambda: cm.rename_file("notebooks/a.ipynb", "mine/a.ipynb"),
                        lambda: cm.copy("mine/c.ipynb", "notebooks")):
            with pytest.raises(HTTPError) as err:
                await attempt()
            assert err.value.status_code == 403 and "make learn" in err.value.log_message
        # elsewhere everything works as in JupyterLab's own manager, and a chapter can be copied out
        await cm.save({"type": "notebook", "content": _notebook("mine")}, "mine/c.ipynb")
        assert (await cm.get("mine/c.ipynb"))["writable"] is True
        copied = await cm.copy("notebooks/a.ipynb", "mine")
        await cm.rename_file(copied["path"], "mine/d.ipynb")
        await cm.delete_file("mine/c.ipynb")

    asyncio.run(scenario())
    assert (tmp_path / "notebooks" / "a.ipynb").read_bytes() == stored
    assert sorted(p.name for p in (tmp_path / "notebooks").iterdir() if p.suffix) == ["a.ipynb"]
    assert "".join(json.loads((tmp_path / "mine" / "d.ipynb").read_text())["cells"][0]["source"]) == "stored"


def test_read_only_also_when_the_stored_chapters_are_the_root(tmp_path, monkeypatch):
    """`jupyter lab notebooks/index.ipynb` serves notebooks/ itself; the default folder is the repository's."""
    from tornado.web import HTTPError

    _manager(tmp_path)
    monkeypatch.chdir(tmp_path)                                   # where make runs: the repository
    cm = CourseContentsManager(root_dir=str(tmp_path / "notebooks"))

    async def scenario():
        assert (await cm.get("a.ipynb"))["writable"] is False
        with pytest.raises(HTTPError, match="403"):
            await cm.save({"type": "notebook", "content": _notebook("run")}, "a.ipynb")

    asyncio.run(scenario())


# ---------------------------------------------------------------- the server `make lab` starts
def _lab_command(port: int, token: str) -> list[str]:
    """The Makefile's `lab` recipe with this environment's jupyter, plus no browser, a port and a token."""
    bindir = Path(sys.executable).parent
    out = subprocess.run(["make", "-s", "-n", "-o", f"{bindir.parent}/.installed", "lab", f"VENV={bindir.parent}",
                          f"BIN={bindir}"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    (line,) = [ln for ln in out.splitlines() if " lab " in ln]
    as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []   # CI containers
    return shlex.split(line) + ["--no-browser", f"--ServerApp.port={port}",
                                f"--IdentityProvider.token={token}"] + as_root


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Lab:
    def __init__(self, port, token, runtime):
        self.url, self.token, self.runtime = f"http://127.0.0.1:{port}", token, runtime

    def api(self, method, path, body=None):
        req = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if shutil.which("make") is None or shutil.which("git") is None:
        pytest.fail("make and git are needed (make lab, git status)")
    port, token, runtime = _free_port(), secrets.token_hex(16), tmp_path_factory.mktemp("jupyter-runtime")
    env = dict(os.environ, D2L_STATIC_PLOTS="1", JUPYTER_RUNTIME_DIR=str(runtime))
    env.pop("JPY_SESSION_NAME", None)
    log = open(runtime / "server.log", "w")
    proc = subprocess.Popen(_lab_command(port, token), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = _Lab(port, token, runtime)
    try:
        for _ in range(240):
            if proc.poll() is not None:
                break
            try:
                if server.api("GET", "status")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer")
        assert proc.poll() is None, (runtime / "server.log").read_text()
        yield server
    finally:
        if proc.poll() is None:                                   # shut the kernels down, then the server
            for s in server.api("GET", "sessions")[1] or []:
                server.api("DELETE", f"sessions/{s['id']}")
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _git_status():
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout


def test_autosave_of_a_run_chapter_leaves_git_status_clean(lab):
    before, stored = _git_status(), (ROOT / CHAPTER).read_bytes()
    try:
        code, model = lab.api("GET", f"contents/{API_PATH}?content=1")
        assert code == 200 and model["writable"] is False        # JupyterLab shows it read-only
        nb = model["content"]
        for cell in nb["cells"]:                                  # what a half-run chapter looks like when saved
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        code, answer = lab.api("PUT", f"contents/{API_PATH}", {"type": "notebook", "format": "json", "content": nb})
        assert code == 403 and "make learn" in answer["message"], answer
        code, _ = lab.api("PUT", "contents/Untitled.ipynb", {"type": "notebook", "format": "json", "content": nb})
        assert code == 403
        assert (ROOT / CHAPTER).read_bytes() == stored and _git_status() == before
    finally:   # should the server have written, the course's version is put back
        if (ROOT / CHAPTER).read_bytes() != stored:
            (ROOT / CHAPTER).write_bytes(stored)
        (ROOT / "notebooks" / "Untitled.ipynb").unlink(missing_ok=True)


def test_a_kernel_started_by_make_lab_is_live(lab):
    from jupyter_client import BlockingKernelClient

    code, session = lab.api("POST", "sessions", {"path": API_PATH, "type": "notebook", "name": API_PATH,
                                                 "kernel": {"name": "python3"}})
    assert code == 201, session
    client = BlockingKernelClient(connection_file=str(lab.runtime / f"kernel-{session['kernel']['id']}.json"))
    client.load_connection_file()
    client.start_channels(hb=False)
    try:
        for _ in range(120):                                      # ready when it answers
            client.kernel_info()
            try:
                if client.get_shell_msg(timeout=1)["msg_type"] == "kernel_info_reply":
                    break
            except Empty:
                pass
        outputs = []
        reply = client.execute_interactive(
            "import os\nimport d2l_utils as d2l\nfrom d2l_utils.plotting import live_output\n"
            "print(os.environ.get('D2L_STATIC_PLOTS'), live_output())\n"
            "r = d2l.race(lambda name, lr, seed: {'val': lr, 'test': lr}, {'SGD': [0.1, 1.0]})",
            timeout=120, output_hook=lambda msg: outputs.append(msg))
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        client.stop_channels()
    text = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
    assert text.split() == ["1", "True"]                         # the static variable reached it, and it is live
    widgets = [m for m in outputs if m["msg_type"] in ("display_data", "update_display_data")
               and "application/vnd.jupyter.widget-view+json" in m["content"]["data"]]
    assert widgets, "race showed no progress bar"
