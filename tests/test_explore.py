"""``bordersim explore``: designs and indices recover known answers, PRIM finds a planted box, bad files get clear
errors, and an exploration killed part-way resumes to the same indices."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.experiment.backends import SerialBackend
from sim.experiment.spec import load_experiment
from sim.explore.analysis import discover, indices, point_outcomes
from sim.explore.design import make_design
from sim.explore.execute import run_exploration
from sim.explore.report import write_report
from sim.explore.spec import Condition, Discovery, load_exploration
from sim.schema import InputError
from tests.waits import wait_until

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.toml"
#: Three scenario keys whose schema allows [0, 1]: the Ishigami function's inputs, rescaled to [-pi, pi].
UNIT_KEYS = ("victims.screening_training", "agencies.share_fraction", "checkpoints.screening_share")


def exploration_file(
    tmp_path: Path, ranges: str, *, method: str = "morris", size: int = 4, extra: str = "", **kw
) -> Path:
    """An exploration of the classroom scenario (short runs) with the given ranges and extra tables."""
    run_function = kw.get("run_function", "sim.runner:run")
    outcomes = kw.get("outcomes", '["crossings_attempted", "cost"]')
    policies = kw.get("policies", '[policies.more_patrols]\n"patrols.count" = 8\n')
    text = f"""
[experiment]
name = "toy"
scenario = "{CLASSROOM}"
days = {kw.get("days", 3)}
warmup_days = 0
replications = 1
root_seed = 3
outcomes = {outcomes}
run_function = "{run_function}"

{policies}

[uncertainties]
method = "{method}"
size = {size}

[uncertainties.ranges]
{ranges}
{extra}
"""
    path = tmp_path / kw.get("file", "explore.toml")
    path.write_text(text, encoding="utf-8")
    return path


def ishigami(u: np.ndarray) -> np.ndarray:
    """The Ishigami function (a = 7, b = 0.1) of inputs on [0, 1] rescaled to [-pi, pi]."""
    x = -math.pi + 2 * math.pi * u
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def unit_ranges() -> str:
    return "\n".join(f'"{k}" = [0.0, 1.0]' for k in UNIT_KEYS)


def test_sobol_recovers_the_ishigami_indices(tmp_path):
    exploration = load_exploration(exploration_file(tmp_path, unit_ranges(), method="sobol", size=2048))
    design = make_design(exploration)
    found = indices("sobol", design, ishigami(design.raw), seed=1).set_index("parameter")
    s1, st = found.loc[list(UNIT_KEYS), "S1"].to_numpy(), found.loc[list(UNIT_KEYS), "ST"].to_numpy()
    assert np.allclose(s1, [0.314, 0.442, 0.0], atol=0.04), s1
    assert np.allclose(st, [0.558, 0.442, 0.244], atol=0.04), st
    assert list(found.sort_values("rank").index) == list(UNIT_KEYS)


def test_morris_recovers_ishigami_and_linear_answers(tmp_path):
    """On Ishigami x3 acts only through its interaction with x1: its signed mean effect is near zero against a
    large spread. On a linear function mu* is exactly |slope| x range, with no spread."""
    exploration = load_exploration(exploration_file(tmp_path, unit_ranges(), size=200))
    design = make_design(exploration)
    found = indices("morris", design, ishigami(design.raw), seed=1).set_index("parameter")
    x3 = found.loc[UNIT_KEYS[2]]
    assert abs(x3["mu"]) < 0.25 * x3["mu_star"] and x3["sigma"] > x3["mu_star"]
    assert (found["mu_star"] > 1).all()
    linear = 3 * design.raw[:, 0] - 0.5 * design.raw[:, 1]
    found = indices("morris", design, linear, seed=1).set_index("parameter")
    assert np.allclose(found.loc[list(UNIT_KEYS), "mu_star"], [3, 0.5, 0], atol=1e-9)
    assert np.allclose(found["sigma"], 0, atol=1e-9)


def test_a_key_that_does_nothing_gets_no_effect_on_a_bordersim_scenario(tmp_path):
    """Through the whole command's path on the classroom scenario: the patrols' hourly cost enters the cost alone,
    so its mu* on the crossings attempted is exactly zero (common seeds), and not on the cost; a whole-number key
    is rounded to whole numbers for its runs."""
    ranges = '"patrols.cost_per_hour" = [10, 100]\n"crossers.per_day" = [1.0, 6.0]\n"patrols.count" = [2, 6]'
    exploration = load_exploration(exploration_file(tmp_path, ranges, policies=""))
    result = run_exploration(exploration, tmp_path / "out", SerialBackend(), progress=False)
    assert result.failed == 0 and result.total == 4 * 4
    samples = pd.read_parquet(tmp_path / "out" / "samples.parquet")
    assert pd.api.types.is_integer_dtype(samples["patrols.count"])
    write_report(exploration, result)
    table = pd.read_csv(tmp_path / "out" / "indices.csv").set_index(["subject", "outcome", "parameter"])
    assert table.loc[("baseline", "crossings_attempted", "patrols.cost_per_hour"), "mu_star"] == 0
    assert table.loc[("baseline", "crossings_attempted", "crossers.per_day"), "mu_star"] > 0
    assert table.loc[("baseline", "cost", "patrols.cost_per_hour"), "mu_star"] > 0
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "mu*" in report and "Convergence" in report and "(explore_indices_baseline.png)" in report


def test_prim_finds_a_planted_box():
    rng = np.random.default_rng(4)
    x = pd.DataFrame(rng.uniform(0, 1, size=(600, 3)), columns=["a", "b", "c"])
    x["d"] = rng.integers(0, 10, size=600)  # a whole-number key
    holds = ((x["a"] > 0.2) & (x["a"] < 0.5) & (x["b"] > 0.6)).to_numpy()
    condition = Condition("a test", "cost", "baseline", "level", 1, 0.0)
    found = discover(Discovery(condition, threshold=0.9), x, holds, {**dict.fromkeys("abc", (0.0, 1.0)), "d": (0, 9)})
    first = found.boxes.iloc[0]
    assert first["density"] >= 0.9 and first["coverage"] >= 0.8
    limits = found.limits[found.limits["box"] == 1].set_index("parameter")
    assert set(limits.index) == {"a", "b"}
    assert abs(limits.loc["a", "low"] - 0.2) < 0.05 and abs(limits.loc["a", "high"] - 0.5) < 0.05
    assert 0.5 < limits.loc["b", "low"] < 0.65
    assert len(found.boxes) == 1, "no second dense box: the points outside hold almost no case"


def test_robustness_counts_where_a_policy_helps_and_its_regret(tmp_path):
    """Policy robustness on the classroom: more patrols cost more on every point (lower cost is better: it never
    helps, its regret is the extra cost), and the report names where it stops working."""
    ranges = '"crossers.per_day" = [1.0, 10.0]\n"patrols.cost_per_hour" = [10, 100]'
    outcomes = '["cost", "apprehension_rate"]'
    exploration = load_exploration(exploration_file(tmp_path, ranges, outcomes=outcomes, days=5))
    result = run_exploration(exploration, tmp_path / "out", SerialBackend(), progress=False)
    report = write_report(exploration, result)
    rate = report.robustness.set_index(["policy", "outcome"]).loc[("more_patrols", "apprehension_rate")]
    assert 0 < rate["share_helps"] < 1, "more patrols help on busy points only"
    cost = report.robustness.set_index(["policy", "outcome"]).loc[("more_patrols", "cost")]
    assert cost["share_helps"] == 0 and cost["share_raises"] == 1
    assert cost["mean_regret"] == pytest.approx(cost["mean_effect"])
    assert "Where this policy stops working" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("ranges", "extra", "method", "key", "says"),
    [
        ('"patrols.speed_kmhh" = [1, 2]', "", "morris", 'uncertainties.ranges."patrols.speed_kmhh"', "close matches"),
        ('"patrols.capture_probability" = [0.5, 1.5]', "", "morris", "capture_probability", "allowed: a number >= 0"),
        ('"crossers.per_day" = [5, 5]', "", "morris", 'ranges."crossers.per_day"', "empty range"),
        ('"patrols.strategy" = [1, 2]', "", "morris", 'ranges."patrols.strategy"', "not a numeric key"),
        ('"patrols.count" = [2.5, 6]', "", "morris", 'ranges."patrols.count"', "whole numbers"),
        ('"crossers.per_day" = [1, 5]', "", "fast", "uncertainties.method", "allowed: one of morris, sobol, lhs"),
        (
            '"crossers.per_day" = [1, 5]',
            '[discovery]\ncondition = "more_towers raises cost"',
            "lhs",
            "discovery.condition",
            "not a policy of this file (allowed: baseline, more_patrols)",
        ),
        (
            '"crossers.per_day" = [1, 5]',
            '[discovery]\ncondition = "more_patrols raises costs"',
            "lhs",
            "discovery.condition",
            "close matches: cost",
        ),
        (
            '"crossers.per_day" = [1, 5]',
            '[discovery]\ncondition = "cost is high"',
            "lhs",
            "discovery.condition",
            "forms",
        ),
        ('"crossers.per_day" = [1, 5]', '[discovery]\ncondition = "cost above 3"', "morris", "discovery", "lhs"),
    ],
)
def test_bad_explorations_get_one_clear_line_naming_the_file_and_key(
    tmp_path, capsys, ranges, extra, method, key, says
):
    path = exploration_file(tmp_path, ranges, method=method, extra=extra)
    with pytest.raises(InputError) as caught:
        load_exploration(path)
    lines = [str(p) for p in caught.value.problems]
    assert any(line.startswith(f"{path}: ") and key in line and says in line for line in lines), lines
    assert main(["validate", str(path)]) == 2
    out = capsys.readouterr().out
    assert says in out and "Traceback" not in out


def test_a_policy_may_not_fix_a_varied_key_and_experiment_refuses_an_exploration(tmp_path):
    path = exploration_file(tmp_path, '"patrols.count" = [2, 6]')
    with pytest.raises(InputError, match=r'policies.more_patrols."patrols.count": this key is varied'):
        load_exploration(path)
    path = exploration_file(tmp_path, '"crossers.per_day" = [1, 5]')
    with pytest.raises(InputError, match="run it with bordersim explore"):
        load_experiment(path)
    assert main(["validate", str(path)]) == 0


def test_killed_exploration_resumes_to_the_same_indices(tmp_path):
    ranges = '"crossers.per_day" = [1.0, 6.0]\n"patrols.cost_per_hour" = [10, 100]'
    slow = exploration_file(tmp_path, ranges, run_function="tests.test_experiment_fakes:slow_run", policies="")
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "sim.cli", "explore", str(slow), "--workers", "1", "--out", str(out), "--quiet"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_until(lambda: len(list((out / "parts").glob("*.run.parquet"))) >= 4, "four finished runs", proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(list((out / "parts").glob("*.run.parquet")))
    assert 4 <= done < 12 and not (out / "indices.csv").exists(), "the exploration must be killed part-way"
    assert main(["explore", str(slow), "--workers", "1", "--out", str(out), "--resume", "--quiet"]) == 0

    whole = tmp_path / "whole"  # the same outcomes, without the wait
    fast = exploration_file(
        tmp_path, ranges, run_function="tests.test_experiment_fakes:fake_run", policies="", file="fast.toml"
    )
    assert main(["explore", str(fast), "--workers", "1", "--out", str(whole), "--quiet"]) == 0
    for table in ("indices.csv", "agreement.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(out / table), pd.read_csv(whole / table))
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == len(set(zip(runs["policy"], runs["sweep_point"], strict=True))) == 12
    assert len(point_outcomes(runs, ["cost"])) == 12


def test_ctrl_c_stops_an_exploration_cleanly_and_says_how_to_finish(tmp_path):
    ranges = '"crossers.per_day" = [1.0, 6.0]\n"patrols.cost_per_hour" = [10, 100]'
    slow = exploration_file(tmp_path, ranges, run_function="tests.test_experiment_fakes:slow_run")
    out = tmp_path / "interrupted"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "sim.cli", "explore", str(slow), "--workers", "2", "--out", str(out)]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: len(list((out / "parts").glob("*.run.parquet"))) >= 2, "two finished runs", proc)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr[-2000:]
    assert "explore" in stderr and "--resume" in stderr and "Traceback" not in stderr, stderr[-2000:]


def test_distributions_and_whole_numbers_stay_in_their_ranges(tmp_path):
    ranges = (
        '"crossers.per_day" = { low = 1, high = 20, dist = "logunif" }\n'
        '"traffickers.fee" = { low = 1000, high = 3000, dist = "triang", peak = 0.25 }\n'
        "patrols.count = [2, 6]\n"
    )
    exploration = load_exploration(exploration_file(tmp_path, ranges, method="lhs", size=400, policies=""))
    samples = make_design(exploration).samples
    assert samples["crossers.per_day"].between(1, 20).all() and samples["crossers.per_day"].median() < 7
    assert samples["traffickers.fee"].between(1000, 3000).all() and samples["traffickers.fee"].median() < 2000
    assert set(samples["patrols.count"]) == {2, 3, 4, 5, 6}
    assert exploration.runs_count() == 400


def test_discovery_runs_through_the_command_and_reports_its_boxes(tmp_path):
    ranges = '"crossers.per_day" = [1.0, 6.0]\n"patrols.cost_per_hour" = [10, 100]'
    extra = '[discovery]\ncondition = "more_patrols raises cost"'
    spec = exploration_file(
        tmp_path, ranges, method="lhs", size=40, extra=extra, run_function="tests.test_experiment_fakes:fake_run"
    )
    assert main(["explore", str(spec), "--workers", "1", "--out", str(tmp_path / "out"), "--quiet"]) == 0
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "## Scenario discovery" in report and "(explore_discovery.png)" in report
    boxes = pd.read_csv(tmp_path / "out" / "discovery_boxes.csv")
    assert len(boxes) >= 1 and set(boxes.columns) >= {"coverage", "density", "mass", "restricted"}
    assert not (tmp_path / "out" / "indices.csv").exists()  # a Latin hypercube gives no Morris or Sobol indices


def test_sobol_runs_through_the_command_with_its_indices_figures_and_convergence(tmp_path):
    ranges = '"crossers.per_day" = [1.0, 6.0]\n"patrols.cost_per_hour" = [10, 100]'
    spec = exploration_file(
        tmp_path, ranges, method="sobol", size=8, run_function="tests.test_experiment_fakes:fake_run"
    )
    assert main(["explore", str(spec), "--workers", "1", "--out", str(tmp_path / "out"), "--quiet"]) == 0
    table = pd.read_csv(tmp_path / "out" / "indices.csv")
    assert {"S1", "S1_conf", "ST", "ST_conf", "rank"} <= set(table.columns)
    assert set(table["subject"]) == {"baseline", "more_patrols", "more_patrols - baseline"}
    assert len(pd.read_parquet(tmp_path / "out" / "samples.parquet")) == 8 * (2 + 2)
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "Sobol indices" in report and "(explore_indices_more_patrols_vs_baseline.png)" in report
