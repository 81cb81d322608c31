"""Optimisation files: the scenario, the decision variables, the objectives, the budget and the search's size.

An optimisation file (TOML, see ``experiments/budget.toml`` and ``docs/optimize.md``) has an ``[optimize]`` table
(the scenario, the objectives, the budget on the ``cost`` outcome, replications, generations, population), an
optional ``[baseline]`` table of overrides every candidate shares, and ``[variables."<key>"]`` tables, one per
scenario key searched: ``low`` and ``high`` (with ``integer = true`` for whole numbers) or ``choices``.
:func:`load_spec` checks all of it before any run: unknown keys, empty or reversed bounds, outcomes that are not
declared or have no direction, and every variable's ends and choices applied to the scenario, each problem naming
the file and the key.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.experiment.spec import DEFAULT_RUN_FUNCTION, flatten_overrides
from sim.metrics import OUTCOME_BY_NAME, OUTCOMES, Direction
from sim.schema import MAX_RUN_DAYS, Builder, InputError, plain_key, read_toml, spec

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_RUN_FUNCTION_PATTERN = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
#: The outcome the budget caps.
COST = "cost"


@dataclass(frozen=True)
class OptimizeSection:
    name: str = spec(doc="Name of the search; results go to results/<name>/ by default.")
    scenario: str = spec(doc="Scenario file the candidates modify, relative to this file.")
    objectives: list[str] = spec(
        doc="Declared outcomes to optimise, each in its declared direction (lower or higher is better).",
        choices=tuple(o.name for o in OUTCOMES),
    )
    budget: float = spec(
        doc="Cap on the mean cost outcome over the counted days: candidates above it are infeasible.",
        unit="currency",
        gt=0,
    )
    replications: int = spec(doc="Runs per candidate, on the same seeds for every candidate.", ge=1, le=1000)
    final_replications: int = spec(
        doc="Runs per candidate of the final front when it is evaluated again (at least replications).", ge=1, le=1000
    )
    generations: int = spec(doc="Generations of NSGA-II, the first (random) one included.", ge=1, le=10_000)
    population: int = spec(doc="Candidates per generation.", ge=4, le=10_000)
    root_seed: int = spec(doc="Seed of the replications' seeds and of the search.", ge=0)
    final_front_max: int = spec(
        12,
        doc="Most candidates of the front evaluated again (the most spread out by crowding distance, extremes kept).",
        ge=1,
        le=10_000,
    )
    description: str = spec("", doc="What the search asks, in a sentence or two (shown in the report).")
    days: float | None = spec(None, doc="Counted days per run (default: the scenario's time.days).", unit="days", gt=0)
    warmup_days: int | None = spec(
        None,
        doc="Days each run simulates first, not counted (default: the scenario's time.warmup_days).",
        unit="days",
        ge=0,
        le=MAX_RUN_DAYS,
    )
    run_function: str = spec(
        DEFAULT_RUN_FUNCTION,
        doc="Advanced: the function performing one run, as module:function with the signature of sim.runner.run.",
    )


@dataclass(frozen=True)
class VariableTable:
    low: float | None = spec(None, doc="Lowest value searched.")
    high: float | None = spec(None, doc="Highest value searched.")
    integer: bool = spec(False, doc="Whole numbers only (counts).")
    choices: list[Any] | None = spec(None, doc="The values searched, for a key that is not a number range.")


@dataclass(frozen=True)
class OptimizeFile:
    optimize: OptimizeSection = spec(doc="What to search: scenario, objectives, budget, size.")
    baseline: dict[str, Any] = spec(default_factory=dict, doc="Overrides every candidate shares.")
    variables: dict[str, VariableTable] = spec(
        default_factory=dict, doc='[variables."<key>"] tables: low and high (integer = true), or choices.'
    )


@dataclass(frozen=True)
class Variable:
    """A decision variable: a scenario key and the values it may take.

    Attributes:
        key: the dotted scenario key.
        low, high: the range of a number (``integer``: whole numbers).
        choices: the values of a key searched among a list; the first is the budget probe's.
    """

    key: str
    low: float = 0.0
    high: float = 0.0
    integer: bool = False
    choices: tuple[Any, ...] = ()

    @property
    def bounds(self) -> tuple[float, float]:
        """The variable's range in the search's encoding (numbers from which :meth:`decode` rounds)."""
        if self.choices:
            return -0.4999, len(self.choices) - 1 + 0.4999
        if self.integer:
            return self.low - 0.4999, self.high + 0.4999
        return self.low, self.high

    def decode(self, x: float) -> Any:
        """The scenario value of an encoded number: a choice by its rounded index, a whole number rounded, a number
        clipped to the range (and rounded to 6 significant digits, so equal candidates are equal)."""
        lo, hi = self.bounds
        x = min(max(float(x), lo), hi)
        if self.choices:
            return self.choices[round(x)]
        if self.integer:
            return round(x)
        return float(f"{x:.6g}")

    def encode(self, value: Any) -> float:
        """The encoded number of a scenario value (the inverse of :meth:`decode`)."""
        if self.choices:
            return float(self.choices.index(value))
        return float(value)

    @property
    def cheapest(self) -> Any:
        """The probe's value: the low end of a range, the first choice."""
        return self.choices[0] if self.choices else (int(self.low) if self.integer else float(self.low))

    def describe(self) -> str:
        if self.choices:
            return "one of " + ", ".join(json.dumps(c) for c in self.choices)
        kind = "whole numbers" if self.integer else "numbers"
        return f"{kind} from {self.low:g} to {self.high:g}"


@dataclass(frozen=True)
class OptimizeSpec:
    """A validated optimisation file."""

    name: str
    description: str
    path: Path
    scenario_path: Path
    objectives: tuple[str, ...]
    budget: float
    variables: tuple[Variable, ...]
    baseline: dict[str, Any]
    replications: int
    final_replications: int
    generations: int
    population: int
    root_seed: int
    final_front_max: int
    days: float
    warmup_days: int
    run_function: str = DEFAULT_RUN_FUNCTION
    raw: dict = field(default_factory=dict, repr=False)

    def overrides(self, params: dict[str, Any]) -> dict[str, Any]:
        """A candidate's overrides of the scenario: the baseline's, then its variables' values."""
        return {**self.baseline, **params}

    def seeds(self, replications: int) -> list[int]:
        """The run seeds of the first ``replications`` replications (the same for every candidate)."""
        from sim.experiment.seeds import replication_seeds

        return replication_seeds(self.root_seed, replications)

    @property
    def cheapest(self) -> dict[str, Any]:
        """The budget probe: every number at its low end, every choice at its first."""
        return {v.key: v.cheapest for v in self.variables}

    def fingerprint(self) -> str:
        """Hash of what determines the search: the file, the scenario file, and the days and warm-up in force."""
        what = {
            "file": self.raw,
            "scenario": self.scenario_path.read_text("utf-8"),
            "days": self.days,
            "warmup_days": self.warmup_days,
        }
        return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _variable_tables(raw: Any, prefix: str = "") -> dict[str, Any]:
    """``[variables]`` as dotted key -> table: a table of none of a variable's fields is a level of the key
    (``[variables.patrols.count]`` and ``[variables."patrols.count"]`` are the same)."""
    if not isinstance(raw, dict):
        return {prefix: raw} if prefix else {}
    fields = {"low", "high", "integer", "choices"}
    if prefix and (set(raw) & fields or not raw):
        return {prefix: raw}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        out.update(_variable_tables(value, f"{prefix}.{key}" if prefix else key))
    return out


def load_spec(path: str | Path) -> OptimizeSpec:
    """Read and validate an optimisation file; raise :class:`InputError` listing every problem as
    ``file: key: message``."""
    path = Path(path)
    file = str(path)
    raw = read_toml(path)
    raw = {**raw, "variables": _variable_tables(raw.get("variables", {}))}
    builder = Builder(file)
    parsed: OptimizeFile = builder.build(OptimizeFile, raw, "")
    if parsed is None or not isinstance(parsed.optimize, OptimizeSection):
        raise InputError(builder.problems)
    section = parsed.optimize
    _check_section(section, builder)
    scenario = section.scenario if isinstance(section.scenario, str) else ""
    scenario_path = (path.parent / scenario).resolve() if scenario else path.parent
    if scenario and not scenario_path.is_file():
        builder.fail("optimize.scenario", f"given {scenario!r}; no such file (looked for {scenario_path})")
    baseline = flatten_overrides(parsed.baseline if isinstance(parsed.baseline, dict) else {})
    variables = _variables(parsed.variables if isinstance(parsed.variables, dict) else {}, baseline, builder)
    if builder.problems:
        raise InputError(builder.problems)
    if scenario_path.is_file():
        _check_against_scenario(scenario_path, baseline, variables, builder)
    if builder.problems:
        raise InputError(list(dict.fromkeys(builder.problems)))
    from sim.scenario import load_scenario

    time = load_scenario(scenario_path, baseline).spec.time
    return OptimizeSpec(
        name=section.name,
        description=section.description,
        path=path,
        scenario_path=scenario_path,
        objectives=tuple(section.objectives),
        budget=float(section.budget),
        variables=variables,
        baseline=baseline,
        replications=section.replications,
        final_replications=section.final_replications,
        generations=section.generations,
        population=section.population,
        root_seed=section.root_seed,
        final_front_max=section.final_front_max,
        days=float(section.days if section.days is not None else time.days),
        warmup_days=int(section.warmup_days if section.warmup_days is not None else time.warmup_days),
        run_function=section.run_function,
        raw=raw,
    )


def _check_section(section: OptimizeSection, builder: Builder) -> None:
    if not isinstance(section.name, str) or not _NAME_PATTERN.match(section.name or ""):
        allowed = "use letters, digits, '_', '-' or '.' (it names the results folder)"
        builder.fail("optimize.name", f"given {section.name!r}; {allowed}")
    objectives = section.objectives if isinstance(section.objectives, list) else []
    if isinstance(section.objectives, list) and not objectives:
        builder.fail("optimize.objectives", "given an empty list; name at least one outcome with a direction")
    for name in objectives:
        outcome = OUTCOME_BY_NAME.get(name) if isinstance(name, str) else None
        if outcome is not None and outcome.direction is Direction.NEUTRAL:
            builder.fail(
                "optimize.objectives",
                f"{name!r} is declared neither better higher nor lower (sim/metrics.py), so it cannot be optimised",
            )
    dupes = sorted({o for o in objectives if isinstance(o, str) and objectives.count(o) > 1})
    if dupes:
        builder.fail("optimize.objectives", f"repeated: {', '.join(dupes)}")
    reps, final = section.replications, section.final_replications
    if isinstance(reps, int) and isinstance(final, int) and final < reps:
        builder.fail("optimize.final_replications", f"given {final}; allowed: at least replications ({reps})")
    if isinstance(section.run_function, str) and not _RUN_FUNCTION_PATTERN.match(section.run_function):
        builder.fail(
            "optimize.run_function", f"given {section.run_function!r}; expected module:function, e.g. sim.runner:run"
        )


def _variables(tables: dict[str, Any], baseline: dict[str, Any], builder: Builder) -> tuple[Variable, ...]:
    if not tables:
        builder.fail("variables", 'no decision variable; add [variables."<key>"] tables with low and high, or choices')
    out = []
    for key, table in tables.items():
        where = f'variables."{key}"'
        if not isinstance(table, VariableTable):
            continue  # the schema reported it
        if key in baseline:
            builder.fail(where, "this key is also fixed by [baseline]; a variable may not be fixed as well")
        if key == "time.warmup_days":
            builder.fail(where, "the warm-up is the same for every run: set warmup_days under [optimize] instead")
        if table.choices is not None:
            if table.low is not None or table.high is not None or table.integer:
                builder.fail(where, "give either choices, or low and high (with integer = true for whole numbers)")
            elif len(table.choices) < 2:
                builder.fail(where, f"given choices {table.choices!r}; allowed: a list of at least two values")
            elif len({json.dumps(c, sort_keys=True) for c in table.choices}) != len(table.choices):
                builder.fail(where, f"given choices {table.choices!r}; the values must be distinct")
            else:
                out.append(Variable(key, choices=tuple(table.choices)))
            continue
        if table.low is None or table.high is None:
            builder.fail(where, "give low and high (with integer = true for whole numbers), or choices")
            continue
        low, high = table.low, table.high
        if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
            builder.fail(where, f"empty bounds: low {low:g}, high {high:g}; allowed: low < high")
            continue
        if table.integer and (low != int(low) or high != int(high)):
            builder.fail(where, f"low {low:g} and high {high:g} must be whole numbers for integer = true")
            continue
        out.append(Variable(key, float(low), float(high), bool(table.integer)))
    return tuple(out)


def _check_against_scenario(
    scenario_path: Path, baseline: dict[str, Any], variables: tuple[Variable, ...], builder: Builder
) -> None:
    """Load the scenario with the baseline, and with each variable at each end and each choice (the others at the
    probe's values), so that an unknown key or a value the scenario refuses stops the search before any run."""
    from sim.world.build import scenario_problems

    cheapest = {v.key: v.cheapest for v in variables}
    probes: list[tuple[str, dict[str, Any]]] = [("baseline", baseline)]
    for v in variables:
        values = v.choices or ((int(v.low), int(v.high)) if v.integer else (v.low, v.high))
        probes += [(f'variables."{v.key}"', {**baseline, **cheapest, v.key: value}) for value in values]
    for where, overrides in probes:
        try:
            problems = scenario_problems(scenario_path, overrides)
        except InputError as exc:
            problems = exc.problems
        for problem in problems:
            key = plain_key(problem.key)
            owner = next((v.key for v in variables if key == v.key or key.startswith((v.key + ".", v.key + "["))), None)
            if owner is not None:
                builder.fail(f'variables."{owner}"', problem.message)
            elif where == "baseline" or any(key == k or key.startswith(k + ".") for k in baseline):
                builder.fail(f'baseline."{key}"' if key in baseline else "baseline", str(problem))
            else:
                builder.fail(where, f"the scenario with this value is invalid: {problem}")
