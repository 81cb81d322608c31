"""The whole scenario: its tables assembled, reading and overrides, validation and provenance.

:func:`load_scenario` reads a file (or takes a dict), applies ``--set key.path=value`` overrides and calls
:func:`parse_scenario`, which builds every table against its schema, collecting every problem, and then runs
the cross-field rules: each table's own and those across tables (:mod:`sim.scenario.cross_table`). Problems
raised by an override name it.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sim.scenario.agencies import Agencies, check_agencies
from sim.scenario.border import Border, check_border
from sim.scenario.checkpoints import Checkpoints, check_checkpoints
from sim.scenario.cross_table import (
    check_agency_owners,
    check_ascii_border,
    check_lonlat_positions,
    check_patrol_shares,
    check_places_needed,
)
from sim.scenario.crossers import Crossers
from sim.scenario.legal import Legal, check_legal
from sim.scenario.meta import Meta
from sim.scenario.patrols import Patrols, check_drive_speed_factors, check_patrol_sector
from sim.scenario.places import Place
from sim.scenario.ports import Port
from sim.scenario.surveillance import Surveillance, check_extra_tower_sector
from sim.scenario.terrain import (
    Terrain,
    check_grid_size,
    check_land_cover,
    check_procedural_sectors,
    check_terrain_extent,
    check_terrain_source,
)
from sim.scenario.time import Time
from sim.scenario.traffickers import Traffickers, check_traffickers
from sim.scenario.victims import Victims, check_victims
from sim.schema import Builder, InputError, Problem, parse_override, plain_key, read_toml, set_dotted, spec


@dataclass(frozen=True)
class Scenario:
    """A whole scenario: every section has defaults except ``scenario.name`` and ``terrain.source``."""

    scenario: Meta = spec(doc="Name and description.")
    terrain: Terrain = spec(doc="The land: ASCII map, procedural generator or raster files.")
    time: Time = spec(default_factory=Time, doc="Step length and default run length.")
    border: Border = spec(default_factory=Border, doc="Where the border runs and which side is origin.")
    ports: list[Port] = spec(default_factory=list, doc="Ports of entry: [[ports]] tables.")
    staging: list[Place] = spec(default_factory=list, doc="Staging areas on the origin side: [[staging]] tables.")
    destinations: list[Place] = spec(
        default_factory=list, doc="Exploitation sites on the destination side: [[destinations]] tables."
    )
    surveillance: Surveillance = spec(default_factory=Surveillance, doc="Fixed sensors and blind-spot threshold.")
    patrols: Patrols = spec(default_factory=Patrols, doc="Mobile patrols.")
    agencies: Agencies = spec(default_factory=Agencies, doc="Agencies and their data sharing.")
    traffickers: Traffickers = spec(default_factory=Traffickers, doc="Trafficking networks and their behaviour.")
    crossers: Crossers = spec(default_factory=Crossers, doc="People taken across, and their return and retries.")
    victims: Victims = spec(default_factory=Victims, doc="Trafficking victims: base rate, protection, identification.")
    checkpoints: Checkpoints = spec(default_factory=Checkpoints, doc="Inspection at ports of entry.")
    legal: Legal = spec(default_factory=Legal, doc="Courts, delays, evidence and detention.")

    # Not part of the file: where it came from, for error messages and relative paths.
    @property
    def name(self) -> str:
        return self.scenario.name


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with its provenance."""

    spec: Scenario
    path: str
    raw: dict
    overrides: tuple[tuple[str, Any], ...]

    @property
    def base_dir(self) -> Path:
        return Path(self.path).parent if self.path else Path(".")

    def hash(self) -> str:
        """Hash of the effective scenario (file contents plus overrides), for provenance."""
        return scenario_hash(self.raw)

    def blame(self, problems: list[Problem]) -> list[Problem]:
        """The problems, those raised by an override naming it (``file (override --set key)``)."""
        return [_blame_override(p, list(self.overrides)) for p in problems]


def scenario_hash(raw: dict) -> str:
    text = json.dumps(raw, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def parse_scenario(raw: dict, file: str = "<scenario>") -> Scenario:
    """Validate a raw dict into a :class:`Scenario`; raise :class:`InputError` listing all problems."""
    scenario, problems = check_scenario(raw, file)
    if problems:
        raise InputError(problems)
    return scenario


def check_scenario(raw: dict, file: str = "<scenario>") -> tuple[Scenario | None, list[Problem]]:
    """Build a :class:`Scenario` from a raw dict and list every problem, the schema's and the cross-field rules'
    alike, in one pass. With problems, the scenario returned holds the invalid values as given (None when the
    file is not a table at all): good for finding more problems, not for running."""
    builder = Builder(file)
    check_grid_size(raw, builder)
    scenario = builder.build(Scenario, raw, "")
    if scenario is not None:
        _check_combinations(scenario, builder, tolerant=bool(builder.problems))
    return scenario, builder.problems


def load_scenario(
    path: str | Path | dict, overrides: list[str] | dict[str, Any] | None = None, *, file: str | None = None
) -> LoadedScenario:
    """Read, override and validate a scenario.

    Args:
        path: a TOML file, or an already-parsed dict.
        overrides: ``["patrols.count=12", ...]`` strings as given on the command line, or a
            mapping of dotted keys to values (experiment policies).
        file: name used in messages when ``path`` is a dict.
    """
    loaded, problems = read_scenario(path, overrides, file=file)
    if problems:
        raise InputError(problems)
    return loaded


def read_scenario(
    path: str | Path | dict, overrides: list[str] | dict[str, Any] | None = None, *, file: str | None = None
) -> tuple[LoadedScenario, list[Problem]]:
    """:func:`load_scenario` that returns the problems (problems raised by an override name it) instead of
    raising them, beside the scenario as read. With problems, its ``spec`` holds the invalid values as given
    (see :func:`check_scenario`): for finding the problems that need the land too
    (:func:`sim.world.load_world`), never for running. A file that cannot be read still raises."""
    if isinstance(path, dict):
        raw = copy.deepcopy(path)
        file = file or "<scenario>"
        src = ""
    else:
        raw = read_toml(path)
        file = file or str(path)
        src = str(path)
    pairs = normalise_overrides(overrides)
    for key, value in pairs:
        set_dotted(raw, key, value, file=f"override {key}")
    scenario, problems = check_scenario(raw, file)
    problems = [_blame_override(p, pairs) for p in problems]
    return LoadedScenario(spec=scenario, path=src, raw=raw, overrides=tuple(pairs)), problems


def normalise_overrides(overrides: list[str] | dict[str, Any] | None) -> list[tuple[str, Any]]:
    if not overrides:
        return []
    if isinstance(overrides, dict):
        return list(overrides.items())
    return [parse_override(text) for text in overrides]


def _blame_override(problem: Problem, pairs: list[tuple[str, Any]]) -> Problem:
    plain = plain_key(problem.key)
    for key, _ in pairs:
        if plain == key or plain.startswith(key + ".") or plain.startswith(key + "["):
            return Problem(f"{problem.file} (override --set {key})", problem.key, problem.message)
    return problem


#: Cross-field rules that need no terrain: each table's own (beside its fields) and those across tables
#: (:mod:`sim.scenario.cross_table`), in the order their problems are listed.
COMBINATION_CHECKS = (
    lambda s, b: check_terrain_extent(s.terrain, b),
    lambda s, b: check_border(s.border, b),
    lambda s, b: check_terrain_source(s.terrain, b),
    lambda s, b: check_procedural_sectors(s.terrain, b),
    check_lonlat_positions,
    check_ascii_border,
    lambda s, b: check_agencies(s.agencies, b),
    check_agency_owners,
    check_patrol_shares,
    check_places_needed,
    lambda s, b: check_traffickers(s.traffickers, b),
    lambda s, b: check_patrol_sector(s.patrols, b),
    lambda s, b: check_extra_tower_sector(s.surveillance, b),
    lambda s, b: check_land_cover(s.terrain, b),
    lambda s, b: check_drive_speed_factors(s.patrols, b),
    lambda s, b: check_checkpoints(s.checkpoints, b),
    lambda s, b: check_victims(s.victims, b),
    lambda s, b: check_legal(s.legal, b),
)
#: What a rule raises when a value it reads is of the wrong kind (None for a missing key, text for a number, ...).
INVALID_VALUE_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, ZeroDivisionError)


def _check_combinations(s: Scenario, b: Builder, *, tolerant: bool = False) -> None:
    """Run :data:`COMBINATION_CHECKS`. ``tolerant`` (the schema found problems): a rule that cannot read the values
    it needs (they were reported invalid) is skipped, and a rule's problem on a key already reported is dropped,
    so one pass lists the schema's problems and every rule's that can be judged."""
    if not tolerant:
        for check in COMBINATION_CHECKS:
            check(s, b)
        return
    reported = {p.key for p in b.problems}
    for check in COMBINATION_CHECKS:
        probe = Builder(b.file)
        try:
            check(s, probe)
        except INVALID_VALUE_ERRORS:
            continue
        b.problems.extend(p for p in probe.problems if not _under(p.key, reported))


def _under(key: str, reported: set[str]) -> bool:
    """``key`` is a reported key or lies inside one (``a.b`` inside ``a``), or holds one (``a`` holding ``a.b``)."""
    return any(key == r or key.startswith((r + ".", r + "[")) or r.startswith((key + ".", key + "[")) for r in reported)


def to_dict(scenario: Scenario) -> dict:
    """The full effective scenario (defaults filled in) as plain data."""
    return asdict(scenario)
