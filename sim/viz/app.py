"""The interactive classroom app (``bordersim app``): a Mesa SolaraViz page over :class:`BorderModel`.

The page shows the map of the run (the base map of ``bordersim map`` with groups, patrols and
flashes drawn by :mod:`sim.viz.animate`), a table of counters and live charts of the key outcomes
over model days. The sidebar chooses a scenario (``scenarios/*.toml`` in the working directory, else the shipped
ones: :func:`sim.shipped.scenario_folder`), the policy levers
and the seed; Reset rebuilds the model with them, Step and Play advance it (SolaraViz controls).

Every lever offers "as in the scenario" (no override) besides its values, so switching scenarios
keeps each scenario's own settings unless a lever is set.

Run it with ``bordersim app`` (which calls :func:`sim.viz.serve.serve`) or ``solara run sim.viz.app``. Each browser
session gets its own model; importing this module builds none.
"""

from __future__ import annotations

import html
import io
from typing import Any

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa import DataCollector
from mesa.visualization.solara_viz import ModelController, ModelCreator
from mesa.visualization.utils import update_counter
from PIL import Image as PILImage

from sim.metrics import OUTCOME_BY_NAME
from sim.model import BorderModel
from sim.shipped import scenario_folder
from sim.viz.animate import COUNTERS, Panel, RunTracker, build_figure, counter_values
from sim.viz.palette import CHART_COLOURS

#: The scenarios offered: ``./scenarios`` when the working directory has one, else the shipped ones.
SCENARIO_DIR = scenario_folder().resolve()
AS_SCENARIO = "as in the scenario"
DEFAULT_SCENARIO = "classroom"
#: Outcomes charted over time: chart title -> [(outcome name, colour)]; labels are the declared ``short`` ones.
CHARTS: dict[str, list[tuple[str, str]]] = {
    "Victims": [
        (name, CHART_COLOURS[name])
        for name in ("victims_recruited", "victims_delivered", "victims_rescued", "deaths_in_transit")
    ],
    "Enforcement and courts": [
        (name, CHART_COLOURS[name])
        for name in ("interdictions", "traffickers_arrested", "traffickers_convicted", "court_backlog")
    ],
}


def scenario_names() -> list[str]:
    """Names (file stems) of the shipped scenarios, the classroom one first."""
    names = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
    return sorted(names, key=lambda n: n != DEFAULT_SCENARIO)


def lever_overrides(
    extra_towers: int, patrols: str, strategy: str, sharing: str, courts: str, protection: str
) -> dict[str, Any]:
    """Dotted-key overrides for the levers that are set (not "as in the scenario")."""
    chosen = {
        "patrols.count": patrols,
        "patrols.strategy": strategy,
        "agencies.sharing": sharing,
        "legal.courts": courts,
        "victims.protection": protection,
    }
    overrides: dict[str, Any] = {k: v for k, v in chosen.items() if v != AS_SCENARIO}
    for key in ("patrols.count", "legal.courts"):
        if key in overrides:
            overrides[key] = int(overrides[key])
    if int(extra_towers) > 0:
        overrides["surveillance.extra_towers.count"] = int(extra_towers)
    return overrides


class ClassroomModel(BorderModel):
    """A :class:`BorderModel` built from app controls, recording what the page draws.

    Args:
        scenario_name: stem of a file in :data:`SCENARIO_DIR`.
        seed: the model's seed (text from the input box is accepted).
        extra_towers: towers sited automatically (``surveillance.extra_towers.count``); 0 keeps the scenario's.
        patrols, strategy, sharing, courts, protection: lever values or :data:`AS_SCENARIO`.
    """

    def __init__(
        self,
        scenario_name: str = DEFAULT_SCENARIO,
        seed: int | str = 0,
        extra_towers: int = 0,
        patrols: str = AS_SCENARIO,
        strategy: str = AS_SCENARIO,
        sharing: str = AS_SCENARIO,
        courts: str = AS_SCENARIO,
        protection: str = AS_SCENARIO,
    ):
        overrides = lever_overrides(extra_towers, patrols, strategy, sharing, courts, protection)
        self.notice = ""
        try:
            seed = int(str(seed).strip())
        except (TypeError, ValueError):
            self.notice = f"seed {seed!r} is not a whole number; running seed 0"
            seed = 0
        super().__init__(SCENARIO_DIR / f"{scenario_name}.toml", seed=seed, overrides=overrides)
        self.scenario_name = scenario_name
        self.overrides = overrides
        self.tracker = RunTracker(trail_points=8, flash_hours=3.0)
        self.latest = self.outcomes()
        reporters = {"day": lambda m: m.days}
        reporters.update({name: _reporter(name) for name in COUNTERS})
        self.datacollector = DataCollector(model_reporters=reporters)
        self.datacollector.collect(self)

    def step(self) -> None:
        super().step()
        self.tracker.after_step(self)
        self.tracker.sample(self)
        self.latest = self.outcomes()
        self.datacollector.collect(self)


def _reporter(name: str):
    return lambda model: model.latest[name]


# ---------------------------------------------------------------------------------------------- components
class MapCanvas:
    """The map of one model drawn once, with its dynamic layer redrawn on demand (Agg blitting).

    Drawing the base map costs about a second; restoring its pixels and drawing groups, patrols,
    flashes and counters costs a few milliseconds, so Play stays smooth.
    """

    def __init__(self, model: ClassroomModel):
        overrides = ", ".join(f"{k}={v}" for k, v in model.overrides.items())
        self.panel = Panel(model.scenario_name + (f" ({overrides})" if overrides else ""), model, model.tracker)
        self.fig = build_figure([self.panel], dpi=90, animated=True)
        self.fig.canvas.draw()
        self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)

    def png(self) -> bytes:
        """The current state as PNG bytes."""
        canvas, panel, model = self.fig.canvas, self.panel, self.panel.model
        canvas.restore_region(self.background)
        artists = [*panel.view.update(model, model.tracker), panel.counters]
        panel.counters.set_text("\n".join(f"{label:<14}{value:>5}" for label, value in counter_values(model.latest)))
        for artist in artists:
            self.fig.draw_artist(artist)
        buffer = io.BytesIO()
        PILImage.fromarray(np.asarray(canvas.buffer_rgba())[..., :3]).save(buffer, format="png")
        return buffer.getvalue()


@solara.component
def MapView(model: ClassroomModel):  # noqa: N802 (Solara components are capitalised)
    update_counter.get()
    canvas = solara.use_memo(lambda: MapCanvas(model), dependencies=[model])
    solara.Image(canvas.png(), format="png", classes=["bordersim-map"])


@solara.component
def Counters(model: ClassroomModel):  # noqa: N802
    update_counter.get()
    rows = "".join(
        f"<tr><td>{OUTCOME_BY_NAME[name].short}</td>"
        f"<td style='text-align:right' class='count-{name}'>{int(model.latest[name])}</td></tr>"
        for name in COUNTERS
    )
    # The step count and seed are on the table as data attributes: what was drawn is one state of the
    # model, so a reader (a test, a screen reader's script) can tell which step the counters belong to.
    title = f"<b>{model.scenario_name}</b>, seed {model.seed}, day {model.days:.1f}"
    if model.notice:
        title = f"<p style='color:#b71c1c'>{html.escape(model.notice)}</p>{title}"
    table = (
        f"<table class='bordersim-counters' data-step='{int(model.steps)}' data-seed='{model.seed}'"
        f" style='min-width:14em'>{rows}</table>"
    )
    solara.HTML(tag="div", unsafe_innerHTML=f"{title}{table}")


def chart_figure(model: ClassroomModel, title: str) -> Figure:
    """Lines of one chart's outcomes against model days."""
    frame = model.datacollector.get_model_vars_dataframe()
    fig = Figure(figsize=(5.2, 2.6), dpi=90)
    ax = fig.subplots()
    for name, colour in CHARTS[title]:
        ax.plot(frame["day"], frame[name], label=OUTCOME_BY_NAME[name].short, color=colour, linewidth=1.8)
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_xlabel("day", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", frameon=False)
    fig.tight_layout()
    return fig


def _chart(title: str):
    @solara.component
    def Chart(model: ClassroomModel):  # noqa: N802
        update_counter.get()
        solara.FigureMatplotlib(chart_figure(model, title), format="png")

    Chart.__name__ = f"Chart_{title.split(maxsplit=1)[0]}"
    return Chart


def _select(label: str, values: list[str], value: str = AS_SCENARIO) -> dict[str, Any]:
    return {"type": "Select", "label": label, "value": value, "values": values}


model_params: dict[str, Any] = {
    "scenario_name": _select("Scenario", scenario_names(), DEFAULT_SCENARIO),
    "seed": {"type": "InputText", "value": 0, "label": "Seed"},
    "extra_towers": {
        "type": "SliderInt",
        "value": 0,
        "label": "Extra towers (auto-sited)",
        "min": 0,
        "max": 6,
        "step": 1,
    },
    "patrols": _select("Patrols on the roster", [AS_SCENARIO, "0", "2", "4", "8", "12", "20", "30"]),
    "strategy": _select("Patrol strategy", [AS_SCENARIO, "random", "fixed", "hotspot", "randomized", "stackelberg"]),
    "sharing": _select("Agency intel sharing", [AS_SCENARIO, "none", "delayed", "full"]),
    "courts": _select("Courts", [AS_SCENARIO, "1", "2", "4", "8"]),
    "protection": _select("Victim protection", [AS_SCENARIO, "none", "basic", "strong"]),
}


@solara.component
def Page():  # noqa: N802
    """The app: one model per browser session, built on first render (nothing runs at import).

    Mesa's SolaraViz controls (Reset, Play, Step; the parameter inputs) sit in a left column (a
    column, not Solara's sidebar drawer, which overlays the map on classroom projectors); the
    map, counters and charts in the right column (Mesa's draggable grid needs a Vue 2 widget that
    Solara's Vue 3 front end does not render).
    """
    initial = solara.use_memo(ClassroomModel, dependencies=[])
    model = solara.use_reactive(initial)
    parameters = solara.use_reactive({})
    play_interval = solara.use_reactive(150)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    solara.Title("bordersim classroom")
    with solara.AppBar():
        solara.AppBarTitle("bordersim: border enforcement against trafficking")
    with solara.Columns([1, 3], gutters_dense=True):
        with solara.Column(style={"min-width": "300px"}):
            with solara.Card("Run"):
                ModelController(
                    model,
                    model_parameters=parameters,
                    play_interval=play_interval,
                    render_interval=render_interval,
                    use_threads=use_threads,
                )
            with solara.Card("Scenario, levers, seed", subtitle="change, then press Reset"):
                ModelCreator(model, model_params, model_parameters=parameters)
        with solara.Column():
            MapView(model.value)
            with solara.Row():
                Counters(model.value)
                for chart in CHART_COMPONENTS:
                    chart(model.value)


CHART_COMPONENTS = [_chart(t) for t in CHARTS]
