"""The border model: traffickers, victims, patrols, checkpoints, sensors, agencies and courts.

``BorderModel(scenario, seed=..., overrides=...)`` builds the world of a scenario and runs it in
steps of ``time.step_minutes``. The model only wires the parts and writes out the order of a step
(:meth:`BorderModel.step`); each mechanism lives in a component with one job:

- :class:`~sim.model.patrol_force.PatrolForce`: roster, shifts, movement, dispatch and pursuit;
- :class:`~sim.model.crossings.Crossings`: groups by foot, vehicle and tunnel, from staging to destination;
- :class:`~sim.model.detection.Detection`: sensors and patrols seeing groups, alerts (:mod:`sim.model.alerts`);
- :class:`~sim.model.enforcement.Enforcement`: interdiction, screening, arrest, investigation, courts;
- :class:`~sim.model.market.Market`: the demand for crossings, shared among the networks and deterred by their fees;
- :class:`~sim.model.accounting.Accounts`: tallies, cost, outcomes and the daily series;
- :class:`~sim.model.intel.IntelExchange`, :class:`~sim.model.routing.RoutePlanner`: what agencies know; routes.

No component is given the model: each takes the parts of the scenario it reads, the world, its random streams, a
:class:`~sim.model.interfaces.Timeline`, the books (:class:`~sim.model.accounting.Accounts`) and its collaborators
through the small interfaces of :mod:`sim.model.interfaces`; the model wires them, including the calls that run
against the order of construction (a port's interdiction from the crossings to the enforcement, the courts'
verdicts to the enforcement).

The agents (:mod:`sim.model.agents`) make the decisions: networks recruit and choose crossing points, guides
choose destination and mode, patrols choose waypoints, checkpoints inspect, victims are screened. Delays (pursuits,
vehicle journeys, court stages, releases, member replacement) are Mesa events scheduled on bound methods.

Model time: one Mesa time unit is one step; :attr:`hours` converts. Positions of moving things are continuous
(km); their ``cell`` (row, col) is the cell under them, always a passable one. The model has no Mesa grid: nothing
asks a cell for its agents or neighbours, and the terrain's layers are the world's arrays.
"""

from __future__ import annotations

from typing import Any

import mesa

from sim.model.accounting import Accounts
from sim.model.agents.fixed import Checkpoint, Sensor
from sim.model.agents.patrol import Patrol
from sim.model.agents.trafficker import Network
from sim.model.alerts import AlertDesk
from sim.model.clock import Clock
from sim.model.crossings import Crossings
from sim.model.detection import Detection
from sim.model.enforcement import Enforcement
from sim.model.intel import IntelExchange
from sim.model.interfaces import Timeline
from sim.model.legal import CourtSystem
from sim.model.market import Market
from sim.model.observation import PatrolWatch
from sim.model.patrol_force import PatrolForce
from sim.model.routing import RoutePlanner
from sim.model.streams import Entity, Mechanism, RandomStreams
from sim.scenario import LoadedScenario, load_scenario
from sim.schema import check_run_options
from sim.world import World, build_world


class BorderModel(mesa.Model):
    """Agent-based model of one border sector. See ``docs/model.md`` for the mechanisms.

    Args:
        scenario: a scenario file path, a raw dict, or a :class:`~sim.scenario.LoadedScenario`.
        seed: seed of the run: Mesa's generator (``Model(rng=seed)``) and every mechanism's random streams
            (:class:`~sim.model.streams.RandomStreams`), spawned from it by name.
        overrides: dotted-key overrides (``["patrols.count=12"]`` or ``{"patrols.count": 12}``).
        world: a prebuilt world of the same scenario (saves rebuilding terrain across runs).
        warmup_days: days simulated before the counted period (default: the scenario's ``time.warmup_days``).
    """

    def __init__(
        self,
        scenario: str | dict | LoadedScenario,
        seed: int = 0,
        overrides: list[str] | dict[str, Any] | None = None,
        world: World | None = None,
        warmup_days: int | None = None,
    ):
        check_run_options(seed=seed, warmup_days=warmup_days)
        super().__init__(rng=seed)
        self.loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario, overrides)
        self.spec = s = self.loaded.spec
        self.world = world if world is not None else build_world(self.loaded)
        self.seed = seed
        #: The random streams, one per mechanism (and per entity where its fate should not depend on others').
        self.streams = RandomStreams(seed)
        self.step_hours = s.time.step_minutes / 60.0
        self.steps_per_day = 24.0 / self.step_hours
        self.days_done = 0
        self.warmup_days = s.time.warmup_days if warmup_days is None else int(warmup_days)
        self.in_step = False

        # The components, each given what it needs (never the model); then sensors, checkpoints, patrols, networks.
        self.clock = Clock(s)
        self.timeline = time = Timeline(lambda: self.hours, self.step_hours, schedule=self.schedule_in_hours)
        self.networks: list[Network] = []  # filled below, once the components are there; grows with newcomers
        self.planner = RoutePlanner(
            self.world,
            s.traffickers.walk_speed_kmh,
            s.traffickers.risk_aversion,
            exposure_scale=s.victims.exposure_scale,
            hardship_aversion=s.traffickers.hardship_aversion,
        )
        self.intel = IntelExchange(
            s.agencies,
            self.streams.keyed(Mechanism.RECORDS, Entity.AGENCIES, 0),
            self.streams.keyed(Mechanism.RECORDS, Entity.AGENCIES, 1),
        )
        w, streams, intel, networks = self.world, self.streams, self.intel, self.networks
        sensors = [Sensor(self, site) for site in w.sensors]
        self.checkpoints = checkpoints = [Checkpoint(self, i) for i in range(len(w.ports))]
        # The courts run on the model's clock and events; their callbacks go to the enforcement, built below.
        self.courts = CourtSystem(self, s.legal, self.steps_per_day, rng=streams[Mechanism.COURTS], keep_history=False)
        courts = self.courts
        self.accounts = books = Accounts(s, w.sensors, time, self._event_step, courts, checkpoints, networks, intel)
        self.patrol_force = force = PatrolForce(
            w,
            s.patrols,
            s.agencies,
            s.traffickers,
            time,
            books,
            intel,
            self.planner,
            make_patrol=lambda index, agency, beat: Patrol(self, index, agency, beat),
        )
        force.deploy()
        self.patrol_watch = PatrolWatch(w, s.traffickers, force.on_duty)
        self.market = Market(s.crossers, s.traffickers, self.networks, books, streams)
        self.crossings = Crossings(
            w,
            s.traffickers,
            s.victims,
            s.crossers,
            self.clock,
            time,
            self.planner,
            books,
            intel,
            checkpoints,
            self.patrol_watch,
            networks,
            interdict=self._interdict,
            choose_network=self.market.choose_network,
        )
        self.enforcement = enforcement = Enforcement(
            s.legal,
            s.victims,
            s.patrols,
            s.agencies,
            w,
            time,
            books,
            intel,
            courts,
            self.crossings,
            checkpoints,
            networks,
            place_patrol=force.place,
        )
        courts.on_verdict, courts.on_witness_lost = enforcement.on_verdict, enforcement.on_witness_lost
        courts.on_release = courts.on_abscond = enforcement.on_case_change
        first_agency, desk = s.agencies.members[0].name, AlertDesk(s.surveillance, w, streams)  # first: unowned alerts
        self.detection = Detection(w, s.patrols, first_agency, self.clock, time, sensors, books, intel, force, desk)
        self.networks.extend(Network(self, i) for i in range(s.traffickers.networks))
        for network in self.networks:
            network.staff()

    # ------------------------------------------------------------------ time
    @property
    def hours(self) -> float:
        return self.time * self.step_hours

    @property
    def days(self) -> float:
        return self.hours / 24.0

    def hours_to_steps(self, hours: float) -> float:
        return hours / self.step_hours

    def schedule_in_hours(self, callback, hours: float) -> None:
        """Run ``callback()`` ``hours`` from now (a Mesa event)."""
        self.schedule_event(callback, after=self.hours_to_steps(hours))

    def _interdict(self, group, patrol, cause: str) -> bool:
        """The crossings' call into the enforcement, which is built after them."""
        return self.enforcement.interdict(group, patrol, cause)

    def _event_step(self) -> int:
        """The call of ``step()`` an event happening now belongs to: this one, or between steps the next."""
        return self.steps if self.in_step else self.steps + 1

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One step of ``time.step_minutes``, in this order:

        1. patrol shifts change (who is on duty);
        2. the market shares the demand; networks take on people (migrants, victims) and send out full groups;
        3. groups on foot or in tunnels move along their routes (rides to drop-offs and from pick-ups are events);
           exposure deaths (by the clock: day or night, season); where they cross the line;
        4. patrols move toward their waypoints (traffickers who watch note where they are);
        5. detection integrated over the step (sensors along each group's path, patrols over the
           relative motion), at a moment drawn within the step; alerts dispatched from that moment,
           pursuits that end within the step settled at once, later ones scheduled as events;
        6. groups still free that have left the border zone have crossed; those at their destination arrive;
        7. checkpoints process legitimate traffic (false alarms);
        8. once a day: network economics, intel pruning, the daily outcome row (or, ending the warm-up, the books open).
        Scheduled events (pursuits, vehicle journeys, court stages) run between steps at their own times.
        """
        dt = self.step_hours
        self.in_step = True
        self.accounts.forget_old_events(self.steps)
        self.patrol_force.update_shifts()
        self.market.step(dt)
        moving = [g for g in self.crossings.groups.values() if g.active and g.route is not None and not g.riding]
        for group in moving:
            group.guide.advance(dt)
        patrol_path = self.patrol_force.move(dt)
        self.patrol_watch.observe(patrol_path, self.hours - dt, self.hours)  # Mesa's clock is at the step's end
        self.detection.detect(moving, patrol_path)
        for group in moving:
            self.crossings.settle(group)
        for checkpoint in self.checkpoints:
            checkpoint.process_traffic(dt)
        while self.hours >= 24.0 * (self.days_done + 1) - 1e-9:
            self.days_done += 1
            self.end_of_day()
        self.in_step = False

    def end_of_day(self) -> None:
        """Network economics, intel pruning; the day's row (day 1 = the first counted day), or, at the end of the
        ``time.warmup_days`` simulated and not counted, the books and crossing records start afresh."""
        for network in self.networks:
            network.update_economics()
        self.intel.prune(self.hours)
        if self.days_done == self.warmup_days:  # the world carries on: people, cases, fees, memories, records
            self.accounts.open_books(self.agents, len(self.crossings.groups))
            self.crossings.log.clear()
        elif self.days_done > self.warmup_days:
            self.accounts.record_day(self.days_done - self.warmup_days)

    # ------------------------------------------------------------------ outcomes
    def outcomes(self) -> dict[str, float]:
        """Every outcome in :data:`sim.metrics.OUTCOMES`, now."""
        return self.accounts.outcomes()

    def victims_by_state(self) -> dict[str, int]:
        return self.accounts.victims_by_state()

    def migrants_by_state(self) -> dict[str, int]:
        return self.accounts.migrants_by_state()
