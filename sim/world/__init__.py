"""The world: everything static about a run (terrain, border, places, sensors, coverage).

Layers, each importing only those before it: :mod:`~sim.world.core` (the types),
:mod:`~sim.world.terrain`, :mod:`~sim.world.border`, :mod:`~sim.world.surveillance`,
:mod:`~sim.world.places`, and :mod:`~sim.world.build`, which assembles them.
"""

from sim.world.build import build_world
from sim.world.core import Cell, NamedCell, SensorSite, World

__all__ = ["Cell", "NamedCell", "SensorSite", "World", "build_world"]
