"""Every number the prose states is produced on the page (see tests/prose_numbers.py for the rules)."""
import json
from pathlib import Path

import prose_numbers as pn
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ALLOWLISTS = ROOT / "tests" / "prose_allowlist"
SANITIZERS = pn.load_sanitizers(ROOT / "tests" / "nbval_sanitize.cfg")


def _allowlist(path):
    return pn.read_allowlist(ALLOWLISTS / f"{path.stem}.txt")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_number_in_the_prose_is_produced_on_the_page(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    allow = _allowlist(path)
    findings, used = pn.check_notebook(nb, allow, SANITIZERS)
    assert not findings, f"{path.name}: numbers the page does not produce:\n" + "\n".join(map(str, findings))
    assert not set(allow) - used, f"allowlist entries the prose no longer states: {sorted(set(allow) - used)}"


def test_allowlists_are_short_and_give_reasons():
    entries = {f"{p.stem}: {n}": r for p in ALLOWLISTS.glob("*.txt") for n, r in pn.read_allowlist(p).items()}
    assert all(len(reason) >= 10 for reason in entries.values()), "each allowlisted number says why"
    assert len(entries) < 10, f"{len(entries)} allowlisted numbers: print them on the page instead"
    assert {p.stem for p in ALLOWLISTS.glob("*.txt")} <= {p.stem for p in NOTEBOOKS}


# The rules themselves, on planted notebooks.

def _nb(markdown, *code_cells):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": markdown}]
    for source, text, tags in code_cells:
        cells.append({"cell_type": "code", "metadata": {"tags": tags}, "source": source, "execution_count": 1,
                      "outputs": [{"output_type": "stream", "name": "stdout", "text": text}]})
    return {"cells": cells}


def _texts(nb, allow=None):
    return [f.quoted.text for f in pn.check_notebook(nb, allow or {}, SANITIZERS)[0]]


def test_an_unproduced_decimal_is_caught():
    nb = _nb("The loss ends at 0.133 against 0.149.", ("print(loss)", "0.1331\n", []))
    assert _texts(nb) == ["0.149"]


def test_a_printed_value_supports_the_text_only_at_its_precision():
    assert _texts(_nb("It reaches 0.133.", ("print(x)", "0.13\n", []))) == ["0.133"]
    assert _texts(_nb("It reaches 0.13.", ("print(x)", "0.1331\n", []))) == []
    assert _texts(_nb("It reaches 0.134.", ("print(x)", "0.1331\n", []))) == ["0.134"]


def test_exact_digits_from_an_ignored_output_are_caught_and_about_is_accepted():
    ignored = ("train()", "test AUC 0.9413\n", ["nbval-ignore-output"])
    assert _texts(_nb("The AUC is 0.941.", ignored)) == ["0.941"]
    assert _texts(_nb("The AUC is about 0.94.", ignored)) == []
    assert _texts(_nb("The AUC is about 0.941.", ignored)) == ["0.941"], "at most two significant digits"
    legacy = ("# NBVAL_IGNORE_OUTPUT\ntrain()", "test AUC 0.9413\n", [])
    assert _texts(_nb("The AUC is 0.941.", legacy)) == ["0.941"]


def test_sanitized_digits_count_as_ignored():
    timing = ("run()", "1.53 sec per epoch\n", [])
    assert _texts(_nb("An epoch takes 1.53 sec.", timing)) == ["1.53"]
    assert _texts(_nb("An epoch takes about 1.5 sec.", timing)) == []


def test_percentages_scientific_numbers_and_code_literals():
    nb = _nb("Inside: 80.4 %; rate 3.2e-4, also $1.2 \\times 10^{-3}$ and $10^{-2}$; step 0.05.",
             ("lr = 1e-2\nstep = .05", "0.804\n0.00032\n0.0012\n", []))
    assert _texts(nb) == []
    assert _texts(_nb("Inside: 80.4 %.", ("x", "0.80\n", []))) == ["80.4 %"]


def test_references_versions_and_code_are_not_quantities():
    text = ("## 5.2 Pixels\nSee Section 5.7–5.9, §3.2, chapters 2 and 4.1, Ch. 7.4, Eq. (3.2), torch 2.4, "
            "Python ≥ 3.10, jupyterlab 4.6.6, `lr=0.123` and [a link](https://x.org/v0.9.1).")
    assert pn.quoted_numbers(text) == []


def test_allowlisted_numbers_pass():
    nb = _nb("So BCE is $\\log 2 \\approx 0.693$ there.", ("x", "", []))
    assert _texts(nb) == ["0.693"]
    assert _texts(nb, {"0.693": "log 2, a constant"}) == []
