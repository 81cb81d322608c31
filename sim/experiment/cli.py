"""``bordersim experiment SPEC [--workers N] [--scheduler ADDRESS] [--out DIR] [--resume] [--quiet]``.

Validates the experiment file, picks the backend, prints the estimated duration (from trial runs, see
:mod:`sim.experiment.estimate`; not with ``--quiet``), runs (or resumes) the experiment with a
progress bar on stderr, prints a summary table of the outcomes of interest (means with significance marks,
and how much pairing bought: the SD of paired over unpaired differences per outcome and policy) and says where
the report is. Exit status: 0 all runs succeeded, 1 some runs failed (recorded in ``runs.parquet``
with their error, or worker processes kept dying), 2 bad input, another experiment writing into the
same folder, or a folder that cannot be written (full disk, read-only), 130 interrupted by Ctrl-C and 143 by
SIGTERM. In every case but bad input the runs finished so far are kept, and ``--resume`` finishes the rest.
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


def experiment_command(args: argparse.Namespace, experiment: Experiment | None = None) -> int:
    """Entry point of ``bordersim experiment``; returns the exit status.

    ``experiment``, when given, is run instead of the file ``args.spec`` (e.g. the demo's quick version of it);
    ``args.resume_command``, when present, is the command that finishes it if interrupted.
    """
    from sim.experiment.backends import make_backend
    from sim.experiment.execute import run_experiment

    experiment = experiment or load_experiment(args.spec)
    out_dir = Path(args.out) if args.out else default_out_dir(experiment)
    quiet = bool(getattr(args, "quiet", False))
    backend = make_backend(args.workers, args.scheduler)

    def work():
        if not quiet:
            runs = experiment.replications * len(experiment.policies) * len(experiment.sweep_points())
            where = f"{backend.name} ({backend.workers} workers)"
            print(f"{experiment.name}: {runs} runs on {where} -> {out_dir}", file=sys.stderr)
        return run_experiment(experiment, out_dir, backend, resume=args.resume, progress=not quiet, estimate=not quiet)

    result, stopped = run_guarded(backend, work, out_dir, lambda before: resume_hint(args, out_dir, before))
    if stopped is not None:
        return stopped
    print(format_summary(result.summary, experiment))
    from sim.experiment.report import court_warnings, write_report

    for line in court_warnings(experiment, result.runs):
        print(f"warning: {line}")
    try:
        write_report(experiment, result.out_dir, result.runs, result.summary)
    except Exception as exc:  # the data and statistics are saved; say what went wrong with the figures
        print(f"warning: the report could not be written: {type(exc).__name__}: {exc}", file=sys.stderr)
    else:
        print(
            f"report: {out_dir / 'report.html'} (and report.md); "
            f"data: {out_dir}/*.parquet (the same tables as *.csv), summary.csv"
        )
    from sim.experiment.layers import DENSITY_FOLDER, write_crossing_density

    try:
        layers = write_crossing_density(experiment, result.out_dir, result.runs)
    except Exception as exc:  # the data and statistics are saved; say what went wrong with the layers
        print(
            f"warning: the crossing-density layers could not be written: {type(exc).__name__}: {exc}", file=sys.stderr
        )
    else:
        if layers:
            print(f"crossing density (GeoTIFF, one per policy): {out_dir / DENSITY_FOLDER}/*.tif")
    return exit_status(result, out_dir)


def exit_status(result, out_dir: Path) -> int:
    """The command's exit status once its runs are saved: 1, saying where the errors are, if any run failed.
    ``result``: an experiment's or an exploration's, with ``failed`` and ``total`` runs."""
    if result.failed:
        print(
            f"{result.failed} of {result.total} runs failed; their errors are in {out_dir / 'runs.parquet'} "
            "(columns status, error)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


def resume_hint(args: argparse.Namespace, out_dir: Path, before: str = "") -> str:
    """``Finish with:`` and the command that resumes this experiment, after what to do first if anything."""
    words = ["bordersim", "experiment", args.spec, "--resume"] + (["--out", str(out_dir)] if args.out else [])
    command = getattr(args, "resume_command", None) or " ".join(shlex.quote(w) for w in words)
    return finish_line(command, before)


def finish_line(command: str, before: str = "") -> str:
    """``Finish with:`` and ``command``, after what to do first if anything (``before``)."""
    lead = f"{before[0].upper()}{before[1:]} finish with:" if before else "Finish with:"
    return f"{lead}\n  {command}"


def run_guarded(backend, work, out_dir: Path, finish, saved: str = "runs"):
    """Run ``work()`` (runs on ``backend``) and close the backend, whatever happens.

    A stop (Ctrl-C, SIGTERM: :mod:`sim.signals`), a folder that cannot be written or a dead worker stops the
    workers, says what is kept in ``out_dir`` (the finished ``saved``) and how to finish (``finish(before)``:
    the line with the command that resumes, after what to do first), and gives the exit status instead of the
    result. Every command that runs on the experiment backends (experiment, calibrate, explore, optimize) stops
    the same way.

    Returns:
        ``(result, None)``, or ``(None, exit status)`` when it stopped.
    """
    from sim.experiment.backends import WorkerDiedError
    from sim.signals import exit_status, signal_name

    try:
        return work(), None
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM (sim.signals): stop the workers, keep what is written
        backend.abort()
        print(f"\ninterrupted ({signal_name(exc)}); finished {saved} are saved in {out_dir}.", file=sys.stderr)
        print(finish(""), file=sys.stderr)
        return None, exit_status(exc)
    except OSError as exc:  # full disk, read-only or unwritable folder: say so, keep what is written
        backend.abort()
        print(f"\nerror: {write_error(exc, out_dir)}", file=sys.stderr)
        print(f"The {saved} finished until then are saved in {out_dir}.", file=sys.stderr)
        print(finish("make room or make the folder writable, then"), file=sys.stderr)
        return None, EXIT_INPUT
    except WorkerDiedError as exc:
        backend.abort()
        print(f"\nerror: {exc} in {out_dir}.", file=sys.stderr)
        print(finish("check the memory the runs need (fewer --workers use less), then"), file=sys.stderr)
        return None, EXIT_FAILED
    finally:
        backend.close()


def write_error(exc: OSError, out_dir: Path) -> str:
    """One line on why the results folder could not be written: the reason, and the file if known."""
    import errno
    import os

    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "no permission to write there",
        errno.EPERM: "no permission to write there",
    }
    reason = reasons.get(exc.errno or -1) or (os.strerror(exc.errno) if exc.errno else str(exc))
    where = f" ({exc.filename})" if exc.filename else ""
    return f"cannot write the results in {out_dir}: {reason}{where}"


def format_summary(summary: pd.DataFrame, experiment: Experiment) -> str:
    """A plain-text table per sweep point: outcomes down, policies across, the mean with a significance mark;
    below it how much pairing bought, the SD of paired over unpaired differences per outcome and policy."""
    from sim.experiment.report import format_number, format_ratio

    if summary.empty:
        return "no successful runs to summarise"
    lines = []
    policies = experiment.policy_names
    for point, table in summary.groupby("sweep_point", sort=True):
        if experiment.sweep:
            values = experiment.sweep_points()[int(point)]
            lines.append("sweep point " + ", ".join(f"{k} = {v}" for k, v in values.items()))
        cells = table.set_index(["outcome", "policy"])
        means = {}
        for (outcome, policy), entry in cells.iterrows():
            mark = MARKS.get(entry["verdict"], " ") if policy != BASELINE else " "
            means[outcome, policy] = f"{format_number(entry['mean'])} {mark}"
        lines += _grid(experiment, means, units=True)
        if len(policies) > 1 and "pairing_sd_ratio" in cells.columns:
            ratios = {
                (outcome, policy): "" if policy == BASELINE else f"{format_ratio(ratio)}  "
                for (outcome, policy), ratio in cells["pairing_sd_ratio"].items()
            }
            lines.append("pairing: SD of paired / SD of unpaired differences against the baseline")
            lines += _grid(experiment, ratios)
        lines.append("")
    lines.append(
        "Means over replications. Versus baseline (paired t-test, Holm-corrected, 5%): "
        "+ significantly better, ! significantly worse, ^/v higher/lower for outcomes with no better direction."
    )
    lines.append(
        "Pairing: below 1, replication i of every policy sharing its seed made the comparison less noisy; "
        "a ratio r needs about r² as many replications as independent runs would (n/a: no variation)."
    )
    return "\n".join(lines)


def _grid(experiment: Experiment, cells: dict[tuple[str, str], str], units: bool = False) -> list[str]:
    """Lines of a table with the experiment's outcomes down and its policies across, the cell of each (outcome,
    policy) right-aligned in its column, and the outcome's unit after the row when ``units``."""
    policies = experiment.policy_names
    width = max(12, *(len(p) + 1 for p in policies))
    head = f"{'outcome':<28}" + "".join(f"{p:>{width}}" for p in policies)
    lines = [head, "-" * len(head)]
    for outcome in experiment.outcomes:
        row = f"{outcome:<28}" + "".join(f"{cells[outcome, policy]:>{width}}" for policy in policies)
        lines.append(row + (f"  {OUTCOME_BY_NAME[outcome].unit}" if units else ""))
    return lines
