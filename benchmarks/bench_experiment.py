"""Experiment machinery benchmark: throughput with 1 and 2 workers, and coordinator memory.

Prints:
- runs per second of the real model (desert_sector, 90 days per run, by default) in-process
  (1 worker) and with 2 local worker processes (start-up included), best of ``--repeat`` timings
  each, and the parallel efficiency T1 / (2 T2);
- the coordinator's peak Python heap (tracemalloc) and RSS high-water mark while it runs 10 and
  200 cheap runs in-process: streaming each run to disk keeps the peak flat in the number of runs.

With ``--coordinator N [N ...]`` it measures instead the coordinator of real runs through ``bordersim experiment``
(desert_sector, ``--days`` per run, ``--workers`` local processes, the report included): for each N, a fresh
process runs the command's code on an experiment of N runs and prints its own RSS high-water mark (the workers
are other processes) and the wall time. The issue's figure is 100 and 1,000 runs of 90 days
(``--coordinator 100 1000 --days 90``, about 25 CPU-minutes for the 1,000); ``--days`` shortens the runs, which
changes what each worker does but not what the coordinator holds per run.

Usage: ``.venv/bin/python benchmarks/bench_experiment.py [--runs 16] [--days 90] [--repeat 2]``
       ``.venv/bin/python benchmarks/bench_experiment.py --coordinator 100 1000 --days 90 --workers 2``
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.experiment.backends import ProcessBackend, SerialBackend  # noqa: E402
from sim.experiment.execute import run_experiment  # noqa: E402
from sim.experiment.spec import load_experiment  # noqa: E402

SCENARIO = ROOT / "scenarios" / "desert_sector.toml"


def cheap_run(scenario, overrides=None, seed=0, days=None, progress=False):
    """A run function costing almost nothing, shaped like the model's output."""
    from tests.test_experiment_fakes import fake_run

    return fake_run(scenario, overrides, seed, days, progress)


def write_spec(folder: Path, *, replications: int, days: float, run_function: str, scenario: Path = SCENARIO) -> Path:
    path = folder / f"bench_{replications}_{run_function.split(':')[1]}.toml"
    path.write_text(
        f'[experiment]\nname = "bench"\nscenario = "{scenario}"\ndays = {days}\nreplications = {replications}\n'
        f'root_seed = 1\nrun_function = "{run_function}"\n\n[policies.sharing]\n"agencies.sharing" = "full"\n',
        encoding="utf-8",
    )
    return path


def throughput(folder: Path, runs: int, days: float, scenario: Path, repeat: int) -> None:
    spec = write_spec(folder, replications=runs // 2, days=days, run_function="sim.runner:run", scenario=scenario)
    exp = load_experiment(spec)
    timings = {}
    for workers in (1, 2):
        best = float("inf")
        for attempt in range(repeat):
            backend = SerialBackend() if workers == 1 else ProcessBackend(2)
            start = time.perf_counter()
            try:
                run_experiment(exp, folder / f"tp{workers}-{attempt}", backend, progress=False)
            finally:
                backend.close()
            elapsed = time.perf_counter() - start  # includes starting the worker processes
            best = min(best, elapsed)
            print(f"real model, {workers} worker(s), attempt {attempt + 1}: {runs} runs in {elapsed:.1f} s")
        timings[workers] = best
        print(f"real model, {workers} worker(s), best of {repeat}: {runs / best:.2f} runs/s")
    print(f"parallel efficiency T1 / (2 T2) = {timings[1] / (2 * timings[2]):.2f} (target >= 0.9)")


def memory(folder: Path, runs: int) -> None:
    exp = load_experiment(
        write_spec(folder, replications=runs // 2, days=30, run_function="bench_experiment:cheap_run")
    )
    tracemalloc.start()
    start = time.perf_counter()
    run_experiment(exp, folder / f"mem{runs}", SerialBackend(), progress=False)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{runs:4d} cheap runs: {elapsed:.1f} s, peak Python heap {peak / 1e6:.1f} MB, RSS high-water mark {rss:.0f} MB"
    )


def coordinator_child(runs: int, days: float, workers: int, scenario: Path) -> None:
    """Run ``bordersim experiment`` on ``runs`` real runs in this process; print its RSS high-water mark."""
    from sim.cli import main as cli

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spec = write_spec(folder, replications=runs // 2, days=days, run_function="sim.runner:run", scenario=scenario)
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the summary table, not measured
            code = cli(["experiment", str(spec), "--workers", str(workers), "--out", str(folder / "out"), "--quiet"])
        elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{runs:5d} runs of {days:g} days, {workers} workers: {elapsed:.0f} s, exit {code}, "
        f"coordinator RSS high-water mark {rss:.0f} MB"
    )


def coordinator(counts: list[int], days: float, workers: int, scenario: Path) -> None:
    """:func:`coordinator_child` for each number of runs, each in a fresh process (a high-water mark only rises)."""
    for runs in counts:
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--coordinator-child",
                str(runs),
                "--days",
                str(days),
                "--workers",
                str(workers),
                "--scenario",
                str(scenario),
            ],
            check=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16, help="real-model runs per throughput measurement (even)")
    parser.add_argument("--days", type=float, default=90, help="simulated days per real-model run")
    parser.add_argument("--repeat", type=int, default=2, help="timings per worker count; best kept (noisy hosts)")
    parser.add_argument("--scenario", type=Path, default=SCENARIO, help="scenario of the real-model runs")
    parser.add_argument(
        "--coordinator", type=int, nargs="+", metavar="N", help="coordinator memory of N real runs, for each N"
    )
    parser.add_argument("--workers", type=int, default=2, help="local worker processes for --coordinator")
    parser.add_argument("--coordinator-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.coordinator_child:
        coordinator_child(args.coordinator_child, args.days, args.workers, args.scenario.resolve())
        return
    if args.coordinator:
        coordinator(args.coordinator, args.days, args.workers, args.scenario.resolve())
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        memory(folder, 10)
        memory(folder, 200)
        throughput(folder, args.runs, args.days, args.scenario.resolve(), args.repeat)


if __name__ == "__main__":
    main()
