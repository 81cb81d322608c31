"""The report's decision summary: ranking, cost-effectiveness, Holm and nominal marks, intervals of counts that stay
at or above 0, the warning of few replications, the replications that would detect a change, the maps of crossing
density policy minus baseline, and each policy's scope."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiment.report import write_report
from sim.experiment.report.decision import (
    COOPERATION,
    SHARING,
    cost_effectiveness,
    effects_table,
    lever_scope,
    ranking_table,
    scope_table,
    towers_table,
)
from sim.experiment.report.figures import DIFFERENCE_CELL_KM, density_differences
from sim.experiment.report.text import tower_lines
from sim.experiment.spec import Experiment, Policy
from sim.experiment.stats import paired_power, replications_for_power, summarise

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.toml"
OUTCOMES = ("crossings_succeeded", "victims_rescued", "exposure_death_risk", "false_match_detentions", "cost")


def experiment(tmp_path: Path, replications: int = 3, scenario: Path = CLASSROOM, **own: dict) -> Experiment:
    """An experiment on ``scenario`` with a baseline and the policies ``own`` (name: overrides)."""
    policies = [Policy("baseline", {}, {})] + [Policy(name, o, dict(o)) for name, o in own.items()]
    return Experiment(
        name="decision",
        description="",
        path=tmp_path / "decision.toml",
        scenario_path=scenario,
        days=30.0,
        replications=replications,
        root_seed=1,
        outcomes=OUTCOMES,
        policies=tuple(policies),
    )


def runs_table(values: dict[str, dict[str, list[float]]]) -> pd.DataFrame:
    """A runs table from ``values[policy][outcome]``, one value a replication; outcomes not given are 0."""
    rows = []
    for policy, outcomes in values.items():
        reps = len(next(iter(outcomes.values())))
        for rep in range(reps):
            row = dict.fromkeys(OUTCOMES, 0.0) | {o: float(v[rep]) for o, v in outcomes.items()}
            rows.append({"policy": policy, "replication": rep, "sweep_point": 0, "status": "ok", **row})
    return pd.DataFrame(rows)


#: Three paired replications: towers prevent about 10 crossings for about 2.6 M more; sharing changes deaths by
#: a small, noisy amount; victims rescued under towers rise by a clear, steady 3.
RUNS = {
    "baseline": {
        "crossings_succeeded": [50, 60, 55],
        "victims_rescued": [4, 6, 5],
        "exposure_death_risk": [1.0, 1.2, 0.8],
        "false_match_detentions": [0, 2, 0],
        "cost": [10e6, 10e6, 10e6],
    },
    "towers": {
        "crossings_succeeded": [41, 49, 45],
        "victims_rescued": [7, 9, 8],
        "exposure_death_risk": [0.9, 1.1, 0.75],
        "false_match_detentions": [0, 2, 0],
        "cost": [12.5e6, 12.7e6, 12.6e6],
    },
    "sharing": {
        "crossings_succeeded": [51, 58, 56],
        "victims_rescued": [4, 6, 5],
        "exposure_death_risk": [1.05, 1.1, 0.9],
        "false_match_detentions": [1, 3, 0],
        "cost": [10.1e6, 10.1e6, 10.1e6],
    },
}


@pytest.fixture
def fake(tmp_path):
    exp = experiment(tmp_path, towers={"surveillance.extra_towers.count": 10}, sharing={"agencies.sharing": "full"})
    runs = runs_table(RUNS)
    return exp, runs, summarise(runs, exp.policy_names, list(OUTCOMES))


def test_policies_are_ranked_best_first_in_each_objectives_direction(fake):
    exp, runs, summary = fake
    ranking = ranking_table(exp, summary, effects_table(runs, summary))
    crossings = ranking[ranking["outcome"] == "crossings_succeeded"]
    assert list(crossings["policy"]) == ["towers", "baseline", "sharing"], "lower is better: 45, 55, 55"
    assert list(crossings["rank"]) == [1, 2, 2], "equal means share a rank, in the experiment's order"
    rescued = ranking[ranking["outcome"] == "victims_rescued"]
    assert list(rescued["policy"]) == ["towers", "baseline", "sharing"], "higher is better"
    assert rescued.iloc[0]["diff"] == pytest.approx(3.0)
    assert set(ranking["outcome"]) == set(OUTCOMES), "every outcome with a better direction"


def test_cost_per_crossing_prevented_is_the_ratio_of_mean_paired_differences(fake):
    exp, runs, _ = fake
    ce = cost_effectiveness(exp, runs).set_index(["policy", "outcome"])
    row = ce.loc[("towers", "crossings_succeeded")]
    extra = np.array([2.5e6, 2.7e6, 2.6e6])
    prevented = np.array([9.0, 11.0, 10.0])
    assert row["cost_per_unit"] == pytest.approx(extra.mean() / prevented.mean()) == pytest.approx(260_000)
    # delta method by hand: residuals e_i = extra_i - R x prevented_i, se = sd(e) / (sqrt(n) x mean(prevented))
    residuals = extra - 260_000 * prevented  # 160,000, -160,000, 0
    se = residuals.std(ddof=1) / (math.sqrt(3) * prevented.mean())
    half = 4.302652729911275 * se  # t(0.975, 2 degrees of freedom)
    assert row["cost_per_unit_ci_low"] == pytest.approx(260_000 - half)
    assert row["cost_per_unit_ci_high"] == pytest.approx(260_000 + half)
    assert row["estimable"] and row["status"] == "gain"
    deaths = ce.loc[("sharing", "exposure_death_risk")]
    assert deaths["gain_ci_low"] < 0 < deaths["gain_ci_high"]
    assert not deaths["estimable"] and deaths["status"] == "not estimable"
    assert ce.loc[("sharing", "victims_rescued"), "status"] == "not estimable", "no change at all"


def test_holm_and_nominal_marks(tmp_path):
    """Ten comparisons: one change so clear it survives Holm's correction, one whose own interval excludes zero
    with p about 0.02 that Holm's correction over ten does not keep, and noise."""
    exp = experiment(tmp_path, replications=8, towers={"surveillance.extra_towers.count": 10}, sharing={})
    rng = np.random.default_rng(3)
    base = {o: list(rng.normal(50, 5, 8)) for o in OUTCOMES}
    towers = {o: [v + rng.normal(0, 1) for v in base[o]] for o in OUTCOMES}
    towers["crossings_succeeded"] = [v - 10 + rng.normal(0, 0.5) for v in base["crossings_succeeded"]]
    sharing = {o: [v + rng.normal(0, 1) for v in base[o]] for o in OUTCOMES}
    sharing["victims_rescued"] = [
        v + d for v, d in zip(base["victims_rescued"], [2, 0, 1, 2, 0, 1, 1.5, 0.4], strict=True)
    ]
    runs = runs_table({"baseline": base, "towers": towers, "sharing": sharing})
    summary = summarise(runs, exp.policy_names, list(OUTCOMES))
    effects = effects_table(runs, summary).set_index(["policy", "outcome"])
    clear = effects.loc[("towers", "crossings_succeeded")]
    assert clear["significance"] == "holm" and clear["p_holm"] < 0.05
    assert math.isnan(clear["replications_needed"]), "a change that survives needs no more replications"
    nominal = effects.loc[("sharing", "victims_rescued")]
    assert nominal["diff_ci_low"] > 0 and nominal["p_value"] < 0.05 <= nominal["p_holm"]
    assert nominal["significance"] == "nominal"
    others = effects.drop([("towers", "crossings_succeeded"), ("sharing", "victims_rescued")])
    assert set(others["significance"]) <= {"none", "nominal"}
    assert (others.loc[others["significance"] == "none", "diff_ci_low"] <= 0).all()
    html, md = write_report(exp, tmp_path, runs, summary)
    markdown, page = md.read_text(encoding="utf-8"), html.read_text(encoding="utf-8")
    assert "✔ the change survives Holm's correction over the 10 comparisons" in markdown
    assert page.index("<h2>Decision summary</h2>") < page.index("<h2>How to read this report</h2>")
    assert "† nominal only" in page
    assert "† nominal only" in markdown
    assert "1. towers: " in markdown and "✔ |" in markdown
    rescued = next(line for line in markdown.splitlines() if line.startswith("| victims rescued (people; higher"))
    assert "sharing: " in rescued and "†" in rescued


def test_the_interval_of_a_count_does_not_go_below_zero(fake, tmp_path):
    exp, runs, summary = fake
    detentions = summary[(summary["policy"] == "baseline") & (summary["outcome"] == "false_match_detentions")]
    assert detentions["ci_low"].iloc[0] < 0, "the t interval of 0, 2, 0 reaches below zero"
    ranking = ranking_table(exp, summary, effects_table(runs, summary))
    assert (ranking["ci_low_clipped"] >= 0).all()
    _, md = write_report(exp, tmp_path, runs, summary)
    markdown = md.read_text(encoding="utf-8")
    assert "0.667 [0.000 – 3.5]" in markdown, "mean 2/3, lower bound clipped at 0"
    assert " 0.667 [-" not in markdown, "(the change against the baseline, +0.667 [-0.768 – +2.1], may be negative)"
    assert "clipped at 0" in markdown


def test_three_replications_get_a_warning_and_five_do_not(fake, tmp_path):
    exp, runs, summary = fake
    (tmp_path / "three").mkdir()
    _, md = write_report(exp, tmp_path / "three", runs, summary)
    assert "**Few replications.** Only 3 replications per policy" in md.read_text(encoding="utf-8")
    five = experiment(tmp_path, replications=5, towers={"surveillance.extra_towers.count": 10})
    runs5 = runs_table({p: {o: [*v, v[0], v[1]] for o, v in RUNS[p].items()} for p in ("baseline", "towers")})
    (tmp_path / "five").mkdir()
    _, md5 = write_report(five, tmp_path / "five", runs5, summarise(runs5, five.policy_names, list(OUTCOMES)))
    assert "Few replications" not in md5.read_text(encoding="utf-8")


def test_replications_needed_match_the_paired_t_test_by_hand():
    # A two-sided one-sample (paired) t-test at alpha 0.05 with 80% power needs 10 pairs for an effect of one
    # SD and 34 for half an SD (Cohen 1988's tables; G*Power gives the same).
    assert replications_for_power(3.0, 3.0) == 10
    assert replications_for_power(-1.5, 3.0) == 34
    assert paired_power(10, 1.0) >= 0.8 > paired_power(9, 1.0)
    assert math.isnan(replications_for_power(0.0, 1.0)) and math.isnan(replications_for_power(1.0, 0.0))


def test_the_table_gives_the_replications_for_an_unclear_change(fake):
    _, runs, summary = fake
    effects = effects_table(runs, summary).set_index(["policy", "outcome"])
    deaths = effects.loc[("sharing", "exposure_death_risk")]
    diffs = np.array([0.05, -0.1, 0.1])
    assert deaths["significance"] == "none"
    assert deaths["sd_diff"] == pytest.approx(diffs.std(ddof=1))
    assert deaths["replications_needed"] == replications_for_power(diffs.mean(), diffs.std(ddof=1))
    assert paired_power(int(deaths["replications_needed"]), diffs.mean() / diffs.std(ddof=1)) >= 0.8


def test_the_difference_map_is_policy_minus_baseline_and_is_written(fake, tmp_path):
    exp, runs, summary = fake
    crossings = pd.DataFrame(
        {
            "policy": ["baseline"] * 6 + ["towers"] * 3 + ["sharing"] * 6,
            "sweep_point": 0,
            "replication": [0, 1, 2] * 5,
            "x_km": [1.0] * 6 + [5.0] * 3 + [1.0] * 6,
            "y_km": [1.0] * 15,
            "result": "succeeded",
        }
    )
    grids = density_differences(exp, crossings, summary, (10.0, 4.0))
    towers = grids[(0, "towers")]
    assert towers.shape == (2, 5), f"{DIFFERENCE_CELL_KM} km squares over 10 x 4 km"
    assert towers[0, 0] == pytest.approx(-2.0), "six crossings in three runs under the baseline, none under towers"
    assert towers[0, 2] == pytest.approx(1.0), "three crossings in three runs moved east"
    assert not grids[(0, "sharing")].any()
    crossings.to_parquet(tmp_path / "crossings.parquet")
    _, md = write_report(exp, tmp_path, runs, summary)
    assert (tmp_path / "report_density_difference.png").stat().st_size > 10_000
    markdown = md.read_text(encoding="utf-8")
    assert markdown.index("report_density_difference.png") < markdown.index("## How to read this report")


def test_a_one_agency_scenario_says_sharing_cannot_act(tmp_path):
    text = CLASSROOM.read_text(encoding="utf-8")
    customs = text.index('[[agencies.members]]\nname = "customs"')
    end = text.index("\n[", customs + 1)
    one = (text[:customs] + text[end + 1 :]).replace('agency = "customs"', 'agency = "border_patrol"')
    assert one.count("[[agencies.members]]\n") == 1
    scenario = tmp_path / "one_agency.toml"
    scenario.write_text(one, encoding="utf-8")
    exp = experiment(
        tmp_path,
        scenario=scenario,
        sharing={"agencies.sharing": "full"},
        team={"agencies.cooperation": "joint_team"},
        towers={"surveillance.extra_towers.count": 2},
    )
    scope = scope_table(exp).set_index("policy")
    assert set(scope.index) == {"sharing", "team"}, "the towers pull no lever with a scope rule"
    assert scope.loc["sharing", "acts"] == "no"
    assert "a single agency (border_patrol)" in scope.loc["sharing", "reason"]
    assert scope.loc["team", "acts"] == "no" and "no foreign partner agency" in scope.loc["team", "reason"]
    runs = runs_table({p.name: RUNS["baseline"] for p in exp.policies})
    _, md = write_report(exp, tmp_path, runs, summarise(runs, exp.policy_names, list(OUTCOMES)))
    markdown = md.read_text(encoding="utf-8")
    assert (
        "- sharing: its data sharing between agencies (agencies.sharing) cannot act here: a single agency" in markdown
    )


def test_scope_rules_on_the_shipped_scenarios():
    from sim.scenario import load_scenario, to_dict

    desert = to_dict(load_scenario(ROOT / "scenarios" / "desert_sector.toml").spec)
    acts, reason = lever_scope(SHARING, desert)
    assert acts == "little" and "border_patrol, owns every sensor and 80% of the patrol roster" in reason
    assert lever_scope(COOPERATION, desert)[0] == "no"
    nations = to_dict(load_scenario(ROOT / "scenarios" / "two_nations.toml").spec)
    assert lever_scope(SHARING, nations) is None and lever_scope(COOPERATION, nations) is None


def test_the_daily_band_of_a_count_does_not_go_below_zero(fake, tmp_path):
    from matplotlib.collections import PolyCollection

    from sim.experiment.report.figures import policy_colours, time_series_figure

    exp, _, _ = fake
    rows = [
        {"policy": p, "sweep_point": 0, "replication": rep, "day": day, "crossings_succeeded": float(v)}
        for p in exp.policy_names
        for rep, v in enumerate([0, 0, 5])
        for day in range(3)
    ]
    path = tmp_path / "timeseries.parquet"
    pd.DataFrame(rows).to_parquet(path)
    fig = time_series_figure(exp, path, policy_colours(exp.policy_names))
    bands = [c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]
    assert bands, "a band per policy"
    lowest = min(float(np.min(outline.vertices[:, 1])) for band in bands for outline in band.get_paths())
    assert lowest == 0.0, "the t band of 0, 0, 5 reaches below zero unclipped"


def test_the_towers_table_lists_each_sited_tower_with_its_gain(fake):
    exp, runs, _ = fake
    runs = runs.assign(extra_tower_sites_km="[]", extra_tower_gains_km="[]")
    towers = runs["policy"] == "towers"
    runs.loc[towers, "extra_tower_sites_km"] = "[[67.25, 23.25], [39.25, 23.25]]"
    runs.loc[towers, "extra_tower_gains_km"] = "[15.5, 14.5]"
    table = towers_table(runs)
    assert table[["policy", "tower", "x_km", "y_km", "coverage_gain_km"]].values.tolist() == [
        ["towers", 1, 67.25, 23.25, 15.5],
        ["towers", 2, 39.25, 23.25, 14.5],
    ]
    assert tower_lines(exp, table) == ["towers: 2 towers, 1: (67.25, 23.25) +15.5 km; 2: (39.25, 23.25) +14.5 km."]


def test_a_long_borders_report_maps_come_in_strips_one_panel_a_row(tmp_path):
    """national_border (1,000 x 80 km): each policy's crossing map in strips of at most 8 times the map's height,
    and the difference map's band of crossings in strips of at most 20 times its height, west to east."""
    from sim.experiment.report.figures import crossing_maps, density_difference_maps

    national = ROOT / "scenarios" / "national_border.toml"
    exp = experiment(tmp_path, scenario=national, towers={"surveillance.extra_towers.count": 110})
    runs = runs_table({name: RUNS[name] for name in ("baseline", "towers")})
    summary = summarise(runs, exp.policy_names, list(OUTCOMES))
    x = np.linspace(5.0, 995.0, 40)
    crossings = pd.DataFrame(
        {
            "policy": ["baseline"] * 40 + ["towers"] * 40,
            "sweep_point": 0,
            "replication": 0,
            "x_km": np.concatenate([x, x[::-1]]),
            "y_km": 40.0,
            "result": "succeeded",
        }
    )
    maps = crossing_maps(exp, crossings)
    panels = [ax for ax in maps.axes if ax.get_xlabel() or ax.get_ylabel()]
    assert [ax.get_xlim() for ax in panels] == [(0.0, 500.0), (500.0, 1000.0)] * 2
    assert [ax.get_title() for ax in panels] == ["baseline", "", "towers", ""]
    for ax in panels:  # each strip shows the crossings of its policy (all 40 drawn; those in its span visible)
        (dots,) = [c for c in ax.collections if c.get_label() == "succeeded"]
        assert len(dots.get_offsets()) == 40
    difference = density_difference_maps(exp, crossings, summary)
    strips = [ax for ax in difference.axes if ax.get_ylabel() == "km south"]
    band = abs(np.subtract(*strips[0].get_ylim()))
    assert len(strips) > 1 and strips[0].get_xlim()[0] == 0.0 and strips[-1].get_xlim()[1] == 1000.0
    assert all(np.diff(ax.get_xlim())[0] <= 20 * band + 1e-9 for ax in strips)
