"""The classroom app (``bordersim app``): play the defender against adapting traffickers, in a browser.

The class makes a plan and watches it run beside the scenario's baseline, on the same seed, in step:

- **Towers**: click the plan's map (either map) to site one of the scenario's extra towers there. A site must be
  on your side of the border, on land, and see some of the border (line of sight over the terrain, the model's
  own test); a refused site says why. Each tower's coverage is outlined on the plan's map; a tower is removed
  from the list under the plan.
- **Patrols, sharing, courts, victim protection**: sliders and menus, each showing its value. Patrol units are
  put in the west, centre and east thirds of the border (the model's ``patrols.sector_shares``: a unit patrols its
  third only, and answers alerts anywhere); untouched, the scenario's roster patrols the whole border.
- **Cost meter**: what the plan costs a year beyond the scenario, from the scenario's own cost keys, against the
  class's budget (two towers' worth unless changed). A plan over budget is refused.
- **Run**: Play and Pause, Step, Reset (the round from day 0), a speed (steps a frame) and "run to day N", which
  runs both models without drawing and draws once. Keys: space play/pause, ``s`` step, ``r`` reset, ``n`` next
  round, ``l`` large text.
- **Scoreboards**: successful crossings, expected deaths, victims rescued, wrongful detentions, convictions and
  cost for the baseline and the plan; both maps mark where each run's groups crossed (filled) or were stopped
  (crosses), so the displacement shows.
- **Rounds**: "Next round" finishes the round and starts the next with the same plan and with what each side's
  traffickers remember of where they were caught. The history of rounds (plans and scores) downloads as CSV and
  the last round as a GIF.
- **Large text** for projectors. Nothing is fetched from the internet (Solara's assets are served locally).

The game itself (plans, towers, costs, paired runs, rounds) is :mod:`sim.viz.classroom`; this module only draws it.
``bordersim app --scenario FILE`` (:func:`sim.viz.serve.serve`) passes the scenario in
``BORDERSIM_APP_SCENARIO``; the page also offers the shipped scenarios. Every error is shown as a message in the
page. Each browser session gets its own game; importing this module builds none.
"""

from __future__ import annotations

import asyncio
import base64
import html
import io
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import solara
from matplotlib.figure import Figure
from PIL import Image as PILImage

from sim.schema import InputError
from sim.viz import palette
from sim.viz.classroom import (
    AS_SCENARIO,
    PROTECTION,
    SCORES,
    SHARING,
    THIRDS,
    Classroom,
    PairedRun,
    even_split,
    shipped_scenarios,
)

#: The environment variable ``bordersim app --scenario`` sets to the scenario's path.
SCENARIO_ENV = "BORDERSIM_APP_SCENARIO"
DEFAULT_SCENARIO = "classroom"
#: Steps drawn per frame while playing: (label, steps at 30-minute steps). A frame costs a few ms to draw.
SPEEDS = (1, 2, 6, 12, 24, 48)
#: Seconds between frames while playing.
FRAME_S = 0.15
#: Colours of the two runs (:data:`sim.viz.palette.SIDE_COLOURS`: told apart with any colour vision).
SIDE_COLOURS = palette.SIDE_COLOURS
SIDE_MARKERS = {"baseline": "o", "plan": "s"}
SIDE_LABELS = {"baseline": "baseline", "plan": "your plan"}


def scenario_names() -> list[str]:
    """Names (file stems) of the shipped scenarios, the classroom ones first."""
    return list(shipped_scenarios())


def starting_scenario() -> str:
    """The scenario the page opens with: ``bordersim app --scenario``'s (by name when it is a shipped one), else the
    classroom one."""
    given = os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO
    by_path = {str(path): name for name, path in shipped_scenarios().items()}
    return by_path.get(given, given)


def describe_error(exc: Exception) -> str:
    """An error as one message for the page (never a traceback)."""
    if isinstance(exc, InputError):
        return "; ".join(str(p) for p in exc.problems)
    return f"{type(exc).__name__}: {exc}"


def alert(text: str) -> None:
    """A message in the page (an error, a refused tower), read out by screen readers. Call it while a component
    renders."""
    solara.HTML(tag="div", unsafe_innerHTML=f"<p class='bordersim-message' role='alert'>{html.escape(text)}</p>")


def drawn[T](what: str, draw: Callable[[], T]) -> T | None:
    """``draw()``, or, if it fails, a message in the page saying what could not be drawn and why (never a
    traceback) and None. Call it while a component renders."""
    try:
        return draw()
    except Exception as exc:
        alert(f"The {what} could not be drawn: {describe_error(exc)}")
        return None


def speed_label(steps: int, step_minutes: float) -> str:
    hours = steps * step_minutes / 60.0
    span = f"{hours:g} h" if hours < 24 else f"{hours / 24:g} day"
    return f"Speed: {steps} step{'s' if steps > 1 else ''} a frame ({span} of model time)"


# ---------------------------------------------------------------------------------------------- the map
class PairCanvas:
    """Both runs' maps in one picture, base maps drawn once, the moving parts redrawn per frame (Agg blitting).

    Each map shows its run's groups, patrols and flashes (:class:`sim.viz.animate.RunView`), and both runs'
    crossing points: filled where a group got across, crosses where one was stopped. The plan's map outlines
    the coverage of each tower the class placed.
    """

    def __init__(self, run: PairedRun, tower_views: list[np.ndarray], dpi: int = 80):
        from sim.viz.animate import Panel, RunTracker, build_figure

        self.run = run
        for side in run.sides:
            if side.tracker is None:
                side.tracker = RunTracker(trail_points=8, flash_hours=3.0)
        self.panels = [Panel(SIDE_LABELS[s.name], s.model, s.tracker) for s in run.sides]
        self.fig = build_figure(self.panels, dpi=dpi, animated=True)
        world = run.planned.model.world
        plan_ax = self.panels[1].view.ax
        for visible in tower_views:
            plan_ax.contour(
                (np.arange(world.width) + 0.5) * world.cell_km,
                (np.arange(world.height) + 0.5) * world.cell_km,
                visible.astype(float),
                levels=[0.5],
                colors=[SIDE_COLOURS["plan"]],
                linewidths=1.6,
                zorder=7,
            )
        self.marks: list[dict] = []
        for panel in self.panels:
            ax, scale = panel.view.ax, panel.view.scale
            marks = {}
            for name, colour in SIDE_COLOURS.items():
                marker = SIDE_MARKERS[name]
                marks[name, "across"] = ax.scatter(
                    [], [], s=42 * scale, marker=marker, c=colour, edgecolors="white", linewidths=0.7, zorder=9
                )
                marks[name, "stopped"] = ax.scatter(
                    [], [], s=46 * scale, marker="x", c=colour, linewidths=1.8, zorder=9
                )
            for artist in marks.values():
                artist.set_animated(True)
            self.marks.append(marks)
        self.fig.canvas.draw()
        self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)

    def axes_at(self, fx: float, fy: float) -> tuple[float, float] | None:
        """The map position (x_km, y_km) under a click at fractions (fx, fy) of the picture; None off the maps."""
        width, height = self.fig.canvas.get_width_height()
        px, py = fx * width, (1.0 - fy) * height
        for panel in self.panels:
            ax = panel.view.ax
            if ax.bbox.contains(px, py):
                x, y = ax.transData.inverted().transform((px, py))
                return float(x), float(y)
        return None

    def geometry(self) -> list[dict]:
        """Where each map lies in the picture, for a reader that clicks it (a test, an assistive script): per map,
        its side, its box as fractions of the picture (x from the left, y from the top) and its axes' limits (km)."""
        width, height = self.fig.canvas.get_width_height()
        out = []
        for side, panel in zip(self.run.sides, self.panels, strict=True):
            ax = panel.view.ax
            box = ax.bbox
            out.append(
                {
                    "side": side.name,
                    "box": [box.x0 / width, 1 - box.y1 / height, box.x1 / width, 1 - box.y0 / height],
                    "xlim": [float(v) for v in ax.get_xlim()],
                    "ylim": [float(v) for v in ax.get_ylim()][::-1],
                }
            )
        return out

    def png(self) -> bytes:
        """The current state of both runs as PNG bytes."""
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        points = {}
        for side in self.run.sides:
            log = [r for r in side.crossings() if r["reached_line"]]
            for kind, keep in (
                ("across", lambda r: r["result"] == "succeeded"),
                ("stopped", lambda r: r["result"] != "succeeded"),
            ):
                xy = np.array([(r["x_km"], r["y_km"]) for r in log if keep(r)], dtype=float).reshape(-1, 2)
                points[side.name, kind] = xy
        for panel, marks in zip(self.panels, self.marks, strict=True):
            for key, artist in marks.items():
                artist.set_offsets(points[key])
                self.fig.draw_artist(artist)
            for artist in panel.refresh():
                self.fig.draw_artist(artist)
        buffer = io.BytesIO()
        PILImage.fromarray(np.asarray(canvas.buffer_rgba())[..., :3]).save(buffer, format="png")
        return buffer.getvalue()


@solara.component_vue("clickmap.vue")
def ClickMap(src: str, alt: str, event_click: Callable[[dict], None]):  # noqa: N802 (Solara components are capitalised)
    """The picture of both maps; a click sends its position as fractions of the picture."""


@solara.component_vue("keys.vue")
def KeyListener(event_key: Callable[[str], None]):  # noqa: N802
    """Keyboard control: calls back with "space", "s", "r", "n" or "l"."""


# ---------------------------------------------------------------------------------------------- tables
def scoreboard_html(game: Classroom) -> str:
    """Both scoreboards as one table: the baseline, the plan and the difference, one row a score."""
    run = game.run
    scores = run.scores()
    rows = []
    for score in SCORES:
        base, plan = scores["baseline"][score.name], scores["plan"][score.name]
        fmt = f"{{:,.{score.digits}f}}".format
        diff = plan - base
        rows.append(
            f"<tr><td>{score.label}</td>"
            f"<td class='score-baseline-{score.name}' data-value='{base}'>{fmt(base)}</td>"
            f"<td class='score-plan-{score.name}' data-value='{plan}'>{fmt(plan)}</td>"
            f"<td>{'+' if diff > 0 else ''}{fmt(diff) if diff else '='}</td></tr>"
        )
    head = (
        f"<tr><th>round {game.round_number}, day {run.days:.1f} of {game.days:g}</th>"
        f"<th style='color:{SIDE_COLOURS['baseline']}'>baseline</th>"
        f"<th style='color:{SIDE_COLOURS['plan']}'>your plan</th><th>plan - baseline</th></tr>"
    )
    return (
        f"<table class='bordersim-scores' data-step='{run.steps}' data-day='{run.days:.3f}' "
        f"data-round='{game.round_number}' data-seed='{game.seed}'>{head}{''.join(rows)}</table>"
    )


def history_html(game: Classroom) -> str:
    """The rounds played: the plan and both sides' scores."""
    if not game.rounds:
        return (
            "<p class='bordersim-history'>No round played yet: run a round to its last day, then press Next round.</p>"
        )
    head = (
        "<tr><th>round</th><th>plan</th><th>cost a year</th>"
        + "".join(f"<th>{s.label}<br>baseline / plan</th>" for s in SCORES)
        + "</tr>"
    )
    rows = []
    for r in game.rounds:
        described = r.plan.describe()
        plan = ", ".join(f"{k}: {v}" for k, v in described.items() if v and v != AS_SCENARIO)
        cells = "".join(
            f"<td>{r.scores['baseline'][s.name]:,.{s.digits}f} / {r.scores['plan'][s.name]:,.{s.digits}f}</td>"
            for s in SCORES
        )
        rows.append(
            f"<tr><td>{r.number}</td><td>{html.escape(plan or 'as the baseline')}</td>"
            f"<td>{r.plan_cost_per_year:,.0f}</td>{cells}</tr>"
        )
    return f"<table class='bordersim-history'>{head}{''.join(rows)}</table>"


def chart_figure(game: Classroom, large: bool = False) -> Figure:
    """Three scores of both runs over the round's days, on axes fixed from the start (0 to the round's length;
    0 to a little above the largest value, at least a few units)."""
    trace = game.run.trace
    charts = [s for s in SCORES if s.name in ("crossings", "rescued", "deaths")]
    fig = Figure(figsize=(9.0, 2.4), dpi=100 if large else 80)
    axes = fig.subplots(1, len(charts))
    days = [t[0] for t in trace]
    for ax, score in zip(axes, charts, strict=True):
        top = 0.0
        for side, colour in SIDE_COLOURS.items():
            values = [t[1][side][score.name] for t in trace]
            top = max(top, max(values, default=0.0))
            ax.plot(
                days,
                values,
                color=colour,
                linewidth=2,
                label=SIDE_LABELS[side],
                drawstyle="steps-post" if not score.digits else "default",
            )
        floor = 0.01 if score.digits else 4.0
        ax.set_xlim(0, game.days)
        ax.set_ylim(0, max(floor, top * 1.15))
        ax.set_title(score.label, fontsize=11 if large else 9, loc="left")
        ax.set_xlabel("day", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="upper left", frameon=False)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------- the page
#: Large text (projectors): added to the page's style while the switch is on.
LARGE_CSS = """
.bordersim-root, .bordersim-root .v-label, .bordersim-root .v-btn, .bordersim-root td, .bordersim-root th,
.bordersim-root .v-select__selection, .bordersim-root input, .bordersim-root p, .bordersim-root .v-card__title,
.bordersim-root .v-card__subtitle, .bordersim-root .bordersim-slider-label, .bordersim-root a,
.bordersim-root span:not(.v-icon) {
    font-size: 1.35rem !important; line-height: 1.5 !important; }
.bordersim-root .bordersim-map { width: 100%; }
"""
CSS = """
.bordersim-scores td, .bordersim-scores th, .bordersim-history td, .bordersim-history th {
    padding: 2px 10px; text-align: right; }
.bordersim-scores td:first-child, .bordersim-scores th:first-child { text-align: left; }
.bordersim-history { font-size: 0.85rem; }
.bordersim-download { font-weight: bold; }
.bordersim-message { background: #fff3e0; border-left: 5px solid #e65100; padding: 6px 12px; margin: 0; }
"""


@solara.component
def Page():  # noqa: N802
    """One game per browser session, built on first render (nothing runs at import)."""
    scenario = solara.use_reactive(starting_scenario())
    seed = solara.use_reactive(0)
    game_box = solara.use_memo(lambda: {"game": None, "error": ""}, dependencies=[])
    version = solara.use_reactive(0)
    message = solara.use_reactive("")
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(12)
    target_day = solara.use_reactive(14)
    large = solara.use_reactive(False)

    def build(name: str, seed_value: int) -> None:
        try:
            game_box["game"] = Classroom(name, seed=seed_value)
            game_box["error"] = ""
            target_day.value = round(game_box["game"].days)
        except Exception as exc:  # shown in the page, never as a traceback
            game_box["game"] = None
            game_box["error"] = describe_error(exc)

    if game_box["game"] is None and not game_box["error"]:
        build(scenario.value, seed.value)
    game: Classroom | None = game_box["game"]

    def bump() -> None:
        version.value += 1

    def open_game() -> None:
        playing.value = False
        build(scenario.value, seed.value)
        bump()

    def act(action: Callable[[], object]) -> Callable[[], None]:
        """A handler that runs ``action``, shows its error as a message, and redraws."""

        def handler(*_args) -> None:
            try:
                action()
                message.value = ""
            except Exception as exc:
                message.value = describe_error(exc)
            bump()

        return handler

    async def play_loop() -> None:
        while playing.value and game is not None:
            await asyncio.sleep(FRAME_S)
            if not playing.value:
                break
            remaining = round((game.days - game.run.days) * game.run.baseline.model.steps_per_day)
            if remaining <= 0:
                playing.value = False
                break
            game.run.step(min(speed.value, remaining))
            bump()

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=False)

    def on_key(key: str) -> None:
        if key == "l":
            large.value = not large.value
        elif game is None:
            return
        elif key == "space":
            playing.value = not playing.value
        elif key == "s" and not playing.value:
            act(lambda: game.run.step(1))()
        elif key == "r":
            playing.value = False
            act(game.restart)()
        elif key == "n":
            playing.value = False
            act(game.next_round)()

    solara.Title("bordersim classroom: play the defender")
    # A <style> element of the page's own, its text swapped with the switch (solara.Style leaves an old sheet behind).
    solara.HTML(tag="style", unsafe_innerHTML=CSS + (LARGE_CSS if large.value else ""))
    KeyListener(event_key=on_key)
    with solara.AppBar():
        solara.AppBarTitle("bordersim: play the defender")
    with solara.Column(classes=["bordersim-root"], style={"padding": "8px"}):
        if game is None:
            alert(f"The scenario could not be opened: {game_box['error']}")
            ScenarioPicker(scenario, seed, open_game)
            return

        def body() -> None:
            with solara.Columns([1, 3], gutters_dense=True):
                with solara.Column(style={"min-width": "320px"}):
                    RunControls(game, version.value, playing, speed, target_day, act, large)
                    PlanEditor(game, version.value, act)
                    with solara.Card("Scenario and seed", subtitle="a new scenario or seed starts a new game"):
                        ScenarioPicker(scenario, seed, open_game)
                with solara.Column():
                    MapPanel(game, version.value, large.value, act, message)
                    if message.value:  # under the map, so a message never moves the map under the pointer
                        alert(message.value)
                    board = drawn("scoreboard", lambda: scoreboard_html(game))
                    if board is not None:
                        solara.HTML(tag="div", unsafe_innerHTML=board)
                    chart = drawn("chart", lambda: chart_figure(game, large.value))
                    if chart is not None:
                        solara.FigureMatplotlib(chart, format="png")
                    Rounds(game, version.value)

        body()


@solara.component
def LabelledSlider(label: str, value, low: int, high: int, disabled: bool = False, on_value=None):  # noqa: N802
    """A whole-number slider with its label, which states the value, above it (the track gets the full width)."""
    solara.Text(label, classes=["bordersim-slider-label"])
    solara.SliderInt("", value=value, min=low, max=high, thumb_label=True, disabled=disabled, on_value=on_value)


@solara.component
def ScenarioPicker(scenario, seed, rebuild):  # noqa: N802
    names = scenario_names()
    current = scenario.value
    options = names if current in names else [current, *names]
    solara.Select("Scenario", values=options, value=scenario)
    solara.InputInt("Seed (the same for both runs and every round)", value=seed)
    solara.Button("Open", on_click=rebuild, color="primary", outlined=True)


@solara.component
def RunControls(game: Classroom, version: int, playing, speed, target_day, act, large):  # noqa: N802
    run = game.run
    step_minutes = game.loaded.spec.time.step_minutes
    with solara.Card("Run", subtitle="keys: space play/pause, s step, r reset, n next round, l large text"):
        with solara.Row():
            solara.Button(
                "❚❚ Pause" if playing.value else "▶ Play",
                on_click=lambda: playing.set(not playing.value),
                color="primary",
                disabled=game.finished,
            )
            solara.Button("Step", on_click=act(lambda: run.step(1)), disabled=playing.value or game.finished)
            solara.Button("Reset", on_click=lambda: (playing.set(False), act(game.restart)()))
        LabelledSlider(speed_label(speed.value, step_minutes), value=speed, low=1, high=max(SPEEDS))
        LabelledSlider(f"Run to day {target_day.value}", value=target_day, low=1, high=int(np.ceil(game.days)))
        with solara.Row():
            solara.Button(
                f"Run to day {target_day.value}",
                on_click=act(lambda: run.run_to_day(min(target_day.value, game.days))),
                disabled=playing.value,
                color="primary",
                outlined=True,
            )
        solara.Button(
            "Next round",
            on_click=lambda: (playing.set(False), act(game.next_round)()),
            color="secondary",
        )
        solara.HTML(
            tag="p",
            unsafe_innerHTML=f"Round {game.round_number}. Next round finishes this one, records it and starts round "
            f"{game.round_number + 1}: the traffickers remember where they were caught.",
        )
        solara.Switch(label="Large text (projector)", value=large)


@solara.component
def PlanEditor(game: Classroom, version: int, act):  # noqa: N802
    plan, spec = game.plan, game.loaded.spec
    cost, budget = game.cost(), game.budget
    locked = game.run.steps > 0

    def change(**fields) -> Callable[[object], None]:
        return lambda value: act(lambda: game.set_plan(replace(plan, **{k: f(value) for k, f in fields.items()})))()

    with solara.Card("Your plan", subtitle="reset the round to change it" if locked else "click a map to add a tower"):
        share = 0.0 if budget <= 0 else min(1.0, cost / budget)
        colour = "error" if cost > budget else "primary"
        solara.InputInt(
            "Budget a year (currency)",
            value=round(budget),
            on_value=lambda value: act(lambda: game.set_budget(float(value)))(),
        )
        solara.Text(f"Budget used: {cost:,.0f} of {budget:,.0f} a year", classes=["bordersim-cost"])
        solara.ProgressLinear(value=100 * max(share, 0.0), color=colour)
        for line in game.cost_lines():
            solara.Text(f"  {line.item}: {line.per_year:+,.0f} a year", style={"display": "block"})
        for i, (x, y) in enumerate(plan.towers):
            with solara.Row():
                solara.Text(f"Tower {i + 1} at ({x:.1f}, {y:.1f}) km")
                solara.Button("remove", on_click=act(lambda i=i: game.remove_tower(i)), text=True, disabled=locked)
        split = even_split(spec.patrols.count) if plan.patrol_units is None else plan.patrol_units
        roster = "scenario's roster" if plan.patrol_units is None else "your split"
        solara.Text(
            f"Patrol units: {sum(split)} ({roster}; scenario {spec.patrols.count} over the whole border)",
            classes=["bordersim-slider-label"],
        )
        for k, third in enumerate(THIRDS):

            def set_third(value, k=k) -> None:
                units = list(split)
                units[k] = int(value)
                act(lambda: game.set_plan(replace(plan, patrol_units=tuple(units))))()

            LabelledSlider(
                f"{third} third: {split[k]} unit(s)",
                value=split[k],
                low=0,
                high=max(2 * spec.patrols.count, 6),
                disabled=locked,
                on_value=set_third,
            )
        solara.Select(
            f"Intelligence sharing (scenario: {spec.agencies.sharing})",
            values=[AS_SCENARIO, *SHARING],
            value=plan.sharing,
            disabled=locked,
            on_value=change(sharing=str),
        )
        courts = spec.legal.courts if plan.courts is None else plan.courts
        LabelledSlider(
            f"Courts: {courts} (scenario {spec.legal.courts})",
            value=courts,
            low=0,
            high=max(8, spec.legal.courts),
            disabled=locked,
            on_value=change(courts=int),
        )
        solara.Select(
            f"Victim protection (scenario: {spec.victims.protection})",
            values=[AS_SCENARIO, *PROTECTION],
            value=plan.protection,
            disabled=locked,
            on_value=change(protection=str),
        )


@solara.component
def MapPanel(game: Classroom, version: int, large: bool, act, message):  # noqa: N802
    from sim.viz.classroom import check_tower_site

    def make_canvas() -> PairCanvas:
        views = [check_tower_site(game.world, x, y).visible for x, y in game.plan.towers]
        return PairCanvas(game.run, [v for v in views if v is not None], dpi=100 if large else 80)

    def canvas_or_error() -> tuple[PairCanvas | None, str]:
        try:
            return make_canvas(), ""
        except Exception as exc:
            return None, describe_error(exc)

    canvas, error = solara.use_memo(canvas_or_error, dependencies=[game.run, large])
    if canvas is None:
        alert(f"The map could not be drawn: {error}")
        return

    def on_click(data: dict) -> None:
        where = canvas.axes_at(float(data.get("fx", -1)), float(data.get("fy", -1)))
        if where is None:
            return
        if game.run.steps > 0:
            message.value = "The round has started: press Reset (r) to change the plan, then click to add a tower."
            return
        site = None

        def add() -> None:
            nonlocal site
            site = game.add_tower(*where)

        act(add)()
        if site is not None and not site.ok:
            message.value = f"No tower there: {site.reason}"

    png = drawn("map", canvas.png)
    if png is None:
        return
    src = "data:image/png;base64," + base64.b64encode(png).decode()
    ClickMap(src=src, alt=f"maps of both runs, day {game.run.days:.1f}", event_click=on_click)
    geometry = html.escape(json.dumps(canvas.geometry()))
    solara.HTML(tag="div", unsafe_innerHTML=f"<span class='bordersim-map-geometry' data-maps='{geometry}'></span>")


def download_link(data: bytes, filename: str, mime: str, label: str) -> str:
    """A link that saves ``data`` as ``filename``, the data in the link itself (nothing is fetched)."""
    encoded = base64.b64encode(data).decode()
    return (
        f"<a class='bordersim-download' download='{html.escape(filename)}' href='data:{mime};base64,{encoded}'>"
        f"{html.escape(label)}</a>"
    )


@solara.component
def Rounds(game: Classroom, version: int):  # noqa: N802
    gif = solara.use_reactive(None)  # (round number, GIF bytes) once drawn
    busy = solara.use_reactive(False)
    error = solara.use_reactive("")

    def draw_gif() -> None:
        busy.value, error.value = True, ""
        try:
            with tempfile.TemporaryDirectory() as folder:
                out = game.write_gif(Path(folder) / "round.gif")
                gif.value = (game.rounds[-1].number, out.read_bytes())
        except Exception as exc:  # shown in the page, never as a traceback
            error.value = describe_error(exc)
        finally:
            busy.value = False

    with solara.Card("Rounds", subtitle="plans and scores of the rounds played"):
        solara.HTML(tag="div", unsafe_innerHTML=history_html(game))
        if game.rounds:
            last = game.rounds[-1].number
            links = [
                download_link(
                    game.history_csv().encode(),
                    f"bordersim-{game.name}-rounds.csv",
                    "text/csv",
                    "Download the rounds (CSV)",
                )
            ]
            if gif.value is not None and gif.value[0] == last:
                links.append(
                    download_link(
                        gif.value[1],
                        f"bordersim-{game.name}-round-{last}.gif",
                        "image/gif",
                        f"Download round {last} (GIF)",
                    )
                )
            solara.HTML(tag="div", unsafe_innerHTML=" &nbsp; ".join(links))
            if gif.value is None or gif.value[0] != last:
                solara.Button(f"Draw round {last} as a GIF", on_click=draw_gif, loading=busy.value, outlined=True)
            if error.value:
                alert(f"The GIF could not be drawn: {error.value}")
