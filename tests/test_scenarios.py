"""Smoke tests of every shipped scenario (as Mesa's test_examples does for its models), plus the
check that the generated scenario-format reference is up to date."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import docs
from sim.cli import EXIT_OK, main
from sim.scenario import load_scenario
from sim.world import build_world

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
SCENARIOS = sorted([*SCENARIO_DIR.glob("*.toml"), *SCENARIO_DIR.glob("*/*.toml")])  # a folder holds its data files


def test_the_shipped_scenarios_are_there():
    assert {p.stem for p in SCENARIOS} >= {"classroom", "desert_sector", "river_port"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_loads_and_builds_its_world(path):
    loaded = load_scenario(path)
    world = build_world(loaded)
    assert loaded.spec.name == path.stem
    assert world.elevation.shape == world.landcover.shape == world.coverage.shape
    assert len(world.ports) >= 1
    assert world.staging and world.destinations
    assert world.sensors
    assert 0.0 < world.blind_spot_share < 1.0  # every shipped sector has blind spots to show, and cover
    assert np.isfinite(world.coverage).all()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_validates_on_the_command_line(path, capsys):
    assert main(["validate", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: OK")


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_map_command_writes_a_png(path, tmp_path, capsys):
    out = tmp_path / f"{path.stem}.png"
    assert main(["map", str(path), "--out", str(out)]) == EXIT_OK
    assert "map written to" in capsys.readouterr().out
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 50_000  # a real map, not an empty canvas


def test_classroom_is_a_small_editable_ascii_map():
    spec = load_scenario(SCENARIO_DIR / "classroom.toml").spec
    rows = spec.terrain.ascii.strip("\n").splitlines()
    assert spec.terrain.source == "ascii" and spec.border.mode == "ascii"
    assert {len(r) for r in rows} == {30} and len(rows) == 16
    assert rows[7] == "=" * 30  # the border row


def test_desert_before_its_build_up_is_blind_and_the_gatekeeper_towers_cover_the_east():
    path = SCENARIO_DIR / "desert_sector.toml"
    before = build_world(load_scenario(path))
    gatekeeper = {
        "surveillance.extra_towers.count": 6,
        "surveillance.extra_towers.sector": [40.0, 80.0],
        "surveillance.extra_towers.tech_tier": 3,
    }
    after = build_world(load_scenario(path, gatekeeper))

    def blind(world):
        rows, cols = np.nonzero(world.border_mask)
        mask = world.blind_spot_mask[rows, cols]
        return mask[cols < world.width / 2].mean(), mask[cols >= world.width / 2].mean()

    (west_before, east_before), (west_after, east_after) = blind(before), blind(after)
    assert west_before > 0.3 and east_before > 0.3  # three older towers leave most of the line blind
    assert east_after < 0.1 and 0.3 < west_after <= west_before  # the towers went east; the west stays blind
    east_towers = [s for s in after.sensors if s.auto_sited]
    assert len(east_towers) == 6 and all(s.cell[1] * after.cell_km >= 40.0 - after.cell_km for s in east_towers)


def test_river_port_border_follows_the_river():
    world = build_world(load_scenario(SCENARIO_DIR / "river_port.toml"))
    assert world.scenario.border.mode == "river"
    assert world.river_mask is not None
    rows, cols = np.nonzero(world.border_mask)
    assert world.river_mask[rows, cols].mean() > 0.9


def test_extra_towers_lower_the_blind_share():
    path = SCENARIO_DIR / "classroom.toml"
    before = build_world(load_scenario(path))
    after = build_world(load_scenario(path, ["surveillance.extra_towers.count=2"]))
    assert sum(s.auto_sited for s in after.sensors) == 2
    assert after.blind_spot_share < before.blind_spot_share


def test_scenario_format_reference_is_up_to_date():
    committed = docs.DOC_PATH.read_text(encoding="utf-8")
    assert committed == docs.generate(), "docs/scenario-format.md is stale: run python -m sim.docs"


def test_reference_documents_every_table_and_key():
    text = docs.generate()
    for heading in ("[terrain]", "[terrain.procedural]", "[[ports]]", "[[surveillance.sensors]]", "[legal]"):
        assert f"## `{heading}`" in text
    assert "| `detection_rate_per_hour` |" in text
    assert "--set ports[0].lanes=6" in text
    assert "extra_towers.count" in text
