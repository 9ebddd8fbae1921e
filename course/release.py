"""The student release: each chapter with its solutions, hidden tests and exercise outputs removed.

The release does what nbgrader's ClearSolutions, ClearHiddenTests and ClearOutput preprocessors do, on the exercise
cells only, and keeps every other cell as it is, outputs included (`python -m course release SRC_DIR OUT_DIR`).
"""
import copy
import shutil
from pathlib import Path

from .notebook import (
    CODE_STUB,
    SKIP_DIRS,
    TEXT_STUB,
    CourseworkError,
    _meta,
    _where,
    check_notebook,
    clear_hidden_tests,
    clear_outputs,
    clear_solution,
    exercises_range,
    is_grade,
    is_solution,
)

__all__ = ["release_notebook", "clear_exercise_outputs", "release"]

def release_notebook(nb, name: str = "notebook"):
    """The student copy of `nb` (a new notebook; `nb` is left as it is).

    Solution regions become `raise NotImplementedError()` (a markdown solution cell: 'YOUR ANSWER HERE'; a solution
    cell without markers: the stub alone), hidden tests are removed, the outputs and execution counts of every code
    cell of the Exercises section and of every nbgrader cell are cleared. Every other cell is kept as it is, outputs
    included.
    """
    check_notebook(nb, name)
    out = copy.deepcopy(nb)
    for i, c in enumerate(out["cells"]):
        where = _where(name, i, c)
        if is_solution(c):
            stub = CODE_STUB if c["cell_type"] == "code" else TEXT_STUB
            source, found = clear_solution(c["source"], stub, where)
            c["source"] = source if found else stub
        if is_grade(c):
            c["source"] = clear_hidden_tests(c["source"], where)[0]
    return clear_exercise_outputs(out)


def clear_exercise_outputs(nb):
    """Clear, in place, the outputs and execution counts of the Exercises section's code cells and of every nbgrader
    cell (what a solution prints must not reach students); the lesson's outputs are kept. Returns `nb`."""
    section = exercises_range(nb)
    for i, c in enumerate(nb["cells"]):
        if i in section or is_solution(c) or is_grade(c):
            clear_outputs(c)
    return nb


def _has_coursework(nb) -> bool:
    return any(_meta(c) or "d2l" in c.get("metadata", {}) for c in nb["cells"])


def _release_plan(src_dir, out_dir, folder: str = "release", make=None) -> list:
    """[(relative path, student copy of the notebook, or None for a byte-for-byte copy)] for the folder `src_dir`.

    `make(nb, name, rel)` makes the copy (default: `release_notebook`). Every notebook is checked before anything is
    written; `out_dir` must lie outside `src_dir`.
    """
    import nbformat

    src, out = Path(src_dir).resolve(), Path(out_dir).resolve()
    if not src.is_dir():
        raise CourseworkError(f"{src_dir}: not a folder")
    if out == src or src in out.parents:
        raise CourseworkError(f"the {folder} folder {out_dir} must lie outside the source folder {src_dir}")
    plan = []
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if (not path.is_file() or any(p.startswith(".") or p in SKIP_DIRS for p in rel.parts)
                or path.name == "conftest.py" or path.suffix == ".pyc"):
            continue
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            if _has_coursework(nb):
                name = str(Path(src_dir) / rel)
                plan.append((rel, make(nb, name, rel) if make else release_notebook(nb, name)))
                continue
        plan.append((rel, None))
    return plan


def release(src_dir, out_dir) -> list:
    """Write the student release of the folder `src_dir` to `out_dir`; return the paths written.

    Every notebook with exercises is released with `release_notebook`; other notebooks (the index) and other files
    (figures...) are copied byte for byte; hidden files, caches and conftest.py are left out. All notebooks are
    checked before anything is written.
    """
    import nbformat

    src, out = Path(src_dir).resolve(), Path(out_dir).resolve()
    written = []
    for rel, nb in _release_plan(src_dir, out_dir):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if nb is None:
            shutil.copyfile(src / rel, target)
        else:
            nbformat.write(nb, target)
        written.append(target)
    return written
