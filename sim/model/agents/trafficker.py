"""Trafficking networks, their members, and the groups they move across the border.

Route choice: least-cost routes (travel time + risk aversion x known sensor
coverage, :mod:`sim.model.routing`), with a logit choice among candidate crossing points whose cost adds
the network's *remembered* risk: every interdiction leaves a Gaussian kernel of perceived risk
around where it happened, decaying with a half-life. Reinforcing one sector therefore displaces
flows toward blind spots and harsher terrain (the displacement documented by Cornelius 2001 and
Gathmann 2008).

Prices and deterrence (Reuter & Kleiman 1986; Becker 1968; Gathmann 2008): each network tracks the arrest and
conviction rates it observes; its fee is the base fee plus ``traffickers.penalty_pass_through`` times the
expected penalty per client (:meth:`Network.expected_penalty`), and its economic activity shrinks when the
penalty eats the expected revenue. The demand belongs to the market (:mod:`sim.model.market`): the fee deters
it, and the networks share it by their market weights. Arrested and convicted members are replaced only over
time.

Roles and structure (UNODC 2011, Smuggling of Migrants: a Global Review; Europol 2016; Spener 2009;
Campana 2018): a network's strength is ``traffickers.members_per_network``, of which
``traffickers.organisers`` plan the crossings and hire, ``recruiters`` find the clients, ``drivers`` take
groups hidden in vehicles through the ports, and the rest are guides, who lead groups on foot and through
tunnels. Organisers and recruiters never travel with a group: only investigation reaches them. Who works
with whom is a graph (:attr:`Network.graph`, networkx, nodes the members): organisers know each other,
each recruiter knows one organiser, each guide and driver one recruiter (an organiser when there is none),
and members below the organisers also know each other with ``traffickers.cross_link_probability``.
Investigations climb it (:meth:`sim.model.enforcement.Enforcement.investigate`).

Capacity: the network's share of the market is weighted by ``min(1, organisers at large / organisers)`` (its
capacity to plan), ``min(1, recruiters at large / recruiters)`` (to find clients) and its economic activity
(:meth:`Network.market_weight`); a group needs a free guide (on
foot, by tunnel) or a free driver (by vehicle). An arrest opens a vacancy (:class:`Vacancy`), filled after
an exponential delay (``replacement_days`` for guides, drivers and recruiters, ``organiser_replacement_days``
for organisers) if the network is still below strength in that role, and only while an organiser is at
large to hire. With no organiser at large the network is headless: it sends no group, recruits and hires no
one, and the market sends its would-be clients to the networks working. Headless for ``takeover_days``, a
newcomer network enters the market in its place: it takes over the people waiting at its staging areas (they
wait for it) and competes for the demand (free entry and market displacement; Reuter 1983, Duijn et al.
2014). Headless for ``dismantle_days`` it is dismantled: its members at large leave the trade. A network that
finds an organiser before it is dismantled works again, beside its newcomer (the market splinters).

A member who has served a sentence comes back as the same agent (:meth:`Network.member_released`). The
roster (:attr:`Network.members`) holds exactly the people tied to the network: active, detained and
imprisoned members; those who leave the trade are struck off the roster and the graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from itertools import chain
from typing import TYPE_CHECKING

import mesa
import networkx as nx
import numpy as np

from sim.model.agents.person import Person, PersonState
from sim.model.market import price
from sim.model.streams import (
    Entity,
    EntityStreams,
    Mechanism,
    pick_by_weight,
    poisson_from_uniform,
    weight_picker,
)

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


class Role(Enum):
    ORGANISER = "organiser"  # plans crossings and hires; never travels with a group
    RECRUITER = "recruiter"  # finds the clients; never travels with a group
    DRIVER = "driver"  # drives groups hidden in vehicles through a port
    GUIDE = "guide"  # leads groups on foot and through tunnels


#: The member who travels with a group, by mode.
CREW = {"foot": Role.GUIDE, "tunnel": Role.GUIDE, "vehicle": Role.DRIVER}

#: Rank of each role as a prize of an investigation: the higher, the more a network loses with it.
ROLE_RANK = {Role.GUIDE: 0, Role.DRIVER: 0, Role.RECRUITER: 1, Role.ORGANISER: 2}
#: Ways across, in the order a mode is drawn.
MODES = ("tunnel", "vehicle", "foot")
#: The roles that lead groups (a guide on foot and by tunnel, a driver by vehicle).
CREW_ROLES = tuple(dict.fromkeys(CREW.values()))


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
    #: The group's own random streams (route, detection, capture, exposure, inspection), keyed by the person
    #: first in it and the number of groups that person had set out with before.
    streams: EntityStreams | None = None

    @property
    def alive(self) -> list[Person]:
        return [v for v in self.victims if v.state is PersonState.IN_TRANSIT]

    def in_tunnel(self, route_h: float | None = None) -> bool:
        """Whether the group is inside a tunnel at route time ``route_h`` (now by default)."""
        route = self.route
        t = self.elapsed_h if route_h is None else route_h
        return route is not None and route.tunnel_index >= 0 and route.index_at(t) == route.tunnel_index


@dataclass(eq=False)
class Vacancy:
    """A place in a network left by an arrest, until it is filled (a scheduled event on :meth:`fill`)."""

    network: Network
    role: Role
    rng: np.random.Generator  # the stream of the member whose place it is (a search that fails draws again)

    def fill(self) -> None:
        self.network.fill(self)


class Network(mesa.Agent):
    """A trafficking network: recruits, plans crossings, remembers interdictions, sets its fee.

    ``members`` is the roster: every member who is active, detained or serving a sentence, each once;
    ``graph`` holds the same members as nodes, linked by who works with whom. New members join only
    while fewer than the role's strength are at large, so the roster exceeds the strength only by the
    members held in custody, plus the few who came back after their place had been filled: from pretrial
    custody (acquitted, or released to await trial), or from prison with a case still open against them.
    """

    def __init__(self, model: BorderModel, network_id: int):
        super().__init__(model)
        cfg = model.spec.traffickers
        self.network_id = network_id
        #: Counts the changes to what the market reads of the network (its members at large, activity, fee,
        #: dismantling): the market shares the demand anew only when the networks' counts have moved.
        self.market_version = 0
        self._fee = cfg.fee
        #: Economic activity, from expected profit (update_economics): it weighs the network's share of the market.
        self._activity = 1.0
        self.members: list[Trafficker] = []
        #: Members at large by role, counted from the roster when asked after a change (:meth:`roster_changed`),
        #: and the market weight, computed when asked after a change.
        self._at_large: dict[Role, int] | None = None
        self._weight: float | None = None
        #: Whether anything :meth:`send_groups` reads may have changed since it last ran (people waiting, members'
        #: status or trips, the modes' risks): when nothing has, it would plan and send nothing, and is skipped.
        self.plans_stale = True
        self.graph = nx.Graph()
        #: Strength by role: organisers, recruiters and drivers as set, guides the rest.
        self.strength = {
            Role.ORGANISER: cfg.organisers,
            Role.RECRUITER: cfg.recruiters,
            Role.DRIVER: cfg.drivers,
            Role.GUIDE: cfg.members_per_network - cfg.organisers - cfg.recruiters - cfg.drivers,
        }
        self.vacancies: list[Vacancy] = []
        self.headless_since_h: float | None = None  # model time since when no organiser is at large
        self.first_arrest_day: float | None = None
        self._dismantled_day: float | None = None
        self.successor: Network | None = None  # the newcomer that took over the trade, once dismantled
        self.forming: dict[int, list[Person]] = {}
        self.target_size: dict[int, int] = {}
        #: Full groups waiting for their crew, by staging area: (size, mode) each, the first people of the
        #: forming list in that order.
        self.planned: dict[int, list[tuple[int, str]]] = {}
        self._risk_xy = np.empty((0, 2))
        self._risk_time = np.empty(0)
        # Observed outcomes; the traffickers.prior_* pseudo-counts act as a weak prior.
        self.trips, self.arrests_seen = cfg.prior_trips, cfg.prior_arrests
        self.verdicts, self.convictions_seen = cfg.prior_verdicts, cfg.prior_convictions
        self.deliveries_seen, self.victims_sent = cfg.prior_deliveries, cfg.prior_victims_sent
        self.victims_identified = 0  # the network's victims identified by the authorities: evidence of trafficking
        self.mode_trips = dict.fromkeys(MODES, cfg.prior_trips)
        self.mode_interdictions = dict.fromkeys(MODES, cfg.prior_arrests)
        # The network draws nothing itself: the market draws who comes (and each person's draws are their own),
        # a group's draws are those of the person first in it, and members draw from streams of their own.
        self.recruited = 0  # people the network has taken on so far
        #: Members hired so far, by role: with the role, the next member's key (their streams).
        self.hired: dict[Role, int] = dict.fromkeys(Role, 0)

    @property
    def fee(self) -> float:
        """The fee a client pays (:meth:`update_economics`)."""
        return self._fee

    @fee.setter
    def fee(self, fee: float) -> None:
        self._fee = fee
        self.market_version += 1

    @property
    def activity(self) -> float:
        return self._activity

    @activity.setter
    def activity(self, activity: float) -> None:
        self._activity = activity
        self._weight = None
        self.market_version += 1

    @property
    def dismantled_day(self) -> float | None:
        """Model day on which the network was dismantled (None while it is not)."""
        return self._dismantled_day

    @dismantled_day.setter
    def dismantled_day(self, day: float | None) -> None:
        self._dismantled_day = day
        self._weight = None
        self.market_version += 1
        self.plans_stale = True

    # -- perception -------------------------------------------------------------------------
    def remember_interdiction(self, x_km: float, y_km: float) -> None:
        self._risk_xy = np.vstack([self._risk_xy, [x_km, y_km]])
        self._risk_time = np.append(self._risk_time, self.model.hours)

    def interdiction_memory(self) -> tuple[np.ndarray, np.ndarray]:
        """The interdictions the network remembers: where (k, 2 km) and how many hours before now each was."""
        return self._risk_xy.copy(), self.model.hours - self._risk_time

    def recall_interdictions(self, xy_km: np.ndarray, hours_ago: np.ndarray) -> None:
        """Take on interdictions remembered from before this run (the classroom's previous round): at ``xy_km``
        (k, 2), ``hours_ago`` hours before now; they weigh and fade as the network's own (:meth:`perceived_risk`)."""
        xy = np.asarray(xy_km, dtype=float).reshape(-1, 2)
        self._risk_xy = np.vstack([xy, self._risk_xy])
        self._risk_time = np.concatenate([self.model.hours - np.asarray(hours_ago, dtype=float), self._risk_time])

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
    def take_on(self, key: int, staging_draw: float, type_draw: float) -> None:
        """Take on person ``key`` of the market (:class:`~sim.model.market.Market` draws how many come and
        which network takes each on): a trafficking victim with ``victims.trafficked_share``
        (``type_draw``), else a smuggled migrant, waiting at a staging area drawn by weight
        (``staging_draw``)."""
        model = self.model
        staging = model.crossings.pick_weighted(model.crossings.staging_weights, staging_draw)
        trafficked = bool(type_draw < model.spec.victims.trafficked_share)
        person = Person(model, self.network_id, staging, trafficked=trafficked, key=key)
        self.recruited += 1
        self.wait_at(staging, person)

    def wait_at(self, staging: int, person: Person) -> None:
        """Person ``person`` waits at staging area ``staging`` to be sent in a group (last on its forming list)."""
        self.forming.setdefault(staging, []).append(person)
        self.plans_stale = True

    def send_groups(self) -> None:
        """Plan the full groups among the people waiting at each staging area, and send those whose crew is free.

        A group's size and its mode are drawn from the stream of the person first in it (two uniforms, when
        the group starts to form: :attr:`Person.streams`, mechanism ``groups``), so that the group a person
        starts has the same size and mode draw whatever groups other people formed before. A full group waits
        for its crew; its mode is chosen from its draw each time it could leave (:meth:`mode_picker`, among the
        modes whose crew the network has at large), and it leaves as soon as a member of that mode's crew is
        free (a guide on foot or by tunnel, a driver by vehicle). A network whose drivers are all held sends
        its groups on foot, rather than keep them waiting for a driver who is in prison. A headless network
        plans and sends nothing (dismantled networks are headless).
        """
        if not self.plans_stale:
            return  # nothing it reads has changed since it last ran: it would plan and send nothing again
        self.plans_stale = False  # anything that changes from here on (the groups it sends) marks it again
        if self.headless():
            return
        mean = self.model.spec.traffickers.group_size_mean
        for staging, waiting in self.forming.items():
            plans = self.planned.setdefault(staging, [])
            planned = sum(size for size, _ in plans)
            while planned < len(waiting):  # full groups among the people not yet in one, with their mode draws
                if staging not in self.target_size:
                    size_draw, mode_draw = waiting[planned].streams[Mechanism.GROUPS].random(2)
                    self.target_size[staging] = (max(1, poisson_from_uniform(size_draw, mean)), mode_draw)
                size, mode_draw = self.target_size[staging]
                if len(waiting) - planned < size:
                    break
                del self.target_size[staging]
                plans.append((size, mode_draw))
                planned += size
            if plans:
                self.dispatch(staging, waiting, plans)

    def dispatch(self, staging: int, waiting: list[Person], plans: list[tuple[int, float]]) -> None:
        """Send the full groups at a staging area whose crew is free, in the order they filled; the others
        wait (their people stay first on the forming list). ``plans``: each full group's size and mode draw."""
        start, kept, staying, leaving = 0, [], [], []
        # Nothing the choice reads changes within the loop (the groups leave after it): the modes' weights and
        # the members free in each role are found once, and each group takes the next free member of its crew.
        # Once no crew is free in any role, the groups left all wait (all of them when none is free to begin with).
        free = {}
        for role in CREW_ROLES:
            members = self.free_members(role)
            first = next(members, None)
            if first is not None:
                free[role] = chain((first,), members)
        if not free:
            return  # every group waits, its people first on the forming list, as they are
        pick = self.mode_picker()
        crew_left = set(free) if pick else set()
        for k, (size, mode_draw) in enumerate(plans):
            if not crew_left:
                kept += plans[k:]
                break
            people = waiting[start : start + size]
            start += size
            mode = MODES[pick(mode_draw)]
            crew = next(free[CREW[mode]], None) if CREW[mode] in free else None
            if crew is None:
                crew_left.discard(CREW[mode])
                kept.append((size, mode_draw))
                staying += people
            else:
                leaving.append((crew, people, mode))
        self.forming[staging] = staying + waiting[start:]
        self.planned[staging] = kept
        for crew, people, mode in leaving:
            first = people[0]  # the group's streams: keyed by the person first in it and their departures so far
            streams = EntityStreams(self.model.streams, Entity.GROUP, first.key, first.departures)
            for person in people:
                person.departures += 1
            crew.lead(people, staging, mode, streams)

    def free_members(self, role: Role) -> Iterator[Trafficker]:
        """The members of the role free to travel (idle, or released awaiting trial, not on a trip), in the
        roster's order, found as they are asked for."""
        free = (TraffickerStatus.IDLE, TraffickerStatus.RELEASED)
        return (m for m in self.members if m.role is role and m.status in free and m.group is None)

    def mode_picker(self) -> Callable[[float], int] | None:
        """Tunnel, vehicle through a port, or foot, by expected risk, when a full group could leave.

        Each mode the world offers weighs its configured share (``tunnel_share``, ``vehicle_share``, foot
        the rest) times ``exp(-mode_risk_sensitivity x rate)``, the rate being the share of the network's
        own trips by that mode that were interdicted. When every mode looks equally risky the shares hold;
        when the line hardens, foot crossings fail more and flows shift to the ports, and back. A mode whose
        crew the network has no member of at large (none by design, or all held or in prison) weighs nothing;
        None when none is left. The group then waits at its staging area until a member of the mode's crew is
        free. The picker maps the group's uniform draw to an index of :data:`MODES` (inversion over the weights).
        """
        model = self.model
        cfg, world = model.spec.traffickers, model.world
        tunnel = min(cfg.tunnel_share, 1.0) if world.tunnels else 0.0
        vehicle = min(cfg.vehicle_share, 1.0 - tunnel) if world.ports else 0.0
        shares = {"tunnel": tunnel, "vehicle": vehicle, "foot": max(0.0, 1.0 - tunnel - vehicle)}
        weights = np.array(
            [
                w * np.exp(-cfg.mode_risk_sensitivity * self.mode_risk(m)) if self.at_large(CREW[m]) else 0.0
                for m, w in shares.items()
            ]
        )
        if not weights.sum() > 0:
            return None
        return weight_picker(weights)

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

    def choose_crossing(self, staging_cell, destination_cell, rng: np.random.Generator) -> tuple[int, int]:
        """Logit choice among candidate border crossings: static route cost + aversion x remembered risk
        (+ patrol aversion x expected patrols in sight, when the network watches). ``rng``: the group's route
        stream (two draws: the candidates' offset, the choice)."""
        model = self.model
        cfg = model.spec.traffickers
        offset_draw, choice_draw = rng.random(2)
        candidates = model.crossings.sample_crossing_candidates(cfg.candidate_crossings, offset_draw)
        static = model.planner.cost_via(staging_cell, destination_cell, candidates)
        points = (candidates[:, ::-1] + 0.5) * model.world.cell_km
        cost = static + cfg.risk_aversion * self.perceived_risk(points)
        cost = cost + cfg.patrol_aversion * self.expected_patrols(staging_cell, candidates)
        ok = np.isfinite(cost)
        if not ok.any():
            raise RuntimeError("no reachable crossing point")
        utility = -cfg.logit_beta * (cost[ok] - cost[ok].min())
        p = np.exp(utility)
        choice = np.flatnonzero(ok)[pick_by_weight(p, choice_draw)]
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
        self.plans_stale = True

    def mode_risk(self, mode: str) -> float:
        """Interdiction rate the network has seen for a mode (the prior pseudo-counts included)."""
        return self.mode_interdictions[mode] / self.mode_trips[mode]

    def observe_verdict(self, convicted: bool) -> None:
        self.verdicts += 1
        self.convictions_seen += convicted

    def expected_penalty(self) -> float:
        """Expected penalty per client: P(arrest) x P(conviction) x ``sentence_cost`` / ``group_size_mean``,
        discounted for the time to punishment.

        The probabilities are the rates the network has observed (trips with its guide held, verdicts that
        convicted), each from the ``prior_*`` pseudo-counts; a trip risks one member, shared by the group. A
        penalty that comes later weighs less: the courts' :meth:`~sim.model.legal.CourtSystem.penalty_discount`
        (``legal.offender_discount_per_year`` over the mean time from arrest to conviction; Nagin & Pogarsky 2001).
        """
        cfg = self.model.spec.traffickers
        p_arrest = self.arrests_seen / self.trips
        p_convict = self.convictions_seen / self.verdicts
        penalty = p_arrest * p_convict * cfg.sentence_cost / cfg.group_size_mean
        return penalty * self.model.courts.penalty_discount()

    def update_economics(self) -> None:
        """Daily: the fee by the pricing rule, and the economic activity from expected profit.

        Fee (risks and prices, Reuter & Kleiman 1986): ``fee + penalty_pass_through x expected_penalty()``.
        Activity: ``clip(1 - penalty / revenue, activity_floor, 1)``, the penalty and revenue per trip (the
        revenue: the fees of a group plus the exploitation of its victims who are delivered); it weighs the
        network's share of the market (:meth:`market_weight`), not the demand.
        """
        cfg = self.model.spec.traffickers
        per_client = self.expected_penalty()
        self.fee = price(cfg.fee, cfg.penalty_pass_through, per_client)
        size = cfg.group_size_mean
        p_deliver = self.deliveries_seen / self.victims_sent
        share = self.model.spec.victims.trafficked_share
        revenue = size * (share * cfg.revenue_per_victim * p_deliver + self.fee)
        self.activity = float(np.clip(1.0 - per_client * size / max(revenue, 1.0), cfg.activity_floor, 1.0))

    def market_weight(self) -> float:
        """The network's weight in sharing the demand (:mod:`sim.model.market`): ``capacity() x recruiting() x
        activity``; 0 while it is headless or once it is dismantled."""
        if self._weight is None:
            if self.dismantled_day is not None or self.headless():
                self._weight = 0.0
            else:
                self._weight = self.capacity() * self.recruiting() * self.activity
        return self._weight

    def active_members(self) -> int:
        """Members at large, every role (:meth:`at_large`)."""
        return sum(self.at_large(role) for role in Role)

    def members_at_work(self) -> list[Trafficker]:
        """The members who work for the network now: those at large (idle, on a trip, or released awaiting
        trial) while it works, that is while it has an organiser at large and is not dismantled; once it is
        headless or dismantled, only those finishing a trip. The members at large of a network that cannot
        work plan, recruit and guide nothing (:meth:`send_groups`), and its trade passes to a newcomer, whose
        members are counted instead."""
        working = self.dismantled_day is None and not self.headless()
        return [m for m in self.members if m.status in ACTIVE_STATUSES and (working or m.group is not None)]

    def at_large(self, role: Role) -> int:
        """Members of a role who are active: idle, guiding, or released awaiting trial.

        Counted from the roster once after each change (:meth:`roster_changed`), not at every call: the market
        asks every network every step."""
        if self._at_large is None:
            counts = dict.fromkeys(Role, 0)
            for m in self.members:
                if m.status in ACTIVE_STATUSES:
                    counts[m.role] += 1
            self._at_large = counts
        return self._at_large[role]

    def roster_changed(self) -> None:
        """A member joined or left the roster, or a member's status or trip changed: the counts at large, the market
        weight and the plans are stale."""
        self._at_large = None
        self._weight = None
        self.market_version += 1
        self.plans_stale = True

    def headless(self) -> bool:
        """No organiser at large: the network plans no crossing and hires no one."""
        return self.at_large(Role.ORGANISER) == 0

    def capacity(self) -> float:
        """Share of its planned throughput the network can run: ``min(1, organisers at large / organisers)``.

        Organisers beyond the strength (back from custody after their place was filled) add nothing; guides
        and drivers limit throughput by being free or not when a group is ready.
        """
        return min(1.0, self.at_large(Role.ORGANISER) / self.strength[Role.ORGANISER])

    def recruiting(self) -> float:
        """Share of its recruitment rate the network runs: ``min(1, recruiters at large / recruiters)``, 1 when
        it has no recruiters by design (the organisers recruit)."""
        if self.strength[Role.RECRUITER] == 0:
            return 1.0
        return min(1.0, self.at_large(Role.RECRUITER) / self.strength[Role.RECRUITER])

    def staff(self) -> None:
        """Hire the full strength, top down (organisers, recruiters, drivers, guides), so links can form."""
        for role in Role:
            for _ in range(self.strength[role]):
                Trafficker(self.model, self, role)

    def link(self, member: Trafficker) -> None:
        """Add a newcomer to the graph of who works with whom (see :attr:`graph`).

        An organiser knows the other organisers at large; a recruiter one organiser at large; a guide or a
        driver one recruiter at large (an organiser when none is); a member below the organisers also knows
        each other such member at large with ``traffickers.cross_link_probability``.
        """
        graph, rng = self.graph, member.streams[Mechanism.NETWORKS]
        graph.add_node(member, role=member.role.value)
        at_large = [m for m in self.members if m is not member and m.status in ACTIVE_STATUSES]
        organisers = [m for m in at_large if m.role is Role.ORGANISER]
        if member.role is Role.ORGANISER:
            graph.add_edges_from((member, m) for m in organisers)
            return
        recruiters = [m for m in at_large if m.role is Role.RECRUITER]
        above = organisers if member.role is Role.RECRUITER or not recruiters else recruiters
        if above:
            graph.add_edge(member, above[int(rng.integers(len(above)))])
        p = self.model.spec.traffickers.cross_link_probability
        peers = [m for m in at_large if m.role is not Role.ORGANISER]
        if p > 0 and peers:
            linked = rng.random(len(peers)) < p
            graph.add_edges_from((member, m) for m, k in zip(peers, linked, strict=True) if k)

    def reachable_links(self, member: Trafficker) -> list[Trafficker]:
        """The members linked to ``member`` whom investigators could arrest now: at large and not on a trip."""
        free = (TraffickerStatus.IDLE, TraffickerStatus.RELEASED)
        return [m for m in self.graph.neighbors(member) if m.status in free and m.group is None]

    # -- losses, replacement, dismantling, takeover -----------------------------------------------
    def member_lost(self, member: Trafficker) -> None:
        """A member was arrested: a vacancy opens in their role; the first arrest starts the network's clock."""
        if self.first_arrest_day is None:
            self.first_arrest_day = self.model.days
        self.open_vacancy(member.role, member.streams[Mechanism.NETWORKS])

    def open_vacancy(self, role: Role, rng: np.random.Generator) -> None:
        """Search for someone to fill a place of ``role``: found after an exponential delay, drawn from ``rng``
        (the stream of the member whose place it is, so the same loss takes as long to make good in any run)."""
        model, cfg = self.model, self.model.spec.traffickers
        mean = cfg.organiser_replacement_days if role is Role.ORGANISER else cfg.replacement_days
        vacancy = Vacancy(self, role, rng)
        self.vacancies.append(vacancy)
        model.schedule_event(vacancy.fill, after=model.hours_to_steps(24 * rng.exponential(mean)))

    def fill(self, vacancy: Vacancy) -> None:
        """Event: someone is found for a vacancy. Hired if the network still needs the role; a headless
        network (no organiser at large) cannot hire anyone but an organiser, and searches again."""
        if vacancy in self.vacancies:
            self.vacancies.remove(vacancy)
        if self.dismantled_day is not None:
            return
        if vacancy.role is not Role.ORGANISER and self.headless():
            self.open_vacancy(vacancy.role, vacancy.rng)
            return
        self.replace_member(vacancy.role)

    def replace_member(self, role: Role = Role.GUIDE) -> None:
        """Hire someone in ``role`` if the network is below strength in it."""
        if self.at_large(role) < self.strength[role]:
            Trafficker(self.model, self, role)

    def organisers_changed(self) -> None:
        """An organiser's status changed: note when the network became headless and check on it later."""
        if self.dismantled_day is not None:
            return
        if not self.headless():
            self.headless_since_h = None
        elif self.headless_since_h is None:
            model, cfg = self.model, self.model.spec.traffickers
            self.headless_since_h = model.hours
            model.schedule_event(self.check_dismantled, after=model.hours_to_steps(24 * cfg.dismantle_days))
            model.schedule_event(self.check_takeover, after=model.hours_to_steps(24 * cfg.takeover_days))

    def headless_for(self, days: float) -> bool:
        """Whether the network has been headless without a break for at least ``days`` (a dismantled network
        stays headless)."""
        since = self.headless_since_h
        return since is not None and self.model.hours - since >= 24 * days - 1e-6

    def check_takeover(self) -> None:
        """Event: a network headless for ``traffickers.takeover_days`` without a break, and not taken over yet,
        is taken over by a newcomer (:meth:`hand_over`)."""
        if self.successor is None and self.headless_for(self.model.spec.traffickers.takeover_days):
            self.hand_over()

    def check_dismantled(self) -> None:
        """Event: a network headless for ``traffickers.dismantle_days`` without a break is dismantled."""
        if self.dismantled_day is None and self.headless_for(self.model.spec.traffickers.dismantle_days):
            self.dismantle()

    def dismantle(self) -> None:
        """The network collapses: its free members leave the trade (those held, awaiting trial or on a trip
        when their cases and trips end). Its trade passes to a newcomer ``takeover_days`` after it became
        headless (:meth:`check_takeover`), before or after this."""
        model = self.model
        self.dismantled_day = model.days
        self.vacancies.clear()
        model.accounts.counters["networks_dismantled"] += 1
        for member in list(self.members):
            member.leave_if_done()

    def hand_over(self) -> None:
        """A newcomer network at full strength takes over the trade (market displacement): the people waiting
        at this network's staging areas, and a place in the market (:mod:`sim.model.market`)."""
        model = self.model
        newcomer = Network(model, len(model.networks))
        model.networks.append(newcomer)
        newcomer.staff()
        self.successor = newcomer
        for staging, waiting in self.forming.items():
            for person in waiting:
                person.network_id = newcomer.network_id
            newcomer.forming.setdefault(staging, []).extend(waiting)
        self.forming, self.target_size, self.planned = {}, {}, {}
        newcomer.plans_stale = self.plans_stale = True
        model.accounts.counters["networks_founded"] += 1

    def operator(self) -> Network:
        """The network that runs this one's trade now: itself, or the newcomer that took it over."""
        network = self
        while network.successor is not None:
            network = network.successor
        return network

    def member_released(self, member: Trafficker) -> None:
        """A member has served their sentence: the same person rejoins, or leaves the trade.

        They rejoin (at their home staging area) if the network is below strength in their role, or if a
        case is still open against them (the courts still deal with them as a member). Otherwise their
        place has been filled, or the network is gone, and they leave the trade: struck off the roster and
        out of the model (an assumption: the network keeps its strength rather than growing past it).
        """
        below_strength = self.at_large(member.role) < self.strength[member.role] and self.dismantled_day is None
        if below_strength or self.model.courts.open_cases_of(member):
            member.rejoin()
        else:
            member.leave_trade()


class Trafficker(mesa.Agent):
    """A network member in a role: guides and drivers take groups across; organisers and recruiters stay at
    their staging area. Any may be arrested, detained, released, convicted."""

    def __init__(self, model: BorderModel, network: Network, role: Role = Role.GUIDE):
        super().__init__(model)
        self.network = network
        self.role = role
        self._status = TraffickerStatus.IDLE
        self._group: Group | None = None
        self.sentence_pending = False  # convicted while out guiding a group: taken into custody when it ends
        #: The member's own random streams (home, links, replacement, investigations from their arrest, their
        #: court cases), keyed by the network, the role and their number among the role's hires there: a policy
        #: that has more guides arrested and replaced leaves the organisers' and drivers' draws as they were.
        number = network.hired[role]
        network.hired[role] += 1
        self.streams = EntityStreams(model.streams, Entity.MEMBER, network.network_id, list(Role).index(role), number)
        self.home_staging = model.crossings.pick_weighted(
            model.crossings.staging_weights, self.streams[Mechanism.NETWORKS].random()
        )
        #: The cell (row, col) the member is in; None while in prison (off the map).
        self.cell: tuple[int, int] | None = model.world.staging[self.home_staging].cell
        network.members.append(self)
        network.roster_changed()
        network.link(self)
        if role is Role.ORGANISER:
            network.organisers_changed()

    @property
    def status(self) -> TraffickerStatus:
        return self._status

    @property
    def group(self) -> Group | None:
        """The group the member is taking across (None when not on a trip)."""
        return self._group

    @group.setter
    def group(self, group: Group | None) -> None:
        """A trip starts or ends: the network's plans may change (a crew member free again)."""
        self._group = group
        self.network.plans_stale = True

    @status.setter
    def status(self, status: TraffickerStatus) -> None:
        """Every change of an organiser's status tells the network, which may become headless or recover."""
        self._status = status
        self.network.roster_changed()
        if self.role is Role.ORGANISER:
            self.network.organisers_changed()

    def lead(self, people: list[Person], staging: int, mode: str, streams: EntityStreams) -> None:
        """Set out with a group by the mode the network chose; choose the destination; the network chooses
        the crossing point. ``streams``: the group's own random streams."""
        destination = self.choose_destination(streams[Mechanism.ROUTES].random())
        self.model.crossings.start_group(self, people, staging, destination, mode, streams)

    def choose_destination(self, u: float) -> int:
        """A destination drawn by the destinations' weights (``u``: the uniform draw that decides)."""
        crossings = self.model.crossings
        return crossings.pick_weighted(crossings.destination_weights, u)

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
        self.cell = self.model.world.staging[self.home_staging].cell
        if self.sentence_pending:
            self.begin_sentence()
        else:
            self.leave_if_done()

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
        self.cell = self.model.world.staging[self.home_staging].cell
        self.update_legal_status()

    def leave_trade(self) -> None:
        """Out of the trade for good: struck off the network's roster and graph, and removed from the model."""
        self.status = TraffickerStatus.LEFT
        self.network.members.remove(self)
        self.network.roster_changed()
        self.network.graph.remove_node(self)
        self.remove()

    def leave_if_done(self) -> None:
        """In a dismantled network, a member free of cases, sentences and trips leaves the trade."""
        if self.network.dismantled_day is None or self.group is not None or self.sentence_pending:
            return
        free = self.status in (TraffickerStatus.IDLE, TraffickerStatus.RELEASED)
        if free and not self.model.courts.open_cases_of(self):
            self.leave_trade()

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
            self.leave_if_done()

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
