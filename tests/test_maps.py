"""The static map: a real picture of the expected size, with the legend a planner needs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.legend import Legend
from matplotlib.text import Annotation

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


@pytest.fixture(scope="module")
def national():
    return build_world(load_scenario(SCENARIO_DIR / "national_border.toml"))


def test_a_long_border_is_drawn_in_strips_that_cover_it_once(national, classroom):
    assert maps.strips_km(classroom) == [(0.0, classroom.width * classroom.cell_km)]
    strips = maps.strips_km(national)
    assert strips == [(0.0, 250.0), (250.0, 500.0), (500.0, 750.0), (750.0, 1000.0)]
    fig = maps.draw_map_figure(national)
    map_axes = fig.axes[: len(strips)]
    assert [ax.get_xlim() for ax in map_axes] == strips
    height = national.height * national.cell_km
    assert all((east - west) / height <= maps.STRIP_ASPECT for west, east in strips)
    tops = [ax.get_position().y1 for ax in map_axes]
    assert tops == sorted(tops, reverse=True), "west to east from the top"
    assert map_axes[-1].get_xlabel() and not map_axes[0].get_xlabel()


def test_labels_on_a_crowded_map_do_not_overlap_and_the_best_ranked_towers_keep_theirs(national):
    fig = maps.draw_map_figure(national)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    map_axes = fig.axes[: len(maps.strips_km(national))]

    def drawn(label: Annotation) -> bool:  # an annotation whose point is outside its axes is not drawn
        (west, east), (low, high) = sorted(label.axes.get_xlim()), sorted(label.axes.get_ylim())
        return west <= label.xy[0] <= east and low <= label.xy[1] <= high

    labels = [t for ax in map_axes for t in ax.texts if isinstance(t, Annotation) and drawn(t)]
    towers = [t for t in labels if ": +" in t.get_text()]
    names = {p.name for p in national.ports + national.staging + national.destinations}
    assert {t.get_text() for t in labels} - {t.get_text() for t in towers} == names, "every place keeps its name"
    boxes = [t.get_window_extent(renderer) for t in labels]
    pairs = [(i, j) for i in range(len(labels)) for j in range(i + 1, len(labels))]
    overlaps = [(labels[i].get_text(), labels[j].get_text()) for i, j in pairs if boxes[i].overlaps(boxes[j])]
    assert len(towers) > 30 and not overlaps
    ranks = sorted(int(t.get_text().split(":")[0]) for t in towers)
    assert ranks[0] == 1 and len(ranks) == len(set(ranks)) < 100, "each tower labelled once at most"
    assert f"{len(ranks)} of 100 labelled, the best ranked" in " ".join(legend_texts(fig))


def test_a_label_that_would_overlap_one_kept_before_it_is_left_out():
    fig = Figure()
    maps.FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    first, second = (ax.annotate(text, (5, 5)) for text in ("first label", "second label"))
    far = ax.annotate("far", (1, 1))
    elsewhere = ax.annotate("beyond the axes", (20, 5))
    assert maps.drop_overlapping_labels(fig, [first, second, far, elsewhere]) == [first, far]
    assert ax.texts[:] == [first, far]
    name = ax.annotate("a place", (1, 1))
    label = ax.annotate("a tower", (1, 1))
    assert maps.drop_overlapping_labels(fig, [label], obstacles=[name]) == []
