"""Random streams per mechanism: named, stable, keyed by entity; paired runs that differ only where a policy acts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.model import BorderModel
from sim.model.streams import Entity, EntityStreams, Mechanism, RandomStreams, poisson_from_uniform
from sim.runner import run

ROOT = Path(__file__).resolve().parents[1]
DESERT = ROOT / "scenarios" / "desert_sector.toml"
CLASSROOM = ROOT / "scenarios" / "classroom.toml"
PAIRED = ("crossings_attempted", "crossings_succeeded", "victims_recruited", "interdictions")


def test_a_mechanisms_stream_depends_on_the_seed_and_its_name_only():
    one, other = RandomStreams(7), RandomStreams(7)
    other[Mechanism.COURTS].random(1000)  # another mechanism drawing first changes nothing
    assert np.array_equal(one[Mechanism.DETECTION].random(5), other[Mechanism.DETECTION].random(5))
    assert not np.array_equal(
        RandomStreams(7)[Mechanism.DETECTION].random(5), RandomStreams(8)[Mechanism.DETECTION].random(5)
    )
    first = RandomStreams(7)
    draws = {m: first[m].random() for m in Mechanism}
    assert len(set(draws.values())) == len(Mechanism), "every mechanism has a stream of its own"


def test_keyed_streams_are_the_same_for_the_same_key_and_differ_between_keys():
    streams = RandomStreams(3)
    a = streams.keyed(Mechanism.GROUPS, Entity.GROUP, 2, 7).random(4)
    assert np.array_equal(a, RandomStreams(3).keyed(Mechanism.GROUPS, Entity.GROUP, 2, 7).random(4))
    assert not np.array_equal(a, streams.keyed(Mechanism.GROUPS, Entity.GROUP, 2, 8).random(4))
    assert not np.array_equal(a, streams.keyed(Mechanism.ROUTES, Entity.GROUP, 2, 7).random(4))
    assert not np.array_equal(a, streams.keyed(Mechanism.GROUPS, Entity.PERSON, 2, 7).random(4)), "kinds never collide"
    with pytest.raises(KeyError, match="not a declared mechanism"):
        streams.keyed("weather", Entity.RUN, 1)
    with pytest.raises(KeyError, match="not a declared kind of entity"):
        streams.keyed(Mechanism.GROUPS, 2, 7)


@pytest.mark.parametrize("mean", [0.0, 0.02, 0.6, 3.0, 45.0, 250.0])
def test_poisson_by_inversion_is_scipys_quantile(mean):
    u = np.linspace(0.0005, 0.9995, 400)
    mine = np.array([poisson_from_uniform(x, mean) for x in u])
    assert np.array_equal(mine, stats.poisson.ppf(u, mean).astype(int)) if mean > 0 else not mine.any()


def test_poisson_by_inversion_moves_little_when_the_mean_moves_little():
    """Common random numbers: from the same uniforms, a mean 2 % higher gives the same count or one more."""
    u = np.random.default_rng(0).random(2000)
    low = np.array([poisson_from_uniform(x, 2.0) for x in u])
    high = np.array([poisson_from_uniform(x, 2.04) for x in u])
    assert ((high - low) >= 0).all() and ((high - low) <= 1).all() and (high != low).mean() < 0.05


def test_a_seed_gives_the_same_run_and_another_seed_another():
    def outcomes(seed):
        model = BorderModel(CLASSROOM, seed=seed)
        for _ in range(96):
            model.step()
        return {k: v for k, v in model.outcomes().items() if not np.isnan(v)}  # NaN: undefined so far

    assert outcomes(4) == outcomes(4)
    assert outcomes(4) != outcomes(5)


@pytest.mark.slow
def test_the_false_positive_rate_at_ports_changes_nothing_but_checkpoint_false_alarms():
    """``checkpoints.false_positive_rate`` acts only on legitimate travellers: with it at 0, crossings attempted and
    succeeded, people recruited and interdictions are those of the baseline on every one of 10 seeds, and so are the
    detentions after false record matches: only the checkpoints' own false alarms fall."""
    differing = []
    for seed in range(1, 11):
        base = run(DESERT, {}, seed=seed, days=45).outcomes
        none = run(DESERT, {"checkpoints.false_positive_rate": 0.0}, seed=seed, days=45).outcomes
        if any(base[k] != none[k] for k in PAIRED):
            differing.append((seed, {k: (base[k], none[k]) for k in PAIRED}))
        assert none["checkpoint_false_alarms"] <= base["checkpoint_false_alarms"]
        assert none["false_match_detentions"] == base["false_match_detentions"]
    assert not differing, differing


def test_streams_at_rest_go_on_where_they_stopped_and_a_stream_held_elsewhere_is_not_put_to_rest():
    """A person or group done with its draws keeps each stream as its state alone; drawn from again, it goes on
    exactly as a stream never put to rest (the buffered half of a 32-bit draw included)."""
    resting, awake = (EntityStreams(RandomStreams(9), Entity.PERSON, 41) for _ in range(2))
    for streams in (resting, awake):
        streams[Mechanism.SCREENING].random(3)
        streams[Mechanism.SCREENING].integers(1000, size=3, dtype=np.uint32)  # leaves half a 64-bit word buffered
        streams[Mechanism.DESTINATION].standard_normal(2)
    resting.rest()
    assert not resting._made and set(resting._resting) == {Mechanism.SCREENING, Mechanism.DESTINATION}
    for mechanism in (Mechanism.DESTINATION, Mechanism.SCREENING, Mechanism.RETURNS):
        assert np.array_equal(resting[mechanism].random(5), awake[mechanism].random(5))
        assert np.array_equal(
            resting[mechanism].integers(1000, size=3, dtype=np.uint32),
            awake[mechanism].integers(1000, size=3, dtype=np.uint32),
        )
    held = resting[Mechanism.SCREENING]  # someone still holds this one: it must not go on in two places
    resting.rest()
    assert resting[Mechanism.SCREENING] is held and Mechanism.DESTINATION in resting._resting


def test_people_and_groups_done_with_their_draws_let_their_streams_rest():
    """After a month of desert_sector, people across, stopped or dead, and groups whose trip ended, hold no
    generator (each costs about a kilobyte; a year of a long border has hundreds of thousands)."""
    from sim.model.agents.person import RESTING, Person

    model = BorderModel(DESERT, seed=3)
    for _ in range(int(30 * model.steps_per_day)):
        model.step()
    done = [a for a in model.agents if isinstance(a, Person) and a.state in RESTING]
    assert len(done) > 50
    assert sum(bool(p.streams._made) for p in done) <= len(done) // 20, "a few came forward since"
