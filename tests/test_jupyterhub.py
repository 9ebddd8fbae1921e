"""Smoke test of jupyterhub_config.py: a hub with two students, each server importing d2l_utils and listing the
assignment the instructor released through nbgrader's exchange.

It needs JupyterHub and its proxy (`pip install jupyterhub`, `npm install configurable-http-proxy`), which are not part
of the course's environment: without them it is skipped, with the reason. The hub runs the repository's
jupyterhub_config.py, with JupyterHub's dummy authenticator and its simple spawner (servers run as the hub's own user,
each in a home folder of its own) instead of the machine's accounts, and its own ports.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from test_exchange import ASSIGNMENT, COURSE_ID, Class

pytest.importorskip("jupyterhub", reason="JupyterHub is not installed (pip install jupyterhub)")
requests = pytest.importorskip("requests")
websocket = pytest.importorskip("websocket")
if shutil.which("configurable-http-proxy") is None:
    pytest.skip("configurable-http-proxy is not installed (npm install -g configurable-http-proxy)",
                allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = ("alice", "bob")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, check, timeout: float = 180.0):
    end = time.monotonic() + timeout
    while True:
        try:
            got = check()
            if got:
                return got
        except requests.RequestException:
            pass
        if time.monotonic() > end:
            raise TimeoutError(f"{what}: not ready after {timeout:.0f} s")
        time.sleep(0.5)


def _run_code(base: str, token: str, user: str, code: str) -> str:
    """Run `code` in a new kernel of `user`'s server; return what it printed."""
    head = {"Authorization": f"token {token}"}
    kernel = requests.post(f"{base}/user/{user}/api/kernels", headers=head, json={"name": "python3"}, timeout=60)
    kernel.raise_for_status()
    ws = websocket.create_connection(f"{base.replace('http', 'ws', 1)}/user/{user}/api/kernels/"
                                     f"{kernel.json()['id']}/channels", header=[f"Authorization: token {token}"],
                                     timeout=120)
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({"header": {"msg_id": msg_id, "username": user, "session": uuid.uuid4().hex,
                                   "msg_type": "execute_request", "version": "5.3"},
                        "parent_header": {}, "metadata": {}, "channel": "shell",
                        "content": {"code": code, "silent": False, "store_history": False,
                                    "user_expressions": {}, "allow_stdin": False}}))
    out = []
    try:
        while True:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                raise AssertionError(f"{user}'s kernel: {msg['content']['ename']}: {msg['content']['evalue']}")
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out)
    finally:
        ws.close()


def test_a_hub_for_the_class(tmp_path):
    k = Class(tmp_path)   # the instructor releases the fixture chapter, as in test_exchange
    k.instructor("generate_assignment", ASSIGNMENT)
    k.instructor("release_assignment", ASSIGNMENT)

    port, token = _port(), uuid.uuid4().hex
    base = f"http://127.0.0.1:{port}"
    state = tmp_path / "hub"
    state.mkdir()
    (state / "test_config.py").write_text(f"""\
c = get_config()  # noqa: F821
load_subconfig({str(ROOT / "jupyterhub_config.py")!r})  # noqa: F821
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {str(tmp_path / "home" / "{username}")!r}
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{_port()}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{_port()}"
c.Spawner.environment.update(NBGRADER_EXCHANGE={str(k.exchange)!r}, NBGRADER_COURSE_ID={COURSE_ID!r},
                             PYTHONPATH={str(ROOT)!r})
c.Spawner.args = {["--allow-root"] if os.getuid() == 0 else []!r}   # the servers run as the hub's user here
c.Spawner.http_timeout = c.Spawner.start_timeout = 300                 # a busy test machine
c.JupyterHub.services = [{{"name": "smoke", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "smoke", "services": ["smoke"],
                             "scopes": ["admin:users", "admin:servers", "access:servers", "read:users"]}}]
""")
    env = dict(os.environ, COURSE_HUB_URL=base, COURSE_HUB_STATE=str(state), COURSE_STUDENTS=",".join(STUDENTS),
               COURSE_INSTRUCTORS="ada", D2L_DATA_DIR=str(tmp_path / "data"),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    log = (state / "hub.log").open("w")
    hub = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(state / "test_config.py")], cwd=state,
                           env=env, stdout=log, stderr=subprocess.STDOUT)
    head = {"Authorization": f"token {token}"}
    try:
        _wait("the hub", lambda: requests.get(f"{base}/hub/api/", timeout=5).ok)
        for user in STUDENTS:   # each logs in through the login form; logging in starts their server
            s = requests.Session()
            s.get(f"{base}/hub/login", timeout=30)
            s.post(f"{base}/hub/login", data={"username": user, "password": "any",
                                              "_xsrf": s.cookies.get("_xsrf", "")}, timeout=120)
            _wait(f"{user}'s server", lambda u=user: requests.get(f"{base}/hub/api/users/{u}", headers=head,
                                                                   timeout=10).json()["servers"][""]["ready"])
        for user in STUDENTS:
            got = requests.get(f"{base}/user/{user}/assignments", params={"course_id": COURSE_ID}, headers=head,
                               timeout=120)
            got.raise_for_status()
            listed = got.json()["value"]
            assert [(a["assignment_id"], a["status"]) for a in listed] == [(ASSIGNMENT, "released")], listed
            printed = _run_code(base, token, user, "import os, d2l_utils\n"
                                "print(d2l_utils.__file__)\nprint(os.environ['D2L_DATA_DIR'])\nprint(os.getcwd())")
            module, data, cwd = printed.split()
            assert Path(module) == ROOT / "d2l_utils" / "__init__.py" and data == str(tmp_path / "data")
            assert Path(cwd) == tmp_path / "home" / user
    finally:
        hub.terminate()
        try:
            hub.wait(timeout=60)
        except subprocess.TimeoutExpired:
            hub.kill()
        log.close()
        print((state / "hub.log").read_text()[-4000:])   # shown when the test fails
