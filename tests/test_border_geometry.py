"""A border line of any shape: a GeoJSON line splits the map as drawn, its cells are ordered and leave no
diagonal gap, the blind-spot share is a share of its length, a model runs on it, and bad border files
and places on the wrong side are refused with the file and the key named.

Each test writes a small scenario (a 20 x 14 km open map of 1 km cells) and its border file into a
temporary folder; the border file is named relative to the scenario file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from scipy import ndimage
from shapely.geometry import LineString, Polygon

from sim.cli import EXIT_INPUT, main
from sim.model import BorderModel
from sim.scenario import load_scenario
from sim.world import build_world
from sim.world.border import along_km, cell_lengths, position_along_km, share_of_length
from tests.test_model_invariants import check_invariants

WIDTH, HEIGHT = 20, 14  # km, and cells of 1 km
#: A bent diagonal from the west edge to the east edge, rising to the north-east; origin side south-west.
DIAGONAL = [[0.0, 3.2], [9.3, 8.1], [20.0, 11.6]]

SCENARIO = f"""\
[scenario]
name = "diagonal"

[time]
days = 3

[terrain]
source = "ascii"
cell_m = 1000
ascii = '''
{chr(10).join("." * WIDTH for _ in range(HEIGHT))}
'''

[border]
mode = "geojson"
file = "line.geojson"
origin_point = [2.0, 12.0]
zone_km = 2

[[ports]]
name = "Port"
at = [9.3, 8.1]

[[staging]]
name = "Camp"
at = [4.5, 12.5]

[[destinations]]
name = "Town"
at = [17.5, 1.5]

[[surveillance.sensors]]
kind = "tower"
at = [14.5, 6.5]
range_m = 4000

[patrols]
count = 3

[traffickers]
networks = 2
members_per_network = 6   # an organiser, a recruiter, a driver and three guides
vehicle_share = 0.2

[crossers]
per_day = 15
"""


def write_scenario(folder: Path, geometry: object | str = None, text: str = SCENARIO) -> Path:
    """The scenario file and its border file (a GeoJSON object, or raw text) in ``folder``."""
    geometry = {"type": "LineString", "coordinates": DIAGONAL} if geometry is None else geometry
    border = geometry if isinstance(geometry, str) else json.dumps(geometry)
    (folder / "line.geojson").write_text(border, encoding="utf-8")
    path = folder / "diagonal.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def diagonal(tmp_path):
    return build_world(load_scenario(write_scenario(tmp_path)))


def centres_km(world):
    cols, rows = np.meshgrid(np.arange(world.width) + 0.5, np.arange(world.height) + 0.5)
    return cols * world.cell_km, rows * world.cell_km


# --------------------------------------------------------------------------- the line and its sides


def test_a_diagonal_line_splits_the_map_as_drawn(diagonal):
    """Away from the line (more than a cell), a cell is on the origin side exactly when its centre lies in the
    polygon the drawn line closes with the map's south-west corners (where the origin point is)."""
    x, y = centres_km(diagonal)
    south_west = Polygon([*DIAGONAL, (WIDTH, HEIGHT), (0.0, HEIGHT)])
    inside = shapely.contains_xy(south_west, x, y)
    far = shapely.distance(LineString(DIAGONAL), shapely.points(x, y)) > diagonal.cell_km
    assert far.sum() > 0.6 * far.size  # most of the map is tested
    np.testing.assert_array_equal(diagonal.origin_mask[far], inside[far])
    np.testing.assert_array_equal(diagonal.destination_mask[far], ~inside[far])
    # Every cell is on exactly one side or on the line.
    total = diagonal.origin_mask.astype(int) + diagonal.destination_mask + diagonal.border_mask
    assert (total == 1).all()


def test_no_step_of_a_walk_leads_across_without_a_line_cell(diagonal):
    """Routes step to any of 8 neighbours: the origin side, grown by one such step, never reaches the
    destination side, so every path from one side to the other has a line cell."""
    grown = ndimage.binary_dilation(diagonal.origin_mask, structure=np.ones((3, 3), dtype=bool))
    assert not (grown & diagonal.destination_mask).any()
    labels, _ = ndimage.label(~diagonal.border_mask, structure=np.ones((3, 3), dtype=bool))
    assert not set(labels[diagonal.origin_mask]) & set(labels[diagonal.destination_mask])


def test_a_line_through_cell_corners_leaves_no_diagonal_gap(tmp_path):
    """A 45-degree line through the corners of cells: its cells are 4-connected, the sides 8-separated."""
    corners = {"type": "LineString", "coordinates": [[0.0, 1.0], [13.0, 14.0]]}
    text = SCENARIO.replace("[9.3, 8.1]", "[6.5, 7.5]").replace("[2.0, 12.0]", "[1.0, 13.0]")
    text = text.replace("at = [4.5, 12.5]", "at = [2.5, 12.5]")
    world = build_world(load_scenario(write_scenario(tmp_path, corners, text)))
    steps = np.abs(np.diff(world.border_cells, axis=0)).sum(axis=1)
    assert (steps == 1).all()
    grown = ndimage.binary_dilation(world.origin_mask, structure=np.ones((3, 3), dtype=bool))
    assert not (grown & world.destination_mask).any()


def test_border_cells_are_ordered_contiguous_and_the_mask(diagonal):
    """One cell a step from the west end to the east end, each cell once, and exactly the mask's cells."""
    cells = diagonal.border_cells
    assert cells.shape[1] == 2 and cells.dtype.kind == "i"
    assert (np.abs(np.diff(cells, axis=0)).sum(axis=1) == 1).all()  # 4-connected, no gap, no repeat in place
    assert len({tuple(c) for c in cells.tolist()}) == len(cells)
    mask = np.zeros_like(diagonal.border_mask)
    mask[cells[:, 0], cells[:, 1]] = True
    np.testing.assert_array_equal(mask, diagonal.border_mask)
    assert tuple(cells[0]) == diagonal.cell_of(*DIAGONAL[0]) and cells[-1, 1] == diagonal.width - 1
    # The cells follow the line: their distance along it grows with the drawn line's own measure.
    line = LineString(DIAGONAL)
    along = [line.project(shapely.Point(diagonal.km_of((int(r), int(c))))) for r, c in cells]
    assert np.all(np.diff(along) > -diagonal.cell_km)
    assert along[-1] - along[0] > 0.9 * line.length


def test_the_line_cell_across_from_every_cell_is_the_nearest(diagonal):
    facing = diagonal.border_cells[diagonal.border_facing]  # (height, width, 2)
    rows, cols = np.indices(diagonal.border_mask.shape)
    distance = np.hypot(facing[..., 0] - rows, facing[..., 1] - cols)
    nearest = ndimage.distance_transform_edt(~diagonal.border_mask)
    np.testing.assert_allclose(distance, nearest)


def test_origin_side_by_point_or_by_north_south_on_a_straight_line(tmp_path):
    """The same straight line: naming a point in the north makes the north the origin side."""
    straight = SCENARIO.replace('mode = "geojson"\nfile = "line.geojson"\norigin_point = [2.0, 12.0]', "y_km = 7.5")
    south = build_world(load_scenario(write_scenario(tmp_path, text=straight)))
    assert south.origin_mask[8:].all() and not south.origin_mask[:8].any()
    flipped = straight.replace("y_km = 7.5", "y_km = 7.5\norigin_point = [3.0, 1.0]")
    flipped = flipped.replace("at = [4.5, 12.5]", "at = [4.5, 1.5]").replace("at = [17.5, 1.5]", "at = [17.5, 12.5]")
    north = build_world(load_scenario(write_scenario(tmp_path, text=flipped)))
    np.testing.assert_array_equal(north.origin_mask, south.destination_mask)


def test_parts_of_a_multilinestring_in_a_feature_collection_are_joined(tmp_path, diagonal):
    parts = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": DIAGONAL[1:]}},
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "MultiLineString", "coordinates": [DIAGONAL[:2]]},
            },
        ],
    }
    world = build_world(load_scenario(write_scenario(tmp_path, parts)))
    np.testing.assert_array_equal(world.border_mask, diagonal.border_mask)
    np.testing.assert_array_equal(world.origin_mask, diagonal.origin_mask)


# --------------------------------------------------------------------------- along the line


def test_the_blind_spot_share_is_a_share_of_the_line_length(diagonal):
    """Each line cell stands for its length along the line; on a diagonal the share of blind length agrees
    with the share of the drawn line's length inside blind cells (shapely), within what the raster rounds."""
    cells = diagonal.border_cells
    blind = diagonal.blind_spot_mask[cells[:, 0], cells[:, 1]]
    assert 0.2 < diagonal.blind_spot_share < 0.9  # the tower covers part of the line
    assert diagonal.blind_spot_share == pytest.approx(share_of_length(cells, blind))
    squares = [shapely.box(c, r, c + 1, r + 1) for r, c in np.argwhere(diagonal.blind_spot_mask)]
    line = LineString(DIAGONAL)
    drawn_share = line.intersection(shapely.union_all(squares)).length / line.length
    assert diagonal.blind_spot_share == pytest.approx(drawn_share, abs=0.06)


def test_a_diagonal_step_counts_the_square_root_of_two():
    """A line with one cell per column that steps diagonally: each cell stands for half of each step."""
    cells = np.array([[1, 0], [2, 1], [3, 2], [3, 3], [3, 4]])
    root = math.sqrt(2.0)
    np.testing.assert_allclose(cell_lengths(cells), [(1 + root) / 2, root, (root + 1) / 2, 1.0, 1.0])
    flags = np.array([False, True, False, False, False])
    assert share_of_length(cells, flags) == pytest.approx(root / (3 + 2 * root))
    straight = np.array([[5, c] for c in range(8)])
    assert share_of_length(straight, np.arange(8) < 2) == 0.25  # a straight line: the share of its cells


# --------------------------------------------------------------------------- a run


def test_a_model_on_a_diagonal_border_keeps_its_invariants(tmp_path):
    """Three days of hourly steps: the bookkeeping invariants hold after every step, groups cross, every group
    on foot that reached the line met it at a line cell, and a walk through any candidate crossing keeps to the
    origin side before its first line cell and to the destination side after its last."""
    model = BorderModel(load_scenario(write_scenario(tmp_path)), seed=2)
    while model.days < 3.0:
        model.step()
        problems = check_invariants(model)
        assert not problems, problems
    w = model.world
    assert model.accounts.counters["crossings_attempted"] >= 5
    met = [w.cell_of(r["x_km"], r["y_km"]) for r in model.crossings.log if r["mode"] == "foot" and r["reached_line"]]
    assert met and all(w.border_mask[cell] for cell in met)
    staging, destination = w.staging[0].cell, w.destinations[0].cell
    for crossing in model.crossings.border_cells[::3]:
        route = model.planner.route(staging, (int(crossing[0]), int(crossing[1])), destination)
        on_line = np.flatnonzero(w.border_mask[route.rows, route.cols])
        assert route.border_index == on_line[0]
        assert w.origin_mask[route.rows[: on_line[0]], route.cols[: on_line[0]]].all()
        assert w.destination_mask[route.rows[on_line[-1] + 1 :], route.cols[on_line[-1] + 1 :]].all()


# --------------------------------------------------------------------------- bad input


def validate(capsys, path: Path) -> tuple[int, str]:
    status = main(["validate", str(path)])
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "Traceback" not in output
    return status, output


BAD_FILES = [
    ("missing", None, "file not found"),
    ("not json", "this is not json", "not GeoJSON: not a JSON text"),
    ("no type", {"coordinates": DIAGONAL}, "not GeoJSON: no 'type' member"),
    ("bad geometry", {"type": "LineString", "coordinates": "nowhere"}, "not GeoJSON: invalid geometry"),
    (
        "polygon",
        {"type": "Polygon", "coordinates": [[[0, 0], [5, 0], [5, 5], [0, 0]]]},
        "the geometry is a Polygon; allowed: a LineString or MultiLineString",
    ),
    ("empty collection", {"type": "FeatureCollection", "features": []}, "no line in the file"),
    (
        "parts apart",
        {"type": "MultiLineString", "coordinates": [[[0, 3], [8, 7]], [[10, 8], [20, 11]]]},
        "do not join end to end into one line",
    ),
    (
        "end inside",
        {"type": "LineString", "coordinates": [[0, 3.2], [14, 9]]},
        "its end at [14, 9] km is 5 km from the map edge; a border must cross the map from edge to edge",
    ),
    (
        "leaves",
        {"type": "LineString", "coordinates": [[0, 3], [10, -2], [20, 11]]},
        "the line leaves the map at [10, -2]",
    ),
    (
        "crosses itself",
        {"type": "LineString", "coordinates": [[0, 3], [15, 10], [15, 4], [5, 10], [5, 14]]},
        "the line crosses itself",
    ),
    (
        "touches edge",
        {"type": "LineString", "coordinates": [[0, 3], [10, 0], [20, 11]]},
        "meets the map edge at [10, 0] km between its ends",
    ),
]


@pytest.mark.parametrize(("case", "geometry", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_a_bad_border_file_is_refused_naming_file_and_key(tmp_path, capsys, case, geometry, message):
    path = write_scenario(tmp_path, geometry if geometry is not None else {"type": "LineString"})
    if geometry is None:
        (tmp_path / "line.geojson").unlink()
    status, output = validate(capsys, path)
    assert status == EXIT_INPUT, output
    for fragment in (str(path), "border.file", str(tmp_path / "line.geojson"), message):
        assert fragment in output, f"{fragment!r} missing from:\n{output}"


BAD_PLACES = [
    ("origin point outside", ("[2.0, 12.0]", "[2.0, 30.0]"), "border.origin_point", "outside the map"),
    ("origin point on the line", ("[2.0, 12.0]", "[9.3, 8.1]"), "border.origin_point", "on the border line"),
    ("staging across", ("at = [4.5, 12.5]", "at = [15.5, 2.5]"), "staging[0] (Camp).at", "on the destination side"),
    ("destination across", ("at = [17.5, 1.5]", "at = [3.5, 12.5]"), "destinations[0] (Town).at", "on the origin side"),
    (
        "port off the line",
        ("at = [9.3, 8.1]", "at = [9.3, 12.5]"),
        "ports[0] (Port).at",
        "within one cell of the border",
    ),
    (
        "tunnel entrance across",
        ("[crossers]", '[[traffickers.tunnels]]\nname = "t"\nentrance = [15.5, 2.5]\nexit = [16.5, 2.5]\n\n[crossers]'),
        "traffickers.tunnels[0] (t).entrance",
        "on the destination side",
    ),
    ("no origin point", ("origin_point = [2.0, 12.0]\n", ""), "border.origin_point", "no origin point"),
    ("no file", ('file = "line.geojson"\n', ""), "border.file", "no file is given"),
    ("file without geojson", ('mode = "geojson"', 'mode = "row"'), "border.file", "in mode 'geojson' only"),
]


@pytest.mark.parametrize(("case", "change", "key", "message"), BAD_PLACES, ids=[c[0] for c in BAD_PLACES])
def test_points_off_the_map_or_on_the_wrong_side_are_refused(tmp_path, capsys, case, change, key, message):
    assert change[0] in SCENARIO
    path = write_scenario(tmp_path, text=SCENARIO.replace(change[0], change[1], 1))
    status, output = validate(capsys, path)
    assert status == EXIT_INPUT, output
    for fragment in (str(path), key, message):
        assert fragment in output, f"{fragment!r} missing from:\n{output}"


def test_positions_along_the_line(diagonal, tmp_path):
    """A line cell's centre lies its distance along the line from the start; on a straight west-east line a
    point's position along the line is its x."""
    cells = diagonal.border_cells
    x, y = (cells[:, 1] + 0.5) * diagonal.cell_km, (cells[:, 0] + 0.5) * diagonal.cell_km
    along = position_along_km(cells, diagonal.border_facing, diagonal.cell_km, x, y)
    np.testing.assert_allclose(along, along_km(cells, diagonal.cell_km))
    assert along[-1] + 0.5 * diagonal.cell_km == pytest.approx(cell_lengths(cells).sum() * diagonal.cell_km)
    straight = SCENARIO.replace('mode = "geojson"\nfile = "line.geojson"\norigin_point = [2.0, 12.0]', "y_km = 7.5")
    world = build_world(load_scenario(write_scenario(tmp_path, text=straight)))
    points_x, points_y = np.array([0.0, 3.3, 12.75, 19.99]), np.array([7.5, 7.2, 7.9, 7.5])
    along = position_along_km(world.border_cells, world.border_facing, world.cell_km, points_x, points_y)
    np.testing.assert_allclose(along, points_x)


def test_a_line_with_one_cell_per_column_that_jumps_rows_gets_the_cells_between(tmp_path):
    """An ASCII line jumping three rows between two columns: the cells between join it (in the western column),
    so the sides do not meet through the jump; elsewhere its cells are its '=' cells, west to east."""
    rows = [list("......") for _ in range(7)]
    for col, row in enumerate([1, 1, 4, 4, 5, 5]):
        rows[row][col] = "="
    text = SCENARIO.replace('mode = "geojson"\nfile = "line.geojson"\norigin_point = [2.0, 12.0]', 'mode = "ascii"')
    text = text.replace(chr(10).join("." * WIDTH for _ in range(HEIGHT)), "\n".join("".join(r) for r in rows))
    text = text[: text.index("[[ports]]")] + "[traffickers]\nnetworks = 0\n"
    world = build_world(load_scenario(write_scenario(tmp_path, text=text)))
    assert world.border_cells.tolist() == [[1, 0], [1, 1], [2, 1], [3, 1], [4, 2], [4, 3], [5, 4], [5, 5]]
    grown = ndimage.binary_dilation(world.origin_mask, structure=ndimage.generate_binary_structure(2, 1))
    assert not (grown & world.destination_mask).any()  # no edge between the sides
    assert world.origin_mask[6].all() and world.destination_mask[0].all()


# --------------------------------------------------------------------------- a line along a river


def river_map() -> tuple[str, np.ndarray, np.ndarray]:
    """The open map with a river (cells within 1.2 km of the diagonal line, a bridge at the port) and a pond
    in the north away from it: (ASCII text, river water, pond)."""
    x, y = np.meshgrid(np.arange(WIDTH) + 0.5, np.arange(HEIGHT) + 0.5)
    river = shapely.distance(LineString(DIAGONAL), shapely.points(x, y)) <= 1.2
    river[8, 9] = False  # the bridge at the port
    pond = np.zeros_like(river)
    pond[0:2, 5:7] = True
    grid = np.where(river | pond, "~", ".")
    grid[8, 9] = "#"
    return "\n".join("".join(row) for row in grid), river, pond


def test_a_line_along_a_river_makes_that_river_the_border_river(tmp_path):
    """The water the line runs in (8-connected to its water cells) is waded at the wading factor and is the
    world's river; a pond away from the line stays impassable; people on foot cross the line in the river."""
    text, river, pond = river_map()
    scenario = SCENARIO.replace(chr(10).join("." * WIDTH for _ in range(HEIGHT)), text)
    path = write_scenario(
        tmp_path, text=scenario.replace("cell_m = 1000", "cell_m = 1000\nriver_wading_speed_factor = 0.1")
    )
    world = build_world(load_scenario(path))
    np.testing.assert_array_equal(world.river_mask, river)
    assert world.border_mask[river].any() and not world.border_mask[pond].any()
    np.testing.assert_allclose(world.speed_factor[river], 0.1)
    assert not world.passable[pond].any()
    assert world.passable[world.border_mask].all()
    model = BorderModel(load_scenario(path), seed=2)
    while model.days < 3.0:
        model.step()
    met = [
        world.cell_of(r["x_km"], r["y_km"]) for r in model.crossings.log if r["mode"] == "foot" and r["reached_line"]
    ]
    assert met and all(world.border_mask[c] for c in met)
    assert sum(bool(river[c]) for c in met) >= 2  # waded: with the river impassable, only the bridge is left


def test_water_on_a_line_that_runs_in_no_river_of_its_own_stays_impassable(tmp_path):
    """The same map with a straight line: the river it crosses is not the border river (a straight line is not
    taken to run in water), so the river stays impassable, as before."""
    text, river, _ = river_map()
    straight = SCENARIO.replace('mode = "geojson"\nfile = "line.geojson"\norigin_point = [2.0, 12.0]', "y_km = 12.5")
    straight = straight.replace(chr(10).join("." * WIDTH for _ in range(HEIGHT)), text)
    straight = straight[: straight.index("[[ports]]")] + "[traffickers]\nnetworks = 0\n"
    world = build_world(load_scenario(write_scenario(tmp_path, text=straight)))
    assert not world.passable[river].any()
