"""Running experiments: identical results on every backend, failures recorded, kill and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment.backends import DaskBackend, ProcessBackend, SerialBackend
from sim.experiment.cli import experiment_command
from sim.experiment.execute import build_tasks, run_experiment
from sim.experiment.report import write_report
from sim.experiment.report.figures import line_points, map_points, sweep_shown
from sim.experiment.spec import load_experiment
from sim.schema import InputError
from tests.waits import STATE_WAIT_S, wait_until

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "classroom.toml"


def experiment_file(tmp_path: Path, *, run_function: str, replications: int = 3, days: float = 4) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(
        f"""
[experiment]
name = "t"
scenario = "{SCENARIO}"
days = {days}
replications = {replications}
root_seed = 7
outcomes = ["interdictions", "deaths_in_transit", "false_match_detentions", "cost"]
run_function = "{run_function}"

[policies.sharing]
"agencies.sharing" = "full"

[policies.patrols]
"patrols.count" = 9
""",
        encoding="utf-8",
    )
    return path


def tables(out: Path) -> dict[str, pd.DataFrame]:
    """The result tables without the wall-clock column (the only thing allowed to differ)."""
    runs = pd.read_parquet(out / "runs.parquet").drop(columns="duration_s")
    return {
        "runs": runs,
        "timeseries": pd.read_parquet(out / "timeseries.parquet"),
        "crossings": pd.read_parquet(out / "crossings.parquet"),
    }


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name, table in a.items():
        pd.testing.assert_frame_equal(table, b[name], check_dtype=False, obj=name)


def test_real_model_gives_identical_runs_in_process_in_processes_and_on_dask(tmp_path):
    from distributed import LocalCluster

    exp = load_experiment(experiment_file(tmp_path, run_function="sim.runner:run", replications=2, days=2))
    results = {}
    run_experiment(exp, tmp_path / "serial", SerialBackend(), progress=False)
    results["serial"] = tables(tmp_path / "serial")
    processes = ProcessBackend(2)
    try:
        run_experiment(exp, tmp_path / "processes", processes, progress=False)
    finally:
        processes.close()
    results["processes"] = tables(tmp_path / "processes")
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        dask = DaskBackend(cluster.scheduler_address)
        try:
            run_experiment(exp, tmp_path / "dask", dask, progress=False)
        finally:
            dask.close()
    results["dask"] = tables(tmp_path / "dask")
    serial = results["serial"]
    assert (serial["runs"]["status"] == "ok").all(), serial["runs"]["error"].tolist()
    assert len(serial["runs"]) == 6 and len(serial["timeseries"]) > 0
    assert serial["runs"]["seed"].tolist() == exp.seeds() * 3  # common random numbers: same seeds per policy
    assert_same(serial, results["processes"])
    assert_same(serial, results["dask"])


def test_failing_run_is_recorded_and_the_others_go_on(tmp_path, capsys):
    spec = experiment_file(tmp_path, run_function="tests.test_experiment_fakes:failing_run")
    args = Namespace(spec=str(spec), workers=1, scheduler=None, out=str(tmp_path / "out"), resume=False, quiet=True)
    assert experiment_command(args) == 1
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    failed = runs[runs["status"] == "failed"]
    assert len(runs) == 9 and len(failed) == 1
    row = failed.iloc[0]
    assert (row["policy"], row["replication"]) == ("sharing", 1)
    assert row["error"].startswith("ValueError: simulated model failure (at ")
    assert "in failing_run" in row["error"]
    assert pd.isna(row["interdictions"])
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    sharing = summary[(summary["policy"] == "sharing") & (summary["outcome"] == "cost")].iloc[0]
    assert sharing["n"] == 2 and sharing["n_failed"] == 1
    err = capsys.readouterr().err
    assert "1 of 9 runs failed" in err
    assert "estimated duration" not in err, "--quiet: no trial runs and no estimate"
    html = (tmp_path / "out" / "report.html").read_text()
    assert "Runs that failed" in html and "simulated model failure" in html
    assert "src='http" not in html and 'src="http' not in html and "<link" not in html
    markdown = (tmp_path / "out" / "report.md").read_text()
    for name in ("outcomes", "tradeoffs", "timeseries", "crossing_maps", "border_profile"):
        assert f"(report_{name}.png)" in markdown and (tmp_path / "out" / f"report_{name}.png").stat().st_size > 1000


def test_existing_output_needs_resume(tmp_path):
    exp = load_experiment(experiment_file(tmp_path, run_function="tests.test_experiment_fakes:fake_run"))
    run_experiment(exp, tmp_path / "out", SerialBackend(), progress=False)
    with pytest.raises(InputError, match="--resume"):
        run_experiment(exp, tmp_path / "out", SerialBackend(), progress=False)
    before = tables(tmp_path / "out")
    run_experiment(exp, tmp_path / "out", SerialBackend(), resume=True, progress=False)
    assert_same(before, tables(tmp_path / "out"))  # nothing left to run; the same data


def test_a_changed_choice_of_outcomes_reuses_the_runs_and_a_changed_run_does_not(tmp_path):
    """Every run stores every outcome: asking for other outcomes of interest resumes from the runs done; a change
    that changes the runs (here the run length) is refused with a clear message."""
    spec = experiment_file(tmp_path, run_function="tests.test_experiment_fakes:fake_run")
    run_experiment(load_experiment(spec), tmp_path / "out", SerialBackend(), progress=False)
    before = tables(tmp_path / "out")
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace('"cost"]', '"cost", "detections"]'), encoding="utf-8")
    result = run_experiment(load_experiment(spec), tmp_path / "out", SerialBackend(), resume=True, progress=False)
    assert_same(before, tables(tmp_path / "out"))
    assert "detections" in set(result.summary["outcome"])
    spec.write_text(text.replace("days = 4", "days = 5"), encoding="utf-8")
    with pytest.raises(InputError, match="different version of this experiment"):
        run_experiment(load_experiment(spec), tmp_path / "out", SerialBackend(), resume=True, progress=False)


def test_killed_experiment_resumes_each_run_exactly_once(tmp_path):
    spec = experiment_file(tmp_path, run_function="tests.test_experiment_fakes:slow_run", replications=4)
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "sim.cli", "experiment", str(spec), "--workers", "1", "--out", str(out), "--quiet"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_until(lambda: len(list((out / "parts").glob("*.run.parquet"))) >= 4, "four finished runs", proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(list((out / "parts").glob("*.run.parquet")))
    assert 4 <= done_before < 12, "the experiment must be killed part-way"
    assert not (out / "runs.parquet").exists()
    # a half-written part and a corrupt run file, as a kill during a write could leave them
    (out / "parts" / "0123456789abcdef0123.timeseries.parquet.tmp").write_bytes(b"PAR1 partial")
    (out / "parts" / "fedcba9876543210fedc.run.parquet").write_bytes(b"not parquet")

    exp = load_experiment(spec)
    result = run_experiment(exp, out, SerialBackend(), resume=True, progress=False)
    assert result.total == 12 and result.failed == 0
    assert not list((out / "parts").glob("*.tmp")) and not (out / "parts" / "fedcba9876543210fedc.run.parquet").exists()
    runs = pd.read_parquet(out / "runs.parquet")
    keys = list(zip(runs["policy"], runs["sweep_point"], runs["replication"], strict=True))
    assert len(keys) == len(set(keys)) == len(build_tasks(exp))

    run_experiment(exp, tmp_path / "whole", SerialBackend(), progress=False)
    assert_same(tables(tmp_path / "whole"), tables(out))


@pytest.mark.parametrize("workers", ["1"])  # worker processes: tests/test_signals.py
def test_ctrl_c_stops_cleanly_and_resume_finishes(tmp_path, workers):
    spec = experiment_file(tmp_path, run_function="tests.test_experiment_fakes:slow_run", replications=4)
    out = tmp_path / "interrupted"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "sim.cli", "experiment", str(spec), "--workers", workers, "--out", str(out)]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: len(list((out / "parts").glob("*.run.parquet"))) >= 3, "three finished runs", proc)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=STATE_WAIT_S)
    assert proc.returncode == 130, stderr[-2000:]
    assert "--resume" in stderr and "Traceback" not in stderr, stderr[-2000:]

    exp = load_experiment(spec)
    result = run_experiment(exp, out, SerialBackend(), resume=True, progress=False)
    assert result.total == 12 and result.failed == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == len(set(zip(runs["policy"], runs["replication"], strict=True))) == 12


def test_report_of_a_sweep_has_every_point_in_its_tables_and_figures(tmp_path):
    spec = experiment_file(tmp_path, run_function="tests.test_experiment_fakes:fake_run", replications=3)
    text = spec.read_text(encoding="utf-8") + '\n[sweep]\n"crossers.per_day" = [2.0, 6.0]\n'
    spec.write_text(text, encoding="utf-8")
    exp = load_experiment(spec)
    result = run_experiment(exp, tmp_path / "out", SerialBackend(), progress=False)
    write_report(exp, result.out_dir, result.runs, result.summary)
    assert result.total == 18
    pairing = pd.read_csv(tmp_path / "out" / "pairing.csv")
    assert pairing.groupby("sweep:crossers.per_day").size().to_dict() == {2.0: 8, 6.0: 8}, "2 policies x 4 outcomes"
    assert {f: sweep_shown(exp, f) for f in ("outcomes", "timeseries", "crossing_maps", "border_profile")} == {
        "outcomes": None,
        "timeseries": "all",
        "crossing_maps": "all",
        "border_profile": "all",
    }
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    for value in ("2.0", "6.0"):
        assert f"## Results by policy — crossers.per_day = {value}" in markdown
        assert f"### crossers.per_day = {value}" in markdown, "a pairing table per sweep point"


def test_report_of_a_large_sweep_shows_the_first_point_in_its_figures(tmp_path):
    spec = experiment_file(tmp_path, run_function="tests.test_experiment_fakes:fake_run", replications=2)
    text = spec.read_text(encoding="utf-8") + '\n[sweep]\n"crossers.per_day" = [1.0, 2.0, 3.0, 4.0, 5.0]\n'
    spec.write_text(text, encoding="utf-8")
    exp = load_experiment(spec)
    result = run_experiment(exp, tmp_path / "out", SerialBackend(), progress=False)
    write_report(exp, result.out_dir, result.runs, result.summary)
    assert result.total == 30
    assert line_points(exp) == map_points(exp) == [0]
    assert {sweep_shown(exp, f) for f in ("timeseries", "crossing_maps", "border_profile")} == {"first"}
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert markdown.count("(crossers.per_day = 1.0) of 5") == 4, "each of the four captions names the point shown"


def test_results_of_another_version_of_the_model_are_not_resumed_and_the_demo_sets_them_aside(tmp_path):
    """A results folder records the model version (code and numerical libraries) its runs were made with:
    resuming under another one is refused with a clear message, and the demo moves such results aside (nothing
    lost) and runs afresh instead of re-reporting them."""
    from sim.demo import set_aside_stale_results
    from sim.runner import model_version

    spec = experiment_file(tmp_path, run_function="tests.test_experiment_fakes:fake_run")
    exp = load_experiment(spec)
    out = tmp_path / "out"
    run_experiment(exp, out, SerialBackend(), progress=False)
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["model_version"] == model_version()
    assert set_aside_stale_results(exp, out) is None  # the same model: resumable, left where it is
    manifest["model_version"] = "0123456789abcdef"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(InputError, match="another version of the model"):
        run_experiment(exp, out, SerialBackend(), resume=True, progress=False)
    before = tables(out)
    aside = set_aside_stale_results(exp, out)
    assert aside == tmp_path / "out.stale-1" and not out.exists()
    assert_same(before, tables(aside))
