"""Numbers in a notebook's prose, and where on the page each one comes from.

A number the markdown states (a decimal, a percentage, a number in scientific notation) must be printed by an output
that nbval compares, at the precision the text uses, or be a literal of the notebook's code, or be listed with a
reason in the notebook's allowlist (``tests/prose_allowlist/<stem>.txt``). A number that only an ignored output prints
(it changes with the machine) may be quoted only as "about" with at most two significant digits.
"""
from __future__ import annotations

import configparser
import math
import re
from dataclasses import dataclass
from pathlib import Path

IGNORE_TAGS = {"nbval-ignore-output", "nbval-skip"}
LEGACY_IGNORE = re.compile(r"#\s*NBVAL_(IGNORE_OUTPUT|SKIP)")
TEXT_MIMES = ("text/plain", "text/markdown", "text/html", "text/latex")

# What is not prose: inline code, display-code fences, link targets, HTML tags.
_CODE_FENCE = re.compile(r"```.*?```", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_HTML_TAG = re.compile(r"<[^>\n]+>")
_HEADING_NUMBER = re.compile(r"^(#{1,6}\s+)\d+(\.\d+)*\.?", re.M)

_MINUS = "-−–"  # ASCII hyphen-minus, the minus sign, and an en dash written as a minus
_NUM = r"\d+(?:\.\d+)?"
# One pattern for every kind of number the text may state, tried in this order at each position.
PROSE_NUMBER = re.compile(
    rf"(?<![\w.])(?:"
    # 3.2 × 10^{-4}
    rf"(?P<mant>{_NUM})\s*(?:×|\\times|\\cdot|·)\s*10\s*\^\s*\{{?\s*(?P<exp1>[{_MINUS}+]?\s*\d+)\s*\}}?"
    # 10^{-3}
    rf"|(?<![\d])10\s*\^\s*\{{?\s*(?P<exp2>[{_MINUS}+]?\s*\d+)\s*\}}?"
    # 3.2e-4
    rf"|(?P<smant>{_NUM})[eE](?P<exp3>[{_MINUS}+]?\d+)\b"
    # 80.4 %
    rf"|(?P<pct>{_NUM})\s*(?:\\?%|\s?percent\b)"
    # 0.133, not 3.11.7
    rf"|(?P<dec>\d+\.\d+)(?![\d.]*\.\d)"
    rf")")
# Words after which a number is a reference, a version or a name rather than a quantity.
_REFERENCE_BEFORE = re.compile(
    r"(?:§|\b[Cc]h\.|\b(?:[Ss]ections?|[Cc]hapters?|[Ee]q(?:uation)?s?\.?|[Ff]ig(?:ure)?s?\.?|[Tt]ables?|[Ee]xercises?|"
    r"[Vv]ersions?|v|[Pp]ython|torch|PyTorch|torchvision|nbgrader|nbval|numpy|NumPy|matplotlib|[Jj]upyter[Ll]ab|"
    r"ipywidgets|ipykernel|tqdm|ruff|CUDA|cell|cells|[Ll]isting|[Aa]lgorithm|[Ss]tep|[Cc]ells|[Tt]heorem|[Ll]emma))"
    r"\s*(?:≥|>=|<=|==|~=)?\s*\(?\s*(?:\d+(?:\.\d+)*\s*(?:–|-|—|to|and|or|,)\s*)*$")
_RANGE_JOINER = re.compile(r"^\s*(?:–|-|—|to|and|or|,)\s*$")
_ABOUT_BEFORE = re.compile(r"(?:\babout|\baround|\broughly|\bapproximately|\bnearly|\balmost|≈|\\approx|~|∼|\\sim)"
                           r"[\s$({]*$", re.I)

OUTPUT_NUMBER = re.compile(r"(?<![\w.])[-+−]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])")
CODE_NUMBER = re.compile(r"(?<![\w.])(?:\d[\d_]*\.\d*|\.\d+|\d[\d_]*)(?:[eE][-+]?\d+)?(?![\w])")


@dataclass(frozen=True)
class Printed:
    """A number as printed: its value and the size of its last printed digit."""
    value: float
    step: float  # 0.001 for "0.133", 1 for "42", 1e-5 for "1.33e-04"


@dataclass(frozen=True)
class Quoted:
    """A number stated in the prose."""
    text: str        # as written, e.g. "0.133", "80.4 %", "3.2e-4"
    value: float     # its value (a percentage as written: 80.4)
    step: float      # the size of its last written digit
    percent: bool
    about: bool      # preceded by "about", "≈", ...
    digits: int      # significant digits as written
    cell: int


@dataclass(frozen=True)
class Finding:
    """A quoted number that the page does not produce, and why."""
    quoted: Quoted
    reason: str

    def __str__(self) -> str:
        return f"cell {self.quoted.cell}: {self.quoted.text!r} {self.reason}"


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _parse_printed(token: str) -> Printed | None:
    token = token.replace("−", "-").lstrip("+-")
    try:
        value = float(token)
    except ValueError:
        return None
    mant, _, exp = token.lower().partition("e")
    decimals = len(mant.partition(".")[2])
    step = 10.0 ** (-decimals + (int(exp) if exp else 0))
    return Printed(abs(value), step)


def _significant(mantissa: str) -> int:
    digits = mantissa.replace(".", "").lstrip("0")
    return max(len(digits), 1)


def prose_text(markdown: str) -> str:
    """The markdown with code, link targets, HTML tags and heading numbers blanked (positions kept)."""
    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))
    text = markdown
    for pattern in (_CODE_FENCE, _INLINE_CODE, _LINK_TARGET, _HTML_TAG):
        text = pattern.sub(blank, text)
    return _HEADING_NUMBER.sub(lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))), text)


def quoted_numbers(markdown: str, cell: int = 0) -> list:
    """Every decimal, percentage and scientific number the prose of one markdown cell states."""
    text = prose_text(markdown)
    found, last_reference_end = [], None
    for m in PROSE_NUMBER.finditer(text):
        before = text[max(0, m.start() - 40):m.start()]
        if _REFERENCE_BEFORE.search(before):
            last_reference_end = m.end()
            continue
        if last_reference_end is not None and _RANGE_JOINER.match(text[last_reference_end:m.start()]):
            last_reference_end = m.end()  # "Sections 5.7–5.9", "chapters 2 and 4.1"
            continue
        last_reference_end = None
        g = m.groupdict()
        percent = False
        if g["mant"] is not None or g["exp2"] is not None or g["smant"] is not None:
            mant = g["mant"] or g["smant"] or "1"
            exp = int(re.sub(r"\s", "", (g["exp1"] or g["exp2"] or g["exp3"])).replace("−", "-").replace("–", "-"))
            decimals = len(mant.partition(".")[2])
            value, step, digits = float(mant) * 10.0 ** exp, 10.0 ** (exp - decimals), _significant(mant)
        elif g["pct"] is not None:
            mant = g["pct"]
            value, step, digits, percent = float(mant), 10.0 ** -len(mant.partition(".")[2]), _significant(mant), True
        else:
            mant = g["dec"]
            value, step, digits = float(mant), 10.0 ** -len(mant.partition(".")[2]), _significant(mant)
        about = bool(_ABOUT_BEFORE.search(text[max(0, m.start() - 16):m.start()]))
        found.append(Quoted(m.group(0).strip(), value, step, percent, about, digits, cell))
    return found


def load_sanitizers(path: Path) -> list:
    """The regexes of an nbval sanitize file: what they replace is not compared, so it counts as ignored."""
    parser = configparser.ConfigParser()
    parser.read(path, encoding="utf-8")
    return [re.compile(parser[s]["regex"]) for s in parser.sections() if "regex" in parser[s]]


def _output_text(output) -> str:
    if output.get("output_type") == "stream":
        return "".join(output.get("text", "")) if output.get("name") == "stdout" else ""
    data = output.get("data", {})
    parts = []
    for mime in TEXT_MIMES:
        if mime in data:
            value = data[mime]
            text = "".join(value) if isinstance(value, list) else value
            parts.append(_HTML_TAG.sub(" ", text) if mime == "text/html" else text)
    return "\n".join(parts)


def _is_ignored(cell) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []))
    return bool(tags & IGNORE_TAGS) or bool(LEGACY_IGNORE.search(_source(cell)))


def printed_numbers(nb, sanitizers=()) -> tuple:
    """(compared, ignored): the numbers printed by outputs nbval compares, and by those it does not."""
    compared, ignored = set(), set()
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            text = _output_text(output)
            if _is_ignored(cell):
                ignored |= {p for t in OUTPUT_NUMBER.findall(text) if (p := _parse_printed(t))}
                continue
            for pattern in sanitizers:
                for m in pattern.finditer(text):
                    ignored |= {p for t in OUTPUT_NUMBER.findall(m.group(0)) if (p := _parse_printed(t))}
                text = pattern.sub(" ", text)
            compared |= {p for t in OUTPUT_NUMBER.findall(text) if (p := _parse_printed(t))}
    return compared, ignored


def code_literals(nb) -> set:
    """The numeric literals of every code cell (as floats)."""
    values = set()
    for cell in nb["cells"]:
        if cell.get("cell_type") == "code":
            src = re.sub(r"#.*", "", _source(cell))
            values |= {abs(float(t.replace("_", ""))) for t in CODE_NUMBER.findall(src)}
    return values


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15)


def _matches(q: Quoted, p: Printed) -> bool:
    targets = [(q.value, q.step)]
    if q.percent:
        targets.append((q.value / 100, q.step / 100))
    for value, step in targets:
        if p.step <= step * (1 + 1e-9) and abs(p.value - value) <= step / 2 * (1 + 1e-9) + 1e-15:
            return True
    return False


def _literal(q: Quoted, literals: set) -> bool:
    values = [q.value] + ([q.value / 100] if q.percent else [])
    return any(_close(v, lit) for v in values for lit in literals)


def read_allowlist(path: Path) -> dict:
    """`number  # reason` lines: {number as written: reason}."""
    entries = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            number, _, reason = line.partition("#")
            entries[number.strip()] = reason.strip()
    return entries


def check_notebook(nb, allowlist: dict | None = None, sanitizers=()) -> tuple:
    """(findings, allowlist entries used) for one notebook."""
    allowlist = allowlist or {}
    compared, ignored = printed_numbers(nb, sanitizers)
    literals = code_literals(nb)
    findings, used = [], set()
    for i, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "markdown":
            continue
        for q in quoted_numbers(_source(cell), i):
            if q.text in allowlist:
                used.add(q.text)
                continue
            if _literal(q, literals) or any(_matches(q, p) for p in compared):
                continue
            if any(_matches(q, p) for p in ignored):
                if not q.about or q.digits > 2:
                    findings.append(Finding(q, "is printed only by an ignored (machine-dependent) output: "
                                               "write 'about' with at most two significant digits, or print it "
                                               "from a compared cell"))
                continue
            findings.append(Finding(q, "is produced nowhere on the page: print it from a compared cell at this "
                                       "precision, use the code's literal, or reword"))
    return findings, used
