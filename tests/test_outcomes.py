"""Outcomes mean what their declarations say (sim/metrics.py): each is checked against an independent count.

Blind-spot share and apprehensions against the run's crossing records; the time to verdict against
closed forms and against the run length; the cost against the sum of its parts and each unit-cost key.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.experiment.report import court_warnings
from sim.experiment.report.tables import court_load
from sim.experiment.spec import load_experiment
from sim.metrics import COST_ITEMS, OUTCOME_BY_NAME, OUTCOMES
from sim.model import BorderModel
from sim.model.agents.person import Person
from sim.model.legal import CourtSystem, kaplan_meier_mean
from sim.model.queueing import erlang_c_wait
from sim.runner import run
from sim.scenario import Legal
from sim.viz.animate import COUNTERS, counter_values
from sim.viz.classroom import SCORES

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = str(ROOT / "scenarios" / "classroom.toml")
DESERT = str(ROOT / "scenarios" / "desert_sector.toml")
COSTS = ("cost_enforcement", "cost_justice", "cost_victim_support")


def run_model(scenario: str, overrides: dict, seed: int, days: float) -> BorderModel:
    model = BorderModel(scenario, seed=seed, overrides=overrides)
    for _ in range(math.ceil(days * model.steps_per_day)):
        model.step()
    return model


@pytest.fixture(scope="module")
def desert():
    """60 days of the desert sector without exposure deaths: every finished attempt is caught, across or back.

    Most of the people met by a patrol scatter, so some groups turn back with nobody caught; more vehicles
    are inspected at the port, so some groups are found there.
    """
    overrides = {
        "victims.exposure_scale": 0.0,
        "patrols.capture_probability": 0.2,
        "patrols.guide_capture_probability": 0.2,
        "checkpoints.screening_share": 0.3,
    }
    return run_model(DESERT, overrides, seed=1, days=60)


# ------------------------------------------------------------------ names, blind spots, apprehensions


def test_a_run_reports_exactly_the_declared_outcomes(desert):
    declared = [o.name for o in OUTCOMES]
    assert len(set(declared)) == len(declared), "an outcome is declared twice"
    assert set(desert.outcomes()) == set(declared)
    daily = {"day"} | {o.name for o in OUTCOMES if o.daily}
    assert set(desert.accounts.timeseries[-1]) == daily


def test_every_outcome_is_computed_from_the_measures_by_its_declaration(desert):
    """The model's outcomes are the declarations applied to its measures; a changed measure moves its outcome."""
    measures = desert.accounts.measures()
    assert pd.Series(desert.outcomes()).equals(pd.Series({o.name: o.compute(measures) for o in OUTCOMES}))
    measures["interdictions"] += 5
    assert OUTCOME_BY_NAME["interdictions"].compute(measures) == desert.outcomes()["interdictions"] + 5
    assert OUTCOME_BY_NAME["apprehension_rate"].compute(measures) > desert.outcomes()["apprehension_rate"]


def test_labels_are_declared_once_and_read_by_the_report_the_animation_and_the_app():
    labels = [o.label for o in OUTCOMES]
    assert len(set(labels)) == len(labels), "two outcomes share a label"
    assert all(len(OUTCOME_BY_NAME[n].short) <= 14 for n in COUNTERS), "counters beside a map fit 14 characters"
    values = {name: i for i, name in enumerate(COUNTERS)}
    assert counter_values(values) == [(OUTCOME_BY_NAME[name].short, i) for i, name in enumerate(COUNTERS)]
    assert set(COUNTERS) <= set(OUTCOME_BY_NAME)
    assert {name for score in SCORES for name in score.outcomes} <= set(OUTCOME_BY_NAME)


def test_blind_spot_share_counts_groups_on_foot_at_the_line_only(desert):
    records = [r for r in desert.crossings.log if r["mode"] == "foot" and r["reached_line"]]
    blind = [r["blind_spot"] for r in records]
    # Groups still on the way that have met the line count too (caught ones are in the records).
    moving = [g for g in desert.crossings.groups.values() if g.mode == "foot" and g.crossing_xy is not None]
    blind += [bool(g.blind_spot) for g in moving]
    vehicles = [r for r in desert.crossings.log if r["mode"] == "vehicle" and r["reached_line"]]
    assert vehicles and len(blind) >= 20, "the run must have crossings on foot and through the port"
    assert desert.outcomes()["blind_spot_crossing_share"] == pytest.approx(np.mean(blind), abs=1e-6)


def test_apprehensions_of_groups_and_of_people_match_the_crossing_records(desert):
    out = desert.outcomes()
    by = pd.DataFrame(desert.crossings.log).groupby(["mode", "result"]).size()
    caught = int(by.xs("interdicted", level="result").sum())
    back = int(by.xs("turned_back", level="result").sum()) if "turned_back" in by.index.get_level_values(1) else 0
    assert out["interdictions"] == caught and back > 0, "the run must have groups caught and groups turned back"
    assert out["interdictions_at_port"] == by.get(("vehicle", "interdicted"), 0) > 0, "port finds are in the run"
    assert out["apprehension_rate"] == pytest.approx(caught / (caught + out["crossings_succeeded"] + back), abs=1e-6)

    # On foot: the same, from the records of groups on foot and those still walking beyond the zone.
    foot = {r: int(by.get(("foot", r), 0)) for r in ("interdicted", "succeeded", "turned_back")}
    across_walking = sum(g.mode == "foot" and g.crossed for g in desert.crossings.groups.values())
    expected = foot["interdicted"] / (foot["interdicted"] + foot["succeeded"] + across_walking + foot["turned_back"])
    assert out["apprehension_rate_on_foot"] == pytest.approx(expected, abs=1e-6)
    assert out["apprehension_rate_on_foot"] != pytest.approx(out["apprehension_rate"], abs=1e-4)

    # People: every apprehension is one person's, and every apprehended victim was identified or missed.
    people = list(desert.agents_by_type[Person])
    assert out["people_apprehended"] == sum(p.apprehensions for p in people) > 0
    victims_caught = sum(p.apprehensions for p in people if p.trafficked and not p.debt_bonded)
    identified = desert.accounts.counters["people_apprehended"] - desert.accounts.counters["victims_misidentified"]
    assert (
        out["victims_misidentified"]
        + sum(p.state.value in ("rescued", "supported") and p.apprehensions > 0 for p in people if p.trafficked)
        >= victims_caught
        >= out["victims_misidentified"]
    )
    assert identified > 0
    assert 0 < out["apprehension_rate_people"] < 1


# ------------------------------------------------------------------ time to verdict


def test_kaplan_meier_mean_agrees_with_scipy():
    rng = np.random.default_rng(3)
    times = np.round(rng.exponential(50.0, 300), 1)  # rounded: ties between events and censorings
    events = rng.random(300) < 0.7
    events[np.argmax(times)] = False  # the longest time censored: a restricted mean
    sf = stats.ecdf(stats.CensoredData(uncensored=times[events], right=times[~events])).sf
    edges = np.concatenate(([0.0], sf.quantiles, [times.max()]))
    heights = np.concatenate(([1.0], sf.probabilities))
    expected = float(np.sum(heights * np.diff(edges)))
    assert kaplan_meier_mean(times, events) == pytest.approx(expected, rel=1e-12)
    assert kaplan_meier_mean(times, np.ones(300, dtype=bool)) == pytest.approx(times.mean(), rel=1e-12)


class Arrivals:
    """Poisson filings at ``rate`` a day; a share ``cross_share`` of them need another jurisdiction's evidence,
    which adds ``cross_days`` to their procedure."""

    def __init__(self, model: mesa.Model, court: CourtSystem, rate: float, cross_share: float, cross_days: float):
        self.model, self.court, self.gap = model, court, 1.0 / rate
        self.cross_share, self.cross_days = cross_share, cross_days
        model.schedule_event(self.arrive, after=model.rng.exponential(self.gap))

    def arrive(self) -> None:
        cross = bool(self.model.rng.random() < self.cross_share)
        days = self.cross_days
        self.court.file_case(accused=None, network_id=0, cross_jurisdiction=cross, cross_jurisdiction_days=days)
        self.model.schedule_event(self.arrive, after=self.model.rng.exponential(self.gap))


def court_run(
    legal: Legal, seed: int, days: float, rate: float, cross_share: float = 0.0, cross_days: float = 0.0
) -> CourtSystem:
    model = mesa.Model(rng=seed)
    court = CourtSystem(model, legal, steps_per_day=1.0, keep_history=False)
    model.arrivals = Arrivals(model, court, rate, cross_share, cross_days)
    model.run_until(days)
    return court


QUICK = Legal(
    courts=6,
    trial_days_mean=15.0,
    procedural_delay_days=30.0,
    abscond_probability=0.0,
    detention_capacity=10**6,
    plea_share=0.0,
)


def test_time_to_verdict_estimate_does_not_grow_with_the_run_length():
    # Courts at utilisation 0.75; a case takes 45 days, or 165 when it needs another jurisdiction's evidence.
    seeds = range(40)

    def estimates(days: float) -> np.ndarray:
        courts = [court_run(QUICK, seed, days, rate=0.3, cross_share=0.3, cross_days=120.0) for seed in seeds]
        return np.array([[c.days_to_verdict_estimate(), c.mean_days_to_verdict] for c in courts])

    short, long = estimates(180.0), estimates(540.0)
    se = np.sqrt(short.var(axis=0, ddof=1) / len(seeds) + long.var(axis=0, ddof=1) / len(seeds))
    diff = long.mean(axis=0) - short.mean(axis=0)
    km, decided = 0, 1
    assert abs(diff[km]) < 3 * se[km], (
        f"Kaplan-Meier: {short[:, km].mean():.1f} days over a 180-day run, {long[:, km].mean():.1f} over 540 days "
        f"(SE {se[km]:.1f})"
    )
    assert diff[decided] > 10 * se[decided], (
        f"the mean over decided cases should grow with the run: {short[:, decided].mean():.1f} -> "
        f"{long[:, decided].mean():.1f} (SE {se[decided]:.1f})"
    )


def test_time_to_verdict_estimate_matches_erlang_c_and_littles_law():
    # M/M/c: no procedure, exponential trials; W = Wq + 1/mu (Erlang 1917); L = lambda W (Little 1961).
    legal = Legal(
        courts=3,
        trial_days_mean=20.0,
        procedural_delay_days=0.0,
        abscond_probability=0.0,
        detention_capacity=10**6,
        plea_share=0.0,
    )
    rate, days = 0.12, 20_000.0
    courts = [court_run(legal, seed, days, rate) for seed in range(16)]
    expected = erlang_c_wait(3, rate, 1 / 20.0) + 20.0
    estimates = np.array([c.days_to_verdict_estimate() for c in courts])
    km, se = estimates.mean(), estimates.std(ddof=1) / math.sqrt(len(estimates))
    little = np.mean([c.time_average_open_cases() / (c.filed / days) for c in courts])
    # At utilisation 0.8 the mean wait of a 20,000-day run still varies by about 6 days from seed to seed.
    assert km == pytest.approx(expected, abs=4 * se), f"Kaplan-Meier {km:.2f} vs Erlang C {expected:.2f} days"
    assert little == pytest.approx(km, rel=0.02), f"Little's law {little:.2f} vs Kaplan-Meier {km:.2f} days"


def test_court_utilisation_and_the_overload_warning():
    legal = Legal(courts=2, trial_days_mean=30.0, procedural_delay_days=10.0, abscond_probability=0.0, plea_share=0.0)
    over = court_run(legal, seed=1, days=2000, rate=0.1)  # rho = 0.1 x 30 / 2 = 1.5
    under = court_run(dataclasses.replace(legal, courts=4), seed=1, days=2000, rate=0.1)  # rho = 0.75
    # About 200 filings in 2000 days: the Poisson count alone varies by 7% (seed 1 files 224).
    assert over.utilisation == pytest.approx(1.5, rel=0.2) and under.utilisation == pytest.approx(0.75, rel=0.2)
    assert over.utilisation == pytest.approx(over.bound_for_trial / 2000 * 30 / 2)
    warning = over.overload_warning()
    assert "courts overloaded" in warning and f"rho = {over.utilisation:.2f}" in warning, warning
    assert under.overload_warning() is None
    assert court_run(dataclasses.replace(legal, courts=0), seed=1, days=100, rate=0.1).overload_warning()


def test_run_summary_and_report_warn_of_overloaded_courts(tmp_path, capsys):
    slow = ["--set", "legal.courts=1", "--set", "legal.trial_days_mean=200", "--set", "crossers.per_day=12"]
    slow += ["--set", "legal.plea_share=0"]
    assert main(["run", CLASSROOM, "--days", "20", "--seed", "1", *slow, "--out", str(tmp_path), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "warning: courts overloaded" in printed and "utilisation rho" in printed, printed
    fast = ["--set", "legal.courts=50", "--set", "legal.trial_days_mean=1"]
    assert main(["run", CLASSROOM, "--days", "20", "--seed", "1", *fast, "--out", str(tmp_path), "--quiet"]) == 0
    assert "warning" not in capsys.readouterr().out

    spec = tmp_path / "exp.toml"
    spec.write_text(
        f'[experiment]\nname = "courts"\nscenario = "{CLASSROOM}"\nreplications = 2\nroot_seed = 1\ndays = 5\n'
        'outcomes = ["court_utilisation"]\n[baseline]\n[policies.more_courts]\n"legal.courts" = 9\n'
    )
    experiment = load_experiment(spec)
    runs = pd.DataFrame(
        {
            "policy": ["baseline", "baseline", "more_courts", "more_courts"],
            "sweep_point": 0,
            "status": "ok",
            "court_utilisation": [2.0, 3.0, 0.3, 0.4],
        }
    )
    load = court_load(experiment, runs).set_index("policy")
    assert load["court_utilisation"].tolist() == pytest.approx([2.5, 0.35]), "mean over replications"
    assert load["overloaded"].tolist() == [True, False]
    assert len(court_warnings(experiment, runs)) == 1, "a warning for the overloaded courts only"


# ------------------------------------------------------------------ cost

#: Overrides under which every cost item is at work within 45 days: convictions, sharing, an extra tower.
COST_BASE = {
    "crossers.per_day": 9,  # enough people for every cost item to be at work in 45 days
    "legal.courts": 3,
    "legal.trial_days_mean": 5.0,
    "legal.procedural_delay_days": 5.0,
    "agencies.sharing": "delayed",
    "agencies.members[1].jurisdiction": "foreign",  # customs as a partner across the border, in a joint team
    "agencies.cooperation": "joint_team",
    "surveillance.extra_towers.count": 1,
    "surveillance.false_alarms_per_day": 0.0,  # no patrols lost to false alarms: arrests enough for prison terms
}

UNIT_COSTS = [
    ("patrols.cost_per_hour", 200.0, {}),
    ("surveillance.sensors[0].cost_per_year", 500_000.0, {}),
    ("surveillance.sensors[0].capital_cost", 3_000_000.0, {}),
    ("surveillance.sensors[0].lifetime_years", 4.0, {}),
    ("surveillance.extra_towers.cost_per_year", 500_000.0, {}),
    ("surveillance.extra_towers.capital_cost", 3_000_000.0, {}),
    ("surveillance.extra_towers.lifetime_years", 4.0, {}),
    ("checkpoints.cost_per_inspection", 80.0, {}),
    ("agencies.members[0].cost_per_investigator_per_year", 300_000.0, {}),
    ("agencies.sharing_cost_per_year", 400_000.0, {}),
    ("agencies.joint_team_cost_per_year", 300_000.0, {}),
    ("legal.cost_per_court_per_year", 1_600_000.0, {}),
    ("legal.cost_per_detention_day", 220.0, {}),
    ("legal.cost_per_prison_year", 78_000.0, {}),
    ("victims.cost_per_support_day", 200.0, {}),
    ("victims.cost_per_support_day_strong", 400.0, {"victims.protection": "strong"}),
    ("victims.support_days", 3.0, {}),
]

_base_runs: dict[tuple, dict] = {}


def cost_run(extra: dict) -> dict:
    key = tuple(sorted(extra.items()))
    if key not in _base_runs:
        _base_runs[key] = run(CLASSROOM, COST_BASE | extra, seed=1, days=45).outcomes
    return _base_runs[key]


def test_cost_is_the_sum_of_its_parts_and_of_its_items():
    out = cost_run({})
    assert out["cost"] == pytest.approx(sum(out[name] for name in COSTS), abs=0.011)
    for name in COSTS:
        items = [v for k, v in out["cost_items"].items() if COST_ITEMS[k] == name]
        assert out[name] == pytest.approx(sum(items), abs=0.01 * len(items)), name
    assert set(out["cost_items"]) == set(COST_ITEMS)
    assert all(v > 0 for v in out["cost_items"].values()), f"every item at work: {out['cost_items']}"
    # By hand: three courts for 45 days, and the patrol hours on duty of the roster.
    assert out["cost_items"]["courts"] == pytest.approx(3 * 800_000 * 45 / 365, abs=0.01)


def test_detention_and_prison_days_match_the_cases_and_sentences():
    model = BorderModel(
        CLASSROOM, seed=2, overrides=COST_BASE | {"legal.detention_capacity": 3, "crossers.per_day": 16}
    )
    model.courts.keep_history = True
    for _ in range(math.ceil(45 * model.steps_per_day)):
        model.step()
    now, courts = model.days, model.courts
    cases = courts.closed_cases + list(courts.open_cases.values())
    held = sum(c.days_detained(now) for c in cases)
    assert courts.released > 0 and held > 0, "some accused held, some released for want of places"
    assert courts.detention_days == pytest.approx(held, rel=1e-9)
    items = model.accounts.cost_items()
    assert items["pretrial_detention"] == pytest.approx(held * 110.0, rel=1e-9)
    served = sum(min(now - start, days) for start, days in model.accounts.sentences)
    assert served > 0 and items["prisons"] == pytest.approx(served / 365 * 39_000.0, rel=1e-9)


@pytest.mark.parametrize(("key", "value", "context"), UNIT_COSTS, ids=[k for k, _, _ in UNIT_COSTS])
def test_every_unit_cost_moves_the_cost_and_nothing_else(key, value, context):
    base = cost_run(context)
    moved = run(CLASSROOM, COST_BASE | context | {key: value}, seed=1, days=45).outcomes
    assert moved["cost"] != pytest.approx(base["cost"], rel=1e-6), f"{key} = {value} left the cost at {base['cost']}"
    changed = [o.name for o in OUTCOMES if not o.name.startswith("cost") and moved[o.name] != base[o.name]]
    assert not changed, f"{key} is a unit cost, yet it changed {changed}"


def test_victim_protection_costs_something():
    outcomes = {
        level: [run(CLASSROOM, COST_BASE | {"victims.protection": level}, seed=s, days=30).outcomes for s in (1, 2)]
        for level in ("none", "strong")
    }
    none = sum(o["cost_victim_support"] for o in outcomes["none"])
    strong = sum(o["cost_victim_support"] for o in outcomes["strong"])
    supported = sum(o["victims_by_state"]["supported"] for o in outcomes["strong"])
    assert none == 0 and supported > 0
    assert strong > 200.0 * supported, f"support for {supported} victims cost {strong:,.0f}"
