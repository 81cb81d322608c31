"""How long an experiment will take, measured before it starts.

The coordinator performs the first run to do (the baseline of replication 0, usually) for a day and for a few days
with the experiment's own run function, timing both: the difference gives the cost of a simulated day, the rest the
cost of starting a run (loading the scenario, building the world). A run of ``days`` after a warm-up of
``warmup_days`` then costs about ``start + (warmup_days + days) x per_day``, and the runs to do are spread over the
workers. Two things it cannot see: a day late in a run costs a little more than an early one (people taken across
stay agents; on desert_sector a 180-day run took 2.0 s where the trial predicted 1.9 s), and workers that share a
busy core run slower than the trial did.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from sim.experiment.backends import RunTask, resolve_run_function

#: Days of the longer trial run (the shorter one is a day); less when the runs themselves are shorter.
TRIAL_DAYS = 4.0
#: When the first trial run (a day, including imports and the world's construction) takes longer than this (s),
#: no further trial is made: the estimate scales that day alone, an upper bound.
TRIAL_BUDGET_S = 1.0


@dataclass(frozen=True)
class Estimate:
    """The estimated wall time of the runs to do, and how it was made."""

    runs: int
    workers: int
    seconds: float
    how: str

    def describe(self) -> str:
        """One line: ``estimated duration: about N minutes on W workers (estimated from ...)``."""
        each = "worker" if self.workers == 1 else "workers"
        about = f"about {format_duration(self.seconds)} for {self.runs} runs on {self.workers} {each}"
        return f"estimated duration: {about} ({self.how})"


def format_duration(seconds: float) -> str:
    """``40 seconds``, ``3 minutes``, ``1.5 hours``: rounded as an estimate deserves."""
    if seconds < 90:
        return f"{max(10, 10 * round(seconds / 10)):.0f} seconds"
    minutes = seconds / 60
    if minutes < 120:
        return f"{round(minutes):.0f} minutes"
    return f"{minutes / 60:.1f} hours"


def _timed(task: RunTask, days: float) -> float:
    run = resolve_run_function(task.run_function)
    started = time.perf_counter()
    run(task.scenario, dict(task.overrides), seed=task.seed, days=days, progress=False, warmup_days=0)
    return time.perf_counter() - started


def estimate_duration(todo: list[RunTask], workers: int) -> Estimate | None:
    """The estimated wall time of ``todo`` on ``workers`` workers, from trial runs of its first task in this
    process; None when there is nothing to do or the trial run fails (the experiment will say why)."""
    if not todo:
        return None
    task = todo[0]
    days = max(task.days + task.warmup_days for task in todo)  # a warm-up costs as much as counted days
    short = min(1.0, days)
    try:
        first = _timed(task, short)  # also imports the model and warms its caches
        if first > TRIAL_BUDGET_S or days <= short:
            per_run = first * days / short
            how = f"scaled from a {short:g}-day trial run"
        else:
            long = min(TRIAL_DAYS, days)
            one, more = _timed(task, short), _timed(task, long)
            per_day = max((more - one) / (long - short), more / long / 4)
            per_run = max(one - short * per_day, 0.0) + days * per_day
            how = f"estimated from trial runs of {short:g} and {long:g} days"
    except Exception:  # a run that fails fails again in the experiment, recorded with its error
        return None
    used = max(1, min(workers, len(todo)))
    seconds = math.ceil(len(todo) / used) * per_run
    return Estimate(len(todo), used, seconds, f"{how}, if each worker has a core of its own")
