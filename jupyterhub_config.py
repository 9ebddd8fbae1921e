"""A JupyterHub for a class taking the course: `jupyterhub -f jupyterhub_config.py`, run as root from this repository
in the course's environment (README.md, "For instructors", "On a JupyterHub", has the steps).

- Users are the machine's accounts (PAM, JupyterHub's default); each server runs as its user, in their home.
- Each server is JupyterLab from this environment, so the chapters import `d2l_utils` and nbgrader's *Assignments*
  tab is there; nbgrader reads this repository's nbgrader_config.py (course id and exchange folder).
- `D2L_DATA_DIR` points every kernel at one shared, read-only copy of the datasets.

Settings come from the environment, with these defaults: COURSE_HUB_URL (http://127.0.0.1:8000: put an https proxy
in front of it), COURSE_HUB_STATE (/srv/jupyterhub: the hub's database and cookie secret), D2L_DATA_DIR
(/srv/d2l-data), COURSE_INSTRUCTORS and COURSE_STUDENTS (comma-separated user names; without COURSE_STUDENTS every
account of the machine may log in).
"""
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (defined by the program that loads this file)

HERE = Path(__file__).resolve().parent
ENV_BIN = Path(sys.executable).parent            # the environment the hub runs in: the course's
DATA = os.environ.get("D2L_DATA_DIR", "/srv/d2l-data")
STATE = Path(os.environ.get("COURSE_HUB_STATE", "/srv/jupyterhub"))


def _names(var: str) -> set:
    return {n.strip() for n in os.environ.get(var, "").split(",") if n.strip()}


c.JupyterHub.bind_url = os.environ.get("COURSE_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"

c.Authenticator.admin_users = _names("COURSE_INSTRUCTORS")
if _names("COURSE_STUDENTS"):
    c.Authenticator.allowed_users = _names("COURSE_STUDENTS") | _names("COURSE_INSTRUCTORS")
else:
    c.Authenticator.allow_all = True

c.Spawner.cmd = [str(ENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    "PATH": os.pathsep.join([str(ENV_BIN), "/usr/local/bin", "/usr/bin", "/bin"]),
    "D2L_DATA_DIR": DATA,
    "JUPYTER_CONFIG_PATH": str(HERE),            # nbgrader_config.py: the course id and the exchange
}
