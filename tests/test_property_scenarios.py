"""Validation is the contract: every scenario the validator accepts runs, and every other gets a clear refusal.

Property-based tests (Hypothesis) start from the shipped scenarios (``scenarios/*.toml``; the two large
ones on 2 km cells, the same land at a coarser grid, so that a run takes a fraction of a second) and

- draw values for a few keys *within* the schema: each key's declared choices and bounds (``ge``, ``gt``,
  ``le``, ``lt`` in the field metadata of :mod:`sim.scenario`), favouring the bounds themselves, and
  positions anywhere on or around the map (so places land on the wrong side, in water or off the map);
- apply mutations *outside* it: wrong types, numbers beyond the bounds, NaN and infinities, deleted
  required keys, emptied lists and tables, unknown keys.

For every example the validator (the same functions ``bordersim validate`` calls, in-process) either
accepts the scenario, and then two simulated days run with the model's bookkeeping invariants checked after
every step (:func:`tests.test_model_invariants.check_invariants`), or refuses it with an
:class:`~sim.schema.InputError` whose every problem names a key, never another exception. A few examples
go through files and ``bordersim validate`` itself, checking the exit status (0 or 2) and the output.

Profiles: ``ci`` (the default: a fixed number of examples, derandomized, about a minute in all) and
``large`` (many more, random), chosen with ``BORDERSIM_HYPOTHESIS_PROFILE=large`` (``make fuzz``).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import io
import json
import math
import os
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from sim.cli import main as bordersim
from sim.cli import validate_path
from sim.model import BorderModel
from sim.runner import estimate_run_size
from sim.scenario import LAND_COVERS, Scenario, load_scenario
from sim.schema import InputError, plain_key, read_toml
from sim.world import build_world
from tests.test_model_invariants import check_invariants

ROOT = Path(__file__).resolve().parents[1]

settings.register_profile(
    "ci",
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "large",
    max_examples=1000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = os.environ.get("BORDERSIM_HYPOTHESIS_PROFILE", "ci")
#: Examples of each test relative to the profile's ``max_examples``.
SCALE = {"valid": 1.0, "mutated": 1.5, "files": 0.2}


def profile(kind: str) -> settings:
    """The chosen profile, with the examples of one test scaled."""
    base = settings.get_profile(PROFILE)
    return settings(base, max_examples=max(3, round(base.max_examples * SCALE[kind])))


#: Simulated days run for an accepted scenario, and the wall time (s, estimated up front) above which the
#: run is cut to fewer days so the suite keeps its time; always at least a few steps.
RUN_DAYS = 2.0
RUN_BUDGET_S = 4.0

#: A tunnel under the classroom's border, from the open plain south of it to the plain north of it.
CLASSROOM_TUNNEL = {"name": "old mine", "entrance": [10.5, 9.5], "exit": [10.5, 4.5]}


def _base_scenarios() -> dict[str, dict]:
    bases = {}
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        raw = read_toml(path)
        if raw["terrain"]["source"] == "procedural":
            raw["terrain"]["cell_m"] = 2000  # the same land on a coarser grid: small and fast
        bases[path.stem] = raw
    tunnel = copy.deepcopy(bases["classroom"])
    tunnel["traffickers"]["tunnels"] = [dict(CLASSROOM_TUNNEL)]
    tunnel["traffickers"]["tunnel_share"] = 0.3
    bases["classroom_tunnel"] = tunnel
    return bases


BASES = _base_scenarios()


# ---------------------------------------------------------------------------------------------- the schema
@dataclasses.dataclass(frozen=True)
class Leaf:
    """A leaf key of the schema: dotted path with ``[]`` for list items, its type and field metadata."""

    path: str
    typ: Any
    meta: dict
    required: bool


def schema_leaves(cls: type = Scenario, prefix: str = "") -> list[Leaf]:
    hints = typing.get_type_hints(cls)
    leaves = []
    for f in dataclasses.fields(cls):
        typ, path = hints[f.name], prefix + f.name
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if dataclasses.is_dataclass(typ):
            leaves += schema_leaves(typ, path + ".")
        elif typing.get_origin(typ) is list and dataclasses.is_dataclass(typing.get_args(typ)[0]):
            leaves += schema_leaves(typing.get_args(typ)[0], path + "[].")
        else:
            leaves.append(Leaf(path, typ, dict(f.metadata), required))
    return leaves


LEAVES = schema_leaves()
#: Keys that hold positions on the map [x_km, y_km].
POSITION_KEYS = {leaf.path for leaf in LEAVES if leaf.path.endswith((".at", ".entrance", ".exit"))}
#: Keys that would swap the map for one the file does not provide or blow up its size: drawn apart or left.
FIXED_KEYS = {
    "terrain.source",
    "terrain.ascii",
    "terrain.elevation_file",
    "terrain.landcover_file",
    "terrain.width_km",
    "terrain.height_km",
}
#: Names of the entries of dict-valued keys.
DICT_ENTRIES = {
    "terrain.ascii_elevation_m": [".", ":", '"', "T", "^", "~", "#", "U", "="],
    "patrols.drive_speed_factors": ["open", "desert", "road", "water", "mountain"],
    "victims.testify_probability": ["none", "basic", "strong"],
    "victims.come_forward_probability": ["none", "basic", "strong"],
    "checkpoints.detection_probability": ["basic", "standard", "scanner", "biometric"],
}
LAND_COVER_LIMITS = {"speed_factor": 3.0, "concealment": 1.0, "exposure_per_hour": 1.0}


def _unwrap(typ: Any) -> Any:
    if typing.get_origin(typ) in (typing.Union, types.UnionType):
        return next(a for a in typing.get_args(typ) if a is not type(None))
    return typ


def number_in(meta: dict, integer: bool) -> st.SearchStrategy:
    """Numbers allowed by a field's bounds, the bounds themselves often; unbounded: up to 1e300 (2**62)."""
    lo = meta["ge"] if meta.get("ge") is not None else meta.get("gt")
    hi = meta["le"] if meta.get("le") is not None else meta.get("lt")
    lo = 0.0 if lo is None else float(lo)
    hi = (2.0**62 if integer else 1e300) if hi is None else float(hi)
    if integer:
        lo_i = math.ceil(lo) + (1 if meta.get("gt") is not None and float(meta["gt"]).is_integer() else 0)
        hi_i = math.floor(hi) - (1 if meta.get("lt") is not None and float(meta["lt"]).is_integer() else 0)
        return st.one_of(st.sampled_from([lo_i, hi_i]), st.integers(lo_i, hi_i))
    edges = [v for v, open_ in ((lo, meta.get("gt") is not None), (hi, meta.get("lt") is not None)) if not open_]
    inner = st.floats(lo, hi, exclude_min=meta.get("gt") is not None, exclude_max=meta.get("lt") is not None)
    # Magnitudes spread evenly on a log scale too, so small and large values are both drawn.
    spread = []
    if lo >= 0 and hi > 0:
        bottom = max(lo, hi * 1e-9, 1e-9)
        if meta.get("gt") is not None and bottom <= lo:
            bottom = math.nextafter(lo, math.inf)
        top = math.nextafter(hi, -math.inf) if meta.get("lt") is not None else hi
        spread = [st.floats(math.log10(bottom), math.log10(top)).map(lambda e: min(max(10.0**e, bottom), top))]
    return st.one_of(st.sampled_from(edges), inner, *spread) if edges else st.one_of(inner, *spread)


def allowed_value(leaf: Leaf, extent: tuple[float, float]) -> st.SearchStrategy:
    """A value the schema accepts for a key (the map may still refuse it)."""
    typ, meta = _unwrap(leaf.typ), leaf.meta
    if leaf.path in POSITION_KEYS:
        width, height = extent
        near = st.tuples(st.floats(-2.0, width + 2.0), st.floats(-2.0, height + 2.0))
        anywhere = st.tuples(st.floats(-1e308, 1e308), st.floats(-1e308, 1e308))
        return st.one_of(near, near, near, anywhere).map(list)
    if meta.get("choices"):
        return st.sampled_from(list(meta["choices"]))
    if typ is bool:
        return st.booleans()
    if typ is str:
        return st.text(min_size=1, max_size=12)
    if typ is int:
        return number_in(meta, integer=True)
    if typ is float:
        return number_in(meta, integer=False)
    origin = typing.get_origin(typ)
    if origin is tuple:
        n = len(typing.get_args(typ))
        if leaf.path == "patrols.sector":
            width = extent[0]
            return st.tuples(st.floats(0, width / 2), st.floats(width / 2 + 0.1, width)).map(list)
        return st.lists(number_in(meta, integer=False), min_size=n, max_size=n)
    if leaf.path == "terrain.land_cover":
        return st.dictionaries(
            st.sampled_from(["open", "desert", "scrub", "forest", "mountain", "road", "urban"]),
            st.dictionaries(
                st.sampled_from(list(LAND_COVER_LIMITS)),
                st.sampled_from(list(LAND_COVER_LIMITS.values())).flatmap(lambda hi: st.floats(0.0, hi)),
                min_size=1,
                max_size=2,
            ),
            min_size=1,
            max_size=2,
        )
    if leaf.path == "terrain.landcover_codes":  # raster codes to land-cover names, some of them wrong
        codes, names = st.sampled_from(["10", "20", "60", "-1", "x"]), st.sampled_from([*LAND_COVERS, "swamp"])
        return st.dictionaries(codes, names, max_size=3)
    if origin is dict:
        return st.dictionaries(st.sampled_from(DICT_ENTRIES[leaf.path]), number_in(meta, integer=False), max_size=3)
    if origin is list and typing.get_args(typ) == (float,):  # weights (patrols.sector_shares), all 0 or many too
        return st.lists(number_in(meta, integer=False), max_size=6)
    raise AssertionError(f"no strategy for {leaf.path} ({typ})")


# ---------------------------------------------------------------------------------------- raw dict access
def _items(raw: dict, path: str) -> list[tuple[dict, str, str]]:
    """(table, name, concrete dotted key) for every place a schema path occurs in a raw scenario."""
    parts = path.split(".")
    found = [(raw, "")]
    for part in parts[:-1]:
        nxt = []
        for table, key in found:
            name = part.removesuffix("[]")
            value = table.get(name) if isinstance(table, dict) else None
            if part.endswith("[]"):
                if isinstance(value, list):
                    nxt += [(item, f"{key}{name}[{i}].") for i, item in enumerate(value) if isinstance(item, dict)]
            elif isinstance(value, dict):
                nxt.append((value, f"{key}{name}."))
            elif isinstance(table, dict) and value is None:
                table[name] = {}
                nxt.append((table[name], f"{key}{name}."))
        found = nxt
    return [(table, parts[-1], key + parts[-1]) for table, key in found]


def map_extent(raw: dict) -> tuple[float, float]:
    """(width, height) of the map in km, from the raw terrain table."""
    t = raw["terrain"]
    if t["source"] == "procedural":
        return float(t["width_km"]), float(t["height_km"])
    rows = t["ascii"].strip("\n").splitlines()
    cell_km = t.get("cell_m", 1000) / 1000
    return max(len(r) for r in rows) * cell_km, len(rows) * cell_km


# ------------------------------------------------------------------------------------------ strategies
class Case:
    """A drawn scenario: the shipped one it starts from, the raw dict, and the changes (its short repr)."""

    def __init__(self, base: str, raw: dict, changes: list[str]):
        self.base, self.raw, self.changes = base, raw, changes

    def __repr__(self) -> str:
        return f"Case({self.base!r}, changes={self.changes!r})"

    def __iter__(self):
        return iter((self.base, self.raw, self.changes))


CHANGEABLE = [leaf for leaf in LEAVES if leaf.path not in FIXED_KEYS]


@st.composite
def valid_scenarios(draw) -> Case:
    """A shipped scenario with a few keys set to values the schema allows."""
    name = draw(st.sampled_from(sorted(BASES)))
    raw = copy.deepcopy(BASES[name])
    extent = map_extent(raw)
    changes = []
    for leaf in draw(st.lists(st.sampled_from(CHANGEABLE), min_size=1, max_size=4, unique_by=lambda x: x.path)):
        places = _items(raw, leaf.path)
        if not places:
            continue
        table, key, dotted = draw(st.sampled_from(places))
        value = draw(allowed_value(leaf, extent))
        table[key] = value
        changes.append(f"{dotted} = {value!r}")
    if draw(st.booleans()) and name != "classroom_tunnel":  # sometimes a tunnel anywhere
        position = st.tuples(st.floats(-1.0, extent[0] + 1), st.floats(-1.0, extent[1] + 1)).map(list)
        tunnel = {"name": "t", "entrance": draw(position), "exit": draw(position)}
        raw.setdefault("traffickers", {})["tunnels"] = [tunnel]
        raw["traffickers"]["tunnel_share"] = draw(st.floats(0.0, 1.0))
        changes.append(f"traffickers.tunnels = [{tunnel}]")
    return Case(name, raw, changes)


#: Values of the wrong type for any key (a table where a number is expected, text where a table is, ...).
WRONG_TYPES = st.sampled_from(["text", True, [1, 2, 3], {"a": 1}, -1, 1.5, [], {}])
#: Numbers no key allows or that no bound lets through.
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])


def outside_value(leaf: Leaf) -> st.SearchStrategy:
    """A value the schema refuses for a key: wrong type, beyond a bound, not finite, or not a choice."""
    typ, meta = _unwrap(leaf.typ), leaf.meta
    options = [WRONG_TYPES]
    if typ in (int, float):
        options.append(NON_FINITE)
        for bound, sign in (("ge", -1), ("gt", -1), ("le", 1), ("lt", 1)):
            if meta.get(bound) is not None:
                b = float(meta[bound])
                step = st.floats(1e-6, 1e6).map(lambda d, b=b, sign=sign: b + sign * max(d, abs(b) * 1e-9))
                if bound in ("gt", "lt"):
                    step = st.one_of(st.just(b), step)
                options.append(step.map(lambda v, typ=typ: int(v) if typ is int and float(v).is_integer() else v))
    if meta.get("choices"):
        options.append(st.text(max_size=10).filter(lambda v: v not in meta["choices"]))
    return st.one_of(options)


@st.composite
def mutated_scenarios(draw) -> Case:
    """A shipped scenario with one to three mutations outside the schema (and maybe changes within it)."""
    name, raw, changes = draw(valid_scenarios()) if draw(st.booleans()) else (None, None, [])
    changes = list(changes)
    if raw is None:
        name = draw(st.sampled_from(sorted(BASES)))
        raw = copy.deepcopy(BASES[name])
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["value", "value", "delete", "empty", "unknown"]))
        leaf = draw(st.sampled_from(LEAVES))
        places = _items(raw, leaf.path)
        if kind == "empty":
            section = draw(
                st.sampled_from(["ports", "staging", "destinations", "agencies.members", "surveillance.sensors"])
            )
            tables = _items(raw, section)
            table, key, dotted = tables[0]
            table[key] = draw(st.sampled_from([[], {}]))
            changes.append(f"{dotted} emptied")
        elif not places:
            continue
        elif kind == "value":
            table, key, dotted = draw(st.sampled_from(places))
            table[key] = draw(outside_value(leaf))
            changes.append(f"{dotted} = {table[key]!r} (outside)")
        elif kind == "delete":
            table, key, dotted = draw(st.sampled_from(places))
            table.pop(key, None)
            changes.append(f"{dotted} deleted")
        else:
            table, key, dotted = draw(st.sampled_from(places))
            table[key + "_typo"] = 1
            changes.append(f"{dotted}_typo added")
    return Case(name, raw, changes)


# ------------------------------------------------------------------------------------------- the contract
def validate(raw: dict) -> tuple[Any, InputError | None]:
    """The validator in-process, as ``bordersim validate`` runs it: schema, then the world's checks."""
    try:
        loaded = load_scenario(raw, file="fuzzed.toml")
        build_world(loaded)
    except InputError as exc:
        return None, exc
    return loaded, None


def assert_refusal_names_keys(error: InputError) -> None:
    assert error.problems, "an InputError without problems"
    for problem in error.problems:
        assert problem.key, f"a problem without a key: {problem}"
        assert problem.message, f"a problem without a message: {problem}"


def run_checked(raw: dict, loaded) -> None:
    """Step a short run of an accepted scenario, checking the invariants after every step."""
    size = estimate_run_size(loaded.spec, RUN_DAYS)
    days = RUN_DAYS if size.seconds <= RUN_BUDGET_S else max(RUN_DAYS * RUN_BUDGET_S / size.seconds, 0.05)
    model = BorderModel(raw, seed=7)
    steps = max(3, math.ceil(days * model.steps_per_day - 1e-9))
    note(f"running {steps} steps ({days:.3g} days) of about {size.acting_agents:.0f} acting agents")
    problems: list[str] = []
    for _ in range(steps):
        model.step()
        problems += check_invariants(model)
        assert not problems, "\n".join(problems[:10])
    outcomes = model.outcomes()
    assert all(not isinstance(v, float) or not math.isinf(v) for v in outcomes.values()), outcomes


def check_contract(name: str, raw: dict, changes: list[str]) -> bool:
    """Accepted and runs with the invariants, or refused naming keys. True when accepted."""
    note(f"base {name}; changes: {'; '.join(changes)}")
    loaded, error = validate(raw)
    if error is not None:
        note(f"refused: {error}")
        event("refused")
        assert_refusal_names_keys(error)
        return False
    event("accepted and run")
    run_checked(raw, loaded)
    return True


@profile("valid")
@given(valid_scenarios())
def test_scenarios_within_the_schema_are_refused_clearly_or_run(case):
    check_contract(*case)


@profile("mutated")
@given(mutated_scenarios())
def test_scenarios_outside_the_schema_are_refused_clearly_or_run(case):
    check_contract(*case)


def to_toml(raw: dict) -> str:
    """TOML text of a raw scenario: every top-level key as one line with inline tables (JSON strings and
    numbers are TOML too, except NaN and infinities, written as TOML's nan and inf)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float) and not math.isfinite(v):
            return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
        if isinstance(v, int | float | str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return "{" + ", ".join(f"{json.dumps(str(k))} = {value(x)}" for k, x in v.items()) + "}"

    return "".join(f"{json.dumps(str(k))} = {value(v)}\n" for k, v in raw.items())


@profile("files")
@given(st.one_of(valid_scenarios(), mutated_scenarios()))
def test_bordersim_validate_exits_0_or_2_naming_keys(tmp_path_factory, case):
    name, raw, changes = case
    note(f"base {name}; changes: {'; '.join(changes)}")
    path = tmp_path_factory.mktemp("fuzz") / "fuzzed.toml"
    path.write_text(to_toml(raw), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = bordersim(["validate", str(path)])
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text
    if status == 0:
        assert f"{path}: OK" in text
        validate_path(path, [])
    else:
        assert status == 2, text
        lines = [line.strip() for line in out.getvalue().splitlines()[1:]]
        assert lines, text
        assert all(line.startswith(f"{path}: ") and ": " in line.removeprefix(f"{path}: ") for line in lines), text


# ------------------------------------------------------------------------------ the crashes found, pinned
@pytest.mark.parametrize(
    ("base", "overrides", "key"),
    [
        ("classroom", {"crossers.per_day": 1e30}, "crossers.per_day"),
        ("classroom", {"checkpoints.travellers_per_vehicle": 1e30}, "checkpoints.travellers_per_vehicle"),
        ("classroom", {"ports[0].legit_vehicles_per_hour": 1e30}, "ports[0].legit_vehicles_per_hour"),
        (
            "classroom",
            {"agencies.members[0].patrol_share": 1e308, "agencies.members[1].patrol_share": 1e308},
            "agencies.members[0].patrol_share",
        ),
        ("classroom", {"time.step_minutes": 1e-9}, "time.step_minutes"),
        ("classroom_tunnel", {"traffickers.tunnels[0].exit": [24.5, 3.5]}, "traffickers.tunnels[0].exit"),
        ("classroom_tunnel", {"traffickers.tunnels[0].entrance": [10.5, 4.5]}, "traffickers.tunnels[0].entrance"),
        ("classroom", {"ports[0].at": [24.5, 7.5], "terrain.land_cover.open.speed_factor": 0.0}, "ports[0].at"),
        ("classroom", {"traffickers.risk_aversion": 1e300}, "traffickers.risk_aversion"),
        ("classroom", {"surveillance.tech_tier_factors": [1e300, 1e300, 1e300]}, "surveillance.tech_tier_factors"),
        ("classroom", {"terrain.steep_exposure_per_hour": 1e300}, "terrain.steep_exposure_per_hour"),
        ("classroom", {"terrain.ascii_elevation_m": {".": 1e300}}, "terrain.ascii_elevation_m"),
        ("desert_sector", {"traffickers.walk_speed_kmh": 5e-324}, "traffickers.walk_speed_kmh"),
        ("desert_sector", {"ports[0].at": [-1.8e19, 0.0]}, "ports[0].at"),
        ("classroom", {"staging[0].at": [1e307, 1.0], "terrain.cell_m": 10}, "staging[0].at"),
    ],
)
def test_files_that_used_to_crash_a_run_are_refused_naming_the_key(base, overrides, key):
    with pytest.raises(InputError) as info:
        load_scenario(BASES[base], overrides, file="crash.toml")
        build_world(load_scenario(BASES[base], overrides, file="crash.toml"))
    assert any(plain_key(p.key).startswith(key) for p in info.value.problems), info.value
