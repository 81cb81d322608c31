"""Experiment files: which scenario, which policies, how many replications, which seeds.

An experiment file (TOML, see ``experiments/`` and ``docs/experiment-format.md``) names a scenario,
a baseline and policies, each policy a table of dotted-key overrides of the scenario (after EMA
Workbench's policies: a policy is data, not code), optional sweeps of explicit lists, and the
replications and root seed. :func:`load_experiment` validates all of it up front, including
every policy's overrides against the scenario schema, so a typo in the tenth policy is reported
before the first run starts, with the file and the key in the experiment file that is wrong.
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.metrics import OUTCOMES
from sim.schema import MAX_RUN_DAYS, Builder, InputError, Problem, parse_value, plain_key, read_toml, spec

#: Name of the reference policy every other policy is compared with.
BASELINE = "baseline"

#: The function that performs one run, as ``module:function``.
DEFAULT_RUN_FUNCTION = "sim.runner:run"

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_RUN_FUNCTION_PATTERN = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


@dataclass(frozen=True)
class ExperimentSection:
    name: str = spec(doc="Name of the experiment; results go to results/<name>/ by default.")
    scenario: str = spec(doc="Scenario file the policies modify, relative to this experiment file.")
    replications: int = spec(doc="Runs per policy (and sweep point), each with its own seed.", ge=1, le=100_000)
    root_seed: int = spec(doc="Seed from which every replication's seed is derived (common random numbers).", ge=0)
    description: str = spec("", doc="What the experiment asks, in a sentence or two (shown in the report).")
    days: float | None = spec(
        None, doc="Simulated days per run (default: the scenario's time.days).", unit="days", gt=0
    )
    warmup_days: int | None = spec(
        None,
        doc="Days each run simulates before its counted days, not counted (default: the scenario's "
        "time.warmup_days); the same for every policy.",
        unit="days",
        ge=0,
        le=MAX_RUN_DAYS,
    )
    outcomes: list[str] = spec(
        default_factory=lambda: [o.name for o in OUTCOMES],
        doc="Outcomes of interest: the statistics, summary table and report focus on these (default: all).",
        choices=tuple(o.name for o in OUTCOMES),
    )
    run_function: str = spec(
        DEFAULT_RUN_FUNCTION,
        doc="Advanced: the function performing one run, as module:function with the signature of sim.runner.run.",
    )


@dataclass(frozen=True)
class ExperimentFile:
    experiment: ExperimentSection = spec(doc="What to run: name, scenario, replications, seeds, outcomes.")
    baseline: dict[str, Any] = spec(
        default_factory=dict, doc="Overrides of the reference policy, also applied under every other policy."
    )
    policies: dict[str, dict[str, Any]] = spec(
        default_factory=dict,
        doc='[policies.<name>] tables of dotted-key overrides, e.g. "agencies.sharing" = "full".',
    )
    sweep: dict[str, list[Any]] = spec(
        default_factory=dict, doc="Optional explicit lists of values, crossed with each other and with the policies."
    )


@dataclass(frozen=True)
class Policy:
    """A named set of scenario overrides.

    Attributes:
        name: the policy's name (``baseline`` for the reference).
        own_overrides: the overrides written under ``[policies.<name>]`` (empty for the baseline).
        overrides: the effective overrides: the baseline's, then the policy's own.
    """

    name: str
    own_overrides: dict[str, Any]
    overrides: dict[str, Any]


@dataclass(frozen=True)
class Experiment:
    """A validated experiment.

    Attributes:
        name: experiment name (a valid folder name).
        description: free text for the report.
        path: the experiment file.
        scenario_path: the scenario file, resolved against the experiment file's folder.
        days: counted days per run.
        warmup_days: days each run simulates first, not counted.
        replications: runs per policy and sweep point.
        root_seed: root of the replication seeds.
        outcomes: names of the outcomes of interest, in :data:`sim.metrics.OUTCOMES` order.
        policies: the baseline first, then the policies in file order.
        sweep: dotted key -> explicit list of values.
        run_function: ``module:function`` performing one run.
        raw: the file as parsed, for the manifest.
    """

    name: str
    description: str
    path: Path
    scenario_path: Path
    days: float
    replications: int
    root_seed: int
    outcomes: tuple[str, ...]
    policies: tuple[Policy, ...]
    sweep: dict[str, list[Any]] = field(default_factory=dict)
    run_function: str = DEFAULT_RUN_FUNCTION
    raw: dict = field(default_factory=dict, repr=False)
    warmup_days: int = 0

    @property
    def policy_names(self) -> list[str]:
        return [p.name for p in self.policies]

    def policy(self, name: str) -> Policy:
        return next(p for p in self.policies if p.name == name)

    def sweep_points(self) -> list[dict[str, Any]]:
        """Every combination of sweep values (one empty point when there is no sweep)."""
        keys = list(self.sweep)
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*self.sweep.values())]

    def seeds(self) -> list[int]:
        from sim.experiment.seeds import replication_seeds

        return replication_seeds(self.root_seed, self.replications)

    def run_overrides(self, policy: Policy, sweep_point: dict[str, Any]) -> dict[str, Any]:
        """Overrides of one run: the baseline's, then the sweep point's, then the policy's own."""
        return {**self.baseline_overrides, **sweep_point, **policy.own_overrides}

    @property
    def baseline_overrides(self) -> dict[str, Any]:
        return self.policies[0].overrides

    def scaled(self, *, replications: int, days: float, suffix: str, warmup_days: int | None = None) -> Experiment:
        """The same experiment with fewer (or more) replications and days (and another warm-up, if given), named
        ``<name>_<suffix>`` so its results go to a folder of their own; its fingerprint (``raw``) records the new
        size, so results of one size are never resumed as the other's."""
        warmup = self.warmup_days if warmup_days is None else warmup_days
        section = {**self.raw.get("experiment", {}), "replications": replications, "days": days}
        if warmup != self.warmup_days:
            section["warmup_days"] = warmup
        name = f"{self.name}_{suffix}"
        raw = {**self.raw, "experiment": {**section, "name": name}}
        return replace(self, name=name, replications=replications, days=days, warmup_days=warmup, raw=raw)

    def reproduce_command(self, policy: Policy, sweep_point: dict[str, Any], seed: int | str) -> str:
        """The ``bordersim run`` command line that repeats one run of this experiment exactly."""
        scenario = _display_path(self.scenario_path)
        words = ["bordersim", "run", scenario, "--days", f"{self.days:g}", "--warmup-days", str(self.warmup_days)]
        words += ["--seed", str(seed)]
        for key, value in self.run_overrides(policy, sweep_point).items():
            words += ["--set", f"{key}={format_value(value)}"]
        return " ".join(shlex.quote(w) if not w.startswith("{") else w for w in words)


def format_value(value: Any) -> str:
    """A value as ``--set`` text that :func:`sim.schema.parse_value` reads back to the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if parse_value(value) == value and value.strip() == value and value else json.dumps(value)
    return json.dumps(value)


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def flatten_overrides(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys from nested tables: ``{"a": {"b": 1}}`` and ``{"a.b": 1}`` both give ``{"a.b": 1}``."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat.update(flatten_overrides(value, dotted))
        else:
            flat[dotted] = value
    return flat


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file.

    Every problem is collected before raising: unknown keys (with the closest valid name), types
    and ranges, outcome names, policy names, sweep lists, and every policy's overrides applied to
    the scenario (at every sweep point), so the experiment cannot fail on input part-way through.

    Args:
        path: the experiment TOML file.

    Returns:
        The validated :class:`Experiment`.

    Raises:
        InputError: listing every problem as ``file: key: message``.
    """
    path = Path(path)
    raw = read_toml(path)
    exploring = [key for key in EXPLORATION_SECTIONS if key in raw]
    if exploring:
        raise InputError(
            [
                Problem(
                    str(path), key, "an exploration of uncertainties: run it with bordersim explore, not experiment"
                )
                for key in exploring
            ]
        )
    return experiment_from_raw(path, raw)


#: Top-level tables that make an experiment file an exploration (``bordersim explore``, :mod:`sim.explore`).
EXPLORATION_SECTIONS = ("uncertainties", "discovery")


def experiment_from_raw(path: Path, raw: dict[str, Any]) -> Experiment:
    """Validate the parsed experiment file ``raw`` read from ``path`` (see :func:`load_experiment`)."""
    file = str(path)
    builder = Builder(file)
    parsed: ExperimentFile = builder.build(ExperimentFile, raw, "")
    if parsed is None or not isinstance(parsed.experiment, ExperimentSection):
        raise InputError(builder.problems)
    # Problems of the schema do not stop the checks below: each reads only values of the right kind, so one
    # report lists every problem of the file, its policies' overrides of the scenario included.
    section = parsed.experiment
    _check_section(section, builder)
    scenario = section.scenario if isinstance(section.scenario, str) else ""
    scenario_path = (path.parent / scenario).resolve() if scenario else path.parent
    if scenario and not scenario_path.is_file():
        builder.fail("experiment.scenario", f"given {scenario!r}; no such file (looked for {scenario_path})")
    baseline = flatten_overrides(parsed.baseline if isinstance(parsed.baseline, dict) else {})
    tables = parsed.policies if isinstance(parsed.policies, dict) else {}
    own = {name: flatten_overrides(table) for name, table in tables.items() if isinstance(table, dict)}
    sweep = flatten_overrides(parsed.sweep if isinstance(parsed.sweep, dict) else {})
    _check_policy_names(own, builder)
    _check_sweep(sweep, own, builder)
    _check_warmup_not_a_policy(baseline, own, sweep, builder)
    if builder.problems:
        if scenario_path.is_file():
            valid_sweep = {k: v for k, v in sweep.items() if isinstance(v, list) and v}
            _check_overrides(scenario_path, baseline, own, valid_sweep, builder)
        raise InputError(builder.problems)
    others = (Policy(name, table, {**baseline, **table}) for name, table in own.items())
    policies = (Policy(BASELINE, {}, dict(baseline)), *others)
    days = section.days if section.days is not None else _scenario_days(scenario_path, baseline, file)
    warmup = section.warmup_days if section.warmup_days is not None else _scenario_warmup(scenario_path, baseline)
    experiment = Experiment(
        name=section.name,
        description=section.description,
        path=path,
        scenario_path=scenario_path,
        days=float(days),
        replications=section.replications,
        root_seed=section.root_seed,
        outcomes=tuple(o.name for o in OUTCOMES if o.name in set(section.outcomes)),
        policies=policies,
        sweep=sweep,
        run_function=section.run_function,
        raw=raw,
        warmup_days=int(warmup),
    )
    _check_overrides_against_scenario(experiment, builder)
    if builder.problems:
        raise InputError(builder.problems)
    return experiment


def _check_overrides(
    scenario_path: Path, baseline: dict[str, Any], own: dict[str, dict[str, Any]], sweep: dict, builder: Builder
) -> None:
    """The override check of :func:`_check_overrides_against_scenario` for a file with other problems, whose
    :class:`Experiment` cannot be made: the same policies and sweep points on the same scenario."""
    policies = (Policy(BASELINE, {}, dict(baseline)), *(Policy(n, t, {**baseline, **t}) for n, t in own.items()))
    probe = Experiment(
        name="",
        description="",
        path=Path(builder.file),
        scenario_path=scenario_path,
        days=1.0,
        replications=1,
        root_seed=0,
        outcomes=(),
        policies=policies,
        sweep=sweep,
    )
    _check_overrides_against_scenario(probe, builder)


def _check_section(section: ExperimentSection, builder: Builder) -> None:
    if not isinstance(section.name, str) or not _NAME_PATTERN.match(section.name or ""):
        builder.fail(
            "experiment.name",
            f"given {section.name!r}; use letters, digits, '_', '-' or '.' (it names the results folder)",
        )
    if section.outcomes == []:
        builder.fail("experiment.outcomes", "given an empty list; name at least one outcome or leave the key out")
    outcomes = [o for o in section.outcomes if isinstance(o, str)] if isinstance(section.outcomes, list) else []
    dupes = sorted({o for o in outcomes if outcomes.count(o) > 1})
    if dupes:
        builder.fail("experiment.outcomes", f"repeated: {', '.join(dupes)}")
    if isinstance(section.run_function, str) and not _RUN_FUNCTION_PATTERN.match(section.run_function):
        builder.fail(
            "experiment.run_function", f"given {section.run_function!r}; expected module:function, e.g. sim.runner:run"
        )


def _check_policy_names(own: dict[str, dict[str, Any]], builder: Builder) -> None:
    for name in own:
        if name == BASELINE:
            builder.fail(f"policies.{name}", "'baseline' is the reference policy: put its overrides under [baseline]")
        elif not _NAME_PATTERN.match(name):
            builder.fail(f"policies.{name}", "a policy name may use letters, digits, '_', '-' or '.'")


def _check_sweep(sweep: dict[str, Any], own: dict[str, dict[str, Any]], builder: Builder) -> None:
    for key, values in sweep.items():
        if not isinstance(values, list) or not values:
            builder.fail(f'sweep."{key}"', f"given {values!r}; expected a non-empty list of values, e.g. [8, 16, 24]")
        elif len({json.dumps(v, sort_keys=True) for v in values}) != len(values):
            builder.fail(f'sweep."{key}"', f"given {values!r}; the values must be distinct")
        for name, table in own.items():
            if key in table:
                builder.fail(
                    f'policies.{name}."{key}"', "this key is also varied by [sweep]; a policy may not fix it as well"
                )


def _check_warmup_not_a_policy(
    baseline: dict[str, Any], own: dict[str, dict[str, Any]], sweep: dict[str, Any], builder: Builder
) -> None:
    """The warm-up is the experiment's, the same for every run: refuse it as an override."""
    key = "time.warmup_days"
    tables = [("baseline", baseline), ("sweep", sweep), *((f"policies.{n}", t) for n, t in own.items())]
    for section, table in tables:
        if key in table:
            builder.fail(
                f'{section}."{key}"',
                "the warm-up is the same for every run: set warmup_days under [experiment] instead",
            )


def _scenario_warmup(scenario_path: Path, baseline: dict[str, Any]) -> int:
    from sim.scenario import load_scenario

    try:
        return load_scenario(scenario_path, baseline).spec.time.warmup_days
    except InputError:
        return 0  # the same problems are reported with their keys by the override check


def _scenario_days(scenario_path: Path, baseline: dict[str, Any], file: str) -> float:
    from sim.scenario import load_scenario

    try:
        return load_scenario(scenario_path, baseline).spec.time.days
    except InputError:
        return 1.0  # the same problems are reported with their keys by the override check


def _check_overrides_against_scenario(experiment: Experiment, builder: Builder) -> None:
    """Apply every policy's overrides (at every sweep point) to the scenario and report what fails: its keys and
    values, and its places against the land (:func:`sim.world.build.scenario_problems`)."""
    from sim.world.build import scenario_problems

    seen: set[Problem] = set()
    for point in experiment.sweep_points():
        for policy in experiment.policies:
            overrides = experiment.run_overrides(policy, point)
            try:
                problems = scenario_problems(experiment.scenario_path, overrides)
            except InputError as exc:  # an override that cannot be applied (an index out of range)
                problems = exc.problems
            for problem in problems:
                mapped = _blame(problem, policy, point, experiment, builder.file)
                if mapped not in seen:
                    seen.add(mapped)
                    builder.problems.append(mapped)


def _blame(problem: Problem, policy: Policy, point: dict[str, Any], experiment: Experiment, file: str) -> Problem:
    """Re-address a scenario problem to the experiment key that caused it."""
    sources = [
        (f"policies.{policy.name}", policy.own_overrides),
        ("sweep", point),
        ("baseline", experiment.baseline_overrides),
    ]
    plain = plain_key(problem.key)
    for section, table in sources:
        for key in table:
            if plain == key or plain.startswith((key + ".", key + "[")):
                return Problem(file, f'{section}."{key}"', problem.message)
    where = f"policies.{policy.name}" if policy.name != BASELINE else "baseline"
    context = f" at sweep point {point}" if point else ""
    return Problem(file, where, f"the scenario with these overrides{context} is invalid: {problem}")
