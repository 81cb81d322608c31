"""The world: everything static about a run (terrain, border, places, sensors, coverage).

Layers, each importing only those before it: :mod:`~sim.world.core` (the types),
:mod:`~sim.world.terrain`, :mod:`~sim.world.surveillance` (it is handed the border line, and the border
draws its line's cells with its :func:`~sim.world.surveillance.path_cells`), :mod:`~sim.world.border`,
:mod:`~sim.world.places`, and :mod:`~sim.world.build`, which assembles them.
"""

from sim.world.build import build_world, load_world
from sim.world.core import Cell, NamedCell, SensorSite, World

__all__ = ["Cell", "NamedCell", "SensorSite", "World", "build_world", "load_world"]
