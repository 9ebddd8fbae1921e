"""d2l.race: rates chosen on the tuning score only, every seed run at the chosen rate, honest summaries."""
import math

import pytest

import d2l_utils as d2l


def _run_factory(calls):
    def run(name, lr, seed):   # a made-up problem: the best rate is 0.1 for "a" and 1.0 for "b"
        calls.append((name, lr, seed))
        best = {"a": 0.1, "b": 1.0}[name]
        val = abs(math.log10(lr / best)) + 0.01 * seed
        test = {"a": 0.5, "b": 0.7}[name] + 0.01 * seed + (0.0 if lr == best else 1.0)
        return {"val": val if lr < 10 else math.nan, "test": test}
    return run


def test_race_chooses_on_validation_and_reports_test_for_every_seed():
    calls = []
    r = d2l.race(_run_factory(calls), {"a": [0.01, 0.1, 1.0], "b": [0.1, 1.0, 10.0]}, seeds=(0, 1, 2))
    assert r.chosen == {"a": 0.1, "b": 1.0}
    assert list(r.scores("a")) == pytest.approx([0.5, 0.51, 0.52])
    assert r.beats("a", "b") and not r.beats("b", "a")
    assert r.inside_grid("a") and r.inside_grid("b")
    # 3 grid runs per optimizer with seed 0, then seeds 1 and 2 at the chosen rate only (seed 0's run reused)
    assert len(calls) == 2 * (3 + 2) and ("a", 0.1, 0) in calls and calls.count(("a", 0.1, 0)) == 1
    assert "0.5100 (0.5000–0.5200)" in r.table()
    assert "lr 0.1      0.0000 *" in r.grid_table() and "inf" in r.grid_table()   # the NaN run counts as worst


def test_race_edge_of_grid_and_bad_arguments():
    r = d2l.race(_run_factory([]), {"a": [0.1, 1.0], "b": [1.0, 3.0]}, seeds=(0, 1, 2))
    assert not r.inside_grid("a") and not r.inside_grid("b")
    with pytest.raises(ValueError, match="tune_seeds"):
        d2l.race(_run_factory([]), {"a": [0.1]}, seeds=(1, 2), tune_seeds=(0,))
    with pytest.raises(ValueError, match="empty learning-rate grid"):
        d2l.race(_run_factory([]), {"a": []})


def test_race_reports_the_untouched_seeds_and_a_table_per_rate():
    r = d2l.race(_run_factory([]), {"a": [0.01, 0.1, 1.0], "b": [0.1, 1.0, 10.0]}, seeds=(0, 1, 2))
    assert r.untouched_seeds == (1, 2)
    assert list(r.scores("a", untouched=True)) == pytest.approx([0.51, 0.52])
    assert r.beats("a", "b", untouched=True)
    table = r.table(untouched=True)
    assert "over untouched seeds [1, 2]" in table and "0.5150 (0.5100–0.5200)" in table
    assert "5.15e-01" in r.table(untouched=True, fmt=".2e")
    rows = r.rate_table().splitlines()
    assert len(rows) == 1 + 4                                      # header, then 0.01, 0.1, 1, 10
    assert rows[2].startswith("0.1") and rows[2].count("*") == 1 and "inf" in rows[4]
    assert rows[1].rstrip().endswith("1.0000")                     # 0.01 is in a's grid only
    assert "1.00e+00" in r.rate_table(fmt=".2e")
