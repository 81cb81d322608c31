"""Exposure hazard (heat, cold, drowning): ``victims.exposure_scale`` reaches the deaths of people on foot
and, through ``traffickers.hardship_aversion``, the routes networks choose."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.model import BorderModel
from sim.runner import run

RIVER_PORT = str(Path(__file__).resolve().parents[1] / "scenarios" / "river_port.toml")
SEEDS = range(3)


def test_exposure_scale_sets_the_deaths_in_transit():
    """Paired seeds, routes held fixed (no hardship term): no hazard, no deaths; the expected deaths scale with
    the hazard, and at a hundred times it many are drawn."""
    # Routes held fixed, no network loses its organisers to investigations, and deaths (fewer deliveries) do not
    # move a network's activity and so the shares of the market: the traffic stays.
    fixed_routes = {
        "traffickers.hardship_aversion": 0.0,
        "agencies.investigation_yield": 0.0,
        "traffickers.activity_floor": 1.0,
    }
    deaths, risk = {}, {}
    for scale in (0.0, 1.5, 100.0):
        overrides = fixed_routes | {"victims.exposure_scale": scale}
        outcomes = [run(RIVER_PORT, overrides, seed=s, days=30).outcomes for s in range(6)]
        deaths[scale] = sum(o["deaths_in_transit"] for o in outcomes)
        risk[scale] = sum(o["exposure_death_risk"] for o in outcomes)
    assert deaths[0.0] == 0 and risk[0.0] == 0, f"without exposure hazard {deaths[0.0]} people died"
    assert deaths[100.0] >= 5, f"at 100 times the terrain's hazard only {deaths[100.0]} deaths in 6 x 30 days"
    # Expected deaths grow with the scale, about in proportion: less as people die and walks shorten, more as a
    # group whose people all died ends early and frees its guide for the next (seeds 3 and 4 send 3 more groups
    # in 30 days at a hundred times the hazard).
    ratio = risk[100.0] / risk[1.5]
    assert 0.8 * 100 / 1.5 <= ratio <= 1.1 * 100 / 1.5, f"expected deaths by exposure scale: {risk}"


def sampled_routes(overrides: dict) -> tuple[BorderModel, list]:
    """Routes from every staging area to every destination through 40 crossing cells along the border."""
    model = BorderModel(RIVER_PORT, seed=0, overrides=overrides)
    world, crossings = model.world, model.crossings.border_cells[:: max(1, len(model.crossings.border_cells) // 40)]
    routes = [
        model.planner.route(s.cell, (int(c[0]), int(c[1])), d.cell)
        for s in world.staging
        for d in world.destinations
        for c in crossings
    ]
    return model, routes


def terrain_exposure(model: BorderModel, route) -> float:
    """Unscaled terrain exposure hazard along a route (per person): half of each step in each of its two cells,
    at that cell's hazard and walking time."""
    rate = model.world.exposure[route.rows, route.cols] * model.planner.hours_per_km[route.rows, route.cols]
    half_km = 0.5 * np.hypot(np.diff(route.rows), np.diff(route.cols)) * model.world.cell_km
    return float((half_km * (rate[:-1] + rate[1:])).sum())


def test_exposure_scale_bends_routes_through_the_hardship_price():
    """With a hardship price, a deadlier river sends routes around its worst cells; without one, nothing moves."""
    for aversion, expect_change in ((40.0, True), (0.0, False)):
        base_model, base = sampled_routes({"traffickers.hardship_aversion": aversion, "victims.exposure_scale": 1.5})
        harsh_model, harsh = sampled_routes({"traffickers.hardship_aversion": aversion, "victims.exposure_scale": 60})
        pairs = zip(base, harsh, strict=True)
        changed = sum(not (np.array_equal(a.rows, b.rows) and np.array_equal(a.cols, b.cols)) for a, b in pairs)
        before = np.mean([terrain_exposure(base_model, r) for r in base])
        after = np.mean([terrain_exposure(harsh_model, r) for r in harsh])
        if expect_change:
            assert changed >= len(base) // 2, f"only {changed} of {len(base)} routes moved at 40 times the hazard"
            assert after < 0.95 * before, f"mean terrain exposure along routes {before:.2e} -> {after:.2e}"
        else:
            assert changed == 0 and after == before, f"without a hardship price {changed} routes moved"
    # The hazard along a route, and so the deaths, carries the scale.
    route = harsh[0]
    assert np.isclose(route.cum_exposure[-1], 60 * terrain_exposure(harsh_model, route), rtol=1e-5)
