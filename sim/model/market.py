"""The market for crossings: the demand belongs to it, the networks share it, the price deters it.

The demand, ``crossers.per_day``, is the number of people a day who want to cross at the base fee
(``traffickers.fee``): it belongs to the market, not to a network. Every step it is shared among the
networks that are working by their *market weights* (:meth:`Network.market_weight
<sim.model.agents.trafficker.Network.market_weight>`: organisers at large x recruiters at large x the
network's economic activity, each as a share of full strength), so a network that loses its organisers or its
recruiters, or is dismantled, loses its clients to the others rather than losing them altogether. When no
network is working, the people who come wait for one (:attr:`Market.backlog`) and are taken on, all of them,
by the networks working the next time there are any (the newcomer that takes over the trade of a network
headless for ``traffickers.takeover_days``, or a network that finds an organiser again).

The price is the only thing that deters demand. A client of a network charging ``fee`` comes with probability
``(fee / traffickers.fee) ** crossers.price_elasticity`` (a constant-elasticity demand curve: a 1 % rise in the
fee above the base loses ``-price_elasticity`` % of the demand; Gathmann 2008). The people who would have come
at the base fee and did not are tallied as ``demand_deterred``. The fee is set by the networks
(:meth:`Network.update_economics <sim.model.agents.trafficker.Network.update_economics>`) by the pricing rule
:func:`price`: the base fee plus a risk premium.

The market draws who comes, so that paired runs stay paired (:mod:`sim.model.streams`): one Poisson count a
step for all the networks together (one uniform of the market's own recruitment stream, drawn every step, by
inversion), then, for each person, three uniforms of a stream keyed by the person's number in the market
(their ``k``-th place among all the people ever taken on): which network takes them on (by the networks'
expected intakes), their staging area, and whether they are a trafficking victim. A policy that moves the
clients from one network to another (one network dismantled, another's fee raised) then changes who takes
person ``k`` on, not who person ``k`` is, nor how many come: sharing the count out by networks, each with a
Poisson draw of its own, would change both. The law is the same: a Poisson total shared by multinomial
draws is a Poisson count for each network. Expected intake is proportional to the step's length, so the
intake law does not depend on ``time.step_minutes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.model.streams import Entity, Mechanism, RandomStreams, pick_by_weight, poisson_from_uniform

if TYPE_CHECKING:
    from sim.model.agents.trafficker import Network
    from sim.model.interfaces import Ledger
    from sim.scenario import Crossers, Traffickers


def price(base_fee: float, pass_through: float, expected_penalty: float) -> float:
    """The pricing rule (risks and prices, Reuter & Kleiman 1986): ``base_fee + pass_through x expected_penalty``.

    ``expected_penalty`` is per client (:meth:`Network.expected_penalty
    <sim.model.agents.trafficker.Network.expected_penalty>`); ``pass_through`` is the share of it the fee carries.
    Multiplying the expected penalty by ``k`` multiplies the fee by ``1 + (k - 1) x premium / fee``, the
    premium being ``pass_through x expected_penalty``: the risk premium's share of the fee sets the response.
    """
    return base_fee + pass_through * expected_penalty


def deterrence(fee: float | np.ndarray, base_fee: float, elasticity: float) -> float | np.ndarray:
    """Share of the demand at the base fee that still comes at ``fee``: ``(fee / base_fee) ** elasticity``.

    A constant-elasticity demand curve (``elasticity`` <= 0); 1 at the base fee. A fee at or below the base
    deters no one (the share is capped at 1: the demand is the people who want to cross at the base fee).
    """
    ratio = np.maximum(np.asarray(fee, dtype=float) / base_fee, 1.0)
    share = ratio**elasticity
    return float(share) if np.ndim(share) == 0 else share


def market_weights(networks: Sequence[Network]) -> np.ndarray:
    """Each network's market weight (:meth:`Network.market_weight`): its share of the clients is its weight
    over the sum; 0 for a network headless or dismantled."""
    return np.array([network.market_weight() for network in networks], dtype=float)


def choose_network(networks: Sequence[Network], u: float) -> Network | None:
    """A network drawn by market weight (``u``: the uniform draw that decides); None when none is working.

    Dismantled networks (weight 0 for good) are left out before weighing: the same ``u`` picks the same network
    (a weight of 0 adds nothing to the cumulative sums the inversion searches)."""
    return _by_weight([network for network in networks if network.dismantled_day is None], u)


def _by_weight(networks: Sequence[Network], u: float) -> Network | None:
    weights = market_weights(networks)
    if not weights.sum() > 0:
        return None
    return networks[pick_by_weight(weights, u)]


class Market:
    """The demand for crossings, shared among the networks every step and deterred by their fees.

    Args:
        crossers: the ``[crossers]`` table (``per_day``, ``price_elasticity``).
        traffickers: the ``[traffickers]`` table (``fee``, the base fee the demand is stated at).
        networks: the networks (the list grows with newcomers).
        ledger: the books (``demand_deterred`` and ``demand_base`` are tallied here).
        streams: the run's random streams (the market's recruitment stream and each person's).
    """

    def __init__(
        self,
        crossers: Crossers,
        traffickers: Traffickers,
        networks: Sequence[Network],
        ledger: Ledger,
        streams: RandomStreams,
    ):
        self.crossers, self.traffickers, self.networks, self.ledger = crossers, traffickers, networks, ledger
        self.streams = streams
        self._count_rng = streams[Mechanism.RECRUITMENT]
        #: People (expected) who came while no network was working, waiting to be taken on.
        self.backlog = 0.0
        #: People taken on so far: the next person's number in the market (the key of their streams).
        self.taken_on = 0
        #: The last shares (:meth:`intakes`): the demand and the networks' changes they were computed for, each
        #: network's expected intake (read-only), their sum and the demand deterred.
        self._shares: tuple[tuple[float, tuple], np.ndarray, float, float] | None = None
        #: The networks not dismantled, with their places in :attr:`networks` (:meth:`working`), and how many
        #: networks there were when they were listed.
        self._live: list[tuple[int, Network]] = []
        self._listed = 0

    def working(self, recount: bool = True) -> list[tuple[int, Network]]:
        """The networks not dismantled, each with its place in :attr:`networks`.

        A dismantled network never works again: its weight is 0 and it plans nothing, so the market leaves it
        out of its loops (on a long run most networks are dismantled ones). With ``recount`` False, networks
        dismantled since the last count may still be listed (their weight is 0 all the same); newcomers always are.
        """
        networks = self.networks
        if recount:
            self._live = [(i, n) for i, n in self._live if n.dismantled_day is None]
        if self._listed != len(networks):
            listed = self._listed
            self._live += [(i, networks[i]) for i in range(listed, len(networks)) if networks[i].dismantled_day is None]
            self._listed = len(networks)
        return self._live

    def choose_network(self, u: float) -> Network | None:
        """A network drawn by market weight (:func:`choose_network`), among the networks working."""
        return _by_weight([network for _, network in self.working(recount=False)], u)

    def intakes(self, dt_h: float) -> np.ndarray:
        """Each network's expected intake over a step of ``dt_h`` hours (in the order of :attr:`networks`).

        The step's demand at the base fee, ``per_day x dt_h / 24``, plus the backlog, is shared by market
        weight; each network's share is deterred by its own fee (:func:`deterrence`). With no network working
        it all joins the backlog. Tallies the demand at the base fee and the part deterred.
        """
        return self._intakes(dt_h)[0]

    def _intakes(self, dt_h: float) -> tuple[np.ndarray, float]:
        """:meth:`intakes` and their sum. The shares are computed again only when the demand or a network's weight
        or fee may have changed (:attr:`Network.market_version
        <sim.model.agents.trafficker.Network.market_version>`); otherwise the same arithmetic on the same values
        would give the last ones."""
        demand = self.crossers.per_day * dt_h / 24.0
        self.ledger.counters["demand_base"] += demand
        networks, live = self.networks, self.working()
        changes = (len(networks), *((i, network.market_version) for i, network in live))
        if self._shares is not None and self.backlog == 0.0 and self._shares[0] == (demand, changes):
            _, taken, total, deterred = self._shares
            self.ledger.counters["demand_deterred"] += deterred
            return taken, total
        # A dismantled network's weight is 0, so its share is 0 whatever its fee: the arrays are those of every
        # network, with the weights and fees of the networks working.
        weights, fees = np.zeros(len(networks)), np.full(len(networks), self.traffickers.fee)
        for i, network in live:
            weights[i], fees[i] = network.market_weight(), network.fee
        if not weights.sum() > 0:
            self.backlog += demand
            self._shares = None
            return np.zeros(len(networks)), 0.0
        demand, self.backlog = demand + self.backlog, 0.0
        offered = demand * weights / weights.sum()
        taken = offered * deterrence(fees, self.traffickers.fee, self.crossers.price_elasticity)
        deterred = float((offered - taken).sum())
        self.ledger.counters["demand_deterred"] += deterred
        taken.flags.writeable = False
        self._shares = ((demand, changes), taken, float(taken.sum()), deterred)
        return taken, self._shares[2]

    def step(self, dt_h: float) -> None:
        """Take on the step's people and hand each to a network; then every network sends its full groups.

        One uniform a step (drawn whatever happens) gives the Poisson count of all the expected intakes; each
        person's own recruitment stream gives three uniforms: the network (by expected intake, inversion),
        the staging area and the victim draw (handed to :meth:`Network.take_on
        <sim.model.agents.trafficker.Network.take_on>`).
        """
        expected, total = self._intakes(dt_h)
        count = poisson_from_uniform(self._count_rng.random(), total)
        for _ in range(count):
            key = self.taken_on
            self.taken_on += 1
            network_draw, staging_draw, type_draw = self.streams.keyed(
                Mechanism.RECRUITMENT, Entity.PERSON, key
            ).random(3)
            self.networks[pick_by_weight(expected, network_draw)].take_on(key, staging_draw, type_draw)
        for _, network in list(self.working(recount=False)):  # counted at the start of the step
            network.send_groups()
