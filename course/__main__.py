"""The course's command line.

    python -m course release SRC_DIR OUT_DIR          the student release (make student)
    python -m course learner SRC_DIR DEST_DIR         a learner's own copy, refreshed without losing work (make learn)
    python -m course grade [--source DIR] [--exercises-only] [--timeout S] [--csv FILE] DIR_OR_FILES...
                                                      grade submissions (make grade; make feedback: --exercises-only)
    python -m course study-times NOTEBOOK...          the study time of each chapter, as a markdown table
    python -m course links [--write | --check]        every Colab/Binder/nbviewer link, from one address (make links)
    python -m course lock                             constraints.txt from the running environment (make lock)
"""
import argparse
import csv
import sys

from .grading import _num, format_table, grade
from .learner import format_learner, learner
from .notebook import CourseworkError
from .release import release
from .study_times import format_study_times


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course", description="Make, check, grade and publish the course.")
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="write the student copies of the notebooks of SRC_DIR to OUT_DIR")
    rel.add_argument("src_dir")
    rel.add_argument("out_dir")
    le = sub.add_parser("learner", help="create or refresh a learner's copy of SRC_DIR in DEST_DIR, never "
                                        "overwriting a file the learner changed")
    le.add_argument("src_dir")
    le.add_argument("dest_dir")
    st = sub.add_parser("study-times", aliases=["study-time"],
                        help="print the estimated study time of each notebook, as a markdown table")
    st.add_argument("paths", nargs="+", metavar="NOTEBOOK")
    gr = sub.add_parser("grade", help="run submitted notebooks with their hidden tests and print the scores")
    gr.add_argument("paths", nargs="+", metavar="DIR_OR_FILES", help="submitted notebooks, or folders of them")
    gr.add_argument("--source", action="append", metavar="DIR",
                    help="folder of the source (solution) notebooks; may be repeated (default: notebooks/)")
    gr.add_argument("--exercises-only", action="store_true",
                    help="run only the setup cell and the Exercises section (fast)")
    gr.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    gr.add_argument("--csv", metavar="FILE", help="also write the table as CSV")
    li = sub.add_parser("links", help="list (--check, the default) or rewrite (--write) the out-of-date links")
    li.add_argument("--write", action="store_true", help="rewrite the out-of-date files")
    li.add_argument("--check", action="store_true", help="only list them (exit status 1 if any)")
    sub.add_parser("lock", help="write constraints.txt from the running environment")
    return parser


def main(argv=None) -> int:
    """Run one command (see the module docstring); return its exit status."""
    args = _parser().parse_args(argv)
    if args.command in ("release", "learner"):
        try:
            if args.command == "release":
                report = "\n".join(f"wrote {p}" for p in release(args.src_dir, args.out_dir))
            else:
                report = format_learner(learner(args.src_dir, args.dest_dir))
        except CourseworkError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(report)
        return 0
    if args.command in ("study-times", "study-time"):
        print(format_study_times(args.paths))
        return 0
    if args.command == "links":
        from . import links

        return links.main(["--write"] if args.write else ["--check"])
    if args.command == "lock":
        from . import lock

        return lock.main()

    scores, problems = grade(args.paths, args.source, args.exercises_only, args.timeout)
    for p in problems:
        print(f"skipped {p}", file=sys.stderr)
    if not scores:
        print("error: nothing to grade", file=sys.stderr)
        return 2
    print(format_table(scores))
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["notebook", "grade_id", "points", "max_points", "result", "error"])
            for s in scores:
                w.writerow([s.notebook, s.grade_id, _num(s.points), _num(s.max_points),
                            "pass" if s.passed else "fail", s.error])
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
