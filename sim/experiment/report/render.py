"""The report as HTML and Markdown: Jinja2 templates (``templates/``) filled from the report's tables.

:func:`write_report` computes the tables (:mod:`sim.experiment.report.tables`) and writes them as CSV, draws the
figures (:mod:`sim.experiment.report.figures`), turns the tables into cells and sentences
(:mod:`sim.experiment.report.text`) and renders ``report.html`` (self-contained: inline CSS, figures embedded as
base64 PNG, no external resources) and ``report.md`` (figures as PNG files beside it) from the same context.
The fixed prose is in ``templates/prose.j2``, shared by both.
"""

from __future__ import annotations

import base64
import functools
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from sim.experiment.report.decision import few_replications
from sim.experiment.report.figures import ReportFigure, png, report_figures
from sim.experiment.report.tables import TABLE_FILES, ReportTables, entries, report_tables, write_tables
from sim.experiment.report.text import (
    UNCLEAR_HEAD,
    VOI_HEAD,
    chain_cells,
    chain_head,
    chain_text,
    cost_effectiveness_rows,
    court_warning,
    delay_cells,
    delay_head,
    delay_text,
    direction_words,
    few_replications_warning,
    format_ratio,
    label,
    override_text,
    ranking_rows,
    result_cell,
    scope_lines,
    setup_lines,
    sweep_label,
    tower_lines,
    unclear_rows,
    voi_cells,
    voi_overview,
    voi_text,
    where,
)
from sim.experiment.spec import BASELINE, Experiment
from sim.experiment.stats import POWER_METHOD
from sim.metrics import OUTCOME_BY_NAME


def write_report(experiment: Experiment, out_dir: Path, runs: pd.DataFrame, summary: pd.DataFrame) -> tuple[Path, Path]:
    """Write the report's tables (CSV), ``report.html`` and ``report.md`` (with PNG figures) into ``out_dir``.

    Returns:
        The paths of the HTML and Markdown reports.
    """
    out_dir = Path(out_dir)
    tables = report_tables(experiment, runs, summary)
    write_tables(tables, out_dir)
    figures = report_figures(experiment, out_dir, summary)
    pngs = {figure.slug: png(figure.figure) for figure in figures}
    for slug, data in pngs.items():
        (out_dir / f"report_{slug}.png").write_bytes(data)
    context = report_context(experiment, tables, figures, total=len(runs))
    html_path = out_dir / "report.html"
    images = {slug: base64.b64encode(data).decode("ascii") for slug, data in pngs.items()}
    html_path.write_text(render("report.html", context, images=images), encoding="utf-8")
    md_path = out_dir / "report.md"
    md_path.write_text(render("report.md", context), encoding="utf-8")
    return html_path, md_path


def render(template: str, context: dict[str, Any], **extra: Any) -> str:
    """Render one of the report's templates; HTML escapes every value, Markdown none."""
    return _environment(template.endswith(".html")).get_template(template).render(context, **extra)


@functools.cache
def _environment(autoescape: bool) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("sim.experiment.report", "templates"),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["oneline"] = _oneline
    return environment


def _oneline(text: str) -> str:
    """A paragraph written over several lines of a template, as one line (single spaces); HTML already escaped
    (``Markup``) stays marked as such."""
    return type(text)(" ".join(text.split()))


def report_context(experiment: Experiment, tables: ReportTables, figures: list[ReportFigure], total: int) -> dict:
    """What the templates show, as text: every value comes from the report's tables."""
    summary = tables.summary
    overrides = dict(tuple(tables.policies.groupby("policy", sort=False)))
    first, points = _point_heading(experiment, 0), len(experiment.sweep_points())
    return {
        "name": experiment.name,
        "title": f"{label(experiment.name)}: what each policy changes",
        "description": experiment.description,
        "replications": experiment.replications,
        "days": f"{experiment.days:g}",
        "warmup_days": experiment.warmup_days,
        "sweep": bool(experiment.sweep),
        "setup": setup_lines(experiment, total, len(tables.failed)),
        "policies": [
            (label(name), [override_text(row) for _, row in overrides.get(name, pd.DataFrame()).iterrows()])
            for name in experiment.policy_names
        ],
        "warnings": [court_warning(experiment, row) for _, row in tables.court_load.iterrows() if row["overloaded"]],
        "policy_labels": [label(p) for p in experiment.policy_names],
        "results": [] if summary.empty else _results(experiment, summary),
        "pairing": _pairing(experiment, tables.pairing),
        "voi": _voi(experiment, tables),
        "delay": _delay(experiment, tables),
        "decision": _decision(experiment, tables, figures),
        "figures": [
            {"slug": f.slug, "sweep": f.sweep, "first_point": first, "points": points}
            for f in figures
            if f.slug not in DECISION_FIGURES
        ],
        "failed": [(r.policy, r.replication, r.seed, r.error) for r in tables.failed.itertuples()],
        "table_files": list(TABLE_FILES.values()),
    }


#: Figures shown in the decision summary rather than among the others.
DECISION_FIGURES = ("density_difference",)


def _decision(experiment: Experiment, tables: ReportTables, figures: list[ReportFigure]) -> dict[str, Any]:
    """The decision summary: the warning of few replications, per sweep point the ranking, the cost-effectiveness
    and the unclear changes with the replications that would detect them, the scope notes, and the difference
    maps."""
    summary = tables.summary
    points = []
    for point in sorted(summary["sweep_point"].unique()) if not summary.empty else []:
        ranking_head, ranking = ranking_rows(experiment, tables.ranking, int(point))
        ce_head, ce = cost_effectiveness_rows(tables.cost_effectiveness, int(point))
        points.append(
            {"heading": _point_heading(experiment, int(point)), "ranking_head": ranking_head, "ranking": ranking}
            | {"ce_head": ce_head, "ce": ce, "unclear_head": UNCLEAR_HEAD}
            | {"unclear": unclear_rows(experiment, tables.effects, int(point))}
        )
    first, count = _point_heading(experiment, 0), len(experiment.sweep_points())
    shown = [
        {"slug": f.slug, "sweep": f.sweep, "first_point": first, "points": count}
        for f in figures
        if f.slug in DECISION_FIGURES
    ]
    return {
        "warning": few_replications_warning(experiment) if few_replications(experiment) else "",
        "comparisons": int(summary["p_value"].notna().sum()) if not summary.empty else 0,
        "points": points,
        "scope": scope_lines(experiment, tables.scope),
        "towers": tower_lines(experiment, tables.towers),
        "power_method": POWER_METHOD,
        "figures": shown,
    }


def _point_heading(experiment: Experiment, point: int) -> str:
    return sweep_label(experiment, point) if experiment.sweep else ""


def _results(experiment: Experiment, summary: pd.DataFrame) -> list[dict[str, Any]]:
    """Per sweep point: the results table's rows (outcome label, unit, direction words, a cell per policy)."""
    points = []
    for point, table in summary.groupby("sweep_point", sort=True):
        cells = table.set_index(["outcome", "policy"], drop=False)
        rows = []
        for outcome in experiment.outcomes:
            meta = OUTCOME_BY_NAME[outcome]
            row = {"label": meta.label, "unit": meta.unit, "direction": direction_words(meta.direction)}
            row["cells"] = [result_cell(cells.loc[(outcome, p)], p == BASELINE) for p in experiment.policy_names]
            rows.append(row)
        points.append({"heading": _point_heading(experiment, int(point)), "rows": rows})
    return points


def _pairing(experiment: Experiment, pairing: pd.DataFrame) -> list[dict[str, Any]]:
    """Per sweep point: the pairing table, outcomes down and policies (not the baseline) across."""
    policies = [p for p in experiment.policy_names if p != BASELINE]
    points = []
    for point, table in pairing.groupby("sweep_point", sort=True):
        ratios = table.set_index(["outcome", "policy"])["pairing_sd_ratio"]
        rows = [
            (OUTCOME_BY_NAME[o].label, *(format_ratio(ratios.get((o, p), float("nan"))) for p in policies))
            for o in experiment.outcomes
        ]
        points.append({"heading": _point_heading(experiment, int(point)), "rows": rows})
    return [{"head": ("outcome", *map(label, policies)), **point} for point in points]


def _voi(experiment: Experiment, tables: ReportTables) -> dict[str, Any] | None:
    """The value-of-information section: the overview sentence and, per (point, sharing policy), its sentences
    and table, and its chain's sentences and table when it has a chain."""
    voi = entries(tables.value_of_information)
    if not voi:
        return None
    chains = dict(entries(tables.sharing_chain))
    shown = []
    for (point, policy), rows in voi:
        entry = {"title": where(experiment, point, policy), "text": voi_text(experiment, rows)}
        entry.update(head=VOI_HEAD, cells=voi_cells(rows), chain=None)
        if (point, policy) in chains:
            stages = chains[(point, policy)]
            text = chain_text(experiment, stages, tables.chain_settings, tables.chain_measured)
            entry["chain"] = {"text": text, "head": chain_head(policy), "cells": chain_cells(stages)}
        shown.append(entry)
    return {"overview": voi_overview(experiment, tables.value_of_information), "entries": shown, "chain": bool(chains)}


def _delay(experiment: Experiment, tables: ReportTables) -> list[dict[str, Any]]:
    """The delay-chain section: per (point, policy) that changes the legal delay, its sentences and table."""
    return [
        {
            "title": where(experiment, point, policy),
            "text": delay_text(experiment, rows, tables.delay_settings),
            "head": delay_head(policy),
            "cells": delay_cells(rows),
        }
        for (point, policy), rows in entries(tables.delay_chain)
    ]
