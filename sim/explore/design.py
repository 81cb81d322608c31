"""The design of an exploration: SALib's samples of the uncertain keys, and the run tasks they make.

:func:`make_design` draws the points with SALib (``SALib.sample.morris`` trajectories, ``SALib.sample.sobol``
Saltelli points without second-order terms, ``SALib.sample.latin`` for a Latin hypercube), from the
exploration's sampling seed, so the same file always gives the same design. A whole-number key's sampled
values are rounded (the scenario needs whole numbers); the analysis keeps the unrounded design, whose steps
SALib's estimators expect.

:func:`build_tasks` turns every design point into runs: each point under each policy and each replication,
replication ``i`` of every point and policy with seed ``i`` of the experiment's root seed (common random
numbers across policies and across points: the differences between policies on a point, and between the
points of a Morris trajectory, are paired). A run's ``sweep_point`` is its point's index, so the result
store, resuming and the run keys are those of :mod:`sim.experiment`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiment.backends import RunTask
from sim.experiment.execute import build_tasks as experiment_tasks
from sim.explore.spec import Exploration

#: Column of the samples table naming a design point.
SAMPLE = "sample"


@dataclass(frozen=True)
class Design:
    """The points of an exploration.

    Attributes:
        problem: SALib's problem (names, bounds, distributions).
        raw: the points as SALib drew them (one row a point), for the analysis.
        samples: the points as run (whole-number keys rounded), one row a point, a column per key and ``sample``.
    """

    problem: dict
    raw: np.ndarray
    samples: pd.DataFrame


def salib_problem(exploration: Exploration) -> dict:
    """SALib's problem: every uncertain key with its bounds and distribution."""
    return {
        "num_vars": len(exploration.uncertainties),
        "names": exploration.keys,
        "bounds": [u.bounds for u in exploration.uncertainties],
        "dists": [u.dist for u in exploration.uncertainties],
    }


def make_design(exploration: Exploration) -> Design:
    """Draw the exploration's design points with SALib."""
    problem = salib_problem(exploration)
    seed = exploration.sample_seed
    if exploration.method == "morris":
        from SALib.sample import morris

        raw = morris.sample(problem, exploration.size, num_levels=exploration.levels, seed=seed)
    elif exploration.method == "sobol":
        from SALib.sample import sobol

        raw = sobol.sample(problem, exploration.size, calc_second_order=False, seed=seed)
    else:
        from SALib.sample import latin

        raw = latin.sample(problem, exploration.size, seed=seed)
    samples = pd.DataFrame(raw, columns=exploration.keys)
    for u in exploration.uncertainties:
        if u.integer:
            samples[u.key] = np.rint(samples[u.key]).astype(int)
    samples.insert(0, SAMPLE, np.arange(len(samples)))
    return Design(problem, np.asarray(raw, dtype=float), samples)


def point_values(design: Design, index: int) -> dict:
    """The overrides of one design point: key -> value (a Python int for whole-number keys)."""
    columns = [c for c in design.samples.columns if c != SAMPLE]
    return {k: _plain(design.samples[k].iloc[index]) for k in columns}


def _plain(value: np.generic) -> int | float:
    return int(value) if isinstance(value, np.integer) else float(value)


def build_tasks(exploration: Exploration, design: Design) -> list[RunTask]:
    """Every run of the exploration, replication by replication, point by point, policy by policy: the
    experiment's runs (:func:`sim.experiment.execute.build_tasks`) with the design's points as its sweep."""
    points = [point_values(design, i) for i in range(len(design.samples))]
    return experiment_tasks(exploration.experiment, points)
