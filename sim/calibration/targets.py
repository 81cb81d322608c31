"""The targets file of ``bordersim calibrate``: what the model should reproduce, and what may be varied to do it.

A targets file is TOML with three parts (``docs/calibration.md`` has the full format):

- ``[[targets]]``: a field figure the model should reproduce. ``name``, the ``outcome`` of
  :data:`sim.metrics.OUTCOMES` that stands for it, the figure as ``value`` (with ``tolerance``) or
  ``range = [lo, hi]``, the ``source`` (required), and optionally ``definition``, ``weight``, and a policy:
  ``policy = {"dotted.key" = value}`` simulates the outcome under those overrides; with ``relative_to =
  "baseline"`` the simulated quantity is the ``compare = "ratio"`` (default) or ``"difference"`` between the
  outcome under the policy and under the calibrated parameters alone, replication by replication on the same
  seeds.
- ``[[pending]]``: a field figure the model cannot yet be compared with (no outcome, or no mechanism), with
  the ``reason``; listed in the report as not calibrated, never silently dropped.
- ``[parameters]``: the scenario keys searched, ``"dotted.key" = {low, high, log}``; whole-number keys are
  searched as whole numbers.

:func:`load_targets` validates everything at once and raises :class:`~sim.schema.InputError` listing every
problem, each naming the file and the key (an unknown outcome or key lists the close matches; a range outside
the key's bounds says the bounds the schema allows).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.metrics import OUTCOME_BY_NAME
from sim.schema import InputError, Problem, describe_allowed, read_toml

#: Keys allowed at the top of a targets file.
TOP_KEYS = ("description", "targets", "pending", "parameters")
#: Keys allowed in a ``[[targets]]`` table.
TARGET_KEYS = (
    "name",
    "outcome",
    "value",
    "range",
    "tolerance",
    "source",
    "definition",
    "weight",
    "policy",
    "relative_to",
    "compare",
)
#: Keys allowed in a ``[[pending]]`` table.
PENDING_KEYS = ("name", "outcome", "value", "range", "source", "definition", "reason")
#: Keys allowed in a parameter's table.
PARAMETER_KEYS = ("low", "high", "log")
#: What ``relative_to`` may name: the calibrated parameters alone.
BASELINE = "baseline"
COMPARES = ("ratio", "difference")


@dataclass(frozen=True)
class Target:
    """A field figure the model is fitted to.

    Attributes:
        name: the target's name (unique in the file).
        outcome: the outcome of :data:`sim.metrics.OUTCOMES` compared with the figure.
        low, high: the interval counted as met: ``value -+ tolerance``, or the ``range`` given.
        tolerance: the scale of a miss: the objective counts the distance outside ``[low, high]`` in tolerances.
        source: where the figure comes from.
        value: the figure, or None when a range was given.
        field_range: the range given, or None when a value was given.
        definition: what the field counts and how it maps to the outcome.
        weight: the target's weight in the objective.
        policy: overrides under which the outcome is simulated (empty: the calibrated scenario itself).
        relative_to: ``"baseline"``: the quantity is the comparison with the calibrated scenario; None: the outcome.
        compare: ``"ratio"`` or ``"difference"`` (policy over, or minus, baseline), when ``relative_to`` is set.
    """

    name: str
    outcome: str
    low: float
    high: float
    tolerance: float
    source: str
    value: float | None = None
    field_range: tuple[float, float] | None = None
    definition: str = ""
    weight: float = 1.0
    policy: dict[str, Any] = dataclasses.field(default_factory=dict)
    relative_to: str | None = None
    compare: str = "ratio"

    @property
    def variant(self) -> str:
        """The name of the scenario variant the target reads: ``baseline``, or its overrides as JSON (targets with
        the same policy read the same runs)."""
        return json.dumps(self.policy, sort_keys=True) if self.policy else BASELINE

    def describe_field(self) -> str:
        """The field figure as text: ``0.35 +- 0.05`` or ``[0.3, 0.4]``."""
        if self.value is not None:
            return f"{self.value:g} ± {self.tolerance:g}"
        assert self.field_range is not None
        return f"[{self.field_range[0]:g}, {self.field_range[1]:g}]"

    def describe_quantity(self) -> str:
        """What is simulated: the outcome, under a policy, or its ratio or difference to the baseline."""
        if not self.policy:
            return self.outcome
        overrides = ", ".join(f"{k}={v}" for k, v in self.policy.items())
        if self.relative_to is None:
            return f"{self.outcome} under {overrides}"
        sign = "/" if self.compare == "ratio" else "-"
        return f"{self.outcome} under {overrides} {sign} {self.outcome} at baseline"


@dataclass(frozen=True)
class PendingTarget:
    """A field figure the model cannot be compared with yet, and why."""

    name: str
    outcome: str
    source: str
    reason: str
    value: float | None = None
    field_range: tuple[float, float] | None = None
    definition: str = ""

    @property
    def declared(self) -> bool:
        """Whether its outcome is now declared in :mod:`sim.metrics` (the target can move to ``[[targets]]``)."""
        return self.outcome in OUTCOME_BY_NAME

    def describe_field(self) -> str:
        if self.value is not None:
            return f"{self.value:g}"
        if self.field_range is not None:
            return f"[{self.field_range[0]:g}, {self.field_range[1]:g}]"
        return ""


@dataclass(frozen=True)
class Parameter:
    """A scenario key searched by the calibration.

    Attributes:
        key: the dotted scenario key, e.g. ``patrols.detection_rate_per_hour``.
        low, high: the searched range (inclusive).
        log: searched on a log scale.
        integer: a whole-number key, searched as whole numbers.
    """

    key: str
    low: float
    high: float
    log: bool = False
    integer: bool = False

    def width(self, value_low: float, value_high: float) -> float:
        """The share of the searched range that ``[value_low, value_high]`` spans (on the log scale if ``log``)."""
        if self.log:
            return (math.log(value_high) - math.log(value_low)) / (math.log(self.high) - math.log(self.low))
        return (value_high - value_low) / (self.high - self.low)


@dataclass(frozen=True)
class Targets:
    """A validated targets file."""

    path: Path
    description: str
    targets: tuple[Target, ...]
    pending: tuple[PendingTarget, ...]
    parameters: tuple[Parameter, ...]
    raw: dict

    @property
    def variants(self) -> dict[str, dict[str, Any]]:
        """Every scenario variant the targets read, by name, with its overrides (``baseline`` first, no overrides)."""
        out: dict[str, dict[str, Any]] = {BASELINE: {}}
        for target in self.targets:
            if target.policy:
                out[target.variant] = dict(target.policy)
        return out


# -- the scenario keys: what may be searched or overridden -------------------------------------------


@dataclass(frozen=True)
class KeyInfo:
    """A scenario key's type and its schema metadata (bounds, unit)."""

    typ: Any
    meta: dict


def scenario_key(key: str) -> KeyInfo | None:
    """The type and metadata of a dotted scenario key (``patrols.count``, ``ports[0].lanes``), None if unknown.

    Lists of tables are indexed (``ports[0]``); a table of names to numbers accepts any name below it.
    """
    from sim.scenario import Scenario

    node: Any = Scenario
    meta: dict = {}
    parts = key.split(".")
    for i, part in enumerate(parts):
        name, _, index = part.partition("[")
        if not dataclasses.is_dataclass(node):
            if typing.get_origin(node) is dict and not index:
                node = typing.get_args(node)[1]
                continue
            return None
        fields = {f.name: f for f in dataclasses.fields(node)}
        if name not in fields:
            return None
        meta = dict(fields[name].metadata)
        node = typing.get_type_hints(node)[name]
        if index:
            if typing.get_origin(node) is not list or not index.rstrip("]").isdigit():
                return None
            node = typing.get_args(node)[0]
        elif typing.get_origin(node) is list and i < len(parts) - 1:
            return None
    return KeyInfo(node, meta)


def numeric_keys() -> list[str]:
    """Every dotted scenario key holding one number (lists of tables shown with ``[0]``), for close matches."""
    from sim.scenario import Scenario

    keys: list[str] = []

    def walk(cls: Any, prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            typ, path = hints[f.name], f"{prefix}{f.name}"
            if dataclasses.is_dataclass(typ):
                walk(typ, path + ".")
            elif typing.get_origin(typ) is list and dataclasses.is_dataclass(typing.get_args(typ)[0]):
                walk(typing.get_args(typ)[0], path + "[0].")
            elif _number_type(typ) is not None:
                keys.append(path)

    walk(Scenario, "")
    return keys


def _number_type(typ: Any) -> type | None:
    """``int`` or ``float`` for a whole-number or number key (optional ones included), else None."""
    args = [a for a in typing.get_args(typ) if a is not type(None)] if typing.get_args(typ) else [typ]
    if len(args) == 1 and args[0] in (int, float):
        return args[0]
    return None


def _close(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.6)
    return f"; close matches: {', '.join(close)}" if close else ""


# -- loading --------------------------------------------------------------------------------------


def load_targets(path: str | Path) -> Targets:
    """Read and validate a targets file; raise :class:`InputError` listing every problem found."""
    path = Path(path)
    raw = read_toml(path)
    fail = _Problems(str(path))

    for key in raw:
        if key not in TOP_KEYS:
            fail(key, f"unknown key{_close(key, list(TOP_KEYS))} (allowed here: {', '.join(TOP_KEYS)})")
    description = raw.get("description", "")
    if not isinstance(description, str):
        fail("description", f"given {description!r}; allowed: a text string")
        description = ""
    parameters = _parameters(raw.get("parameters", {}), fail)
    targets = _list_of_tables(raw, "targets", fail)
    pending = _list_of_tables(raw, "pending", fail)
    built = [_target(t, i, fail) for i, t in enumerate(targets)]
    waiting = [_pending(t, i, fail) for i, t in enumerate(pending)]
    names = [t["name"] for t in [*targets, *pending] if isinstance(t.get("name"), str)]
    for name in sorted({n for n in names if names.count(n) > 1}):
        fail(f"targets: {name}", "the name is used more than once; each target needs a name of its own")
    if not targets:
        fail("targets", "no [[targets]]: give at least one field figure to fit")
    if not parameters and "parameters" not in raw:
        fail("parameters", "no [parameters]: give at least one scenario key to search, with its low and high")
    if fail.problems:
        raise InputError(fail.problems)
    return Targets(
        path=path,
        description=description,
        targets=tuple(t for t in built if t is not None),
        pending=tuple(p for p in waiting if p is not None),
        parameters=tuple(parameters),
        raw=raw,
    )


class _Problems:
    """Collects the problems of one file: ``fail(key, message)``."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def __call__(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, key, message))


def _list_of_tables(raw: dict, name: str, fail) -> list[dict]:
    items = raw.get(name, [])
    if not isinstance(items, list) or not all(isinstance(t, dict) for t in items):
        fail(name, f"expected a list of tables: [[{name}]] blocks")
        return []
    return items


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _figure(table: dict, where: str, fail) -> tuple[float | None, tuple[float, float] | None]:
    """The ``value`` or ``range`` of a target (exactly one of them)."""
    value, span = table.get("value"), table.get("range")
    if value is None and span is None:
        fail(where, "give the field figure as value = x or range = [low, high]")
        return None, None
    if value is not None and span is not None:
        fail(where, "give value or range, not both")
        return None, None
    if value is not None:
        if not _number(value):
            fail(f"{where}.value", f"given {value!r}; allowed: a number")
            return None, None
        return float(value), None
    if not (isinstance(span, list) and len(span) == 2 and all(_number(v) for v in span) and span[0] <= span[1]):
        fail(f"{where}.range", f"given {span!r}; allowed: [low, high], two numbers with low <= high")
        return None, None
    return None, (float(span[0]), float(span[1]))


def _label(table: dict, kind: str, index: int) -> str:
    name = table.get("name")
    return f"{kind}[{index}] ({name})" if isinstance(name, str) and name else f"{kind}[{index}]"


def _text(table: dict, key: str, where: str, fail, required: bool, what: str) -> str:
    text = table.get(key)
    if text is None or (isinstance(text, str) and not text.strip()):
        if required:
            fail(f"{where}.{key}", f"missing: {what}")
        return ""
    if not isinstance(text, str):
        fail(f"{where}.{key}", f"given {text!r}; allowed: a text string")
        return ""
    return text.strip()


def _target(table: dict, index: int, fail) -> Target | None:
    where = _label(table, "targets", index)
    before = len(fail.problems)
    for key in table:
        if key not in TARGET_KEYS:
            fail(f"{where}.{key}", f"unknown key{_close(key, list(TARGET_KEYS))} (allowed: {', '.join(TARGET_KEYS)})")
    name = _text(table, "name", where, fail, True, "a name for the target")
    source = _text(
        table, "source", where, fail, True, "the source of the field figure (a citation in docs/references.md)"
    )
    definition = _text(table, "definition", where, fail, False, "")
    outcome = table.get("outcome")
    if not isinstance(outcome, str) or outcome not in OUTCOME_BY_NAME:
        fail(
            f"{where}.outcome",
            f"given {outcome!r}: not an outcome of sim/metrics.py{_close(str(outcome), list(OUTCOME_BY_NAME))}",
        )
    value, span = _figure(table, where, fail)
    tolerance = table.get("tolerance")
    if tolerance is None and span is not None:
        tolerance = (span[1] - span[0]) / 2
    if not (_number(tolerance) and tolerance > 0):
        fail(
            f"{where}.tolerance",
            f"given {tolerance!r}; allowed: a number > 0 (required with value; with range it defaults to half "
            "the range's width, which must then be > 0)",
        )
    weight = table.get("weight", 1.0)
    if not (_number(weight) and weight >= 0):
        fail(f"{where}.weight", f"given {weight!r}; allowed: a number >= 0")
    policy = table.get("policy", {})
    if not isinstance(policy, dict):
        fail(f"{where}.policy", f"given {policy!r}; allowed: a table of scenario keys to values")
        policy = {}
    for key in policy:
        if scenario_key(key) is None:
            fail(f"{where}.policy.{key}", f"not a scenario key{_close(key, numeric_keys())}")
    relative_to = table.get("relative_to")
    if relative_to is not None and relative_to != BASELINE:
        fail(f"{where}.relative_to", f"given {relative_to!r}; allowed: {BASELINE!r}")
    if relative_to is not None and not policy:
        fail(f"{where}.relative_to", "a comparison needs the policy it compares: give policy = {...}")
    compare = table.get("compare", "ratio")
    if compare not in COMPARES:
        fail(f"{where}.compare", f"given {compare!r}; allowed: one of {', '.join(map(repr, COMPARES))}")
    if "compare" in table and relative_to is None:
        fail(f"{where}.compare", 'compare applies only to a comparison: give relative_to = "baseline" too')
    if len(fail.problems) > before or (value is None and span is None):
        return None
    low, high = (value - tolerance, value + tolerance) if value is not None else span
    return Target(
        name=name,
        outcome=outcome,
        low=low,
        high=high,
        tolerance=float(tolerance),
        source=source,
        value=value,
        field_range=span,
        definition=definition,
        weight=float(weight),
        policy=dict(policy),
        relative_to=relative_to,
        compare=compare,
    )


def _pending(table: dict, index: int, fail) -> PendingTarget | None:
    where = _label(table, "pending", index)
    for key in table:
        if key not in PENDING_KEYS:
            fail(f"{where}.{key}", f"unknown key{_close(key, list(PENDING_KEYS))} (allowed: {', '.join(PENDING_KEYS)})")
    name = _text(table, "name", where, fail, True, "a name for the target")
    outcome = _text(table, "outcome", where, fail, True, "the outcome it will be compared with, once declared")
    source = _text(
        table, "source", where, fail, True, "the source of the field figure (a citation in docs/references.md)"
    )
    reason = _text(table, "reason", where, fail, True, "why the figure cannot be calibrated yet")
    definition = _text(table, "definition", where, fail, False, "")
    value, span = (None, None)
    if "value" in table or "range" in table:
        value, span = _figure(table, where, fail)
    if not (name and outcome and source and reason):
        return None
    return PendingTarget(name, outcome, source, reason, value, span, definition)


def _parameters(table: Any, fail) -> list[Parameter]:
    if not isinstance(table, dict):
        fail("parameters", 'expected a table: [parameters] with "dotted.key" = { low = .., high = .. }')
        return []
    out = []
    keys = None
    for key, spec_ in table.items():
        where = f"parameters.{key}"
        info = scenario_key(key)
        if info is None:
            keys = keys or numeric_keys()
            fail(where, f"not a scenario key{_close(key, keys)}")
            continue
        kind = _number_type(info.typ)
        if kind is None:
            fail(where, "not a numeric key: only keys holding one number (or whole number) can be searched")
            continue
        if not isinstance(spec_, dict):
            fail(where, f"given {spec_!r}; expected {{ low = .., high = .., log = false }}")
            continue
        bad = [k for k in spec_ if k not in PARAMETER_KEYS]
        for k in bad:
            fail(f"{where}.{k}", f"unknown key{_close(k, list(PARAMETER_KEYS))} (allowed: {', '.join(PARAMETER_KEYS)})")
        low, high, log = spec_.get("low"), spec_.get("high"), spec_.get("log", False)
        if not (_number(low) and _number(high)):
            fail(where, f"low and high must be numbers; given low = {low!r}, high = {high!r}")
            continue
        if not isinstance(log, bool):
            fail(f"{where}.log", f"given {log!r}; allowed: true or false")
            continue
        if kind is int and not (float(low).is_integer() and float(high).is_integer()):
            fail(where, f"a whole-number key: low and high must be whole numbers; given {low!r}, {high!r}")
            continue
        if low >= high:
            fail(where, f"empty range: low ({low:g}) must be below high ({high:g})")
            continue
        bounds = _bounds_problem(low, high, info)
        if bounds:
            fail(where, bounds)
            continue
        if log and low <= 0:
            fail(where, f"a log scale needs low > 0; given {low:g}")
            continue
        if not bad:
            out.append(Parameter(key, float(low), float(high), log, kind is int))
    return out


def _bounds_problem(low: float, high: float, info: KeyInfo) -> str:
    """Why ``[low, high]`` leaves the key's schema bounds (naming what the schema allows), or ``""``."""
    meta = info.meta
    below = (meta.get("ge") is not None and low < meta["ge"]) or (meta.get("gt") is not None and low <= meta["gt"])
    above = (meta.get("le") is not None and high > meta["le"]) or (meta.get("lt") is not None and high >= meta["lt"])
    if below or above:
        return f"range [{low:g}, {high:g}] is outside the key's bounds; allowed: {describe_allowed(meta, info.typ)}"
    return ""
