"""Study times: the minutes a chapter's lesson and exercises take, for the index's contents table."""
from dataclasses import dataclass
from pathlib import Path

from .notebook import coding_exercises, exercises_range, is_solution, read_notebook

__all__ = ["StudyTime", "study_time", "format_minutes", "format_study_times"]

READING_WPM, CODE_LINES_PER_MIN = 120, 15   # technical prose with formulas; code read, run and looked at
CODING_MIN, WRITTEN_MIN = 15, 7             # one coding exercise, one written answer


@dataclass
class StudyTime:
    """The estimated minutes a chapter takes to study: its lesson and its exercises."""
    words: int
    code_lines: int
    coding: int
    written: int

    @property
    def lesson(self) -> float:
        """Minutes for the lesson: prose at READING_WPM words and code at CODE_LINES_PER_MIN lines per minute."""
        return self.words / READING_WPM + self.code_lines / CODE_LINES_PER_MIN

    @property
    def exercises(self) -> float:
        """Minutes for the exercises: CODING_MIN per coding exercise, WRITTEN_MIN per written answer."""
        return self.coding * CODING_MIN + self.written * WRITTEN_MIN


def study_time(nb) -> StudyTime:
    """Count what a learner reads, runs and answers in a chapter (the Exercises section's prompts and written answers
    count as exercises, not as reading)."""
    section = exercises_range(nb)
    words = lines = 0
    for i, c in enumerate(nb["cells"]):
        if i in section:
            continue
        if c["cell_type"] == "markdown":
            words += len(c["source"].split())
        elif c["cell_type"] == "code":
            lines += sum(1 for ln in c["source"].split("\n") if ln.strip())
    written = sum(1 for c in nb["cells"] if c["cell_type"] == "markdown" and is_solution(c))
    return StudyTime(words, lines, len(coding_exercises(nb)), written)


def format_minutes(m: float) -> str:
    """`m` minutes rounded to the quarter hour, as '1 h 15 min'."""
    m = 15 * max(1, round(m / 15))
    hours, rest = divmod(m, 60)
    return " ".join(([f"{hours} h"] if hours else []) + ([f"{rest} min"] if rest else []))


def format_study_times(paths) -> str:
    """A markdown table of the study time of each chapter notebook (for the index)."""
    rows = ["| chapter | lesson | exercises | in all |", "|---|---|---|---|"]
    for path in paths:
        nb = read_notebook(path)
        title = next((c["source"].split("\n")[0].lstrip("# ").strip() for c in nb["cells"]
                      if c["cell_type"] == "markdown"), Path(path).stem)
        t = study_time(nb)
        rows.append(f"| {title} | {format_minutes(t.lesson)} | {t.coding} coding, {t.written} written: "
                    f"{format_minutes(t.exercises)} | about {format_minutes(t.lesson + t.exercises)} |")
    return "\n".join(rows)
