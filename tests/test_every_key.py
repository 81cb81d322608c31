"""No dead keys: every leaf key of the scenario schema changes the world or a short seeded run.

The keys are read off the schema (the dataclasses of :mod:`sim.scenario`, with lists of tables such as
``ports[]`` and dict-valued keys such as ``terrain.ascii_elevation_m`` taken as one key each), so a new
key fails :func:`test_every_key_has_a_perturbation` until it is given a row in :data:`PERTURBATIONS`:
the value to set and the base configuration in which the key can matter (tunnel keys need a tunnel,
raster keys raster files, the weight of a place a second place). The only exemptions are pure labels,
in :data:`LABELS` with the reason.

A key is alive when setting it changes the built world (terrain rasters, border, zone, where places and
sensors are, what each sensor sees, coverage and blind spots) or, failing that, the outputs of a short
seeded run (its outcomes without provenance, its daily series and its crossing records). Values that
the world only stores on their way to the model (place weights, sensor costs and owners, tunnel
capacities) are not compared in the world: they must show in the run.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.runner import run
from sim.scenario import Scenario, load_scenario
from sim.schema import read_toml
from sim.world import World, build_world

CLASSROOM = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"
RIVER_PORT = CLASSROOM.with_name("river_port.toml")


def leaf_keys(cls: type = Scenario, prefix: str = "") -> list[str]:
    """Dotted leaf keys of a schema dataclass; items of lists of tables as ``name[].key``."""
    hints = typing.get_type_hints(cls)
    keys = []
    for f in dataclasses.fields(cls):
        typ, key = hints[f.name], prefix + f.name
        if dataclasses.is_dataclass(typ):
            keys += leaf_keys(typ, key + ".")
        elif typing.get_origin(typ) is list and dataclasses.is_dataclass(typing.get_args(typ)[0]):
            keys += leaf_keys(typing.get_args(typ)[0], key + "[].")
        else:
            keys.append(key)
    return keys


#: Pure labels: they name things in reports and messages and may change nothing.
LABELS = {
    "scenario.name": "label: names the scenario in reports and file names",
    "scenario.description": "label: describes the scenario",
    "ports[].name": "label: names the port",
    "staging[].name": "label: names the staging area",
    "destinations[].name": "label: names the destination",
    "traffickers.tunnels[].name": "label: names the tunnel",
    "agencies.members[].name": "label: identifies the agency; renaming it with every reference to it changes nothing",
}

# --------------------------------------------------------------------------- base configurations

#: A busy classroom of a few days: enough groups, arrests and verdicts for most keys to show.
BUSY = {
    "time.days": 5.0,
    "crossers.per_day": 20.0,
    "victims.trafficked_share": 1.0,  # every person a victim: the victims' mechanisms at full strength
    "traffickers.networks": 3,
    "traffickers.members_per_network": 8,  # five guides each: groups are not held back by a busy guide
    "legal.procedural_delay_days": 0.5,
    "legal.trial_days_mean": 1.0,
    "legal.courts": 2,
    "legal.plea_share": 0.0,  # every case tried, so that the trial's keys show; pleas in the "pleas" configuration
    "legal.dismissal_threshold": 0.0,  # none dismissed at the plea decision
    "surveillance.false_alarms_per_day": 0.0,  # no patrol sent to a false alarm: arrests enough for every court key
}
TUNNEL = {"name": "warehouse", "entrance": [18.5, 9.5], "exit": [18.5, 5.5]}
TWO_PLACES = {
    "staging": [{"name": "Southtown", "at": [16.5, 13.5]}, {"name": "Westfield", "at": [4.5, 14.5]}],
    "destinations": [{"name": "Northtown", "at": [13.5, 2.5]}, {"name": "Lakeside", "at": [27.5, 1.5]}],
}
# The procedural and raster maps have no places or traffickers: their keys act on the world.
NO_TRAFFIC = {"traffickers.networks": 0, "patrols.count": 0}
PROCEDURAL = {
    "scenario": {"name": "procedural"},
    "terrain": {
        "source": "procedural",
        "cell_m": 1000.0,
        "width_km": 30.0,
        "height_km": 20.0,
        "seed": 3,
        "procedural": {"kind": "desert", "ridges": 2, "river": True, "roads": 1, "towns": 1, "forest_share": 0.1},
    },
    "border": {"mode": "row", "y_km": 10.0},
    "surveillance": {"sensors": [{"kind": "tower", "at": [15.5, 9.5], "range_m": 6000.0}]},
}
RASTER_SHAPE = (12, 16)


def raster_scenario(folder: Path) -> dict:
    """A 16 x 12 km map from raster files (two of each, to swap), with an ASCII map of the same shape."""
    rows, cols = RASTER_SHAPE
    rng = np.random.default_rng(5)
    np.save(folder / "elevation.npy", rng.uniform(0, 300, RASTER_SHAPE).astype(np.float32))
    np.save(folder / "elevation2.npy", rng.uniform(0, 900, RASTER_SHAPE).astype(np.float32))
    np.save(folder / "landcover.npy", rng.integers(0, 3, RASTER_SHAPE).astype(np.int8))
    np.save(folder / "landcover2.npy", rng.integers(2, 5, RASTER_SHAPE).astype(np.int8))
    return {
        "scenario": {"name": "raster"},
        "terrain": {
            "source": "raster",
            "elevation_file": str(folder / "elevation.npy"),
            "landcover_file": str(folder / "landcover.npy"),
            "ascii": "\n".join(["." * cols] * rows),
        },
        "surveillance": {"sensors": [{"kind": "tower", "at": [8.5, 5.5], "range_m": 6000.0}]},
    }


#: A transverse Mercator whose origin is the GeoTIFFs' south-west corner: a position in km from the map's
#: north-west corner, read as metres in this CRS, still lies on the map (in another cell).
GEO_CRS = "+proj=tmerc +lat_0=31.4 +lon_0=-106.3 +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"


def geotiff_scenario(folder: Path) -> dict:
    """A 16 x 12 km map from GeoTIFFs of elevation and ESA WorldCover codes in :data:`GEO_CRS`."""
    from affine import Affine

    from tests.geodata_files import WORLDCOVER_CODES, write_tif

    rng = np.random.default_rng(8)
    transform = Affine(200.0, 0, 0.0, 0, -200.0, 12_000.0)
    elevation = 500.0 + 300.0 * rng.uniform(0, 1, (60, 80)).astype(np.float32)
    write_tif(folder / "dem.tif", elevation.astype(np.float32), GEO_CRS, transform)
    write_tif(folder / "lc.tif", rng.choice(np.array([10, 20, 60], np.uint8), (60, 80)), GEO_CRS, transform)
    return {
        "scenario": {"name": "geotiff"},
        "terrain": {
            "source": "geotiff",
            "elevation_file": str(folder / "dem.tif"),
            "landcover_file": str(folder / "lc.tif"),
            "landcover_codes": WORLDCOVER_CODES,
            "crs": GEO_CRS,
        },
        "surveillance": {"sensors": [{"kind": "tower", "at": [8.5, 5.5], "range_m": 6000.0}]},
    }


def geojson_scenario(folder: Path) -> dict:
    """The procedural map with a diagonal border read from a GeoJSON file (two files, to swap)."""
    for name, (west, east) in (("border.geojson", (4.0, 16.0)), ("border2.geojson", (7.0, 13.0))):
        line = {"type": "LineString", "coordinates": [[0.0, west], [30.0, east]]}
        (folder / name).write_text(json.dumps(line))
    return {
        **PROCEDURAL,
        "scenario": {"name": "geojson"},
        "border": {"mode": "geojson", "file": str(folder / "border.geojson"), "origin_point": [5.0, 18.0]},
    }


@dataclass(frozen=True)
class Config:
    """A base scenario with overrides; a run lasts its ``time.days``."""

    scenario: Path | str  # a file, or the name of a raw scenario built by :func:`raw_scenarios`
    overrides: dict


# Two agencies with patrols that follow their intel: what one agency shares guides the other's patrols.
TWO_PATROLLING_AGENCIES = {
    "agencies.members[1].patrol_share": 1.0,
    "patrols.count": 8,
    "patrols.strategy": "hotspot",
}
CROSS_BORDER = TWO_PATROLLING_AGENCIES | {"agencies.sharing": "full", "agencies.members[1].jurisdiction": "foreign"}
# Strong towers and groups that ignore them: groups are seen by sensors and patrols sent to them.
WATCHED = {
    "surveillance.sensors[0].detection_rate_per_hour": 20.0,
    "surveillance.sensors[1].detection_rate_per_hour": 20.0,
    "patrols.count": 8,
    "traffickers.risk_aversion": 0.0,
}
# Most groups hidden in vehicles and every vehicle inspected: the checkpoint finds people.
INSPECTED = {
    "traffickers.vehicle_share": 0.8,
    "checkpoints.screening_share": 1.0,
    "agencies.members[0].investigators": 20,
    "agencies.members[1].investigators": 0,
    "traffickers.mode_risk_sensitivity": 0.0,  # vehicles keep their share although inspection finds them
    "traffickers.drivers": 4,  # most groups go by vehicle: drivers, not guides, take them
}
# Support services begin a week after a rescue; late identification a month after a misidentification.
SUPPORT = {"time.days": 12.0}
LATE = {"time.days": 32.0, "crossers.per_day": 10.0}
# Late identification within the run: misidentified victims are identified a day later.
LATE_SOON = {
    "victims.non_punishment": True,
    "victims.late_identification_days": 1.0,
    "time.days": 8.0,
    "victims.screening_training": 0.2,
    "victims.protection": "strong",
}

CONFIGS = {
    "classroom": Config(CLASSROOM, BUSY),
    "support_basic": Config(CLASSROOM, BUSY | SUPPORT),
    "support_strong": Config(CLASSROOM, BUSY | SUPPORT | {"victims.protection": "strong"}),
    "late_identification": Config(CLASSROOM, BUSY | LATE),
    "late_soon": Config(CLASSROOM, BUSY | LATE_SOON),
    # As "late_soon", every victim identified testifies unless the factor on late testimony says otherwise.
    "late_testimony": Config(
        CLASSROOM, BUSY | LATE_SOON | {"victims.testify_probability": {"strong": 1.0}, "time.days": 12.0}
    ),
    # The second agency is a foreign partner; every record may be shared at once, across the border under the
    # cooperation lever.
    "cross_border": Config(CLASSROOM, BUSY | CROSS_BORDER),
    "joint_team": Config(CLASSROOM, BUSY | CROSS_BORDER | {"agencies.cooperation": "joint_team"}),
    # Identity matching that errs often: false matches within a short run.
    "matching": Config(
        CLASSROOM,
        BUSY
        | TWO_PATROLLING_AGENCIES
        | {
            "agencies.sharing": "full",
            "agencies.false_match_rate": 0.3,
            "agencies.biometric_false_match_rate": 0.0,
            "victims.trafficked_share": 0.0,  # every person apprehended is held until returned
            "crossers.return_days": 0.5,
            "time.days": 8.0,
        },
    ),
    # No pretrial places: the accused guide again and are arrested again, recognised by their records.
    "repeat_offenders": Config(
        CLASSROOM,
        BUSY
        | {
            "time.days": 10.0,
            "legal.detention_capacity": 0,
            "legal.abscond_probability": 0.0,
            "legal.procedural_delay_days": 4.0,
            "legal.evidence_in_the_act": 0.1,
        },
    ),
    # As "repeat_offenders", weak cases dismissed and no help from witnesses: only the recognised repeat
    # offenders' cases (evidence 0.1 + 0.1) clear legal.dismissal_threshold.
    "weak_repeat_offenders": Config(
        CLASSROOM,
        BUSY
        | {
            "time.days": 15.0,
            "patrols.count": 12,  # enough arrests within the run for a member to be arrested twice
            "legal.detention_capacity": 0,
            "legal.abscond_probability": 0.0,
            "legal.procedural_delay_days": 4.0,
            "legal.evidence_in_the_act": 0.1,
            "legal.dismissal_threshold": 0.1,
            "legal.witness_bonus": 0.0,
        },
    ),
    # Every arrest leads investigators to another member, and evidence alone decides verdicts.
    "investigated": Config(
        CLASSROOM, BUSY | {"agencies.investigation_yield": 1.0, "legal.base_conviction_probability": 1.0}
    ),
    # Sentences of days: time served ends within the run.
    "short_sentences": Config(
        CLASSROOM, BUSY | {"legal.sentence_years": 0.005, "legal.smuggling_sentence_years": 0.005}
    ),
    # Every case pleads, within half a day, to a sentence of days.
    "pleas": Config(
        CLASSROOM,
        BUSY
        | {
            "legal.plea_share": 1.0,
            "legal.procedural_delay_days": 0.0,  # the plea decision at arrest
            "legal.plea_procedure_days": 0.5,
            "legal.sentence_years": 0.005,
            "legal.smuggling_sentence_years": 0.005,
        },
    ),
    # As "pleas", with migrants only: every case is a smuggling case.
    "smuggling_pleas": Config(
        CLASSROOM,
        BUSY
        | {
            "victims.trafficked_share": 0.0,
            "legal.plea_share": 1.0,
            "legal.procedural_delay_days": 0.0,
            "legal.plea_procedure_days": 0.5,
            "legal.smuggling_sentence_years": 0.005,
            "agencies.investigation_yield": 0.0,
        },
    ),
    # Protected witnesses lost within minutes of the filing, unless protection stops it.
    # Pleas in the shadow of trial at the default keys, decided at arrest (no procedure), every victim testifying.
    "shadow": Config(
        CLASSROOM,
        BUSY
        | LATE_SOON
        | {
            "victims.testify_probability": {"strong": 1.0},
            "time.days": 12.0,
            "legal.plea_share": 0.97,
            "legal.procedural_delay_days": 0.0,
            "legal.plea_procedure_days": 0.5,
        },
    ),
    "witness_loss": Config(
        CLASSROOM,
        BUSY
        | LATE_SOON
        | {"victims.testify_probability": {"strong": 1.0}, "time.days": 12.0, "legal.witness_loss_per_year": 10_000.0},
    ),
    "watched": Config(CLASSROOM, BUSY | WATCHED),
    "inspected": Config(CLASSROOM, BUSY | INSPECTED),
    # Most groups drive through the port, whatever they have seen there.
    "ports": Config(
        CLASSROOM,
        BUSY | {"traffickers.vehicle_share": 0.8, "traffickers.mode_risk_sensitivity": 0.0, "traffickers.drivers": 4},
    ),
    # One pretrial place for many accused on charges of different weight (guides, and organisers found by
    # investigations), with a procedure long enough that the place is taken when the next one is arrested.
    "scarce_detention": Config(
        CLASSROOM,
        BUSY
        | {
            "time.days": 8.0,
            "legal.detention_capacity": 1,
            "legal.procedural_delay_days": 5.0,
            "agencies.investigation_yield": 1.0,
        },
    ),
    # Deadly ground: every land cover's exposure hazard raised so that deaths happen within a short run.
    "deadly": Config(
        CLASSROOM,
        BUSY
        | {
            "victims.exposure_scale": 100.0,
            "victims.day_exposure_factor": 1.0,
            "terrain.land_cover": {
                c: {"exposure_per_hour": 1e-3} for c in ("open", "scrub", "forest", "road", "urban")
            },
        },
    ),
    "tunnel": Config(CLASSROOM, BUSY | {"traffickers.tunnels": [TUNNEL], "traffickers.tunnel_share": 0.7}),
    "two_places": Config(CLASSROOM, BUSY | TWO_PLACES),
    "extra_tower": Config(CLASSROOM, BUSY | {"surveillance.extra_towers.count": 1}),
    "false_alarms": Config(CLASSROOM, BUSY | {"surveillance.false_alarms_per_day": 50.0}),
    # Three towers on a 1 km grid of candidates: they leave no border blind, so groups meet the towers.
    "extra_towers": Config(
        CLASSROOM, BUSY | {"surveillance.extra_towers.count": 3, "surveillance.extra_towers.candidate_spacing_km": 1.0}
    ),
    "randomized": Config(CLASSROOM, BUSY | {"patrols.strategy": "randomized"}),
    "hotspot": Config(CLASSROOM, BUSY | {"patrols.strategy": "hotspot"}),
    "stackelberg": Config(CLASSROOM, BUSY | {"patrols.strategy": "stackelberg"}),
    # Networks watch a fixed beat for a day before they choose crossings.
    "lookouts": Config(CLASSROOM, BUSY | {"patrols.strategy": "fixed", "traffickers.watch_days": 1.0}),
    "delayed_sharing": Config(
        CLASSROOM,
        BUSY | TWO_PATROLLING_AGENCIES | {"agencies.sharing": "delayed", "agencies.sharing_latency_hours": 48},
    ),
    "full_sharing": Config(CLASSROOM, BUSY | TWO_PATROLLING_AGENCIES | {"agencies.sharing": "full"}),
    # Evidence fades within days and convicts on its own: the bonus of shared evidence decides verdicts.
    "shared_evidence": Config(
        CLASSROOM,
        BUSY
        | TWO_PATROLLING_AGENCIES
        | {
            "agencies.sharing": "full",
            "legal.evidence_half_life_days": 0.3,
            "legal.base_conviction_probability": 1.0,
            "patrols.guide_capture_probability": 0.2,  # guides escape, leaving records with one agency or the other
            "patrols.count": 12,
            "time.days": 20.0,
        },
    ),
    # Migrants and victims, returned within hours: screening errors, retries, re-trafficking, debt bondage.
    "mixed": Config(
        CLASSROOM,
        BUSY | {"victims.trafficked_share": 0.5, "time.days": 10.0, "crossers.return_days": 0.5},
    ),
    # Victims who arrive come forward within hours, under strong protection.
    "come_forward": Config(
        CLASSROOM, BUSY | {"victims.protection": "strong", "victims.come_forward_days": 0.5, "time.days": 8.0}
    ),
    # Every arrest leads up the network, an organiser lost is never replaced and a headless network is
    # dismantled within hours.
    "dismantling": Config(
        CLASSROOM,
        BUSY
        | {
            "agencies.investigation_yield": 1.0,
            "traffickers.organiser_replacement_days": 3650.0,
            "traffickers.dismantle_days": 0.25,
        },
    ),
    "procedural": Config("procedural", NO_TRAFFIC),
    # The procedural map in two sectors: mountains in the west, a river valley along the line in the east.
    "sectors": Config(
        "procedural",
        NO_TRAFFIC
        | {
            "terrain.procedural.sectors": [
                {"x_km": [0.0, 14.0], "kind": "mountains"},
                {"x_km": [14.0, 30.0], "kind": "river"},
            ]
        },
    ),
    "river_border": Config(RIVER_PORT, NO_TRAFFIC),
    "raster": Config("raster", NO_TRAFFIC),
    "geotiff": Config("geotiff", NO_TRAFFIC),
    "geojson": Config("geojson", NO_TRAFFIC),
    # Land cover coarsened (500 m cells over 200 m pixels) with a class mapped to water.
    "geotiff_water": Config(
        "geotiff",
        NO_TRAFFIC
        | {"terrain.cell_m": 500.0, "terrain.landcover_codes": {"10": "forest", "20": "water", "60": "desert"}},
    ),
}


def ascii_with_a_hill(raw: dict) -> str:
    """The classroom map with a mountain in the middle of the open plain north of the border."""
    rows = raw["terrain"]["ascii"].strip("\n").split("\n")
    rows[4] = rows[4][:18] + "^^" + rows[4][20:]
    return "\n".join(rows)


def other_file(raw: dict, key: str) -> str:
    """The second raster file written by :func:`raster_scenario` for ``terrain.<key>``."""
    path = Path(raw["terrain"][key])
    return str(path.with_name(path.stem + "2" + path.suffix))


@dataclass(frozen=True)
class Perturb:
    value: Any  # the value to set, or a function of the base raw scenario giving it
    config: str = "classroom"
    item: int = 0  # the item of a list of tables to set


#: For every leaf key but the labels: the value to set and the base configuration that makes it matter.
#: Items of lists of tables are set on the first item (``ports[0].lanes``).
PERTURBATIONS: dict[str, Perturb] = {
    # terrain
    "terrain.source": Perturb("ascii", "raster"),
    "terrain.cell_m": Perturb(500.0, "procedural"),
    "terrain.width_km": Perturb(36.0, "procedural"),
    "terrain.height_km": Perturb(24.0, "procedural"),
    "terrain.seed": Perturb(4, "procedural"),
    "terrain.ascii": Perturb(ascii_with_a_hill),
    "terrain.ascii_elevation_m": Perturb({"^": 300.0}),
    "terrain.elevation_file": Perturb(lambda raw: other_file(raw, "elevation_file"), "raster"),
    "terrain.landcover_file": Perturb(lambda raw: other_file(raw, "landcover_file"), "raster"),
    "terrain.procedural.kind": Perturb("plain", "procedural"),
    "terrain.procedural.ridges": Perturb(4, "procedural"),
    "terrain.procedural.ridge_height_m": Perturb(1200.0, "procedural"),
    "terrain.procedural.roughness": Perturb(0.9, "procedural"),
    "terrain.procedural.river": Perturb(False, "procedural"),
    "terrain.procedural.river_width_m": Perturb(4000.0, "procedural"),
    "terrain.procedural.roads": Perturb(3, "procedural"),
    "terrain.procedural.towns": Perturb(4, "procedural"),
    "terrain.procedural.forest_share": Perturb(0.4, "procedural"),
    "terrain.procedural.sectors[].x_km": Perturb([0.0, 8.0], "sectors"),
    "terrain.procedural.sectors[].kind": Perturb("desert", "sectors"),
    "terrain.river_wading_speed_factor": Perturb(0.5, "river_border"),
    "terrain.steep_exposure_per_hour": Perturb(0.05),
    "terrain.land_cover": Perturb({"open": {"concealment": 0.5}}),
    "terrain.landcover_codes": Perturb({"10": "open", "20": "scrub", "60": "desert"}, "geotiff"),
    "terrain.crs": Perturb("EPSG:32613", "geotiff"),
    "terrain.positions": Perturb("crs", "geotiff"),
    "terrain.water_share": Perturb(1.0, "geotiff_water"),
    # time
    "time.step_minutes": Perturb(20.0),
    "time.days": Perturb(4.0),
    "time.warmup_days": Perturb(2),
    "time.start_hour": Perturb(12.0),
    "time.start_day_of_year": Perturb(196, "deadly"),
    "time.dusk_hour": Perturb(12.0),
    "time.dawn_hour": Perturb(18.0),
    # border
    "border.mode": Perturb("row"),
    "border.y_km": Perturb(6.0, "procedural"),
    "border.origin_side": Perturb("north", "procedural"),
    "border.zone_km": Perturb(1.0),
    "border.file": Perturb(lambda raw: str(Path(raw["border"]["file"]).with_name("border2.geojson")), "geojson"),
    "border.origin_point": Perturb([25.0, 2.0], "geojson"),
    # ports, places
    "ports[].at": Perturb([20.5, 7.5]),
    "ports[].lanes": Perturb(1, "ports"),
    "ports[].legit_vehicles_per_hour": Perturb(200.0),
    "ports[].agency": Perturb("border_patrol", "inspected"),
    "staging[].at": Perturb([22.5, 12.5]),
    "staging[].weight": Perturb(5.0, "two_places"),
    "destinations[].at": Perturb([5.5, 1.5]),
    "destinations[].weight": Perturb(5.0, "two_places"),
    # surveillance
    "surveillance.sensors[].kind": Perturb("ground"),
    "surveillance.sensors[].at": Perturb([8.5, 6.5]),
    "surveillance.sensors[].mast_height_m": Perturb(80.0),
    "surveillance.sensors[].range_m": Perturb(3000.0),
    "surveillance.sensors[].detection_rate_per_hour": Perturb(8.0),
    "surveillance.sensors[].tech_tier": Perturb(3),
    "surveillance.sensors[].agency": Perturb("customs", "watched"),
    "surveillance.sensors[].cost_per_year": Perturb(1_000_000.0),
    "surveillance.sensors[].capital_cost": Perturb(5_000_000.0),
    "surveillance.sensors[].lifetime_years": Perturb(2.0),
    "surveillance.extra_towers.count": Perturb(2, "extra_tower"),
    "surveillance.extra_towers.mast_height_m": Perturb(0.0, "extra_tower"),
    "surveillance.extra_towers.range_m": Perturb(3000.0, "extra_tower"),
    "surveillance.extra_towers.detection_rate_per_hour": Perturb(8.0, "extra_tower"),
    "surveillance.extra_towers.tech_tier": Perturb(3, "extra_tower"),
    "surveillance.extra_towers.agency": Perturb("customs", "extra_towers"),
    "surveillance.extra_towers.cost_per_year": Perturb(1_000_000.0, "extra_tower"),
    "surveillance.extra_towers.capital_cost": Perturb(5_000_000.0, "extra_tower"),
    "surveillance.extra_towers.lifetime_years": Perturb(2.0, "extra_tower"),
    "surveillance.extra_towers.candidate_spacing_km": Perturb(3.0, "extra_tower"),
    "surveillance.extra_towers.min_spacing_km": Perturb(1.0, "extra_towers"),
    "surveillance.extra_towers.sector": Perturb([12.0, 30.0], "extra_tower"),
    "surveillance.blind_spot_threshold_per_hour": Perturb(3.0),
    "surveillance.tech_tier_factors": Perturb([0.6, 3.0, 1.4]),
    "surveillance.target_height_m": Perturb(8.0),
    "surveillance.night_detection_factor": Perturb(10.0, "extra_towers"),
    "surveillance.operators": Perturb(0, "extra_towers"),
    "border.focus_sector": Perturb([0.0, 12.0]),
    "surveillance.alert_handling_minutes": Perturb(600.0, "false_alarms"),
    "surveillance.false_alarms_per_day": Perturb(200.0),
    "surveillance.false_alarm_dismissed_share": Perturb(1.0, "false_alarms"),
    "crossers.return_days": Perturb(3.0, "mixed"),
    "crossers.retry_probability": Perturb(0.0, "mixed"),
    "crossers.switch_network_probability": Perturb(1.0, "mixed"),
    "crossers.price_elasticity": Perturb(-3.0),
    "victims.trafficked_share": Perturb(0.0),
    "victims.screening_specificity": Perturb(0.0, "mixed"),
    "victims.re_trafficking_probability": Perturb(1.0, "mixed"),
    "victims.debt_bondage_per_fee": Perturb(1e-3, "mixed"),
    "victims.come_forward_probability": Perturb({"strong": 1.0}, "come_forward"),
    "victims.come_forward_days": Perturb(100.0, "come_forward"),
    "legal.smuggling_sentence_years": Perturb(30.0, "smuggling_pleas"),
    "traffickers.mode_risk_sensitivity": Perturb(50.0, "inspected"),
    # patrols
    "patrols.count": Perturb(8),
    "patrols.strategy": Perturb("fixed"),
    "patrols.speed_kmh": Perturb(5.0),
    "patrols.response_speed_kmh": Perturb(10.0),
    "patrols.detection_range_m": Perturb(4000.0),
    "patrols.detection_rate_per_hour": Perturb(10.0),
    "patrols.night_detection_factor": Perturb(0.0),
    "patrols.shift_hours": Perturb(4.0),
    "patrols.on_duty_share": Perturb(0.3),
    "patrols.randomized_floor": Perturb(0.9, "randomized"),
    "patrols.randomized_kernel_km": Perturb(10.0, "randomized"),
    "patrols.randomized_half_life_hours": Perturb(1.0, "randomized"),
    "patrols.stackelberg_sectors": Perturb(2, "stackelberg"),
    "patrols.stackelberg_period_days": Perturb(30.0, "stackelberg"),
    "patrols.hotspot_half_life_hours": Perturb(1.0, "hotspot"),
    "patrols.hotspot_spread_km": Perturb(5.0, "hotspot"),
    "patrols.cost_per_hour": Perturb(500.0),
    "patrols.sector": Perturb([0.0, 12.0]),
    "patrols.sector_shares": Perturb([1.0, 0.0, 0.0]),
    "patrols.drive_speed_factors": Perturb({"open": 0.1, "desert": 0.1, "scrub": 0.1}),
    "patrols.max_response_hours": Perturb(0.05, "watched"),
    "patrols.tracking_speed_kmh": Perturb(1.0),
    "patrols.trail_loss_per_hour": Perturb(3.0),
    "patrols.capture_probability": Perturb(0.2),
    "patrols.guide_capture_probability": Perturb(0.1),
    "patrols.transport_hours": Perturb(48.0),
    "patrols.false_alarm_search_hours": Perturb(24.0, "false_alarms"),
    # agencies
    "agencies.members[].patrol_share": Perturb(1.0, "watched", item=1),  # customs gets no sensor alerts
    "agencies.members[].investigators": Perturb(30),
    "agencies.members[].cost_per_investigator_per_year": Perturb(1_000_000.0),
    "agencies.members[].jurisdiction": Perturb("foreign", "full_sharing", item=1),
    "agencies.sharing": Perturb("full"),
    "agencies.sharing_latency_hours": Perturb(0.0, "delayed_sharing"),
    "agencies.share_fraction": Perturb(0.0, "full_sharing"),
    "agencies.sharing_cost_per_year": Perturb(1_000_000.0, "full_sharing"),
    "agencies.investigation_yield": Perturb(1.0),
    "agencies.intel_memory_hours": Perturb(1.0, "hotspot"),
    "agencies.cooperation": Perturb("joint_team", "cross_border"),
    "agencies.treaty_delay_days": Perturb(0.0, "cross_border"),
    "agencies.joint_team_delay_days": Perturb(4.0, "joint_team"),
    "agencies.joint_team_cost_per_year": Perturb(1_000_000.0, "joint_team"),
    "agencies.retention_days": Perturb(0.05, "repeat_offenders"),
    "agencies.biometric_capture_share": Perturb(1.0, "matching"),
    "agencies.false_match_rate": Perturb(0.2, "full_sharing"),
    "agencies.biometric_false_match_rate": Perturb(0.2, "full_sharing"),
    "agencies.false_match_hold_days": Perturb(10.0, "matching"),
    # traffickers
    "traffickers.networks": Perturb(1),
    "traffickers.members_per_network": Perturb(6),
    "traffickers.organisers": Perturb(2, "investigated"),
    "traffickers.recruiters": Perturb(0, "investigated"),
    "traffickers.drivers": Perturb(0),
    "traffickers.cross_link_probability": Perturb(0.0, "come_forward"),
    "traffickers.organiser_replacement_days": Perturb(0.1, "investigated"),
    "traffickers.dismantle_days": Perturb(0.25, "investigated"),
    "traffickers.takeover_days": Perturb(0.0, "dismantling"),
    "traffickers.group_size_mean": Perturb(2.0),
    "traffickers.walk_speed_kmh": Perturb(2.0),
    "traffickers.risk_aversion": Perturb(40.0),
    "traffickers.hardship_aversion": Perturb(1e5),
    "traffickers.logit_beta": Perturb(5.0),
    "traffickers.candidate_crossings": Perturb(3),
    "traffickers.risk_kernel_km": Perturb(2.0, "extra_towers"),
    "traffickers.risk_memory_days": Perturb(0.5),
    "traffickers.watch_days": Perturb(0.1, "lookouts"),
    "traffickers.watch_range_km": Perturb(6.0, "lookouts"),
    "traffickers.patrol_aversion": Perturb(40.0, "lookouts"),
    "traffickers.max_hold_hours": Perturb(0.0, "lookouts"),
    "traffickers.notice_response_probability": Perturb(0.0, "extra_towers"),
    "traffickers.turn_back_km": Perturb(50.0),
    "traffickers.vehicle_share": Perturb(0.8),
    "traffickers.tunnel_share": Perturb(0.1, "tunnel"),
    "traffickers.vehicle_speed_kmh": Perturb(5.0, "inspected"),
    "traffickers.road_detour_factor": Perturb(3.0, "inspected"),
    "traffickers.tunnel_speed_kmh": Perturb(0.5, "tunnel"),
    "traffickers.dropoff_km": Perturb(0.5),
    "traffickers.dropoff_spread_km": Perturb(6.0),
    "traffickers.pickup_km": Perturb(0.0),
    "traffickers.night_crossing_share": Perturb(0.0),
    "traffickers.night_start_hour": Perturb(3.0),
    "traffickers.prior_trips": Perturb(100.0),
    "traffickers.prior_arrests": Perturb(2.0),
    "traffickers.prior_verdicts": Perturb(100.0),
    "traffickers.prior_convictions": Perturb(0.0),
    "traffickers.prior_victims_sent": Perturb(100.0),
    "traffickers.prior_deliveries": Perturb(0.0),
    "traffickers.activity_floor": Perturb(1.0),
    "traffickers.fee": Perturb(100.0),
    "traffickers.penalty_pass_through": Perturb(5.0),
    "traffickers.revenue_per_victim": Perturb(100.0),
    "traffickers.sentence_cost": Perturb(5_000_000.0),
    "traffickers.replacement_days": Perturb(0.5),
    "traffickers.tunnels[].entrance": Perturb([10.5, 9.5], "tunnel"),
    "traffickers.tunnels[].exit": Perturb([18.5, 3.5], "tunnel"),
    "traffickers.tunnels[].capacity_per_day": Perturb(4.0, "tunnel"),
    # victims
    "crossers.per_day": Perturb(5.0),
    "victims.protection": Perturb("none", "support_basic"),
    "victims.screening_training": Perturb(1.0),
    "victims.non_punishment": Perturb(True, "late_identification"),
    "victims.testify_probability": Perturb({"basic": 1.0}),
    "victims.support_intake_days": Perturb(1.0, "support_basic"),
    "victims.late_identification_probability": Perturb(1.0, "late_soon"),
    "victims.late_identification_days": Perturb(3.0, "late_soon"),
    "victims.late_testimony_factor": Perturb(0.0, "late_testimony"),
    "victims.exposure_scale": Perturb(1.0, "deadly"),
    "victims.day_exposure_factor": Perturb(10.0, "deadly"),
    "victims.summer_exposure_factor": Perturb(10.0, "deadly"),
    "victims.support_days": Perturb(1.0, "support_basic"),
    "victims.cost_per_support_day": Perturb(1000.0, "support_basic"),
    "victims.cost_per_support_day_strong": Perturb(1000.0, "support_strong"),
    # checkpoints
    "checkpoints.screening_share": Perturb(0.6),
    "checkpoints.technology": Perturb("biometric", "inspected"),
    "checkpoints.detection_probability": Perturb({"standard": 1.0}, "inspected"),
    "checkpoints.overloaded_wait_hours": Perturb(1.0, "inspected"),
    "checkpoints.false_positive_rate": Perturb(0.2),
    "checkpoints.travellers_per_vehicle": Perturb(6.0),
    "checkpoints.inspection_minutes": Perturb(60.0, "ports"),
    "checkpoints.cost_per_inspection": Perturb(400.0),
    # legal
    "legal.courts": Perturb(0),
    "legal.trial_days_mean": Perturb(3.0),
    "legal.trial_distribution": Perturb("fixed"),
    "legal.procedural_delay_days": Perturb(2.0),
    "legal.trafficking_procedure_factor": Perturb(8.0),
    "legal.evidence_in_the_act": Perturb(0.1, "investigated"),
    "legal.evidence_by_investigation": Perturb(0.0, "investigated"),
    "legal.evidence_half_life_days": Perturb(0.5, "investigated"),
    "legal.base_conviction_probability": Perturb(0.05, "investigated"),
    "legal.witness_bonus": Perturb(0.0, "shadow"),
    "legal.shared_evidence_bonus": Perturb(0.9, "shared_evidence"),
    "legal.prior_record_evidence_bonus": Perturb(0.0, "weak_repeat_offenders"),
    "legal.detention_capacity": Perturb(0),
    "legal.abscond_probability": Perturb(1.0, "repeat_offenders"),
    "legal.detention_priority": Perturb("arrival", "scarce_detention"),
    "legal.organiser_sentence_factor": Perturb(1.0, "scarce_detention"),
    "legal.sentence_years": Perturb(0.001, "investigated"),
    "legal.time_served_min_share": Perturb(0.0, "pleas"),
    "legal.time_served_max_share": Perturb(3.0, "pleas"),
    "legal.plea_share": Perturb(0.9),
    "legal.plea_procedure_days": Perturb(2.0, "pleas"),
    "legal.trial_preparation_days": Perturb(3.0),
    "legal.plea_sentence_discount": Perturb(0.9, "pleas"),
    "legal.trial_cost_years": Perturb(0.0, "pleas"),
    "legal.plea_belief_sd": Perturb(1.0, "shadow"),
    "legal.dismissal_threshold": Perturb(0.9),
    "legal.charge_reduction_threshold": Perturb(1.0, "shadow"),  # every trafficking case pleaded down
    "legal.witness_loss_per_year": Perturb(10_000.0, "late_testimony"),
    "legal.witness_loss_protection_factor": Perturb(0.0, "witness_loss"),
    "legal.offender_discount_per_year": Perturb(10.0),
    "legal.cost_per_court_per_year": Perturb(10_000_000.0),
    "legal.cost_per_detention_day": Perturb(5000.0),
    "legal.cost_per_prison_year": Perturb(1_000_000.0, "investigated"),
}

KEYS = leaf_keys()


def test_every_key_has_a_perturbation():
    """Each leaf key of the schema has a perturbation or is a label; no row names a key that is gone."""
    keys = set(KEYS)
    missing = sorted(keys - set(PERTURBATIONS) - set(LABELS))
    assert not missing, f"keys with no perturbation in PERTURBATIONS (or reason in LABELS): {missing}"
    stale = sorted((set(PERTURBATIONS) | set(LABELS)) - keys)
    assert not stale, f"rows for keys the schema no longer has: {stale}"
    assert not set(PERTURBATIONS) & set(LABELS)


# --------------------------------------------------------------------------- worlds and runs, cached


@pytest.fixture(scope="session")
def raw_scenarios(tmp_path_factory) -> dict[str, dict]:
    return {
        "procedural": PROCEDURAL,
        "raster": raster_scenario(tmp_path_factory.mktemp("rasters")),
        "geotiff": geotiff_scenario(tmp_path_factory.mktemp("geotiffs")),
        "geojson": geojson_scenario(tmp_path_factory.mktemp("geojson")),
    }


_CACHE: dict[tuple[str, str], Any] = {}


def _scenario(config: Config, raws: dict[str, dict]) -> Path | dict:
    return config.scenario if isinstance(config.scenario, Path) else copy.deepcopy(raws[config.scenario])


def world_digest(world: World) -> tuple:
    """What the world makes of a scenario: rasters, border, zone, cells of places and sensors, coverage."""
    arrays = [
        world.elevation,
        world.landcover,
        world.speed_factor,
        world.concealment,
        world.exposure,
        world.passable,
        world.border_cells,
        world.border_mask,
        world.border_facing,
        world.border_drawn_km,
        world.zone_mask,
        world.origin_mask,
        world.coverage,
        world.blind_spot_mask,
        world.river_mask,
        world.destination_mask,
    ]
    arrays += [s.visible for s in world.sensors]
    return (
        world.cell_km,
        world.blind_spot_share,
        tuple(None if a is None else (a.shape, a.tobytes()) for a in arrays),
        tuple(p.cell for p in world.ports + world.staging + world.destinations),
        tuple((entrance, exit_) for _name, entrance, exit_, _capacity in world.tunnels),
        tuple(s.cell for s in world.sensors),
    )


PROVENANCE = ("scenario", "scenario_hash", "overrides", "version", "seed", "days", "warmup_days")


def run_digest(scenario: Path | dict, overrides: dict) -> tuple:
    """The outputs of a seeded run of ``time.days``: outcomes without provenance, daily series, crossings."""
    result = run(scenario, overrides, seed=1)
    outcomes = {k: v for k, v in result.outcomes.items() if k not in PROVENANCE}
    return repr(sorted(outcomes.items())), repr(result.timeseries), repr(result.crossings)


def digest(what: str, config: Config, raws: dict[str, dict], overrides: dict) -> tuple:
    """The world's digest (``what`` = "world") or the run's ("run") of a configuration with overrides."""
    scenario, overrides = _scenario(config, raws), copy.deepcopy(overrides)  # set_dotted keeps the values
    if what == "world":
        return world_digest(build_world(load_scenario(scenario, overrides)))
    return run_digest(scenario, overrides)


def base_digest(what: str, name: str, raws: dict[str, dict]) -> tuple:
    """:func:`digest` of a base configuration, computed once per process."""
    if (what, name) not in _CACHE:
        config = CONFIGS[name]
        _CACHE[what, name] = digest(what, config, raws, config.overrides)
    return _CACHE[what, name]


def override_for(key: str, perturb: Perturb, raws: dict[str, dict]) -> tuple[str, Any]:
    path = key.replace("[]", f"[{perturb.item}]")
    config = CONFIGS[perturb.config]
    if callable(perturb.value):
        base = _scenario(config, raws)
        raw = read_toml(base) if isinstance(base, Path) else base
        return path, perturb.value(raw)
    return path, perturb.value


@pytest.mark.parametrize("key", sorted(PERTURBATIONS))
def test_key_changes_the_world_or_a_run(key, raw_scenarios):
    perturb = PERTURBATIONS[key]
    config = CONFIGS[perturb.config]
    path, value = override_for(key, perturb, raw_scenarios)
    overrides = config.overrides | {path: value}
    if digest("world", config, raw_scenarios, overrides) != base_digest("world", perturb.config, raw_scenarios):
        return
    assert config.scenario == CLASSROOM or config.overrides.get("traffickers.networks", 1) > 0, (
        f"{key}: the world of configuration {perturb.config!r} does not change, and it has no traffic to run"
    )
    perturbed = digest("run", config, raw_scenarios, overrides)
    assert perturbed != base_digest("run", perturb.config, raw_scenarios), (
        f"dead key? {path} = {value!r} changes neither the world nor a {config.overrides.get('time.days')}-day "
        f"run of configuration {perturb.config!r}"
    )
