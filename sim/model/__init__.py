"""The model: agents, the components that carry out the mechanisms, and the order of a step.

:class:`~sim.model.border_model.BorderModel` wires the components and writes out the step; each
mechanism lives in a module of its own (see ``docs/architecture.md``).
"""

from sim.model.border_model import BorderModel

__all__ = ["BorderModel"]
