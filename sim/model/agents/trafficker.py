"""Trafficking networks, their members, and the groups they move across the border.

Route choice follows DESIGN.md: least-cost routes (travel time + risk aversion x known sensor
coverage, :mod:`sim.model.routing`), with a logit choice among candidate crossing points whose cost adds
the network's *remembered* risk: every interdiction leaves a Gaussian kernel of perceived risk
around where it happened, decaying with a half-life. Reinforcing one sector therefore displaces
flows toward blind spots and harsher terrain (the displacement documented by Cornelius 2001 and
Gathmann 2008).

Deterrence and prices (Becker 1968; Gathmann 2008): each network tracks the arrest and conviction
rates it observes; the expected penalty per trip is passed on in fees, and activity shrinks when
the penalty eats the expected revenue. Arrested and convicted members are replaced only over time.

Membership: a network's strength is ``traffickers.members_per_network``; it works at capacity
``min(1, active members / strength)``. An arrest schedules a replacement, hired only if the network is
still below strength when it comes. A member who has served a sentence comes back as the same agent
(:meth:`Network.member_released`). The roster (:attr:`Network.members`) holds exactly the people tied
to the network: active, detained and imprisoned members; those who leave the trade are struck off.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import mesa
import numpy as np
from mesa.discrete_space import CellAgent

from sim.model.agents.person import Person, PersonState

if TYPE_CHECKING:
    from sim.model.border_model import BorderModel
    from sim.model.routing import Route


class TraffickerStatus(Enum):
    IDLE = "idle"  # free, waiting at a staging area
    GUIDING = "guiding"  # leading a group
    DETAINED = "detained"  # arrested, in pretrial detention
    RELEASED = "released"  # arrested, free awaiting trial (active)
    CONVICTED = "convicted"  # serving a sentence (off the map, still on the roster)
    LEFT = "left"  # out of the trade after a sentence: struck off the roster and out of the model


ACTIVE_STATUSES = (TraffickerStatus.IDLE, TraffickerStatus.GUIDING, TraffickerStatus.RELEASED)
#: Ways across, in the order a mode is drawn.
MODES = ("tunnel", "vehicle", "foot")


@dataclass(eq=False)
class Group:
    """Victims moving with one guide. Plain data: the guide (an agent) decides and moves it."""

    group_id: int
    network_id: int
    guide: Trafficker
    victims: list[Person]  # everyone the guide takes across, migrants and victims
    mode: str  # foot | vehicle | tunnel
    depart_h: float  # model time at which route time 0 falls: the start of the walk (vehicles: the departure)
    route: Route | None = None  # the stretch walked (None while riding to a drop-off, and for vehicles)
    walk: Route | None = None  # the stretch to walk from the drop-off, while riding there
    pickup: bool = False  # the walk ends at a pick-up short of the destination, and a vehicle drives on
    riding: bool = False  # picked up after the walk, on the road to the destination
    elapsed_h: float = 0.0
    step_start_h: float = 0.0  # route time at the start of the current step
    sightings: int = 0  # detections of this group so far
    detected: str = ""  # "sensor" or "patrol" while an alert about the group is being answered
    active: bool = True
    crossed: bool = False
    port: int = -1
    destination: int = 0
    x_km: float = 0.0
    y_km: float = 0.0
    crossing_xy: tuple[float, float] | None = None
    blind_spot: bool = False
    held_h: float = 0.0  # hours waited short of the line for the lookouts' all-clear

    @property
    def alive(self) -> list[Person]:
        return [v for v in self.victims if v.state is PersonState.IN_TRANSIT]

    def in_tunnel(self, route_h: float | None = None) -> bool:
        """Whether the group is inside a tunnel at route time ``route_h`` (now by default)."""
        route = self.route
        t = self.elapsed_h if route_h is None else route_h
        return route is not None and route.tunnel_index >= 0 and route.index_at(t) == route.tunnel_index


class Network(mesa.Agent):
    """A trafficking network: recruits, plans crossings, remembers interdictions, sets its fee.

    ``members`` is the roster: every member who is active, detained or serving a sentence, each once.
    New members join only while fewer than ``traffickers.members_per_network`` are active, so the
    roster exceeds that strength only by the members held in custody, plus the few who came back after
    their place had been filled: from pretrial custody (acquitted, or released to await trial), or from
    prison with a case still open against them.
    """

    def __init__(self, model: BorderModel, network_id: int):
        super().__init__(model)
        cfg = model.spec.traffickers
        self.network_id = network_id
        self.fee = cfg.fee
        self.activity = 1.0
        self.members: list[Trafficker] = []
        self.forming: dict[int, list[Person]] = {}
        self.target_size: dict[int, int] = {}
        self._risk_xy = np.empty((0, 2))
        self._risk_time = np.empty(0)
        # Observed outcomes; the traffickers.prior_* pseudo-counts act as a weak prior.
        self.trips, self.arrests_seen = cfg.prior_trips, cfg.prior_arrests
        self.verdicts, self.convictions_seen = cfg.prior_verdicts, cfg.prior_convictions
        self.deliveries_seen, self.victims_sent = cfg.prior_deliveries, cfg.prior_victims_sent
        self.victims_identified = 0  # the network's victims identified by the authorities: evidence of trafficking
        self.mode_trips = dict.fromkeys(MODES, cfg.prior_trips)
        self.mode_interdictions = dict.fromkeys(MODES, cfg.prior_arrests)

    # -- perception -------------------------------------------------------------------------
    def remember_interdiction(self, x_km: float, y_km: float) -> None:
        self._risk_xy = np.vstack([self._risk_xy, [x_km, y_km]])
        self._risk_time = np.append(self._risk_time, self.model.hours)

    def perceived_risk(self, points_km: np.ndarray) -> np.ndarray:
        """Remembered interdiction risk at each point (k, 2): sum of decaying Gaussian kernels."""
        if len(self._risk_time) == 0:
            return np.zeros(len(points_km))
        cfg = self.model.spec.traffickers
        age_days = (self.model.hours - self._risk_time) / 24.0
        weight = 0.5 ** (age_days / cfg.risk_memory_days)
        keep = weight > 0.01
        self._risk_xy, self._risk_time, weight = self._risk_xy[keep], self._risk_time[keep], weight[keep]
        d2 = ((points_km[:, None, :] - self._risk_xy[None, :, :]) ** 2).sum(axis=2)
        return (np.exp(-d2 / (2 * cfg.risk_kernel_km**2)) * weight[None, :]).sum(axis=1)

    # -- recruitment and departure -------------------------------------------------------------
    def recruit(self, expected: float) -> None:
        """Take on a Poisson number of people at the network's staging areas; send full groups.

        Each is a trafficking victim with ``victims.trafficked_share``, else a smuggled migrant.
        """
        model = self.model
        n = int(model.rng.poisson(expected * self.activity))
        share = model.spec.victims.trafficked_share
        for _ in range(n):
            staging = model.crossings.pick_weighted(model.crossings.staging_weights)
            person = Person(model, self.network_id, staging, trafficked=bool(model.rng.random() < share))
            self.forming.setdefault(staging, []).append(person)
        for staging, waiting in self.forming.items():
            if staging not in self.target_size:
                self.target_size[staging] = max(1, int(model.rng.poisson(model.spec.traffickers.group_size_mean)))
            if len(waiting) >= self.target_size[staging]:
                guide = self.idle_member()
                if guide is None:
                    continue
                self.forming[staging] = []
                del self.target_size[staging]
                guide.lead(waiting, staging)

    def idle_member(self) -> Trafficker | None:
        for member in self.members:
            free = member.status in (TraffickerStatus.IDLE, TraffickerStatus.RELEASED)
            if free and member.group is None:
                return member
        return None

    def expected_patrols(self, staging_cell, candidates: np.ndarray) -> np.ndarray:
        """Patrols the network expects in sight of each candidate crossing (k, 2) when the group gets there.

        From what its lookouts watched (:class:`~sim.model.observation.PatrolWatch`), for the hour the group
        would reach the line: after the ride to the drop-off and the walk from it
        (:meth:`~sim.model.crossings.Crossings.approach_hours`). A group that would reach the line by day
        waits for night with ``traffickers.night_crossing_share``, so by day the expectation is the mixture
        of the two arrival times. Zeros when the network does not watch.
        """
        model = self.model
        watch = model.patrol_watch
        if not watch.enabled:
            return np.zeros(len(candidates))
        cfg, clock, now = model.spec.traffickers, model.clock, model.hours
        approach = np.array([model.crossings.approach_hours(staging_cell, (int(r), int(c))) for r, c in candidates])
        ride, walk = approach[:, 0], approach[:, 1]
        at_line = now + ride + walk
        waited = np.array([clock.next_hour(now + r, cfg.night_start_hour) for r in ride]) + walk
        wait_share = np.where(clock.is_night(at_line), 0.0, cfg.night_crossing_share)
        return (1.0 - wait_share) * watch.expected_presence(candidates, at_line - now) + wait_share * (
            watch.expected_presence(candidates, waited - now)
        )

    def choose_crossing(self, staging_cell, destination_cell) -> tuple[int, int]:
        """Logit choice among candidate border crossings: static route cost + aversion x remembered risk
        (+ patrol aversion x expected patrols in sight, when the network watches)."""
        model = self.model
        cfg = model.spec.traffickers
        candidates = model.crossings.sample_crossing_candidates(cfg.candidate_crossings)
        static = model.planner.cost_via(staging_cell, destination_cell, candidates)
        points = (candidates[:, ::-1] + 0.5) * model.world.cell_km
        cost = static + cfg.risk_aversion * self.perceived_risk(points)
        cost = cost + cfg.patrol_aversion * self.expected_patrols(staging_cell, candidates)
        ok = np.isfinite(cost)
        if not ok.any():
            raise RuntimeError("no reachable crossing point")
        utility = -cfg.logit_beta * (cost[ok] - cost[ok].min())
        p = np.exp(utility)
        choice = model.rng.choice(np.flatnonzero(ok), p=p / p.sum())
        return int(candidates[choice, 0]), int(candidates[choice, 1])

    # -- economics -------------------------------------------------------------------------------
    def observe_trip(
        self, arrested: bool, delivered: int, sent: int, mode: str = "foot", stopped: bool = False
    ) -> None:
        """A trip of the network's ended: its guide held or not, people delivered of those sent, and whether
        the group was interdicted, by mode (for the choice of mode)."""
        self.trips += 1
        self.arrests_seen += arrested
        self.deliveries_seen += delivered
        self.victims_sent += sent
        self.mode_trips[mode] += 1
        self.mode_interdictions[mode] += stopped

    def mode_risk(self, mode: str) -> float:
        """Interdiction rate the network has seen for a mode (the prior pseudo-counts included)."""
        return self.mode_interdictions[mode] / self.mode_trips[mode]

    def observe_verdict(self, convicted: bool) -> None:
        self.verdicts += 1
        self.convictions_seen += convicted

    def update_economics(self) -> None:
        """Daily: fee and activity follow expected profit given observed arrest and conviction rates."""
        cfg = self.model.spec.traffickers
        p_arrest = self.arrests_seen / self.trips
        p_convict = self.convictions_seen / self.verdicts
        p_deliver = self.deliveries_seen / self.victims_sent
        penalty = p_arrest * p_convict * cfg.sentence_cost
        size = cfg.group_size_mean
        self.fee = cfg.fee + penalty / size
        share = self.model.spec.victims.trafficked_share
        revenue = size * (share * cfg.revenue_per_victim * p_deliver + self.fee)
        self.activity = float(np.clip(1.0 - penalty / max(revenue, 1.0), cfg.activity_floor, 1.0) * self.capacity())

    def active_members(self) -> int:
        return sum(m.status in ACTIVE_STATUSES for m in self.members)

    def capacity(self) -> float:
        """Share of its nominal throughput the network can run: ``min(1, active / members_per_network)``.

        Members beyond the strength (back from custody after their place was filled) add nothing.
        """
        return min(1.0, self.active_members() / self.model.spec.traffickers.members_per_network)

    def member_released(self, member: Trafficker) -> None:
        """A member has served their sentence: the same person rejoins, or leaves the trade.

        They rejoin (at their home staging area) if the network is below strength, or if a case is still
        open against them (the courts still deal with them as a member). Otherwise their place has been
        filled and they leave the trade: struck off the roster and out of the model (an assumption: the
        network keeps its strength rather than growing past it).
        """
        below_strength = self.active_members() < self.model.spec.traffickers.members_per_network
        if below_strength or self.model.courts.open_cases_of(member):
            member.rejoin()
        else:
            member.leave_trade()

    def replace_member(self) -> None:
        """Event, some time after a member was lost to arrest: hire someone if the network is below strength."""
        if self.active_members() < self.model.spec.traffickers.members_per_network:
            Trafficker(self.model, self)


class Trafficker(CellAgent):
    """A network member: guides groups; may be arrested, detained, released, convicted."""

    def __init__(self, model: BorderModel, network: Network):
        super().__init__(model)
        self.network = network
        self.status = TraffickerStatus.IDLE
        self.group: Group | None = None
        self.sentence_pending = False  # convicted while out guiding a group: taken into custody when it ends
        self.home_staging = model.crossings.pick_weighted(model.crossings.staging_weights)
        self.cell = model.grid[model.world.staging[self.home_staging].cell]
        network.members.append(self)

    def lead(self, people: list[Person], staging: int) -> None:
        """Set out with a group: choose destination and mode; the network chooses the crossing point."""
        destination = self.choose_destination()
        mode = self.choose_mode()
        self.model.crossings.start_group(self, people, staging, destination, mode)

    def choose_destination(self) -> int:
        """A destination drawn by the destinations' weights."""
        crossings = self.model.crossings
        return crossings.pick_weighted(crossings.destination_weights)

    def choose_mode(self) -> str:
        """Tunnel, vehicle through a port, or foot, by expected risk.

        Each mode the world offers weighs its configured share (``tunnel_share``, ``vehicle_share``, foot
        the rest) times ``exp(-mode_risk_sensitivity x rate)``, the rate being the share of the network's
        own trips by that mode that were interdicted. When every mode looks equally risky the shares hold;
        when the line hardens, foot crossings fail more and flows shift to the ports, and back.
        """
        model = self.model
        cfg, world = model.spec.traffickers, model.world
        tunnel = min(cfg.tunnel_share, 1.0) if world.tunnels else 0.0
        vehicle = min(cfg.vehicle_share, 1.0 - tunnel) if world.ports else 0.0
        shares = {"tunnel": tunnel, "vehicle": vehicle, "foot": max(0.0, 1.0 - tunnel - vehicle)}
        network = self.network
        weights = np.array([w * np.exp(-cfg.mode_risk_sensitivity * network.mode_risk(m)) for m, w in shares.items()])
        u = model.rng.random() * weights.sum()
        return MODES[min(int(np.searchsorted(np.cumsum(weights), u, side="right")), len(MODES) - 1)]

    def advance(self, dt_h: float) -> None:
        """Move the group along its route for one step (foot and tunnel groups)."""
        self.model.crossings.advance(self.group, dt_h)

    def back_home(self) -> None:
        """The trip is over and the guide is free: back at the home staging area.

        Convicted while away (on pretrial release), they are taken into custody on return.
        """
        self.group = None
        if self.status is TraffickerStatus.GUIDING:
            self.status = TraffickerStatus.IDLE
        self.cell = self.model.grid[self.model.world.staging[self.home_staging].cell]
        if self.sentence_pending:
            self.begin_sentence()

    def arrested(self) -> None:
        self.status = TraffickerStatus.DETAINED
        self.group = None

    def convicted(self) -> bool:
        """A conviction; returns whether a new sentence starts (not when already serving one).

        A member on pretrial release may be out guiding a group when the verdict comes: the sentence
        starts now, and they are taken into custody when that trip ends (:meth:`begin_sentence`).
        """
        if self.status is TraffickerStatus.CONVICTED or self.sentence_pending:
            return False  # sentences run concurrently
        if self.group is not None and self.group.active:
            self.sentence_pending = True
        else:
            self.begin_sentence()
        return True

    def begin_sentence(self) -> None:
        """Into prison: out of the network's work and off the map, but still a registered agent on the
        network's roster, so that the same person can come back (:meth:`end_sentence`)."""
        self.sentence_pending = False
        self.status = TraffickerStatus.CONVICTED
        self.group = None
        self.cell = None

    def end_sentence(self) -> None:
        """Event: the sentence is served; the network takes them back or they leave the trade."""
        if self.status is TraffickerStatus.CONVICTED:
            self.network.member_released(self)

    def rejoin(self) -> None:
        """Back from prison to the home staging area; status from any cases still open against them."""
        self.status = TraffickerStatus.IDLE
        self.cell = self.model.grid[self.model.world.staging[self.home_staging].cell]
        self.update_legal_status()

    def leave_trade(self) -> None:
        """Out of the trade for good: struck off the network's roster and removed from the model."""
        self.status = TraffickerStatus.LEFT
        self.network.members.remove(self)
        self.remove()

    def update_legal_status(self) -> None:
        """Status after one of this member's cases changed, from all the cases still open against them.

        Held on any open case: detained; awaiting trial at liberty: released (and free to work for the
        network, guiding included); otherwise guiding or idle. A member serving a sentence stays in prison.
        """
        if self.status in (TraffickerStatus.CONVICTED, TraffickerStatus.LEFT) or self.sentence_pending:
            return
        open_cases = self.model.courts.open_cases_of(self)
        if any(case.detained for case in open_cases):
            self.status = TraffickerStatus.DETAINED
        elif open_cases:
            self.status = TraffickerStatus.RELEASED
        elif self.group is not None and self.group.active:
            self.status = TraffickerStatus.GUIDING
        else:
            self.status = TraffickerStatus.IDLE

    def reach_dropoff(self) -> None:
        """Event: the vehicle drops the group near the line; the walk begins."""
        if self.group is not None and self.group.active:
            self.model.crossings.drop_off(self.group)

    def reach_port(self) -> None:
        """Event: the vehicle carrying this trafficker's group reaches the port."""
        if self.group is not None and self.group.active:
            self.model.crossings.vehicle_at_port(self.group)

    def reach_destination(self) -> None:
        """Event: the vehicle reaches the destination."""
        if self.group is not None and self.group.active:
            self.model.crossings.deliver(self.group)
