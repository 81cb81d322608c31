"""The strong Stackelberg equilibrium of a security game, by one linear programme per attacked target.

A security game (Kiekintveld et al. 2009) has ``T`` targets and a defender with ``m`` resources. The defender
commits to a coverage vector ``c`` in ``[0, 1]^T`` with ``sum(c) <= m`` (the probability that each target is
covered, the compact form of a mixed strategy over assignments of resources to targets); the attacker, who
observes ``c``, attacks the target that serves him best. Each target has four payoffs: the defender's and the
attacker's when the attacked target is covered and when it is not. Against coverage ``c`` an attack on ``t``
gives the attacker ``c_t Ua_cov[t] + (1 - c_t) Ua_unc[t]`` and the defender ``c_t Ud_cov[t] + (1 - c_t)
Ud_unc[t]``.

The strong Stackelberg equilibrium (SSE) is the coverage that maximises the defender's payoff when the attacker
best-responds and breaks ties in the defender's favour. It is found by the multiple-LP method of Conitzer &
Sandholm 2006 in the compact form of Kiekintveld et al. 2009: for every target ``t*``, the linear programme

    maximise    c_t* (Ud_cov[t*] - Ud_unc[t*]) + Ud_unc[t*]
    subject to  Ua(t, c) <= Ua(t*, c)   for every t      (t* is a best response)
                sum(c) <= m,  0 <= c <= 1

gives the best coverage that makes ``t*`` a best response; the best feasible one over all ``t*`` is the SSE
(the constraints are not strict, so a tie goes to ``t*``: the defender's favour). Each is solved by scipy's
``linprog`` (HiGHS). A target whose uncovered payoff to the attacker is below another target's covered payoff
is never a best response and gets no programme.

The programme fixes only the coverage of ``t*`` and what keeps the others below it; a second programme with the
defender's value held chooses among the equilibria (:func:`_spread`): the one that leaves the attacker least,
target by target, so that resources the equilibrium does not need go where the attacker would turn next. Among
targets that give the defender the same best value, the one whose equilibrium covers most is kept, so that
``m >= T`` covers every target whenever full coverage is an equilibrium (it need not be: a defender who loses
at a covered target may do better leaving another target open to draw the attack there).

Pure functions of arrays: no model, no random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

#: Slack (in the defender's payoff units, relative) allowed when the second programme holds the defender's value.
_VALUE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Equilibrium:
    """A strong Stackelberg equilibrium: the coverage, the target attacked and both sides' payoffs."""

    coverage: np.ndarray  # (T,) probability that each target is covered, in [0, 1], summing to at most m
    target: int  # the attacker's best response (ties broken in the defender's favour)
    defender_value: float  # the defender's expected payoff
    attacker_value: float  # the attacker's expected payoff at the target attacked


def _payoffs(name: str, values) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"security game: {name} must be one payoff per target (a 1-D sequence), not {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"security game: {name} must be finite numbers; got {array.tolist()}")
    return array


def check_game(attacker_covered, attacker_uncovered, defender_covered, defender_uncovered, resources: float):
    """The game's payoffs as float arrays, after checking them; ``ValueError`` naming what is wrong.

    Every payoff vector has one finite entry per target (at least one target); resources are a finite number
    >= 0; covering a target never hurts the defender (``defender_covered >= defender_uncovered``) nor helps
    the attacker (``attacker_covered <= attacker_uncovered``), the defining property of a security game.
    """
    ua_c = _payoffs("attacker_covered", attacker_covered)
    ua_u = _payoffs("attacker_uncovered", attacker_uncovered)
    ud_c = _payoffs("defender_covered", defender_covered)
    ud_u = _payoffs("defender_uncovered", defender_uncovered)
    sizes = {len(ua_c), len(ua_u), len(ud_c), len(ud_u)}
    if len(sizes) != 1:
        raise ValueError(
            "security game: the four payoff vectors must have one entry per target each; got lengths "
            f"{len(ua_c)}, {len(ua_u)}, {len(ud_c)}, {len(ud_u)}"
        )
    if not len(ua_c):
        raise ValueError("security game: no targets (the payoff vectors are empty)")
    if not (np.isfinite(resources) and resources >= 0):
        raise ValueError(f"security game: resources must be a finite number >= 0; got {resources}")
    bad = np.flatnonzero(ud_c < ud_u)
    if bad.size:
        raise ValueError(
            f"security game: covering target {int(bad[0])} lowers the defender's payoff "
            f"({ud_c[bad[0]]} covered < {ud_u[bad[0]]} uncovered); a security game needs covered >= uncovered"
        )
    bad = np.flatnonzero(ua_c > ua_u)
    if bad.size:
        raise ValueError(
            f"security game: covering target {int(bad[0])} raises the attacker's payoff "
            f"({ua_c[bad[0]]} covered > {ua_u[bad[0]]} uncovered); a security game needs covered <= uncovered"
        )
    return ua_c, ua_u, ud_c, ud_u


def attacker_utilities(coverage, attacker_covered, attacker_uncovered) -> np.ndarray:
    """The attacker's expected payoff for attacking each target against ``coverage``."""
    c = np.asarray(coverage, dtype=float)
    return c * np.asarray(attacker_covered, dtype=float) + (1.0 - c) * np.asarray(attacker_uncovered, dtype=float)


def defender_utilities(coverage, defender_covered, defender_uncovered) -> np.ndarray:
    """The defender's expected payoff if each target is attacked, against ``coverage``."""
    c = np.asarray(coverage, dtype=float)
    return c * np.asarray(defender_covered, dtype=float) + (1.0 - c) * np.asarray(defender_uncovered, dtype=float)


def _best_response_rows(ua_c: np.ndarray, ua_u: np.ndarray, target: int) -> tuple[np.ndarray, np.ndarray]:
    """``A c <= b`` for ``Ua(t, c) <= Ua(target, c)`` for every other target ``t``."""
    n = len(ua_c)
    delta = ua_c - ua_u  # <= 0: what covering a target takes from the attacker
    others = [t for t in range(n) if t != target]
    a = np.zeros((len(others), n))
    for row, t in enumerate(others):
        a[row, t] = delta[t]
        a[row, target] -= delta[target]
    b = np.array([ua_u[target] - ua_u[t] for t in others])
    return a, b


def solve_sse(attacker_covered, attacker_uncovered, defender_covered, defender_uncovered, resources) -> Equilibrium:
    """The strong Stackelberg equilibrium of a security game (multiple LPs, see the module's docstring).

    Args:
        attacker_covered, attacker_uncovered: the attacker's payoff per target when it is covered / not.
        defender_covered, defender_uncovered: the defender's payoff per target when it is covered / not.
        resources: ``m``, the defender's resources (coverage sums to at most ``m``; ``m >= T`` covers all).

    Raises ``ValueError`` on a degenerate game (:func:`check_game`).
    """
    ua_c, ua_u, ud_c, ud_u = check_game(
        attacker_covered, attacker_uncovered, defender_covered, defender_uncovered, resources
    )
    n = len(ua_c)
    m = min(float(resources), float(n))
    bounds = [(0.0, 1.0)] * n
    total = np.ones((1, n))
    values: dict[int, float] = {}
    # A target whose uncovered payoff to the attacker is below another's covered payoff is never a best response.
    candidates = np.flatnonzero(ua_u >= ua_c.max())
    for target in (int(t) for t in candidates):
        a, b = _best_response_rows(ua_c, ua_u, target)
        objective = np.zeros(n)
        objective[target] = -(ud_c[target] - ud_u[target])  # linprog minimises
        result = linprog(objective, A_ub=np.vstack([a, total]), b_ub=np.concatenate([b, [m]]), bounds=bounds)
        if result.status == 0:  # else no coverage makes this target a best response
            values[target] = float(ud_u[target] - result.fun)
    if not values:  # cannot happen in a valid game: the attacker always has a best response
        raise RuntimeError("security game: no target can be made a best response")
    value = max(values.values())
    tied = [t for t, v in values.items() if v >= value - _VALUE_TOLERANCE * max(1.0, abs(value))]
    # Second programme, for each target that gives the best value: hold that value (the coverage of the target)
    # and the best response, and cover as much as the resources allow; the one covering most is kept.
    coverage = None
    for target in tied:
        candidate = _spread(ua_c, ua_u, ud_c, ud_u, m, target, value)
        if coverage is None or candidate.sum() > coverage.sum() + _VALUE_TOLERANCE:
            coverage = candidate
    ua, ud = attacker_utilities(coverage, ua_c, ua_u), defender_utilities(coverage, ud_c, ud_u)
    best_responses = np.flatnonzero(ua >= ua.max() - _VALUE_TOLERANCE * max(1.0, abs(ua.max())))
    target = int(best_responses[np.argmax(ud[best_responses])])  # ties in the defender's favour
    return Equilibrium(coverage, target, float(ud[target]), float(ua[target]))


def _spread(ua_c, ua_u, ud_c, ud_u, m: float, target: int, value: float) -> np.ndarray:
    """Among the coverages with ``target`` a best response and the defender's value there at least ``value``, the
    one that leaves the attacker least, target by target (the second programme, repeated).

    The attacker's best payoff over all targets is pushed down first (as ORIGAMI spreads resources over the
    targets he is indifferent between; Kiekintveld et al. 2009); the targets that cannot go lower (covered
    fully, or where coverage takes nothing from him) are then held there, and the best payoff over the others
    is pushed down with the resources left, and so on until the resources are used or nothing moves. Resources
    the equilibrium does not need thus go where the attacker would turn next, rather than idle or anywhere.
    """
    n = len(ua_c)
    a, b = _best_response_rows(ua_c, ua_u, target)
    delta = ua_c - ua_u  # <= 0
    hold = np.zeros((1, n))
    hold[0, target] = -(ud_c[target] - ud_u[target])
    floor = value - ud_u[target] - _VALUE_TOLERANCE * max(1.0, abs(value))
    # Variables: the coverage and the level z the free targets' payoffs to the attacker are kept under.
    base = np.hstack([np.vstack([a, np.ones((1, n)), hold]), np.zeros((len(a) + 2, 1))])
    base_b = np.concatenate([b, [m], [-floor]])
    objective = np.zeros(n + 1)
    objective[n] = 1.0
    bounds = [(0.0, 1.0)] * n + [(None, None)]
    free = np.ones(n, dtype=bool)
    held = np.zeros(n)  # the level a held target's payoff is kept under
    coverage = None
    for _ in range(n):
        rows = np.zeros((n, n + 1))
        rows[np.arange(n), np.arange(n)] = delta
        rows[free, n] = -1.0  # Ua(t) = ua_u + delta c_t <= z for a free target; <= its held level otherwise
        limits = np.where(free, -ua_u, held - ua_u)
        result = linprog(objective, A_ub=np.vstack([base, rows]), b_ub=np.concatenate([base_b, limits]), bounds=bounds)
        if result.status != 0:
            break
        coverage, level = result.x[:n], result.x[n]
        tol = _VALUE_TOLERANCE * max(1.0, abs(level))
        if coverage.sum() >= m - 1e-9:
            break
        ua = ua_u + delta * coverage
        stuck = free & (ua >= level - tol - 1e-9) & ((coverage >= 1.0 - 1e-9) | (delta == 0))
        if not stuck.any():
            break
        held[stuck] = level + tol
        free &= ~stuck
        if not free.any():
            break
    if coverage is None:
        raise RuntimeError(f"security game: the second programme failed for target {target}")
    return np.clip(coverage, 0.0, 1.0)
