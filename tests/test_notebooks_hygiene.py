"""Every stored notebook: executed in order by a fresh kernel, no errors, portable outputs, the course template."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHAPTERS = [p for p in NOTEBOOKS if re.match(r"\d\d_[a-z0-9_]+\.ipynb$", p.name)]
ABSOLUTE = re.compile(r"(/work/|/home/|/root/|/Users/|/tmp/|[A-Z]:\\\\)")


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _code(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_the_collection_is_there():
    names = {p.name for p in NOTEBOOKS}
    assert "index.ipynb" in names and "01_fixed_learning_rates.ipynb" in names
    assert all(re.match(r"(\d\d_[a-z0-9_]+|index)\.ipynb$", n) for n in names), names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_in_order_without_errors(path):
    nb = _load(path)
    code = _code(nb)
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), \
        "re-run with a fresh kernel: make notebooks"
    assert not [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_portable_and_small(path):
    nb = _load(path)
    for c in _code(nb):
        for o in c["outputs"]:
            text = "".join(o.get("text", "")) + "".join(
                "".join(v) for k, v in o.get("data", {}).items() if k.startswith("text/"))
            assert not ABSOLUTE.search(text), f"absolute path in an output: {ABSOLUTE.search(text).group(0)}"
            assert not re.search(r"\bWarning\b", text) or o.get("name") != "stderr", f"a warning is stored: {text}"
    assert path.stat().st_size < 2_000_000


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_figure_has_a_png_for_an_untrusted_jupyterlab(path):
    # JupyterLab renders no SVG of a notebook it does not trust (a fresh clone): the PNG beside it is what shows.
    figures = [o["data"] for c in _code(_load(path)) for o in c["outputs"] if "image/svg+xml" in o.get("data", {})]
    assert figures, "a chapter without figures?"
    assert all("image/png" in data for data in figures), "a figure stored as SVG only: re-run with make notebooks"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_template(path):
    nb = _load(path)
    md = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    code = ["".join(c["source"]) for c in _code(nb)]
    number = int(path.name[:2])
    assert md[0].startswith(f"# {number}. ") and "What you will learn" in md[0]
    assert "import d2l_utils as d2l" in code[0] and "d2l.set_seed(" in code[0], "the setup cell comes first"
    assert any(re.search(r"^## Summary", m, re.M) for m in md)
    assert any(re.search(r"^## Exercises", m, re.M) for m in md)
    k = CHAPTERS.index(path)
    neighbours = [*(CHAPTERS[k - 1:k] if k else []), Path("index.ipynb"), *CHAPTERS[k + 1:k + 2]]
    assert re.findall(r"\]\(([^)]+)\)", md[-1]) == [p.name for p in neighbours], \
        "the last cell links prev / index / next (python -m course links --write)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_opening_changes_nothing(path):
    """Stored as JupyterLab writes a notebook, so that opening one does not mark it modified."""
    nb = _load(path)
    assert nb["metadata"]["kernelspec"] == {"display_name": "Python 3 (ipykernel)", "language": "python",
                                            "name": "python3"}
    info = nb["metadata"]["language_info"]
    assert set(info) == {"codemirror_mode", "file_extension", "mimetype", "name", "nbconvert_exporter",
                         "pygments_lexer", "version"} and info["name"] == "python"
    assert re.fullmatch(r"3\.\d+\.\d+", info["version"])
    assert nb["nbformat"] == 4 and nb["nbformat_minor"] >= 5 and all("id" in c for c in nb["cells"])
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n", \
        "not in Jupyter's own layout (1-space indent, sorted keys): python -m course links --write"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_figures_appear_under_any_mplbackend(path):
    """`%matplotlib inline` first: a kernel that inherits MPLBACKEND=Agg still shows every figure."""
    setup = "".join(_code(_load(path))[0]["source"])
    assert setup.split("\n", 1)[0] == "%matplotlib inline"


def test_a_figure_notebook_shows_its_figures_under_mplbackend_agg(tmp_path):
    """Run a small notebook that draws, the way the course's setup cells do, in a kernel with MPLBACKEND=Agg."""
    import os

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%matplotlib inline\nimport d2l_utils as d2l\nd2l.use_svg_display()"),
        nbformat.v4.new_code_cell("d2l.plot([1.0, 2.0, 4.0], xlabel='x', ylabel='y');")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    old = dict(os.environ)
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    outputs = nb.cells[1].outputs
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs), outputs


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_links_point_to_existing_notebooks(path):
    nb = _load(path)
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    for target in re.findall(r"\]\(([^)#\s]+\.ipynb)\)", text):
        if not re.match(r"[a-z]+://", target):  # web links (Colab, nbviewer) are checked in test_project_files
            assert (path.parent / target).exists(), f"broken link to {target}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_ignored_cell_is_followed_by_an_assertion(path):
    cells = [c for c in _load(path)["cells"] if c["cell_type"] == "code"]
    for i, c in enumerate(cells):
        src = "".join(c["source"])
        if "NBVAL_IGNORE_OUTPUT" in src:
            nxt = "".join(cells[i + 1]["source"]) if i + 1 < len(cells) else ""
            assert "assert" in src.split("NBVAL_IGNORE_OUTPUT", 1)[1] or "assert" in nxt, \
                f"cell {i + 1} is ignored by nbval but nothing asserts what it shows:\n{src[:200]}"


def _is_check(cell):
    return "check" in cell.get("metadata", {}).get("tags", [])


def _is_nbgrader_test(cell):
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lesson_code_carries_no_checks_or_test_markers(path):
    """Asserts live in check cells and nbgrader test cells; nbval reads tags, ruff its own config."""
    bad = []
    for i, cell in enumerate(_load(path)["cells"]):
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"])
        if re.search(r"NBVAL|noqa", src):
            bad.append(f"cell {i}: an NBVAL or noqa comment (use a cell tag such as nbval-ignore-output)")
        if not (_is_check(cell) or _is_nbgrader_test(cell)) and re.search(r"^\s*assert\b", src, re.M):
            bad.append(f"cell {i}: assert in a lesson cell (move it to a check cell after the evidence)")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_check_cells_are_collapsed_silent_claims_after_their_evidence(path):
    cells = _load(path)["cells"]
    bad = []
    for i, cell in enumerate(cells):
        if not _is_check(cell):
            continue
        src = "".join(cell["source"])
        first = next((ln for ln in src.splitlines() if ln.strip()), "")
        if cell["cell_type"] != "code":
            bad.append(f"cell {i}: a check cell must be code")
            continue
        if not cell["metadata"].get("jupyter", {}).get("source_hidden"):
            bad.append(f"cell {i}: input not collapsed (metadata jupyter.source_hidden)")
        if cell.get("outputs"):
            bad.append(f"cell {i}: a check cell prints nothing")
        if not re.match(r"# Claim( \(§\d+(\.\d+)*\))?: \S", first):
            bad.append(f"cell {i}: first line must state the claim: '# Claim (§n.m): …'")
        if not re.search(r"^\s*assert\b", src, re.M):
            bad.append(f"cell {i}: a check cell that asserts nothing")
        if i == 0 or cells[i - 1]["cell_type"] != "code":
            bad.append(f"cell {i}: a check cell comes right after the code cell that prints its evidence")
    assert not bad, "\n".join(bad)


def test_check_cell_rules_catch_a_planted_violation(tmp_path):
    good = {"cell_type": "code", "metadata": {"tags": ["check"], "jupyter": {"source_hidden": True}},
            "source": "# Claim (§1.2): A beats B on every seed\nassert all(a < b for a, b in runs)",
            "outputs": [], "execution_count": 2}
    evidence = {"cell_type": "code", "metadata": {}, "source": "print(runs)", "outputs": [], "execution_count": 1}
    lesson_assert = dict(evidence, source="x = 1\nassert x == 1")
    variants = {"ok": [evidence, good], "shown": [evidence, dict(good, metadata={"tags": ["check"]})],
                "no-claim": [evidence, dict(good, source="assert True")],
                "lesson-assert": [lesson_assert, good],
                "marker": [dict(evidence, source="# NBVAL_IGNORE_OUTPUT"), good]}
    results = {}
    for name, cells in variants.items():
        path = tmp_path / f"{name}.ipynb"
        path.write_text(json.dumps({"cells": cells}), encoding="utf-8")
        try:
            test_check_cells_are_collapsed_silent_claims_after_their_evidence(path)
            test_lesson_code_carries_no_checks_or_test_markers(path)
            results[name] = True
        except AssertionError:
            results[name] = False
    assert results == {"ok": True, "shown": False, "no-claim": False, "lesson-assert": False, "marker": False}
