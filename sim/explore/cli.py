"""``bordersim explore SPEC [--out DIR] [--workers N] [--scheduler ADDRESS] [--resume] [--quiet]``.

Validates the exploration file (:mod:`sim.explore.spec`), picks the backend as ``bordersim experiment`` does,
runs (or resumes) the design with a progress bar on stderr, writes the report (:mod:`sim.explore.report`) and
prints the leading parameters per outcome and where the report is. Exit status: 0 all runs succeeded, 1 some
runs failed (recorded in ``runs.parquet`` with their error, or worker processes kept dying), 2 bad input,
another process writing into the folder, or a folder that cannot be written, 130 interrupted by Ctrl-C and 143
by SIGTERM. In every case but bad input the runs finished so far are kept, and ``--resume`` finishes the rest.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from sim.explore.spec import SIZE_MEANS, Exploration, load_exploration

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2


def add_parser(sub: Any) -> None:
    """The ``explore`` subcommand's arguments."""
    p = sub.add_parser(
        "explore",
        help="global sensitivity (Morris, Sobol), policy robustness and scenario discovery (PRIM) over uncertainties",
    )
    p.add_argument("spec", help="exploration file (.toml) with [uncertainties], e.g. experiments/sensitivity.toml")
    p.add_argument("--workers", type=int, default=None, help="1 = in-process; N = local processes (default: cores)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--out", default=None, help="output folder (default results/<experiment name>)")
    p.add_argument("--resume", action="store_true", help="finish an interrupted exploration")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def default_out_dir(exploration: Exploration) -> Path:
    return Path("results") / exploration.name


def explore_command(args: argparse.Namespace) -> int:
    """Entry point of ``bordersim explore``; returns the exit status."""
    from sim.experiment.backends import make_backend
    from sim.experiment.cli import exit_status, finish_line, run_guarded
    from sim.explore.execute import run_exploration

    exploration = load_exploration(args.spec)
    out_dir = Path(args.out) if args.out else default_out_dir(exploration)
    backend = make_backend(args.workers, args.scheduler)

    def work():
        if not args.quiet:
            experiment = exploration.experiment
            print(
                f"{exploration.name}: {exploration.method} over {len(exploration.uncertainties)} parameters, "
                f"{exploration.size} {SIZE_MEANS[exploration.method]} = {exploration.samples_count()} points x "
                f"{len(experiment.policies)} policies x {experiment.replications} replications = "
                f"{exploration.runs_count()} runs on {backend.name} ({backend.workers} workers) -> {out_dir}",
                file=sys.stderr,
            )
        return run_exploration(exploration, out_dir, backend, resume=args.resume, progress=not args.quiet)

    def finish(before: str) -> str:
        return finish_line(resume_command(args, out_dir), before)

    result, stopped = run_guarded(backend, work, out_dir, finish)
    if stopped is not None:
        return stopped
    from sim.explore.report import leading_lines, write_report

    try:
        report = write_report(exploration, result)
    except Exception as exc:  # the runs and per-point tables are saved; say what went wrong with the analysis
        print(f"warning: the report could not be written: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"data: {out_dir}/samples.parquet, points.parquet, runs.parquet", file=sys.stderr)
        return EXIT_FAILED
    for line in leading_lines(report):
        print(line)
    print(
        f"report: {out_dir / 'report.html'} (and report.md); "
        f"data: {out_dir}/samples.parquet, points.parquet, runs.parquet; tables: {out_dir}/*.csv"
    )
    return exit_status(result, out_dir)


def resume_command(args: argparse.Namespace, out_dir: Path) -> str:
    """The command that finishes this exploration."""
    words = ["bordersim", "explore", args.spec, "--resume"] + (["--out", str(out_dir)] if args.out else [])
    return " ".join(shlex.quote(w) for w in words)
