"""How long a scenario's outcomes take to settle: MSER-5 truncation of daily series over replications.

A run starts from an empty world: no one waiting, no case open, fees at their opening level. The first weeks are a
transient (the fee climbs, attempts ramp up) that a run's outcomes count unless a warm-up (``time.warmup_days``)
leaves it out, and the courts fill for months longer (a case takes months to its plea, a trial longer). :func:`settle`
measures how long it lasts: it runs the scenario for a number of days on a few seeds without a warm-up, records daily
series of the quantities in which the empty start shows (:data:`SERIES`: the fee, attempts, the apprehension rate,
people waiting, the courts' convictions a day and their open cases), and applies MSER-5 (White 1997; White, Cobb &
Spratt 2000) to each series averaged over the replications: the days to drop are those that minimise the squared
standard error of the mean of what is left, searched over the first half of the series (a minimum in the second half
means the series has not settled within the run). The recommended warm-up is the longest of the series' truncation
days.

``bordersim settle SCENARIO --days N --seeds K`` prints it (:func:`settle_command`).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: Observations per batch of MSER-5 (White, Cobb & Spratt 2000): batching smooths day-to-day noise.
BATCH = 5


@dataclass(frozen=True)
class Series:
    """A daily series to settle: ``read(model)`` gives its cumulative (``cumulative=True``, differenced to a
    daily count) or instantaneous value at the end of a day; a ratio series gives a numerator and a
    denominator, pooled over the days of a batch and over the replications before dividing."""

    name: str
    doc: str
    read: Callable[[Any], float | tuple[float, float]]
    cumulative: bool = False


def _counters(*names: str) -> Callable[[Any], float]:
    return lambda model: float(sum(model.accounts.counters[n] for n in names))


def _waiting(model: Any) -> float:
    return float(model.victims_by_state()["waiting"] + model.migrants_by_state()["waiting"])


def _apprehension(model: Any) -> tuple[float, float]:
    c = model.accounts.counters
    return float(c["interdictions"]), float(c["interdictions"] + c["crossings_succeeded"] + c["finished_turned_back"])


def _convictions(model: Any) -> float:
    return float(model.courts.convicted)


def _open_cases(model: Any) -> float:
    return float(model.courts.backlog)


#: The series measured: the fee, attempts per day, the apprehension rate, the people waiting, and the courts'
#: convictions a day and open cases (a case takes months from arrest to its plea and a trial longer, so the courts
#: fill long after the crossings have settled).
SERIES: tuple[Series, ...] = (
    Series("mean_fee", "mean fee across networks at the end of the day", lambda m: m.outcomes()["mean_fee"]),
    Series("attempts_per_day", "crossing attempts set out that day", _counters("crossings_attempted"), True),
    Series(
        "apprehension_rate", "interdictions per finished attempt that day (as apprehension_rate)", _apprehension, True
    ),
    Series("people_waiting", "people (victims and migrants) waiting at staging areas", _waiting),
    Series("convictions_per_day", "traffickers convicted that day (plea or trial)", _convictions, True),
    Series("open_cases", "court cases open at the end of the day (procedure, queue, trial)", _open_cases),
)


@dataclass(frozen=True)
class Truncation:
    """MSER's answer for one series: the days to drop and whether the minimum fell in the first half."""

    day: int  # days to drop (a multiple of the batch size)
    settled: bool  # False: the minimum lay beyond the first half, the run is too short to tell
    statistic: np.ndarray  # MSER(d) for d = 0, 1, ..., n - 2 batches dropped


def mser(values: Sequence[float], batch: int = BATCH, weights: Sequence[float] | None = None) -> Truncation:
    """MSER-``batch`` truncation of a series (White 1997): the number of leading observations to drop.

    The series is cut into batches of ``batch`` observations (a last partial batch is left out); with ``weights``
    (e.g. a ratio's denominators) a batch's value is the weighted mean ``sum(w * y) / sum(w)``, so a ratio is
    pooled over its batch, and a batch without weight (no finished attempt in it) is missing and left out of the
    sums and counts below. ``MSER(d) = sum_{j>d} (Z_j - mean_{j>d} Z)^2 / (n - d)^2`` over the ``n`` batch values
    ``Z``; the truncation is the ``d`` that minimises it over the first half (``d <= n / 2``), in observations.
    The series has settled (:attr:`Truncation.settled`) when no ``d`` beyond the first half gives a lower value.

    Raises:
        ValueError: fewer than 4 batches with weight.
    """
    y = np.asarray(values, dtype=float)
    n = len(y) // batch
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    wy = (w * y)[: n * batch].reshape(n, batch).sum(axis=1)
    wsum = w[: n * batch].reshape(n, batch).sum(axis=1)
    valid = wsum > 0
    if valid.sum() < 4:
        raise ValueError(
            f"MSER-{batch} needs at least 4 batches of {batch} observations with weight, given {len(y)} observations "
            f"({int(valid.sum())} such batches)"
        )
    z = np.divide(wy, wsum, out=np.zeros(n), where=valid)
    # Over the tail from each d: the batches kept, the sum of Z and of Z^2 (missing batches count nothing).
    kept = np.cumsum(valid[::-1])[::-1][: n - 1].astype(float)
    tail = np.cumsum(z[::-1])[::-1][: n - 1]
    tail_sq = np.cumsum((z * z)[::-1])[::-1][: n - 1]
    m = np.maximum(kept, 1.0)
    statistic = np.where(kept >= 2, np.maximum(tail_sq - tail**2 / m, 0.0) / m**2, np.inf)
    half = n // 2
    best = int(np.argmin(statistic[: half + 1]))
    settled = bool(statistic[best] <= statistic[half + 1 :].min()) if n - 1 > half + 1 else True
    return Truncation(day=best * batch, settled=settled, statistic=statistic)


def daily_series(
    scenario: str | Path | dict, days: int, seeds: Sequence[int], overrides: dict[str, Any] | None = None
) -> dict[str, np.ndarray]:
    """Run the scenario ``days`` days on each seed without a warm-up and read :data:`SERIES` at every day's end.

    Returns, by series name, an array of shape ``(len(seeds), days)`` (a ratio's: ``(2, len(seeds), days)``,
    numerators then denominators), cumulative series differenced to daily counts.
    """
    from sim.model import BorderModel
    from sim.scenario import load_scenario

    loaded = load_scenario(scenario if isinstance(scenario, dict) else Path(scenario), overrides)
    raw: dict[str, list[list[Any]]] = {s.name: [] for s in SERIES}
    for seed in seeds:
        model = BorderModel(loaded, seed=seed, warmup_days=0)
        rows: dict[str, list[Any]] = {s.name: [] for s in SERIES}
        while model.days_done < days:
            before = model.days_done
            model.step()
            if model.days_done > before:
                for s in SERIES:
                    rows[s.name].append(s.read(model))
        for s in SERIES:
            raw[s.name].append(rows[s.name][:days])
    out: dict[str, np.ndarray] = {}
    for s in SERIES:
        values = np.asarray(raw[s.name], dtype=float)  # (seeds, days) or (seeds, days, 2)
        if values.ndim == 3:
            values = np.moveaxis(values, 2, 0)  # (2, seeds, days)
        if s.cumulative:
            values = np.diff(values, axis=-1, prepend=0.0)
        out[s.name] = values
    return out


@dataclass(frozen=True)
class SettleReport:
    """The truncation of every series, averaged over replications and per replication, and the advice."""

    scenario: str
    days: int
    seeds: tuple[int, ...]
    truncation: dict[str, Truncation]  # of the series averaged (pooled, for a ratio) over the replications
    per_replication: dict[str, list[int | None]]  # each replication's own (None: its minimum beyond half)
    first_month: dict[str, float]  # the series' mean over days 1-30, for the report
    settled_level: dict[str, float]  # and over the days after the truncation

    @property
    def recommended_days(self) -> int:
        """The warm-up that covers every series: the longest truncation of the averaged series."""
        return max(t.day for t in self.truncation.values())

    @property
    def settled(self) -> bool:
        """Whether every averaged series settled within the first half of the run."""
        return all(t.settled for t in self.truncation.values())

    def table(self) -> str:
        """A plain-text table: each series' settling day, per-replication days, and its level over the first month
        and after the settling day; what each series is; the recommendation."""
        lines = [
            f"MSER-{BATCH} on {self.scenario}: {self.days} days x {len(self.seeds)} seeds "
            f"({', '.join(map(str, self.seeds))})",
            f"{'series':<20} {'settles':>8} {'per replication':<28} {'days 1-30':>10} {'after':>10}",
        ]
        for s in SERIES:
            t = self.truncation[s.name]
            day = f"{t.day}" + ("" if t.settled else "?")
            reps = ", ".join("?" if d is None else str(d) for d in self.per_replication[s.name])
            lines.append(
                f"{s.name:<20} {day:>8} {reps:<28} {self.first_month[s.name]:>10.4g} "
                f"{self.settled_level[s.name]:>10.4g}"
            )
        lines += [f"  {s.name}: {s.doc}" for s in SERIES]
        lines.append(f"recommended time.warmup_days: {self.recommended_days}")
        if not self.settled:
            lines.append("warning: a series marked ? has not settled within the first half of the run: run longer")
        return "\n".join(lines)


def _level(values: np.ndarray, start: int, stop: int | None) -> float:
    """Mean of a series (pooled ratio for a ratio series) over days ``start`` to ``stop``."""
    if values.ndim == 3:
        num, den = values[0][:, start:stop].sum(), values[1][:, start:stop].sum()
        return float(num / den) if den else math.nan
    return float(values[:, start:stop].mean())


def settle(
    scenario: str | Path | dict,
    days: int,
    seeds: Sequence[int],
    overrides: dict[str, Any] | None = None,
    batch: int = BATCH,
) -> SettleReport:
    """How long each of :data:`SERIES` takes to settle in ``scenario``: MSER-``batch`` on the series averaged over
    the replications (``seeds``), and on each replication alone."""
    data = daily_series(scenario, days, seeds, overrides)
    truncation, per_rep, first, after = {}, {}, {}, {}
    for s in SERIES:
        values = data[s.name]
        if values.ndim == 3:  # a ratio: pooled over replications, weighted by its denominator
            num, den = values[0].sum(axis=0), values[1].sum(axis=0)
            t = mser(np.divide(num, den, out=np.zeros_like(num), where=den > 0), batch, weights=den)
            reps = []
            for r in range(values.shape[1]):
                try:
                    one = mser(
                        np.divide(values[0][r], values[1][r], out=np.zeros(days), where=values[1][r] > 0),
                        batch,
                        weights=values[1][r],
                    )
                    reps.append(one.day if one.settled else None)
                except ValueError:  # too few batches with a finished attempt for one replication alone
                    reps.append(None)
        else:
            t = mser(values.mean(axis=0), batch)
            reps = [one.day if one.settled else None for one in (mser(row, batch) for row in values)]
        truncation[s.name], per_rep[s.name] = t, reps
        first[s.name], after[s.name] = _level(values, 0, 30), _level(values, t.day, None)
    name = Path(scenario).stem if not isinstance(scenario, dict) else str(scenario.get("scenario", {}).get("name"))
    return SettleReport(name, days, tuple(seeds), truncation, per_rep, first, after)


def settle_command(args: argparse.Namespace) -> int:
    """``bordersim settle SCENARIO [--days N] [--seeds K] [--root-seed S] [--set k=v]...``."""
    from sim.experiment.seeds import replication_seeds
    from sim.schema import InputError, Problem, check_run_options

    check_run_options(args.days, 0)
    problems = []
    if args.days < 4 * BATCH * 2:
        problems.append(Problem("--days", "", f"given {args.days}; allowed: at least {8 * BATCH} days"))
    if args.seeds < 1:
        problems.append(Problem("--seeds", "", f"given {args.seeds}; allowed: a whole number >= 1"))
    if args.root_seed < 0:
        problems.append(Problem("--root-seed", "", f"given {args.root_seed}; allowed: a whole number >= 0"))
    if problems:
        raise InputError(problems)
    seeds = replication_seeds(args.root_seed, args.seeds)
    try:
        report = settle(args.scenario, args.days, seeds, args.overrides)
    except ValueError as exc:  # too few finished attempts to measure the apprehension rate
        raise InputError([Problem("--days", "", f"given {args.days}: {exc}; run longer or with more --seeds")]) from exc
    print(report.table())
    return 0
