"""The security-game solver (``sim.model.security_game``): small games whose equilibrium is known in closed form,
the properties every strong Stackelberg equilibrium has, and clear errors on degenerate games."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.security_game import attacker_utilities, defender_utilities, solve_sse

TOL = 1e-6


def test_two_targets_closed_form():
    """Two targets, one resource; the attacker gets ``a_t`` from an uncovered target and 0 from a covered one, the
    defender loses ``d_t`` at an uncovered target and nothing at a covered one.

    To make target 1 a best response the defender needs ``(1 - c1) a1 >= (1 - c2) a2``; with ``c2 = 1 - c1``
    (every resource used) that is ``c1 <= a1 / (a1 + a2)``, and the defender, who gains by covering target 1,
    takes the largest: ``c1 = a1 / (a1 + a2)``, value ``-d1 a2 / (a1 + a2)``. Symmetrically, inducing an attack
    on target 2 gives ``c2 = a2 / (a1 + a2)`` and ``-d2 a1 / (a1 + a2)``. Both give the same coverage, where the
    attacker is indifferent; the SSE is the better of the two values (the tie broken in the defender's favour).

    a = (2, 1), d = (1, 1): coverage (2/3, 1/3), target 1 attacked, defender -1/3, attacker 2/3.
    a = (2, 1), d = (3, 1): the same coverage, but now the defender is better off with the attack on target 2:
    -(1 - 1/3) x 1 = -2/3 against -(1 - 2/3) x 3 = -1.
    """
    eq = solve_sse([0, 0], [2, 1], [0, 0], [-1, -1], 1)
    np.testing.assert_allclose(eq.coverage, [2 / 3, 1 / 3], atol=TOL)
    assert eq.target == 0
    assert eq.defender_value == pytest.approx(-1 / 3, abs=TOL)
    assert eq.attacker_value == pytest.approx(2 / 3, abs=TOL)

    eq = solve_sse([0, 0], [2, 1], [0, 0], [-3, -1], 1)
    np.testing.assert_allclose(eq.coverage, [2 / 3, 1 / 3], atol=TOL)
    assert eq.target == 1
    assert eq.defender_value == pytest.approx(-2 / 3, abs=TOL)


def test_three_targets_closed_form_leaves_the_least_valuable_uncovered():
    """Three targets of value a = (4, 2, 1) to the attacker when uncovered (0 covered), a zero-sum game
    (the defender loses what the attacker wins), one resource.

    The equilibrium makes the attacker indifferent over an attack set S: ``(1 - c_t) a_t = u`` for t in S, so
    ``c_t = 1 - u / a_t``; with every resource used, ``sum_S (1 - u / a_t) = 1`` gives
    ``u = (|S| - 1) / sum_S 1 / a_t``, and S is right when no target outside it is worth more than u uncovered.
    S = {1, 2, 3}: u = 2 / (1/4 + 1/2 + 1) = 8/7 > a_3 = 1, so c_3 < 0: not feasible. S = {1, 2}:
    u = 1 / (1/4 + 1/2) = 4/3 >= a_3 = 1. Coverage (1 - 1/3, 1 - 2/3, 0) = (2/3, 1/3, 0); attacker 4/3,
    defender -4/3.
    """
    eq = solve_sse([0, 0, 0], [4, 2, 1], [0, 0, 0], [-4, -2, -1], 1)
    np.testing.assert_allclose(eq.coverage, [2 / 3, 1 / 3, 0.0], atol=TOL)
    assert eq.attacker_value == pytest.approx(4 / 3, abs=TOL)
    assert eq.defender_value == pytest.approx(-4 / 3, abs=TOL)


def test_more_resources_than_targets_need_not_cover_everything_in_a_general_sum_game():
    """Two targets, two resources. Target 1: the attacker gets 1 uncovered, 0 covered; the defender -200 and -100.
    Target 2: the attacker 1 uncovered, -5 covered; the defender -1 and 0.

    Covering both fully leaves the attacker 0 at target 1 and -5 at target 2: he attacks target 1 and the defender
    gets -100. Keeping target 1 covered and covering target 2 with c2 leaves the attacker 1 - 6 c2 there, a best
    response while c2 <= 1/6; the defender then gets -(1 - c2), best at c2 = 1/6: -5/6, far better than -100.
    """
    eq = solve_sse([0, -5], [1, 1], [-100, 0], [-200, -1], 2)
    np.testing.assert_allclose(eq.coverage, [1.0, 1 / 6], atol=TOL)
    assert eq.target == 1
    assert eq.defender_value == pytest.approx(-5 / 6, abs=TOL)


def test_resources_the_equilibrium_does_not_need_go_where_the_attacker_would_turn_next():
    """Three targets, 1.5 resources. Target 1 is worth 10 to the attacker uncovered and still 9 covered; targets 2
    and 3 are worth 5 and 4.5 uncovered, 0 covered; the defender loses 1 at an uncovered target, 0 at a covered one.

    The attacker takes target 1 whatever the coverage (9 > 5), and the defender's best is to cover it fully (value
    0). The half resource left changes neither side's equilibrium payoff; it goes to lower the attacker's best
    payoff among the other targets, equal at 2 and 3: ``5 (1 - c2) = 4.5 (1 - c3)`` with ``c2 + c3 = 1/2`` gives
    ``c2 = 2.75 / 9.5``, ``c3 = 1/2 - c2`` (not all of it on target 2, the attacker's second choice).
    """
    eq = solve_sse([9, 0, 0], [10, 5, 4.5], [0, 0, 0], [-1, -1, -1], 1.5)
    c2 = 2.75 / 9.5
    np.testing.assert_allclose(eq.coverage, [1.0, c2, 0.5 - c2], atol=TOL)
    assert eq.target == 0 and eq.defender_value == pytest.approx(0.0, abs=TOL)


@pytest.mark.parametrize(("targets", "resources"), [(2, 1), (5, 2), (7, 3.5), (24, 15)])
def test_equal_payoffs_give_uniform_coverage(targets, resources):
    """Identical targets: the attacker attacks the least covered, so the defender covers all alike, m / T each."""
    eq = solve_sse([-2.0] * targets, [3.0] * targets, [0.0] * targets, [-6.0] * targets, resources)
    np.testing.assert_allclose(eq.coverage, np.full(targets, resources / targets), atol=TOL)


def random_game(rng: np.random.Generator, targets: int):
    ua_u = rng.uniform(0, 10, targets)
    ua_c = ua_u - rng.uniform(0, 10, targets)
    ud_c = rng.uniform(-5, 5, targets)
    ud_u = ud_c - rng.uniform(0, 10, targets)
    return ua_c, ua_u, ud_c, ud_u


def value_against(coverage, ua_c, ua_u, ud_c, ud_u) -> float:
    """The defender's payoff against a coverage when the attacker best-responds, ties in the defender's favour."""
    ua = attacker_utilities(coverage, ua_c, ua_u)
    best = np.flatnonzero(ua >= ua.max() - 1e-9)
    return float(defender_utilities(coverage, ud_c, ud_u)[best].max())


@pytest.mark.parametrize("seed", range(12))
def test_random_games_coverage_is_feasible_a_best_response_and_optimal(seed):
    """Random general-sum games: the coverage lies in [0, 1] and sums to at most m, the target is a best response,
    and no feasible coverage tried (200 random ones, the uniform one) gives the defender more."""
    rng = np.random.default_rng(seed)
    targets = int(rng.integers(2, 9))
    resources = float(rng.uniform(0.5, targets - 0.5))
    game = random_game(rng, targets)
    eq = solve_sse(*game, resources)
    assert (eq.coverage >= -TOL).all() and (eq.coverage <= 1 + TOL).all()
    assert eq.coverage.sum() <= resources + TOL
    ua = attacker_utilities(eq.coverage, game[0], game[1])
    assert ua[eq.target] >= ua.max() - TOL
    assert eq.defender_value == pytest.approx(value_against(eq.coverage, *game), abs=1e-5)
    tries = [np.full(targets, resources / targets)]
    for _ in range(200):
        c = rng.uniform(0, 1, targets)
        tries.append(c * min(1.0, resources / c.sum()))
    assert max(value_against(c, *game) for c in tries) <= eq.defender_value + 1e-5


@pytest.mark.parametrize("resources", [3, 4, 10.5])
def test_enough_resources_cover_every_target_when_a_covered_target_costs_the_defender_nothing(resources):
    """With m >= T and nothing lost at a covered target (the patrols' game), full coverage is the equilibrium."""
    eq = solve_sse([-1, 0, -3], [4, 2, 1], [0, 0, 0], [-4, -2, -1], resources)
    np.testing.assert_allclose(eq.coverage, [1, 1, 1], atol=TOL)
    assert eq.defender_value == pytest.approx(0.0, abs=TOL)


@pytest.mark.parametrize(
    ("game", "message"),
    [
        (([], [], [], [], 1), "no targets"),
        (([0, 0], [1], [0, 0], [-1, -1], 1), "one entry per target"),
        (([0, float("nan")], [1, 1], [0, 0], [-1, -1], 1), "attacker_covered must be finite"),
        (([0, 0], [1, 1], [0, 0], [-1, -1], -1), "resources must be a finite number >= 0"),
        (([0, 0], [1, 1], [-2, 0], [-1, -1], 1), "covering target 0 lowers the defender's payoff"),
        (([0, 2], [1, 1], [0, 0], [-1, -1], 1), "covering target 1 raises the attacker's payoff"),
        (([[0, 0]], [[1, 1]], [[0, 0]], [[-1, -1]], 1), "1-D sequence"),
    ],
)
def test_degenerate_games_get_a_clear_error(game, message):
    with pytest.raises(ValueError, match=message):
        solve_sse(*game)
