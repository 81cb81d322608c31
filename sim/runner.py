"""A run is a pure function: ``(scenario, overrides, seed, days, warmup_days) -> outcomes + daily series +
crossings``.

:func:`run` is what every experiment backend ships to workers, what EMA Workbench or SALib can
call, and what makes results reproducible: the same arguments give byte-identical files.
:func:`run_command` is ``bordersim run``.
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import io
import json
import math
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.metrics import OUTCOMES
from sim.schema import InputError, Problem, check_run_options

if TYPE_CHECKING:
    from sim.world.geo import GeoFrame

#: What determines a run's results, besides its (scenario, overrides, seed, days, warm-up): the source of these parts
#: of the package, and the numerical libraries (a new numpy can change the random streams).
_MODEL_SOURCES = ("model", "world", "scenario", "schema.py", "metrics.py", "runner.py")
_MODEL_LIBRARIES = ("mesa", "numpy", "scipy", "networkx", "shapely", "rasterio", "pyproj")


@functools.cache
def model_version() -> str:
    """A hash of the code and library versions that make a run's results: results made under another
    ``model_version`` may differ for the same (scenario, overrides, seed, days, warm-up)."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for part in _MODEL_SOURCES:
        files = sorted((root / part).rglob("*.py")) if (root / part).is_dir() else [root / part]
        for path in files:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in _MODEL_LIBRARIES:
        try:
            digest.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} missing".encode())
    return digest.hexdigest()[:16]


#: Measured cost of a run (``benchmarks/bench_model.py``, docs/performance.md): a step costs a fixed part plus a
#: part per agent that acts in it (patrols on duty, guides of groups under way), about 100-150 us plus 7 us each
#: (processor time, desert_sector at 1x to 100x the agents); people waiting cost nothing a step, but each person
#: taken on costs their streams and bookkeeping once (about 20 us).
STEP_OVERHEAD_US = 150.0
ACTING_AGENT_US = 7.0
PERSON_US = 20.0
#: Hours a group is under way, for the estimate: its walk or drive and the wait for its moment (desert_sector's
#: groups are under way about half a day).
GROUP_HOURS_UNDER_WAY = 12.0
#: Runs estimated to take longer than this (s) are announced on standard error before they start.
LONG_RUN_SECONDS = 600.0


@dataclass(frozen=True)
class RunSize:
    """The size of a run, known before it starts: steps, the agents that act in a mean step, the people taken
    on, and the estimated processor time."""

    steps: int
    acting_agents: float
    people: float
    seconds: float

    @property
    def agent_steps(self) -> float:
        """Steps of an acting agent, summed over the run."""
        return self.steps * self.acting_agents

    def describe(self) -> str:
        minutes = self.seconds / 60.0
        took = f"{minutes:,.0f} minutes" if minutes < 120 else f"{minutes / 60.0:,.1f} hours"
        return (
            f"{self.steps:,} steps x about {self.acting_agents:,.0f} acting agents (patrols on duty, groups under "
            f"way) and {self.people:,.0f} people taken on, about {took} at {STEP_OVERHEAD_US:g} us a step, "
            f"{ACTING_AGENT_US:g} us per acting agent and step and {PERSON_US:g} us a person"
        )


def estimate_run_size(scenario, days: float | None = None) -> RunSize:
    """Steps, acting agents in a mean step, people taken on and processor time of a run of a validated
    :class:`~sim.scenario.Scenario`.

    Acting agents are the patrol units on duty (``patrols.count x on_duty_share``) and the groups under way (the
    people setting out a day over the mean group size, each group :data:`GROUP_HOURS_UNDER_WAY` on its way); the
    people are at most ``crossers.per_day`` a day. The estimate is an upper one for the people (networks work below
    capacity when trade looks unprofitable) and rough for the groups (their time under way depends on the land).
    """
    days = scenario.time.days if days is None else days
    steps = math.ceil(days * 24.0 * 60.0 / scenario.time.step_minutes - 1e-9)
    s = scenario
    trade = bool(s.traffickers.networks)
    people = s.crossers.per_day * days if trade else 0.0
    groups = s.crossers.per_day / s.traffickers.group_size_mean * GROUP_HOURS_UNDER_WAY / 24.0 if trade else 0.0
    acting = s.patrols.count * s.patrols.on_duty_share + groups
    seconds = (steps * (STEP_OVERHEAD_US + ACTING_AGENT_US * acting) + people * PERSON_US) / 1e6
    return RunSize(steps=steps, acting_agents=acting, people=people, seconds=seconds)


def warn_if_long(scenario, days: float | None = None, where: str = "") -> RunSize:
    """Print a warning with the estimate on standard error when a run would take very long.

    ``where`` (a file name) starts the line when given.
    """
    size = estimate_run_size(scenario, days)
    if size.seconds > LONG_RUN_SECONDS:
        what = f"a run of {scenario.time.days if days is None else days:g} days" if where else "this run"
        print(
            f"warning: {where + ': ' if where else ''}{what} will take very long: {size.describe()}. A longer "
            "time.step_minutes, fewer days (--days) or fewer patrol units (patrols.count) makes it shorter.",
            file=sys.stderr,
        )
    return size


@dataclass
class RunResult:
    """Outcomes of one run. ``outcomes`` holds every :data:`sim.metrics.OUTCOMES` name plus provenance."""

    outcomes: dict[str, Any]
    timeseries: list[dict] = field(default_factory=list)
    crossings: list[dict] = field(default_factory=list)
    geo: GeoFrame | None = None  # where the map lies on Earth (GeoTIFF scenarios), for crossings.geojson


def run(
    scenario: str | Path | dict,
    overrides: dict[str, Any] | list[str] | None = None,
    seed: int = 0,
    days: float | None = None,
    progress: bool = False,
    warmup_days: int | None = None,
) -> RunResult:
    """Run one simulation: ``warmup_days`` days not counted, then ``days`` counted days.

    Args:
        scenario: path of a scenario file (or a raw scenario dict).
        overrides: dotted-key overrides, as ``{"patrols.count": 12}`` or ``["patrols.count=12"]``.
        seed: seed of the model's random generator.
        days: counted days (default: the scenario's ``time.days``).
        progress: show a progress bar on standard error.
        warmup_days: days simulated first and not counted (default: the scenario's ``time.warmup_days``): the
            outcomes, the daily series (day 1 = the first counted day) and the crossing records (their ``day``
            counted from the same start) cover the counted days alone.
    """
    from sim import __version__
    from sim.model import BorderModel
    from sim.scenario import load_scenario

    check_run_options(days, seed, warmup_days)
    loaded = load_scenario(scenario if isinstance(scenario, dict) else Path(scenario), overrides)
    model = BorderModel(loaded, seed=seed, warmup_days=warmup_days)
    days = loaded.spec.time.days if days is None else days
    warmup = model.warmup_days
    # Whole days, also when a step does not divide a day.
    steps = math.ceil((warmup + days) * model.steps_per_day - 1e-9)
    bar = _progress(steps, progress, loaded.spec.name)
    chunk = max(1, steps // 200)
    for done in range(0, steps, chunk):
        for _ in range(min(chunk, steps - done)):
            model.step()
        if bar is not None:
            bar.update(min(chunk, steps - done))
    if bar is not None:
        bar.close()
    outcomes = _clean(model.outcomes())
    outcomes["victims_by_state"] = model.victims_by_state()
    outcomes["migrants_by_state"] = model.migrants_by_state()
    outcomes["cost_items"] = {k: round(float(v), 2) for k, v in model.accounts.cost_items().items()}
    outcomes["courts"] = _clean(
        {
            "arrivals_per_day": round(model.courts.arrivals_per_day, 6),
            "capacity_per_day": round(model.courts.capacity_per_day, 6),
            "utilisation": round(model.courts.utilisation, 6),
            "mean_days_to_verdict_of_decided_cases": round(model.courts.mean_days_to_verdict, 4),
            "mean_days_to_punishment": round(model.courts.mean_days_to_punishment(), 4),
            "penalty_discount": round(model.courts.penalty_discount(), 6),
            "warning": model.courts.overload_warning(),
        }
    )
    outcomes["days"] = days
    outcomes["warmup_days"] = warmup
    outcomes["seed"] = seed
    outcomes["scenario"] = loaded.spec.name
    outcomes["scenario_hash"] = loaded.hash()
    outcomes["overrides"] = dict(loaded.overrides)
    outcomes["extra_tower_sites_km"] = [[round(x, 3), round(y, 3)] for x, y in model.world.extra_tower_sites_km]
    outcomes["extra_tower_gains_km"] = [round(s.coverage_gain_km, 3) for s in model.world.sensors if s.auto_sited]
    outcomes["version"] = __version__
    timeseries = [_clean(row) for row in model.accounts.timeseries]
    crossings = (
        [r | {"day": round(r["day"] - warmup, 3)} for r in model.crossings.log] if warmup else model.crossings.log
    )
    return RunResult(outcomes=outcomes, timeseries=timeseries, crossings=list(crossings), geo=model.world.geo)


def _clean(row: dict) -> dict:
    """NaN (e.g. mean days to verdict before any verdict) becomes None, so JSON stays standard."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


def _progress(total: int, enabled: bool, name: str):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=f"simulating {name}", unit="step", file=sys.stderr, mininterval=0.5)


def write_result(result: RunResult, out: Path) -> None:
    """Write ``outcomes.json``, ``timeseries.csv``, ``crossings.csv`` and ``crossings.geojson`` (deterministic bytes).

    ``crossings.geojson`` holds the same records as points: in longitude and latitude for a scenario placed on
    Earth (GeoTIFF terrain), else in the local engineering CRS of :func:`sim.world.geo.crossings_geojson`.
    """
    from sim.world.geo import crossings_geojson

    out.mkdir(parents=True, exist_ok=True)
    (out / "outcomes.json").write_text(json.dumps(result.outcomes, indent=2, sort_keys=True) + "\n")
    for name, rows in (("timeseries.csv", result.timeseries), ("crossings.csv", result.crossings)):
        buffer = io.StringIO()
        if rows:
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        (out / name).write_text(buffer.getvalue())
    (out / "crossings.geojson").write_text(json.dumps(crossings_geojson(result.crossings, result.geo)) + "\n")


def summary_table(outcomes: dict[str, Any]) -> str:
    """A plain-text table of the outcomes, with units."""
    lines = [f"{'outcome':<28} {'value':>14}  unit"]
    for o in OUTCOMES:
        value = outcomes.get(o.name)
        text = "n/a" if value is None else (f"{value:,.3f}" if isinstance(value, float) else f"{value:,}")
        lines.append(f"{o.name:<28} {text:>14}  {o.unit}")
    for table in ("victims", "migrants"):
        states = ", ".join(f"{k} {v}" for k, v in outcomes[f"{table}_by_state"].items())
        lines.append(f"{table} by state: {states}")
    items = outcomes.get("cost_items")
    if items:
        lines.append("cost by item: " + ", ".join(f"{k} {v:,.0f}" for k, v in items.items()))
    warning = (outcomes.get("courts") or {}).get("warning")
    if warning:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)


def run_command(args: argparse.Namespace) -> int:
    """``bordersim run SCENARIO [--days D] [--warmup-days W] [--seed S] [--set k=v]... [--out DIR]``."""
    if args.out:  # a folder that cannot be made is reported before the run, not after it
        if Path(args.out).is_file():
            raise InputError([Problem("--out", "", f"'{args.out}' is a file; give a folder for the run's files")])
        Path(args.out).mkdir(parents=True, exist_ok=True)
    from sim.scenario import load_scenario

    check_run_options(args.days, args.seed, args.warmup_days)
    spec = load_scenario(args.scenario, args.overrides).spec
    days = spec.time.days if args.days is None else args.days
    warmup = spec.time.warmup_days if args.warmup_days is None else args.warmup_days
    warn_if_long(spec, days + warmup)
    result = run(
        args.scenario,
        args.overrides,
        seed=args.seed,
        days=args.days,
        progress=not args.quiet,
        warmup_days=args.warmup_days,
    )
    name = result.outcomes["scenario"]
    out = Path(args.out) if args.out else Path("results") / f"run-{name}-seed{args.seed}"
    write_result(result, out)
    print(summary_table(result.outcomes))
    files = ", ".join(
        str(out / name) for name in ("outcomes.json", "timeseries.csv", "crossings.csv", "crossings.geojson")
    )
    print(f"\nwritten: {files}")
    if result.geo is None:
        from sim.world.geo import LOCAL_FRAME_NOTE

        print(f"note: crossings.geojson: {LOCAL_FRAME_NOTE}")
    return 0
