"""The report follows legal delay along its chain: witnesses lost, victims testifying, pleas, convictions, days to
verdict and members at work, for each policy that changes the delay, with the paired difference, its interval and
p-values against the baseline.

A real experiment on a copy of the classroom scenario (so the delay settings are resolved from scenario files),
with stand-in runs whose paired changes are known.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiment.report import write_report
from sim.experiment.report.tables import DELAY_CHAIN, delay_chain, delay_settings
from sim.experiment.report.text import delay_cells, delay_text, format_number, format_p, signed
from sim.experiment.spec import Experiment, Policy
from sim.experiment.stats import summarise

CLASSROOM = Path(__file__).resolve().parent.parent / "scenarios" / "classroom.toml"
#: What a year-long procedure does to each step against a 30-day one, in the stand-in runs (a run's mean is 20).
SLOWER = {
    "witnesses_lost": 6.0,
    "witness_loss_share": 4.0,
    "victims_testifying": -8.0,
    "plea_share_of_convictions": 0.0,
    "convictions_for_trafficking": -5.0,
    "convictions_for_smuggling": -12.0,
    "days_to_disposition": 250.0,
    "days_to_verdict": 200.0,
    "accused_at_work": 15.0,
    "mean_active_members": 8.0,
    "network_active_members": 9.0,
}


def delay_experiment(tmp_path: Path) -> Experiment:
    """A 30-day procedure (baseline), a 365-day one, and a policy that leaves the courts alone."""
    base = {"legal.procedural_delay_days": 30}
    slow = {"legal.procedural_delay_days": 365}
    towers = {"patrols.count": 9}
    return Experiment(
        name="delay",
        description="",
        path=tmp_path / "delay.toml",
        scenario_path=CLASSROOM,
        days=30.0,
        replications=8,
        root_seed=3,
        outcomes=(*reversed(DELAY_CHAIN), "cost"),  # any order: the chain puts them in its own
        policies=(
            Policy("baseline", {}, base),
            Policy("slow", slow, {**base, **slow}),
            Policy("towers", towers, {**base, **towers}),
        ),
    )


def delay_runs(experiment: Experiment) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Eight paired replications: ``slow`` adds :data:`SLOWER` to each step (with a little noise), ``towers``
    changes nothing but noise."""
    rng = np.random.default_rng(11)
    rows = []
    for rep in range(8):
        base = {o: 20 + rng.normal(0, 3) for o in DELAY_CHAIN} | {"plea_share_of_convictions": 0.9, "cost": 1e7}
        rows.append({"policy": "baseline", "replication": rep, **base})
        slow = {o: base[o] + SLOWER[o] + rng.normal(0, 0.5) for o in DELAY_CHAIN if o != "plea_share_of_convictions"}
        rows.append({"policy": "slow", "replication": rep, **base, **slow, "plea_share_of_convictions": 0.9})
        towers = {o: base[o] + rng.normal(0, 0.5) for o in DELAY_CHAIN if o != "plea_share_of_convictions"}
        rows.append({"policy": "towers", "replication": rep, **base, **towers})
    runs = pd.DataFrame(rows).assign(status="ok", sweep_point=0)
    return runs, summarise(runs, experiment.policy_names, list(experiment.outcomes))


def paired_change(runs: pd.DataFrame, outcome: str, policy: str = "slow") -> float:
    mine = runs[runs["policy"] == policy].set_index("replication")[outcome]
    return float((mine - runs[runs["policy"] == "baseline"].set_index("replication")[outcome]).mean())


def test_only_a_policy_that_changes_the_delay_gets_a_chain_with_its_settings(tmp_path):
    experiment = delay_experiment(tmp_path)
    _, summary = delay_runs(experiment)
    settings = delay_settings(experiment, summary)
    assert set(settings["policy"]) == {"slow"}, "patrols do not change the legal delay"
    rows = settings.set_index("key")
    assert rows.loc["legal.procedural_delay_days", ["base_value", "policy_value"]].tolist() == [30, 365]
    assert rows.loc["legal.courts", "base_value"] == rows.loc["legal.courts", "policy_value"], "shown unchanged"


def test_the_delay_chain_is_the_statistics_tables_comparison_in_chain_order(tmp_path):
    experiment = delay_experiment(tmp_path)
    runs, summary = delay_runs(experiment)
    chain = delay_chain(summary, delay_settings(experiment, summary))
    assert list(chain["outcome"]) == list(DELAY_CHAIN) and list(chain["step"]) == list(range(1, len(DELAY_CHAIN) + 1))
    stats = summary[summary["policy"] == "slow"].set_index("outcome")
    for _, row in chain.iterrows():
        outcome = row["outcome"]
        assert row["diff"] == pytest.approx(paired_change(runs, outcome))
        for column in ("diff_ci_low", "diff_ci_high", "p_value", "p_holm", "verdict"):
            assert row[column] == stats.loc[outcome, column] or (
                pd.isna(row[column]) and pd.isna(stats.loc[outcome, column])
            ), (outcome, column)
        base = runs[runs["policy"] == "baseline"][outcome].mean()
        assert row["base_mean"] == pytest.approx(base)
    rows = chain.set_index("outcome")
    moved = [o for o in DELAY_CHAIN if o != "plea_share_of_convictions"]
    assert rows.loc[moved, "field_direction"].tolist() == [True] * len(moved), "a longer delay, the field's way"
    assert rows.loc[moved, "p_value"].max() < 0.001
    assert pd.isna(rows.loc["plea_share_of_convictions", "field_direction"]), "no stated direction"


def test_a_chain_against_the_field_says_so(tmp_path):
    experiment = delay_experiment(tmp_path)
    runs, _ = delay_runs(experiment)
    slow = runs["policy"] == "slow"
    runs.loc[slow, "network_active_members"] -= 2 * SLOWER["network_active_members"]  # fewer members at work
    summary = summarise(runs, experiment.policy_names, list(experiment.outcomes))
    settings = delay_settings(experiment, summary)
    chain = delay_chain(summary, settings)
    assert not chain.set_index("outcome").loc["network_active_members", "field_direction"]
    text = " ".join(delay_text(experiment, chain, settings))
    assert "legal.procedural_delay_days 30 → 365" in text, text
    assert "Against the direction delay moves them in the field: active network members." in text, text


def test_the_sentences_and_cells_quote_the_table(tmp_path):
    experiment = delay_experiment(tmp_path)
    _, summary = delay_runs(experiment)
    settings = delay_settings(experiment, summary)
    chain = delay_chain(summary, settings)
    text = " ".join(delay_text(experiment, chain, settings))
    testifying = chain.set_index("outcome").loc["victims_testifying"]
    for column in ("diff", "diff_ci_low", "diff_ci_high"):
        assert signed(testifying[column]) in text, (column, text)
    assert "No clear change at: plea share of convictions." in text, text
    cells = {c[0]: c for c in delay_cells(chain)}
    row = cells["victims testifying (people)"]
    assert row[1:3] == (format_number(testifying["base_mean"]), format_number(testifying["policy_mean"]))
    assert row[4:] == (format_p(testifying["p_value"]), format_p(testifying["p_holm"]), "yes")


def test_the_report_shows_the_delay_chain_in_both_formats(tmp_path):
    experiment = delay_experiment(tmp_path)
    runs, summary = delay_runs(experiment)
    html_path, md_path = write_report(experiment, tmp_path, runs, summary)
    written = pd.read_csv(tmp_path / "delay_chain.csv")
    expected = delay_chain(summary, delay_settings(experiment, summary))
    direction = "field_direction"  # True, False or empty: read back from CSV as objects with NaN
    pd.testing.assert_frame_equal(written.drop(columns=direction), expected.drop(columns=direction), check_dtype=False)
    assert [None if pd.isna(v) else bool(v) for v in written[direction]] == list(expected[direction])
    assert set(pd.read_csv(tmp_path / "delay_chain_settings.csv")["policy"]) == {"slow"}
    markdown, page = md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")
    title = "Legal delay along the chain: witnesses, pleas, convictions, members at work"
    assert f"## {title}" in markdown and f"<h2>{title}</h2>" in page
    lost = expected.set_index("outcome").loc["witnesses_lost"]
    row = f"| witnesses lost (cases) | {format_number(lost['base_mean'])} | {format_number(lost['policy_mean'])} |"
    assert row in markdown, markdown
    assert "### towers" not in markdown.split(f"## {title}")[1], "only policies that change the delay"


def test_no_delay_chain_without_a_policy_that_changes_the_delay(tmp_path):
    experiment = delay_experiment(tmp_path)
    runs, _ = delay_runs(experiment)
    experiment = dataclasses.replace(experiment, policies=experiment.policies[::2])
    runs = runs[runs["policy"] != "slow"]
    summary = summarise(runs, experiment.policy_names, list(experiment.outcomes))
    assert delay_settings(experiment, summary).empty and delay_chain(summary, delay_settings(experiment, summary)).empty
    _, md_path = write_report(experiment, tmp_path, runs, summary)
    assert "Legal delay along the chain" not in md_path.read_text(encoding="utf-8")


def test_a_step_undefined_in_some_runs_is_said_so_not_counted_as_no_change(tmp_path):
    """A 365-day procedure decides no case filed in a counted year, so its days to verdict are NaN: the text says
    the step is not defined, and does not list it among the steps with no clear change."""
    experiment = delay_experiment(tmp_path)
    runs, _ = delay_runs(experiment)
    runs.loc[runs["policy"] == "slow", "days_to_verdict"] = float("nan")
    summary = summarise(runs, experiment.policy_names, list(experiment.outcomes))
    settings = delay_settings(experiment, summary)
    chain = delay_chain(summary, settings)
    assert pd.isna(chain.set_index("outcome").loc["days_to_verdict", "diff"])
    text = " ".join(delay_text(experiment, chain, settings))
    assert "compared: days to verdict." in text and "Not defined in every run" in text, text
    assert "days to verdict" not in text.split("Not defined")[0], text
