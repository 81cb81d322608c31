"""The report of an exploration: tables written as CSV, figures, and ``report.md`` / ``report.html``.

:func:`write_report` computes the tables (:mod:`sim.explore.analysis`) and writes each as CSV
(``indices.csv``, ``convergence.csv``, ``agreement.csv``, ``robustness.csv``, ``sign_drivers.csv`` and, with
discovery, ``discovery_boxes.csv``, ``discovery_limits.csv``, ``discovery_trajectory.csv``), draws the figures
(Morris' mu*-sigma plots or Sobol's index bars per outcome, PRIM's peeling trajectory and box) and renders the
Markdown and HTML reports from the same context with the Jinja2 templates ``explore.md`` and ``explore.html`` of
:mod:`sim.experiment.report` (HTML self-contained, figures as base64 PNG; Markdown beside its PNG files).
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiment.report.figures import png
from sim.experiment.report.render import render
from sim.experiment.report.text import format_number, label
from sim.experiment.spec import BASELINE
from sim.explore.analysis import (
    SIGNIFICANCE,
    Boxes,
    Indices,
    condition_holds,
    discover,
    effect_name,
    robustness,
    sensitivity_indices,
    sign_drivers,
)
from sim.explore.execute import ExplorationResult
from sim.explore.spec import SIZE_MEANS, Exploration
from sim.metrics import OUTCOME_BY_NAME

#: Parameters listed per outcome in the report's index tables (every one is in indices.csv).
SHOWN = 8
#: Sign drivers listed per policy and outcome in "where this policy stops working".
DRIVERS_SHOWN = 3


@dataclass
class ExplorationReport:
    """The report's tables: sensitivity (with convergence), robustness, sign drivers and discovery."""

    exploration: Exploration
    indices: Indices | None
    robustness: pd.DataFrame
    drivers: pd.DataFrame
    boxes: Boxes | None


def report_tables(exploration: Exploration, result: ExplorationResult) -> ExplorationReport:
    """Every table of the report, from the exploration's design and per-point outcomes."""
    sensitivity = None
    if exploration.method in ("morris", "sobol"):
        sensitivity = sensitivity_indices(exploration, result.design, result.points)
    boxes = None
    if exploration.discovery is not None:
        holds = condition_holds(exploration.discovery.condition, result.points)
        samples = result.design.samples.set_index("sample").loc[holds.index, exploration.keys]
        ranges = {u.key: (u.low, u.high) for u in exploration.uncertainties}
        boxes = discover(exploration.discovery, samples, holds.to_numpy(), ranges)
    return ExplorationReport(
        exploration,
        sensitivity,
        robustness(exploration, result.points),
        sign_drivers(exploration, result.design, result.points),
        boxes,
    )


def write_tables(report: ExplorationReport, out_dir: Path) -> list[str]:
    """Write the report's tables as CSV into ``out_dir``; return their file names."""
    tables = {"robustness.csv": report.robustness, "sign_drivers.csv": report.drivers}
    if report.indices is not None:
        tables |= {
            "indices.csv": report.indices.indices,
            "convergence.csv": report.indices.convergence,
            "agreement.csv": report.indices.agreement,
        }
    if report.boxes is not None:
        tables |= {
            "discovery_boxes.csv": report.boxes.boxes,
            "discovery_limits.csv": report.boxes.limits,
            "discovery_trajectory.csv": report.boxes.trajectory,
        }
    for name, table in tables.items():
        table.to_csv(out_dir / name, index=False)
    return sorted(tables)


def write_report(exploration: Exploration, result: ExplorationResult) -> ExplorationReport:
    """Write the tables (CSV), the figures (PNG) and ``report.md`` / ``report.html`` into the results folder."""
    out_dir = Path(result.out_dir)
    report = report_tables(exploration, result)
    files = write_tables(report, out_dir)
    figures = report_figures(report)
    pngs = {slug: png(figure) for slug, figure in figures.items()}
    for slug, data in pngs.items():
        (out_dir / f"explore_{slug}.png").write_bytes(data)
    context = report_context(report, result, files, list(pngs))
    images = {slug: base64.b64encode(data).decode("ascii") for slug, data in pngs.items()}
    (out_dir / "report.html").write_text(render("explore.html", context, images=images), encoding="utf-8")
    (out_dir / "report.md").write_text(render("explore.md", context), encoding="utf-8")
    return report


def leading_lines(report: ExplorationReport) -> list[str]:
    """One line per outcome: its leading parameters at the baseline (and whether half the design agrees)."""
    if report.indices is None or report.indices.indices.empty:
        return []
    table = report.indices.indices
    agreement = report.indices.agreement.set_index(["subject", "outcome"])
    lines = []
    for outcome in report.exploration.experiment.outcomes:
        rows = table[(table["subject"] == BASELINE) & (table["outcome"] == outcome)].nsmallest(3, "rank")
        if rows.empty:
            continue
        agree = agreement.loc[(BASELINE, outcome), "agree"]
        names = ", ".join(rows["parameter"])
        lines.append(f"{outcome}: {names}" + ("" if agree else "  (half the design ranks others first)"))
    return lines


# -- figures -----------------------------------------------------------------------------------------


def report_figures(report: ExplorationReport) -> dict[str, Figure]:
    """The figures the tables allow: per subject (the baseline, each policy's effect) the indices of every
    outcome, and PRIM's peeling trajectory and boxes."""
    figures: dict[str, Figure] = {}
    exploration = report.exploration
    if report.indices is not None and not report.indices.indices.empty:
        for subject in _subjects_shown(exploration):
            table = report.indices.indices[report.indices.indices["subject"] == subject]
            if table.empty:
                continue
            draw = morris_figure if exploration.method == "morris" else sobol_figure
            figures[_slug(subject)] = draw(exploration, table, subject)
    if report.boxes is not None and not report.boxes.boxes.empty:
        figures["discovery"] = prim_figure(report.boxes)
    return figures


def _subjects_shown(exploration: Exploration) -> list[str]:
    return [BASELINE] + [effect_name(p) for p in exploration.experiment.policy_names[1:]]


def _slug(subject: str) -> str:
    return "indices_" + subject.replace(" - ", "_vs_").replace(".", "_")


def _grid(count: int) -> tuple[int, int]:
    columns = min(3, count)
    return math.ceil(count / columns), columns


def morris_figure(exploration: Exploration, table: pd.DataFrame, subject: str) -> Figure:
    """Morris' mu* against sigma, one panel per outcome, the leading parameters named; whiskers: mu*'s 95%
    bootstrap interval."""
    outcomes = [o for o in exploration.experiment.outcomes if o in set(table["outcome"])]
    rows, columns = _grid(len(outcomes))
    fig = Figure(figsize=(4.6 * columns, 3.8 * rows), layout="constrained")
    for i, outcome in enumerate(outcomes):
        ax = fig.add_subplot(rows, columns, i + 1)
        part = table[table["outcome"] == outcome]
        ax.errorbar(
            part["mu_star"],
            part["sigma"],
            xerr=part["mu_star_conf"],
            fmt="o",
            ms=4,
            color="#1f77b4",
            ecolor="#9ecae1",
            lw=1,
        )
        top = max(float(part["mu_star"].max()), float(part["sigma"].max()), 1e-12)
        ax.plot([0, top], [0, top], color="#999", lw=0.8, ls="--")
        for row in part.nsmallest(4, "rank").itertuples():
            ax.annotate(
                _short(row.parameter), (row.mu_star, row.sigma), fontsize=7, xytext=(3, 3), textcoords="offset points"
            )
        ax.set_title(OUTCOME_BY_NAME[outcome].label, fontsize=9)
        ax.set_xlabel("mu*", fontsize=8)
        ax.set_ylabel("sigma", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle(f"Morris mu* and sigma: {label(subject)} (dashed: sigma = mu*)", fontsize=10)
    return fig


def sobol_figure(exploration: Exploration, table: pd.DataFrame, subject: str) -> Figure:
    """Sobol's first-order and total indices with their 95% bootstrap intervals, one panel per outcome, the
    parameters ranked by the total index."""
    outcomes = [o for o in exploration.experiment.outcomes if o in set(table["outcome"])]
    rows, columns = _grid(len(outcomes))
    fig = Figure(figsize=(4.6 * columns, 3.6 * rows), layout="constrained")
    for i, outcome in enumerate(outcomes):
        ax = fig.add_subplot(rows, columns, i + 1)
        part = table[table["outcome"] == outcome].nsmallest(SHOWN, "rank").iloc[::-1]
        y = np.arange(len(part))
        ax.barh(y + 0.2, part["ST"], 0.4, xerr=part["ST_conf"], color="#1f77b4", label="ST")
        ax.barh(y - 0.2, part["S1"], 0.4, xerr=part["S1_conf"], color="#ff7f0e", label="S1")
        ax.set_yticks(y, [_short(p) for p in part["parameter"]], fontsize=7)
        ax.set_title(OUTCOME_BY_NAME[outcome].label, fontsize=9)
        ax.tick_params(labelsize=7)
        if i == 0:
            ax.legend(fontsize=7)
    fig.suptitle(f"Sobol indices: {label(subject)}", fontsize=10)
    return fig


def prim_figure(boxes: Boxes) -> Figure:
    """Left: each box's peeling trajectory (coverage against density), the chosen step circled. Right: each box's
    limits on its restricted parameters, as a share of the parameter's range."""
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c"]
    for row in boxes.boxes.itertuples():
        steps = boxes.trajectory[boxes.trajectory["box"] == row.box]
        colour = colours[(row.box - 1) % len(colours)]
        left.scatter(steps["coverage"], steps["density"], c=colour, s=12, label=f"box {row.box}")
        left.scatter([row.coverage], [row.density], s=120, facecolors="none", edgecolors="k")
    left.set_xlabel("coverage")
    left.set_ylabel("density")
    left.set_title("peeling trajectory (circled: the box reported)", fontsize=9)
    left.legend(fontsize=8)
    limits = boxes.limits.reset_index(drop=True)
    if limits.empty:
        right.text(0.5, 0.5, "no restriction the sample supports", ha="center", va="center", transform=right.transAxes)
    for i, row in limits.iterrows():
        span = row["range_high"] - row["range_low"]
        low = (row["low"] - row["range_low"]) / span
        high = (row["high"] - row["range_low"]) / span
        colour = colours[(int(row["box"]) - 1) % len(colours)]
        right.plot([0, 1], [i, i], color="#ddd", lw=6, solid_capstyle="butt")
        right.plot([low, high], [i, i], color=colour, lw=6, solid_capstyle="butt")
        right.annotate(
            f"{row['low']:.3g}", (low, i), xytext=(0, 6), textcoords="offset points", fontsize=7, ha="center"
        )
        right.annotate(
            f"{row['high']:.3g}", (high, i), xytext=(0, 6), textcoords="offset points", fontsize=7, ha="center"
        )
    right.set_yticks(
        range(len(limits)),
        [f"box {int(b)}: {_short(p)}" for b, p in zip(limits["box"], limits["parameter"], strict=True)],
        fontsize=7,
    )
    right.set_ylim(-0.7, len(limits) - 0.3)
    right.set_xlim(-0.02, 1.02)
    right.invert_yaxis()
    right.set_xlabel("share of the parameter's range (grey: the whole range)")
    right.set_title("box limits", fontsize=9)
    return fig


def _short(key: str) -> str:
    parts = key.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else key


# -- words -------------------------------------------------------------------------------------------


def _share(value: float) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.0%}"


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.3g}" if abs(value) < 1000 else format_number(value)


def report_context(report: ExplorationReport, result: ExplorationResult, files: list[str], figures: list[str]) -> dict:
    """What the templates show, as text; every value comes from the report's tables."""
    exploration = report.exploration
    experiment = exploration.experiment
    setup = [
        f"Scenario {experiment.scenario_path.name}; {experiment.days:g} counted days a run after a warm-up of "
        f"{experiment.warmup_days} days.",
        f"Method {exploration.method}: {exploration.size} {SIZE_MEANS[exploration.method]} over "
        f"{len(exploration.uncertainties)} parameters = {exploration.samples_count()} points (SALib, sampling seed "
        f"{exploration.sample_seed}).",
        f"Each point under {len(experiment.policies)} policies ({', '.join(experiment.policy_names)}) x "
        f"{experiment.replications} replications = {result.total} runs, {result.failed} failed. Replication i of "
        "every point and policy runs with the same seed (common random numbers): a policy's effect on a point is "
        "paired, and so are the steps of a Morris trajectory.",
        "Outcomes per point are the means over the replications.",
    ]
    ranges = [
        (
            u.key,
            _number(u.low),
            _number(u.high),
            u.dist + (f" (peak at {u.peak:g} of the range)" if u.dist == "triang" else ""),
            "whole" if u.integer else "",
        )
        for u in exploration.uncertainties
    ]
    return {
        "name": exploration.name,
        "title": f"{label(exploration.name)}: which assumptions drive the outcomes, and where policies stop working",
        "description": experiment.description,
        "setup": setup,
        "ranges": ranges,
        "method": exploration.method,
        "sensitivity": _sensitivity(report, figures),
        "robustness": _robustness(report),
        "discovery": _discovery(report),
        "files": files,
    }


def _sensitivity(report: ExplorationReport, figures: list[str]) -> dict | None:
    if report.indices is None:
        return None
    exploration = report.exploration
    morris = exploration.method == "morris"
    head = (
        ("rank", "parameter", "mu*", "95% interval of mu*", "mu", "sigma")
        if morris
        else ("rank", "parameter", "S1", "95% interval of S1", "ST", "95% interval of ST")
    )
    table = report.indices.indices
    subjects = []
    for subject in _subjects_shown(exploration):
        outcomes = []
        for outcome in exploration.experiment.outcomes:
            part = table[(table["subject"] == subject) & (table["outcome"] == outcome)].nsmallest(SHOWN, "rank")
            if part.empty:
                continue
            if morris:
                rows = [
                    (
                        r.rank,
                        r.parameter,
                        _number(r.mu_star),
                        _interval(r.mu_star, r.mu_star_conf),
                        _number(r.mu),
                        _number(r.sigma),
                    )
                    for r in part.itertuples()
                ]
            else:
                rows = [
                    (
                        r.rank,
                        r.parameter,
                        _number(r.S1),
                        _interval(r.S1, r.S1_conf),
                        _number(r.ST),
                        _interval(r.ST, r.ST_conf),
                    )
                    for r in part.itertuples()
                ]
            meta = OUTCOME_BY_NAME[outcome]
            outcomes.append({"label": meta.label, "unit": meta.unit, "rows": rows})
        slug = _slug(subject)
        subjects.append({"title": label(subject), "outcomes": outcomes, "figure": slug if slug in figures else None})
    agreement = [
        (
            label(r.subject),
            OUTCOME_BY_NAME[r.outcome].label,
            r.top_all,
            r.top_half,
            "yes" if r.agree else "no",
            _number(r.rank_rho),
        )
        for r in report.indices.agreement.itertuples()
        if r.subject in _subjects_shown(exploration)
    ]
    agreed = int(report.indices.agreement["agree"].sum())
    missing = [
        f"{label(r.subject)}, {r.outcome}: {r.points_without_value} points without a value "
        "(every run of the point failed, or the outcome is undefined there)"
        for r in report.indices.missing.itertuples()
    ]
    return {
        "head": head,
        "subjects": subjects,
        "agreement": agreement,
        "agreed": f"{agreed} of {len(report.indices.agreement)}",
        "shown": SHOWN,
        "missing": missing,
    }


def _interval(value: float, half_width: float) -> str:
    return f"{_number(value - half_width)} to {_number(value + half_width)}"


def _robustness(report: ExplorationReport) -> list[dict]:
    policies = []
    table = report.robustness
    drivers = report.drivers
    for policy in report.exploration.experiment.policy_names[1:]:
        part = table[table["policy"] == policy]
        rows = [
            (
                OUTCOME_BY_NAME[r.outcome].label,
                r.direction,
                _share(r.share_helps),
                _share(r.share_raises),
                _number(r.mean_effect),
                _number(r.mean_regret),
                _number(r.p90_regret),
                _number(r.max_regret),
                _share(r.share_best),
            )
            for r in part.itertuples()
        ]
        stops = []
        for r in part.itertuples():
            helps = (
                r.share_helps
                if not (isinstance(r.share_helps, float) and math.isnan(r.share_helps))
                else r.share_raises
            )
            if not 0 < helps < 1:
                continue
            verb = "helps" if r.direction != "neutral" else "raises it"
            found = drivers[(drivers["policy"] == policy) & (drivers["outcome"] == r.outcome)].nsmallest(
                DRIVERS_SHOWN, "rank"
            )
            named = [
                f"{d.parameter} (rho {d.rho:+.2f}, p {d.p_value:.2g}; mean {_number(d.mean_where_helps)} where it "
                f"{verb.split(maxsplit=1)[0]}, {_number(d.mean_where_not)} where not)"
                for d in found.itertuples()
                if not math.isnan(d.rho)
            ]
            stops.append(
                f"{OUTCOME_BY_NAME[r.outcome].label}: {verb} on {_share(helps)} of points; "
                + ("; ".join(named) or "no parameter varies with its effect")
            )
        policies.append({"title": label(policy), "rows": rows, "stops": stops})
    return policies


def _unsupported(boxes: Boxes) -> str:
    """The sentence for a discovery whose first box keeps no restriction, or ``""``."""
    if boxes.boxes.empty or boxes.boxes.iloc[0]["restricted"]:
        return ""
    return (
        f"Released one at a time, weakest first, none of the restrictions of PRIM's box kept a quasi p-value of "
        f"{SIGNIFICANCE:g} or below: at this sample size the "
        "points where the condition holds are not told apart from the others by any range of the parameters (they "
        "are spread over the space, or the noise of the runs hides where they are). The peeling trajectory is in "
        "the figure and discovery_trajectory.csv."
    )


def _discovery(report: ExplorationReport) -> dict | None:
    if report.boxes is None or report.exploration.discovery is None:
        return None
    discovery = report.exploration.discovery
    boxes = report.boxes
    return {
        "condition": discovery.condition.describe(),
        "cases": f"{boxes.cases} of {boxes.points} points ({boxes.cases / max(boxes.points, 1):.0%})",
        "threshold": f"{discovery.threshold:g}",
        "significance": f"{SIGNIFICANCE:g}",
        "unsupported": _unsupported(boxes),
        "mass_min": f"{discovery.mass_min:g}",
        "boxes": [
            (r.box, _share(r.coverage), _share(r.density), _share(r.mass), r.points, r.restricted or "none")
            for r in boxes.boxes.itertuples()
        ],
        "limits": [
            (
                r.box,
                r.parameter,
                _number(r.low),
                _number(r.high),
                f"{_number(r.range_low)} to {_number(r.range_high)}",
                _number(r.quasi_p),
            )
            for r in boxes.limits.itertuples()
        ],
        "figure": "discovery" if not boxes.boxes.empty else None,
    }
