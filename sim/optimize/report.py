"""What ``bordersim optimize`` writes at the end: the tables (CSV), the front plotted, and the report.

In the output folder:

- ``evaluations.csv``: every candidate evaluated, in the order asked: its generation, its values, the mean of each
  objective and of the cost over ``replications`` runs, within budget or not.
- ``front.csv``: the candidates of the front evaluated again with ``final_replications`` runs: each objective's and
  the cost's mean with its 95 % interval, within budget, non-dominated, the knee; the extra towers each run sited.
- ``front.png``: the cost against each other objective: every candidate within budget (grey), the re-evaluated
  non-dominated candidates with their intervals, the knee, the budget.
- ``report.md`` and ``report.html``: the same, with the knee rule, from Jinja2 templates (``templates/``); the HTML
  is self-contained (the figure embedded).
"""

from __future__ import annotations

import base64
import csv
import functools
import io
import json
import math
from pathlib import Path
from typing import Any

import jinja2

from sim.metrics import OUTCOME_BY_NAME
from sim.optimize.search import Candidate, SearchResult, feasible
from sim.optimize.spec import COST, OptimizeSpec

KNEE_RULE = (
    "Each objective of the front is scaled to [0, 1] over the front (0 the best value on the front, 1 the worst); "
    "the knee is the candidate with the smallest sum of scaled objectives. With two objectives this is the point "
    "farthest below the line joining the front's two extremes; with more, farthest below the plane through the "
    "points that are worst in one objective and best in the others."
)


def measured(spec: OptimizeSpec) -> list[str]:
    """The outcomes the tables show: the objectives, and the cost if it is not one."""
    return [*spec.objectives, *([COST] if COST not in spec.objectives else [])]


def evaluation_rows(spec: OptimizeSpec, result: SearchResult) -> list[dict[str, Any]]:
    rows = []
    for c in result.evaluated:
        row: dict[str, Any] = {"generation": c.generation, "candidate": c.id, **c.params}
        row.update({name: _round(c.mean(name)) for name in measured(spec)})
        row["within_budget"] = feasible(spec, c)
        row["failed"] = c.failed
        rows.append(row)
    return rows


def front_rows(spec: OptimizeSpec, result: SearchResult) -> list[dict[str, Any]]:
    front = set(result.front)
    rows = []
    for c in result.final:
        row: dict[str, Any] = {"candidate": c.id, **c.params}
        for name in measured(spec):
            mean, low, high = c.interval(name)
            row.update({name: _round(mean), f"{name}_ci_low": _round(low), f"{name}_ci_high": _round(high)})
        row.update(
            runs=len(c.rows),
            within_budget=feasible(spec, c),
            non_dominated=c.id in front,
            knee=c.id == result.knee,
            extra_tower_sites_km=_towers(c),
        )
        rows.append(row)
    return rows


def _towers(c: Candidate) -> str:
    """The extra towers' sites and gains of the candidate's first run (the same in every run: sited before it)."""
    if not c.rows:
        return ""
    sites = json.loads(c.rows[0].get("extra_tower_sites_km") or "[]")
    gains = json.loads(c.rows[0].get("extra_tower_gains_km") or "[]")
    return "; ".join(f"({x:g}, {y:g}) +{g:g} km" for (x, y), g in zip(sites, gains, strict=False))


def _round(value: float) -> float:
    return round(value, 6) if math.isfinite(value) else math.nan


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def plot_front(spec: OptimizeSpec, result: SearchResult) -> bytes:
    """The cost against each other objective, as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    others = [o for o in spec.objectives if o != COST] or list(spec.objectives)
    cols = min(2, len(others))
    rows = math.ceil(len(others) / cols)
    fig = Figure(figsize=(5.2 * cols, 4.0 * rows), dpi=110)
    FigureCanvasAgg(fig)
    front = [c for c in result.final if c.id in set(result.front)]
    ok = [c for c in result.evaluated if feasible(spec, c)]
    for i, name in enumerate(others):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.scatter(
            [c.mean(COST) for c in ok], [c.mean(name) for c in ok], s=14, color="0.7", label="evaluated, within budget"
        )
        for c in front:
            (cx, cl, ch), (y, yl, yh) = c.interval(COST), c.interval(name)
            ax.errorbar(
                cx,
                y,
                xerr=[[cx - cl], [ch - cx]] if math.isfinite(cl) else None,
                yerr=[[y - yl], [yh - y]] if math.isfinite(yl) else None,
                fmt="o",
                color="#c62828" if c.id == result.knee else "#1565c0",
                markersize=8 if c.id == result.knee else 5,
                capsize=2,
            )
        ax.axvline(spec.budget, color="0.3", linestyle="--", linewidth=1)
        ax.set_xlabel(f"{OUTCOME_BY_NAME[COST].label} over {spec.days:g} days")
        better = "higher" if OUTCOME_BY_NAME[name].higher_is_better else "lower"
        ax.set_ylabel(f"{OUTCOME_BY_NAME[name].label} ({better} is better)")
        ax.grid(alpha=0.3)
    fig.suptitle("Pareto front: blue the non-dominated candidates (95 % intervals), red the knee, dashed the budget")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def sorted_front(result: SearchResult) -> list[Candidate]:
    """The front's candidates from the cheapest to the dearest (by mean cost; ties in the order found)."""
    by_id = {c.id: c for c in result.final}
    return sorted((by_id[i] for i in result.front), key=lambda c: c.mean(COST))


def context(spec: OptimizeSpec, result: SearchResult) -> dict[str, Any]:
    """What the templates show, as text."""
    by_id = {c.id: c for c in result.final}
    names = measured(spec)
    header = ["candidate", *(v.key for v in spec.variables), *(OUTCOME_BY_NAME[n].label for n in names)]
    table = []
    for c in sorted_front(result):
        cells = [c.id + (" (knee)" if c.id == result.knee else ""), *(_cell(c.params[v.key]) for v in spec.variables)]
        for n in names:
            mean, low, high = c.interval(n)
            cells.append(f"{_cell(mean)} [{_cell(low)}, {_cell(high)}]" if math.isfinite(low) else _cell(mean))
        table.append(cells)
    knee = by_id.get(result.knee) if result.knee else None
    towers = _towers(knee) if knee else ""
    return {
        "name": spec.name,
        "description": spec.description,
        "scenario": spec.scenario_path.name,
        "days": f"{spec.days:g}",
        "warmup_days": spec.warmup_days,
        "budget": f"{spec.budget:,.0f}",
        "generations": spec.generations,
        "population": spec.population,
        "replications": spec.replications,
        "final_replications": spec.final_replications,
        "evaluated": len(result.evaluated),
        "within_budget": sum(feasible(spec, c) for c in result.evaluated),
        "reevaluated": len(result.final),
        "front_max": spec.final_front_max,
        "objectives": [
            f"{OUTCOME_BY_NAME[o].label} ({'higher' if OUTCOME_BY_NAME[o].higher_is_better else 'lower'} is better)"
            for o in spec.objectives
        ],
        "variables": [f"{v.key}: {v.describe()}" for v in spec.variables],
        "baseline": [f"{k} = {json.dumps(v)}" for k, v in spec.baseline.items()],
        "header": header,
        "front": table,
        "knee_rule": KNEE_RULE,
        "knee": None if knee is None else ", ".join(f"{k} = {json.dumps(v)}" for k, v in knee.params.items()),
        "knee_towers": towers,
    }


def write_report(spec: OptimizeSpec, result: SearchResult, out_dir: Path) -> dict[str, Path]:
    """Write the tables, the figure and the two reports; return their paths."""
    out_dir = Path(out_dir)
    write_csv(out_dir / "evaluations.csv", evaluation_rows(spec, result))
    write_csv(out_dir / "front.csv", front_rows(spec, result))
    image = plot_front(spec, result)
    (out_dir / "front.png").write_bytes(image)
    ctx = context(spec, result)
    md = out_dir / "report.md"
    md.write_text(render("report.md.j2", ctx), encoding="utf-8")
    html = out_dir / "report.html"
    html.write_text(render("report.html.j2", ctx, image=base64.b64encode(image).decode("ascii")), encoding="utf-8")
    return {"md": md, "html": html, "front": out_dir / "front.csv"}


def render(template: str, ctx: dict[str, Any], **extra: Any) -> str:
    """Render one of the report's templates; HTML escapes every value, Markdown none."""
    return _environment(template.endswith(".html.j2")).get_template(template).render(ctx, **extra)


@functools.cache
def _environment(autoescape: bool) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sim.optimize", "templates"),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def summary_text(spec: OptimizeSpec, result: SearchResult) -> str:
    """The front and its knee as plain text."""
    if not result.front:
        return f"no candidate within the budget of {spec.budget:,.0f} after re-evaluation"
    lines = [f"front: {len(result.front)} non-dominated candidates of {len(result.evaluated)} evaluated"]
    for c in sorted_front(result):
        cid = c.id
        values = ", ".join(f"{n} {c.mean(n):,.4g}" for n in measured(spec))
        mark = " (knee)" if cid == result.knee else ""
        lines.append(f"  {cid}{mark}: {json.dumps(c.params)} -> {values}")
    return "\n".join(lines)
