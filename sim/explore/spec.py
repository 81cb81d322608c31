"""Exploration files: an experiment file with ``[uncertainties]`` (and optionally ``[discovery]``).

An exploration (``bordersim explore``, ``docs/explore.md``) is an experiment file (scenario, baseline, policies,
replications, root seed, outcomes) with two more tables:

- ``[uncertainties]``: the ``method`` (``morris``, ``sobol`` or ``lhs``), its ``size`` (Morris trajectories,
  Sobol base samples, Latin hypercube samples), optionally ``levels`` (Morris grid levels) and ``seed`` (of the
  sampling; default the experiment's root seed), and ``[uncertainties.ranges]``: per dotted scenario key its
  range, ``[low, high]`` (uniform) or ``{ low, high, dist = "unif" | "logunif" | "triang", peak }`` (``peak``
  for ``triang``, as a share of the range from ``low``).
- ``[discovery]``: a ``condition`` PRIM looks for (``"<policy> raises <outcome>"``, ``"<policy> lowers
  <outcome>"``, or ``"<outcome> above <number>"`` / ``"<outcome> below <number>"``, optionally ``"under
  <policy>"`` after the outcome), and optionally ``threshold`` (the density the reported box must reach) and
  ``mass_min`` (the smallest share of samples a box may hold). Discovery needs ``method = "lhs"``.

:func:`load_exploration` validates everything at once: the experiment part as :func:`sim.experiment.spec.
load_experiment` does, every range against the scenario schema (an unknown key with its close matches, a key
that is not a number, an empty range, a range beyond the key's bounds with what the schema allows, each end of
each range applied to the scenario), the method and its size, and the condition.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sim.calibration.targets import KeyInfo, numeric_keys, scenario_key
from sim.experiment.spec import BASELINE, Experiment, experiment_from_raw, flatten_overrides
from sim.metrics import OUTCOME_BY_NAME
from sim.schema import InputError, Problem, describe_allowed, read_toml

METHODS = ("morris", "sobol", "lhs")
#: What ``size`` counts for each method.
SIZE_MEANS = {"morris": "trajectories", "sobol": "base samples", "lhs": "samples"}
#: The distributions a range may take (SALib's names), each bounded by ``low`` and ``high``.
DISTRIBUTIONS = ("unif", "logunif", "triang")
UNCERTAINTY_KEYS = ("method", "size", "levels", "seed", "ranges")
RANGE_KEYS = ("low", "high", "dist", "peak")
DISCOVERY_KEYS = ("condition", "threshold", "mass_min")
#: The largest design accepted (runs per policy and replication), against typing an extra zero.
MAX_SAMPLES = 200_000

_EFFECT = re.compile(r"^\s*(?P<policy>[A-Za-z0-9][A-Za-z0-9_.-]*)\s+(?P<verb>raises|lowers)\s+(?P<outcome>\w+)\s*$")
_LEVEL = re.compile(
    r"^\s*(?P<outcome>\w+)(\s+under\s+(?P<policy>[A-Za-z0-9][A-Za-z0-9_.-]*))?\s+(?P<side>above|below)\s+"
    r"(?P<number>[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*$"
)
CONDITION_FORMS = (
    '"<policy> raises <outcome>", "<policy> lowers <outcome>", "<outcome> above <number>", '
    '"<outcome> below <number>" (optionally "<outcome> under <policy> above <number>")'
)


@dataclass(frozen=True)
class Uncertainty:
    """A scenario key varied over a range.

    Attributes:
        key: the dotted scenario key.
        low, high: the range's ends.
        dist: SALib's distribution: ``unif``, ``logunif`` or ``triang``.
        peak: the mode of ``triang``, as a share of the range from ``low``.
        integer: a whole-number key: sampled values are rounded.
    """

    key: str
    low: float
    high: float
    dist: str = "unif"
    peak: float = 0.5
    integer: bool = False

    @property
    def bounds(self) -> list[float]:
        """SALib's bounds of the distribution."""
        return [self.low, self.high, self.peak] if self.dist == "triang" else [self.low, self.high]


@dataclass(frozen=True)
class Condition:
    """What scenario discovery looks for, per sample (outcomes averaged over the replications).

    Attributes:
        text: the condition as written.
        outcome: the outcome it reads.
        policy: the policy whose outcome (or effect) it reads.
        kind: ``effect`` (the policy against the baseline on the same sample and seeds) or ``level``.
        sign: ``+1`` raises / above, ``-1`` lowers / below.
        number: the threshold of a ``level`` condition.
    """

    text: str
    outcome: str
    policy: str
    kind: str
    sign: int
    number: float = 0.0

    def describe(self) -> str:
        if self.kind == "effect":
            verb = "raises" if self.sign > 0 else "lowers"
            return f"{self.policy} {verb} {self.outcome} (against the baseline on the same sample and seeds)"
        side = "above" if self.sign > 0 else "below"
        return f"{self.outcome} under {self.policy} is {side} {self.number:g}"


@dataclass(frozen=True)
class Discovery:
    condition: Condition
    threshold: float = 0.8
    mass_min: float = 0.05


@dataclass(frozen=True)
class Exploration:
    """A validated exploration: its experiment part, uncertainties, method and size, and discovery.

    Attributes:
        experiment: the experiment part (policies, replications, seeds, outcomes); its ``raw`` is the whole file.
        uncertainties: the keys varied, in file order.
        method: ``morris``, ``sobol`` or ``lhs``.
        size: Morris trajectories, Sobol base samples or Latin hypercube samples.
        levels: Morris grid levels.
        sample_seed: seed of the sampling.
        discovery: the scenario discovery asked for, or None.
    """

    experiment: Experiment
    uncertainties: tuple[Uncertainty, ...]
    method: str
    size: int
    levels: int = 4
    sample_seed: int = 0
    discovery: Discovery | None = None

    @property
    def name(self) -> str:
        return self.experiment.name

    @property
    def keys(self) -> list[str]:
        return [u.key for u in self.uncertainties]

    def samples_count(self) -> int:
        """Points of the design: ``size x (k + 1)`` for Morris, ``size x (k + 2)`` for Sobol, ``size`` for LHS."""
        k = len(self.uncertainties)
        return {"morris": self.size * (k + 1), "sobol": self.size * (k + 2), "lhs": self.size}[self.method]

    def runs_count(self) -> int:
        return self.samples_count() * len(self.experiment.policies) * self.experiment.replications


def is_exploration(raw: dict[str, Any]) -> bool:
    """Whether a parsed experiment file is an exploration (has ``[uncertainties]`` or ``[discovery]``)."""
    return "uncertainties" in raw or "discovery" in raw


def load_exploration(path: str | Path) -> Exploration:
    """Read and validate an exploration file; raise :class:`InputError` listing every problem (file, key, message)."""
    path = Path(path)
    file = str(path)
    raw = read_toml(path)
    rest = {k: v for k, v in raw.items() if k not in ("uncertainties", "discovery")}
    problems: list[Problem] = []
    experiment = None
    try:
        experiment = replace(experiment_from_raw(path, rest), raw=raw)
    except InputError as exc:
        problems += exc.problems
    fail = _Collector(file, problems)
    table = raw.get("uncertainties")
    if not isinstance(table, dict):
        fail(
            "uncertainties",
            "missing: an exploration needs [uncertainties] with method, size and [uncertainties.ranges]",
        )
        table = {}
    method, size, levels, seed = _method(table, fail)
    default_seed = experiment.root_seed if experiment else 0
    uncertainties = _ranges(table.get("ranges"), fail, path, rest, "ranges" in table)
    _check_not_fixed_elsewhere(uncertainties, rest, fail)
    if method == "sobol" and isinstance(size, int) and size >= 2 and (size & (size - 1) or size < 8):
        fail(
            "uncertainties.size",
            f"given {size}; Sobol's sequence needs a power of 2 base samples, at least 8 (e.g. 64, 128, 256)",
        )
    if method == "morris" and isinstance(size, int) and size < 4:
        fail("uncertainties.size", f"given {size}; Morris needs at least 4 trajectories (2 in each half of the check)")
    discovery = _discovery(raw.get("discovery"), method, experiment, fail) if "discovery" in raw else None
    if problems or experiment is None:
        raise InputError(list(dict.fromkeys(problems)))
    exploration = Exploration(
        experiment=experiment,
        uncertainties=tuple(uncertainties),
        method=method,
        size=size,
        levels=levels,
        sample_seed=default_seed if seed is None else seed,
        discovery=discovery,
    )
    if exploration.samples_count() > MAX_SAMPLES:
        raise InputError(
            [Problem(file, "uncertainties.size", f"{exploration.samples_count()} design points; at most {MAX_SAMPLES}")]
        )
    return exploration


class _Collector:
    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems

    def __call__(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, key, message))


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _method(table: dict, fail: _Collector) -> tuple[str, int, int, int | None]:
    for key in table:
        if key not in UNCERTAINTY_KEYS:
            fail(f"uncertainties.{key}", f"unknown key (allowed here: {', '.join(UNCERTAINTY_KEYS)})")
    method = table.get("method")
    if method is None:
        fail("uncertainties.method", f"missing: one of {', '.join(METHODS)}")
    elif method not in METHODS:
        fail("uncertainties.method", f"given {method!r}; allowed: one of {', '.join(METHODS)}")
    size = table.get("size")
    what = SIZE_MEANS.get(method, "trajectories, base samples or samples")
    if size is None:
        fail("uncertainties.size", f"missing: the number of {what}")
    elif not _whole(size) or size < 2:
        fail("uncertainties.size", f"given {size!r}; allowed: a whole number >= 2 ({what})")
    levels = table.get("levels", 4)
    if "levels" in table and method != "morris":
        fail("uncertainties.levels", "only Morris has grid levels; leave the key out")
    elif not _whole(levels) or levels < 2 or levels % 2:
        fail("uncertainties.levels", f"given {levels!r}; allowed: an even whole number >= 2 (Morris grid levels)")
    seed = table.get("seed")
    if seed is not None and (not _whole(seed) or seed < 0):
        fail("uncertainties.seed", f"given {seed!r}; allowed: a whole number >= 0")
    return (
        method if method in METHODS else "",
        size if _whole(size) else 0,
        levels if _whole(levels) else 4,
        seed if _whole(seed) else None,
    )


def _ranges(table: Any, fail: _Collector, path: Path, rest: dict, given: bool) -> list[Uncertainty]:
    if not given:
        fail("uncertainties.ranges", 'missing: [uncertainties.ranges] with "dotted.key" = [low, high] lines')
        return []
    if not isinstance(table, dict) or not table:
        fail("uncertainties.ranges", 'expected a table of "dotted.key" = [low, high] with at least one key')
        return []
    out = []
    keys: list[str] | None = None
    for key, value in _flatten_ranges(table).items():
        where = f'uncertainties.ranges."{key}"'
        info = scenario_key(key)
        if info is None:
            keys = keys or numeric_keys()
            fail(where, f"not a scenario key{_close(key, keys)}")
            continue
        kind = _number_kind(info)
        if kind is None:
            fail(where, f"not a numeric key ({describe_allowed(info.meta, info.typ)}); only numbers can be varied")
            continue
        uncertainty = _range(key, value, kind is int, info, where, fail)
        if uncertainty is not None:
            out.append(uncertainty)
    _check_ends_on_scenario(out, path, rest, fail)
    return out


def _flatten_ranges(table: dict) -> dict[str, Any]:
    """Dotted keys of the ranges, written quoted or as nested tables; a ``{low, high, ...}`` table is a range."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict) and not set(value) & set(RANGE_KEYS):
            flat.update({f"{key}.{k}": v for k, v in _flatten_ranges(value).items()})
        else:
            flat[key] = value
    return flat


def _number_kind(info: KeyInfo) -> type | None:
    import typing

    args = [a for a in typing.get_args(info.typ) if a is not type(None)] if typing.get_args(info.typ) else [info.typ]
    return args[0] if len(args) == 1 and args[0] in (int, float) else None


def _close(word: str, options: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, options, n=3, cutoff=0.6)
    return f"; close matches: {', '.join(close)}" if close else ""


def _range(key: str, value: Any, integer: bool, info: KeyInfo, where: str, fail: _Collector) -> Uncertainty | None:
    dist, peak = "unif", 0.5
    if isinstance(value, list):
        if len(value) != 2:
            fail(where, f"given {value!r}; expected [low, high]")
            return None
        low, high = value
    elif isinstance(value, dict):
        for k in value:
            if k not in RANGE_KEYS:
                fail(f"{where}.{k}", f"unknown key (allowed: {', '.join(RANGE_KEYS)})")
        low, high, dist = value.get("low"), value.get("high"), value.get("dist", "unif")
        if dist not in DISTRIBUTIONS:
            fail(f"{where}.dist", f"given {dist!r}; allowed: one of {', '.join(DISTRIBUTIONS)}")
            return None
        peak = value.get("peak", 0.5)
        if "peak" in value and dist != "triang":
            fail(f"{where}.peak", 'only dist = "triang" has a peak; leave the key out')
            return None
        if not (_number(peak) and 0 <= peak <= 1):
            fail(f"{where}.peak", f"given {peak!r}; allowed: a number from 0 to 1 (the mode's share of the range)")
            return None
    else:
        fail(where, f'given {value!r}; expected [low, high] or {{ low = .., high = .., dist = "unif" }}')
        return None
    if not (_number(low) and _number(high)):
        fail(where, f"low and high must be numbers; given low = {low!r}, high = {high!r}")
        return None
    if integer and not (float(low).is_integer() and float(high).is_integer()):
        fail(where, f"a whole-number key: low and high must be whole numbers; given {low!r}, {high!r}")
        return None
    if low >= high:
        fail(where, f"empty range: low ({low:g}) must be below high ({high:g})")
        return None
    meta = info.meta
    below = (meta.get("ge") is not None and low < meta["ge"]) or (meta.get("gt") is not None and low <= meta["gt"])
    above = (meta.get("le") is not None and high > meta["le"]) or (meta.get("lt") is not None and high >= meta["lt"])
    if below or above:
        allowed = describe_allowed(meta, info.typ)
        fail(where, f"range [{low:g}, {high:g}] is outside the key's bounds; allowed: {allowed}")
        return None
    if dist == "logunif" and low <= 0:
        fail(where, f'dist = "logunif" needs low > 0; given {low:g}')
        return None
    return Uncertainty(key, float(low), float(high), dist, float(peak), integer)


def _check_ends_on_scenario(uncertainties: list[Uncertainty], path: Path, rest: dict, fail: _Collector) -> None:
    """Load the scenario (with the baseline's overrides) at each end of every range, so that a value the scenario
    refuses through a rule across keys stops the command before any run."""
    from sim.scenario import load_scenario

    experiment = rest.get("experiment") if isinstance(rest.get("experiment"), dict) else {}
    scenario = experiment.get("scenario")
    if not isinstance(scenario, str) or not (path.parent / scenario).is_file():
        return  # reported by the experiment part
    baseline = flatten_overrides(rest["baseline"]) if isinstance(rest.get("baseline"), dict) else {}
    for u in uncertainties:
        for end in (u.low, u.high):
            value = int(end) if u.integer else end
            try:
                load_scenario(path.parent / scenario, {**baseline, u.key: value})
            except InputError as exc:
                for problem in exc.problems:
                    if "baseline" not in problem.key:
                        fail(f'uncertainties.ranges."{u.key}"', f"at {value:g}: {problem.message}")


def _check_not_fixed_elsewhere(uncertainties: list[Uncertainty], rest: dict, fail: _Collector) -> None:
    if isinstance(rest.get("sweep"), dict) and rest["sweep"]:
        fail("sweep", "an exploration varies keys by [uncertainties.ranges]; it cannot also have a [sweep]")
    tables = [("baseline", rest.get("baseline"))]
    policies = rest.get("policies") if isinstance(rest.get("policies"), dict) else {}
    tables += [(f"policies.{name}", table) for name, table in policies.items()]
    varied = {u.key for u in uncertainties}
    for where, table in tables:
        if isinstance(table, dict):
            for key in flatten_overrides(table):
                if key in varied:
                    fail(f'{where}."{key}"', "this key is varied by [uncertainties.ranges]; a policy may not fix it")


def _discovery(table: Any, method: str, experiment: Experiment | None, fail: _Collector) -> Discovery | None:
    if not isinstance(table, dict):
        fail("discovery", 'expected a table: [discovery] with condition = "<policy> raises <outcome>"')
        return None
    for key in table:
        if key not in DISCOVERY_KEYS:
            fail(f"discovery.{key}", f"unknown key (allowed here: {', '.join(DISCOVERY_KEYS)})")
    if method and method != "lhs":
        fail("discovery", f'scenario discovery needs a space-filling design: method = "lhs" (given {method!r})')
    threshold, mass_min = table.get("threshold", 0.8), table.get("mass_min", 0.05)
    if not (_number(threshold) and 0 < threshold <= 1):
        fail("discovery.threshold", f"given {threshold!r}; allowed: a number > 0 and <= 1 (the box's density)")
    if not (_number(mass_min) and 0 < mass_min < 1):
        fail("discovery.mass_min", f"given {mass_min!r}; allowed: a number > 0 and < 1 (share of samples)")
    text = table.get("condition")
    if not isinstance(text, str):
        fail("discovery.condition", f"given {text!r}; allowed: {CONDITION_FORMS}")
        return None
    condition = parse_condition(text, experiment, lambda message: fail("discovery.condition", message))
    if condition is None or not _number(threshold) or not _number(mass_min):
        return None
    return Discovery(condition, float(threshold), float(mass_min))


def parse_condition(text: str, experiment: Experiment | None, fail) -> Condition | None:
    """Read a discovery condition; ``fail(message)`` for each problem (an unknown policy or outcome, a bad form)."""
    policies = experiment.policy_names if experiment else []
    if match := _EFFECT.match(text):
        policy, outcome = match["policy"], match["outcome"]
        kind, sign, number = "effect", 1 if match["verb"] == "raises" else -1, 0.0
    elif match := _LEVEL.match(text):
        policy, outcome = match["policy"] or BASELINE, match["outcome"]
        kind, sign, number = "level", 1 if match["side"] == "above" else -1, float(match["number"])
    else:
        fail(f"given {text!r}; allowed forms: {CONDITION_FORMS}")
        return None
    ok = True
    if outcome not in OUTCOME_BY_NAME:
        fail(f"given {text!r}: {outcome!r} is not an outcome{_close(outcome, list(OUTCOME_BY_NAME))}")
        ok = False
    if experiment is not None and policy not in policies:
        fail(f"given {text!r}: {policy!r} is not a policy of this file (allowed: {', '.join(policies)})")
        ok = False
    if kind == "effect" and policy == BASELINE:
        fail(f"given {text!r}: the baseline has no effect against itself; name another policy")
        ok = False
    return Condition(text.strip(), outcome, policy, kind, sign, number) if ok else None
