"""The report's figures: Matplotlib ``Figure`` objects rendered with the Agg canvas (no pyplot global state).

Outcome bars with 95% intervals, the trade-offs between security, deaths, detentions after false record matches
and cost, daily series with 95% bands, maps of where crossings happened under each policy (displacement) and
crossings along the border. :func:`report_figures` makes those the experiment's data allows, :func:`png` renders one.
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

from sim.experiment.report.text import direction_words, label, sweep_label
from sim.experiment.spec import Experiment
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
    if crossings is not None and not crossings.empty:
        figures.append(("crossing_maps", crossing_maps(experiment, crossings)))
        figures.append(("border_profile", border_profile(experiment, crossings, colours)))
    return [ReportFigure(slug, fig, sweep_shown(experiment, slug)) for slug, fig in figures]


def sweep_shown(experiment: Experiment, slug: str) -> str | None:
    """How a figure shows the sweep points: ``all`` (told apart), ``first`` (the first point only), or None
    (no sweep, or a figure that always shows every point)."""
    if not experiment.sweep or slug not in ("timeseries", "crossing_maps", "border_profile"):
        return None
    points = map_points(experiment) if slug == "crossing_maps" else line_points(experiment)
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
            err = np.vstack([table["mean"] - table["ci_low"], table["ci_high"] - table["mean"]])
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
    """One map per policy (and sweep point) with the crossing attempts of every replication over the scenario."""
    names = experiment.policy_names
    points = map_points(experiment)
    panels = [(point, policy) for point in points for policy in names]
    cols = len(names) if len(points) > 1 else min(3, len(names))
    rows = math.ceil(len(panels) / cols)
    fig = Figure(figsize=(5.2 * cols, 3.9 * rows), layout="constrained")
    rng = np.random.default_rng(0)  # thinning of very dense maps only; same figure every time
    for i, (point, policy) in enumerate(panels):
        ax = fig.add_subplot(rows, cols, i + 1)
        _draw_world(ax, experiment, policy, point)
        mine = crossings[(crossings["policy"] == policy) & (crossings["sweep_point"] == point)]
        if len(mine) > MAX_MAP_POINTS:
            mine = mine.iloc[np.sort(rng.choice(len(mine), MAX_MAP_POINTS, replace=False))]
        for result, colour in RESULT_COLOURS.items():
            sel = mine[mine["result"] == result]
            ax.scatter(sel["x_km"], sel["y_km"], s=14, c=colour, alpha=0.6, lw=0, label=result, zorder=5)
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


def _draw_world(ax: Any, experiment: Experiment, policy: str, point: int = 0) -> None:
    """The scenario under this policy at this sweep point as the background (terrain, sensors, blind spots)."""
    try:
        from sim.scenario import load_scenario
        from sim.world import build_world

        overrides = experiment.run_overrides(experiment.policy(policy), experiment.sweep_points()[point])
        world = build_world(load_scenario(experiment.scenario_path, overrides))
    except Exception:  # a background only: the crossings are still drawn on plain axes
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
