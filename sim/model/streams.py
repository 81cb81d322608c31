"""Random streams: one per mechanism, spawned from the run's seed by name, and streams keyed by an entity.

Every policy comparison rests on common random numbers: a baseline and a policy run on the same seed should
differ only where the policy acts. With one stream drawn in step order, any change anywhere (one draw more
at a port) shifts every later draw of every mechanism. Here each mechanism draws from a stream of its own,
spawned from the run's seed and the mechanism's *name* (``numpy.random.SeedSequence`` with a spawn key made
from the name), so a stream is the same whichever other mechanisms are switched on and however many draws
they make.

Where an entity's fate should not depend on what happened before it, its draws come from a stream keyed by
the entity as well (:meth:`RandomStreams.keyed`, with the kind of entity, :class:`Entity`, and its number):
a person's network, staging area, type, screening, return and fate at the destination by their number in
the market (the order in which all the networks together took people on, one count a step for all of them);
the size and mode of a group by the person first in it; a group's route, detection, capture and exposure by
the person first in it and how many groups that person had set out with before; a member's links,
replacement, investigations and court cases by the network and the member's number there; a patrol's
waypoints by the patrol; a port's traffic by the port. Person 700 is then the same person in a baseline and a
policy run even when the policy dismantled the network that would have taken them on, the group they start
on their second attempt meets the same draws even when the policy changed what other groups did, and member
5's case the same verdict draw whenever it comes to trial.

Counts are drawn by inversion from one uniform (:func:`poisson_from_uniform`), so that a rate a policy
changes a little changes the count a little, from the same draw (numpy's samplers consume a number of draws
that depends on the rate, and the stream would fall out of step).
"""

from __future__ import annotations

import math
import sys
import zlib
from collections.abc import Callable
from enum import IntEnum, StrEnum

import numpy as np
from scipy import stats


class Mechanism(StrEnum):
    """The mechanisms that draw random numbers, each from streams of its own."""

    RECRUITMENT = "recruitment"  # how many people the networks take on each step; each one's network, staging, type
    GROUPS = "groups"  # a group's size and mode
    ROUTES = "routes"  # destination, crossing candidates and choice, drop-off, waiting for night, tunnel
    PATROLS = "patrols"  # each patrol's beat direction and waypoints
    DETECTION = "detection"  # whether and by whom a group is detected in a step
    RESPONSE = "response"  # a pursuit losing the trail; who is caught and who scatters at an interdiction
    EXPOSURE = "exposure"  # deaths from exposure on the walk
    TRAFFIC = "traffic"  # legitimate vehicles and travellers at a port, and their secondary inspection
    FALSE_POSITIVES = "false_positives"  # travellers wrongly held by an inspection
    INSPECTION = "inspection"  # secondary inspection of a vehicle carrying a hidden group
    SCREENING = "screening"  # a person's victim screening, testimony, late identification
    DESTINATION = "destination"  # debt bondage at the destination; a victim coming forward, and when
    RETURNS = "returns"  # a returned person's retry, change of network and staging area
    RECORDS = "records"  # an event's records (shareable, biometric), searches, alert routing; travellers at ports
    INVESTIGATIONS = "investigations"  # how far an investigation climbs a network, whom it arrests
    NETWORKS = "networks"  # members' home staging areas and links, replacement delays
    COURTS = "courts"  # pleas, absconding, durations, verdicts, time served
    ALARMS = "alarms"  # each sensor's false alarms: how many a step, when, where, dismissed or not


class Entity(IntEnum):
    """Kinds of entity a stream can be keyed by (the first number of the key, so that kinds never collide)."""

    RUN = 0  # the mechanism's own stream of the run
    NETWORK = 1
    GROUP = 2
    PERSON = 3
    MEMBER = 4
    PATROL = 5
    PORT = 6
    AGENCIES = 7
    SENSOR = 8


def _name_key(mechanism: Mechanism) -> int:
    """A stable number for a mechanism's name (CRC-32): the same in every run, version and process."""
    return zlib.crc32(Mechanism(mechanism).value.encode())


class RandomStreams:
    """The random streams of one run, all spawned from its seed.

    ``streams[Mechanism.COURTS]`` is the mechanism's own stream (made on first use, then kept);
    ``streams.keyed(Mechanism.DETECTION, Entity.GROUP, network_id, serial)`` a new stream for one entity, the
    same for the same key in every run with the same seed.
    """

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._streams: dict[Mechanism, np.random.Generator] = {}

    def __getitem__(self, mechanism: Mechanism) -> np.random.Generator:
        stream = self._streams.get(mechanism)
        if stream is None:
            stream = self._streams[mechanism] = self.keyed(mechanism, Entity.RUN)
        return stream

    def keyed(self, mechanism: Mechanism, entity: Entity, *key: int) -> np.random.Generator:
        """A stream of a mechanism for one entity: its kind and ``key``, non-negative integers naming it."""
        if not isinstance(mechanism, Mechanism):
            raise KeyError(f"{mechanism!r} is not a declared mechanism ({', '.join(m.value for m in Mechanism)})")
        if not isinstance(entity, Entity):
            raise KeyError(f"{entity!r} is not a declared kind of entity ({', '.join(e.name for e in Entity)})")
        spawn_key = (_name_key(mechanism), int(entity), *(int(k) for k in key))
        sequence = np.random.SeedSequence(self.seed, spawn_key=spawn_key)
        return np.random.Generator(np.random.PCG64(sequence))


class EntityStreams:
    """The streams of one entity, one per mechanism, made on first use (most entities never need most).

    An entity that will rarely draw again (a person across, back home for good, or dead; a group whose trip has
    ended) lets its streams *rest* (:meth:`rest`): each generator is kept as its state alone (four integers
    instead of about a kilobyte), and made again from that state if the entity draws after all, so its draws go
    on exactly where they stopped. On a year of a long border, hundreds of thousands of people and groups are
    done with their draws.
    """

    __slots__ = ("_key", "_made", "_resting", "_streams")

    def __init__(self, streams: RandomStreams, entity: Entity, *key: int):
        self._streams, self._key = streams, (entity, *key)
        self._made: dict[Mechanism, np.random.Generator] = {}
        self._resting: dict[Mechanism, tuple[int, int, int, int]] | None = None

    def __getitem__(self, mechanism: Mechanism) -> np.random.Generator:
        stream = self._made.get(mechanism)
        if stream is None:
            state = self._resting.pop(mechanism, None) if self._resting else None
            stream = self._streams.keyed(mechanism, *self._key) if state is None else _generator_at(state)
            self._made[mechanism] = stream
        return stream

    def rest(self) -> None:
        """Keep each stream as its state alone until it is drawn from again (see the class). A stream someone
        else still holds (a reference beyond this object's) stays as it is, so that it cannot go on in two
        places."""
        for mechanism in list(self._made):
            stream = self._made[mechanism]
            if sys.getrefcount(stream) > _REFS_WHEN_ONLY_HERE:
                continue
            if self._resting is None:
                self._resting = {}
            self._resting[mechanism] = _state_of(stream)
            del self._made[mechanism]


#: References to a generator held only by :attr:`EntityStreams._made`, seen from :meth:`EntityStreams.rest`: the
#: dictionary's, the loop's name and :func:`sys.getrefcount`'s argument.
_REFS_WHEN_ONLY_HERE = 3


def _state_of(stream: np.random.Generator) -> tuple[int, int, int, int]:
    """A PCG64 generator's whole state: its 128-bit state and increment and the buffered 32-bit half."""
    state = stream.bit_generator.state
    return state["state"]["state"], state["state"]["inc"], state["has_uint32"], state["uinteger"]


def _generator_at(state: tuple[int, int, int, int]) -> np.random.Generator:
    """A generator that goes on from a state :func:`_state_of` kept."""
    bits = np.random.PCG64()
    bits.state = {
        "bit_generator": "PCG64",
        "state": {"state": state[0], "inc": state[1]},
        "has_uint32": state[2],
        "uinteger": state[3],
    }
    return np.random.Generator(bits)


#: Above this mean a Poisson count is inverted by scipy (the loop below would take too many terms).
_SEARCH_MAX_MEAN = 200.0


def poisson_from_uniform(u: float, mean: float) -> int:
    """The Poisson(``mean``) count whose distribution function first reaches ``u`` (inversion).

    One uniform gives one count, and a slightly different mean gives the same or a neighbouring count from
    the same uniform: what common random numbers need. A sequential search over the distribution function
    for the small means of a step (a few terms, microseconds); ``scipy.stats.poisson.ppf`` above
    :data:`_SEARCH_MAX_MEAN`, where the search would be long (scipy's call costs tens of microseconds, too
    much for every network in every step).
    """
    if mean <= 0.0:
        return 0
    if mean > _SEARCH_MAX_MEAN:
        return int(stats.poisson.ppf(u, mean))
    term = cumulative = math.exp(-mean)
    k = 0
    while u > cumulative and term > 0.0:
        k += 1
        term *= mean / k
        cumulative += term
    return k


def pick_by_weight(weights: np.ndarray, u: float) -> int:
    """The index one uniform draw ``u`` picks with probabilities proportional to ``weights`` (inversion).

    The same ``u`` picks the same index while the weights change little: what common random numbers need
    (``Generator.choice`` draws afresh). A ``u`` at the very top edge by rounding picks the last index weighed;
    weights that are all zero pick 0.
    """
    return weight_picker(weights)(u)


def weight_picker(weights: np.ndarray) -> Callable[[float], int]:
    """:func:`pick_by_weight` for many draws over the same weights: the cumulative sums made once."""
    cumulative = np.cumsum(weights)
    weighed = np.flatnonzero(weights)
    last = int(weighed[-1]) if len(weighed) else 0
    total = cumulative[-1]

    def pick(u: float) -> int:
        return min(int(np.searchsorted(cumulative, u * total, side="right")), last)

    return pick


def binomial_from_uniforms(u: np.ndarray, p: float) -> int:
    """How many of ``len(u)`` trials with probability ``p`` succeed, one uniform each (common random numbers)."""
    return int(np.count_nonzero(u < p))
