"""``bordersim experiment SPEC [--workers N] [--scheduler ADDRESS] [--out DIR] [--resume]``.

Validates the experiment file, picks the backend, runs (or resumes) the experiment with a
progress bar on stderr, prints a summary table of the outcomes of interest and says where the
report is. Exit status: 0 all runs succeeded, 1 some runs failed (recorded in ``runs.parquet``
with their error), 2 bad input, 130 interrupted by Ctrl-C and 143 by SIGTERM (finish with ``--resume``).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import pandas as pd

from sim.experiment.spec import BASELINE, Experiment, load_experiment
from sim.metrics import OUTCOME_BY_NAME

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2

#: Marks next to a mean in the summary table (explained under the table and in the report).
MARKS = {"better": "+", "worse": "!", "higher": "^", "lower": "v"}


def default_out_dir(experiment: Experiment) -> Path:
    return Path("results") / experiment.name


def experiment_command(args: argparse.Namespace) -> int:
    """Entry point of ``bordersim experiment``; returns the exit status."""
    from sim.experiment.backends import make_backend
    from sim.experiment.execute import run_experiment
    from sim.signals import exit_status, signal_name

    experiment = load_experiment(args.spec)
    out_dir = Path(args.out) if args.out else default_out_dir(experiment)
    quiet = bool(getattr(args, "quiet", False))
    backend = make_backend(args.workers, args.scheduler)
    try:
        if not quiet:
            runs = experiment.replications * len(experiment.policies) * len(experiment.sweep_points())
            where = f"{backend.name} ({backend.workers} workers)"
            print(f"{experiment.name}: {runs} runs on {where} -> {out_dir}", file=sys.stderr)
        result = run_experiment(experiment, out_dir, backend, resume=args.resume, progress=not quiet)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM (sim.signals): stop the workers, keep what is written
        backend.abort()
        resume = ["bordersim", "experiment", args.spec, "--resume"] + (["--out", str(out_dir)] if args.out else [])
        print(
            f"\ninterrupted ({signal_name(exc)}); finished runs are saved in {out_dir}. Finish with:", file=sys.stderr
        )
        print("  " + " ".join(shlex.quote(w) for w in resume), file=sys.stderr)
        return exit_status(exc)
    finally:
        backend.close()
    print(format_summary(result.summary, experiment))
    from sim.experiment.report import court_warnings

    for line in court_warnings(experiment, result.runs):
        print(f"warning: {line}")
    if result.report_error:
        print(f"warning: the report could not be written: {result.report_error}", file=sys.stderr)
    else:
        print(f"report: {out_dir / 'report.html'} (and report.md); data: {out_dir}/*.parquet, summary.csv")
    if result.failed:
        print(
            f"{result.failed} of {result.total} runs failed; their errors are in {out_dir / 'runs.parquet'} "
            "(columns status, error)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


def format_summary(summary: pd.DataFrame, experiment: Experiment) -> str:
    from sim.experiment.report import format_number

    """A plain-text table: outcomes down, policies across, mean with a significance mark."""
    if summary.empty:
        return "no successful runs to summarise"
    lines = []
    for point, table in summary.groupby("sweep_point", sort=True):
        if experiment.sweep:
            values = experiment.sweep_points()[int(point)]
            lines.append("sweep point " + ", ".join(f"{k} = {v}" for k, v in values.items()))
        policies = experiment.policy_names
        width = max(12, *(len(p) + 1 for p in policies))
        head = f"{'outcome':<28}" + "".join(f"{p:>{width}}" for p in policies)
        lines += [head, "-" * len(head)]
        cells = table.set_index(["outcome", "policy"])
        for outcome in experiment.outcomes:
            row = f"{outcome:<28}"
            for policy in policies:
                entry = cells.loc[(outcome, policy)]
                mark = MARKS.get(entry["verdict"], " ") if policy != BASELINE else " "
                row += f"{format_number(entry['mean']) + ' ' + mark:>{width}}"
            lines.append(row + f"  {OUTCOME_BY_NAME[outcome].unit}")
        lines.append("")
    lines.append(
        "Means over replications. Versus baseline (paired t-test, Holm-corrected, 5%): "
        "+ significantly better, ! significantly worse, ^/v higher/lower for outcomes with no better direction."
    )
    return "\n".join(lines)
