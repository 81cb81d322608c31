"""The ``[border]`` table: how the border line is drawn, which side is origin, the border zone.

Its checks: the keys that belong to one mode only (``y_km`` to a straight line, ``file`` to a GeoJSON line)
and what a GeoJSON line needs (a file and an origin point).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.bounds import MAX_ZONE_KM
from sim.scenario.places import Position, check_sector
from sim.schema import INPUT, Builder, spec


@dataclass(frozen=True)
class Border:
    mode: str = spec(
        "row",
        doc=(
            "How the border line is drawn: a straight west-east line (the row of cells at border.y_km), "
            "the river's centre line, the '=' cells of the ASCII map (one per column), or a line of any shape "
            "read from a GeoJSON file (border.file)."
        ),
        choices=("row", "river", "ascii", "geojson"),
        source=INPUT,
    )
    y_km: float | None = spec(
        None,
        doc=(
            "Position of a straight border (mode 'row'), south of the north edge: the line is the row of cells "
            "containing it. Absent: the middle row of the map."
        ),
        unit="km",
        ge=0,
        source=INPUT,
    )
    origin_side: str = spec(
        "south",
        doc=(
            "Side traffickers start from (staging areas); the other is destination. Used when "
            "border.origin_point is not given (modes row, river, ascii)."
        ),
        choices=("south", "north"),
        source=INPUT,
    )
    zone_km: float = spec(
        3.0,
        doc="Depth of the border zone on each side: blind spots and interdictions count in it.",
        unit="km",
        gt=0,
        source=INPUT,
        le=MAX_ZONE_KM,
    )
    file: str = spec(
        "",
        doc=(
            "Mode 'geojson': a GeoJSON file (relative to this file) holding the border as a LineString or "
            "MultiLineString (or a Feature or FeatureCollection of them) in the scenario's km: x east of the west "
            "edge, y south of the north edge. The line must run from one map edge to another (its ends within half "
            "a cell of the edge) without leaving the map or crossing itself. In a GeoTIFF scenario the file is in "
            "longitude and latitude (RFC 7946), or in the CRS its 'crs' member names, and is projected onto the map."
        ),
        source=INPUT,
    )
    origin_point: Position | None = spec(
        None,
        doc=(
            "A point [x_km, y_km] on the origin side: the side of the line holding it is where traffickers start. "
            "Required with mode 'geojson'; in the other modes it replaces origin_side. In a GeoTIFF scenario, as "
            "terrain.positions says (like every place's at). It must be on the map and off the line."
        ),
        unit="km",
        source=INPUT,
    )
    focus_sector: tuple[float, float] | None = spec(
        None,
        doc=(
            "Optional west-east stretch [x_min_km, x_max_km] whose share of the foot crossings and of the "
            "apprehensions between the ports is reported (sector_crossing_share, sector_apprehension_share): the "
            "sector a policy builds up, as San Diego's share of the south-west border's apprehensions was followed "
            "through Operation Gatekeeper. Both shares are 0 without it."
        ),
        unit="km",
        source=INPUT,
    )


def check_border(border: Border, b: Builder) -> None:
    """Keys given only for the mode that reads them; a GeoJSON line with its file and origin point."""
    if border.y_km is not None and border.mode != "row":
        b.fail(
            "border.y_km",
            f"given {border.y_km:g} but border.mode is {border.mode!r}; y_km places a straight border "
            "(mode 'row') only: remove it",
        )
    if border.mode == "geojson" and not border.file:
        b.fail("border.file", "border.mode is 'geojson' but no file is given; allowed: a GeoJSON file with the line")
    if border.file and border.mode != "geojson":
        b.fail(
            "border.file",
            f"given {border.file!r} but border.mode is {border.mode!r}; a border file is read in mode 'geojson' "
            "only: remove it, or set border.mode = 'geojson'",
        )
    check_sector(border.focus_sector, "border.focus_sector", b)
    if border.mode == "geojson" and border.origin_point is None:
        b.fail(
            "border.origin_point",
            "border.mode is 'geojson' but no origin point is given; allowed: a point on the side of the line where "
            "traffickers start, given like every place's at (terrain.positions: [x_km, y_km] by default)",
        )
