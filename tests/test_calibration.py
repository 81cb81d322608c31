"""``bordersim calibrate``: the targets file's validation, the objective, recovery of a known parameter value,
and a search killed outright (``kill -9``) and resumed giving exactly the result of an uninterrupted one."""

from __future__ import annotations

import csv
import json
import math
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.calibration.search import (
    UNDEFINED_MISS,
    Settings,
    best_trial,
    jackknife_se,
    leave_one_out,
    objective,
    target_values,
)
from sim.calibration.targets import Target, load_targets
from sim.cli import main
from sim.experiment.seeds import replication_seeds
from sim.runner import run
from tests.test_references import entries
from tests.waits import wait_until

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "classroom.toml"
TINY = ROOT / "tests" / "data" / "calibration_tiny.toml"
FIELD = ROOT / "calibration" / "field_targets.toml"
KEY = "patrols.detection_rate_per_hour"

GOOD_TARGET = """
[[targets]]
name = "apprehension"
outcome = "apprehension_rate"
value = 0.2
tolerance = 0.03
source = "Massey & Singer 1995"
"""
GOOD_PARAMETERS = """
[parameters]
"patrols.detection_rate_per_hour" = { low = 0.5, high = 6.0 }
"""


def _write(tmp_path: Path, text: str, name: str = "targets.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the targets file --------------------------------------------------------------------------------------


def test_the_shipped_targets_files_load_and_cite_sources_listed_in_the_references():
    refs = " ".join(entries())
    for path in (FIELD, TINY):
        targets = load_targets(path)
        assert targets.targets and targets.parameters
    field = load_targets(FIELD)
    for target in [*field.targets, *field.pending]:
        # the first cited work of each source: its first word (author or body) must have an entry
        first = re.split(r"[,(;]", target.source)[0].split()[0].replace("&", "")
        assert first in refs, f"{target.name}: source {target.source!r} has no entry in docs/references.md"
    pending = {p.outcome for p in field.pending}
    assert "remote_share_of_death_rise" in pending
    fitted = {t.outcome for t in field.targets}
    assert {"known_apprehended_share", "turned_back_share", "got_away_share", "sector_apprehension_share"} <= fitted
    durations = {f"median_days_to_disposition_{c}" for c in ("trafficking", "smuggling", "plea", "trial")}
    assert durations <= fitted, "the durations the courts report are compared with the field's"
    relative = [t for t in field.targets if t.relative_to]
    assert {t.outcome for t in relative} >= {"mean_fee", "people_taken_on", "exposure_death_risk"}


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        (
            GOOD_TARGET + '[parameters]\n"patrols.detection_rat_per_hour" = { low = 0.5, high = 6.0 }\n',
            "parameters.patrols.detection_rat_per_hour",
            ["not a scenario key", "close matches: patrols.detection_rate_per_hour"],
        ),
        (
            GOOD_TARGET + '[parameters]\n"crossers.retry_probability" = { low = 0.5, high = 1.5 }\n',
            "parameters.crossers.retry_probability",
            ["outside the key's bounds", ">= 0 and <= 1"],
        ),
        (
            GOOD_TARGET + '[parameters]\n"patrols.detection_rate_per_hour" = { low = 2.0, high = 2.0 }\n',
            "parameters.patrols.detection_rate_per_hour",
            ["empty range", "low (2) must be below high (2)"],
        ),
        (
            GOOD_TARGET + '[parameters]\n"patrols.strategy" = { low = 0, high = 1 }\n',
            "parameters.patrols.strategy",
            ["not a numeric key"],
        ),
        (
            GOOD_TARGET.replace('source = "Massey & Singer 1995"\n', "") + GOOD_PARAMETERS,
            "targets[0] (apprehension).source",
            ["missing: the source"],
        ),
        (
            GOOD_TARGET.replace('"apprehension_rate"', '"aprehension_rate"') + GOOD_PARAMETERS,
            "targets[0] (apprehension).outcome",
            ["not an outcome of sim/metrics.py", "close matches: apprehension_rate"],
        ),
        (
            GOOD_TARGET + "toleranse = 0.1\n" + GOOD_PARAMETERS,
            "targets[0] (apprehension).toleranse",
            ["unknown key", "tolerance"],
        ),
        ("colour = 'red'\n" + GOOD_TARGET + GOOD_PARAMETERS, "colour", ["unknown key"]),
        (
            GOOD_TARGET + 'policy = { "patrols.cont" = 3 }\nrelative_to = "baseline"\n' + GOOD_PARAMETERS,
            "targets[0] (apprehension).policy.patrols.cont",
            ["not a scenario key", "patrols.count"],
        ),
        (
            GOOD_TARGET + 'relative_to = "baseline"\n' + GOOD_PARAMETERS,
            "targets[0] (apprehension).relative_to",
            ["needs the policy"],
        ),
        (
            GOOD_TARGET + GOOD_PARAMETERS + '"patrols.count" = { low = 2.5, high = 6 }\n',
            "parameters.patrols.count",
            ["whole numbers"],
        ),
    ],
)
def test_a_bad_targets_file_is_refused_naming_the_file_and_key(tmp_path, capsys, text, key, words):
    path = _write(tmp_path, text)
    status = main(
        ["calibrate", str(SCENARIO), str(path), "--budget", "1", "--settle-days", "0", "--out", str(tmp_path / "out")]
    )
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err
    line = next((x for x in err.splitlines() if f"{path}: {key}:" in x), None)
    assert line is not None, err
    for word in words:
        assert word in line, line
    assert not (tmp_path / "out").exists()


def test_a_policy_value_the_scenario_refuses_is_reported_before_any_run(tmp_path, capsys):
    path = _write(tmp_path, GOOD_TARGET + 'policy = { "ports[5].lanes" = 2 }\n' + GOOD_PARAMETERS)
    assert main(["calibrate", str(SCENARIO), str(path), "--budget", "1", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "policy of" in err and "ports[5]" in err and "out of range" in err


def test_the_command_line_refuses_a_bad_targets_file_without_a_traceback(tmp_path):
    path = _write(tmp_path, GOOD_TARGET.replace('source = "Massey & Singer 1995"\n', "") + GOOD_PARAMETERS)
    done = subprocess.run(
        [sys.executable, "-m", "sim.cli", "calibrate", str(SCENARIO), str(path), "--budget", "2"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "missing: the source" in done.stderr


# -- the objective ------------------------------------------------------------------------------------------------


def _target(**kw) -> Target:
    base = {"name": "t", "outcome": "mean_fee", "low": 90.0, "high": 110.0, "tolerance": 10.0, "source": "s"}
    return Target(**{**base, **kw})


def test_the_objective_counts_misses_outside_the_interval_in_tolerances_and_compares_paired_runs():
    inside, above = _target(name="inside"), _target(name="above", weight=2.0)
    values = {"inside": np.array([95.0, 105.0]), "above": np.array([130.0, 130.0])}
    assert objective((inside, above), values) == pytest.approx(2.0 * 2.0**2)
    assert objective((_target(),), {"t": np.array([math.nan, math.nan])}) == UNDEFINED_MISS**2
    ratio = _target(policy={"patrols.count": 3}, relative_to="baseline", low=1.1, high=1.3, tolerance=0.1)
    runs = {
        "baseline": [{"status": "ok", "mean_fee": 100.0}, {"status": "ok", "mean_fee": 0.0}],
        ratio.variant: [{"status": "ok", "mean_fee": 120.0}, {"status": "ok", "mean_fee": 50.0}],
    }
    assert target_values(ratio, runs)[0] == pytest.approx(1.2) and math.isnan(target_values(ratio, runs)[1])
    diff = _target(policy={"patrols.count": 3}, relative_to="baseline", compare="difference")
    assert list(target_values(diff, runs)) == [20.0, 50.0]
    # the jackknife: leaving either replication out moves the mean across the interval's edge
    replicates = leave_one_out((inside,), {"inside": np.array([80.0, 100.0])}, 2)
    assert replicates == [0.0, 1.0]
    assert jackknife_se(replicates) == pytest.approx(math.sqrt(0.5 * 2 * 0.5**2))


# -- the search --------------------------------------------------------------------------------------------------


def _history(out: Path) -> list[dict[str, str]]:
    with (out / "history.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_calibration_recovers_a_known_detection_rate_within_its_identified_set(tmp_path, capsys):
    """The target is the model's own apprehension rate at a known detection rate, on the seeds the search uses:
    the fit finds the rate, and the identified set (the trials within the noise of the best) contains it."""
    true_rate, replications, days, seed = 1.5, 4, 45, 3
    seeds = replication_seeds(seed, replications)
    simulated = [run(SCENARIO, {KEY: true_rate}, seed=s, days=days).outcomes["apprehension_rate"] for s in seeds]
    target = float(np.mean(simulated))
    path = _write(
        tmp_path,
        GOOD_TARGET.replace("value = 0.2", f"value = {target!r}").replace("0.03", "0.025")
        + f'[parameters]\n"{KEY}" = {{ low = 0.3, high = 7.5, log = true }}\n',
    )
    out = tmp_path / "out"
    argv = ["calibrate", str(SCENARIO), str(path), "--budget", "14", "--replications", str(replications)]
    argv += ["--days", str(days), "--seed", str(seed), "--workers", "1", "--out", str(out), "--quiet"]
    argv += ["--settle-days", "40"]
    assert main(argv) == 0
    rows = {r["parameter"]: r for r in csv.DictReader((out / "identification.csv").open(encoding="utf-8"))}
    best, low, high = (float(rows[KEY][k]) for k in ("best", "set_low", "set_high"))
    assert low <= true_rate <= high, rows[KEY]
    assert abs(math.log(best / true_rate)) < math.log(2.0), rows[KEY]
    fit = next(csv.DictReader((out / "fit.csv").open(encoding="utf-8")))
    assert fit["met"] == "True"
    # the calibrated scenario runs, with the best value applied
    from sim.scenario import load_scenario

    assert load_scenario(out / "calibrated.toml").spec.patrols.detection_rate_per_hour == pytest.approx(best)
    report = (out / "fit_report.md").read_text(encoding="utf-8")
    assert "Massey & Singer 1995" in report and (out / "history.png").stat().st_size > 0
    # how long the calibrated scenario's outcomes take to settle (MSER-5 over 40 days on the first 4 seeds)
    assert "## How long the outcomes take to settle" in report and "recommended time.warmup_days" in report
    assert (out / "settling.txt").read_text(encoding="utf-8").startswith("MSER-5 on calibrated")


def _calibrate_argv(out: Path, workers: int, *extra: str, budget: int = 6) -> list[str]:
    argv = ["calibrate", str(SCENARIO), str(TINY), "--budget", str(budget), "--replications", "2", "--days", "20"]
    return [*argv, "--seed", "5", "--workers", str(workers), "--out", str(out), "--settle-days", "0", *extra]


def test_kill_9_and_resume_give_the_result_of_an_uninterrupted_search(tmp_path, capsys):
    whole = tmp_path / "whole"
    assert main(_calibrate_argv(whole, 1, "--quiet")) == 0
    capsys.readouterr()

    killed = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "sim.cli", *_calibrate_argv(killed, 2)]
    err_path = tmp_path / "stderr.txt"
    with err_path.open("w", encoding="utf-8") as err:
        # In a session of its own, so that the kill takes its worker processes too, as a kill of the whole job
        # would (a kill of the parent alone would leave them running after the test).
        proc = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=tmp_path, start_new_session=True
        )
        try:
            wait_until(
                (killed / "trials" / "trial-00001.json").exists,
                "two trials on disk",
                proc,
                lambda: err_path.read_text(encoding="utf-8"),
            )
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    on_disk = sorted(p.name for p in (killed / "trials").glob("trial-*.json"))
    assert len(on_disk) >= 2 and not (killed / "history.csv").exists()
    assert proc.returncode == -signal.SIGKILL

    assert main(_calibrate_argv(killed, 1, "--quiet", "--resume")) == 0
    assert _history(killed) == _history(whole)
    from sim.calibration.search import read_trials

    assert [_comparable(t) for t in read_trials(killed)] == [_comparable(t) for t in read_trials(whole)]
    assert (killed / "calibrated.toml").read_text(encoding="utf-8") == (whole / "calibrated.toml").read_text(
        encoding="utf-8"
    )
    report = (killed / "fit_report.md").read_text(encoding="utf-8")
    assert "## Not calibrated (pending)" in report and "| desert_deaths | remote_share_of_death_rise | 0.75 |" in report
    manifest = json.loads((killed / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["resumed"] and manifest["seeds"] == replication_seeds(5, 2)


def test_an_output_folder_with_results_needs_resume_and_the_same_calibration(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(_calibrate_argv(out, 1, "--quiet", budget=2)) == 0
    capsys.readouterr()
    assert main(_calibrate_argv(out, 1, "--quiet")) == 2
    assert "go on with --resume" in capsys.readouterr().err
    other = [*_calibrate_argv(out, 1, "--quiet", "--resume")]
    other[other.index("--seed") + 1] = "6"
    assert main(other) == 2
    assert "holds another calibration" in capsys.readouterr().err
    # a larger budget on resume goes on from the trials on disk
    assert main(_calibrate_argv(out, 1, "--quiet", "--resume")) == 0
    assert [r["trial"] for r in _history(out)] == [str(i) for i in range(6)]


def test_cmaes_sampler_proposes_reproducibly(tmp_path):
    """CMA-ES keeps its state in the trials' records; rebuilt from them, it proposes the same trials again."""
    from sim.calibration.search import calibrate, propose, read_trials
    from sim.experiment.backends import SerialBackend

    text = GOOD_TARGET + GOOD_PARAMETERS + '"crossers.retry_probability" = { low = 0.1, high = 0.9 }\n'
    targets = load_targets(_write(tmp_path, text))
    settings = Settings(SCENARIO, targets, budget=4, replications=1, days=5, seed=1, sampler="cmaes")
    trials = calibrate(settings, tmp_path / "out", SerialBackend(), progress=False)
    assert best_trial(trials) is not None
    again = read_trials(tmp_path / "out")
    for k in range(4):
        assert propose(settings, again[:k])[0] == trials[k]["params"]


def test_sigterm_stops_the_search_cleanly_and_says_how_to_resume(tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    err_path = tmp_path / "stderr.txt"
    with err_path.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", *_calibrate_argv(out, 2, budget=50)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
            cwd=tmp_path,
        )
        try:
            wait_until(
                (out / "trials" / "trial-00000.json").exists,
                "a trial on disk",
                proc,
                lambda: err_path.read_text(encoding="utf-8"),
            )
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    text = err_path.read_text(encoding="utf-8")
    assert proc.returncode == 143, text
    assert "interrupted (SIGTERM); finished trials are saved" in text and "--resume" in text
    assert "Traceback" not in text


def test_identification_judges_the_trials_within_the_noise_of_the_best_on_paired_replications():
    """The identified set compares distances (square roots of objectives) replication by replication; its spread
    is a share of the searched range; too small a set is undetermined."""
    from sim.calibration.report import identification, identified_set
    from sim.calibration.targets import Parameter

    def trial(number, x, objective, loo):
        return {"number": number, "state": "complete", "params": {"x": x}, "objective": objective, "objective_loo": loo}

    best = trial(0, 5.0, 1.0, [1.0, 1.0, 1.0, 1.0])
    close = trial(1, 6.0, 1.21, [1.0, 1.44, 1.0, 1.44])  # distance 1.1; paired differences 0, 0.2, 0, 0.2
    far = trial(2, 9.0, 4.0, [4.0, 4.0, 4.0, 4.0])  # distance 2, the same in every replication
    failed = {"number": 3, "state": "fail", "params": {"x": 1.0}, "objective": None, "objective_loo": []}
    assert [t["number"] for t in identified_set([best, close, far, failed])] == [0, 1]
    (row,) = identification((Parameter("x", 0.0, 10.0),), [best, close, far, failed])
    assert (row["set_low"], row["set_high"], row["spread_share"]) == (5.0, 6.0, pytest.approx(0.1))
    assert row["identified"] == "undetermined"
    third = trial(4, 5.5, 1.0, [1.0, 1.0, 1.0, 1.0])
    (row,) = identification((Parameter("x", 0.0, 10.0),), [best, close, far, third])
    assert row["identified"] == "well"
    wide = trial(5, 0.5, 1.0, [1.0, 1.0, 1.0, 1.0])
    (row,) = identification((Parameter("x", 0.0, 10.0),), [best, close, far, wide])
    assert row["identified"] == "poorly" and row["spread_share"] == pytest.approx(0.55)


def test_validate_checks_a_targets_file(tmp_path, capsys):
    assert main(["validate", str(FIELD)]) == 0
    assert "OK (targets file, " in capsys.readouterr().out
    bad = _write(tmp_path, GOOD_TARGET.replace('"apprehension_rate"', '"no_such_outcome"') + GOOD_PARAMETERS)
    assert main(["validate", str(bad)]) == 2
    assert "not an outcome of sim/metrics.py" in capsys.readouterr().out


def test_a_trial_interrupted_half_way_keeps_its_finished_runs_for_the_resume(tmp_path):
    """Runs of the trial under way are on disk as they finish; the resumed search proposes the same trial again,
    runs only what is missing, and ends as an uninterrupted search does."""
    from sim.calibration.search import calibrate, partial_folder
    from sim.experiment.backends import SerialBackend

    class Stopping(SerialBackend):
        """Counts the runs it performs; raises KeyboardInterrupt after ``stop_after`` of them."""

        def __init__(self, stop_after: int | None = None):
            self.stop_after, self.done = stop_after, 0

        def imap_unordered(self, tasks):
            for record in super().imap_unordered(tasks):
                self.done += 1
                yield record
                if self.done == self.stop_after:
                    raise KeyboardInterrupt

    settings = Settings(SCENARIO, load_targets(TINY), budget=3, replications=3, days=5, seed=2)
    whole = calibrate(settings, tmp_path / "whole", SerialBackend(), progress=False)
    first = Stopping(stop_after=3 + 2)  # trial 0 whole, then two of trial 1's three runs
    with pytest.raises(KeyboardInterrupt):
        calibrate(settings, tmp_path / "cut", first, progress=False)
    assert len(list(partial_folder(tmp_path / "cut", 1).glob("*.json"))) == 2
    second = Stopping()
    resumed = calibrate(settings, tmp_path / "cut", second, progress=False)
    assert second.done == 1 + 3
    assert not partial_folder(tmp_path / "cut", 1).exists()
    assert [_comparable(t) for t in resumed] == [_comparable(t) for t in whole]


def _comparable(trial: dict) -> str:
    """A trial as JSON without its wall times (NaN outcomes compare equal as text)."""
    runs = {
        v: [{k: x for k, x in row.items() if k != "duration_s"} for row in rows] for v, rows in trial["runs"].items()
    }
    return json.dumps({**{k: v for k, v in trial.items() if k != "duration_s"}, "runs": runs}, sort_keys=True)


def test_a_trial_whose_runs_fail_is_recorded_as_failed_and_reported(tmp_path):
    from sim.calibration.cli import start_manifest
    from sim.calibration.report import write_outputs
    from sim.calibration.search import calibrate
    from sim.experiment.backends import SerialBackend, failed_record
    from sim.experiment.store import ResultStore

    class Failing(SerialBackend):
        def imap_unordered(self, tasks):
            for task in tasks:
                yield failed_record(task, RuntimeError("boom"))

    out = tmp_path / "out"
    settings = Settings(SCENARIO, load_targets(TINY), budget=2, replications=2, days=5, seed=0)
    trials = calibrate(settings, out, Failing(), progress=False)
    assert [t["state"] for t in trials] == ["fail", "fail"] and best_trial(trials) is None
    assert "RuntimeError: boom" in trials[0]["errors"][0]
    paths = write_outputs(settings, trials, out, start_manifest(settings, ResultStore(out), resume=True))
    assert "No trial completed" in paths["report"].read_text(encoding="utf-8")
    assert "scenario" not in paths and "RuntimeError: boom" in (out / "history.csv").read_text(encoding="utf-8")


def test_the_warm_up_is_the_calibrations_and_every_run_simulates_it(tmp_path, capsys):
    from sim.calibration.search import trial_tasks

    out = tmp_path / "out"
    assert main([*_calibrate_argv(out, 1, "--quiet", "--warmup-days", "3", budget=1)]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["warmup_days"] == 3
    assert "after 3 days of warm-up" in (out / "fit_report.md").read_text(encoding="utf-8")
    settings = Settings(SCENARIO, load_targets(TINY), 1, 2, 20, 5, warmup_days=3)
    assert {t.warmup_days for t in trial_tasks(settings, 0, {KEY: 1.0})} == {3}
    path = _write(tmp_path, GOOD_TARGET + GOOD_PARAMETERS + '"time.warmup_days" = { low = 0, high = 30 }\n')
    assert main(["calibrate", str(SCENARIO), str(path), "--budget", "1", "--out", str(tmp_path / "o")]) == 2
    assert "time.warmup_days: the warm-up is the same for every run" in capsys.readouterr().err


def test_a_settling_run_too_short_to_measure_is_refused(tmp_path, capsys):
    argv = _calibrate_argv(tmp_path / "out", 1, "--quiet")
    argv[argv.index("--settle-days") + 1] = "20"
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--settle-days" in err and "at least 40" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_only_searches_the_keys_named_and_leaves_the_others_at_the_scenarios_values(tmp_path, capsys):
    two = GOOD_PARAMETERS + '"patrols.capture_probability" = { low = 0.3, high = 0.9 }\n'
    path = _write(tmp_path, GOOD_TARGET + two)
    out = tmp_path / "out"
    argv = ["calibrate", str(SCENARIO), str(path), "--budget", "2", "--replications", "1", "--days", "10"]
    argv += ["--only", "patrols.capture_probability", "--settle-days", "0", "--workers", "1", "--out", str(out)]
    assert main([*argv, "--quiet"]) == 0
    from sim.calibration.search import read_trials

    searched = [set(t["params"]) for t in read_trials(out)]
    assert searched == [{"patrols.capture_probability"}] * 2
    # a key the file does not search is refused, naming it and what is allowed
    bad = [*argv[:-2], "--out", str(tmp_path / "bad"), "--only", "patrols.count"]
    assert main(bad) == 2
    err = capsys.readouterr().err
    assert "--only" in err and "patrols.count" in err and "allowed:" in err and "Traceback" not in err
