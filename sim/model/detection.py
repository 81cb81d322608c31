"""Detection as a hazard rate integrated over time (Koopman 1946; Washburn, *Search and Detection*).

Every detector contributes a hazard rate lambda(x) [per hour]; the probability of detection while
a target spends times dt_i in cells x_i is ``1 - exp(-sum lambda(x_i) dt_i)``. This one rule serves
fixed sensors (through the coverage raster, integrated along the cells a group passes) and mobile
patrols (integrated exactly over the relative straight-line motion of patrol and group within a
step), which makes results independent of the step length.

Patrol kernel: ``lambda(d) = rate * concealment * (1 - d^2 / R^2)`` for ``d < R``, zero beyond:
a detector that is best close by and fades to nothing at its range. With a very large rate it is
Koopman's definite-range ("cookie-cutter") detector of sweep width ``W = 2R``.
"""

from __future__ import annotations

import numpy as np


def patrol_exposure(
    group_start: np.ndarray,
    group_end: np.ndarray,
    patrol_start: np.ndarray,
    patrol_end: np.ndarray,
    range_km: float,
) -> np.ndarray:
    """Integral over one step of ``(1 - d(s)^2 / R^2)`` where inside range, for every group-patrol pair.

    Both move in straight lines at constant speed within the step, so their separation is
    ``r(s) = a + b s`` for ``s`` in [0, 1], and the integral of the quadratic kernel over the time
    the separation is below ``R`` has a closed form. Multiply by ``rate * concealment * dt_hours``
    to get the hazard.

    Args:
        group_start, group_end: (..., G, 2) positions in km at the start and end of the step.
        patrol_start, patrol_end: (..., P, 2) positions in km. Leading dimensions (sub-steps, say)
            are matched between groups and patrols.
        range_km: detection range R.

    Returns:
        (..., G, P) array of step fractions weighted by the kernel, in [0, 1].
    """
    a = group_start[..., :, None, :] - patrol_start[..., None, :, :]  # (..., G, P, 2) separation at s = 0
    b = (group_end - group_start)[..., :, None, :] - (patrol_end - patrol_start)[..., None, :, :]
    aa = np.einsum("...k,...k->...", a, a)
    ab = np.einsum("...k,...k->...", a, b)
    bb = np.einsum("...k,...k->...", b, b)
    r2 = range_km * range_km
    lo = np.zeros_like(aa)
    hi = np.ones_like(aa)
    moving = bb > 1e-12
    # Solve bb s^2 + 2 ab s + (aa - r2) < 0 for the moving pairs.
    disc = ab * ab - bb * (aa - r2)
    meets = moving & (disc > 0)
    root = np.sqrt(np.where(meets, disc, 0.0))
    safe_bb = np.where(moving, bb, 1.0)
    s1 = (-ab - root) / safe_bb
    s2 = (-ab + root) / safe_bb
    lo = np.where(meets, np.clip(s1, 0.0, 1.0), lo)
    hi = np.where(meets, np.clip(s2, 0.0, 1.0), hi)
    inside = np.where(moving, meets, aa < r2)
    lo = np.where(inside, lo, 0.0)
    hi = np.where(inside, hi, 0.0)
    width = hi - lo
    integral_d2 = aa * width + ab * (hi * hi - lo * lo) + bb * (hi**3 - lo**3) / 3.0
    return np.clip(width - integral_d2 / r2, 0.0, 1.0)


def detection_probability(hazard: np.ndarray | float) -> np.ndarray | float:
    """``1 - exp(-H)``, the chance that a hazard ``H`` (rate x time, summed) yields a detection."""
    return -np.expm1(-np.asarray(hazard))
