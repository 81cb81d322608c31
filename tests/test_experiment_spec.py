"""Experiment files: every class of bad input is reported with file, key, value and what is allowed."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from sim.experiment.seeds import replication_seeds
from sim.experiment.spec import load_experiment
from sim.schema import InputError, parse_override

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"

VALID = f"""
[experiment]
name = "trial"
scenario = "{SCENARIO}"
days = 3
replications = 4
root_seed = 11
outcomes = ["interdictions", "cost"]

[baseline]
"patrols.count" = 4

[policies.more_towers]
"surveillance.extra_towers.count" = 2

[policies.sharing]
agencies.sharing = "full"

[sweep]
"crossers.per_day" = [2.0, 4.0]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(InputError) as info:
        load_experiment(write(tmp_path, text))
    return [str(p) for p in info.value.problems]


def test_valid_file_loads_with_baseline_first_and_crossed_sweep(tmp_path):
    exp = load_experiment(write(tmp_path, VALID))
    assert exp.name == "trial" and exp.replications == 4 and exp.days == 3
    assert exp.policy_names == ["baseline", "more_towers", "sharing"]
    assert exp.policy("sharing").overrides == {"patrols.count": 4, "agencies.sharing": "full"}  # unquoted dotted key
    assert exp.sweep_points() == [{"crossers.per_day": 2.0}, {"crossers.per_day": 4.0}]
    assert exp.outcomes == ("interdictions", "cost")
    assert exp.seeds() == replication_seeds(11, 4)
    assert len(set(exp.seeds())) == 4


def test_reproduce_command_gives_back_the_same_overrides(tmp_path):
    exp = load_experiment(write(tmp_path, VALID))
    point = exp.sweep_points()[1]
    words = shlex.split(exp.reproduce_command(exp.policy("sharing"), point, 123))
    assert words[:2] == ["bordersim", "run"] and Path(words[2]).resolve() == SCENARIO
    assert words[words.index("--seed") + 1] == "123"
    sets = dict(parse_override(words[i + 1]) for i, w in enumerate(words) if w == "--set")
    assert sets == exp.run_overrides(exp.policy("sharing"), point)


def test_unknown_key_with_suggestion(tmp_path):
    found = problems(tmp_path, VALID.replace("replications = 4", "replicatons = 4"))
    assert any("experiment.replicatons: unknown key; did you mean 'replications'" in p for p in found)
    assert any("experiment.replications: missing required key" in p for p in found)


def test_wrong_type_and_out_of_range(tmp_path):
    found = problems(tmp_path, VALID.replace("replications = 4", 'replications = "four"'))
    assert any("experiment.replications: given 'four' (str); allowed: a whole number >= 1" in p for p in found)
    found = problems(tmp_path, VALID.replace("replications = 4", "replications = 0"))
    assert any("experiment.replications: given 0, out of range" in p for p in found)
    found = problems(tmp_path, VALID.replace("days = 3", "days = -1"))
    assert any("experiment.days: given -1" in p for p in found)


def test_unknown_outcome_is_suggested(tmp_path):
    found = problems(tmp_path, VALID.replace('"interdictions", "cost"', '"interdiction", "cost"'))
    assert any(
        "experiment.outcomes[0]: given 'interdiction'" in p and "did you mean 'interdictions'" in p for p in found
    )


def test_policy_override_with_unknown_scenario_key_names_the_experiment_key(tmp_path):
    found = problems(tmp_path, VALID.replace("extra_towers.count", "extra_towers.cont"))
    assert found == [
        f'{tmp_path / "x.toml"}: policies.more_towers."surveillance.extra_towers.cont": '
        + found[0].split('"surveillance.extra_towers.cont": ', 1)[1]
    ]
    assert "unknown key; did you mean 'count'?" in found[0]


def test_policy_override_with_bad_value(tmp_path):
    found = problems(tmp_path, VALID.replace('"full"', '"fulll"'))
    assert any(
        "policies.sharing.\"agencies.sharing\": given 'fulll'" in p and "did you mean 'full'" in p for p in found
    )


def test_bad_sweep_and_baseline_values_are_blamed_on_their_section(tmp_path):
    found = problems(
        tmp_path, VALID.replace("[2.0, 4.0]", "[2.0, -4.0]").replace('"patrols.count" = 4', '"patrols.count" = -1')
    )
    assert any('sweep."crossers.per_day": given -4.0, out of range' in p for p in found)
    assert any('baseline."patrols.count": given -1, out of range' in p for p in found)


def test_sweep_must_be_a_non_empty_list_not_fixed_by_a_policy(tmp_path):
    found = problems(tmp_path, VALID.replace("[2.0, 4.0]", "[]"))
    assert any('sweep."crossers.per_day": given []' in p for p in found)
    text = VALID + '\n[policies.busy]\n"crossers.per_day" = 9.0\n'
    found = problems(tmp_path, text)
    assert any('policies.busy."crossers.per_day": this key is also varied by [sweep]' in p for p in found)


def test_missing_scenario_and_reserved_policy_name(tmp_path):
    found = problems(tmp_path, VALID.replace(str(SCENARIO), "nowhere.toml") + "\n[policies.baseline]\n")
    assert any("experiment.scenario: given 'nowhere.toml'; no such file" in p for p in found)
    assert any("policies.baseline: 'baseline' is the reference policy" in p for p in found)


def test_bad_name_and_run_function(tmp_path):
    text = VALID.replace('name = "trial"', 'name = "my trial/1"').replace(
        "root_seed = 11", 'root_seed = 11\nrun_function = "not a function"'
    )
    found = problems(tmp_path, text)
    assert any("experiment.name: given 'my trial/1'" in p for p in found)
    assert any("experiment.run_function: given 'not a function'; expected module:function" in p for p in found)


def test_malformed_toml_names_the_line(tmp_path):
    found = problems(tmp_path, "[experiment\nname = 1")
    assert len(found) == 1 and "malformed TOML" in found[0] and "line 1" in found[0]


def test_shipped_experiments_validate():
    root = Path(__file__).resolve().parents[1] / "experiments"
    for name in (
        "policy_comparison.toml",
        "displacement.toml",
        "data_sharing.toml",
        "legal_delay.toml",
        "predictability.toml",
    ):
        exp = load_experiment(root / name)
        assert exp.policies[0].name == "baseline" and len(exp.policies) >= 2
    # The two legal-delay experiments compare the same procedures on two scenarios.
    desert, nations = (load_experiment(root / n) for n in ("legal_delay.toml", "legal_delay_two_nations.toml"))
    assert desert.scenario_path.name == "desert_sector.toml" and nations.scenario_path.name == "two_nations.toml"
    assert [p.overrides for p in desert.policies] == [p.overrides for p in nations.policies]
    assert (desert.days, desert.warmup_days, desert.replications) == (nations.days, nations.warmup_days, 8)


def test_the_quick_demo_is_a_scaled_experiment_with_a_shorter_warm_up():
    """``bordersim demo --quick`` scales the demo's experiment: its own name (its own results folder), fewer
    replications and days, and at most :data:`sim.demo.QUICK_WARMUP_DAYS` of warm-up, all in its fingerprint."""
    from sim.demo import QUICK_WARMUP_DAYS

    full = load_experiment(Path(__file__).resolve().parents[1] / "experiments" / "policy_comparison.toml")
    assert full.warmup_days > QUICK_WARMUP_DAYS  # the courts' year
    same = full.scaled(replications=3, days=60, suffix="quick")
    assert (same.warmup_days, same.raw["experiment"]["warmup_days"]) == (full.warmup_days, full.warmup_days)
    quick = full.scaled(replications=3, days=60, suffix="quick", warmup_days=QUICK_WARMUP_DAYS)
    assert (quick.name, quick.replications, quick.days) == ("policy_comparison_quick", 3, 60)
    assert quick.warmup_days == quick.raw["experiment"]["warmup_days"] == QUICK_WARMUP_DAYS
    assert full.raw["experiment"]["warmup_days"] == full.warmup_days  # the original is left as it was
    assert "--warmup-days 60" in quick.reproduce_command(quick.policies[0], {}, 7)
