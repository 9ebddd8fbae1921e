"""What live output costs: the course's longest cell, run live (as in JupyterLab: progress bars, live curves) and
static (as `make notebooks`, nbval and the grader run it), one run each; prints both times and live / static.

    python benchmarks/bench_live_output.py [--notebook PATH] [--cell N]

Each run is a fresh kernel that executes the notebook's cells up to and including the measured one; only the
measured cell is timed (from when the kernel starts it to its reply, as nbclient records it). The live kernel gets
what JupyterLab gives its kernels (JPY_SESSION_NAME, no D2L_STATIC_PLOTS), so its progress bars are real widgets
whose messages the client receives. Default: chapter 6's first `d2l.race(` cell, the longest of the course.
The kernel's CPU time is printed too: on a machine shared with other work, wall-clock times vary by several per cent
from one run to the next, CPU time much less.
"""
import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "notebooks" / "06_training_autoencoders.ipynb"


CPU = "import resource\n_cpu = resource.getrusage(resource.RUSAGE_SELF)\n_cpu = _cpu.ru_utime + _cpu.ru_stime"


def cell_seconds(nb, index: int, live: bool, name: str) -> tuple[float, float]:
    """Run cells 0..index of `nb` in a fresh kernel: (wall-clock, kernel CPU) seconds of cell `index`."""
    import nbformat
    from nbclient import NotebookClient

    env = {k: v for k, v in os.environ.items() if k not in ("D2L_STATIC_PLOTS", "JPY_SESSION_NAME")}
    env.update({"JPY_SESSION_NAME": name} if live else {"D2L_STATIC_PLOTS": "1"})
    new = nbformat.v4.new_code_cell
    cells = list(nb.cells[:index]) + [new(CPU), nb.cells[index],
                                      new("_start = _cpu\n" + CPU + "\nprint(_cpu - _start)")]
    part = nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)
    client = NotebookClient(part, timeout=3600, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    client.execute(env=env)
    cell = part.cells[index + 1]
    start, end = (datetime.fromisoformat(cell.metadata["execution"][k].replace("Z", "+00:00"))
                  for k in ("iopub.execute_input", "shell.execute_reply"))
    wall, cpu = (end - start).total_seconds(), float(part.cells[-1].outputs[0]["text"])
    widgets = sum("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in cell.outputs)
    print(f"{'live' if live else 'static':6s} {wall:8.1f} s wall-clock, {cpu:8.1f} s CPU of the kernel "
          f"({widgets} progress widgets)", flush=True)
    return wall, cpu


def main() -> int:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", type=Path, default=DEFAULT)
    parser.add_argument("--cell", type=int, default=None, help="cell index counted from 0 (default: first race)")
    args = parser.parse_args()
    nb = nbformat.read(str(args.notebook), as_version=4)
    index = args.cell if args.cell is not None else next(
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "d2l.race(" in c.source)
    first = next(ln for ln in nb.cells[index].source.splitlines() if ln.strip() and not ln.startswith("#"))
    print(f"{args.notebook.name}, cell {index}: {first[:80]}")
    static = cell_seconds(nb, index, False, args.notebook.name)
    live = cell_seconds(nb, index, True, args.notebook.name)
    print(f"live / static: {live[0] / static[0]:.3f} wall-clock, {live[1] / static[1]:.3f} CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
