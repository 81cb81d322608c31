"""The static map: a real picture of the expected size, with the legend a planner needs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.legend import Legend

from sim.scenario import LAND_COVERS, load_scenario
from sim.viz import maps
from sim.world import build_world

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture(scope="module")
def classroom():
    return build_world(load_scenario(SCENARIO_DIR / "classroom.toml"))


@pytest.fixture(scope="module")
def classroom_extra():
    return build_world(load_scenario(SCENARIO_DIR / "classroom.toml", ["surveillance.extra_towers.count=1"]))


def legend_texts(fig: Figure) -> set[str]:
    """Labels of every legend on the figure (an axes can hold several: ``add_artist`` keeps them)."""
    legends = [child for ax in fig.axes for child in ax.get_children() if isinstance(child, Legend)]
    return {text.get_text() for legend in legends for text in legend.get_texts()}


def test_png_is_not_blank_and_has_the_expected_size(classroom, tmp_path):
    out = maps.draw_map(classroom, tmp_path / "map.png")
    image = imread(out)
    fig = maps.draw_map_figure(classroom)
    width_in, height_in = fig.get_size_inches()
    assert image.shape[:2] == (round(height_in * fig.dpi), round(width_in * fig.dpi))
    rgb = image[..., :3]
    assert rgb.std() > 0.1  # far from a flat canvas
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 500  # shaded terrain, not a few flat colours


def test_map_shows_the_shaded_terrain_colours(classroom, tmp_path):
    image = imread(maps.draw_map(classroom, tmp_path / "map.png"))[..., :3]
    water = np.array(to_rgb(maps.LAND_COVER_COLOURS["water"]))
    distance = np.abs(image - water).sum(axis=-1)
    assert (distance < 0.25).mean() > 0.001  # the lake is visible


def test_legend_names_every_feature_and_land_cover(classroom):
    texts = legend_texts(maps.draw_map_figure(classroom))
    features = {"border", "edge of border zone", "port of entry", "staging area (origin)", "destination"}
    assert features <= texts
    assert "tower (dashed: range)" in texts
    assert "blind spot" in texts
    present = {LAND_COVERS[code] for code in np.unique(classroom.landcover)}
    assert present <= texts
    assert "extra tower (auto-sited)" not in texts


def test_auto_sited_towers_are_marked_distinctly(classroom_extra):
    fig = maps.draw_map_figure(classroom_extra)
    assert "extra tower (auto-sited)" in legend_texts(fig)
    (tower,) = [s for s in classroom_extra.sensors if s.auto_sited]
    label = f"1: +{tower.coverage_gain_km:.1f} km"
    assert tower.coverage_gain_km > 0 and label in {t.get_text() for t in fig.axes[0].texts}
    base = maps.draw_base(Figure().add_subplot(), classroom_extra)
    dots = base.sensors[1::2]
    colours = [to_rgb(dot.get_markerfacecolor()) for dot in dots]
    auto = [s.auto_sited for s in classroom_extra.sensors]
    assert [c == to_rgb(maps.AUTO_SITED_COLOUR) for c in colours] == auto


def test_title_and_colour_bar(classroom):
    fig = maps.draw_map_figure(classroom, title="Sector A")
    title = fig.get_suptitle()
    assert title.startswith("Sector A")
    assert f"{classroom.blind_spot_share:.0%} of the border" in title
    assert any("detections per hour" in ax.get_xlabel() for ax in fig.axes)


def test_draw_base_returns_every_layer(classroom):
    ax = Figure().add_subplot()
    base = maps.draw_base(ax, classroom)
    assert base.terrain is not None and base.coverage is not None
    assert base.blind_spots  # the classroom's western mountains are blind
    assert len(base.border) >= 2
    assert len(base.sensors) == 2 * len(classroom.sensors)  # a range circle and a marker each
    names = {label.get_text() for label in base.labels}
    assert {p.name for p in classroom.ports + classroom.staging + classroom.destinations} <= names
    assert ax.get_xlim() == (0.0, classroom.width * classroom.cell_km)
    assert ax.get_ylim() == (classroom.height * classroom.cell_km, 0.0)  # north up


def test_shaded_terrain_is_a_valid_image(classroom):
    shaded = maps.shaded_terrain(classroom)
    assert shaded.shape == (classroom.height, classroom.width, 3)
    assert shaded.min() >= 0.0 and shaded.max() <= 1.0
    assert not np.allclose(shaded, maps.landcover_rgb(classroom))  # the hillshade changes the colours


@pytest.mark.parametrize(("span", "expected"), [(30.0, 5.0), (80.0, 10.0), (60.0, 10.0), (7.0, 1.0), (0.4, 0.05)])
def test_scale_bar_length_is_round(span, expected):
    assert maps.nice_length(span) == pytest.approx(expected)
