"""``bordersim optimize``: a toy problem with a known Pareto front run through the command, bad files refused with
their key, the budget probe, and a search killed outright (``kill -9``) and resumed giving the same front."""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.cli import main
from sim.metrics import OUTCOMES
from sim.optimize.spec import load_spec
from sim.schema import InputError
from tests.test_experiment_fakes import FakeResult
from tests.waits import wait_until

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "classroom.toml"

X, Y = "surveillance.false_alarm_dismissed_share", "victims.screening_training"


def toy_run(
    scenario: Any,
    overrides: Any = None,
    seed: int = 0,
    days: float | None = None,
    progress: bool = False,
    warmup_days: int | None = None,
):
    """Two objectives with a known front: cost = 10 + 100 x and crossings = 100 (1 - sqrt(x)) + 50 y
    + 5 (courts - 1) + 20 (sharing not "none"), plus noise common to every candidate of a replication. The
    Pareto set is y = 0, courts = 1, sharing = "none", x anywhere in [0, 1] within the budget."""
    o = dict(overrides or {})
    x, y = float(o[X]), float(o[Y])
    noise = float(np.random.default_rng(seed).normal(0.0, 0.5))
    crossings = 100 * (1 - math.sqrt(x)) + 50 * y + 5 * (o["legal.courts"] - 1) + 20 * (o["agencies.sharing"] != "none")
    outcomes: dict[str, Any] = {out.name: 0.0 for out in OUTCOMES}
    outcomes.update(cost=10 + 100 * x + noise, crossings_succeeded=crossings + noise)
    outcomes.update(seed=seed, scenario_hash="toy", version="0", extra_tower_sites_km=[], extra_tower_gains_km=[])
    return FakeResult(outcomes, [], [])


def slow_toy_run(*args: Any, **kwargs: Any):
    """``toy_run`` taking a fifth of a second, so a test can kill a search part-way."""
    import time

    time.sleep(0.2)
    return toy_run(*args, **kwargs)


def toy_spec(tmp_path: Path, *, budget: float = 90.0, run: str = "toy_run", extra: str = "", **size: int) -> Path:
    size = {"generations": 12, "population": 16, "replications": 2, "final_replications": 3, **size}
    text = f"""
[optimize]
name = "toy"
scenario = "{SCENARIO.as_posix()}"
objectives = ["cost", "crossings_succeeded"]
budget = {budget}
root_seed = 11
days = 5
warmup_days = 0
run_function = "tests.test_optimize:{run}"
final_front_max = 30
{chr(10).join(f"{k} = {v}" for k, v in size.items())}

[variables."{X}"]
low = 0.0
high = 1.0

[variables."{Y}"]
low = 0.0
high = 1.0

[variables."legal.courts"]
low = 1
high = 3
integer = true

[variables."agencies.sharing"]
choices = ["none", "delayed", "full"]
{extra}
"""
    path = tmp_path / "toy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _front(out: Path) -> list[dict[str, str]]:
    with (out / "front.csv").open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["non_dominated"] == "True"]


def test_the_toy_front_is_recovered(tmp_path, capsys):
    spec = toy_spec(tmp_path)
    out = tmp_path / "out"
    assert main(["optimize", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    front = _front(out)
    assert len(front) >= 5
    xs = sorted(float(r[X]) for r in front)
    for row in front:  # the Pareto set: y near 0, one court, no sharing, within budget
        assert float(row[Y]) < 0.1 and row["legal.courts"] == "1" and row["agencies.sharing"] == "none"
        assert float(row["cost"]) <= 90.0
        x = float(row[X])
        # on the known front (the replications' common noise shifts both objectives alike)
        assert float(row["crossings_succeeded"]) - float(row["cost"]) == pytest.approx(
            100 * (1 - math.sqrt(x)) + 50 * float(row[Y]) - 10 - 100 * x, abs=1e-6
        )
    assert xs[0] < 0.05 and xs[-1] > 0.6, xs  # it spans the front, up to the budget (x <= 0.8)
    knee = [r for r in front if r["knee"] == "True"]
    assert len(knee) == 1
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## The knee" in report and "smallest sum of scaled objectives" in report
    assert (out / "report.html").read_text(encoding="utf-8").count("<tr>") == len(front) + 1
    assert (out / "front.png").stat().st_size > 0
    evaluations = list(csv.DictReader((out / "evaluations.csv").open(encoding="utf-8")))
    assert evaluations[0][X] == "0.0" and evaluations[0]["generation"] == "0"  # the budget probe comes first
    assert "(knee)" in capsys.readouterr().out


def test_validate_accepts_the_shipped_budget_search(capsys):
    assert main(["validate", str(ROOT / "experiments" / "budget.toml")]) == 0
    assert "optimisation 'budget'" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        (lambda t: t.replace(f'[variables."{Y}"]', '[variables."victims.screening_trainin"]'), "victims", "unknown"),
        (lambda t: t.replace("high = 3", "high = 1"), 'variables."legal.courts"', "empty bounds: low 1, high 1"),
        (lambda t: t.replace('"crossings_succeeded"]', '"crossings_succeded"]'), "optimize.objectives", "allowed"),
        (lambda t: t.replace('"crossings_succeeded"]', '"crossings_attempted"]'), "optimize.objectives", "neither"),
        (lambda t: t.replace('choices = ["none", "delayed", "full"]', 'choices = ["none", "al"]'), "sharing", "al"),
        (lambda t: t.replace("final_replications = 3", "final_replications = 1"), "final_replications", "at least"),
    ],
)
def test_bad_files_are_refused_naming_the_file_and_key(tmp_path, edit, key, message):
    path = toy_spec(tmp_path)
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_spec(path)
    text = str(caught.value)
    assert text.startswith(str(path)) and key in text and message in text, text


def test_a_budget_below_the_cheapest_candidate_stops_before_the_search(tmp_path, capsys):
    spec = toy_spec(tmp_path, budget=5.0)
    assert main(["optimize", str(spec), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{spec}: optimize.budget: given 5, below the cheapest candidate" in err and "allowed: at least" in err
    assert len(list((tmp_path / "out" / "runs").glob("*.json"))) == 2  # the probe's runs alone


@pytest.mark.slow
def test_kill_9_and_resume_give_the_front_of_an_uninterrupted_search(tmp_path, capsys):
    size = {"generations": 4, "population": 8}
    whole = tmp_path / "whole"
    spec = toy_spec(tmp_path, run="slow_toy_run", **size)
    assert main(["optimize", str(spec), "--out", str(whole), "--workers", "2", "--quiet"]) == 0
    capsys.readouterr()

    killed = tmp_path / "killed"
    argv = [sys.executable, "-m", "sim.cli", "optimize", str(spec), "--out", str(killed), "--workers", "2"]
    err_path = tmp_path / "stderr.txt"
    with err_path.open("w", encoding="utf-8") as err:
        # In a session of its own, so that the kill takes its worker processes too.
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=tmp_path,
            start_new_session=True,
        )
        try:
            wait_until(
                lambda: len(list((killed / "runs").glob("*.json"))) >= 20,
                "twenty runs on disk (past the first generation)",
                proc,
                lambda: err_path.read_text(encoding="utf-8"),
            )
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL and not (killed / "front.csv").exists()
    assert main(["optimize", str(spec), "--out", str(killed), "--workers", "1", "--quiet", "--resume"]) == 0
    for name in ("front.csv", "evaluations.csv"):
        assert (killed / name).read_text(encoding="utf-8") == (whole / name).read_text(encoding="utf-8")
    manifest = json.loads((killed / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["resumed"]
