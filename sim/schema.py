"""A small declarative schema engine for TOML input files.

Scenario and experiment files are validated against dataclasses whose fields carry their own
documentation (unit, allowed values, range, default). One walk over the raw TOML dictionary
builds the typed objects and collects *every* problem found, each naming the file, the dotted
key path, the value given and what is allowed, so a user fixes a file in one pass.

The same metadata generates the key-by-key reference in ``docs/scenario-format.md``
(``python -m sim.docs``), so the documentation cannot drift from the code.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MISSING = dataclasses.MISSING

#: ``source`` of a key that is an input of the scenario, not a parameter of the model (see :func:`spec`).
INPUT = "input"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.message}"


class InputError(Exception):
    """Raised when an input file (scenario, experiment, override) is invalid.

    Carries the full list of problems; ``str()`` gives one line per problem. The command line
    prints them and exits with status 2; library users can inspect ``.problems``.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


#: Longest run accepted (days), as for ``time.days``.
MAX_RUN_DAYS = 3650.0


def check_run_options(days: float | None = None, seed: Any = 0, warmup_days: Any = None) -> None:
    """Refuse a run length, seed or warm-up the model cannot use, with the option named (``--days``, ``--seed``,
    ``--warmup-days``)."""
    problems = []
    if days is not None and not (isinstance(days, numbers.Real) and 0 < days <= MAX_RUN_DAYS):
        problems.append(Problem("--days", "", f"given {days}; allowed: a number > 0 and <= {MAX_RUN_DAYS:g} (days)"))
    if warmup_days is not None and (
        isinstance(warmup_days, bool)
        or not isinstance(warmup_days, numbers.Integral)
        or not 0 <= warmup_days <= MAX_RUN_DAYS
    ):
        problems.append(
            Problem("--warmup-days", "", f"given {warmup_days!r}; allowed: a whole number >= 0 and <= {MAX_RUN_DAYS:g}")
        )
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        problems.append(Problem("--seed", "", f"given {seed!r}; allowed: a whole number >= 0"))
    if problems:
        raise InputError(problems)


def spec(
    default: Any = MISSING,
    *,
    doc: str,
    unit: str = "",
    source: str = "",
    choices: tuple | None = None,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    default_factory: Any = MISSING,
) -> Any:
    """Declare a schema field with its documentation, its constraints and where its default comes from.

    ``source`` says where the default value comes from, so a reader can judge it. Every key of a
    scenario has one:

    - a parameter of the model (a rate, chance, speed, duration, cost, factor or weight with which agents
      act or a run is measured) names its source: a citation (author and year, or a report), or
      ``"assumption"`` said plainly, or ``"assumption: ..."`` / ``"assumption; ..."`` with the reasoning,
      or the source of the pattern that the value follows;
    - an input of the scenario (:data:`INPUT`, shown as "input") describes the sector rather than how
      anyone behaves: names and descriptions, positions, maps and files, the land's shape, the run's
      length and resolution, what is deployed and where (counts, lanes, mast heights and ranges, traffic),
      and policy levers (strategies, sharing rules, protection, laws such as the sentence). Its author
      states it; its default is an example, not a claim.

    Tables and lists of tables (a field whose type is a dataclass) have no source of their own.
    """
    meta = {"doc": doc, "unit": unit, "source": source, "choices": choices, "ge": ge, "le": le, "gt": gt, "lt": lt}
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)


def describe_allowed(meta: dict, typ: Any) -> str:
    """Human text for what a field accepts, e.g. 'a number >= 0 (km/h)'."""
    if meta.get("choices"):
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    base = _type_name(typ)
    bounds = []
    for key, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        if meta.get(key) is not None:
            bounds.append(f"{sym} {meta[key]:g}")
    text = base + (" " + " and ".join(bounds) if bounds else "")
    if meta.get("unit"):
        text += f" ({meta['unit']})"
    return text


def _type_name(typ: Any) -> str:
    origin = typing.get_origin(typ)
    if typ is bool:
        return "true or false"
    if typ is int:
        return "a whole number"
    if typ is float:
        return "a number"
    if typ is str:
        return "a text string"
    if dataclasses.is_dataclass(typ):
        return "a table"
    if origin is list:
        (inner,) = typing.get_args(typ)
        if dataclasses.is_dataclass(inner):
            return "a list of tables"
        return f"a list of {_type_name(inner).removeprefix('a ').removeprefix('an ')}s"
    if origin is dict:
        inner = typing.get_args(typ)[1]
        if typing.get_origin(inner) is dict:
            return "a table of names to tables of names to numbers"
        if inner is str:
            return "a table of names to text strings"
        return "a table of names to numbers"
    if origin is tuple:
        args = typing.get_args(typ)
        return f"a list of {len(args)} numbers"
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(typ) if a is not type(None)]
        return " or ".join(_type_name(a) for a in args)
    return str(typ)


def _fmt(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Builder:
    """Builds a dataclass tree from a raw dict, collecting problems instead of raising."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, key, message))

    def build(self, cls: type, raw: Any, path: str) -> Any:
        """Build an instance of dataclass ``cls`` from ``raw`` (a dict) at dotted ``path``."""
        if not isinstance(raw, dict):
            self.fail(path, f"given {_fmt(raw)}; expected a table (a [section] or {{ ... }})")
            return _defaults_or_none(cls)
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key in raw:
            if key not in fields:
                close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                valid = ", ".join(sorted(fields))
                self.fail(_join(path, key), f"unknown key{hint} (valid keys here: {valid})")
        values = {}
        for name, f in fields.items():
            key = _join(path, name)
            if name in raw:
                values[name] = self.convert(hints[name], raw[name], key, dict(f.metadata))
            elif f.default is MISSING and f.default_factory is MISSING:
                self.fail(key, f"missing required key: {f.metadata.get('doc', '')}".rstrip(": "))
                values[name] = None
        try:
            obj = cls(**values)
        except (TypeError, ValueError) as exc:  # pragma: no cover - schema bug guard
            self.fail(path, str(exc))
            return None
        return obj

    def convert(self, typ: Any, value: Any, key: str, meta: dict) -> Any:
        origin = typing.get_origin(typ)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(typ) if a is not type(None)]
            for arg in args:
                probe = Builder(self.file)
                out = probe.convert(arg, value, key, meta)
                if not probe.problems:
                    return out
            self.fail(key, f"given {_fmt(value)}; allowed: {describe_allowed(meta, typ)}")
            return None
        if dataclasses.is_dataclass(typ):
            return self.build(typ, value, key)
        if origin is list:
            (inner,) = typing.get_args(typ)
            if not isinstance(value, list):
                self.fail(key, f"given {_fmt(value)}; expected {_type_name(typ)}")
                return []
            inner_meta = meta if not dataclasses.is_dataclass(inner) else {}
            return [self.convert(inner, v, item_key(key, i, v), inner_meta) for i, v in enumerate(value)]
        if origin is dict:
            _, inner = typing.get_args(typ)
            if not isinstance(value, dict):
                self.fail(key, f"given {_fmt(value)}; expected a table of names to values")
                return {}
            return {k: self.convert(inner, v, f"{key}.{k}", meta) for k, v in value.items()}
        if origin is tuple:
            args = typing.get_args(typ)
            if not isinstance(value, list) or len(value) != len(args):
                self.fail(key, f"given {_fmt(value)}; expected {_type_name(typ)}, e.g. [12.5, 3.0]")
                return None
            items = [self.convert(a, v, f"{key}[{i}]", meta) for i, (a, v) in enumerate(zip(args, value, strict=True))]
            return tuple(items)
        return self.scalar(typ, value, key, meta)

    def scalar(self, typ: Any, value: Any, key: str, meta: dict) -> Any:
        allowed = describe_allowed(meta, typ)
        ok = True
        if typ is bool:
            ok = isinstance(value, bool)
        elif typ is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif typ is float:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if ok:
                value = float(value)
                ok = math.isfinite(value)
        elif typ is str:
            ok = isinstance(value, str)
        elif typ is Any:
            return value
        if not ok:
            self.fail(key, f"given {_fmt(value)} ({type(value).__name__}); allowed: {allowed}")
            return value
        choices = meta.get("choices")
        if choices and value not in choices:
            close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.fail(key, f"given {_fmt(value)}; allowed: {allowed}{hint}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            for bound, test in (
                ("ge", lambda v, b: v >= b),
                ("gt", lambda v, b: v > b),
                ("le", lambda v, b: v <= b),
                ("lt", lambda v, b: v < b),
            ):
                b = meta.get(bound)
                if b is not None and not test(value, b):
                    self.fail(key, f"given {_fmt(value)}, out of range; allowed: {allowed}")
                    break
        return value


def item_key(key: str, index: int, item: Any) -> str:
    """The key of a list item: ``key[index]``, followed by the item's name when it has one (a table with a
    ``name`` text, or an object with a ``name`` attribute), e.g. ``staging[1] (Los Arroyos)``. Every message about
    a list item names it this way."""
    name = item.get("name") if isinstance(item, dict) else getattr(item, "name", None)
    return f"{key}[{index}] ({name})" if isinstance(name, str) and name else f"{key}[{index}]"


#: The ``(name)`` that :func:`item_key` adds after an index.
_ITEM_NAME = re.compile(r"(\[\d+\]) \(.*?\)(?=\.|\[|$)")


def plain_key(key: str) -> str:
    """A key as ``--set`` spells it: the names that :func:`item_key` adds taken out (``staging[1].at``)."""
    return _ITEM_NAME.sub(r"\1", key)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _defaults_or_none(cls: type) -> Any:
    try:
        return cls()
    except TypeError:
        return None


def read_toml(path: str | Path) -> dict:
    """Read a TOML file, turning syntax errors into an :class:`InputError` with the line."""
    path = Path(path)
    if not path.exists():
        raise InputError([Problem(str(path), "", "file not found")])
    if path.is_dir():
        raise InputError([Problem(str(path), "", "is a folder, expected a .toml file")])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), "", f"cannot be read: {exc}")]) from None
    return parse_toml(text, str(path))


def parse_toml(text: str, file: str) -> dict:
    """Parse TOML text; syntax errors name the file, line and column."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(file, "", f"malformed TOML: {exc}")]) from None


def parse_override(text: str, file: str = "--set") -> tuple[str, Any]:
    """Parse ``key.path=value`` where value is a TOML value (bare words are taken as strings)."""
    if "=" not in text:
        raise InputError([Problem(file, text, "an override must look like key.path=value, e.g. patrols.count=12")])
    key, raw = (s.strip() for s in text.split("=", 1))
    if not key:
        raise InputError([Problem(file, text, "the key before '=' is empty")])
    return key, parse_value(raw)


def parse_value(raw: str) -> Any:
    """A TOML value from text; a bare word that is not TOML (e.g. full) is a string."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def set_dotted(data: dict, key: str, value: Any, file: str = "--set") -> None:
    """Set ``a.b.c`` in nested dicts; ``a.b[2].c`` indexes lists of tables."""
    parts = key.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        name, index = _split_index(part, key, file)
        last = i == len(parts) - 1
        if last and index is None:
            if not isinstance(node, dict):
                raise InputError([Problem(file, key, "cannot set a key inside a non-table value")])
            node[name] = value
            return
        if not isinstance(node, dict):
            raise InputError([Problem(file, key, "cannot set a key inside a non-table value")])
        if index is None:
            node = node.setdefault(name, {})
            continue
        seq = node.get(name)
        if not isinstance(seq, list) or not -len(seq) <= index < len(seq):
            size = len(seq) if isinstance(seq, list) else 0
            raise InputError([Problem(file, key, f"index [{index}] is out of range: '{name}' has {size} entries")])
        if last:
            seq[index] = value
            return
        node = seq[index]


def _split_index(part: str, key: str, file: str) -> tuple[str, int | None]:
    if part.endswith("]") and "[" in part:
        name, idx = part[:-1].split("[", 1)
        try:
            return name, int(idx)
        except ValueError:
            raise InputError([Problem(file, key, f"list index must be a whole number, got [{idx}]")]) from None
    return part, None
