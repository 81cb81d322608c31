"""Every shipped scenario, stepped: a short seeded run with the bookkeeping invariants checked after every step.

The scenarios are discovered by glob, so a new file in ``scenarios/`` is stepped too (with :data:`DEFAULT_RUN`
unless :data:`RUNS` gives it its own seed, length and overrides). Each run must exercise the model (crossing
attempts, detections, interdictions, victims conserved) and the features its scenario declares:

- foot crossings meet the border line on a border cell; on a river border, on the river;
- with ports and a vehicle share: groups hidden in vehicles reach a port, and inspection finds some;
- on an ASCII map: every crossing point is a ``'='`` character of the map as written in the file;
- data sharing: ``full`` routes alerts to every agency and another agency's patrol answers some of them;
  ``delayed`` makes some entries visible to other agencies after the latency; ``none`` makes none visible.

The overrides raise recruitment (and, where the port is a feature, the vehicle and screening shares) so that a
run of a few simulated days shows every mechanism; what each run did is printed (``pytest -s``). A second test
breaks one mechanism at a time and checks that the invariant checker catches it in the same kind of run.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sim.model import BorderModel
from sim.model.agents.person import Person, PersonState
from sim.model.crossings import Crossings
from sim.model.patrol_force import PatrolForce
from tests.test_model_invariants import check_invariants

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
SCENARIOS = sorted([*SCENARIO_DIR.glob("*.toml"), *SCENARIO_DIR.glob("*/*.toml")])  # a folder holds its data files


@dataclass(frozen=True)
class Run:
    seed: int = 1
    days: int = 14
    overrides: dict[str, object] = field(default_factory=dict)


#: Seed, length (simulated days) and overrides of each shipped scenario's run; others get :data:`DEFAULT_RUN`.
RUNS = {
    # The ASCII map: crossings on its '=' line, the mountain blind spot, the highway port.
    "classroom": Run(
        seed=2,
        days=30,
        overrides={
            "crossers.per_day": 20,
            "traffickers.vehicle_share": 0.5,
            "checkpoints.screening_share": 0.4,
        },
    ),
    # The port on the highway and foot crossings across the open desert and the remote west.
    "desert_sector": Run(
        seed=1,
        days=20,
        overrides={
            "crossers.per_day": 40,
            "traffickers.vehicle_share": 0.5,
            "checkpoints.screening_share": 0.2,
        },
    ),
    # The river as the border, the bridge port and its vehicle traffic, full data sharing between agencies
    # (two towers sited where the border is blind raise the sensor alerts that sharing routes to every agency).
    "river_port": Run(
        seed=1,
        days=30,
        overrides={
            "crossers.per_day": 40,
            "traffickers.vehicle_share": 0.6,
            "checkpoints.screening_share": 0.15,
            "surveillance.extra_towers.count": 2,
        },
    ),
    # GeoTIFF terrain placed on Earth (scenarios/geo_example/): the diagonal border line along the river and its
    # port (seed 1 sends 33 vehicles through the port in 14 days and none is interdicted there).
    "geo_example": Run(
        seed=2,
        days=14,
        overrides={"crossers.per_day": 30, "traffickers.vehicle_share": 0.5, "checkpoints.screening_share": 0.3},
    ),
    # Agencies on both banks in a joint team, real-time sharing: alerts and records cross the river (two towers
    # sited where the border is blind raise alerts that every agency's boats answer).
    "two_nations": Run(
        seed=1,
        days=30,
        overrides={
            "crossers.per_day": 40,
            "agencies.sharing": "full",
            "agencies.cooperation": "joint_team",
            "surveillance.extra_towers.count": 2,
        },
    ),
    # The whole border at scale (2,000 patrol units, 200 networks, 1,000 people a day): a few days show every
    # mechanism, and the invariants checked after every step cost more than the steps.
    "national_border": Run(seed=1, days=4, overrides={"traffickers.vehicle_share": 0.5}),
}
# The lesson scenarios of docs/teaching.md: classroom's map, places and sensors, so classroom's run exercises them.
RUNS |= dict.fromkeys(("classroom_courts", "classroom_displacement", "classroom_tradeoffs"), RUNS["classroom"])
DEFAULT_RUN = Run()


class Probe:
    """Watches a run from outside: every alert routed by the sharing rule, and which agency answered it.

    It wraps, on this one model, the intel exchange's alert routing, the dispatcher and each patrol's
    ``respond``; a pursuit started by a dispatch is credited to the agency whose sensor or patrol raised
    the alert, one started by a patrol that saw the group itself to nobody else.
    """

    def __init__(self, model: BorderModel):
        self.alerts = 0
        self.alerts_to_all = 0
        self.responses: Counter[tuple[str, str]] = Counter()  # (raised by, answered by)
        self._owner: str | None = None
        self._raising: str | None = None
        route, dispatch = model.intel.alert_receivers, model.patrol_force.dispatch
        everyone = set(model.intel.agencies)

        def alert_receivers(owner: str, rng=None) -> list[str]:
            receivers = route(owner, rng)
            self.alerts += 1
            self.alerts_to_all += len(everyone) > 1 and set(receivers) == everyone
            self._owner = owner
            return receivers

        def dispatching(alert, agencies):
            self._raising = self._owner
            try:
                dispatch(alert, agencies)
            finally:
                self._raising = None

        model.intel.alert_receivers = alert_receivers
        model.patrol_force.dispatch = dispatching
        for patrol in model.patrol_force.patrols:
            self._watch(patrol)

    def _watch(self, patrol) -> None:
        respond = patrol.respond

        def responding(group, pursuit):
            if self._raising is not None:
                self.responses[(self._raising, patrol.agency)] += 1
            respond(group, pursuit)

        patrol.respond = responding

    @property
    def answered_by_another_agency(self) -> int:
        return sum(n for (raised, answered), n in self.responses.items() if raised != answered)


def run_of(path: Path) -> Run:
    return RUNS.get(path.stem, DEFAULT_RUN)


def step_checked(model: BorderModel, days: float) -> list[str]:
    """Step whole simulated days, checking the invariants after every step; the violations found."""
    problems: list[str] = []
    for _ in range(math.ceil(days * model.steps_per_day - 1e-9)):
        model.step()
        problems += check_invariants(model)
        if len(problems) > 20:
            break
    return problems


def visible_across_agencies(model: BorderModel) -> int:
    """Intel entries that an agency other than the one that logged them can use now."""
    intel, now = model.intel, model.hours
    return sum(
        intel.can_see(viewer, entry, now)
        for agency in intel.agencies.values()
        for entry in agency.entries
        for viewer in intel.agencies
        if viewer != entry.agency
    )


def summary(model: BorderModel, probe: Probe) -> dict[str, object]:
    """What the run did, for the printout and the assertions."""
    w, o = model.world, model.outcomes()
    at_line = [c for c in model.crossings.log if c["reached_line"]]
    foot = [w.cell_of(c["x_km"], c["y_km"]) for c in at_line if c["mode"] == "foot"]
    vehicle = [w.cell_of(c["x_km"], c["y_km"]) for c in at_line if c["mode"] == "vehicle"]
    keys = ("victims_recruited", "victims_delivered", "victims_rescued", "victims_misidentified", "deaths_in_transit")
    keys += ("crossings_attempted", "crossings_succeeded", "detections", "interdictions", "interdictions_by_patrol")
    keys += ("interdictions_by_sensor", "interdictions_at_port", "traffickers_arrested", "checkpoint_false_alarms")
    return {
        **{k: o[k] for k in keys},
        "results": dict(Counter(f"{c['mode']}:{c['result']}" for c in model.crossings.log)),
        "foot_at_line": len(foot),
        "foot_on_border_cells": sum(bool(w.border_mask[c]) for c in foot),
        "foot_on_river": sum(bool(w.river_mask[c]) for c in foot) if w.river_mask is not None else None,
        "foot_in_blind_spots": sum(bool(w.blind_spot_mask[c]) for c in foot),
        "vehicle_at_port": len(vehicle),
        "vehicle_at_a_port_cell": sum(c in {p.cell for p in w.ports} for c in vehicle),
        "port_secondary_inspections": sum(cp.inspections for cp in model.checkpoints),
        "sensor_alerts": sum(s.alerts for s in model.detection.sensors),
        "sharing": model.spec.agencies.sharing,
        "alerts_routed": probe.alerts,
        "alerts_to_every_agency": probe.alerts_to_all,
        "responses_raised_to_answered": {f"{a}->{b}": n for (a, b), n in sorted(probe.responses.items())},
        "entries_visible_across_agencies": visible_across_agencies(model),
    }


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenario_steps_with_invariants_holding(path):
    run = run_of(path)
    started = time.perf_counter()
    model = BorderModel(path, seed=run.seed, overrides=run.overrides)
    probe = Probe(model)
    problems = step_checked(model, run.days)
    seconds = time.perf_counter() - started
    assert not problems, f"{len(problems)} invariant violations, first ones:\n" + "\n".join(problems[:10])

    did = summary(model, probe)
    print(f"\n{path.stem}: {run.days} days, seed {run.seed}, {model.steps} steps in {seconds:.2f} s")
    for key, value in did.items():
        print(f"  {key}: {value}")
    hint = f"{path.stem} ({did}): choose a seed, length or overrides in RUNS that exercise it"

    # The run exercised the model, and every victim is accounted for at the end.
    assert len(model.accounts.timeseries) == run.days
    assert did["crossings_attempted"] >= 10 and did["crossings_succeeded"] >= 1, hint
    assert did["detections"] >= 1 and did["interdictions"] >= 1 and did["traffickers_arrested"] >= 1, hint
    by_state = model.victims_by_state()
    people = model.agents_by_type[Person]
    assert sum(by_state.values()) == did["victims_recruited"] == sum(p.trafficked for p in people)
    assert sum(model.migrants_by_state().values()) == len(people) - did["victims_recruited"]
    waiting_or_moving = by_state[PersonState.IN_TRANSIT.value] + by_state[PersonState.WAITING.value]
    assert waiting_or_moving < did["victims_recruited"]

    # Foot crossings meet the line on a border cell (on the river when the border is the river).
    assert did["foot_at_line"] >= 1, hint
    assert did["foot_on_border_cells"] == did["foot_at_line"], did
    if model.spec.border.mode == "river":
        assert did["foot_on_river"] == did["foot_at_line"], did
    # Groups hidden in vehicles drive through a port, where secondary inspection finds some.
    if model.world.ports and model.spec.traffickers.vehicle_share > 0:
        assert did["vehicle_at_port"] >= 1 and did["interdictions_at_port"] >= 1, hint
        assert did["vehicle_at_a_port_cell"] == did["vehicle_at_port"], did
        assert did["port_secondary_inspections"] > 0
    # An ASCII map: every crossing point is a '=' of the map as written in the scenario file.
    if model.spec.terrain.source == "ascii" and model.spec.border.mode == "ascii":
        rows = model.spec.terrain.ascii.strip("\n").splitlines()
        at_line = [c for c in model.crossings.log if c["reached_line"]]
        chars = Counter(rows[r][c] for r, c in (model.world.cell_of(x["x_km"], x["y_km"]) for x in at_line))
        assert set(chars) == {"="}, chars
    # Data sharing between agencies acts as declared.
    sharing = did["sharing"]
    if sharing == "full" and len(model.intel.agencies) > 1:
        assert did["alerts_to_every_agency"] >= 1 and probe.answered_by_another_agency >= 1, hint
        assert did["entries_visible_across_agencies"] >= 1, hint
    elif sharing == "delayed":
        assert did["entries_visible_across_agencies"] >= 1, hint
    elif sharing == "none":
        assert did["entries_visible_across_agencies"] == 0 and did["alerts_to_every_agency"] == 0, did


def _deliveries_uncounted(set_state):
    def broken(person, state):
        if state is PersonState.ARRIVED:
            person.state = state  # arrived, but the model's counters never hear of it
        else:
            set_state(person, state)

    return broken


def _patrols_leave_their_cell(place_patrol):
    def broken(force, patrol, x_km, y_km):
        force.pos[patrol.index] = (x_km, y_km)  # the position moves, the cell stays behind

    return broken


def _scattered_victims_lost(turn_back):
    def broken(crossings, person, network):
        person.group = None
        person.set_state(PersonState.WAITING)  # back to waiting, but on no staging area's forming list

    return broken


#: One mechanism broken at a time: (class, method, breaker, what the checker must then report).
BROKEN = {
    "deliveries_uncounted": (Person, "set_state", _deliveries_uncounted, "recount of Person agents"),
    "patrols_leave_their_cell": (PatrolForce, "place", _patrols_leave_their_cell, "but its cell is"),
    "scattered_victims_lost": (Crossings, "turn_back", _scattered_victims_lost, "not waiting at a staging area"),
}


@pytest.mark.parametrize("broken", sorted(BROKEN))
def test_the_checker_catches_a_broken_mechanism(broken, monkeypatch):
    """The run above with one mechanism broken: the invariant checker reports it within a few simulated days."""
    cls, name, breaker, expected = BROKEN[broken]
    monkeypatch.setattr(cls, name, breaker(getattr(cls, name)))
    run = RUNS["river_port"]
    model = BorderModel(SCENARIO_DIR / "river_port.toml", seed=run.seed, overrides=run.overrides)
    problems: list[str] = []
    for _ in range(math.ceil(10 * model.steps_per_day)):
        model.step()
        problems = check_invariants(model)
        if problems:
            break
    assert any(expected in p for p in problems), problems[:5] or "no violation found in 10 days"
