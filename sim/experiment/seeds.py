"""Seeds for replications: common random numbers across policies.

Replication ``i`` of every policy (and every sweep point) runs with the same seed, so the
difference between two policies in replication ``i`` is not blurred by different random
draws (common random numbers; Law, *Simulation Modeling and Analysis*, 5th ed., section 11.2).
The seeds are spawned from the experiment's root seed with :class:`numpy.random.SeedSequence`,
which guarantees independent, well-mixed streams for the replications.
"""

from __future__ import annotations

import numpy as np


def replication_seeds(root_seed: int, replications: int) -> list[int]:
    """The run seed of each replication, derived from ``root_seed``.

    Args:
        root_seed: the experiment's ``root_seed`` (a non-negative whole number).
        replications: number of replications.

    Returns:
        One seed per replication, each a whole number in ``[0, 2**32)`` that can be passed to
        ``bordersim run --seed`` to reproduce that replication.
    """
    children = np.random.SeedSequence(root_seed).spawn(replications)
    return [int(child.generate_state(1)[0]) for child in children]
