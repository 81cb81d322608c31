"""Victims: one agent per person, always in exactly one state."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model.border_model import BorderModel


class VictimState(Enum):
    RECRUITED = "recruited"  # waiting at a staging area
    IN_TRANSIT = "in_transit"  # travelling with a group
    DELIVERED = "delivered"  # exploited at destination
    RESCUED = "rescued"  # identified as a victim at interdiction
    DIED = "died"  # died or gravely harmed in transit
    MISIDENTIFIED = "misidentified"  # treated as an offender
    SUPPORTED = "supported"  # in protection and support services


class Victim(mesa.Agent):
    """A trafficked person. Moves with its group; its state changes only through :meth:`set_state`."""

    def __init__(self, model: BorderModel, network_id: int, staging: int):
        super().__init__(model)
        self.network_id = network_id
        self.staging = staging
        self.state = VictimState.RECRUITED
        self.testifies = False
        self.group = None
        model.accounts.victim_changed(None, VictimState.RECRUITED)

    def set_state(self, state: VictimState) -> None:
        self.model.accounts.victim_changed(self.state, state)
        self.state = state

    def identify(self, screening_training: float, protection: str) -> None:
        """Screening at interdiction: rescued (and perhaps a witness) or misidentified."""
        rng = self.model.rng
        self.model.accounts.counters["people_apprehended"] += 1
        if rng.random() < screening_training:
            self.set_state(VictimState.RESCUED)
            self.testifies = bool(rng.random() < self.model.spec.victims.testify_chance(protection))
        else:
            self.set_state(VictimState.MISIDENTIFIED)

    def late_identification(self) -> None:
        """Under a non-punishment policy a misidentified victim may reach support services later."""
        if self.state is not VictimState.MISIDENTIFIED:
            return
        victims = self.model.spec.victims
        if self.model.rng.random() < victims.late_identification_probability:
            self.set_state(VictimState.SUPPORTED)
            chance = victims.late_testimony_factor * victims.testify_chance(victims.protection)
            self.testifies = bool(self.model.rng.random() < chance)
            if self.testifies:
                self.model.accounts.counters["victims_testifying"] += 1

    def enter_support(self) -> None:
        """Rescued victims move into support services when protection is offered."""
        if self.state is VictimState.RESCUED:
            self.set_state(VictimState.SUPPORTED)
