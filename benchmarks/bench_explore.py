"""``bordersim explore`` against ``bordersim experiment`` on the same runs: runs per second of each.

An exploration (Morris trajectories over two keys of a scenario, the baseline only, one replication) and an
experiment whose policies are the exploration's design points (the same overrides, the same seed) make exactly
the same runs. Prints, for each, the runs per second of the whole command's work before its report (the
exploration's sampling, runs, store and per-point table; the experiment's runs, store and statistics), then
the exploration's analysis and report time (Morris indices and their convergence, figures, Markdown and HTML);
best of ``--repeat`` timings each, after one warm-up run in this process.

Usage: ``.venv/bin/python benchmarks/bench_explore.py [--points 24] [--days 30] [--workers 1] [--repeat 2]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.experiment.backends import make_backend  # noqa: E402
from sim.experiment.execute import run_experiment  # noqa: E402
from sim.experiment.spec import format_value, load_experiment  # noqa: E402
from sim.explore.design import make_design, point_values  # noqa: E402
from sim.explore.execute import run_exploration  # noqa: E402
from sim.explore.report import write_report  # noqa: E402
from sim.explore.spec import load_exploration  # noqa: E402

SCENARIO = ROOT / "scenarios" / "classroom.toml"
HEAD = '[experiment]\nname = "bench"\nscenario = "{scenario}"\ndays = {days}\nwarmup_days = 0\nreplications = 1\n'
HEAD += 'root_seed = 1\noutcomes = ["crossings_attempted", "apprehension_rate", "cost"]\n'


def write_specs(folder: Path, points: int, days: float) -> tuple[Path, Path]:
    head = HEAD.format(scenario=SCENARIO, days=days)
    explore = folder / "explore.toml"
    explore.write_text(
        head + f'\n[uncertainties]\nmethod = "morris"\nsize = {points // 3}\nseed = 2\n\n[uncertainties.ranges]\n'
        '"crossers.per_day" = [1.0, 6.0]\n"patrols.detection_rate_per_hour" = [1.0, 8.0]\n',
        encoding="utf-8",
    )
    design = make_design(load_exploration(explore))
    policies = []
    for i in range(1, len(design.samples)):  # point 0 is the experiment's baseline
        lines = "\n".join(f'"{k}" = {format_value(v)}' for k, v in point_values(design, i).items())
        policies.append(f"[policies.p{i}]\n{lines}\n")
    baseline = "\n".join(f'"{k}" = {format_value(v)}' for k, v in point_values(design, 0).items())
    experiment = folder / "experiment.toml"
    experiment.write_text(head + f"\n[baseline]\n{baseline}\n\n" + "\n".join(policies), encoding="utf-8")
    return explore, experiment


def best_of(repeat: int, work) -> float:
    best = float("inf")
    for attempt in range(repeat):
        start = time.perf_counter()
        work(attempt)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=24, help="design points = runs, a multiple of 3 (default 24)")
    parser.add_argument("--days", type=float, default=30, help="days per run (default 30)")
    parser.add_argument("--workers", type=int, default=1, help="1 = in-process (default); N = local processes")
    parser.add_argument("--repeat", type=int, default=2, help="timings per command; the best is kept (default 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        explore_spec, experiment_spec = write_specs(folder, args.points, args.days)
        exploration, experiment = load_exploration(explore_spec), load_experiment(experiment_spec)
        results = {}
        from sim.runner import run

        run(SCENARIO, {}, seed=0, days=1, progress=False)  # imports and caches warm before either is timed

        def explore(attempt: int) -> None:
            backend = make_backend(args.workers, None)
            try:
                results[attempt] = run_exploration(exploration, folder / f"explore{attempt}", backend, progress=False)
            finally:
                backend.close()

        def compare(attempt: int) -> None:
            backend = make_backend(args.workers, None)
            try:
                run_experiment(experiment, folder / f"experiment{attempt}", backend, progress=False)
            finally:
                backend.close()

        explore_s = best_of(args.repeat, explore)
        experiment_s = best_of(args.repeat, compare)
        report_s = best_of(args.repeat, lambda attempt: write_report(exploration, results[attempt]))
    runs = exploration.samples_count()
    print(f"{runs} runs of {args.days:g} days on {SCENARIO.name}, {args.workers} worker(s), best of {args.repeat}")
    print(f"explore    : {runs / explore_s:6.2f} runs/s ({explore_s:.2f} s: sampling, runs, store, per-point table)")
    print(f"experiment : {runs / experiment_s:6.2f} runs/s ({experiment_s:.2f} s: runs, store, statistics)")
    print(f"explore's analysis and report: {report_s:.2f} s ({report_s / explore_s:.0%} of its runs' time)")


if __name__ == "__main__":
    main()
