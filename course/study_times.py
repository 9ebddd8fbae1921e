"""Study times: the minutes a chapter's lesson, its "Going further" section and its exercises take (the index's
contents table, `python -m course study-times NOTEBOOK...`).

The lesson is every cell before the Exercises heading, read at READING_WPM words and CODE_LINES_PER_MIN lines of code
a minute (non-blank lines that are not comments; a check cell, whose input is collapsed, is not read), plus
FIGURE_MIN per stored figure. An optional section headed "Going further" (after the Summary, before the Exercises) is
counted the same way but apart from the lesson. The exercises are the numbered items of the Exercises section.
"""
import re
from dataclasses import dataclass
from pathlib import Path

from .notebook import coding_exercises, exercises_range, is_solution, read_notebook

__all__ = ["READING_WPM", "CODE_LINES_PER_MIN", "FIGURE_MIN", "Reading", "StudyTime", "study_time",
           "going_further_range", "numbered_exercises", "quarter_hours", "format_minutes", "format_study_times"]

READING_WPM, CODE_LINES_PER_MIN, FIGURE_MIN = 70, 8, 1   # technical prose; code read and run; a figure looked at
CODING_MIN, WRITTEN_MIN = 15, 7                          # one coding exercise, one written answer
FIGURE_TYPES = ("image/png", "image/svg+xml", "image/jpeg", "image/gif")
_GOING_FURTHER = re.compile(r"^(#{1,6})\s+Going further\b", re.M | re.I)
_HEADING = re.compile(r"^(#{1,6})\s+\S", re.M)
_NUMBERED = re.compile(r"^(\d+)\.\s", re.M)


@dataclass
class Reading:
    """What a learner reads in some cells: words of prose, lines of code, stored figures."""
    words: int = 0
    code_lines: int = 0
    figures: int = 0

    @property
    def minutes(self) -> float:
        """READING_WPM words, CODE_LINES_PER_MIN lines of code a minute, FIGURE_MIN per figure."""
        return self.words / READING_WPM + self.code_lines / CODE_LINES_PER_MIN + self.figures * FIGURE_MIN


@dataclass
class StudyTime:
    """The estimated study time of a chapter: its lesson, its optional "Going further" section, its exercises."""
    lesson_reading: Reading
    further_reading: Reading
    exercises_count: int
    coding: int
    written: int

    @property
    def lesson(self) -> float:
        """Minutes for the lesson (the cells before the Exercises heading, "Going further" left out)."""
        return self.lesson_reading.minutes

    @property
    def going_further(self) -> float:
        """Minutes for the "Going further" section (0 without one)."""
        return self.further_reading.minutes

    @property
    def exercises(self) -> float:
        """Minutes for the exercises: CODING_MIN per coding exercise, WRITTEN_MIN per written answer."""
        return self.coding * CODING_MIN + self.written * WRITTEN_MIN

    @property
    def total(self) -> float:
        """Minutes for everything: lesson, "Going further" and exercises."""
        return self.lesson + self.going_further + self.exercises

    @property
    def shown_total(self) -> int:
        """The total a table shows: the sum of the parts it shows, each rounded to the quarter hour."""
        return (quarter_hours(self.lesson) + (quarter_hours(self.going_further) if self.going_further else 0)
                + quarter_hours(self.exercises))


def _code_lines(source: str) -> int:
    return sum(1 for ln in source.split("\n") if ln.strip() and not ln.lstrip().startswith("#"))


def _figures(cell) -> int:
    return sum(1 for o in cell.get("outputs", []) if any(t in o.get("data", {}) for t in FIGURE_TYPES))


def _collapsed(cell) -> bool:
    return bool((cell.get("metadata", {}).get("jupyter") or {}).get("source_hidden"))


def reading(cells) -> Reading:
    """Count the words of the markdown cells, the code lines of the visible code cells and the stored figures."""
    r = Reading()
    for c in cells:
        if c["cell_type"] == "markdown":
            r.words += len(c["source"].split())
        elif c["cell_type"] == "code":
            r.code_lines += 0 if _collapsed(c) else _code_lines(c["source"])
            r.figures += _figures(c)
    return r


def going_further_range(nb) -> range:
    """The cells of the "Going further" section: from its heading to the next heading of the same or a higher level
    (the Exercises); empty without one."""
    cells = nb["cells"]
    for i, c in enumerate(cells):
        m = _GOING_FURTHER.search(c["source"]) if c["cell_type"] == "markdown" else None
        if m:
            level = len(m.group(1))
            for j in range(i + 1, len(cells)):
                if cells[j]["cell_type"] == "markdown" and any(len(h) <= level
                                                               for h in _HEADING.findall(cells[j]["source"])):
                    return range(i, j)
            return range(i, len(cells))
    return range(0)


def numbered_exercises(nb) -> int:
    """The number of numbered exercises ('1. ...' at the start of a line of a prompt; answers and sub-items aside)."""
    numbers = set()
    for i in exercises_range(nb):
        c = nb["cells"][i]
        if c["cell_type"] == "markdown" and not is_solution(c):
            text = c["source"]
            m = re.search(r"^#{1,6}\s+Exercises\s*$", text, re.M)
            numbers |= set(_NUMBERED.findall(text[m.end():] if m else text))
    return len(numbers)


def study_time(nb) -> StudyTime:
    """Count what a learner reads, runs and answers in a chapter (see the module docstring)."""
    section = exercises_range(nb)
    further = going_further_range(nb)
    before = [c for i, c in enumerate(nb["cells"]) if i < section.start and i not in further]
    extra = [c for i, c in enumerate(nb["cells"]) if i in further and i < section.start]
    written = sum(1 for c in nb["cells"] if c["cell_type"] == "markdown" and is_solution(c))
    return StudyTime(reading(before), reading(extra), numbered_exercises(nb), len(coding_exercises(nb)), written)


def quarter_hours(m: float) -> int:
    """`m` minutes rounded to the quarter hour, at least 15."""
    return 15 * max(1, round(m / 15))


def format_minutes(m: float) -> str:
    """`m` minutes rounded to the quarter hour, as '1 h 15 min'."""
    m = quarter_hours(m)
    hours, rest = divmod(m, 60)
    return " ".join(([f"{hours} h"] if hours else []) + ([f"{rest} min"] if rest else []))


def format_study_times(paths) -> str:
    """A markdown table of the study time of each chapter notebook."""
    rows = ["| chapter | lesson | going further | exercises | in all |", "|---|---|---|---|---|"]
    for path in paths:
        nb = read_notebook(path)
        title = next((c["source"].split("\n")[0].lstrip("# ").strip() for c in nb["cells"]
                      if c["cell_type"] == "markdown"), Path(path).stem)
        t = study_time(nb)
        further = format_minutes(t.going_further) if t.going_further else "–"
        rows.append(f"| {title} | {format_minutes(t.lesson)} | {further} | {t.exercises_count} "
                    f"({t.coding} coding): {format_minutes(t.exercises)} | about {format_minutes(t.shown_total)} |")
    return "\n".join(rows)
