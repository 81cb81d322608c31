"""The experiment report: what was compared, what changed, and how sure we are.

:func:`write_report` writes ``report.html`` (self-contained: inline CSS, figures embedded as
base64 PNG, no external resources) and ``report.md`` (figures as PNG files beside it). It is
written for planners: plain-language headings, a "how to read this" paragraph, the set-up in
words (each override with its meaning from the scenario schema), a policy table with means,
95% confidence intervals and marks for significant changes against the baseline, and figures:
outcome bars with intervals, daily time series with 95% bands, maps of where crossings happened
under each policy (displacement), crossings along the border, and the trade-offs between
security, deaths, wrongful detentions and cost.

Figures are Matplotlib ``Figure`` objects rendered with the Agg canvas (no pyplot global state).
"""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import math
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter

from sim.experiment.spec import BASELINE, Experiment
from sim.experiment.stats import estimate, ratio_estimate
from sim.metrics import OUTCOME_BY_NAME, Direction

#: The trade-off view: security gained against deaths, wrongful detentions and money. Deaths are the expected
#: exposure deaths where the experiment reports them (the deaths drawn are a handful of zeros and ones a run),
#: else the deaths drawn.
TRADE_OFF = ("interdictions", "crossings_succeeded", "exposure_death_risk", "wrongful_detentions")
TRADE_OFF_FALLBACK = {"exposure_death_risk": "deaths_in_transit"}
TRADE_OFF_X = "cost"
RESULT_COLOURS = {"succeeded": "#d62728", "interdicted": "#1f77b4", "turned_back": "#ff7f0e", "died": "#111111"}
VERDICT_STYLE = {"better": ("#1a7f37", "better"), "worse": ("#b42318", "worse")}
MAX_MAP_POINTS = 4000

HOW_TO_READ = (
    "Every policy was simulated {reps} times{where} over the same {days:g} days, and replication i of every policy "
    "used the same random seed, so the policies faced the same circumstances (the same recruits, the same weather of "
    "chance) and differ only by the policy. Each number is the mean over the replications with its 95% confidence "
    "interval: the range within which the true mean lies with 95% confidence given this many replications. A change "
    "is marked <b>better</b> (green) or <b>worse</b> (red) only when the difference from the baseline, replication "
    "by replication, is statistically significant at the 5% level after correcting for the number of comparisons "
    "made (Holm's method). Whether higher is better depends on the outcome (more victims rescued is better, more "
    "deaths is worse); outcomes that are neither are marked higher/lower: crossings attempted, and interdictions, "
    "which also fall when deterrence works. "
    "No mark means the replications cannot tell the policy apart from the baseline: more replications may."
)


def write_report(experiment: Experiment, out_dir: Path, runs: pd.DataFrame, summary: pd.DataFrame) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.md`` (with PNG figures) into ``out_dir``.

    Returns:
        The paths of the HTML and Markdown reports.
    """
    out_dir = Path(out_dir)
    colours = policy_colours(experiment.policy_names)
    figures: list[tuple[str, str, Figure]] = []
    if not summary.empty:
        figures.append(("outcomes", "Outcomes by policy", outcome_bars(experiment, summary, colours)))
        trade = trade_off_figure(experiment, summary, colours)
        if trade is not None:
            figures.append(("tradeoffs", "Trade-offs: security, deaths, civil liberties and cost", trade))
    daily = time_series_figure(experiment, out_dir / "timeseries.parquet", colours)
    if daily is not None:
        figures.append(("timeseries", "Day by day", daily))
    crossings = _read_crossings(out_dir / "crossings.parquet")
    if crossings is not None and not crossings.empty:
        figures.append(("crossing_maps", "Where crossings happened", crossing_maps(experiment, crossings)))
        figures.append(("border_profile", "Crossings along the border", border_profile(experiment, crossings, colours)))
    pngs = {slug: _png(fig) for slug, _, fig in figures}
    for slug, data in pngs.items():
        (out_dir / f"report_{slug}.png").write_bytes(data)
    sections = _sections(experiment, runs, summary)
    html_path = out_dir / "report.html"
    html_path.write_text(_html(experiment, sections, figures, pngs), encoding="utf-8")
    md_path = out_dir / "report.md"
    md_path.write_text(_markdown(experiment, sections, figures), encoding="utf-8")
    return html_path, md_path


def policy_colours(names: list[str]) -> dict[str, str]:
    palette = ["#4d4d4d", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    return {name: palette[i % len(palette)] for i, name in enumerate(names)}


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------- figures


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
        ax.set_title(f"{meta.label}\n({_direction_words(meta.direction)})", fontsize=9)
        ax.set_ylabel(meta.unit, fontsize=8)
        ax.set_xticks(np.arange(len(experiment.policy_names)))
        ax.set_xticklabels([_label(p) for p in experiment.policy_names], rotation=35, ha="right", fontsize=8)
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
    """Cost against interdictions, successful crossings, deaths and wrongful detentions, one point per policy."""
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
                    label=_label(policy) if i == 0 and k == 0 else None,
                )
                if len(points) == 1:  # with a sweep, colour (policy) and marker (point) say it; labels would pile up
                    ax.annotate(
                        _label(policy), (x["mean"], y["mean"]), fontsize=7, xytext=(4, 4), textcoords="offset points"
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
        ax.set_title(f"{meta.label}: {_direction_words(meta.direction)}", fontsize=9)
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
                label = _label(policy) if k == 0 else None
                ax.plot(days, mean, color=colours[policy], lw=1.4, ls=LINE_STYLES[k], label=label)
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
        title = _label(policy) + (f"\n{sweep_label(experiment, point)}" if len(points) > 1 else "")
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
                label = _label(policy) if k == 0 else None
                ax.stairs(per_run, bins, color=colours[policy], lw=1.6, ls=LINE_STYLES[k], label=label)
        ax.set_ylabel("per run")
        ax.set_title(title, fontsize=9, loc="left")
        ax.grid(alpha=0.3)
    fig.axes[-1].set_xlabel("position along the border (km from its start)")
    _add_sweep_styles(experiment, fig.axes[0], points)
    fig.legend(*fig.axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize=8)
    return fig


# ------------------------------------------------------------------------------------------- text


def _label(name: str) -> str:
    """A policy's or experiment's name for display (outcomes have their declared ``label``)."""
    return name.replace("_", " ")


def _direction_words(direction: Direction) -> str:
    return {
        Direction.HIGHER_IS_BETTER: "higher is better",
        Direction.LOWER_IS_BETTER: "lower is better",
        Direction.NEUTRAL: "neither higher nor lower is better",
    }[direction]


def format_number(value: float) -> str:
    """A number for tables: 'n/a' for missing, thousands separators, millions as 'M'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:,.2f} M"
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:,.1f}"
    return f"{value:.3f}"


def _signed(value: float) -> str:
    text = format_number(value)
    return text if text.startswith("-") or text == "n/a" else "+" + text


def describe_override(key: str, value: Any, base: dict) -> str:
    """A plain sentence for one override: the key's meaning from the scenario schema, old and new value."""
    from sim.scenario import Scenario

    doc, unit = _field_doc(Scenario, key)
    before = _lookup(base, key)
    unit_text = f" {unit}" if unit and unit != "currency" else ""
    was = f" (scenario: {before!r}{unit_text})" if before is not _MISSING_VALUE else ""
    meaning = f" — {doc}" if doc else ""
    return f"{key} = {value!r}{unit_text}{was}{meaning}"


_MISSING_VALUE = object()


def _field_doc(cls: type, key: str) -> tuple[str, str]:
    node: Any = cls
    meta: dict = {}
    for part in key.split("."):
        name = part.split("[", 1)[0]
        if not dataclasses.is_dataclass(node):
            return "", ""
        fields = {f.name: f for f in dataclasses.fields(node)}
        if name not in fields:
            return "", ""
        meta = dict(fields[name].metadata)
        hint = typing.get_type_hints(node)[name]
        args = [a for a in typing.get_args(hint) if dataclasses.is_dataclass(a)]
        node = hint if dataclasses.is_dataclass(hint) else (args[0] if args else None)
    return meta.get("doc", ""), meta.get("unit", "")


def _lookup(data: Any, key: str) -> Any:
    node = data
    for part in key.split("."):
        name, _, index = part.partition("[")
        if not isinstance(node, dict) or name not in node:
            return _MISSING_VALUE
        node = node[name]
        if index:
            try:
                node = node[int(index.rstrip("]"))]
            except (IndexError, TypeError, ValueError):
                return _MISSING_VALUE
    return node


def _sections(experiment: Experiment, runs: pd.DataFrame, summary: pd.DataFrame) -> dict[str, Any]:
    from sim.scenario import load_scenario, to_dict

    base = to_dict(load_scenario(experiment.scenario_path).spec)
    policies = []
    for policy in experiment.policies:
        own = policy.own_overrides if policy.name != BASELINE else policy.overrides
        words = [describe_override(k, v, base) for k, v in own.items()]
        policies.append((policy.name, words))
    failed = runs[runs["status"] != "ok"] if not runs.empty else runs
    seeds = experiment.seeds()
    return {
        "policies": policies,
        "voi": value_of_information(experiment, runs, summary),
        "warnings": court_warnings(experiment, runs),
        "failed": failed,
        "seeds": seeds,
        "summary": summary,
        "sweep": experiment.sweep,
        "total": len(runs),
    }


def court_warnings(experiment: Experiment, runs: pd.DataFrame) -> list[str]:
    """A sentence for each policy (and sweep point) whose courts are overloaded, mean over its replications.

    Overloaded: ``court_utilisation`` (cases reaching the courts per day over ``courts / trial_days_mean``)
    of 1 or more. The backlog and the time to verdict then grow with the run length.
    """
    if runs.empty or "court_utilisation" not in runs.columns:
        return []
    ok = runs[runs["status"] == "ok"]
    lines = []
    for policy in experiment.policy_names:
        for point in sorted(ok["sweep_point"].unique()):
            rows = ok[(ok["policy"] == policy) & (ok["sweep_point"] == point)]
            rho = float(rows["court_utilisation"].mean()) if len(rows) else math.nan
            if not rho >= 1.0:
                continue
            where = f" ({sweep_label(experiment, point)})" if experiment.sweep else ""
            lines.append(
                f"{_label(policy)}{where}: the courts are overloaded, utilisation rho = {rho:.2f} (cases reaching "
                "the courts per day over courts / trial_days_mean, mean over replications). The court backlog and "
                "the days to verdict grow with the run length: compare them between policies, not as steady values."
            )
    return lines


def _cell(summary_row: pd.Series, is_baseline: bool) -> tuple[str, str, str]:
    """(mean with CI, change vs baseline, verdict) as text."""
    low, high = format_number(summary_row["ci_low"]), format_number(summary_row["ci_high"])
    mean = f"{format_number(summary_row['mean'])} [{low} – {high}]"
    if is_baseline:
        return mean, "", ""
    low, high = _signed(summary_row["diff_ci_low"]), _signed(summary_row["diff_ci_high"])
    change = f"{_signed(summary_row['diff'])} [{low} – {high}]"
    verdict = summary_row["verdict"]
    return mean, change, "" if verdict == "no clear difference" else verdict


def _setup_lines(experiment: Experiment, sections: dict[str, Any]) -> list[str]:
    seeds = sections["seeds"]
    shown = ", ".join(str(s) for s in seeds[:5]) + (", ..." if len(seeds) > 5 else "")
    lines = [
        f"Scenario: {experiment.scenario_path.name}",
        f"Simulated days per run: {experiment.days:g}",
        f"Replications per policy: {experiment.replications} (seeds derived from root seed "
        f"{experiment.root_seed}: {shown}; all seeds in manifest.json)",
        f"Runs: {sections['total']}, of which failed: {len(sections['failed'])}",
    ]
    if experiment.sweep:
        lines.append(
            "Swept (every combination, with every policy): "
            + "; ".join(f"{k} in {v}" for k, v in experiment.sweep.items())
        )
    return lines


def _html(experiment: Experiment, sections: dict[str, Any], figures: list, pngs: dict[str, bytes]) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(experiment.name)} — policy comparison</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(_label(experiment.name))}: what each policy changes</h1>",
    ]
    if experiment.description:
        parts.append(f"<p class='lead'>{esc(experiment.description)}</p>")
    parts.append("<h2>How to read this report</h2>")
    parts.append(f"<p>{_how_to_read(experiment)}</p>")
    parts.append("<h2>What was simulated</h2><ul>")
    parts += [f"<li>{esc(line)}</li>" for line in _setup_lines(experiment, sections)]
    parts.append("</ul><h3>The policies</h3><dl>")
    for name, words in sections["policies"]:
        text = "".join(f"<li><code>{esc(w)}</code></li>" for w in words) or "<li>the scenario as it is</li>"
        parts.append(f"<dt>{esc(_label(name))}</dt><dd><ul>{text}</ul></dd>")
    parts.append("</dl>")
    if sections["warnings"]:
        parts.append("<h3>Warnings</h3><ul class='warning'>")
        parts += [f"<li>{esc(line)}</li>" for line in sections["warnings"]]
        parts.append("</ul>")
    parts.append(_html_table(experiment, sections["summary"]))
    parts.append(_html_voi(experiment, sections["voi"]))
    for slug, title, _ in figures:
        data = base64.b64encode(pngs[slug]).decode("ascii")
        parts.append(f"<h2>{esc(title)}</h2><p class='caption'>{esc(caption(experiment, slug))}</p>")
        parts.append(f"<img alt='{esc(title)}' src='data:image/png;base64,{data}'>")
    parts.append(_html_failures(sections["failed"]))
    parts.append(
        "<h2>Reproducing a run</h2><p>Every run can be repeated exactly with <code>bordersim run</code>: the "
        "commands, with each policy's overrides and the seeds, are in <code>manifest.json</code> (key "
        "<code>reproduce</code>). The data behind this report is in <code>runs.parquet</code>, "
        "<code>timeseries.parquet</code>, <code>crossings.parquet</code> and <code>summary.csv</code>.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_table(experiment: Experiment, summary: pd.DataFrame) -> str:
    if summary.empty:
        return "<p>No run succeeded: there is nothing to compare.</p>"
    esc = html.escape
    out = []
    for point, table in summary.groupby("sweep_point", sort=True):
        heading = "Results by policy"
        if experiment.sweep:
            values = experiment.sweep_points()[int(point)]
            heading += " — " + ", ".join(f"{k} = {v}" for k, v in values.items())
        out.append(f"<h2>{esc(heading)}</h2>")
        out.append(
            "<p class='caption'>Each cell: mean over replications [95% confidence interval]; below it the change "
            "from the baseline, replication by replication [95% interval], marked when significant.</p>"
        )
        cells = table.set_index(["outcome", "policy"])
        head = "".join(f"<th>{esc(_label(p))}</th>" for p in experiment.policy_names)
        out.append(f"<table><tr><th>outcome</th>{head}</tr>")
        for outcome in experiment.outcomes:
            meta = OUTCOME_BY_NAME[outcome]
            row = (
                f"<tr><td><b>{esc(meta.label)}</b><br><span class='unit'>{esc(meta.unit)}, "
                f"{esc(_direction_words(meta.direction))}</span></td>"
            )
            for policy in experiment.policy_names:
                mean, change, verdict = _cell(cells.loc[(outcome, policy)], policy == BASELINE)
                css = {"better": "better", "worse": "worse"}.get(verdict, "neutral" if verdict else "")
                mark = f" <b>{esc(verdict)}</b>" if verdict else ""
                row += f"<td class='{css}'>{esc(mean)}<br><small>{esc(change)}{mark}</small></td>"
            out.append(row + "</tr>")
        out.append("</table>")
    return "\n".join(out)


def _html_failures(failed: pd.DataFrame) -> str:
    if failed.empty:
        return ""
    rows = "".join(
        f"<tr><td>{html.escape(r.policy)}</td><td>{r.replication}</td><td>{r.seed}</td>"
        f"<td><code>{html.escape(r.error)}</code></td></tr>"
        for r in failed.itertuples()
    )
    return (
        "<h2>Runs that failed</h2><p>These runs raised an error; they are left out of the statistics.</p>"
        f"<table><tr><th>policy</th><th>replication</th><th>seed</th><th>error</th></tr>{rows}</table>"
    )


def _markdown(experiment: Experiment, sections: dict[str, Any], figures: list) -> str:
    lines = [f"# {_label(experiment.name)}: what each policy changes", ""]
    if experiment.description:
        lines += [experiment.description, ""]
    how = _how_to_read(experiment).replace("<b>", "**")
    lines += ["## How to read this report", "", how.replace("</b>", "**"), "", "## What was simulated", ""]
    lines += [f"- {line}" for line in _setup_lines(experiment, sections)]
    lines += ["", "### The policies", ""]
    for name, words in sections["policies"]:
        lines.append(f"- **{_label(name)}**: " + ("; ".join(f"`{w}`" for w in words) or "the scenario as it is"))
    if sections["warnings"]:
        lines += ["", "### Warnings", ""]
        lines += [f"- {line}" for line in sections["warnings"]]
    summary = sections["summary"]
    for point, table in [] if summary.empty else summary.groupby("sweep_point", sort=True):
        heading = "Results by policy"
        if experiment.sweep:
            values = experiment.sweep_points()[int(point)]
            heading += " — " + ", ".join(f"{k} = {v}" for k, v in values.items())
        lines += ["", f"## {heading}", "", "Mean [95% CI]; change from baseline [95% CI] and verdict.", ""]
        lines.append("| outcome | " + " | ".join(_label(p) for p in experiment.policy_names) + " |")
        lines.append("|---" * (len(experiment.policy_names) + 1) + "|")
        cells = table.set_index(["outcome", "policy"])
        for outcome in experiment.outcomes:
            row = f"| {OUTCOME_BY_NAME[outcome].label} ({_direction_words(OUTCOME_BY_NAME[outcome].direction)}) |"
            for policy in experiment.policy_names:
                mean, change, verdict = _cell(cells.loc[(outcome, policy)], policy == BASELINE)
                extra = f"<br>{change}" + (f" **{verdict}**" if verdict else "") if change else ""
                row += f" {mean}{extra} |"
            lines.append(row)
    lines += _markdown_voi(experiment, sections["voi"])
    for slug, title, _ in figures:
        lines += ["", f"## {title}", "", caption(experiment, slug), "", f"![{title}](report_{slug}.png)"]
    failed = sections["failed"]
    if not failed.empty:
        lines += ["", "## Runs that failed", "", "| policy | replication | seed | error |", "|---|---|---|---|"]
        lines += [f"| {r.policy} | {r.replication} | {r.seed} | `{r.error}` |" for r in failed.itertuples()]
    lines += [
        "",
        "## Reproducing a run",
        "",
        "The exact `bordersim run` command of every policy, and all seeds, are in `manifest.json` (key `reproduce`).",
        "",
    ]
    return "\n".join(lines)


def _how_to_read(experiment: Experiment) -> str:
    where = " at each sweep point" if experiment.sweep else ""
    return HOW_TO_READ.format(reps=experiment.replications, days=experiment.days, where=where)


def sweep_label(experiment: Experiment, point: int) -> str:
    """A sweep point in words, e.g. ``patrols.strategy = hotspot``."""
    values = experiment.sweep_points()[int(point)]
    return ", ".join(f"{k} = {v}" for k, v in values.items())


def caption(experiment: Experiment, slug: str) -> str:
    """The caption of a figure, saying how it shows the sweep points when there is a sweep."""
    text = _CAPTIONS[slug]
    if not experiment.sweep or slug not in ("timeseries", "crossing_maps", "border_profile"):
        return text
    points = map_points(experiment) if slug == "crossing_maps" else line_points(experiment)
    if len(points) > 1:
        how = (
            "one row of maps per sweep point" if slug == "crossing_maps" else "line styles tell the sweep points apart"
        )
        return f"{text} With the sweep: {how}."
    return (
        f"{text} Shown for the first sweep point ({sweep_label(experiment, 0)}) of "
        f"{len(experiment.sweep_points())}; every point's data is in timeseries.parquet and crossings.parquet "
        "(column sweep_point)."
    )


# ----------------------------------------------------------------------------------- value of information

#: The measure of how much a policy shares: records made shareable to another agency, per run.
RECORDS_SHARED = "records_shared"
#: The cost outcome the value of information is taken per unit of, and that unit (currency).
VOI_COST, VOI_COST_UNIT = "cost", 1e6

VOI_INTRO = (
    "A sharing policy's value of information: for each outcome, its change against the no-sharing baseline "
    "(replication by replication, on the same seeds), per 1,000 records it shared and per million of extra "
    "cost, as ratios of mean paired differences with 95% delta-method intervals. Shown for every policy that "
    "shares records where the baseline shares none. Whether the policy pays is read from the Holm-corrected "
    "tests of the results table: an outcome counts as a gain or a cost only when its change is significant."
)


def value_of_information(experiment: Experiment, runs: pd.DataFrame, summary: pd.DataFrame) -> list[dict[str, Any]]:
    """Per sweep point and sharing policy: the paired change in each outcome of interest against a baseline that
    shares nothing, per 1,000 shared records and per million of extra cost, and what the statistics say of it.

    A policy qualifies at a sweep point when its runs shared records (:data:`RECORDS_SHARED` > 0 on average)
    and the baseline's shared none. Returns one dict per qualifying (point, policy): ``point``, ``policy``,
    ``records`` (mean records shared per run), ``extra_cost`` (mean paired cost difference), ``rows`` (per
    outcome: means without and with sharing, diff with interval, per 1,000 records and per million cost with
    intervals, verdict), ``text`` (sentences generated from the statistics: where the policy pays, what it costs,
    or why it does not pay) and ``chain`` (:func:`sharing_chain`: how far the gain travels from records to
    dismantled networks, or None).
    """
    if runs.empty or summary.empty or RECORDS_SHARED not in runs.columns:
        return []
    ok = runs[runs["status"] == "ok"]
    outcomes = [o for o in experiment.outcomes if o not in (RECORDS_SHARED, VOI_COST)]
    verdicts = summary.set_index(["sweep_point", "policy", "outcome"])
    family = int(summary["p_value"].notna().sum())  # the comparisons Holm's correction counts
    result = []
    for point in sorted(ok["sweep_point"].unique()):
        at = ok[ok["sweep_point"] == point]
        base = at[at["policy"] == BASELINE].set_index("replication")
        if base.empty or base[RECORDS_SHARED].mean() != 0:
            continue
        for policy in experiment.policy_names:
            mine = at[at["policy"] == policy].set_index("replication")
            common = mine.index.intersection(base.index)
            if policy == BASELINE or len(common) == 0 or not mine.loc[common, RECORDS_SHARED].mean() > 0:
                continue
            records = mine.loc[common, RECORDS_SHARED].to_numpy(dtype=float)
            extra_cost = (mine.loc[common, VOI_COST] - base.loc[common, VOI_COST]).to_numpy(dtype=float)
            rows = []
            for outcome in outcomes:
                diff = (mine.loc[common, outcome] - base.loc[common, outcome]).to_numpy(dtype=float)
                row = verdicts.loc[(point, policy, outcome)] if (point, policy, outcome) in verdicts.index else None
                per_records = ratio_estimate(diff, records, scale=1000.0)
                per_cost = ratio_estimate(diff, extra_cost, scale=VOI_COST_UNIT) if extra_cost.mean() > 0 else None
                rows.append(
                    {
                        "outcome": outcome,
                        "base_mean": float(base.loc[common, outcome].mean()),
                        "policy_mean": float(mine.loc[common, outcome].mean()),
                        "diff": estimate(diff),
                        "per_1000_records": per_records,
                        "per_million_cost": per_cost,
                        "verdict": "no clear difference" if row is None else str(row["verdict"]),
                    }
                )
            entry = {
                "point": int(point),
                "policy": policy,
                "records": float(records.mean()),
                "extra_cost": estimate(extra_cost),
                "rows": rows,
                "family": family,
            }
            entry["text"] = _voi_text(experiment, entry)
            entry["chain"] = sharing_chain(experiment, entry, measured_means(base.loc[common], mine.loc[common]))
            result.append(entry)
    return result


def _interval(est: Any, scale_words: str = "") -> str:
    value = getattr(est, "mean", getattr(est, "ratio", math.nan))
    return f"{_signed(value)} [{_signed(est.ci_low)} – {_signed(est.ci_high)}]{scale_words}"


def _voi_text(experiment: Experiment, entry: dict[str, Any]) -> list[str]:
    """Plain sentences from the statistics of one (point, policy): gains, costs, or why it does not pay."""
    gains = [r for r in entry["rows"] if r["verdict"] == "better"]
    costs = [r for r in entry["rows"] if r["verdict"] == "worse"]
    unclear = [r for r in entry["rows"] if r["verdict"] not in ("better", "worse")]
    where = f" with {sweep_label(experiment, entry['point'])}" if experiment.sweep else ""
    name = _label(entry["policy"])
    extra = entry["extra_cost"]
    lines = []
    shared = f"It shared {format_number(entry['records'])} records a run"
    money = (
        f"and cost {_interval(extra)} more than sharing nothing"
        if extra.mean > 0
        else "at no extra cost over sharing nothing"
    )
    lines.append(f"{name}{where}: {shared} {money}.")

    def say(r: dict[str, Any]) -> str:
        meta = OUTCOME_BY_NAME[r["outcome"]]
        text = f"{meta.label} {_interval(r['diff'])} {meta.unit}"
        per = r["per_1000_records"]
        if not math.isnan(per.ratio):
            text += f" ({_signed(per.ratio)} per 1,000 records shared)"
        return text

    if gains:
        lines.append("It pays in " + "; ".join(say(r) for r in gains) + ".")
    if costs:
        lines.append("It costs " + "; ".join(say(r) for r in costs) + ".")
    if not gains:
        why = []
        if entry["records"] < 1:
            why.append("it shares almost no records")

        def good_way(r: dict[str, Any]) -> bool:
            higher = OUTCOME_BY_NAME[r["outcome"]].higher_is_better
            diff = r["diff"].mean
            return higher is not None and diff != 0 and not math.isnan(diff) and (diff > 0) == higher

        leaning = [r for r in unclear if good_way(r) and not _is_rare(r)]
        if leaning:
            why.append(
                f"what it gains is too small to tell from chance with {experiment.replications} replications "
                f"once the {entry['family']} comparisons are corrected for: " + "; ".join(say(r) for r in leaning)
            )
        else:
            why.append("no outcome moved in the better direction")
        if costs:
            why.append("and what it changes significantly is for the worse")
        lines.append(f"It does not pay here: no outcome improved significantly; {', '.join(why)}.")
    rare = [r for r in unclear if _is_rare(r)]
    if rare:
        lines.append(
            "Too rare in this scenario to tell, fewer than one a run with and without sharing: "
            + "; ".join(f"{OUTCOME_BY_NAME[r['outcome']].label} ({_rare_words(r)})" for r in rare)
            + "."
        )
    return lines


def voi_overview(experiment: Experiment, voi: list[dict[str, Any]]) -> str:
    """One sentence over every sharing policy and sweep point: where sharing pays and where it does not."""
    if not voi:
        return ""

    def where(entry: dict[str, Any]) -> str:
        point = f" ({sweep_label(experiment, entry['point'])})" if experiment.sweep else ""
        return _label(entry["policy"]) + point

    pays = [where(e) for e in voi if any(r["verdict"] == "better" for r in e["rows"])]
    not_pays = [where(e) for e in voi if not any(r["verdict"] == "better" for r in e["rows"])]
    costly = [where(e) for e in voi if any(r["verdict"] == "worse" for r in e["rows"])]
    parts = [
        f"Sharing pays (at least one outcome significantly better than sharing nothing) in {len(pays)} of "
        f"{len(voi)} cases" + (f": {', '.join(pays)}" if pays else ""),
        f"it does not pay in {len(not_pays)}" + (f": {', '.join(not_pays)}" if not_pays else ""),
        f"and it makes at least one outcome significantly worse in {len(costly)}"
        + (f": {', '.join(costly)}" if costly else ""),
    ]
    return "; ".join(parts) + "."


def _voi_table_rows(entry: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    out = []
    for r in entry["rows"]:
        meta = OUTCOME_BY_NAME[r["outcome"]]
        per_cost = r["per_million_cost"]
        out.append(
            (
                f"{meta.label} ({meta.unit})",
                _interval(r["diff"]),
                _interval(r["per_1000_records"]),
                "n/a (no extra cost)" if per_cost is None else _interval(per_cost),
                "" if r["verdict"] == "no clear difference" else r["verdict"],
            )
        )
    return out


VOI_HEAD = ("outcome", "change vs no sharing", "per 1,000 records shared", "per million of extra cost", "verdict")


def _html_voi(experiment: Experiment, voi: list[dict[str, Any]]) -> str:
    if not voi:
        return ""
    esc = html.escape
    out = ["<h2>Value of information: where sharing pays and what it costs</h2>", f"<p>{esc(VOI_INTRO)}</p>"]
    out.append(f"<p><b>{esc(voi_overview(experiment, voi))}</b></p>")
    if any(entry.get("chain") for entry in voi):
        out.append(f"<p>{esc(CHAIN_INTRO)}</p>")
    for entry in voi:
        title = _label(entry["policy"]) + (f" — {sweep_label(experiment, entry['point'])}" if experiment.sweep else "")
        out.append(f"<h3>{esc(title)}</h3>")
        out += [f"<p>{esc(line)}</p>" for line in entry["text"]]
        out.append(_plain_html_table(VOI_HEAD, _voi_table_rows(entry)))
        if entry.get("chain"):
            out.append(f"<h4>{esc(CHAIN_TITLE)}</h4>")
            out += [f"<p>{esc(line)}</p>" for line in entry["chain"]["text"]]
            out.append(_plain_html_table(_chain_head(entry), _chain_table_rows(entry)))
    return "\n".join(out)


def _markdown_voi(experiment: Experiment, voi: list[dict[str, Any]]) -> list[str]:
    if not voi:
        return []
    lines = ["", "## Value of information: where sharing pays and what it costs", "", VOI_INTRO]
    lines += ["", f"**{voi_overview(experiment, voi)}**"]
    if any(entry.get("chain") for entry in voi):
        lines += ["", CHAIN_INTRO]
    for entry in voi:
        title = _label(entry["policy"]) + (f" — {sweep_label(experiment, entry['point'])}" if experiment.sweep else "")
        lines += ["", f"### {title}", ""]
        lines += [f"{line}" for line in entry["text"]]
        lines += ["", *_plain_markdown_table(VOI_HEAD, _voi_table_rows(entry))]
        if entry.get("chain"):
            lines += ["", f"#### {CHAIN_TITLE}", ""]
            lines += entry["chain"]["text"]
            lines += ["", *_plain_markdown_table(_chain_head(entry), _chain_table_rows(entry))]
    return lines


def _plain_html_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An HTML table of text cells (escaped) under a header row."""
    esc = html.escape
    cells = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return "<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + f"</tr>{cells}</table>"


def _plain_markdown_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """The lines of a markdown table of text cells under a header row."""
    return ["| " + " | ".join(head) + " |", "|---" * len(head) + "|", *("| " + " | ".join(r) + " |" for r in rows)]


# -------------------------------------------------------------------- the chain from records to dismantling

#: The chain through which sharing works, in order: records an investigating agency can see let its
#: investigators identify members, the climb through the network reaches organisers, organisers are convicted,
#: and a network left without an organiser at large is dismantled. A gain in records is worth something only
#: as far as it travels down this chain.
SHARING_CHAIN = ("members_identified", "organisers_arrested", "organisers_convicted", "networks_dismantled")
CHAIN_TITLE = "From records to dismantled networks"
CHAIN_INTRO = (
    "Sharing works through a chain: the records an agency can see help its investigators identify a network's "
    "members, their climb through the network reaches its organisers, organisers are convicted, and a network "
    "left without an organiser at large is dismantled. Under each policy, the chain's stages that this experiment "
    "measures show how far its gain travels: a stage holds when the 95% interval of its change against sharing "
    "nothing lies clear of zero on the better side. The chain diagnoses where a gain goes; which of its stages "
    "also survive Holm's correction over the whole results table (the verdicts that say whether a policy pays) "
    "is said beside it. Where the gain is lost, the step into that stage is described with the scenario "
    "settings that govern it."
)
#: What comes before the first stage of the chain.
CHAIN_START = "records an agency can see"
#: Measured figures (run columns) that explain a break at a stage: quoted, baseline and policy, when the runs
#: have them.
CHAIN_MEASURED = {
    "organisers_convicted": ("days_to_verdict", "absconded", "court_utilisation"),
    "networks_dismantled": ("mean_days_to_dismantle",),
}
#: Units of outcomes that count events in a run: below one a run under both policies, a change cannot be told.
COUNT_UNITS = ("people", "groups", "cases", "events", "records", "networks")


def measured_means(base: pd.DataFrame, mine: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Means (baseline, policy) over paired replications of the measured figures :data:`CHAIN_MEASURED` names,
    for those the runs have (runs with no value, e.g. no network dismantled, are left out of a mean)."""
    names = {name for names in CHAIN_MEASURED.values() for name in names}
    return {
        name: (float(base[name].mean()), float(mine[name].mean()))
        for name in sorted(names)
        if name in base.columns and name in mine.columns
    }


def resolved_scenario(experiment: Experiment, point: int, policy: str) -> dict:
    """The scenario one (sweep point, policy) ran, as a nested dict: the scenario file with the baseline's,
    the sweep point's and the policy's overrides."""
    from sim.scenario import load_scenario, to_dict

    overrides = experiment.run_overrides(experiment.policy(policy), experiment.sweep_points()[point])
    return to_dict(load_scenario(experiment.scenario_path, overrides).spec)


def _value_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _setting(scenario: dict, key: str) -> str:
    """``key = value`` as the scenario has it; the bare key when the scenario has no such key."""
    value = _lookup(scenario, key)
    return key if value is _MISSING_VALUE else f"{key} = {_value_text(value)}"


def _settings(scenario: dict, *keys: str) -> str:
    """`` (key = value, ...)`` for those of the keys the scenario has; empty when it has none of them."""
    found = [_setting(scenario, k) for k in keys if _lookup(scenario, k) is not _MISSING_VALUE]
    return f" ({', '.join(found)})" if found else ""


def _investigators(scenario: dict) -> str:
    members = _lookup(scenario, "agencies.members")
    if members is _MISSING_VALUE or not members:
        return "investigators"
    each = ", ".join(f"{m['name']} {m['investigators']}" for m in members)
    return f"investigators (agencies.members[].investigators: {each})"


def _step_into(stage: str, scenario: dict) -> str:
    """How the model turns the chain's previous stage into ``stage``, naming the governing scenario keys with
    their values in ``scenario``."""
    if stage == "members_identified":
        return (
            "after an arrest, the arresting agency's investigators identify another member of the network with "
            "probability 1 - exp(-agencies.investigation_yield x investigators x linked records it can see), "
            f"{_setting(scenario, 'agencies.investigation_yield')}, {_investigators(scenario)}"
        )
    if stage == "organisers_arrested":
        return (
            "each rung of the climb from the arrested member to an organiser succeeds with 1 - exp(-agencies."
            "investigation_yield x investigators x linked records), and the climb stops at the first failure: "
            f"{_setting(scenario, 'agencies.investigation_yield')}, {_investigators(scenario)}; organisers a "
            f"network: {_setting(scenario, 'traffickers.organisers')}"
        )
    if stage == "organisers_convicted":
        return (
            "an arrested organiser waits for a verdict through the procedure and the court queue"
            + _settings(scenario, "legal.procedural_delay_days", "legal.courts", "legal.trial_days_mean")
            + ", is held pending trial while a detention place is free or, when places go by the weight of the "
            "charge, by taking the place of an accused facing a lighter one"
            + _settings(scenario, "legal.detention_capacity", "legal.detention_priority")
            + ", may abscond when released"
            + _settings(scenario, "legal.abscond_probability")
            + ", and is convicted with a probability that grows with the evidence (legal.base_conviction_probability "
            "x evidence without a witness), the evidence of an investigation being weaker than that of an arrest in "
            "the act"
            + _settings(
                scenario,
                "legal.base_conviction_probability",
                "legal.evidence_by_investigation",
                "legal.evidence_half_life_days",
            )
        )
    if stage == "networks_dismantled":
        return (
            f"a network is dismantled only after {_setting(scenario, 'traffickers.dismantle_days')} days with no "
            "organiser at large, unless it finds a new organiser first (after "
            f"{_setting(scenario, 'traffickers.organiser_replacement_days')} days on average) or its organiser is "
            f"released, acquitted or back from prison; organisers a network: "
            f"{_setting(scenario, 'traffickers.organisers')}"
        )
    raise ValueError(f"no mechanism described for the stage {stage!r}")


def _is_rare(row: dict[str, Any]) -> bool:
    """A count that stays below one a run both without and with sharing: too rare to tell a change."""
    if OUTCOME_BY_NAME[row["outcome"]].unit not in COUNT_UNITS:
        return False
    return bool(row["base_mean"] < 1 and row["policy_mean"] < 1)


def _rare_words(row: dict[str, Any]) -> str:
    if row["base_mean"] == 0 and row["policy_mean"] == 0:
        return "none in any run, with or without sharing"
    return f"{format_number(row['base_mean'])} a run without sharing, {format_number(row['policy_mean'])} with it"


def sharing_chain(
    experiment: Experiment, entry: dict[str, Any], measured: dict[str, tuple[float, float]]
) -> dict[str, Any] | None:
    """Follow one (point, policy)'s gain down :data:`SHARING_CHAIN` and say where it stops and why.

    Uses the chain's stages among the experiment's outcomes, in chain order (None when fewer than two). A stage
    holds when its change is significantly better or its 95% interval lies clear of zero on the better side
    (:func:`_holds`); which of the stages that hold survive Holm's correction is said too. Returns
    ``rows`` (the stages' rows of the entry: means, paired difference, verdict) and ``text``: through which
    stages the gain holds and the first where it is lost (or that it holds all the way, or does not reach the
    first stage); where it is lost, how the model makes that stage from the one before, naming the governing
    scenario keys with their values in the scenario this (point, policy) ran (:func:`resolved_scenario`), and the
    measured figures that bear on that step (``measured``: run means without sharing and with it).
    """
    by_outcome = {r["outcome"]: r for r in entry["rows"]}
    rows = [by_outcome[s] for s in SHARING_CHAIN if s in by_outcome]
    if len(rows) < 2:
        return None
    held = next((i for i, r in enumerate(rows) if not _holds(r)), len(rows))
    if held == len(rows):
        text = ["The gain holds all the way: " + ", ".join(map(_stage, rows)) + "."]
        return {"rows": rows, "text": text + _corrected(rows, entry["family"])}
    lost = rows[held]
    text = [_where_lost(rows, held)]
    again = [r for r in rows[held + 1 :] if _holds(r)]
    if again:
        text.append("Further down the chain the change is clear of zero again: " + ", ".join(map(_stage, again)) + ".")
    text += _corrected(rows[:held] + again, entry["family"])
    index = SHARING_CHAIN.index(lost["outcome"])
    before = CHAIN_START if index == 0 else OUTCOME_BY_NAME[SHARING_CHAIN[index - 1]].label
    scenario = resolved_scenario(experiment, entry["point"], entry["policy"])
    text.append(f"From {before} to {OUTCOME_BY_NAME[lost['outcome']].label}: {_step_into(lost['outcome'], scenario)}.")
    figures = [
        f"{OUTCOME_BY_NAME[name].label} {format_number(measured[name][0])} and {format_number(measured[name][1])}"
        + ("" if OUTCOME_BY_NAME[name].unit in ("ratio", "share") else f" {OUTCOME_BY_NAME[name].unit}")
        for name in CHAIN_MEASURED.get(lost["outcome"], ())
        if name in measured and not math.isnan(measured[name][0] + measured[name][1])
    ]
    if figures:
        policy = _label(entry["policy"])
        text.append(f"Measured at that step, without sharing and under {policy}: " + "; ".join(figures) + ".")
    return {"rows": rows, "text": text}


def _holds(row: dict[str, Any]) -> bool:
    """A chain stage holds: significantly better after Holm's correction, or the 95% interval of its change lies
    clear of zero on the better side (a count too rare to tell never holds)."""
    if row["verdict"] == "better":
        return True
    higher, diff = OUTCOME_BY_NAME[row["outcome"]].higher_is_better, row["diff"]
    if higher is None or _is_rare(row):
        return False
    return bool(diff.ci_low > 0) if higher else bool(diff.ci_high < 0)


def _corrected(held: list[dict[str, Any]], family: int) -> list[str]:
    """Which of the stages that hold also survive Holm's correction (nothing to say when all do)."""
    loose = [r for r in held if r["verdict"] != "better"]
    if not loose:
        return []
    strict = [OUTCOME_BY_NAME[r["outcome"]].label for r in held if r["verdict"] == "better"]
    head = f"After Holm's correction over the {family} comparisons of the results table, "
    if strict:
        verb = "is" if len(strict) == 1 else "are"
        names = " and ".join(strict)
        return [f"{head}{names} {verb} significant; the other intervals are clear of zero only before it."]
    return [f"{head}none of these stages is significant: their intervals are clear of zero only before it."]


def _stage(row: dict[str, Any]) -> str:
    return f"{OUTCOME_BY_NAME[row['outcome']].label} ({_interval(row['diff'])})"


def _where_lost(rows: list[dict[str, Any]], held: int) -> str:
    """The stages the gain holds through (the first ``held`` rows) and the stage where it is lost, with why it
    does not count: significantly worse, too rare to tell, or (at the first stage) an interval reaching zero."""
    lost = rows[held]
    how = ""
    if lost["verdict"] == "worse":
        how = ": significantly worse than without sharing"
    elif _is_rare(lost):
        how = f": too rare in this scenario to tell ({_rare_words(lost)})"
    if held:
        return f"The gain holds through {', '.join(map(_stage, rows[:held]))} and is lost at {_stage(lost)}{how}."
    how = how or ": its 95% interval does not lie clear of zero on the better side"
    unmeasured = SHARING_CHAIN[: SHARING_CHAIN.index(lost["outcome"])]
    if not unmeasured:
        return f"The gain does not reach the first stage, {_stage(lost)}{how}."
    names = " and ".join(OUTCOME_BY_NAME[s].label for s in unmeasured)
    return (
        f"The gain does not reach the first stage this experiment measures, {_stage(lost)}{how}; {names} "
        f"{'is' if len(unmeasured) == 1 else 'are'} not among its outcomes, so whether it is lost before cannot "
        "be told."
    )


def _chain_table_rows(entry: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            f"{OUTCOME_BY_NAME[r['outcome']].label} ({OUTCOME_BY_NAME[r['outcome']].unit})",
            format_number(r["base_mean"]),
            format_number(r["policy_mean"]),
            _interval(r["diff"]),
            "" if r["verdict"] == "no clear difference" else r["verdict"],
        )
        for r in entry["chain"]["rows"]
    ]


def _chain_head(entry: dict[str, Any]) -> tuple[str, ...]:
    policy = f"{_label(entry['policy'])}, mean a run"
    return ("stage", "no sharing, mean a run", policy, "change [95% interval]", "verdict")


_CAPTIONS = {
    "outcomes": (
        "Mean over replications for each policy; the whisker is the 95% confidence interval. A thick green outline "
        "marks a significant improvement over the baseline, a thick red outline a significant deterioration."
    ),
    "tradeoffs": (
        "Each point is a policy (mean, with 95% intervals both ways). Moving right costs more; whether moving up is "
        "good depends on the panel: fewer successful crossings, deaths or wrongful detentions is better."
    ),
    "timeseries": (
        "The daily value of each outcome, averaged over replications, with a shaded 95% band. Cumulative outcomes "
        "rise over the run; diverging lines show when a policy starts to make a difference."
    ),
    "crossing_maps": (
        "Every crossing attempt of every replication, drawn where it met the border, over the scenario's terrain, "
        "border and sensors under that policy: blue interdicted, red got through, black died. Compare the maps to "
        "see displacement: where crossings move when part of the border is reinforced."
    ),
    "border_profile": (
        "Crossing attempts, deaths and successful crossings per run in 2-km stretches of the border, west (left) to "
        "east (right). A policy that shifts a line sideways displaces crossings rather than stopping them."
    ),
}

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.lead{font-size:1.1em;color:#444}.caption{color:#555;font-size:.92em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}th,td{border:1px solid #ccc;padding:4px 7px;
vertical-align:top}th{background:#f3f3f3}td.better{background:#e6f4ea}td.worse{background:#fce8e6}
td.neutral{background:#eef2fb}.unit{color:#666;font-size:.85em}img{max-width:100%;border:1px solid #eee}
code{font-size:.9em}dt{font-weight:bold;margin-top:.5em}ul.warning{background:#fff4e5;padding:.5em 2em}
"""
