"""Building the world of a scenario: terrain, border, places, sensors, coverage and blind spots.

:func:`build_world` turns a validated scenario into a :class:`~sim.world.core.World`. It builds the
terrain layers (:mod:`sim.world.terrain`), draws the border (:mod:`sim.world.border`), puts the
named places on the map (:mod:`sim.world.places`), computes every sensor's viewshed, sites extra
towers (:mod:`sim.world.surveillance`), and derives coverage and blind spots. The checks that need
the land (a sensor outside the map, a port off the border, no passable path from staging to
destination) raise the same :class:`~sim.schema.InputError` as the schema does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim.scenario import LoadedScenario, Scenario, read_scenario
from sim.schema import InputError, Problem, item_key
from sim.world.border import border_line, share_of_length
from sim.world.core import NamedCell, World
from sim.world.places import Places
from sim.world.surveillance import LINE_OF_SIGHT_KINDS, site_extra_towers, viewshed
from sim.world.terrain import TerrainLayers, build_terrain, with_border_river


def build_world(loaded: LoadedScenario | Scenario, base_dir: str = ".") -> World:
    """Build the world of a scenario; raise InputError for impossible combinations (a problem raised by an override
    names it)."""
    if not isinstance(loaded, LoadedScenario):
        layers = build_terrain(loaded, base_dir=base_dir, file="<scenario>")
        return assemble(loaded, layers, file="<scenario>", base_dir=base_dir)
    scenario, base_dir, file = loaded.spec, str(loaded.base_dir), loaded.path or "<scenario>"
    try:
        layers = build_terrain(scenario, base_dir=base_dir, file=file)
        return assemble(scenario, layers, file=file, base_dir=base_dir)
    except InputError as exc:
        raise InputError(loaded.blame(exc.problems)) from None


def load_world(
    path: str | Path | dict, overrides: list[str] | dict[str, Any] | None = None
) -> tuple[LoadedScenario, World]:
    """Load a scenario and build its world, or raise one :class:`InputError` with every problem found: the
    schema's, the cross-field rules' and, where the land can still be built, those that need it (a place off the
    map or off its side of the border), so a file is fixed in one pass."""
    loaded, problems = read_scenario(path, overrides)
    if not problems:
        return loaded, build_world(loaded)
    raise InputError(problems + _land_problems(loaded, problems))


#: Tables that shape the land: with a problem in one of them, the places cannot be checked against it.
LAND_TABLES = ("terrain", "border")


def scenario_problems(path: str | Path | dict, overrides: list[str] | dict[str, Any] | None = None) -> list[Problem]:
    """Every problem :func:`load_world` would report, without building the world of a valid scenario: its places
    are checked against its land (:func:`place_problems`), its sensors' views are not computed."""
    loaded, problems = read_scenario(path, overrides)
    if problems:
        return problems + _land_problems(loaded, problems)
    return place_problems(loaded)


def _land_problems(loaded: LoadedScenario, reported: list[Problem]) -> list[Problem]:
    """The problems of the places against the land (:func:`place_cells`) of a scenario with other problems,
    besides those: none when a table that shapes the land (:data:`LAND_TABLES`) has a problem, or when a value the
    places need is invalid (it was reported)."""
    keys = {p.key for p in reported}
    if loaded.spec is None or any(k.split(".")[0].split("[")[0] in LAND_TABLES for k in keys):
        return []
    try:
        return [p for p in place_problems(loaded) if p.key not in keys]
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, ZeroDivisionError, OverflowError):
        return []


def place_problems(loaded: LoadedScenario) -> list[Problem]:
    """The problems of a scenario's places against its land (:func:`place_cells`; those raised by an override name
    it), none when they fit: what building its world would raise first, without computing the sensors' views."""
    base_dir, file = str(loaded.base_dir), loaded.path or "<scenario>"
    try:
        place_cells(loaded.spec, build_terrain(loaded.spec, base_dir=base_dir, file=file), file, base_dir)
    except InputError as exc:
        return loaded.blame(exc.problems)
    return []


def place_cells(scenario: Scenario, layers: TerrainLayers, file: str, base_dir: str):
    """The border line and the cells of the named places; raise InputError with every place that does not fit the
    land. Returns (layers with the border's water, border, ports, staging, destinations, tunnels, sensors)."""
    border = border_line(scenario, layers, file, base_dir)
    if scenario.border.mode in ("river", "geojson") or has_river_sector(scenario):
        layers = with_border_river(layers, border.mask, scenario.terrain)  # the water the line runs in is waded
    places = Places(scenario, layers, border, file)
    ports = [places.port(i, p) for i, p in enumerate(scenario.ports)]
    staging = [places.side(item_key("staging", i, p) + ".at", p, origin=True) for i, p in enumerate(scenario.staging)]
    destinations = [
        places.side(item_key("destinations", i, p) + ".at", p, origin=False)
        for i, p in enumerate(scenario.destinations)
    ]
    tunnels = [places.tunnel(i, t) for i, t in enumerate(scenario.traffickers.tunnels)]
    sensors = [places.sensor(i, s) for i, s in enumerate(scenario.surveillance.sensors)]
    if not places.problems:
        places.check_paths(staging, destinations, tunnels, ports)
    if places.problems:
        raise InputError(places.problems)
    return layers, border, ports, staging, destinations, tunnels, sensors


def has_river_sector(scenario: Scenario) -> bool:
    """Whether a procedural map has a river sector, whose river runs along the border line and is waded."""
    t = scenario.terrain
    return t.source == "procedural" and any(s.kind == "river" for s in t.procedural.sectors)


def assemble(scenario: Scenario, layers: TerrainLayers, file: str = "<scenario>", base_dir: str = ".") -> World:
    """Border, places, sensors (with extra towers), coverage and blind spots: the :class:`World`.

    Raises:
        InputError: every impossible combination found, each naming the key, the value and
            what is allowed (places or sensors off the map, a port off the border, a staging
            area on the destination side, a destination on the origin side, places on
            impassable cells, a tunnel's ends on the wrong side or in water, a staging area that cannot reach
            every destination, a tunnel that staging areas cannot reach or whose exit reaches no destination,
            a border line with passable cells cut off from the staging areas, a border file that cannot be
            read or a line that does not cross the map).
    """
    layers, border, ports, staging, destinations, tunnels, sensors = place_cells(scenario, layers, file, base_dir)
    cell_m = layers.cell_km * 1000.0
    coverage_rate = np.zeros(layers.shape, dtype=np.float64)
    for site in sensors:
        site.visible = viewshed(
            layers.elevation,
            site.cell,
            mast_height_m=site.mast_height_m,
            range_m=site.range_m,
            cell_m=cell_m,
            line_of_sight=site.kind in LINE_OF_SIGHT_KINDS,
            target_height_m=scenario.surveillance.target_height_m,
        )
        coverage_rate += site.visible * site.detection_rate_per_hour
    threshold = scenario.surveillance.blind_spot_threshold_per_hour
    extra = site_extra_towers(scenario, layers, border, coverage_rate, file)
    for site in extra:
        coverage_rate += site.visible * site.detection_rate_per_hour
    coverage = (coverage_rate * layers.concealment).astype(np.float32)
    blind = border.zone & (coverage < threshold)
    return World(
        scenario=scenario,
        cell_km=layers.cell_km,
        elevation=layers.elevation,
        landcover=layers.landcover,
        speed_factor=layers.speed_factor,
        concealment=layers.concealment,
        exposure=layers.exposure,
        passable=layers.passable,
        border_cells=border.cells,
        border_mask=border.mask,
        border_facing=border.facing,
        border_drawn_km=border.drawn_km,
        zone_mask=border.zone,
        origin_mask=border.origin,
        ports=ports,
        staging=[NamedCell(p.name, cell, p.weight) for p, cell in zip(scenario.staging, staging, strict=True)],
        destinations=[
            NamedCell(p.name, cell, p.weight) for p, cell in zip(scenario.destinations, destinations, strict=True)
        ],
        tunnels=tunnels,
        sensors=sensors + extra,
        coverage=coverage,
        blind_spot_mask=blind,
        blind_spot_share=share_of_length(border.cells, blind[border.cells[:, 0], border.cells[:, 1]]),
        river_mask=layers.river_mask,
        destination_mask=border.destination,
        geo=layers.geo,
    )
