"""The work a step skips, because it cannot change anything, gives the same run as doing it.

A step skips or cuts short work whose result it already knows: patrols moving inside a box of passable ground
(:attr:`sim.model.patrol_force.PatrolForce.open_box`), the market's shares while no network's weight or fee has
changed (:attr:`sim.model.agents.trafficker.Network.market_version`), a network's planning while nothing it reads has
changed (:attr:`~sim.model.agents.trafficker.Network.plans_stale`), the gallery sizes an agency sees between the
moments a record comes into view or leaves it, the search for records to delete before any is old enough, and the
drive-time searches cut short by a ladder of limits (:attr:`sim.model.response.DriveTimes.ladder`). Each test
turns one or all of these off and compares the runs bit for bit.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.model import BorderModel, intel
from sim.model.response import DriveTimes
from sim.scenario import load_scenario
from sim.world import build_world

ROOT = Path(__file__).resolve().parents[1]
DESERT = ROOT / "scenarios" / "desert_sector.toml"
CLASSROOM = ROOT / "scenarios" / "classroom.toml"
#: A busy desert sector whose records are deleted and shared within days, so every skip is tried both ways.
BUSY = {
    "crossers.per_day": 40,
    "agencies.retention_days": 2,
    "agencies.sharing_latency_hours": 5,
    "surveillance.false_alarms_per_day": 4,
}


def without_skips(model: BorderModel, monkeypatch) -> None:
    """Turn every skip off: each step then does all the work, as before the skips."""
    force = model.patrol_force
    force.open_box = None
    for i in range(len(force.patrols)):
        force._check_astray(i)
    force.drive.ladder = (force.drive.limit,)
    monkeypatch.setattr(intel, "_HOLD_MARGIN_H", math.inf)  # gallery sizes counted at every call
    step = model.step

    def full_step() -> None:
        model.market._shares = None
        model.intel._oldest_record_h = -math.inf
        for network in model.networks:
            network.plans_stale = True
        step()

    model.step = full_step


def run(scenario, overrides: dict, seed: int, days: float, monkeypatch=None) -> tuple:
    """What a run gives: the daily rows, the crossing log, the outcomes, the patrols' positions."""
    model = BorderModel(scenario, seed=seed, overrides=overrides, warmup_days=0)
    if monkeypatch is not None:
        without_skips(model, monkeypatch)
    for _ in range(round(days * model.steps_per_day)):
        model.step()
    return model.accounts.timeseries, model.crossings.log, model.outcomes(), model.patrol_force.pos.copy()


def same(a, b) -> bool:
    """Equal, NaN included (an outcome undefined in both runs), arrays bit for bit."""
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.parametrize(
    ("scenario", "overrides", "seed", "days"),
    [
        (DESERT, BUSY, 2, 8),
        (CLASSROOM, {"patrols.strategy": "hotspot", "agencies.sharing": "full", "crossers.per_day": 12}, 3, 10),
    ],
)
def test_a_run_with_the_skips_is_the_run_without_them(scenario, overrides, seed, days, monkeypatch):
    fast = run(scenario, overrides, seed, days)
    full = run(scenario, overrides, seed, days, monkeypatch)
    assert fast[2]["crossings_attempted"] > 0 and fast[2]["interdictions"] > 0
    for part, a, b in zip(("daily rows", "crossings", "outcomes", "patrol positions"), fast, full, strict=True):
        assert same(a, b), f"the {part} differ with the skips"


def test_the_skips_happen_in_a_run():
    """The skips are not dead code: in the desert sector most steps move patrols in the open box, reuse the
    market's shares and skip most networks' planning."""
    model = BorderModel(DESERT, seed=1, overrides=BUSY)
    force, market = model.patrol_force, model.market
    assert force.open_box is not None
    calls = {"shares": 0, "plans": 0, "open": 0}
    steps = round(3 * model.steps_per_day)
    for _ in range(steps):
        shares = market._shares
        stale = sum(n.plans_stale for n in model.networks)
        open_ground = not force.astray[force.status_code == 0].any()
        model.step()
        calls["shares"] += shares is not None and market._shares is shares
        calls["plans"] += len(model.networks) - stale
        calls["open"] += open_ground
    assert calls["shares"] > steps / 2
    assert calls["plans"] > steps * len(model.networks) / 2
    assert calls["open"] > steps / 2


def test_a_patrol_placed_outside_the_open_box_is_astray_until_it_is_back():
    model = BorderModel(DESERT, seed=1)
    force = model.patrol_force
    patrol = force.patrols[0]
    low_x, low_y, high_x, high_y = force.open_box
    assert not force.astray.any()
    force.place(patrol, low_x / 2, low_y)  # west of the box
    assert force.astray[0]
    force.place(patrol, (low_x + high_x) / 2, (low_y + high_y) / 2)
    assert not force.astray[0]
    force.waypoint[0] = (high_x + 1.0, low_y)  # a waypoint set behind the force's back is noticed by the check
    force._check_astray(0)
    assert force.astray[0]


@pytest.fixture(scope="module")
def desert_drive():
    loaded = load_scenario(DESERT)
    world = build_world(loaded)
    return world, loaded.spec.patrols


def test_the_ladder_of_searches_finds_the_nearest_free_patrol_of_the_whole_search(desert_drive):
    """For targets and patrols all over the sector, the nearest free patrol and its drive are those of the single
    search up to max_response_hours; and a drive between two cells is that of the whole search."""
    world, cfg = desert_drive
    model = BorderModel(DESERT, seed=1, world=world)
    force = model.patrol_force
    single = DriveTimes(world, cfg, within_hours=cfg.max_response_hours)
    single.ladder = (single.limit,)
    rng = np.random.default_rng(0)
    drivable = np.argwhere(force.drive.drivable)
    rungs = dict.fromkeys(force.drive.ladder, 0)
    for _ in range(60):
        target = tuple(int(v) for v in drivable[rng.integers(len(drivable))])
        positions = force.cells[rng.integers(len(force.cells), size=len(force.patrols))][:, ::-1] * world.cell_km
        positions = positions + rng.random(positions.shape) * world.cell_km
        laddered = force.nearest_free([a.name for a in model.spec.agencies.members], target, positions)
        drive, force.drive = force.drive, single
        whole = force.nearest_free([a.name for a in model.spec.agencies.members], target, positions)
        force.drive = drive
        assert (laddered is None) == (whole is None)
        if laddered is not None:
            assert laddered[0] is whole[0] and laddered[1] == whole[1]
            rungs[min(limit for limit in drive.ladder if laddered[1] < np.float32(limit))] += 1
        source = tuple(int(v) for v in drivable[rng.integers(len(drivable))])
        assert force.drive.hours(source, target) == float(single.to(target)[source])
    assert sum(rungs.values()) > 30 and rungs[force.drive.ladder[0]] > 0  # the short searches do find some


def test_the_gallery_sizes_kept_are_those_counted_afresh():
    """At every step (and between the moments records come into view or leave it), the gallery sizes each agency
    sees and the travellers' chance of a false match are those a count from scratch gives."""
    model = BorderModel(DESERT, seed=4, overrides=BUSY | {"agencies.sharing": "delayed"})
    exchange, changes = model.intel, 0
    previous: dict[str, dict] = {}
    for _ in range(round(6 * model.steps_per_day)):
        model.step()
        now = model.hours
        for agency in exchange.agencies:
            for when in (now, now + 0.2):  # the cache is also asked later, within its hold
                kept = exchange._gallery_sizes(agency, when)
                exchange._sizes_cache.clear()
                fresh = exchange._gallery_sizes(agency, when)
                assert +kept == +fresh, (agency, when)
            changes += previous.get(agency) not in (None, +fresh)
            previous[agency] = +fresh
    assert changes > 5  # records came into view and left it
