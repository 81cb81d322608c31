"""The ``[scenario]`` table: the scenario's name and description."""

from __future__ import annotations

from dataclasses import dataclass

from sim.schema import INPUT, spec


@dataclass(frozen=True)
class Meta:
    name: str = spec(doc="Short name of the scenario, used in reports and file names.", source=INPUT)
    description: str = spec("", doc="What the scenario represents, in a sentence or two.", source=INPUT)
