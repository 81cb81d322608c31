"""Every long command stops cleanly on Ctrl-C (SIGINT) and SIGTERM: promptly, without a traceback, and
without leaving a process behind; an interrupted experiment finishes with ``--resume``.

Each command runs in a session of its own. SIGINT goes to the whole process group, as a terminal's Ctrl-C
does (so worker processes receive it too); SIGTERM goes to the command's process alone, as ``kill`` or a
service manager sends it (so the command must stop its children itself).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import psutil
import pytest

from sim.experiment.backends import SerialBackend
from sim.experiment.execute import run_experiment
from sim.experiment.spec import load_experiment
from tests.waits import wait_until

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.toml"
SIGNALS = [signal.SIGINT, signal.SIGTERM]
#: Seconds a command may take to stop after the signal. It stops in about a second on a laptop; a command that
#: did not stop would go on for minutes (its runs are long), so a minute tells the two apart on any machine.
STOP_WITHIN_S = 60.0


class Command:
    """A ``bordersim`` command in a session of its own, its output in files."""

    def __init__(self, tmp_path: Path, *args: str, env: dict[str, str] | None = None):
        self.stdout_path, self.stderr_path = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sim.cli", *args],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def wait_for(self, ready, what: str) -> None:
        """Wait for a state of the command (see :mod:`tests.waits`); on failure, stop it."""
        try:
            wait_until(ready, what, self.proc, output=lambda: self.stderr)
        except BaseException:
            self.kill()
            raise

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)

    def send(self, signum: int) -> None:
        if signum == signal.SIGINT:
            os.killpg(self.proc.pid, signum)  # a terminal's Ctrl-C reaches the whole foreground group
        else:
            self.proc.send_signal(signum)

    def stop_and_check(self, signum: int, expected_status: int) -> float:
        """Send the signal; check a prompt exit with the status, no traceback, no surviving process."""
        started = self.descendants()
        sent = time.monotonic()
        self.send(signum)
        try:
            status = self.proc.wait(timeout=STOP_WITHIN_S)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"still running {STOP_WITHIN_S:.0f} s after {signum.name}: {self.stderr[-2000:]}")
        took = time.monotonic() - sent
        stderr = self.stderr
        assert "Traceback" not in stderr, stderr[-3000:]
        assert status == expected_status, stderr[-2000:]
        left = survivors(started, session=self.proc.pid)
        if left:
            self.kill(left)
        assert not left, f"left running after {signum.name}: {[p.info for p in left]}"
        return took

    def kill(self, extra: list[psutil.Process] = ()) -> None:
        """Clean up after a failure: the command's group and the given processes."""
        for process in extra:
            with contextlib.suppress(psutil.Error):
                process.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def survivors(processes: list[psutil.Process], session: int, grace_s: float = STOP_WITHIN_S) -> list[psutil.Process]:
    """Of ``processes`` and the members of ``session``, those still alive after ``grace_s`` at most.

    Helpers that exit when their parent has gone (multiprocessing's fork server and resource tracker)
    get the grace period to notice (they do within a second; a process left behind stays for good).
    """
    deadline = time.monotonic() + grace_s
    while True:
        alive = [p for p in processes if _alive(p)]
        alive += [p for p in psutil.process_iter(["pid", "cmdline"]) if _in_session(p, session) and p not in alive]
        if not alive or time.monotonic() > deadline:
            for p in alive:
                p.info = {"pid": p.pid, "cmdline": _cmdline(p)}
            return alive
        time.sleep(0.1)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _in_session(process: psutil.Process, session: int) -> bool:
    try:
        return os.getsid(process.pid) == session and _alive(process)
    except OSError:
        return False


def _cmdline(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return "?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _port_taken(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_app_stops_with_its_server(tmp_path):
    """Two servers at once (to save time), one stopped by each signal; the server and the port are freed."""
    apps = {}
    for signum in SIGNALS:
        (tmp_path / signum.name).mkdir()
        port = _free_port()
        apps[signum] = (Command(tmp_path / signum.name, "app", "--port", str(port)), port)
    for command, port in apps.values():
        command.wait_for(lambda port=port: _answers(port), "answer from the app")
        assert command.descendants(), "the app's server runs as a child process"
    for signum, (command, port) in apps.items():
        command.stop_and_check(signum, expected_status=0)
        assert "server stopped" in command.stderr
        assert not _port_taken(port), f"port {port} still taken after {signum.name}"


def _experiment_file(tmp_path: Path, replications: int) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(
        f"""
[experiment]
name = "signals"
scenario = "{CLASSROOM}"
days = 3
replications = {replications}
root_seed = 7
outcomes = ["interdictions", "cost"]
run_function = "tests.test_experiment_fakes:paced_run"

[policies.sharing]
"agencies.sharing" = "full"
""",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_experiment_on_worker_processes_stops_and_resumes(tmp_path, signum):
    spec = _experiment_file(tmp_path, replications=15)
    out = tmp_path / "out"
    command = Command(
        tmp_path,
        *("experiment", str(spec), "--workers", "2", "--out", str(out)),
        env={"BORDERSIM_TEST_RUN_S": "1.0"},  # paced: still running when the signal comes, on any machine
    )
    command.wait_for(lambda: len(list((out / "parts").glob("*.run.parquet"))) >= 2, "finished runs")
    assert len(command.descendants()) >= 2, "the runs execute in worker processes"
    command.stop_and_check(signum, expected_status=128 + signum)
    assert f"interrupted ({signum.name})" in command.stderr and "--resume" in command.stderr
    done = len(list((out / "parts").glob("*.run.parquet")))
    assert 2 <= done < 30, "stopped part-way"
    assert not (out / "runs.parquet").exists()

    experiment = load_experiment(spec)
    result = run_experiment(experiment, out, SerialBackend(), resume=True, progress=False)
    assert result.total == 30 and result.failed == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(set(zip(runs["policy"], runs["replication"], strict=True))) == len(runs) == 30


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_run_stops(tmp_path, signum):
    out = tmp_path / "run"
    command = Command(tmp_path, "run", str(CLASSROOM), "--days", "2000", "--out", str(out))
    command.wait_for(lambda: "step/s]" in command.stderr, "progress bar")
    command.stop_and_check(signum, expected_status=128 + signum)
    assert f"interrupted ({signum.name})" in command.stderr
    assert not (out / "outcomes.json").exists()
