"""Experiment results survive faults: damaged parts, a full or unwritable disk, dying workers, two
experiments on one folder. Each fault is injected into a small experiment of stand-in runs
(:mod:`tests.test_experiment_fakes`); each time, the runs finished before the fault are kept, the
command says what happened without a traceback, and the finished experiment holds every run exactly once,
with the same data as an experiment that met no fault.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import sim.experiment.store as store_module
from sim.cli import main
from sim.experiment import backends
from sim.experiment.backends import DaskBackend, ProcessBackend, SerialBackend, WorkerDiedError
from sim.experiment.execute import build_tasks, run_experiment
from sim.experiment.spec import load_experiment
from sim.experiment.store import LOCK_NAME, FolderInUseError, ResultStore
from tests.waits import STATE_WAIT_S, wait_until

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.toml"


def experiment_file(tmp_path: Path, run_function: str, replications: int = 3) -> Path:
    """Two policies (baseline and sharing) x ``replications`` runs of a stand-in run function, on a copy of the
    classroom scenario in ``tmp_path`` (where :func:`tests.test_experiment_fakes.dying_run` looks for orders)."""
    scenario = tmp_path / "classroom.toml"
    scenario.write_text(CLASSROOM.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "exp.toml"
    path.write_text(
        f"""
[experiment]
name = "faults"
scenario = "{scenario}"
days = 4
replications = {replications}
root_seed = 7
outcomes = ["interdictions", "cost"]
run_function = "tests.test_experiment_fakes:{run_function}"

[policies.sharing]
"agencies.sharing" = "full"
""",
        encoding="utf-8",
    )
    return path


def tables(out: Path) -> dict[str, pd.DataFrame]:
    """The result tables without the wall-clock column (the only thing allowed to differ)."""
    return {
        "runs": pd.read_parquet(out / "runs.parquet").drop(columns="duration_s"),
        "timeseries": pd.read_parquet(out / "timeseries.parquet"),
        "crossings": pd.read_parquet(out / "crossings.parquet"),
    }


def assert_complete_and_clean(spec: Path, out: Path, reference: Path) -> None:
    """Every run once, all ``ok``, and the same tables as ``reference`` (an experiment without faults)."""
    experiment = load_experiment(spec)
    if not (reference / "runs.parquet").exists():
        run_experiment(experiment, reference, SerialBackend(), progress=False)
    runs = pd.read_parquet(out / "runs.parquet")
    keys = list(zip(runs["policy"], runs["sweep_point"], runs["replication"], strict=True))
    assert len(keys) == len(set(keys)) == len(build_tasks(experiment))
    assert (runs["status"] == "ok").all(), runs["error"].tolist()
    for name, table in tables(reference).items():
        pd.testing.assert_frame_equal(table, tables(out)[name], check_dtype=False, obj=name)


def cli(capsys, *args: str) -> tuple[int, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.err


# --- a truncated or corrupt part left by a crash -------------------------------------------------------


def test_damaged_parts_are_reported_and_recomputed_on_resume(tmp_path, capsys):
    spec = experiment_file(tmp_path, "fake_run")
    out = tmp_path / "out"
    run_experiment(load_experiment(spec), out, SerialBackend(), progress=False)
    experiment = load_experiment(spec)
    store = ResultStore(out)
    stems = {task.key: store._stem(task.key) for task in build_tasks(experiment)}
    # a data file cut short (a crash or a full disk in the middle of a write that was not atomic) ...
    series = stems["sharing/0/1"].with_name(stems["sharing/0/1"].name + ".timeseries.parquet")
    series.write_bytes(series.read_bytes()[: series.stat().st_size // 2])
    # ... a run file with one byte changed in its data (a bad sector, a faulty copy) ...
    run_file = stems["baseline/0/2"].with_name(stems["baseline/0/2"].name + ".run.parquet")
    column = pq.ParquetFile(run_file).metadata.row_group(0).column(5)
    data = bytearray(run_file.read_bytes())
    data[column.data_page_offset + column.total_compressed_size - 1] ^= 0xFF  # the last byte of a data page
    run_file.write_bytes(bytes(data))
    # ... and an empty run file, as a rename before the data reached the disk leaves after a power cut
    empty = stems["baseline/0/0"].with_name(stems["baseline/0/0"].name + ".run.parquet")
    empty.write_bytes(b"")

    run_experiment(experiment, out, SerialBackend(), resume=True, progress=False)
    err = capsys.readouterr().err
    assert f"{out}: 3 damaged result part(s) found" in err
    for key in ("sharing/0/1", "baseline/0/2", "baseline/0/0"):
        assert key in err
    assert_complete_and_clean(spec, out, tmp_path / "reference")


# --- a full disk or an unwritable folder in the middle of a run ------------------------------------------


class FaultAfter(SerialBackend):
    """Runs in this process; after ``after`` runs were handed over, ``fault()`` strikes (once)."""

    def __init__(self, after: int, fault):
        self.after, self.fault = after, fault

    def imap_unordered(self, tasks):
        for count, record in enumerate(super().imap_unordered(tasks)):
            if count == self.after:
                self.fault()
            yield record


def _mount_small_disk(folder: Path) -> bool:
    """A 4 MB tmpfs at ``folder`` (needs root, as CI has); False where that is not allowed."""
    folder.mkdir()
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], check=False, capture_output=True
    )
    return done.returncode == 0


def _fill(folder: Path) -> Path:
    """Fill the file system of ``folder`` to the last byte; returns the filler file."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_CREAT | os.O_WRONLY)
    try:
        for chunk in (1 << 16, 1 << 12, 1):
            try:
                while os.write(fd, b"\0" * chunk):
                    pass
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


@pytest.fixture
def disk(tmp_path):
    """A small real file system to fill where mounting is allowed (``real`` true), else a plain folder."""
    folder = tmp_path / "disk"
    real = _mount_small_disk(folder)
    yield folder, real
    if real:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.parametrize("fault", ["full disk", "unwritable folder"])
def test_write_fault_mid_run_gives_a_clear_error_keeps_the_runs_and_resume_finishes(
    tmp_path, disk, monkeypatch, capsys, fault
):
    folder, real = disk
    spec = experiment_file(tmp_path, "fake_run", replications=4)
    out = folder / "out"
    undo = []

    def strike() -> None:
        if fault == "full disk" and real:  # the real thing: the file system has no byte left
            filler = _fill(folder)
            undo.append(filler.unlink)
            return
        code = errno.ENOSPC if fault == "full disk" else errno.EACCES
        real_write = store_module._write_atomic

        def refuse(table, target):  # as pyarrow reports it: an OSError with the errno, no file name
            raise OSError(code, f"Failed to open local file '{target}'. Detail: [errno {code}] {os.strerror(code)}")

        monkeypatch.setattr(store_module, "_write_atomic", refuse)
        undo.append(lambda: monkeypatch.setattr(store_module, "_write_atomic", real_write))

    monkeypatch.setattr(backends, "make_backend", lambda workers, scheduler: FaultAfter(3, strike))
    status, err = cli(capsys, "experiment", str(spec), "--out", str(out), "--quiet")
    assert status == 2, err
    reason = "the disk is full" if fault == "full disk" else "no permission to write there"
    assert f"error: cannot write the results in {out}: {reason}" in err
    assert "--resume" in err and "saved" in err
    assert len(ResultStore(out).check_parts().done) == 3, "the runs finished before the fault are kept"
    assert not (out / "runs.parquet").exists()

    for step in undo:  # room made, permissions fixed
        step()
    run_experiment(load_experiment(spec), out, SerialBackend(), resume=True, progress=False)
    assert_complete_and_clean(spec, out, tmp_path / "reference")


def test_unwritable_folder_from_the_start_is_a_clear_error(tmp_path, capsys):
    spec = experiment_file(tmp_path, "fake_run", replications=1)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    status, err = cli(capsys, "experiment", str(spec), "--out", str(blocker / "out"), "--quiet", "--workers", "1")
    assert status == 2 and "error:" in err and str(blocker) in err


# --- worker processes that die ----------------------------------------------------------------------------


def test_killed_worker_process_has_its_runs_redone(tmp_path):
    spec = experiment_file(tmp_path, "dying_run")
    (tmp_path / "die-once").touch()
    backend = ProcessBackend(2)
    try:
        result = run_experiment(load_experiment(spec), tmp_path / "out", backend, progress=False)
    finally:
        backend.close()
    assert not (tmp_path / "die-once").exists(), "a worker was killed"
    assert backend.restarts == 1 and result.failed == 0
    assert_complete_and_clean(spec, tmp_path / "out", tmp_path / "reference")


def test_workers_that_keep_dying_stop_the_experiment_with_a_clear_error(tmp_path, monkeypatch, capsys):
    spec = experiment_file(tmp_path, "dying_run", replications=1)
    (tmp_path / "die-always").touch()
    monkeypatch.setattr(backends, "make_backend", lambda workers, scheduler: ProcessBackend(2, max_restarts=1))
    status, err = cli(capsys, "experiment", str(spec), "--out", str(tmp_path / "out"), "--quiet")
    assert status == 1
    assert "error: worker processes died 2 times" in err and "--resume" in err
    with pytest.raises(WorkerDiedError):
        backend = ProcessBackend(1, max_restarts=0)
        try:
            run_experiment(load_experiment(spec), tmp_path / "again", backend, progress=False)
        finally:
            backend.abort()


def test_killed_dask_worker_has_its_runs_rescheduled(tmp_path, monkeypatch):
    from distributed import LocalCluster

    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the workers import tests.test_experiment_fakes
    spec = experiment_file(tmp_path, "dying_run")
    (tmp_path / "die-once").touch()
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        backend = DaskBackend(cluster.scheduler_address)
        try:
            result = run_experiment(load_experiment(spec), tmp_path / "out", backend, progress=False)
        finally:
            backend.close()
    assert not (tmp_path / "die-once").exists(), "a worker was killed"
    assert result.failed == 0
    assert_complete_and_clean(spec, tmp_path / "out", tmp_path / "reference")


# --- two experiments into one folder ------------------------------------------------------------------------


def test_second_experiment_on_a_busy_folder_stops_at_once_naming_the_folder_and_the_pid(tmp_path, capsys):
    spec = experiment_file(tmp_path, "paced_run", replications=4)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim.cli", "experiment", str(spec), "--workers", "1", "--out", str(out)]
    # paced at a second a run, so that it is still running when the second one tries, however slow the machine
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BORDERSIM_TEST_RUN_S": "1.0"}
    first = subprocess.Popen(
        [*command, "--quiet"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:

        def locked() -> bool:
            try:
                return json.loads((out / LOCK_NAME).read_text()).get("pid") == first.pid
            except (OSError, json.JSONDecodeError):
                return False

        wait_until(locked, "lock taken by the first experiment", first)
        for extra in ([], ["--resume"]):
            status, err = cli(capsys, "experiment", str(spec), "--workers", "1", "--out", str(out), "--quiet", *extra)
            assert status == 2
            assert f"error: {out}: another experiment is writing into this folder (process {first.pid}" in err
        with pytest.raises(FolderInUseError) as caught:
            run_experiment(load_experiment(spec), out, SerialBackend(), resume=True, progress=False)
        assert caught.value.holder["pid"] == first.pid
        first.terminate()  # the first stops part-way (SIGTERM), keeping its runs
        _, first_err = first.communicate(timeout=STATE_WAIT_S)
        assert first.returncode == 143, first_err.decode()[-2000:]
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    # the lock ends with its process: now the folder can be resumed, and each run is computed once
    run_experiment(load_experiment(spec), out, SerialBackend(), resume=True, progress=False)
    assert_complete_and_clean(spec, out, tmp_path / "reference")


def test_lock_is_free_again_after_an_experiment_and_after_a_crash(tmp_path):
    store = ResultStore(tmp_path / "out")
    with store.lock():
        pass
    with store.lock():  # released on leaving the block
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            # holds the lock until killed below
            "import sys, time; from sim.experiment.store import ResultStore\n"
            f"with ResultStore({str(tmp_path / 'out')!r}).lock():\n    print('locked', flush=True); time.sleep(3600)",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(FolderInUseError, match=f"process {holder.pid}"), store.lock():
            pass
    finally:
        holder.kill()  # killed outright: the kernel releases the lock
        holder.wait()
    with store.lock():
        pass
    assert store.is_empty(), "a folder holding only its lock file counts as empty"
