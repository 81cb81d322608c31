"""A bordersim scenario as an `EMA Workbench <https://emaworkbench.readthedocs.io>`_ model.

:func:`ema_model` returns an ``ema_workbench`` model whose function is :func:`sim.runner.run` of one scenario:
scenario keys (dotted, as in overrides) are its uncertainties and levers, the outcomes of
:data:`sim.metrics.OUTCOMES` its outcomes. A user writes the keys and their ranges; each key's kind (a real,
whole-number or categorical parameter) comes from the scenario schema, and a range is checked against the
bounds and choices the schema allows. ``docs/ema.md`` shows an analysis in EMA with it.

Seeds: every experiment runs with the same seed (``seed``, 0 by default), so experiments differ by their
keys alone (common random numbers). With ``replications``, the model is an ``ema_workbench.ReplicatorModel``:
every experiment runs each of the same seeds, and each outcome is the mean over them, a scalar as without
replications, so every EMA analysis takes it as it is. ``"seed"`` may also be an uncertainty, a range of whole
numbers sampled like any other: each scenario then has its own seed, which the policies run on it share.

EMA Workbench is imported here alone, and only when a model is made: the rest of bordersim runs without it.
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.calibration.targets import numeric_keys, scenario_key
from sim.metrics import OUTCOME_BY_NAME, OUTCOMES, Direction
from sim.runner import run
from sim.schema import InputError, Problem, check_run_options, describe_allowed

if TYPE_CHECKING:
    import ema_workbench

#: The name of the run's seed among an experiment's values (a constant, a replication's or an uncertainty).
SEED = "seed"


@dataclass(frozen=True)
class RunFunction:
    """What EMA calls for one experiment: :func:`sim.runner.run` of ``scenario`` with ``overrides``, the keys EMA
    gives (dotted scenario keys) on top of them, and ``seed``; it returns the ``outcomes`` named, as numbers (an
    outcome a run leaves undefined, such as days to a verdict before any verdict, is NaN).

    ``varied`` are the keys of the model's uncertainties and levers. A value given under the EMA name of one of
    them (:func:`ema_name`) rather than its dotted key is left out: EMA Workbench 3.0.0 copies a scenario shallowly
    before merging a policy into it, so a scenario shared by every experiment (a model without uncertainties, as
    in ``optimize`` over the levers) carries the previous experiment's lever values under their EMA names; the
    values that count come under the dotted keys.

    A module-level class of plain data, so ``ema_workbench.MultiprocessingEvaluator`` can send it to its workers.
    """

    scenario: str | dict
    outcomes: tuple[str, ...]
    overrides: tuple[tuple[str, Any], ...] = ()
    days: float | None = None
    warmup_days: int | None = None
    varied: tuple[str, ...] = ()

    def __call__(self, seed: int = 0, **keys: Any) -> dict[str, float]:
        stale = {ema_name(key) for key in self.varied} - set(self.varied)
        values = dict(self.overrides) | {key: _plain(value) for key, value in keys.items() if key not in stale}
        result = run(self.scenario, values, seed=int(seed), days=self.days, warmup_days=self.warmup_days)
        return {name: _number(result.outcomes[name]) for name in self.outcomes}


def ema_name(key: str) -> str:
    """The EMA name of a dotted scenario key: a Python identifier, as EMA Workbench 3 requires
    (``patrols.count`` -> ``patrols_count``, ``staging[1].weight`` -> ``staging_1_weight``). The parameter's
    ``variable_name`` keeps the dotted key, which is what the run is given."""
    return re.sub(r"\[(\d+)\]", r"_\1", key).replace(".", "_")


def ema_model(
    scenario: str | Path | dict,
    uncertainties: Mapping[str, Any] | Iterable[str] = (),
    levers: Mapping[str, Any] | Iterable[str] = (),
    outcomes: Iterable[str] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    days: float | None = None,
    warmup_days: int | None = None,
    seed: int | None = None,
    replications: int | Sequence[int] | None = None,
    name: str = "bordersim",
) -> ema_workbench.Model | ema_workbench.ReplicatorModel:
    """An EMA Workbench model of ``scenario``: each experiment is a bordersim run.

    Args:
        scenario: a scenario file (or a raw scenario dict).
        uncertainties: scenario keys EMA samples as scenarios, each with its range: ``(low, high)`` for a number
            (a whole-number key gives an ``IntegerParameter``, both ends included; any other a
            ``RealParameter``), a list of values for a key with fixed choices or true/false (a
            ``CategoricalParameter``), or None for every value the schema allows (a number needs both bounds).
            Just the key names mean None for each. ``"seed"`` with a range of whole numbers samples the seed.
        levers: scenario keys EMA samples as policies, as ``uncertainties``.
        outcomes: names of :data:`sim.metrics.OUTCOMES` (default: all of them), each a ``ScalarOutcome`` to
            maximise or minimise as the outcome's direction says (neutral ones are information only); with
            replications, the mean over them.
        overrides: scenario keys fixed for every experiment, as ``{"patrols.count": 12}``.
        days: counted days of each run (default: the scenario's ``time.days``).
        warmup_days: days simulated first and not counted (default: the scenario's ``time.warmup_days``).
        seed: the seed of every experiment (default 0); with ``replications`` a number, the first of its seeds.
            Not with ``"seed"`` as an uncertainty, nor with a list of seeds as ``replications``.
        replications: runs per experiment: a number ``n`` (seeds ``seed`` to ``seed + n - 1``) or the list of
            seeds. Every experiment runs the same seeds; the model's ``replications`` holds them.
        name: the model's name, a Python identifier (EMA names the model by it in its results).

    Raises:
        InputError: listing every problem: a key that is not a scenario key (with the close matches), one that
            cannot be varied, a range outside the schema's bounds or choices, a range the scenario refuses at
            one of its ends, an unknown outcome (with the close matches), a bad seed or replications.
    """
    problems: list[Problem] = []
    uncertain = _ranges(uncertainties, "uncertainties", problems)
    policy = _ranges(levers, "levers", problems)
    for key in sorted(set(uncertain) & set(policy)):
        problems.append(Problem("levers", key, "also an uncertainty; vary a key in one place"))
    fixed = dict(overrides or {})
    for key in sorted(set(fixed) & (set(uncertain) | set(policy))):
        problems.append(Problem("overrides", key, "also varied as an uncertainty or lever; give it in one place"))
    if SEED in policy:
        problems.append(Problem("levers", SEED, "the seed is no policy; make it an uncertainty, or use replications"))
    seeds = _seeds(0 if seed is None else seed, replications, problems)
    if SEED in uncertain and replications is not None:
        problems.append(
            Problem("uncertainties", SEED, "replications set the seeds; sample the seed or replicate, not both")
        )
    if seed is not None and (SEED in uncertain or not isinstance(replications, int | None)):
        where = "the seed is an uncertainty" if SEED in uncertain else "replications lists the seeds"
        problems.append(Problem("seed", "", f"given {seed!r}, but {where}: give the seeds in one place"))
    names = _outcome_names(outcomes, problems)
    if not isinstance(name, str) or not name.isidentifier():
        problems.append(Problem("name", "", f"given {name!r}; allowed: a Python identifier, e.g. bordersim"))
    if not uncertain and not policy and not problems:
        problems.append(Problem("uncertainties", "", "no uncertainties and no levers: give at least one key to vary"))
    try:
        check_run_options(days, 0, warmup_days)
    except InputError as error:  # named as the arguments here, not as the options of `bordersim run`
        problems.extend(Problem(p.file.lstrip("-").replace("-", "_"), p.key, p.message) for p in error.problems)
    source = str(Path(scenario).resolve()) if isinstance(scenario, str | Path) else scenario
    if not problems:
        problems.extend(_refused_by_scenario(source, fixed, uncertain | policy))
    if problems:
        raise InputError(problems)

    ema = _ema_workbench()
    varied = tuple(key for key in (*uncertain, *policy) if key != SEED)
    function = RunFunction(source, tuple(names), tuple(fixed.items()), days, warmup_days, varied)
    if replications is None:
        model = ema.Model(name, function=function)
        if SEED not in uncertain:
            model.constants = [ema.Constant(SEED, seeds[0])]
        model.outcomes = [ema.ScalarOutcome(n, kind=_kind(ema, n)) for n in names]
    else:
        model = ema.ReplicatorModel(name, function=function)
        model.replications = [{SEED: s} for s in seeds]
        model.outcomes = [ema.ScalarOutcome(n, kind=_kind(ema, n), function=_mean) for n in names]
    model.uncertainties = [_parameter(ema, key, r) for key, r in uncertain.items()]
    model.levers = [_parameter(ema, key, r) for key, r in policy.items()]
    return model


# -- ranges ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Range:
    """A checked range: ``low`` and ``high`` of a number (``whole`` for a whole-number key), or ``values``."""

    low: float | None = None
    high: float | None = None
    whole: bool = False
    values: tuple = ()

    def ends(self) -> tuple:
        return self.values or (self.low, self.high)


def _ranges(given: Mapping[str, Any] | Iterable[str], where: str, problems: list[Problem]) -> dict[str, _Range]:
    """The keys of ``uncertainties`` or ``levers`` with their checked ranges; problems go to ``problems``."""
    if isinstance(given, str):
        given = [given]
    items = given.items() if isinstance(given, Mapping) else ((key, None) for key in given)
    out: dict[str, _Range] = {}
    for key, span in items:
        if not isinstance(key, str):
            problems.append(Problem(where, repr(key), "a key must be a dotted scenario key, e.g. patrols.count"))
            continue
        checked = _seed_range(span, where, problems) if key == SEED else _key_range(key, span, where, problems)
        if checked is not None:
            out[key] = checked
    return out


def _key_range(key: str, span: Any, where: str, problems: list[Problem]) -> _Range | None:
    info = scenario_key(key)
    if info is None:
        problems.append(Problem(where, key, f"not a scenario key{_close(key, [*numeric_keys(), *_choice_keys()])}"))
        return None
    meta, typ = info.meta, info.typ
    allowed = describe_allowed(meta, typ)
    choices = tuple(meta["choices"]) if meta.get("choices") else (False, True) if typ is bool else ()
    if choices:
        values = choices if span is None else span
        if isinstance(values, str) or not isinstance(values, Sequence):
            problems.append(Problem(where, key, f"given {span!r}; expected a list of values, each {allowed}"))
            return None
        wrong = [v for v in values if v not in choices or type(v) is not type(choices[0])]
        if wrong:
            problems.append(Problem(where, key, f"given {wrong[0]!r}; allowed: {allowed}"))
            return None
        if len(set(values)) < 2:
            problems.append(Problem(where, key, f"given {list(values)!r}; give at least two different values"))
            return None
        return _Range(values=tuple(dict.fromkeys(values)))
    kind = _number_kind(typ)
    if kind is None:
        problems.append(
            Problem(where, key, f"holds {allowed}; only a number, true or false, or one of fixed choices can be varied")
        )
        return None
    if span is None:
        if meta.get("ge") is None or meta.get("le") is None:
            problems.append(Problem(where, key, f"give a range (low, high): the schema allows {allowed}"))
            return None
        span = (meta["ge"], meta["le"])
    if isinstance(span, str) or not isinstance(span, Sequence) or len(span) != 2 or not all(map(_is_number, span)):
        problems.append(Problem(where, key, f"given {span!r}; expected a range (low, high) of numbers, each {allowed}"))
        return None
    low, high = span
    if kind is int and not (float(low).is_integer() and float(high).is_integer()):
        problems.append(Problem(where, key, f"a whole-number key: given ({low!r}, {high!r}); give whole numbers"))
        return None
    if low >= high:
        problems.append(Problem(where, key, f"empty range: low ({low:g}) must be below high ({high:g})"))
        return None
    below = (meta.get("ge") is not None and low < meta["ge"]) or (meta.get("gt") is not None and low <= meta["gt"])
    above = (meta.get("le") is not None and high > meta["le"]) or (meta.get("lt") is not None and high >= meta["lt"])
    if below or above:
        problems.append(
            Problem(where, key, f"range ({low:g}, {high:g}) is outside the key's bounds; allowed: {allowed}")
        )
        return None
    if kind is int:
        return _Range(int(low), int(high), whole=True)
    return _Range(float(low), float(high))


def _seed_range(span: Any, where: str, problems: list[Problem]) -> _Range | None:
    ok = (
        not isinstance(span, str)
        and isinstance(span, Sequence)
        and len(span) == 2
        and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0 for v in span)
        and span[0] < span[1]
    )
    if not ok:
        problems.append(Problem(where, SEED, f"given {span!r}; expected a range (low, high) of whole numbers >= 0"))
        return None
    return _Range(int(span[0]), int(span[1]), whole=True)


def _refused_by_scenario(source: str | dict, fixed: dict[str, Any], varied: dict[str, _Range]) -> list[Problem]:
    """What the scenario refuses: its overrides, then each varied key at each end of its range (or each of its
    values) with the other keys as the scenario has them. Each problem names the override that raised it."""
    from sim.scenario import read_scenario

    try:
        _, problems = read_scenario(source, fixed)
    except InputError as error:
        return error.problems
    if problems:
        return problems
    out: list[Problem] = []
    for key, span in varied.items():
        if key == SEED:
            continue
        for value in span.ends():
            try:
                _, refused = read_scenario(source, fixed | {key: value})
            except InputError as error:
                refused = error.problems
            out.extend(refused)
            if refused:
                break
    return out


def _parameter(ema: Any, key: str, span: _Range) -> Any:
    name = ema_name(key)
    if span.values:
        return ema.CategoricalParameter(name, list(span.values), variable_name=key)
    if span.whole:
        return ema.IntegerParameter(name, int(span.low), int(span.high), variable_name=key)
    return ema.RealParameter(name, span.low, span.high, variable_name=key)


def _choice_keys() -> list[str]:
    """The keys with fixed choices or true/false, for close matches."""
    import dataclasses
    import typing

    from sim.scenario import Scenario

    keys: list[str] = []

    def walk(cls: Any, prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if dataclasses.is_dataclass(hints[f.name]):
                walk(hints[f.name], f"{prefix}{f.name}.")
            elif f.metadata.get("choices") or hints[f.name] is bool:
                keys.append(prefix + f.name)

    walk(Scenario, "")
    return keys


def _number_kind(typ: Any) -> type | None:
    """``int`` or ``float`` for a key holding one whole number or number (optional ones included), else None."""
    import typing

    args = [a for a in typing.get_args(typ) if a is not type(None)] if typing.get_args(typ) else [typ]
    return args[0] if len(args) == 1 and args[0] in (int, float) else None


# -- seeds and outcomes ------------------------------------------------------------------------------------


def _seeds(seed: Any, replications: Any, problems: list[Problem]) -> list[int]:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        problems.append(Problem("seed", "", f"given {seed!r}; allowed: a whole number >= 0"))
        return []
    if replications is None:
        return [int(seed)]
    if isinstance(replications, numbers.Integral) and not isinstance(replications, bool):
        if replications < 1:
            problems.append(Problem("replications", "", f"given {replications!r}; allowed: a whole number >= 1"))
            return []
        return list(range(int(seed), int(seed) + int(replications)))
    seeds = list(replications) if isinstance(replications, Sequence) and not isinstance(replications, str) else None
    if (
        not seeds
        or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0 for s in seeds)
        or len(set(seeds)) < len(seeds)
    ):
        problems.append(
            Problem(
                "replications",
                "",
                f"given {replications!r}; allowed: a whole number >= 1, or a list of different seeds "
                "(whole numbers >= 0)",
            )
        )
        return []
    return [int(s) for s in seeds]


def _outcome_names(outcomes: Iterable[str] | None, problems: list[Problem]) -> list[str]:
    if outcomes is None:
        return [o.name for o in OUTCOMES]
    names = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    for name in names:
        if name not in OUTCOME_BY_NAME:
            close = _close(str(name), list(OUTCOME_BY_NAME)) or f" ({len(OUTCOMES)} in sim.metrics.OUTCOMES)"
            problems.append(Problem("outcomes", str(name), f"not an outcome{close}"))
    if not names:
        problems.append(Problem("outcomes", "", "no outcomes: name at least one of sim.metrics.OUTCOMES"))
    return [n for n in dict.fromkeys(names) if n in OUTCOME_BY_NAME]


def _kind(ema: Any, name: str) -> int:
    """EMA's kind of an outcome: to maximise, to minimise, or information (a neutral outcome)."""
    direction = OUTCOME_BY_NAME[name].direction
    if direction is Direction.NEUTRAL:
        return ema.ScalarOutcome.INFO
    return ema.ScalarOutcome.MAXIMIZE if direction is Direction.HIGHER_IS_BETTER else ema.ScalarOutcome.MINIMIZE


def _close(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.6)
    return f"; close matches: {', '.join(close)}" if close else ""


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _plain(value: Any) -> Any:
    """A value EMA sampled as the scenario schema takes it: a numpy number becomes a Python one."""
    return value.item() if hasattr(value, "item") else value


def _mean(values: list[float]) -> float:
    """The mean of an outcome's values over the replications of an experiment (NaN when one is NaN)."""
    return math.fsum(values) / len(values)


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def _ema_workbench() -> Any:
    """``ema_workbench``, imported on first use, without its warning that ipyparallel is missing (bordersim does
    not use EMA's ipyparallel evaluator)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel not installed", category=UserWarning)
        import ema_workbench
    return ema_workbench
