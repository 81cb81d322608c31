"""Any run of an experiment is reproduced exactly by `bordersim run` with its recorded seed and overrides."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pandas as pd

from sim.cli import main
from sim.experiment.backends import SerialBackend
from sim.experiment.execute import run_experiment
from sim.experiment.spec import load_experiment

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "classroom.toml"


def test_recorded_command_reproduces_a_policy_run_exactly(tmp_path, capsys):
    spec = tmp_path / "exp.toml"
    spec.write_text(
        f"""
[experiment]
name = "repro"
scenario = "{SCENARIO}"
days = 3
replications = 2
root_seed = 99

[baseline]
"crossers.per_day" = 10.0

[policies.towers_and_sharing]
"surveillance.extra_towers.count" = 2
"agencies.sharing" = "full"
""",
        encoding="utf-8",
    )
    experiment = load_experiment(spec)
    out = tmp_path / "out"
    run_experiment(experiment, out, SerialBackend(), progress=False)
    runs = pd.read_parquet(out / "runs.parquet")
    row = runs[(runs["policy"] == "towers_and_sharing") & (runs["replication"] == 1)].iloc[0]
    assert row["status"] == "ok"

    policy = next(p for p in experiment.policies if p.name == "towers_and_sharing")
    command = experiment.reproduce_command(policy, {}, int(row["seed"]))
    words = shlex.split(command)
    assert words[:2] == ["bordersim", "run"]
    assert "crossers.per_day=10.0" in words and "surveillance.extra_towers.count=2" in words
    assert main([*words[1:], "--out", str(tmp_path / "again"), "--quiet"]) == 0
    capsys.readouterr()
    again = json.loads((tmp_path / "again" / "outcomes.json").read_text())
    for name in ("victims_recruited", "crossings_attempted", "interdictions", "detections", "cost", "court_backlog"):
        assert again[name] == row[name], f"{name}: experiment {row[name]}, bordersim run {again[name]}"
    assert again["seed"] == int(row["seed"])
    assert len(again["extra_tower_sites_km"]) == 2, "the sited towers are recorded with the run"
