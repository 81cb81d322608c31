"""World building refuses places that no route can use, naming the key and why.

A small hand-drawn sector (12 x 9 km, the border the row at y = 4.5 km, origin south) with a pond and an
island on each side: the island's land is passable but cut off. Each case moves one place (a tunnel end,
a destination, a port) where a group could not go, and checks that validation names that key with the
reason; the sector as drawn validates and runs.
"""

from __future__ import annotations

import copy

import pytest

from sim.model import BorderModel
from sim.runner import LONG_RUN_SECONDS, estimate_run_size, warn_if_long
from sim.scenario import load_scenario
from sim.schema import InputError
from sim.world import build_world

#: North island at [2.5, 2.5] inside the pond of rows 1-3; south island at [9.5, 6.5] inside rows 5-7.
MAP = """
............
.~~~........
.~.~........
.~~~........
~...........
........~~~.
........~.~.
........~~~.
............
"""

SECTOR = {
    "scenario": {"name": "ponds"},
    "terrain": {"source": "ascii", "ascii": MAP},
    "border": {"mode": "row", "y_km": 4.5, "origin_side": "south", "zone_km": 2},
    "ports": [{"name": "port", "at": [5.5, 4.5], "agency": "customs"}],
    "staging": [{"name": "camp", "at": [4.5, 7.5]}],
    "destinations": [{"name": "city", "at": [6.5, 1.5]}],
    "patrols": {"count": 2},
    "traffickers": {
        "networks": 1,
        "members_per_network": 3,
        "tunnel_share": 0.5,
        "tunnels": [{"name": "tunnel", "entrance": [3.5, 6.5], "exit": [5.5, 2.5]}],
    },
    "crossers": {"per_day": 20},
}


def problems_of(overrides: dict) -> list[tuple[str, str]]:
    try:
        build_world(load_scenario(copy.deepcopy(SECTOR), overrides, file="ponds.toml"))
    except InputError as exc:
        return [(p.key, p.message) for p in exc.problems]
    return []


def test_the_sector_as_drawn_validates_and_runs():
    assert problems_of({}) == []
    model = BorderModel(copy.deepcopy(SECTOR), seed=2)
    for _ in range(round(2 * model.steps_per_day)):
        model.step()
    assert model.outcomes()["crossings_attempted"] > 0


@pytest.mark.parametrize(
    ("overrides", "key", "why"),
    [
        (
            {"traffickers.tunnels[0].exit": [1.5, 1.5]},
            "traffickers.tunnels[0] (tunnel).exit",
            "impassable cell (water)",
        ),
        (
            {"traffickers.tunnels[0].exit": [2.5, 2.5]},
            "traffickers.tunnels[0] (tunnel).exit",
            "to the destination(s) 'city'",
        ),
        ({"traffickers.tunnels[0].exit": [5.5, 4.5]}, "traffickers.tunnels[0] (tunnel).exit", "on the border line"),
        (
            {"traffickers.tunnels[0].exit": [5.5, 6.5]},
            "traffickers.tunnels[0] (tunnel).exit",
            "on the destination side",
        ),
        ({"traffickers.tunnels[0].entrance": [8.5, 5.5]}, "traffickers.tunnels[0] (tunnel).entrance", "(water)"),
        (
            {"traffickers.tunnels[0].entrance": [9.5, 6.5]},
            "traffickers.tunnels[0] (tunnel).entrance",
            "staging area(s) 'camp'",
        ),
        (
            {"traffickers.tunnels[0].entrance": [3.5, 2.5]},
            "traffickers.tunnels[0] (tunnel).entrance",
            "on the origin side",
        ),
        (
            {"traffickers.tunnels[0].entrance": [1e300, 3.0]},
            "traffickers.tunnels[0] (tunnel).entrance",
            "outside the map",
        ),
        (
            {"destinations": [{"name": "city", "at": [6.5, 1.5]}, {"name": "isle", "at": [2.5, 2.5]}]},
            "staging[0] (camp).at",
            "destinations[1] (isle)",
        ),
        ({"staging[0].at": [9.5, 6.5]}, "staging[0] (camp).at", "destinations[0] (city)"),
        ({"ports[0].at": [0.5, 4.5]}, "ports[0] (port).at", "impassable cell (water)"),
        ({"destinations[0].at": [1.5, 1.5]}, "destinations[0] (city).at", "impassable cell (water)"),
        ({"staging[0].at": [4.5, 1.5]}, "staging[0] (camp).at", "on the destination side"),
    ],
)
def test_a_place_no_route_can_use_is_refused_naming_its_key(overrides, key, why):
    found = problems_of(overrides)
    assert any(k == key and why in message for k, message in found), found


#: The same sector with a border cell at x = 10.5 km walled in by water.
WALLED_IN = """
............
.~~~........
.~.~........
.~~~.....~~~
~........~.~
.........~~~
............
............
............
"""


def test_a_border_cell_cut_off_from_the_staging_areas_is_refused():
    found = problems_of({"terrain.ascii": WALLED_IN})
    cut_off = "1 passable cell(s) of the border line (10.5 to 10.5 km along the line from its start, the first at "
    assert any(k == "border" and cut_off + "[10.5, 4.5] km)" in m for k, m in found)


def test_the_run_size_is_estimated_and_a_long_run_announced(capsys):
    spec = load_scenario(copy.deepcopy(SECTOR)).spec
    short = estimate_run_size(spec, days=2)
    assert short.steps == 96 and short.seconds < 1
    longer = estimate_run_size(spec, days=20)
    assert longer.agent_steps == pytest.approx(10 * short.agent_steps) and longer.people == 10 * short.people
    # A step costs its acting agents (patrols on duty, groups under way), not the people waiting: more people
    # add groups under way and the people's one-off cost; more patrols add to every step.
    busy = estimate_run_size(load_scenario(copy.deepcopy(SECTOR), {"crossers.per_day": 100}).spec, days=20)
    guarded = estimate_run_size(load_scenario(copy.deepcopy(SECTOR), {"patrols.count": 100}).spec, days=20)
    assert busy.acting_agents > longer.acting_agents and busy.people > longer.people
    assert guarded.acting_agents == pytest.approx(longer.acting_agents + (100 - spec.patrols.count) * 0.75)
    warn_if_long(spec, days=2)
    assert capsys.readouterr().err == ""
    minute_steps = load_scenario(copy.deepcopy(SECTOR), {"time.step_minutes": 1, "crossers.per_day": 1e4})
    long = warn_if_long(minute_steps.spec, days=3650, where="ponds.toml")
    assert long.seconds > LONG_RUN_SECONDS
    err = capsys.readouterr().err
    assert err.startswith("warning: ponds.toml: a run of 3650 days will take very long: 5,256,000 steps")


def test_time_steps_under_a_minute_are_refused():
    with pytest.raises(InputError, match=r"time\.step_minutes: given 0\.5, out of range; allowed: a number >= 1"):
        load_scenario(copy.deepcopy(SECTOR), {"time.step_minutes": 0.5})
