"""The learner's copy (`make learn`): the student copy in a folder of the learner's own, with a link to each full
chapter, refreshed when the course changes without ever overwriting a file the learner changed.
"""
import os
from dataclasses import dataclass
from pathlib import Path

from .notebook import CourseworkError, exercises_range
from .release import _release_plan, release_notebook

__all__ = ["MANIFEST", "RENAMED", "LearnerFile", "learner_notebook", "update_path", "learner", "format_learner"]

MANIFEST = ".course-manifest.json"   # in the learner's folder: what the course wrote there, by content hash
# Chapters the course renamed or split: {old file: its new file(s)}. A learner's untouched copy of an old chapter
# is removed (the new chapters are written in its place); an edited one is theirs and stays where it is.
RENAMED = {
    "04_rmsprop_adadelta_adam.ipynb": ("04_momentum_and_rmsprop.ipynb", "05_adam.ipynb"),
    "05_training_autoencoders.ipynb": ("06_training_autoencoders.ipynb",),
    "06_autoencoder_applications.ipynb": ("07_anomaly_detection.ipynb", "08_denoising_and_vaes.ipynb"),
    "07_layerwise_and_learned_rates.ipynb": ("09_layerwise_and_learned_rates.ipynb",),
    "08_data_parallel_training.ipynb": ("10_data_parallel_training.ipynb",),
}
SOLUTIONS_NOTE = ("**Solutions.** Try each exercise first, then run the test cell under it. The model answers are in "
                  "[the full chapter]({link}).")


@dataclass
class LearnerFile:
    """What `learner` did with one file of the course: status 'new', 'updated', 'up to date', 'restored', 'kept'
    (the learner's edited file, left alone) or 'blocked' (an update could not be placed); `update`: where the
    course's new version of a kept file was written, if anywhere. For a chapter the course renamed (`RENAMED`):
    status 'retired' (the untouched copy, removed) or 'renamed' (the learner's edited copy, kept where it is), and
    `renamed`, the new file names."""
    path: Path
    status: str
    update: Path | None = None
    renamed: tuple = ()


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _notebook_bytes(nb) -> bytes:
    import nbformat

    text = nbformat.writes(nb)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def learner_notebook(nb, name: str = "notebook", solutions: str | None = None):
    """The learner's copy of `nb`: its student copy with, under the Exercises heading, a link to `solutions` (the
    notebook with the model answers), when given."""
    import nbformat

    out = release_notebook(nb, name)
    if solutions:
        cell = {"cell_type": "markdown", "metadata": {}, "source": SOLUTIONS_NOTE.format(link=solutions)}
        if (out.get("nbformat"), out.get("nbformat_minor", 0)) >= (4, 5):
            cell["id"] = "solutions-link"   # fixed, so that the same course gives the same bytes
        out["cells"].insert(exercises_range(out).start + 1, nbformat.from_dict(cell))
    return out


def update_path(path: Path) -> Path:
    """Where the course's new version of a file the learner has edited goes: beside it, NAME-update.EXT."""
    return path.with_name(f"{path.stem}-update{path.suffix}")


def learner(src_dir, dest_dir, renamed: dict | None = None) -> list:
    """Create or refresh the learner's copy of the course folder `src_dir` in `dest_dir`, never overwriting their work.

    Each notebook with exercises becomes its student copy (solutions and hidden tests removed, lesson outputs kept)
    with a link to the full notebook in `src_dir`; other files are copied as they are. `dest_dir/.course-manifest.json`
    records the hash of every file written. A file whose content is still what was written (untouched) is refreshed
    when the course changes; a file the learner changed is theirs: it is left alone and a new version of the course's
    file, if any, is written beside it (`update_path`) under the same rules. A deleted file is written again (how to
    start a chapter over); files the course does not have are never touched, except the untouched copy of a chapter
    the course renamed or split (`renamed`, default `RENAMED`), which is removed (an edited one stays, reported with
    its new names). Returns a LearnerFile per course file and per renamed chapter found.
    """
    import json

    src, dest = Path(src_dir).resolve(), Path(dest_dir).resolve()

    def make(nb, name, rel):
        try:
            link = Path(os.path.relpath(src / rel, (dest / rel).parent)).as_posix()
        except ValueError:   # on another drive: no relative link
            link = None
        return learner_notebook(nb, name, link)

    plan = _release_plan(src_dir, dest_dir, "learner", make)
    manifest_path = dest / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        written, offered = dict(manifest.get("written", {})), dict(manifest.get("offered", {}))
    except FileNotFoundError:
        written, offered = {}, {}
    except (ValueError, AttributeError) as e:
        raise CourseworkError(f"{manifest_path}: unreadable ({e}); move it away to treat every file in "
                              f"{dest_dir} as yours") from e

    results = []
    for old, new in (RENAMED if renamed is None else renamed).items():
        if (src / old).exists():
            continue   # still a chapter of the course
        for rel in (old, update_path(Path(old)).as_posix()):
            target = dest / rel
            if target.exists():
                untouched = written.get(rel) == _sha256(target.read_bytes())
                if untouched:
                    target.unlink()
                results.append(LearnerFile(target, "retired" if untouched else "renamed", None, tuple(new)))
            written.pop(rel, None)
            offered.pop(rel, None)

    def place(rel: str, data: bytes) -> str:
        """Write `data` at `rel` unless a learner's file is there; return what happened (a LearnerFile status)."""
        target, h = dest / rel, _sha256(data)
        if not target.exists():
            _write_atomic(target, data)
            status = "restored" if rel in written else "new"
        else:
            current = _sha256(target.read_bytes())
            if current == h:
                status = "up to date"
            elif written.get(rel) == current:
                _write_atomic(target, data)
                status = "updated"
            else:
                return "kept"
        written[rel] = h
        return status

    for rel_path, nb in plan:
        rel = rel_path.as_posix()
        data = (src / rel_path).read_bytes() if nb is None else _notebook_bytes(nb)
        h = _sha256(data)
        status, update = place(rel, data), None
        if status == "kept" and offered.get(rel) != h:   # the course changed since it was last offered
            beside = update_path(rel_path).as_posix()
            if place(beside, data) == "kept":
                status = "blocked"   # not recorded as offered: reported again at every run until resolved
            else:
                update = dest / beside
        if status != "blocked":
            offered[rel] = h
        results.append(LearnerFile(dest / rel_path, status, update))
    dest.mkdir(parents=True, exist_ok=True)
    _write_atomic(manifest_path, (json.dumps({"source": str(src), "written": written, "offered": offered},
                                             indent=1, sort_keys=True) + "\n").encode("utf-8"))
    return results


def format_learner(files: list) -> str:
    """What `learner` did, one line per file that is not simply up to date, and how to get a fresh copy."""
    lines = []
    for f in files:
        if f.status in ("new", "updated", "restored"):
            lines.append(f"{f.status:9} {f.path}")
        elif f.status == "kept":
            lines.append(f"yours     {f.path}" + (f"  (the course's new version: {f.update})" if f.update else ""))
        elif f.status == "retired":
            lines.append(f"removed   {f.path}  (untouched: this chapter is now {', '.join(f.renamed)})")
        elif f.status == "renamed":
            lines.append(f"yours     {f.path}  (kept as it is; this chapter is now {', '.join(f.renamed)})")
        elif f.status == "blocked":
            lines.append(f"yours     {f.path}  (the course has a new version, but {update_path(f.path)} is yours "
                         "too: rename one of them and run this again)")
    n = sum(f.status == "up to date" for f in files)
    total = sum(f.status not in ("retired", "renamed") for f in files)
    lines.append(f"{total} course files, {n} already up to date. Files you changed are never overwritten; "
                 "delete one to get it fresh.")
    return "\n".join(lines)
