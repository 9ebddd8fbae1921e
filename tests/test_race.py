"""d2l.race: rates chosen on the tuning score only, every seed run at the chosen rate, honest summaries, a progress
bar while it runs (and none where outputs are stored)."""
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
    assert r.runs_at("a", untouched=True) == r.runs["a"][1:] and r.runs_at("b") == r.runs["b"]
    table = r.table(untouched=True)
    assert "over untouched seeds [1, 2]" in table and "0.5150 (0.5100–0.5200)" in table
    assert "5.15e-01" in r.table(untouched=True, fmt=".2e")
    rows = r.rate_table().splitlines()
    assert len(rows) == 1 + 4                                      # header, then 0.01, 0.1, 1, 10
    assert rows[2].startswith("0.1") and rows[2].count("*") == 1 and "inf" in rows[4]
    assert rows[1].rstrip().endswith("1.0000")                     # 0.01 is in a's grid only
    assert "1.00e+00" in r.rate_table(fmt=".2e")


def test_race_chooses_on_validation_even_where_the_test_score_disagrees():
    def run(name, lr, seed):   # validation best at 0.1, test best at 1.0: only the validation score may choose
        return {"val": abs(math.log10(lr / 0.1)) + seed, "test": abs(math.log10(lr / 1.0)) + seed}
    r = d2l.race(run, {"a": [0.01, 0.1, 1.0, 10.0]}, seeds=(0, 1), tune_seeds=(0, 1))
    assert r.chosen == {"a": 0.1}
    assert list(r.scores("a")) == pytest.approx([1.0, 2.0])   # the test score reported at the validation choice
    custom = d2l.race(run, {"a": [0.01, 0.1, 1.0, 10.0]}, seeds=(0,), tune_key="test", metric="val")
    assert custom.chosen == {"a": 1.0}                          # tune_key names the score that chooses


def test_race_progress_bar_names_optimizer_rate_and_seed(capsys, monkeypatch):
    monkeypatch.delenv("D2L_STATIC_PLOTS", raising=False)
    d2l.race(_run_factory([]), {"a": [0.01, 0.1, 1.0], "b": [0.1, 1.0, 10.0]}, seeds=(0, 1, 2))
    err = capsys.readouterr().err
    assert "/10" in err                                        # 2 x (3 grid runs + 2 further seeds)
    assert all(f"{name}, lr {lr}, seed {seed}" in err for name, lr, seed in [("a", 0.01, 0), ("b", 10, 0),
                                                                              ("a", 0.1, 2), ("b", 1, 1)])
    d2l.race(_run_factory([]), {"a": [0.1, 1.0]}, progress=False)
    assert capsys.readouterr() == ("", "")


def test_race_progress_bar_only_where_outputs_are_not_stored(capsys, monkeypatch):
    monkeypatch.setenv("D2L_STATIC_PLOTS", "1")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    d2l.race(_run_factory([]), {"a": [0.1, 1.0]})
    assert capsys.readouterr() == ("", "")                     # make notebooks, nbval, the grader: nothing stored
    monkeypatch.setenv("JPY_SESSION_NAME", "notebooks/05_adam.ipynb")
    d2l.race(_run_factory([]), {"a": [0.1, 1.0]})
    assert "a, lr 0.1, seed 2" in capsys.readouterr().err        # a kernel JupyterLab started stays live


@pytest.mark.parametrize("static, session, expected", [(None, None, False), ("0", None, False), ("1", None, True),
                                                       ("1", "notebooks/index.ipynb", False),
                                                       (None, "notebooks/index.ipynb", False)])
def test_static_outputs_only_where_outputs_are_stored(monkeypatch, static, session, expected):
    from d2l_utils.plotting import live_output, static_outputs

    for var, value in (("D2L_STATIC_PLOTS", static), ("JPY_SESSION_NAME", session)):
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, value)
    assert static_outputs() is expected
    assert live_output() is False                              # pytest is no notebook kernel
