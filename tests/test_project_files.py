"""The project's own files agree with each other: one list of dependencies, commands, README contents."""
import re
import stat
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def _requirements():
    lines = [ln.split("#", 1)[0].strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    return [Requirement(ln) for ln in lines if ln]


def test_environment_yml_installs_exactly_the_pip_requirements():
    text = (ROOT / "environment.yml").read_text()
    items = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    items = [ln[2:].strip() for ln in items if ln.startswith("- ")]
    assert items == ["conda-forge", "python>=3.10", "pip", "pip:", "-r requirements.txt", "-e ."]


def test_requirements_are_the_design_cards_and_admit_the_tested_torch():
    reqs = {r.name.lower(): r for r in _requirements()}
    for name in ["jupyterlab", "numpy", "matplotlib", "torch", "torchvision", "nbval", "pytest", "ipywidgets", "tqdm"]:
        assert name in reqs, name
    assert reqs["torch"].specifier.contains("2.14.1") and reqs["torchvision"].specifier.contains("0.29.1")


def test_make_targets_and_ci_script():
    make = (ROOT / "Makefile").read_text()
    for target in ["lab", "test", "notebooks", "student", "grade"]:
        assert re.search(rf"^{target}:", make, re.M), target
    ci = ROOT / ".ci" / "run"
    assert ci.stat().st_mode & stat.S_IXUSR and "make test" in ci.read_text()


def test_readme_lists_every_notebook_and_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme and "D2L_DATA_DIR" in readme
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{nb.name}" in readme, f"README does not link {nb.name}"
        assert f"nbviewer.org" in readme
