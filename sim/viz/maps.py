"""Static maps of a scenario's world: what a planner needs to see before running anything.

:func:`draw_map` writes one image per scenario (``bordersim map``): shaded terrain (a hillshade of
the elevation blended with land-cover colours), the border line, ports, staging areas and
destinations, fixed sensors with their nominal range, the fixed-sensor coverage as a heat map (per
hour), the blind spots of the border zone hatched in red, a legend, a colour bar, a scale bar and a
north arrow. The blind-spot share of the border is in the title. A world more than :data:`STRIP_ASPECT`
times as long as it is tall (a whole land border) is drawn in strips of equal length, west to east from the
top, so that its places and towers keep a readable size; labels that would overlap others are left out, the
best-ranked towers' kept first.

The lower-level :func:`draw_base` draws the same base map onto any ``Axes`` and returns its
artists, so the animation and the report reuse exactly the picture that ``bordersim map`` shows.

Only the object-oriented Matplotlib API is used (``Figure`` with the Agg canvas, no ``pyplot``), so
drawing is thread-safe and never opens a window.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LightSource, LinearSegmentedColormap, ListedColormap, Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrow, Patch, Rectangle
from matplotlib.text import Annotation
from matplotlib.ticker import MaxNLocator

from sim.scenario import LAND_COVERS
from sim.viz.palette import (
    AUTO_SITED_COLOUR,
    BLIND_SPOT_COLOUR,
    COVERAGE_RAMP,
    LAND_COVER_COLOURS,
    LIGHT_GREY,
    PLACE_COLOURS,
    SENSOR_COLOURS,
)
from sim.world import World

#: Coverage colours: light blue (weak) to dark blue (strong), so the terrain still reads underneath.
COVERAGE_CMAP = LinearSegmentedColormap.from_list("coverage", list(COVERAGE_RAMP))

_HALO = [patheffects.withStroke(linewidth=3, foreground="white")]

#: The legend's note on the auto-sited towers' labels.
TOWER_LABEL_NOTE = "  labelled rank: +coverage gain (km of border)"

#: A map longer than this many times its height is drawn in strips, each at most this long for its height.
STRIP_ASPECT = 4.0


@dataclass
class BaseMapArtists:
    """The artists :func:`draw_base` put on an ``Axes``, grouped by layer.

    ``feature_handles`` and ``landcover_handles`` are ready-made legend entries (proxy artists),
    so every figure that shows the base map labels it the same way.
    """

    terrain: Artist
    coverage: Artist | None
    coverage_norm: Normalize
    blind_spots: list[Artist] = field(default_factory=list)
    border: list[Artist] = field(default_factory=list)
    places: list[Artist] = field(default_factory=list)
    sensors: list[Artist] = field(default_factory=list)
    labels: list[Artist] = field(default_factory=list)
    feature_handles: list[Artist] = field(default_factory=list)
    landcover_handles: list[Artist] = field(default_factory=list)


def extent_km(world: World) -> tuple[float, float, float, float]:
    """Image extent (left, right, bottom, top) in km with north (y = 0) at the top."""
    return 0.0, world.width * world.cell_km, world.height * world.cell_km, 0.0


def landcover_rgb(world: World) -> np.ndarray:
    """RGB image (height, width, 3) of the land-cover classes, floats in 0-1."""
    palette = np.array([to_rgb(LAND_COVER_COLOURS[name]) for name in LAND_COVERS])
    codes = np.clip(world.landcover.astype(np.intp), 0, len(LAND_COVERS) - 1)
    return palette[codes]


def shaded_terrain(world: World, vert_exag: float | None = None) -> np.ndarray:
    """Land-cover colours shaded by a hillshade of the elevation (light from the north-west).

    Args:
        world: the world to draw.
        vert_exag: vertical exaggeration; by default chosen so relief reads at map scale
            (more for gentle terrain, less for high ridges).
    """
    rgb = landcover_rgb(world)
    elevation = np.asarray(world.elevation, dtype=float)
    relief = float(np.ptp(elevation))
    if relief < 1.0:
        return rgb
    cell_m = world.cell_km * 1000.0
    if vert_exag is None:
        # Aim for slopes of a few tens of percent on screen whatever the grid and relief.
        vert_exag = float(np.clip(0.3 * cell_m * 10 / relief, 0.5, 8.0))
    light = LightSource(azdeg=315, altdeg=40)
    shaded = light.shade_rgb(rgb, elevation, fraction=1.0, blend_mode="soft", vert_exag=vert_exag, dx=cell_m, dy=cell_m)
    return np.clip(shaded, 0.0, 1.0)


def _cell_centres_km(world: World) -> tuple[np.ndarray, np.ndarray]:
    xs = (np.arange(world.width) + 0.5) * world.cell_km
    ys = (np.arange(world.height) + 0.5) * world.cell_km
    return xs, ys


def draw_terrain(ax: Axes, world: World) -> Artist:
    """The shaded land-cover image."""
    return ax.imshow(shaded_terrain(world), extent=extent_km(world), origin="upper", interpolation="nearest", zorder=0)


def draw_coverage(ax: Axes, world: World, alpha: float = 0.45) -> tuple[Artist | None, Normalize]:
    """Fixed-sensor coverage (detection hazard per hour) as a semi-transparent heat map.

    Cells with no coverage stay clear so the terrain shows through. The colour scale starts at 0
    and ends at the 99th percentile of covered cells (at least twice the blind-spot threshold), so a
    single very strong camera does not wash out the towers.
    """
    coverage = np.asarray(world.coverage, dtype=float)
    covered = coverage > 1e-9
    threshold = world.scenario.surveillance.blind_spot_threshold_per_hour
    top = float(np.percentile(coverage[covered], 99)) if covered.any() else 1.0
    norm = Normalize(vmin=0.0, vmax=max(top, 2 * threshold, 1e-3))
    if not covered.any():
        return None, norm
    image = ax.imshow(
        np.ma.masked_where(~covered, coverage),
        extent=extent_km(world),
        origin="upper",
        cmap=COVERAGE_CMAP,
        norm=norm,
        alpha=alpha,
        interpolation="nearest",
        zorder=1,
    )
    return image, norm


def draw_blind_spots(ax: Axes, world: World) -> list[Artist]:
    """Blind spots of the border zone: red hatching with a red outline."""
    mask = np.asarray(world.blind_spot_mask, dtype=float)
    if not mask.any():
        return []
    xs, ys = _cell_centres_km(world)
    # Pad by one cell so regions touching the map edge are closed by the outline.
    padded = np.pad(mask, 1)
    px = np.concatenate([[xs[0] - world.cell_km], xs, [xs[-1] + world.cell_km]])
    py = np.concatenate([[ys[0] - world.cell_km], ys, [ys[-1] + world.cell_km]])
    fill = ax.contourf(px, py, padded, levels=[0.5, 1.5], colors="none", hatches=["////"], zorder=2)
    fill.set_edgecolor(BLIND_SPOT_COLOUR)
    fill.set_linewidth(0.0)
    outline = ax.contour(px, py, padded, levels=[0.5], colors=BLIND_SPOT_COLOUR, linewidths=1.2, zorder=2)
    return [fill, outline]


def border_polyline_km(world: World) -> tuple[np.ndarray, np.ndarray]:
    """The border line as drawn, from one map edge to another, in km (x, y): through the centres of its cells
    for the modes with one cell per column, the file's line for a GeoJSON border."""
    drawn = np.asarray(world.border_drawn_km, dtype=float)
    return drawn[:, 0], drawn[:, 1]


def draw_border(ax: Axes, world: World) -> list[Artist]:
    """The border as a black-and-white dashed line, and the edge of the border zone as thin dots."""
    xs, ys = border_polyline_km(world)
    under = ax.plot(xs, ys, color="white", linewidth=4.0, solid_capstyle="butt", zorder=3)[0]
    over = ax.plot(xs, ys, color="black", linewidth=2.2, dashes=(6, 3), zorder=3)[0]
    artists: list[Artist] = [under, over]
    zone = np.asarray(world.zone_mask, dtype=float)
    if zone.any() and not zone.all():
        gx, gy = _cell_centres_km(world)
        edge = ax.contour(gx, gy, zone, levels=[0.5], colors="black", linewidths=0.8, linestyles=":", zorder=3)
        artists.append(edge)
    return artists


def _label(ax: Axes, x: float, y: float, text: str, colour: str = "black") -> Artist:
    return ax.annotate(
        text,
        (x, y),
        xytext=(6, -6),
        textcoords="offset points",
        fontsize=9,
        fontweight="bold",
        color=colour,
        path_effects=_HALO,
        zorder=6,
        clip_on=True,
    )


def draw_places(ax: Axes, world: World) -> tuple[list[Artist], list[Artist]]:
    """Ports (squares), staging areas (triangles), destinations (stars) and tunnels, with names."""
    markers: list[Artist] = []
    labels: list[Artist] = []
    groups = (
        (world.ports, "s", PLACE_COLOURS["port"], 11),
        (world.staging, "^", PLACE_COLOURS["staging"], 12),
        (world.destinations, "*", PLACE_COLOURS["destination"], 17),
    )
    for places, marker, colour, size in groups:
        if not places:
            continue
        pts = np.array([world.km_of(p.cell) for p in places])
        markers.append(
            ax.plot(
                pts[:, 0],
                pts[:, 1],
                linestyle="none",
                marker=marker,
                markersize=size,
                markerfacecolor=colour,
                markeredgecolor="black",
                markeredgewidth=1.2,
                zorder=5,
            )[0]
        )
        labels.extend(_label(ax, x, y, p.name) for p, (x, y) in zip(places, pts, strict=True))
    for name, entrance, exit_cell, _capacity in world.tunnels:
        (x0, y0), (x1, y1) = world.km_of(entrance), world.km_of(exit_cell)
        markers.append(
            ax.plot(
                [x0, x1],
                [y0, y1],
                color=PLACE_COLOURS["tunnel"],
                linewidth=2,
                linestyle=(0, (1, 1)),
                marker="o",
                zorder=5,
            )[0]
        )
        labels.append(_label(ax, x1, y1, name, colour=PLACE_COLOURS["tunnel"]))
    return markers, labels


def draw_sensors(ax: Axes, world: World) -> list[Artist]:
    """Fixed sensors coloured by kind, each with its nominal range circle; auto-sited towers in orange."""
    artists: list[Artist] = []
    for site in world.sensors:
        x, y = world.km_of(site.cell)
        colour = AUTO_SITED_COLOUR if site.auto_sited else SENSOR_COLOURS.get(site.kind, "black")
        ring = Circle(
            (x, y),
            site.range_m / 1000.0,
            fill=False,
            edgecolor=colour,
            linewidth=1.0,
            linestyle="--",
            alpha=0.9,
            zorder=4,
        )
        ax.add_patch(ring)
        marker = "P" if site.auto_sited else _SENSOR_MARKERS.get(site.kind, "o")
        dot = ax.plot(
            x,
            y,
            marker=marker,
            markersize=12 if site.auto_sited else 9,
            markerfacecolor=colour,
            markeredgecolor="white",
            markeredgewidth=1.2,
            linestyle="none",
            zorder=5,
        )[0]
        artists.extend([ring, dot])
    return artists


def extra_tower_labels(world: World) -> list[tuple[float, float, str]]:
    """Each auto-sited tower's position (km) and label: its rank in the siting and its coverage gain, e.g.
    ``1: +15.5 km`` (km of border line the tower added to the covered line when it was chosen)."""
    towers = [s for s in world.sensors if s.auto_sited]
    return [(*world.km_of(s.cell), f"{i}: +{s.coverage_gain_km:.1f} km") for i, s in enumerate(towers, start=1)]


def label_extra_towers(ax: Axes, world: World) -> list[Annotation]:
    """Label the auto-sited towers with their rank and coverage gain (:func:`extra_tower_labels`), above and below
    the tower in turn from west to east, so that the labels of neighbouring towers do not overlap."""
    labels = sorted(extra_tower_labels(world))
    return [
        ax.annotate(
            text,
            (x, y),
            xytext=(0, 9 if k % 2 == 0 else -15),
            textcoords="offset points",
            ha="center",
            fontsize=7.5,
            fontweight="bold",
            color=AUTO_SITED_COLOUR,
            path_effects=_HALO,
            zorder=6,
            clip_on=True,
        )
        for k, (x, y, text) in enumerate(labels)
    ]


_SENSOR_MARKERS = {"tower": "o", "ground": "d", "aerostat": "h", "camera": "v"}


def legend_handles(world: World) -> tuple[list[Artist], list[Artist]]:
    """Proxy artists for the map legend: (features present in this world, land-cover classes present)."""
    present = set(np.unique(world.landcover).tolist())
    landcover = [
        Patch(facecolor=LAND_COVER_COLOURS[name], edgecolor="0.3", label=name)
        for code, name in enumerate(LAND_COVERS)
        if code in present
    ]

    features: list[Artist] = [
        Line2D([], [], color="black", linewidth=2.2, dashes=(6, 3), label="border"),
        Line2D([], [], color="black", linewidth=0.8, linestyle=":", label="edge of border zone"),
    ]
    if world.ports:
        features.append(legend_marker("port of entry", "s", PLACE_COLOURS["port"], size=10))
    if world.staging:
        features.append(legend_marker("staging area (origin)", "^", PLACE_COLOURS["staging"], size=10))
    if world.destinations:
        features.append(legend_marker("destination", "*", PLACE_COLOURS["destination"], size=14))
    if world.tunnels:
        features.append(
            Line2D([], [], color=PLACE_COLOURS["tunnel"], linewidth=2, linestyle=(0, (1, 1)), label="tunnel")
        )
    kinds = sorted({s.kind for s in world.sensors if not s.auto_sited})
    features.extend(
        legend_marker(f"{kind} (dashed: range)", _SENSOR_MARKERS.get(kind, "o"), SENSOR_COLOURS.get(kind, "black"))
        for kind in kinds
    )
    if any(s.auto_sited for s in world.sensors):
        features.append(legend_marker("extra tower (auto-sited)", "P", AUTO_SITED_COLOUR))
        features.append(Line2D([], [], linestyle="none", label=TOWER_LABEL_NOTE))
    features.append(
        Patch(facecolor="none", edgecolor=BLIND_SPOT_COLOUR, hatch="////", linewidth=1.2, label="blind spot")
    )
    return features, landcover


def legend_marker(
    label: str, shape: str, colour: str, *, size: float = 9, edge: str = "black", width: float = 1.0
) -> Line2D:
    """A legend entry showing a marker alone (no line)."""
    return Line2D(
        [],
        [],
        linestyle="none",
        marker=shape,
        markersize=size,
        markerfacecolor=colour,
        markeredgecolor=edge,
        markeredgewidth=width,
        label=label,
    )


def draw_base(ax: Axes, world: World, *, coverage: bool = True, labels: bool = True) -> BaseMapArtists:
    """Draw the base map (terrain, coverage, blind spots, border, places, sensors) onto ``ax``.

    Axes are in km, x east from the west edge and y south from the north edge (north up); a world placed on
    Earth (GeoTIFF terrain) has its ticks labelled in eastings and northings of its CRS instead.

    Args:
        ax: the Matplotlib axes to draw on.
        world: the world to draw.
        coverage: draw the coverage heat map.
        labels: write the names of ports and places.

    Returns:
        The artists, grouped by layer, plus legend proxies (see :class:`BaseMapArtists`).
    """
    terrain = draw_terrain(ax, world)
    heat, norm = draw_coverage(ax, world) if coverage else (None, Normalize(0.0, 1.0))
    blind = draw_blind_spots(ax, world)
    border = draw_border(ax, world)
    places, names = draw_places(ax, world)
    sensors = draw_sensors(ax, world)
    left, right, bottom, top = extent_km(world)
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    ax.set_xlabel("km east of the west edge")
    ax.set_ylabel("km south of the north edge")
    if world.geo is not None:
        label_axes_in_crs(ax, world)
    features, landcover = legend_handles(world)
    return BaseMapArtists(
        terrain=terrain,
        coverage=heat,
        coverage_norm=norm,
        blind_spots=blind,
        border=border,
        places=places,
        sensors=sensors,
        labels=names if labels else [],
        feature_handles=features,
        landcover_handles=landcover,
    )


def label_axes_in_crs(ax: Axes, world: World) -> None:
    """Ticks at round eastings and northings (km) of the scenario's CRS, for a world placed on Earth.

    The axes stay in the model's km (so everything drawn on them keeps its place); only the ticks move to
    round values of the CRS and say them.
    """
    geo = world.geo
    assert geo is not None
    west, north = geo.left_m / 1000.0, geo.top_m / 1000.0
    east, south = west + world.width * world.cell_km, north - world.height * world.cell_km
    eastings = MaxNLocator(nbins=8, steps=[1, 2, 5, 10]).tick_values(west, east)
    eastings = eastings[(eastings >= west) & (eastings <= east)]
    northings = MaxNLocator(nbins=6, steps=[1, 2, 5, 10]).tick_values(south, north)
    northings = northings[(northings >= south) & (northings <= north)]
    ax.set_xticks(eastings - west, labels=[f"{e:g}" for e in eastings])
    ax.set_yticks(north - northings, labels=[f"{n:g}" for n in northings])
    ax.set_xlabel(f"easting (km), {geo.name}")
    ax.set_ylabel("northing (km)")


def nice_length(span_km: float) -> float:
    """A round scale-bar length (1, 2 or 5 x 10^n km) of about a fifth of ``span_km``."""
    target = max(span_km / 5.0, 1e-6)
    power = 10.0 ** math.floor(math.log10(target))
    for step in (5.0, 2.0, 1.0):
        if step * power <= target:
            return step * power
    return power


def draw_scale_bar(ax: Axes, world: World, x_km: tuple[float, float] | None = None) -> list[Artist]:
    """A black-and-white scale bar in km at the lower left, and a north arrow at the upper right, of the whole
    map or of the part of it from ``x_km[0]`` to ``x_km[1]`` km east of the west edge (a strip)."""
    west, east = x_km if x_km is not None else (0.0, world.width * world.cell_km)
    width_km, height_km = east - west, world.height * world.cell_km
    length = nice_length(width_km)
    x0, y0 = west + 0.04 * width_km, 0.95 * height_km
    bar_h = 0.012 * height_km + 0.004 * width_km
    halves = [
        Rectangle((x0, y0 - bar_h), length / 2, bar_h, facecolor="black", edgecolor="black", zorder=7),
        Rectangle((x0 + length / 2, y0 - bar_h), length / 2, bar_h, facecolor="white", edgecolor="black", zorder=7),
    ]
    for patch in halves:
        ax.add_patch(patch)
    text = ax.text(
        x0 + length / 2,
        y0 - bar_h * 1.6,
        f"{length:g} km",
        ha="center",
        va="bottom",
        fontsize=9,
        fontweight="bold",
        path_effects=_HALO,
        zorder=7,
    )
    ax_x, ax_y = west + 0.96 * width_km, 0.05 * height_km
    size = 0.07 * height_km
    arrow = FancyArrow(
        ax_x,
        ax_y + size,
        0,
        -size,
        width=size * 0.12,
        head_width=size * 0.4,
        head_length=size * 0.4,
        length_includes_head=True,
        facecolor="black",
        edgecolor="white",
        zorder=7,
    )
    ax.add_patch(arrow)
    north = ax.text(
        ax_x,
        ax_y + size * 1.05,
        "N",
        ha="center",
        va="top",
        fontsize=11,
        fontweight="bold",
        path_effects=_HALO,
        zorder=7,
    )
    return [*halves, text, arrow, north]


def map_title(world: World, title: str | None = None) -> str:
    """Default title: the scenario name and the blind-spot share of the border."""
    head = title or f"Scenario '{world.scenario.name}'"
    return f"{head}: blind spots cover {world.blind_spot_share:.0%} of the border"


def strips(width_km: float, height_km: float, aspect: float = STRIP_ASPECT) -> list[tuple[float, float]]:
    """A span of ``width_km`` cut into strips west to east: ``(west, east)`` km from its west end, of equal length,
    as few as keep each at most ``aspect`` times ``height_km`` long (one strip for a span that short)."""
    n = max(1, math.ceil(width_km / (aspect * max(height_km, 1e-9)) - 1e-9))
    edges = np.linspace(0.0, width_km, n + 1)
    return [(float(w), float(e)) for w, e in itertools.pairwise(edges)]


def strips_km(world: World) -> list[tuple[float, float]]:
    """The map's strips (:func:`strips`): each at most :data:`STRIP_ASPECT` times as long as the map is tall (one
    strip for most sectors)."""
    return strips(world.width * world.cell_km, world.height * world.cell_km)


def drop_overlapping_labels(
    fig: Figure, labels: list[Annotation], obstacles: list[Annotation] = ()
) -> list[Annotation]:
    """Remove from the figure each label that would not be drawn whole (its point outside its axes, on another
    strip, or its box cut by a strip's edge) or whose box would overlap an obstacle's (the places' names, say)
    or that of a label kept before it (in the order given, so the first are kept first); return those kept."""
    for ax in {label.axes for label in [*labels, *obstacles]}:
        ax.apply_aspect()  # the axes' final box, as drawn (equal aspect)
    renderer = fig.canvas.get_renderer()

    def fits(label: Annotation, box) -> bool:  # its point in the axes (else it is not drawn), its box in their width
        (west, east), (low, high) = sorted(label.axes.get_xlim()), sorted(label.axes.get_ylim())
        x, y = label.xy
        frame = label.axes.get_window_extent(renderer)
        return west <= x <= east and low <= y <= high and frame.x0 <= box.x0 and box.x1 <= frame.x1

    boxes = []
    for obstacle in obstacles:
        box = obstacle.get_window_extent(renderer)
        if fits(obstacle, box):
            boxes.append(box)
    kept: list[Annotation] = []
    for label in labels:
        box = label.get_window_extent(renderer)
        if not fits(label, box) or any(box.overlaps(other) for other in boxes):
            label.remove()
            continue
        kept.append(label)
        boxes.append(box)
    return kept


def draw_map_figure(world: World, title: str | None = None, dpi: int = 120) -> Figure:
    """The full map as a Matplotlib ``Figure`` (Agg canvas), not yet saved.

    Layout: the map on the left, in strips stacked west to east from the top when it is long
    (:func:`strips_km`); on the right, top to bottom, the legend of map features, the legend of land-cover
    classes and the coverage colour bar (with the blind-spot threshold). The map axes come first in
    ``fig.axes``, one a strip.
    """
    strips = strips_km(world)
    map_w_in, side_w_in, gap_in = 9.0, 3.4, 0.55
    height_km = world.height * world.cell_km
    strip_h_in = [map_w_in * height_km / max(east - west, 1e-9) for west, east in strips]
    map_h_in = sum(strip_h_in) + gap_in * (len(strips) - 1)
    fig_h_in = float(max(map_h_in + 1.5, 6.0)) if len(strips) > 1 else float(np.clip(map_h_in + 1.5, 6.0, 11.0))
    fig_w_in = map_w_in + side_w_in + 0.9
    fig = Figure(figsize=(fig_w_in, fig_h_in), dpi=dpi)
    FigureCanvasAgg(fig)
    left, bottom, top = 0.7 / fig_w_in, 0.7 / fig_h_in, 1.0 - 0.8 / fig_h_in
    if len(strips) == 1:
        rects = [(left, bottom, map_w_in / fig_w_in, top - bottom)]
    else:
        rects, y = [], top
        for h in strip_h_in:
            rects.append((left, y - h / fig_h_in, map_w_in / fig_w_in, h / fig_h_in))
            y -= (h + gap_in) / fig_h_in
    axes = [fig.add_axes(rect) for rect in rects]
    ax = axes[0]
    side_left = left + (map_w_in + 0.35) / fig_w_in
    side_w = (side_w_in - 0.2) / fig_w_in
    legend_ax = fig.add_axes((side_left, bottom + 0.16, side_w, top - bottom - 0.16))
    legend_ax.set_axis_off()
    bar_ax = fig.add_axes((side_left + 0.1 / fig_w_in, bottom + 0.06, side_w - 0.45 / fig_w_in, 0.025))

    towers: list[Annotation] = []
    names: list[Annotation] = []
    for k, (strip_ax, (west, east)) in enumerate(zip(axes, strips, strict=True)):
        base = draw_base(strip_ax, world)
        names.extend(base.labels)
        strip_ax.set_xlim(west, east)
        towers.extend(label_extra_towers(strip_ax, world))
        draw_scale_bar(strip_ax, world, (west, east))
        if k < len(strips) - 1:
            strip_ax.set_xlabel("")
        if len(strips) > 1 and k != len(strips) // 2:
            strip_ax.set_ylabel("")
    # Where the towers' labels would overlap the places' names or each other, the best-ranked towers keep theirs.
    rank = {text: i for i, (_x, _y, text) in enumerate(extra_tower_labels(world))}
    towers.sort(key=lambda label: rank[label.get_text()])
    shown = len(drop_overlapping_labels(fig, towers, obstacles=names))
    if shown < len(rank):
        for handle in base.feature_handles:
            if handle.get_label().startswith(TOWER_LABEL_NOTE):
                handle.set_label(f"{TOWER_LABEL_NOTE};\n  {shown} of {len(rank)} labelled, the best ranked")
    fig.suptitle(
        map_title(world, title), x=left, ha="left", y=1.0 - 0.15 / fig_h_in, va="top", fontsize=13, fontweight="bold"
    )
    threshold = world.scenario.surveillance.blind_spot_threshold_per_hour
    auto = sum(s.auto_sited for s in world.sensors)
    ax.set_title(
        f"{world.width} x {world.height} cells of {world.cell_km * 1000:g} m; {len(world.sensors)} fixed sensors"
        + (f" ({auto} auto-sited)" if auto else "")
        + f"; blind spot = border-zone coverage below {threshold:g} per hour",
        fontsize=9.5,
        loc="left",
    )
    mappable = base.coverage if base.coverage is not None else _empty_mappable(base.coverage_norm)
    colorbar = fig.colorbar(mappable, cax=bar_ax, orientation="horizontal")
    colorbar.solids.set_alpha(1.0)
    colorbar.set_label("fixed-sensor coverage (detections per hour);\nred line: blind-spot threshold", fontsize=8.5)
    colorbar.ax.axvline(threshold, color=BLIND_SPOT_COLOUR, linewidth=2.5)
    colorbar.ax.tick_params(labelsize=8)
    features = legend_ax.legend(
        handles=base.feature_handles,
        title="Map",
        loc="upper left",
        fontsize=8.5,
        title_fontsize=9.5,
        frameon=False,
        borderaxespad=0.0,
        alignment="left",
    )
    legend_ax.add_artist(features)
    legend_ax.legend(
        handles=base.landcover_handles,
        title="Land cover",
        loc="lower left",
        fontsize=8.5,
        title_fontsize=9.5,
        frameon=False,
        ncols=2,
        borderaxespad=0.0,
        alignment="left",
    )
    return fig


def _empty_mappable(norm: Normalize):
    from matplotlib.cm import ScalarMappable

    return ScalarMappable(norm=norm, cmap=ListedColormap([LIGHT_GREY]))


def draw_map(world: World, out: str | Path, title: str | None = None) -> Path:
    """Draw the map of ``world`` and write it to ``out`` (.png, .svg or .pdf); return the path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = draw_map_figure(world, title=title)
    fig.savefig(out)
    return out
