"""Where the course is published, and every link to it: nbviewer, Colab and Binder, made from one address.

A fork changes the one line `REPOSITORY, REF = ...` below, then runs `python -m course links --write`, which
rewrites the links of README.md, notebooks/index.ipynb and each chapter's header (between `<!-- open-in -->`
markers), the Colab lines of each chapter's setup cell, each chapter's foot (links to its neighbours), and stores
every notebook with the metadata JupyterLab writes (so that opening one changes nothing).
`python -m course links --check` changes nothing and lists the files that are out of date (the test suite runs it).
The script is idempotent: run it again after any merge.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from .study_times import StudyTime, format_minutes, study_time

REPOSITORY, REF = "d2l-adaptive-lr/course", "main"   # GitHub owner/name, and the branch or tag that links point at

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "d2l_utils"
COLAB_PREINSTALLED = ("numpy", "matplotlib", "torch", "torchvision", "tqdm", "ipywidgets")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
BADGES = {"colab": "https://colab.research.google.com/assets/colab-badge.svg",
          "binder": "https://mybinder.org/badge_logo.svg",
          "nbviewer": "https://raw.githubusercontent.com/jupyter/design/master/logos/Badges/nbviewer_badge.svg"}
OPEN, CLOSE = "<!-- open-in -->", "<!-- /open-in -->"
TABLE_OPEN, TABLE_CLOSE = "<!-- contents -->", "<!-- /contents -->"
# What each chapter teaches (one line for the contents tables of README.md and index.ipynb); titles come from the
# notebooks' own headings. A chapter appears in the tables once its notebook exists.
SUMMARIES = {
    "01_fixed_learning_rates": "gradient descent in 1-D and 2-D, divergence and the stability bound, the condition "
                               "number, SGD against minibatches per epoch and per second, a decaying schedule raced "
                               "against the best constant rate",
    "02_adagrad_from_scratch": "one learning rate per coordinate, GD and AdaGrad each at its best rate, what AdaGrad "
                               "is and is not invariant to, sparse features; going further: the book's AdaGrad on "
                               "airfoil",
    "03_adagrad_concise": "`torch.optim.Adagrad` checked against the scratch version, where ε goes, an optimizer "
                          "written the PyTorch way, options, exact checkpoints, sparse embeddings; going further: "
                          "timing one step",
    "04_momentum_and_rmsprop": "how AdaGrad's step decays, RMSProp's leaky average, AdaDelta without a learning rate, "
                               "momentum, each from scratch, their `d2l` versions checked against `torch.optim`",
    "05_adam": "Adam and its bias correction from scratch and with `torch.optim`, a fair race of six optimizers on "
               "held-out data and untouched seeds, where AdaGrad's memory hurts",
    "06_training_autoencoders": "an MNIST autoencoder trained with AdaGrad, effective rates inside a network, a fair "
                                "race of five optimizers and two controls on test images, warm-up against dead units, "
                                "a PCA baseline",
    "07_anomaly_detection": "reconstruction error as an anomaly score, the ROC curve and its AUC, a threshold for a "
                            "target false-positive rate, AdaGrad and Adam raced on it, false alarms and misses shown",
    "08_denoising_and_vaes": "denoising autoencoders judged by a digit reader, why a denoiser should also see clean "
                             "inputs, the variational autoencoder: reparameterization, the ELBO, sampling, its latent "
                             "space",
    "09_layerwise_and_learned_rates": ("per-layer rates (LARS, LAMB) in a race at batch 200 on 1,000 images (each "
                                       "method's rate tuned, the biases' rate not), "
                                       "hypergradient descent, warm-up + cosine and one-cycle schedules; going "
                                       "further: AdamW against Adam + L2, Adam-HD, which optimizer when"),
    "10_data_parallel_training": ("two gloo workers with DDP match one process with the whole batch up to rounding, "
                                  "gradient accumulation, the cost of a step and of its all-reduce, the linear scaling "
                                  "rule with warm-up raced on the autoencoder from batch 8 to 64, LARS and LAMB at "
                                  "batch 64, torchrun"),
}


# ---------------------------------------------------------------- the addresses
def github_url() -> str:
    """The repository on GitHub."""
    return f"https://github.com/{REPOSITORY}"


def nbviewer_url(path: str) -> str:
    """`path` (relative to the repository root) rendered by nbviewer, at REF."""
    return f"https://nbviewer.org/github/{REPOSITORY}/blob/{REF}/{path}"


def colab_url(path: str) -> str:
    """`path` opened in Google Colab, at REF."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{REF}/{path}"


def binder_url(path: str) -> str:
    """`path` opened in JupyterLab on mybinder.org, built from REF (binder/ holds the build's configuration)."""
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/{REF}?labpath={quote(path, safe='')}"


def pip_requirement() -> str:
    """The course's package (d2l_utils), from the repository at REF, as pip installs it."""
    return f"git+{github_url()}@{REF}"


def colab_lines() -> list[str]:
    """The setup cell's lines (after `%matplotlib inline`) that install the course's package on Colab only."""
    # Plain Python (no `%pip` line), so that the cell also runs where magics are stripped, e.g. as a script.
    return ["import sys",
            "",
            'if "google.colab" in sys.modules:  # on Colab: install the course\'s d2l_utils (Colab has the rest)',
            f'    url = "{pip_requirement()}"',
            '    get_ipython().run_line_magic("pip", f"install -q --no-deps {url}")']   # within 100 characters


def badge_line(path: str) -> str:
    """Colab, Binder and nbviewer badges for `path`, between markers."""
    badges = (f"[![Open in Colab]({BADGES['colab']})]({colab_url(path)}) "
              f"[![Launch Binder]({BADGES['binder']})]({binder_url(path)}) "
              f"[![View on nbviewer]({BADGES['nbviewer']})]({nbviewer_url(path)})")
    return f"{OPEN}\n{badges}\n{CLOSE}"


# ---------------------------------------------------------------- rewriting
def chapters(root: Path = ROOT) -> list[Path]:
    """The chapter notebooks, in order."""
    return sorted(p for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _replace_between(text: str, open_: str, close: str, block: str, where=None) -> str:
    """Replace the marked block (markers included) by `block`; without one, insert `block` with `where(text)`."""
    pattern = re.compile(re.escape(open_) + r".*?" + re.escape(close), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text, count=1)
    if where is None:
        raise ValueError(f"no {open_} ... {close} block")
    return where(text, block)


def _after_title(text: str, block: str) -> str:
    title, _, rest = text.partition("\n")
    return f"{title}\n\n{block}\n\n{rest.lstrip(chr(10))}"


def _title(nb: dict) -> str:
    first = "".join(nb["cells"][0]["source"]).split("\n", 1)[0]
    return re.sub(r"^#\s*\d+\.\s*", "", first).strip()


def footer(titles: list[tuple[str, str]], k: int) -> str:
    """The foot of chapter k of `titles` [(file name, title)]: links to the previous chapter, the index, the next."""
    def link(j: int, arrow_left: bool) -> str:
        name, title = titles[j]
        return f"[← {name[:2]} {title}]({name})" if arrow_left else f"[{name[:2]} {title} →]({name})"
    parts = ([link(k - 1, True)] if k > 0 else []) + ["[Index](index.ipynb)"]
    parts += [link(k + 1, False)] if k + 1 < len(titles) else []
    return "---\n" + " · ".join(parts)


def setup_source(source: str) -> str:
    """The setup cell's source with the Colab lines right after `%matplotlib inline` (replacing older ones)."""
    lines = source.split("\n")
    if not lines or lines[0].strip() != "%matplotlib inline":
        raise ValueError("the setup cell must start with %matplotlib inline")
    rest = lines[1:]
    if rest and rest[0] == "import sys":  # older Colab lines: `import sys`, blank lines, the `if` and its body
        i = 1
        while i < len(rest) and not rest[i].strip():
            i += 1
        if i < len(rest) and rest[i].startswith('if "google.colab" in sys.modules:'):
            i += 1
            while i < len(rest) and rest[i][:1] in (" ", "\t"):
                i += 1
            rest = rest[i:]
    return "\n".join([lines[0], *colab_lines(), *rest])


def contents_rows(root: Path = ROOT, prefix: str = "notebooks/") -> list[tuple[str, str, str, str]]:
    """(number, title, relative path, summary) for every chapter notebook present."""
    rows = []
    for path in chapters(root):
        nb = json.loads(path.read_text(encoding="utf-8"))
        rows.append((str(int(path.name[:2])), _title(nb), prefix + path.name, SUMMARIES.get(path.stem, "")))
    return rows


def readme_table(root: Path = ROOT) -> str:
    """README's contents table: each notebook with its nbviewer, Colab and Binder links."""
    head = ["| | chapter | read | run | what you will do |", "|---|---|---|---|---|"]
    rows = [("–", "Index", "notebooks/index.ipynb", "contents, prerequisites, how to run")]
    rows += contents_rows(root)
    body = [f"| {n} | [{t}]({p}) | [nbviewer]({nbviewer_url(p)}) | [Colab]({colab_url(p)}) · "
            f"[Binder]({binder_url(p)}) | {s} |" for n, t, p, s in rows]
    return "\n".join([TABLE_OPEN, *head, *body, TABLE_CLOSE])


def index_table(root: Path = ROOT) -> str:
    """index.ipynb's contents table (links relative to notebooks/, plus Colab), with each chapter's study time."""
    head = ["| | notebook | what you will do | time to study | open in |", "|---|---|---|---|---|"]
    body, minutes = [], 0
    for n, t, p, s in contents_rows(root):
        st = study_time(_read_notebook(root / p))
        minutes += st.shown_total
        body.append(f"| {n} | [{t}]({p.split('/', 1)[1]}) | {s} | {study_time_cell(st)} | "
                    f"[Colab]({colab_url(p)}) · [Binder]({binder_url(p)}) |")
    body.append(f"| | all {len(body)} chapters | | about {format_minutes(minutes)} | |")
    return "\n".join([TABLE_OPEN, *head, *body, TABLE_CLOSE])


def study_time_cell(st: StudyTime) -> str:
    """A chapter's 'time to study': in all, then the lesson, the "Going further" section if any, the exercises."""
    further = f", {format_minutes(st.going_further)} going further" if st.going_further else ""
    return (f"about {format_minutes(st.shown_total)} ({format_minutes(st.lesson)} lesson{further}, "
            f"{st.exercises_count} exercises: {format_minutes(st.exercises)})")


def _read_notebook(path: Path):
    import nbformat  # lazy, as in rewrite()

    return nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)


def _language_version(notebooks: list[dict]) -> str:
    versions = Counter(nb["metadata"].get("language_info", {}).get("version") for nb in notebooks)
    versions.pop(None, None)
    return versions.most_common(1)[0][0] if versions else ".".join(map(str, sys.version_info[:3]))


def language_info(version: str) -> dict:
    """The language_info that the ipykernel of Python `version` reports (JupyterLab stores it on opening)."""
    return {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
            "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
            "pygments_lexer": "ipython3", "version": version}


def rewrite(root: Path = ROOT) -> dict[Path, str]:
    """{file: new text} for every file whose generated parts are out of date (nothing is written)."""
    import nbformat  # lazy: only the maintainers' script needs it

    changed: dict[Path, str] = {}
    paths = [*chapters(root), root / "notebooks" / "index.ipynb"]
    books = {p: nbformat.reads(p.read_text(encoding="utf-8"), as_version=4) for p in paths if p.exists()}
    version = _language_version([nb for p, nb in books.items() if p.name != "index.ipynb"])
    titles = [(p.name, _title(nb)) for p, nb in books.items() if p.name != "index.ipynb"]
    for path, nb in books.items():
        rel = f"notebooks/{path.name}"
        first = nb.cells[0]
        if path.name == "index.ipynb":
            first.source = _replace_between(first.source, OPEN, CLOSE, badge_line(rel), _after_title)
            first.source = _replace_between(first.source, TABLE_OPEN, TABLE_CLOSE, index_table(root))
        else:
            first.source = _replace_between(first.source, OPEN, CLOSE, badge_line(rel), _after_title)
            setup = next(c for c in nb.cells if c.cell_type == "code")
            setup.source = setup_source(setup.source)
            last = nb.cells[-1]
            if last.cell_type != "markdown" or not last.source.startswith("---"):
                raise ValueError(f"{rel}: the last cell must be the links to the other chapters, starting with ---")
            last.source = footer(titles, [name for name, _ in titles].index(path.name))
        nb.metadata["kernelspec"] = dict(KERNELSPEC)
        nb.metadata["language_info"] = language_info(version)
        text = nbformat.writes(nb) + "\n"
        if text != path.read_text(encoding="utf-8"):
            changed[path] = text
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = _replace_between(text, OPEN, CLOSE, badge_line("notebooks/index.ipynb"), _after_title)
    new = _replace_between(new, TABLE_OPEN, TABLE_CLOSE, readme_table(root))
    if new != text:
        changed[readme] = new
    return changed


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    """`--write` updates the files of the repository `root`; `--check` (the default) lists the out-of-date ones and
    fails (exit status 1) if any."""
    parser = argparse.ArgumentParser(prog="python -m course links", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite the out-of-date files")
    parser.add_argument("--check", action="store_true", help="only list them (exit status 1 if any)")
    args = parser.parse_args(argv)
    changed = rewrite(root)
    for path, text in changed.items():
        if args.write:
            path.write_text(text, encoding="utf-8")
        print(("updated " if args.write else "out of date: ") + str(path.relative_to(root)))
    if changed and not args.write:
        print("run: python -m course links --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
