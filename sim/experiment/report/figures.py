"""The report's figures: Matplotlib ``Figure`` objects rendered with the Agg canvas (no pyplot global state).

Outcome bars with 95% intervals, the trade-offs between security, deaths, detentions after false record matches
and cost, daily series with 95% bands, maps of where crossings happened under each policy (displacement) and
crossings along the border, and the decision summary's maps of crossing density under each policy minus the
baseline's. :func:`report_figures` makes those the experiment's data allows, :func:`png` renders one. Intervals
of means of outcomes that cannot be negative (:func:`sim.experiment.report.decision.non_negative`), whiskers and
daily bands alike, are drawn clipped at 0.
"""

from __future__ import annotations

import dataclasses
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter

from sim.experiment.report.decision import non_negative
from sim.experiment.report.text import direction_words, label, sweep_label
from sim.experiment.spec import BASELINE, Experiment
from sim.experiment.stats import estimate
from sim.metrics import OUTCOME_BY_NAME

#: The trade-off view: security gained against deaths, innocent people detained and money. Deaths are the expected
#: exposure deaths where the experiment reports them (the deaths drawn are a handful of zeros and ones a run),
#: else the deaths drawn. The detentions are those a policy moves: after a false match with a record
#: (false_match_detentions), not the checkpoints' background false alarms, which no records policy changes and
#: which are many times more.
TRADE_OFF = ("interdictions", "crossings_succeeded", "exposure_death_risk", "false_match_detentions")
TRADE_OFF_FALLBACK = {"exposure_death_risk": "deaths_in_transit"}
TRADE_OFF_X = "cost"
RESULT_COLOURS = {"succeeded": "#d62728", "interdicted": "#1f77b4", "turned_back": "#ff7f0e", "died": "#111111"}
VERDICT_STYLE = {"better": ("#1a7f37", "better"), "worse": ("#b42318", "worse")}
MAX_MAP_POINTS = 4000
#: Side of the squares the difference maps count crossings in (km): coarser than most grids, so that a few
#: replications' crossings do not scatter into single cells.
DIFFERENCE_CELL_KM = 2.0


@dataclass(frozen=True)
class ReportFigure:
    """A figure of the report: ``slug`` names its file (``report_<slug>.png``), its title and its caption
    (``templates/prose.j2``); ``sweep`` says which sweep points it shows (:func:`sweep_shown`)."""

    slug: str
    figure: Figure
    sweep: str | None = None


def report_figures(experiment: Experiment, out_dir: Path, summary: pd.DataFrame) -> list[ReportFigure]:
    """The figures the experiment's data allows, in report order, from the statistics table and the daily series
    and crossings in ``out_dir``."""
    colours = policy_colours(experiment.policy_names)
    figures: list[tuple[str, Figure]] = []
    if not summary.empty:
        figures.append(("outcomes", outcome_bars(experiment, summary, colours)))
        trade = trade_off_figure(experiment, summary, colours)
        if trade is not None:
            figures.append(("tradeoffs", trade))
    daily = time_series_figure(experiment, out_dir / "timeseries.parquet", colours)
    if daily is not None:
        figures.append(("timeseries", daily))
    crossings = _read_crossings(out_dir / "crossings.parquet")
    if crossings is not None and not crossings.empty and len(experiment.policy_names) > 1 and not summary.empty:
        figures.append(("density_difference", density_difference_maps(experiment, crossings, summary)))
    if crossings is not None and not crossings.empty:
        figures.append(("crossing_maps", crossing_maps(experiment, crossings)))
        figures.append(("border_profile", border_profile(experiment, crossings, colours)))
    return [ReportFigure(slug, fig, sweep_shown(experiment, slug)) for slug, fig in figures]


def sweep_shown(experiment: Experiment, slug: str) -> str | None:
    """How a figure shows the sweep points: ``all`` (told apart), ``first`` (the first point only), or None
    (no sweep, or a figure that always shows every point)."""
    if not experiment.sweep or slug not in ("timeseries", "crossing_maps", "border_profile", "density_difference"):
        return None
    points = map_points(experiment) if slug in ("crossing_maps", "density_difference") else line_points(experiment)
    return "all" if len(points) > 1 else "first"


def policy_colours(names: list[str]) -> dict[str, str]:
    palette = ["#4d4d4d", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    return {name: palette[i % len(palette)] for i, name in enumerate(names)}


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


def outcome_bars(experiment: Experiment, summary: pd.DataFrame, colours: dict[str, str]) -> Figure:
    """One panel per outcome of interest: the mean per policy with its 95% interval."""
    outcomes = list(experiment.outcomes)
    cols = min(3, len(outcomes))
    rows = math.ceil(len(outcomes) / cols)
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows), layout="constrained")
    points = sorted(summary["sweep_point"].unique())
    for i, outcome in enumerate(outcomes):
        ax = fig.add_subplot(rows, cols, i + 1)
        width = 0.8 / len(points)
        for j, point in enumerate(points):
            table = summary[(summary["outcome"] == outcome) & (summary["sweep_point"] == point)].set_index("policy")
            table = table.reindex(experiment.policy_names)
            x = np.arange(len(table)) + (j - (len(points) - 1) / 2) * width
            low = table["ci_low"].clip(lower=0) if non_negative(outcome) else table["ci_low"]
            err = np.vstack([table["mean"] - low, table["ci_high"] - table["mean"]])
            bars = ax.bar(
                x, table["mean"], width * 0.9, yerr=np.nan_to_num(err), capsize=3, alpha=_shade(j, len(points))
            )
            for bar, policy, verdict in zip(bars, table.index, table["verdict"], strict=True):
                bar.set_color(colours[policy])
                if verdict in VERDICT_STYLE:
                    bar.set_edgecolor(VERDICT_STYLE[verdict][0])
                    bar.set_linewidth(2.5)
        meta = OUTCOME_BY_NAME[outcome]
        ax.set_title(f"{meta.label}\n({direction_words(meta.direction)})", fontsize=9)
        ax.set_ylabel(meta.unit, fontsize=8)
        ax.set_xticks(np.arange(len(experiment.policy_names)))
        ax.set_xticklabels([label(p) for p in experiment.policy_names], rotation=35, ha="right", fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    if len(points) > 1:
        from matplotlib.patches import Patch

        shades = [
            Patch(color="0.35", alpha=_shade(j, len(points)), label=sweep_label(experiment, p))
            for j, p in enumerate(points)
        ]
        fig.legend(
            handles=shades,
            loc="outside upper center",
            ncols=min(4, len(points)),
            fontsize=8,
            title="bars within a policy, left to right",
            title_fontsize=8,
        )
    return fig


def _shade(j: int, n: int) -> float:
    """Opacity of the j-th of n sweep points' bars: solid to pale."""
    return 0.9 if n <= 1 else 0.9 - 0.65 * j / (n - 1)


#: Marker of each sweep point in the trade-off view (cycled).
SWEEP_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def trade_off_figure(experiment: Experiment, summary: pd.DataFrame, colours: dict[str, str]) -> Figure | None:
    """Cost against interdictions, successful crossings, deaths and false-match detentions, one point per policy."""
    present = set(summary["outcome"])
    wanted = [o if o in present else TRADE_OFF_FALLBACK.get(o, o) for o in TRADE_OFF]
    wanted = [o for o in wanted if o in present]
    if TRADE_OFF_X not in present or not wanted:
        return None
    fig = Figure(figsize=(4.4 * len(wanted), 3.8), layout="constrained")
    cells = summary.set_index(["sweep_point", "policy", "outcome"])
    for i, outcome in enumerate(wanted):
        ax = fig.add_subplot(1, len(wanted), i + 1)
        points = sorted(summary["sweep_point"].unique())
        for k, point in enumerate(points):
            marker = SWEEP_MARKERS[k % len(SWEEP_MARKERS)]
            for policy in experiment.policy_names:
                x, y = cells.loc[(point, policy, TRADE_OFF_X)], cells.loc[(point, policy, outcome)]
                ax.errorbar(
                    x["mean"],
                    y["mean"],
                    xerr=_half_width(x),
                    yerr=_half_width(y),
                    fmt=marker,
                    color=colours[policy],
                    capsize=3,
                    label=label(policy) if i == 0 and k == 0 else None,
                )
                if len(points) == 1:  # with a sweep, colour (policy) and marker (point) say it; labels would pile up
                    ax.annotate(
                        label(policy), (x["mean"], y["mean"]), fontsize=7, xytext=(4, 4), textcoords="offset points"
                    )
        if i == 0 and len(points) > 1:
            for k, point in enumerate(points):
                ax.plot(
                    [], [], SWEEP_MARKERS[k % len(SWEEP_MARKERS)], color="0.4", label=sweep_label(experiment, point)
                )
        meta = OUTCOME_BY_NAME[outcome]
        ax.xaxis.set_major_formatter(EngFormatter(sep=" "))
        ax.set_xlabel(f"{OUTCOME_BY_NAME[TRADE_OFF_X].label} ({OUTCOME_BY_NAME[TRADE_OFF_X].unit}, lower is cheaper)")
        ax.set_ylabel(f"{meta.label} ({meta.unit})")
        ax.set_title(f"{meta.label}: {direction_words(meta.direction)}", fontsize=9)
        ax.grid(alpha=0.3)
    fig.legend(loc="outside right upper", fontsize=8)
    return fig


def _half_width(row: pd.Series) -> float:
    half = (row["ci_high"] - row["ci_low"]) / 2
    return 0.0 if math.isnan(half) else float(half)


def time_series_figure(experiment: Experiment, path: Path, colours: dict[str, str]) -> Figure | None:
    """Daily mean over replications per policy with a 95% t band; sweep points by line style (up to 4)."""
    if not path.exists():
        return None
    available = set(pq.read_schema(path).names)
    outcomes = [o for o in experiment.outcomes if OUTCOME_BY_NAME[o].daily and o in available][:6]
    if not outcomes or "day" not in available:
        return None
    table = pd.read_parquet(path, columns=["policy", "sweep_point", "replication", "day", *outcomes])
    points = line_points(experiment)
    cols = min(3, len(outcomes))
    rows = math.ceil(len(outcomes) / cols)
    fig = Figure(figsize=(4.4 * cols, 3.0 * rows), layout="constrained")
    for i, outcome in enumerate(outcomes):
        ax = fig.add_subplot(rows, cols, i + 1)
        for k, point in enumerate(points):
            for policy in experiment.policy_names:
                mine = table[(table["policy"] == policy) & (table["sweep_point"] == point)]
                if mine.empty:
                    continue
                band = mine.groupby("day")[outcome].apply(
                    lambda s: pd.Series(dataclasses.astuple(estimate(s.to_numpy())))
                )
                band = band.unstack()
                days, mean = band.index.to_numpy(), band[1].to_numpy()
                low, high = band[3].to_numpy(), band[4].to_numpy()
                if non_negative(outcome):
                    low = np.where(np.isnan(low), low, np.maximum(low, 0.0))
                legend = label(policy) if k == 0 else None
                ax.plot(days, mean, color=colours[policy], lw=1.4, ls=LINE_STYLES[k], label=legend)
                ax.fill_between(days, low, high, color=colours[policy], alpha=0.15 / len(points), lw=0)
        ax.set_title(f"{OUTCOME_BY_NAME[outcome].label} ({OUTCOME_BY_NAME[outcome].unit})", fontsize=9)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
    _add_sweep_styles(experiment, fig.axes[0], points)
    fig.legend(*fig.axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize=8)
    return fig


#: Line styles of the sweep points in the daily series and the border profile.
LINE_STYLES = ("-", "--", ":", "-.")
#: Crossing maps drawn per policy and sweep point up to this many panels (else the first point only).
MAX_MAP_PANELS = 12
#: A world longer than this many times its height has its crossing maps drawn in strips, one panel a row.
MAP_STRIP_ASPECT = 8.0


def line_points(experiment: Experiment) -> list[int]:
    """Sweep points drawn as lines: all of them when line styles can tell them apart, else the first."""
    n = len(experiment.sweep_points())
    return list(range(n)) if n <= len(LINE_STYLES) else [0]


def map_points(experiment: Experiment) -> list[int]:
    """Sweep points given a row of crossing maps: all of them when the panels stay few, else the first."""
    n = len(experiment.sweep_points())
    return list(range(n)) if n * len(experiment.policy_names) <= MAX_MAP_PANELS else [0]


def _add_sweep_styles(experiment: Experiment, ax: Any, points: list[int]) -> None:
    """Legend entries for the sweep points' line styles (nothing without a sweep)."""
    if len(points) > 1:
        for k, point in enumerate(points):
            ax.plot([], [], color="0.35", ls=LINE_STYLES[k], label=sweep_label(experiment, point))


def _read_crossings(path: Path) -> pd.DataFrame | None:
    if not path.exists():
        return None
    names = set(pq.read_schema(path).names)
    if not {"x_km", "y_km", "result"} <= names:
        return None
    columns = ["policy", "sweep_point", "replication", "x_km", "y_km", "result"]
    return pd.read_parquet(path, columns=columns + (["deaths"] if "deaths" in names else []))


def crossing_maps(experiment: Experiment, crossings: pd.DataFrame) -> Figure:
    """One map per policy (and sweep point) with the crossing attempts of every replication over the scenario.

    A long border (a world more than :data:`MAP_STRIP_ASPECT` times as long as it is tall) is drawn one panel a
    row, each panel in strips stacked west to east (:func:`sim.viz.maps.strips`), so that the crossings along it
    stay apart."""
    names = experiment.policy_names
    points = map_points(experiment)
    panels = [(point, policy) for point in points for policy in names]
    worlds = [_policy_world(experiment, policy, point) for point, policy in panels]  # each built once
    world = next((w for w in worlds if w is not None), None)
    spans = [(0.0, math.inf)]
    if world is not None:
        from sim.viz.maps import strips

        spans = strips(world.width * world.cell_km, world.height * world.cell_km, MAP_STRIP_ASPECT)
    if len(spans) > 1:
        height_km = world.height * world.cell_km
        strip_in = [11.0 * height_km / (east - west) + 0.5 for west, east in spans]
        fig = Figure(figsize=(11.0, len(panels) * sum(strip_in) + 0.6), layout="constrained")
        grid = [(i, k) for i in range(len(panels)) for k in range(len(spans))]
        rows, cols = len(grid), 1
    else:
        cols = len(names) if len(points) > 1 else min(3, len(names))
        rows = math.ceil(len(panels) / cols)
        fig = Figure(figsize=(5.2 * cols, 3.9 * rows), layout="constrained")
        grid = [(i, 0) for i in range(len(panels))]
    rng = np.random.default_rng(0)  # thinning of very dense maps only; same figure every time
    shown: dict[int, pd.DataFrame] = {}
    for n, (i, k) in enumerate(grid):
        point, policy = panels[i]
        ax = fig.add_subplot(rows, cols, n + 1)
        _draw_world(ax, worlds[i])
        if i not in shown:
            mine = crossings[(crossings["policy"] == policy) & (crossings["sweep_point"] == point)]
            if len(mine) > MAX_MAP_POINTS:
                mine = mine.iloc[np.sort(rng.choice(len(mine), MAX_MAP_POINTS, replace=False))]
            shown[i] = mine
        for result, colour in RESULT_COLOURS.items():
            sel = shown[i][shown[i]["result"] == result]
            ax.scatter(sel["x_km"], sel["y_km"], s=14, c=colour, alpha=0.6, lw=0, label=result, zorder=6)
        if len(spans) > 1:
            ax.set_xlim(*spans[k])
            if k < len(spans) - 1:
                ax.set_xlabel("")
        if k == 0:
            title = label(policy) + (f"\n{sweep_label(experiment, point)}" if len(points) > 1 else "")
            ax.set_title(title, fontsize=10)
    fig.axes[0].legend(loc="lower left", fontsize=7, markerscale=2, framealpha=0.85)
    return fig


def _along_border(experiment: Experiment, crossings: pd.DataFrame) -> np.ndarray:
    """Where each crossing met the border, in km along the line of the baseline's world (x_km if it cannot be
    built)."""
    from sim.scenario import load_scenario
    from sim.schema import InputError
    from sim.world import build_world
    from sim.world.border import position_along_km

    try:
        world = build_world(load_scenario(experiment.scenario_path, experiment.baseline_overrides))
    except (InputError, OSError):  # the scenario changed or went since the runs: the profile is drawn along x
        return crossings["x_km"].to_numpy(dtype=float)
    x, y = crossings["x_km"].to_numpy(dtype=float), crossings["y_km"].to_numpy(dtype=float)
    return position_along_km(world.border_cells, world.border_facing, world.cell_km, x, y)


def _policy_world(experiment: Experiment, policy: str, point: int = 0) -> Any:
    """The scenario's world under this policy at this sweep point, or None when it cannot be built any more."""
    try:
        from sim.scenario import load_scenario
        from sim.world import build_world

        overrides = experiment.run_overrides(experiment.policy(policy), experiment.sweep_points()[point])
        return build_world(load_scenario(experiment.scenario_path, overrides))
    except Exception:  # a background only: the crossings are still drawn on plain axes
        return None


def _draw_world(ax: Any, world: Any) -> None:
    """A policy's world as the background (terrain, sensors, blind spots); plain axes without one."""
    if world is None:
        ax.invert_yaxis()
        ax.set_aspect("equal")
        return
    try:
        from sim.viz.maps import draw_base

        draw_base(ax, world, coverage=False, labels=False)
    except ImportError:
        extent = (0, world.width * world.cell_km, world.height * world.cell_km, 0)
        ax.imshow(world.elevation, cmap="terrain", extent=extent)
        ax.set_xlabel("km east")
        ax.set_ylabel("km south")


def border_profile(experiment: Experiment, crossings: pd.DataFrame, colours: dict[str, str]) -> Figure:
    """Crossing attempts and deaths per run in 2-km bins along the border (from its start: the west end of a
    line from west to east); sweep points by style. Where the scenario cannot be built, by x_km."""
    points = line_points(experiment)
    runs_per = crossings.groupby(["policy", "sweep_point"])["replication"].nunique()
    crossings = crossings.assign(along_km=_along_border(experiment, crossings))
    span = float(crossings["along_km"].max()) if len(crossings) else 1.0
    bins = np.arange(0.0, span + 2.0, 2.0)
    fig = Figure(figsize=(11, 6), layout="constrained")
    panels = (
        ("All crossing attempts (groups)", None),
        ("Deaths in transit (people, by where their group crossed)", "deaths"),
        ("Got through (groups)", "succeeded"),
    )
    for i, (title, what) in enumerate(panels):
        ax = fig.add_subplot(len(panels), 1, i + 1)
        for k, point in enumerate(points):
            for policy in experiment.policy_names:
                mine = crossings[(crossings["policy"] == policy) & (crossings["sweep_point"] == point)]
                weights = None
                if what == "deaths":
                    weights = mine["deaths"] if "deaths" in mine else (mine["result"] == "died").astype(float)
                elif what is not None:
                    mine = mine[mine["result"] == what]
                counts, _ = np.histogram(mine["along_km"], bins=bins, weights=weights)
                per_run = counts / max(1, int(runs_per.get((policy, point), 1)))
                legend = label(policy) if k == 0 else None
                ax.stairs(per_run, bins, color=colours[policy], lw=1.6, ls=LINE_STYLES[k], label=legend)
        ax.set_ylabel("per run")
        ax.set_title(title, fontsize=9, loc="left")
        ax.grid(alpha=0.3)
    fig.axes[-1].set_xlabel("position along the border (km from its start)")
    _add_sweep_styles(experiment, fig.axes[0], points)
    fig.legend(*fig.axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize=8)
    return fig


def runs_per_policy(summary: pd.DataFrame) -> dict[tuple[int, str], int]:
    """Successful runs per (sweep point, policy): the largest ``n`` of its rows of the statistics table."""
    return {(int(p), str(q)): int(n) for (p, q), n in summary.groupby(["sweep_point", "policy"])["n"].max().items()}


def density_grid_km(x_km: np.ndarray, y_km: np.ndarray, extent: tuple[float, float], runs: int) -> np.ndarray:
    """Crossings per run in squares of :data:`DIFFERENCE_CELL_KM` over ``extent`` (width, height in km), rows
    from north (y = 0) down."""
    width, height = extent
    xs = np.arange(0.0, width + DIFFERENCE_CELL_KM, DIFFERENCE_CELL_KM)
    ys = np.arange(0.0, height + DIFFERENCE_CELL_KM, DIFFERENCE_CELL_KM)
    counts, _, _ = np.histogram2d(np.asarray(y_km, dtype=float), np.asarray(x_km, dtype=float), bins=(ys, xs))
    return counts / max(runs, 1)


def density_differences(
    experiment: Experiment, crossings: pd.DataFrame, summary: pd.DataFrame, extent: tuple[float, float]
) -> dict[tuple[int, str], np.ndarray]:
    """Per (sweep point shown, policy other than the baseline): crossings per run in each square under the policy
    minus under the baseline (:func:`density_grid_km`), each over its own successful runs."""
    runs = runs_per_policy(summary)
    grids = {}
    for point in map_points(experiment):
        at = crossings[crossings["sweep_point"] == point]

        def grid(policy: str, at: pd.DataFrame = at, point: int = point) -> np.ndarray:
            mine = at[at["policy"] == policy]
            return density_grid_km(mine["x_km"], mine["y_km"], extent, runs.get((point, policy), 0))

        base = grid(BASELINE)
        for policy in experiment.policy_names:
            if policy != BASELINE:
                grids[(point, policy)] = grid(policy) - base
    return grids


def _scenario_world(experiment: Experiment) -> Any:
    """The baseline's world, or None when the scenario cannot be built any more."""
    from sim.scenario import load_scenario
    from sim.schema import InputError
    from sim.world import build_world

    try:
        return build_world(load_scenario(experiment.scenario_path, experiment.baseline_overrides))
    except (InputError, OSError):
        return None


#: Margin (km) kept north and south of the crossings in the difference maps, which show that band only.
DIFFERENCE_MARGIN_KM = 6.0
#: A band of crossings at most this tall for its width is drawn one panel a row, full width.
WIDE_BAND = 0.35
#: A band of crossings longer than this many times its height is drawn in strips (each panel a few rows).
DIFFERENCE_STRIP_ASPECT = 20.0


def _crossing_rows_km(crossings: pd.DataFrame, height_km: float) -> tuple[float, float]:
    """The band of the map the difference maps show (km south, top and bottom): from the northernmost to the
    southernmost crossing, widened by :data:`DIFFERENCE_MARGIN_KM` and kept on the map."""
    y = crossings["y_km"].to_numpy(dtype=float)
    return max(0.0, float(y.min()) - DIFFERENCE_MARGIN_KM), min(height_km, float(y.max()) + DIFFERENCE_MARGIN_KM)


def _border_km(world: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """The border line (x, y in km) of a world, None without a world."""
    if world is None:
        return None
    from sim.viz.maps import border_polyline_km

    return border_polyline_km(world)


def density_difference_maps(experiment: Experiment, crossings: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """One panel per policy other than the baseline (and sweep point shown): crossing attempts per run in squares
    of :data:`DIFFERENCE_CELL_KM`, the policy's minus the baseline's, on a diverging colour scale centred at 0
    (red more crossings, blue fewer; the same scale in every panel), with the border of the baseline's world as a
    thin dashed line, over the band of the map where crossings happened (:func:`_crossing_rows_km`)."""
    from matplotlib.colors import TwoSlopeNorm

    world = _scenario_world(experiment)
    if world is not None:
        extent = (world.width * world.cell_km, world.height * world.cell_km)
    else:
        extent = (float(crossings["x_km"].max()) + DIFFERENCE_CELL_KM, float(crossings["y_km"].max()) + 1.0)
    grids = density_differences(experiment, crossings, summary, extent)
    peak = max((float(np.abs(g).max()) for g in grids.values()), default=0.0) or 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-peak, vmax=peak)
    top, bottom = _crossing_rows_km(crossings, extent[1])
    from sim.viz.maps import strips

    spans = strips(extent[0], bottom - top, DIFFERENCE_STRIP_ASPECT)  # a very long band: in strips
    aspect = (bottom - top) / (spans[0][1] - spans[0][0])
    cols = 1 if aspect < WIDE_BAND or len(spans) > 1 else min(3, len(grids))  # a wide band: panels under one another
    rows = math.ceil(len(grids) / cols) * len(spans)
    panel_width = 11.0 if cols == 1 else 5.2
    fig = Figure(figsize=(panel_width * cols, rows * (panel_width * aspect + 0.9) + 1.0), layout="constrained")
    image = None
    border = _border_km(world)
    axes = iter(range(1, rows * cols + 1))
    for (point, policy), grid in grids.items():
        for k, span in enumerate(spans):
            ax = fig.add_subplot(rows, cols, next(axes))
            width, height = grid.shape[1] * DIFFERENCE_CELL_KM, grid.shape[0] * DIFFERENCE_CELL_KM
            image = ax.imshow(grid, cmap="RdBu_r", norm=norm, extent=(0, width, height, 0), interpolation="nearest")
            if border is not None:
                ax.plot(*border, color="0.25", lw=0.8, ls=(0, (4, 3)), label="border")
            ax.set_xlim(*span)
            ax.set_ylim(bottom, top)
            ax.set_aspect("equal")
            ax.set_xlabel("km east" if k == len(spans) - 1 else "", fontsize=8)
            ax.set_ylabel("km south", fontsize=8)
            if k == 0:
                title = f"{label(policy)} minus {label(BASELINE)}"
                ax.set_title(title + (f"\n{sweep_label(experiment, point)}" if experiment.sweep else ""), fontsize=10)
    if image is not None:
        bar = fig.colorbar(image, ax=fig.axes, location="bottom", shrink=0.6, aspect=40)
        bar.set_label(f"crossing attempts per run in {DIFFERENCE_CELL_KM:g} km squares, policy minus baseline")
    return fig
