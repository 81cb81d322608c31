"""The disk cache of route trees on large maps (sim.world.cache): keys by content, identical arrays back,
invalidated when the terrain, a sensor or a routing parameter changes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.model import routing
from sim.model.routing import RoutePlanner
from sim.scenario import load_scenario
from sim.world import build_world, cache
from sim.world.cache import ArrayCache, content_key


def test_content_key_changes_with_any_byte_dtype_or_parameter():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    key = content_key("k", {"a": a}, {"p": 1.0})
    assert key == content_key("k", {"a": a.copy()}, {"p": 1.0})
    changed = a.copy()
    changed[2, 3] += 1e-3
    assert content_key("k", {"a": changed}, {"p": 1.0}) != key
    assert content_key("k", {"a": a.astype(np.float64)}, {"p": 1.0}) != key
    assert content_key("k", {"a": a.reshape(4, 3)}, {"p": 1.0}) != key
    assert content_key("k", {"a": a}, {"p": 1.5}) != key
    assert content_key("other", {"a": a}, {"p": 1.0}) != key


def test_cache_returns_identical_arrays(tmp_path):
    store = ArrayCache(tmp_path)
    arrays = {"dist": np.random.default_rng(1).random((5, 7)), "pred": np.arange(35, dtype=np.int32)}
    assert store.get("ab" * 32) is None
    store.put("ab" * 32, arrays)
    back = store.get("ab" * 32)
    assert back is not None and set(back) == set(arrays)
    for name, value in arrays.items():
        assert back[name].dtype == value.dtype and np.array_equal(back[name], value)


def test_off_and_small_maps_use_no_cache(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.ENV, "off")
    assert ArrayCache.for_cells(10**7) is None
    monkeypatch.setenv(cache.ENV, str(tmp_path))
    assert ArrayCache.for_cells(cache.LARGE_WORLD_CELLS - 1) is None
    assert ArrayCache.for_cells(cache.LARGE_WORLD_CELLS).folder == tmp_path


@pytest.fixture
def desert(monkeypatch, tmp_path):
    """desert_sector's world, with the cache on in a fresh folder for maps of any size."""
    monkeypatch.setenv(cache.ENV, str(tmp_path))
    monkeypatch.setattr(cache, "LARGE_WORLD_CELLS", 1)
    loaded = load_scenario("scenarios/desert_sector.toml")
    return loaded.spec, build_world(loaded)


def planner(scenario, world, **change) -> RoutePlanner:
    t = scenario.traffickers
    args = {"walk_speed_kmh": t.walk_speed_kmh, "risk_aversion": t.risk_aversion, "hardship_aversion": 0.0} | change
    return RoutePlanner(world, **args)


def count_searches(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = routing.dijkstra

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(routing, "dijkstra", counted)
    return calls


def test_trees_read_back_identical_and_not_searched_again(desert, monkeypatch, tmp_path):
    scenario, world = desert
    source = world.staging[0].cell
    monkeypatch.setenv(cache.ENV, "off")
    plain = planner(scenario, world).tree(source)
    monkeypatch.setenv(cache.ENV, str(tmp_path))
    calls = count_searches(monkeypatch)
    first = planner(scenario, world).tree(source)
    assert len(calls) == 1 and any(tmp_path.rglob("*.npz"))
    second = planner(scenario, world).tree(source)
    assert len(calls) == 1  # read from disk
    for got in (first, second):
        assert np.array_equal(got[0], plain[0]) and np.array_equal(got[1], plain[1])
        assert got[0].dtype == plain[0].dtype and got[1].dtype == plain[1].dtype


def test_a_changed_input_is_searched_again(desert, monkeypatch):
    scenario, world = desert
    source = world.staging[0].cell
    calls = count_searches(monkeypatch)
    planner(scenario, world).tree(source)
    assert len(calls) == 1
    planner(scenario, world, risk_aversion=scenario.traffickers.risk_aversion + 1.0).tree(source)
    assert len(calls) == 2  # a routing parameter
    coverage = world.coverage.copy()
    coverage[world.border_cells[0, 0], world.border_cells[0, 1]] += 1.0
    planner(scenario, dataclasses.replace(world, coverage=coverage)).tree(source)
    assert len(calls) == 3  # a sensor's coverage
    speed = world.speed_factor.copy()
    speed[0, 0] *= 0.5
    planner(scenario, dataclasses.replace(world, speed_factor=speed)).tree(source)
    assert len(calls) == 4  # the terrain
    planner(scenario, world).tree(world.destinations[0].cell)
    assert len(calls) == 5  # another source
    planner(scenario, world).tree(source)
    assert len(calls) == 5  # the first again: read from disk
