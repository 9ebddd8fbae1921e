"""Shared test fixtures: paths, and the functions a notebook teaches (to compare with d2l_utils)."""
import inspect
import json
import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WRONG_ANSWERS = ROOT / "tests" / "wrong_answers"


def recorded_wrong_answers(path: Path) -> dict[str, list[str]]:
    """{solution grade_id: [deliberately wrong cell sources]} for a notebook, from tests/wrong_answers/<stem>.py.

    A value of that file's WRONG_ANSWERS is one cell source or a list of them: the visible tests must reject at least
    one, the whole test cell (hidden tests included) every one, and each hidden test at least one that the visible
    tests let through (tests/test_coursework.py), so a list adds wrong answers aimed at the hidden tests.
    """
    file = WRONG_ANSWERS / f"{Path(path).stem}.py"
    recorded = runpy.run_path(str(file)) if file.exists() else {}
    answers: dict[str, list[str]] = {}
    # HIDDEN_WRONG_ANSWERS: answers that pass the visible tests on purpose, so that only a hidden test rejects them.
    for table in (recorded.get("WRONG_ANSWERS", {}), recorded.get("HIDDEN_WRONG_ANSWERS", {})):
        for gid, v in table.items():
            answers.setdefault(gid, []).extend([v] if isinstance(v, str) else list(v))
    return answers


def wrong_answers(path: Path) -> dict:
    """{solution grade_id: its first deliberately wrong cell source} (see `recorded_wrong_answers`)."""
    return {gid: v[0] for gid, v in recorded_wrong_answers(path).items() if v}


# nbgrader's markers, spelled out here (not imported from the code under test): what lies between them is secret.
MARKER_PAIRS = {"### BEGIN SOLUTION": "### END SOLUTION", "### BEGIN HIDDEN TESTS": "### END HIDDEN TESTS"}


def split_at_markers(source: str) -> tuple[list[str], list[str]]:
    """(the lines outside every marker pair, the lines inside one) of a cell's source; markers themselves in
    neither. Unbalanced markers raise ValueError."""
    outside, inside, end = [], [], None
    for line in source.split("\n"):
        s = line.strip()
        if end is None and s in MARKER_PAIRS:
            end = MARKER_PAIRS[s]
        elif end is not None and s == end:
            end = None
        elif s in MARKER_PAIRS or s in MARKER_PAIRS.values():
            raise ValueError(f"unbalanced marker {s!r}")
        else:
            (outside if end is None else inside).append(line)
    if end is not None:
        raise ValueError(f"no {end!r}")
    return outside, inside


def notebook_code(path: Path) -> list[str]:
    """The source of each code cell of a notebook."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def notebook_defs(path: Path, *names: str, preamble: str = "") -> dict:
    """Execute only the code cells of `path` that define `names` (def/class/assignment); return the namespace.

    The notebook teaches a helper; tests compare that very code with d2l_utils, without running the notebook.
    """
    ns: dict = {}
    exec(compile("import math, time\nimport numpy as np\nimport torch\nfrom torch import nn\n"
                 "import d2l_utils as d2l\n" + preamble, "<preamble>", "exec"), ns)
    found = set()
    for src in notebook_code(path):
        defined = {n for n in names if re.search(rf"^(def|class)\s+{n}\b|^{n}\s*=", src, re.M)}
        if defined:
            lines = [ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!"))]
            exec(compile("\n".join(lines), f"{Path(path).name}", "exec"), ns)
            found |= defined
    missing = set(names) - found
    if missing:
        raise LookupError(f"{Path(path).name} defines no {sorted(missing)}")
    return ns


@pytest.fixture
def nb_defs():
    """`nb_defs('02_adagrad_from_scratch', 'adagrad', ...)`: the named definitions from that notebook."""
    def get(stem: str, *names: str, preamble: str = "") -> dict:
        return notebook_defs(ROOT / "notebooks" / f"{stem}.ipynb", *names, preamble=preamble)
    return get


def follows_book_signature(fn, book: list[str]) -> bool:
    """True when `fn` takes the book's parameters first, in order and with its defaults (`book` as 'name' or
    'name=default'), and any further parameter is optional."""
    params = list(inspect.signature(fn).parameters.values())
    shown = [p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}" for p in params]
    extras_optional = all(p.default is not inspect.Parameter.empty or p.kind is p.KEYWORD_ONLY
                          for p in params[len(book):])
    return shown[: len(book)] == book and extras_optional
