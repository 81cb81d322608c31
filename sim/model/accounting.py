"""Accounting: what a run counts, what it costs, and its outcomes now.

:class:`Accounts` keeps the tallies the mechanisms report to (event counters, victims by state,
the days support and prison sentences started) and the events of the current step for displays.
It turns them into the flat *measures* from which every outcome declared in :mod:`sim.metrics` is
computed, and writes the daily series. It decides nothing.

It is given what it reads, never the model: the scenario (for the prices), the world's sensors, the run's
:class:`~sim.model.interfaces.Timeline`, which call of ``step()`` an event belongs to, and the courts,
checkpoints, networks and intelligence exchange whose figures the measures include. The mechanisms report to
it through :class:`~sim.model.interfaces.Ledger` (its counters, :meth:`Accounts.note_event`,
:meth:`Accounts.sentence_started`); the people, as agents, through :meth:`Accounts.person_changed`.

A warm-up (``time.warmup_days``) ends with :meth:`Accounts.open_books`: the books start afresh while the world
carries on. Events are counted when they happen, so every count (tallies, court figures, checkpoints' and
records' counts) and every cost covers the counted period alone; stocks (people waiting, in transit, held or
exploited at the destination, open cases, active members, fees, records held) are read at the end, whenever
what they hold began; the survival means (days to verdict, days to dismantle) follow the cases and networks
whose clock started in the counted period. docs/model.md ("Warm-up") gives the rule outcome by outcome.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.metrics import CHARGES, MEDIAN_METHODS, OUTCOMES, TALLIES
from sim.model.agents.person import Person, PersonState
from sim.model.agents.trafficker import TraffickerStatus
from sim.model.legal import kaplan_meier_mean

if TYPE_CHECKING:
    from sim.model.agents.fixed import Checkpoint
    from sim.model.agents.trafficker import Network, Trafficker
    from sim.model.intel import IntelExchange
    from sim.model.interfaces import Timeline
    from sim.model.legal import CourtSystem
    from sim.scenario import Scenario
    from sim.world import SensorSite


#: The states a person's story ends in: a person in one of them at the end of a warm-up leaves the books.
CLOSED_STATES = frozenset({PersonState.DIED, PersonState.STOPPED, PersonState.RESCUED, PersonState.SUPPORTED})


class Tallies(dict):
    """The facts a run counts, by name: only the names declared in :data:`sim.metrics.TALLIES`.

    Every declared tally starts at 0; reading or writing a name that is not declared raises ``KeyError``
    naming it, so a misspelt tally fails at once instead of silently counting, or reading, 0.
    """

    def __init__(self) -> None:
        super().__init__(dict.fromkeys(TALLIES, 0))

    def __missing__(self, name: str) -> float:
        raise KeyError(f"{name!r} is not a declared tally (sim.metrics.TALLIES)")

    def __setitem__(self, name: str, value: float) -> None:
        if name not in TALLIES:
            raise KeyError(f"{name!r} is not a declared tally (sim.metrics.TALLIES)")
        super().__setitem__(name, value)


class Accounts:
    """The run's tallies, its cost and its outcomes (:data:`sim.metrics.OUTCOMES`).

    Args:
        spec: the scenario (the prices of its resources, the victims' support).
        sensors: the world's sensor sites (their running and capital costs).
        timeline: model time.
        event_step: the call of ``step()`` an event noted now belongs to (the next one between steps).
        courts, checkpoints, networks, intel: whose figures the measures include (``networks`` may grow).
    """

    def __init__(
        self,
        spec: Scenario,
        sensors: Sequence[SensorSite],
        timeline: Timeline,
        event_step: Callable[[], int],
        courts: CourtSystem,
        checkpoints: Sequence[Checkpoint],
        networks: Sequence[Network],
        intel: IntelExchange,
    ):
        self.spec, self.sensors, self.timeline, self.event_step = spec, sensors, timeline, event_step
        self.courts, self.checkpoints, self.networks, self.intel = courts, checkpoints, networks, intel
        #: The facts the mechanisms count (:data:`sim.metrics.TALLIES`).
        self.counters = Tallies()
        # People by state: trafficking victims and smuggled migrants apart.
        self.victim_counts: Counter = Counter(dict.fromkeys(PersonState, 0))
        self.migrant_counts: Counter = Counter(dict.fromkeys(PersonState, 0))
        # For the cost: when each supported victim entered support, and each prison sentence (start, days).
        self.support_started_days: list[float] = []
        self.sentences: list[tuple[float, float]] = []
        self.timeseries: list[dict] = []
        # (kind, x_km, y_km) of detections and interdictions during the last call to step(), including
        # the scheduled events that ran before the step itself (for animation and the app).
        self.recent_events: list[tuple[str, float, float]] = []
        self._event_steps: list[int] = []
        #: Model day at which the counted period began (0 without a warm-up; set by :meth:`open_books`).
        self.counted_from_day = 0.0
        #: What a warm-up leaves under way into the counted period: victims and migrants on the books, and
        #: groups under way (their attempts were counted in the warm-up, how they end is counted now).
        self.carried = {"victims": 0, "migrants": 0, "groups": 0}
        self._off_books: set[int] = set()  # id() of the people whose story ended during the warm-up
        self._opening: dict[str, float] = {}  # counts other parts keep, as they stood when the books opened
        # Members active at the ends of the counted days, summed, and the days: their mean is the capacity.
        self._member_days = 0.0
        self._days_counted = 0

    # -- the end of a warm-up -----------------------------------------------------------------------
    def open_books(self, agents: Iterable[object], groups_under_way: int = 0) -> None:
        """Start the books afresh now, at the end of a warm-up; the world carries on.

        The tallies restart at 0; the counts the courts, checkpoints and records keep are read from now on (the
        courts restart theirs, the others' are read as their change since now); costs accrue from now. Of the people
        among ``agents`` (every person taken on so far), those whose story is over (dead, deterred, rescued or
        supported: :data:`CLOSED_STATES`) leave the books, and every later change of theirs is ignored; the others
        (waiting, in transit, held, exploited at the destination) are carried, so people by state hold what happened
        to them since and the stocks they are in at the end. ``groups_under_way`` is noted in :attr:`carried`.
        """
        self.counters = Tallies()
        self.counted_from_day = self.timeline.days
        self._member_days, self._days_counted = 0.0, 0
        victims = migrants = 0
        for person in (agent for agent in agents if isinstance(agent, Person)):
            if person.state in CLOSED_STATES:
                self._off_books.add(id(person))
            elif person.trafficked:
                victims += 1
            else:
                migrants += 1
        self.carried = {"victims": victims, "migrants": migrants, "groups": groups_under_way}
        for counts in (self.victim_counts, self.migrant_counts):
            for state in CLOSED_STATES:
                counts[state] = 0
        self.courts.open_books()
        self._opening = {
            "checkpoints.inspections": sum(cp.inspections for cp in self.checkpoints),
            "checkpoints.wrongful_detentions": sum(cp.wrongful_detentions for cp in self.checkpoints),
        } | {k: v for k, v in self.intel.measures().items() if k in _RECORD_COUNTS}

    def on_books(self, person: Person) -> bool:
        """Whether ``person`` is counted (not one whose story ended during a warm-up)."""
        return id(person) not in self._off_books

    def _since_opening(self, name: str, now: float) -> float:
        """A count another part keeps, less what it stood at when the books opened."""
        return now - self._opening.get(name, 0)

    # -- events of the current step, for displays ---------------------------------------------------
    def note_event(self, kind: str, x_km: float, y_km: float) -> None:
        """Record a detection or interdiction for this call of ``step()`` (events between steps included)."""
        self.recent_events.append((kind, x_km, y_km))
        self._event_steps.append(self.event_step())

    def forget_old_events(self, step: int) -> None:
        """Keep only the events of call ``step`` of ``step()`` (the one starting)."""
        keep = [i for i, noted in enumerate(self._event_steps) if noted == step]
        self.recent_events = [self.recent_events[i] for i in keep]
        self._event_steps = [self._event_steps[i] for i in keep]

    # -- people -----------------------------------------------------------------------------------------
    def person_changed(self, person: Person, old: PersonState | None, new: PersonState) -> None:
        """A person entered state ``new`` (from ``old``, or newly taken on).

        Support that starts is priced whoever the person is; a person who left the books at the end of a
        warm-up (:meth:`open_books`) is not counted otherwise.
        """
        if new is PersonState.SUPPORTED and old is not PersonState.SUPPORTED:
            self.support_started_days.append(self.timeline.days)
        if id(person) in self._off_books:
            return
        counts = self.victim_counts if person.trafficked else self.migrant_counts
        if old is not None:
            counts[old] -= 1
        else:
            self.counters["victims_taken_on" if person.trafficked else "migrants_taken_on"] += 1
        counts[new] += 1
        if new is PersonState.ARRIVED:
            self.counters["people_arrived"] += 1

    def person_retyped(self, migrant: Person) -> None:
        """A smuggled migrant fell into debt bondage: counted among the victims from now on."""
        if id(migrant) in self._off_books:
            return
        self.migrant_counts[migrant.state] -= 1
        self.victim_counts[migrant.state] += 1
        self.counters["victims_in_debt_bondage"] += 1

    def sentence_started(self, day: float, days: float) -> None:
        """A prison sentence of ``days`` started on ``day`` (for the cost of prisons)."""
        self.sentences.append((day, days))

    def victims_by_state(self) -> dict[str, int]:
        return {state.value: int(self.victim_counts[state]) for state in PersonState}

    def migrants_by_state(self) -> dict[str, int]:
        return {state.value: int(self.migrant_counts[state]) for state in PersonState}

    # -- cost -------------------------------------------------------------------------------------------
    def cost_items(self) -> dict[str, float]:
        """The cost so far of every resource the scenario uses, by item (:data:`sim.metrics.COST_ITEMS`).

        Running costs accrue with time (sensors, investigators, sharing, courts) or with use (patrol
        hours on duty, secondary inspections, accused-days in pretrial detention, prisoner-days of the
        sentences served so far, victim-days of support up to ``victims.support_days`` each); capital
        costs of sensors are spread evenly over their service life. Only what is spent in the counted period
        counts (after a warm-up: the days of a sentence or of support that fall in it).
        """
        s, c = self.spec, self.counters
        now, start = self.timeline.days, self.counted_from_day
        years = (now - start) / 365.0
        sentences = np.array(self.sentences, dtype=float).reshape(-1, 2)
        prison_days = _overlap_days(sentences[:, 0], sentences[:, 1], start, now)
        started = np.array(self.support_started_days, dtype=float)
        support_days = _overlap_days(started, np.full(started.shape, float(s.victims.support_days)), start, now)
        per_support_day = (
            s.victims.cost_per_support_day_strong
            if s.victims.protection == "strong"
            else s.victims.cost_per_support_day
        )
        agencies = s.agencies
        checkpoints, courts, sensors = self.checkpoints, self.courts, self.sensors
        return {
            "patrols": c["patrol_hours"] * s.patrols.cost_per_hour,
            "sensors_operation": sum(x.cost_per_year for x in sensors) * years,
            "sensors_capital": sum(x.capital_cost_per_year for x in sensors) * years,
            "port_inspections": self._since_opening(
                "checkpoints.inspections", sum(cp.inspections for cp in checkpoints)
            )
            * s.checkpoints.cost_per_inspection,
            "investigators": sum(a.investigators * a.cost_per_investigator_per_year for a in agencies.members) * years,
            "intelligence_sharing": (agencies.sharing != "none") * agencies.sharing_cost_per_year * years,
            "joint_team": self.intel.has_joint_team * agencies.joint_team_cost_per_year * years,
            "courts": courts.cost(now - start),
            "pretrial_detention": float(courts.detention_days) * s.legal.cost_per_detention_day,
            "prisons": prison_days / 365.0 * s.legal.cost_per_prison_year,
            "victim_support": support_days * per_support_day,
        }

    # -- outcomes ---------------------------------------------------------------------------------------
    def measures(self, at_work: list[Trafficker] | None = None) -> dict[str, float]:
        """Everything the outcomes are computed from, flat: counters by name, ``victims.<state>`` and
        ``migrants.<state>``, ``courts.*``, ``checkpoints.*``, ``networks.*``, ``records.*`` and ``cost.<item>``.
        ``at_work``: the members at work now, when the caller has just found them (:meth:`members_at_work`)."""
        courts = self.courts
        at_work = self.members_at_work() if at_work is None else at_work
        active = len(at_work)
        m: dict[str, float] = dict(self.counters)
        m.update({f"victims.{state.value}": self.victim_counts[state] for state in PersonState})
        m.update({f"migrants.{state.value}": self.migrant_counts[state] for state in PersonState})
        m.update(
            {
                "courts.convicted": courts.convicted,
                "courts.pleas": courts.pleas,
                "courts.acquitted": courts.acquitted,
                "courts.absconded": courts.absconded,
                "courts.backlog": courts.backlog,
                "courts.days_to_verdict": courts.days_to_verdict_estimate(),
                **{f"courts.median_days_to_disposition_{c}": courts.median_days_to_disposition(c) for c in CHARGES},
                **{f"courts.median_days_to_disposition_{d}": courts.median_days_by_method(d) for d in MEDIAN_METHODS},
                "courts.utilisation": courts.utilisation,
                "checkpoints.wrongful_detentions": self._since_opening(
                    "checkpoints.wrongful_detentions", sum(cp.wrongful_detentions for cp in self.checkpoints)
                ),
                "networks.active_members": active,
                "networks.mean_active_members": (
                    self._member_days / self._days_counted if self._days_counted else active
                ),
                "networks.accused_at_work": sum(m.status is TraffickerStatus.RELEASED for m in at_work),
                "networks.days_to_dismantle": self.days_to_dismantle(),
            }
        )
        m.update({k: self._since_opening(k, v) if k in _RECORD_COUNTS else v for k, v in self.intel.measures().items()})
        m.update({f"cost.{item}": value for item, value in self.cost_items().items()})
        return m

    def days_to_dismantle(self) -> float:
        """Mean days from a network's first arrest to its dismantling: the Kaplan-Meier (1958) restricted mean
        over the networks with an arrest (after a warm-up, a first arrest in the counted period), those still
        standing censored at their time since it; NaN until one is dismantled (the mean is undefined with no
        event)."""
        now, start = self.timeline.days, self.counted_from_day
        pursued = [n for n in self.networks if n.first_arrest_day is not None and n.first_arrest_day >= start]
        if not any(n.dismantled_day is not None for n in pursued):
            return float("nan")
        times = [(n.dismantled_day if n.dismantled_day is not None else now) - n.first_arrest_day for n in pursued]
        return kaplan_meier_mean(np.array(times), np.array([n.dismantled_day is not None for n in pursued]))

    def outcomes(self) -> dict[str, float]:
        """Every outcome in :data:`sim.metrics.OUTCOMES`, now."""
        m = self.measures()
        return {o.name: o.compute(m) for o in OUTCOMES}

    def members_at_work(self) -> list[Trafficker]:
        """Trafficker members at work now, over every network
        (:meth:`~sim.model.agents.trafficker.Network.members_at_work`)."""
        return [member for network in self.networks for member in network.members_at_work()]

    def record_day(self, day: int) -> None:
        """The end of a counted day: its members at work join the period's mean, then the daily row (the outcomes
        declared daily)."""
        at_work = self.members_at_work()
        self._member_days += len(at_work)
        self._days_counted += 1
        m = self.measures(at_work)
        self.timeseries.append({"day": day} | {o.name: o.compute(m) for o in OUTCOMES if o.daily})


#: The counts of the records' measures (the others are stocks: ``records.held``).
_RECORD_COUNTS = frozenset(
    {"records.created", "records.shared", "records.false_matches", "records.false_match_detentions"}
)


def _overlap_days(starts: np.ndarray, lengths: np.ndarray, start: float, now: float) -> float:
    """Days of the spans ``[starts, starts + lengths]`` that fall within ``[start, now]``, summed: the days
    spent by now less those spent by ``start``."""
    return float((np.clip(now - starts, 0.0, lengths) - np.clip(start - starts, 0.0, lengths)).sum())
