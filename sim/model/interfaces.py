"""What the model's components are given: the run's time line, the books they report to, and the small
interfaces through which they call each other.

No component takes the model. :class:`~sim.model.border_model.BorderModel` builds each one with the parts of
the scenario it reads, the world, the random streams it draws from, a :class:`Timeline`, the :class:`Ledger`
and its collaborators, typed by the protocols below (a component offers what a protocol names; a test can
give a stand-in of its own). Calls that run against the order of construction (interdiction from a port to the
enforcement built after the crossings, verdicts from the courts to the enforcement) are callbacks the model
wires.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from sim.model.accounting import Tallies
    from sim.model.agents.patrol import Patrol
    from sim.model.agents.person import Person
    from sim.model.agents.trafficker import Group, Network
    from sim.model.response import Alert
    from sim.world import Cell


@dataclass(frozen=True)
class Timeline:
    """Model time of a run, in hours, and the scheduling of delayed consequences.

    Args:
        now_h: model time now (hours since the start of the run; during a step, the step's end).
        step_hours: the length of a step (hours).
        schedule: ``schedule(callback, after_hours)`` runs ``callback()`` that many hours from now.
    """

    now_h: Callable[[], float]
    step_hours: float
    schedule: Callable[[Callable[[], None], float], None]

    @property
    def hours(self) -> float:
        return self.now_h()

    @property
    def days(self) -> float:
        return self.now_h() / 24.0

    def step_start_h(self) -> float:
        """Model time at the start of the current step (during a step the clock is already at its end)."""
        return self.now_h() - self.step_hours


class Ledger(Protocol):
    """The books the mechanisms report to (:class:`~sim.model.accounting.Accounts`)."""

    #: The counted facts, by declared name (:data:`sim.metrics.TALLIES`).
    counters: Tallies

    def note_event(self, kind: str, x_km: float, y_km: float) -> None:
        """A detection or an interdiction at a point, for displays of the current step."""

    def sentence_started(self, day: float, days: float) -> None:
        """A prison sentence of ``days`` started on ``day``."""


class PortInspection(Protocol):
    """A port's checkpoint as the crossings and the enforcement see it (:class:`~sim.model.agents.fixed.Checkpoint`)."""

    agency: str
    queue_wait_h: float

    def inspect(self, group: Group) -> bool:
        """Secondary inspection of a vehicle carrying ``group``: whether the hidden people are found."""


class Lookouts(Protocol):
    """What watching networks know of patrols along the line (:class:`~sim.model.observation.PatrolWatch`)."""

    enabled: bool

    def in_sight_now(self, border_cell: Cell) -> float:
        """Patrols in sight of a line cell over the last step observed."""


class Journeys(Protocol):
    """The ends of crossing attempts, for the enforcement (:class:`~sim.model.crossings.Crossings`)."""

    def in_focus(self, x_km: float) -> bool:
        """Whether a point lies in ``border.focus_sector``."""

    def turn_back(self, person: Person, network: Network) -> None:
        """A person who scattered goes back to the staging area."""

    def finish(self, group: Group, result: str, guide_held: bool = False) -> None:
        """A crossing attempt ends with ``result``."""


class Responders(Protocol):
    """The patrols that answer detections, for the detection (:class:`~sim.model.patrol_force.PatrolForce`)."""

    patrols: Sequence[Patrol]

    def on_duty(self) -> np.ndarray:
        """Which patrols are on duty (bool per patrol)."""

    def dispatch(self, alert: Alert, agencies: list[str]) -> None:
        """Send the nearest free patrol of ``agencies`` to an alert."""

    def response_goal(self, alert: Alert) -> tuple[Cell, int, bool] | None:
        """Where a responder drives to pick up the trail."""

    def pursue(self, patrol: Patrol, alert: Alert, goal: tuple[Cell, int, bool] | None) -> None:
        """A patrol drives to the goal and tracks the group."""

    def answer_false_alarm(self, x_km: float, y_km: float, when_h: float, agencies: list[str]) -> None:
        """Send the nearest free patrol of ``agencies`` to look at a false alarm's spot."""


#: Interdiction, called by the crossings when a port's inspection finds a group:
#: ``interdict(group, patrol, cause)`` (:meth:`sim.model.enforcement.Enforcement.interdict`).
Interdict = Callable[["Group", "Patrol | None", str], bool]
