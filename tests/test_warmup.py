"""A warm-up (``time.warmup_days``, ``--warmup-days``, ``[experiment] warmup_days``) is simulated and not counted.

A run of W warm-up days and D counted days is the same simulation as a run of W + D days (the warm-up draws
nothing and changes nothing in the world): its tallies, court counts, records' counts and cost items are the long
run's at the end less the long run's at day W; its daily series has D rows numbered 1..D, each the long run's row
W + k less its row W for the counts; its crossing records are the long run's after day W, their day counted from
W. Stocks (people waiting, fees, open cases) are the long run's at the end. The run's outcomes.json and the
experiment's manifest record the warm-up, and an experiment's run is reproduced by its recorded command. MSER-5
(:mod:`sim.experiment.warmup`) finds a known truncation point on synthetic series.
"""

from __future__ import annotations

import json
import math
import shlex
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.experiment.backends import SerialBackend
from sim.experiment.execute import run_experiment
from sim.experiment.report import write_report
from sim.experiment.spec import load_experiment
from sim.experiment.warmup import BATCH, SERIES, mser, settle
from sim.metrics import OUTCOMES, TALLIES
from sim.model import BorderModel
from sim.model.legal import CaseOutcome, CourtSystem, kaplan_meier_mean
from sim.runner import run
from sim.scenario import Legal
from sim.schema import InputError
from tests.test_model_invariants import FAST_JUSTICE, SMALL_PROCEDURAL, check_invariants
from tests.test_outcomes import Arrivals

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = str(ROOT / "scenarios" / "classroom.toml")
#: Fast courts and quick pleas: crossings, arrests, verdicts, support and sentences within a few weeks.
QUICK = FAST_JUSTICE | {"victims.protection": "strong", "legal.plea_procedure_days": 2.0}
WARMUP, COUNTED = 10, 20
#: Outcomes that are counts of events (tallies, court counts, records' counts, costs): additive over time.
ADDITIVE = (
    "crossings_attempted",
    "crossings_succeeded",
    "interdictions",
    "detections",
    "people_apprehended",
    "traffickers_arrested",
    "traffickers_convicted",
    "convictions_by_plea",
    "cases_dismissed",
    "absconded",
    "checkpoint_false_alarms",
    "false_match_detentions",
    "false_matches",
    "records_shared",
    "victims_recruited",
    "victims_rescued",
    "deaths_in_transit",
    "people_deterred",
)
#: Outcomes that are stocks at the end: the same after a warm-up as in the long run.
STOCKS = ("court_backlog", "network_active_members", "victims_delivered", "migrants_arrived")


def step_days(model: BorderModel, days: int) -> None:
    while model.days_done < days:
        model.step()


@pytest.fixture(scope="module")
def long_and_warm():
    """The same seed: one model stepped W + D days (noting its books at day W), one with a W-day warm-up."""
    long = BorderModel(SMALL_PROCEDURAL, seed=4, overrides=QUICK)
    step_days(long, WARMUP)
    at_w = {
        "tallies": dict(long.accounts.counters),
        "outcomes": long.outcomes(),
        "cost": long.accounts.cost_items(),
        "rows": len(long.accounts.timeseries),
    }
    step_days(long, WARMUP + COUNTED)
    warm = BorderModel(SMALL_PROCEDURAL, seed=4, overrides=QUICK, warmup_days=WARMUP)
    step_days(warm, WARMUP + COUNTED)
    return long, at_w, warm


def test_a_warm_up_counts_the_counted_days_alone(long_and_warm):
    long, at_w, warm = long_and_warm
    end = long.outcomes()
    assert end["crossings_attempted"] > at_w["outcomes"]["crossings_attempted"] > 0
    assert end["traffickers_convicted"] > at_w["outcomes"]["traffickers_convicted"], "verdicts on both sides of W"
    for name in TALLIES:
        assert warm.accounts.counters[name] == pytest.approx(long.accounts.counters[name] - at_w["tallies"][name]), name
    counted = warm.outcomes()
    for name in ADDITIVE:
        assert counted[name] == end[name] - at_w["outcomes"][name], name
    for name in STOCKS:
        assert counted[name] == end[name], name
    # The fee paid per person who set out, over the counted days alone (a ratio of counted tallies).
    paid, set_out = (long.accounts.counters[k] - at_w["tallies"][k] for k in ("fees_paid", "people_set_out"))
    assert counted["mean_fee"] == pytest.approx(paid / set_out, abs=1e-5) and set_out > 0
    for item, value in warm.accounts.cost_items().items():
        assert value == pytest.approx(long.accounts.cost_items()[item] - at_w["cost"][item], abs=1e-6), item


def test_the_daily_series_numbers_the_counted_days(long_and_warm):
    long, _, warm = long_and_warm
    rows = warm.accounts.timeseries
    assert [r["day"] for r in rows] == list(range(1, COUNTED + 1))
    base = long.accounts.timeseries[WARMUP - 1]
    for k, row in enumerate(rows, start=1):
        full = long.accounts.timeseries[WARMUP + k - 1]
        for name in ("crossings_attempted", "interdictions", "detections", "traffickers_arrested"):
            assert row[name] == full[name] - base[name], (k, name)


def test_invariants_hold_through_a_warm_up():
    """The bookkeeping invariants, step by step across the boundary, with people, groups and cases under way."""
    model = BorderModel(SMALL_PROCEDURAL, seed=5, overrides=FAST_JUSTICE, warmup_days=12)
    problems: list[str] = []
    while model.days_done < 30 and len(problems) < 20:
        model.step()
        problems += check_invariants(model)
    assert not problems, "\n".join(problems[:10])
    carried = model.accounts.carried
    assert carried["victims"] + carried["migrants"] > 0, "the warm-up left people under way"
    assert len(model.accounts.timeseries) == 18


def test_a_run_with_a_warm_up_writes_the_counted_days_and_records_the_warm_up(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["run", CLASSROOM, "--days", "6", "--warmup-days", "4", "--seed", "2", "--quiet", "--out", str(out)]
    args += ["--set=crossers.per_day=20"]
    assert main(args) == 0
    capsys.readouterr()
    outcomes = json.loads((out / "outcomes.json").read_text())
    assert outcomes["warmup_days"] == 4 and outcomes["days"] == 6
    series = pd.read_csv(out / "timeseries.csv")
    assert list(series["day"]) == [1, 2, 3, 4, 5, 6]
    long = run(CLASSROOM, [a.removeprefix("--set=") for a in args if a.startswith("--set=")], seed=2, days=10)
    shifted = [r | {"day": round(r["day"] - 4, 3)} for r in long.crossings if r["day"] > 4]
    crossings = pd.read_csv(out / "crossings.csv").to_dict("records") if shifted else []
    assert len(crossings) == len(shifted)
    assert [(c["day"], c["result"]) for c in crossings] == [(c["day"], c["result"]) for c in shifted]
    assert main(["run", CLASSROOM, "--warmup-days", "-1", "--quiet", "--out", str(tmp_path / "bad")]) == 2
    assert "--warmup-days: given -1" in capsys.readouterr().err


def test_the_scenario_key_sets_the_warm_up_and_the_argument_overrides_it():
    by_key = run(CLASSROOM, {"time.warmup_days": 3}, seed=1, days=4)
    by_argument = run(CLASSROOM, {"time.warmup_days": 9}, seed=1, days=4, warmup_days=3)
    assert by_key.outcomes["warmup_days"] == by_argument.outcomes["warmup_days"] == 3
    assert len(by_key.timeseries) == 4
    assert by_key.timeseries == by_argument.timeseries
    assert run(CLASSROOM, seed=1, days=4).outcomes["warmup_days"] == 0


def experiment_spec(tmp_path: Path, extra: str = "") -> Path:
    spec = tmp_path / "exp.toml"
    spec.write_text(
        f"""
[experiment]
name = "warm"
scenario = "{CLASSROOM}"
days = 3
warmup_days = 2
replications = 2
root_seed = 5

[baseline]
"crossers.per_day" = 12.0

[policies.sharing]
"agencies.sharing" = "full"
{extra}""",
        encoding="utf-8",
    )
    return spec


def test_an_experiment_with_a_warm_up_records_it_and_its_runs_reproduce(tmp_path, capsys):
    experiment = load_experiment(experiment_spec(tmp_path))
    assert experiment.warmup_days == 2
    out = tmp_path / "out"
    result = run_experiment(experiment, out, SerialBackend(), progress=False)
    _, markdown = write_report(experiment, out, result.runs, result.summary)
    assert "over the same 3 days, counted after 2 days simulated first and not counted" in markdown.read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["warmup_days"] == 2
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs["status"] == "ok").all()
    series = pd.read_parquet(out / "timeseries.parquet")
    assert sorted(series["day"].unique()) == [1, 2, 3]
    row = runs[(runs["policy"] == "sharing") & (runs["replication"] == 1)].iloc[0]
    words = shlex.split(experiment.reproduce_command(experiment.policy("sharing"), {}, int(row["seed"])))
    assert "--warmup-days" in words and words[words.index("--warmup-days") + 1] == "2"
    assert main([*words[1:], "--out", str(tmp_path / "again"), "--quiet"]) == 0
    capsys.readouterr()
    again = json.loads((tmp_path / "again" / "outcomes.json").read_text())
    for name in ("victims_recruited", "crossings_attempted", "interdictions", "detections", "cost", "court_backlog"):
        assert again[name] == row[name], name


def test_the_warm_up_is_the_experiments_not_a_policys(tmp_path):
    spec = experiment_spec(tmp_path, '"time.warmup_days" = 5\n')
    with pytest.raises(InputError) as raised:
        load_experiment(spec)
    found = [str(p) for p in raised.value.problems]
    assert any('policies.sharing."time.warmup_days"' in p and "[experiment]" in p for p in found), found
    spec = experiment_spec(tmp_path)
    spec.write_text(spec.read_text().replace("warmup_days = 2\n", ""))
    assert load_experiment(spec).warmup_days == 0  # the scenario's time.warmup_days


def test_the_courts_count_from_the_opening_and_follow_the_cases_filed_since():
    """Verdicts count when they happen (cases filed in the warm-up included); the time to verdict is the
    Kaplan-Meier mean over the cases filed since the opening; the backlog is every case open now."""
    legal = Legal(courts=2, trial_days_mean=15.0, procedural_delay_days=30.0, abscond_probability=0.2, plea_share=0.3)
    model = mesa.Model(rng=2)
    court = CourtSystem(model, legal, steps_per_day=1.0, keep_history=True)
    model.arrivals = Arrivals(model, court, rate=0.3, cross_share=0.0, cross_days=0.0)
    model.run_until(100.0)
    court.open_books()
    model.run_until(300.0)
    closed_since = [c for c in court.closed_cases if c.closed_day > 100.0]
    verdicts = [c for c in closed_since if c.outcome is not CaseOutcome.ABSCONDED]
    assert any(c.arrest_day < 100.0 for c in verdicts), "a case filed in the warm-up decided after it"
    assert court.convicted + court.acquitted == len(verdicts)
    assert court.absconded == len(closed_since) - len(verdicts)
    cohort = [c for c in court.closed_cases if c.arrest_day >= 100.0]
    still_open = [c for c in court.open_cases.values() if c.arrest_day >= 100.0]
    assert court.filed == len(cohort) + len(still_open)
    times = [c.closed_day - c.arrest_day for c in cohort] + [300.0 - c.arrest_day for c in still_open]
    events = [c.outcome is not CaseOutcome.ABSCONDED for c in cohort] + [False] * len(still_open)
    expected = kaplan_meier_mean(np.array(times), np.array(events))
    assert court.days_to_verdict_estimate() == pytest.approx(expected, rel=1e-12)
    assert court.backlog == len(court.open_cases)
    assert court.elapsed_days == pytest.approx(200.0)


# -- MSER-5 -----------------------------------------------------------------------------------------------------
def test_mser_finds_the_end_of_a_known_transient():
    rng = np.random.default_rng(3)
    days = 300
    t = np.arange(days)
    # A level shift: 10 for 40 days, then 4 with noise; and a decaying ramp settled after about 60 days.
    shifted = np.where(t < 40, 10.0, 4.0) + rng.normal(0.0, 1.0, days)
    assert mser(shifted).day == 40 and mser(shifted).settled
    ramp = 8.0 - 6.0 * np.exp(-t / 12.0) + rng.normal(0.0, 0.5, days)
    assert 30 <= mser(ramp).day <= 70
    assert mser(rng.normal(5.0, 1.0, days)).day <= 2 * BATCH, "a stationary series needs (almost) no warm-up"
    trend = t / 10.0 + rng.normal(0.0, 0.1, days)
    assert not mser(trend).settled, "a series still rising has not settled"


def test_mser_pools_a_ratio_over_its_batch_and_refuses_too_short_a_series():
    num = np.array([1.0, 0, 1, 0, 1] * 8)
    den = np.array([1.0, 0, 1, 1, 1] * 8)
    ratio = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    result = mser(ratio, weights=den)
    assert result.day == 0 and result.statistic[0] == 0.0  # every batch 3/4: no spread at all
    with pytest.raises(ValueError, match="at least 4 batches"):
        mser(np.ones(19))
    with pytest.raises(ValueError, match="1 such batches"):
        mser(np.ones(20), weights=np.r_[np.zeros(15), np.ones(5)])
    # A batch without weight is missing: left out, not read as 0.
    gap = mser(np.r_[np.full(10, 9.0), np.full(30, 3.0)], weights=np.r_[np.ones(10), np.zeros(5), np.ones(25)])
    assert gap.day == 10 and gap.statistic[2] == 0.0


def test_settle_measures_every_series_on_the_model():
    report = settle(CLASSROOM, 40, [1, 2], {"crossers.per_day": 20.0})
    assert set(report.truncation) == {s.name for s in SERIES}
    assert all(t.day % BATCH == 0 and 0 <= t.day <= 20 for t in report.truncation.values())
    assert report.recommended_days == max(t.day for t in report.truncation.values())
    assert all(len(days) == 2 for days in report.per_replication.values())
    assert report.first_month["attempts_per_day"] > 0
    assert "recommended time.warmup_days" in report.table()


def test_settle_command_prints_the_table_and_refuses_bad_arguments(capsys):
    assert main(["settle", CLASSROOM, "--days", "40", "--seeds", "1", "--set", "crossers.per_day=20"]) == 0
    out = capsys.readouterr().out
    assert "mean_fee" in out and "recommended time.warmup_days" in out
    assert main(["settle", CLASSROOM, "--days", "10", "--seeds", "0", "--root-seed", "-1"]) == 2
    err = capsys.readouterr().err
    assert "--days: given 10" in err and "--seeds: given 0" in err and "--root-seed: given -1" in err


def test_outcomes_are_declared_once_with_the_two_kinds_of_wrongful_detention():
    names = [o.name for o in OUTCOMES]
    assert "checkpoint_false_alarms" in names and "false_match_detentions" in names
    assert "wrongful_detentions" not in names
    none = run(CLASSROOM, {"checkpoints.false_positive_rate": 0.0, "checkpoints.screening_share": 1.0}, seed=1, days=3)
    some = run(CLASSROOM, {"checkpoints.screening_share": 1.0}, seed=1, days=3)
    assert none.outcomes["checkpoint_false_alarms"] == 0 < some.outcomes["checkpoint_false_alarms"]
    assert none.outcomes["false_match_detentions"] == some.outcomes["false_match_detentions"]
    assert not math.isnan(some.outcomes["false_match_detentions"])
