"""Random streams per mechanism: named, stable, keyed by entity; paired runs that differ only where a policy acts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.model import BorderModel
from sim.model.streams import Entity, Mechanism, RandomStreams, poisson_from_uniform
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
