"""Animated runs (``bordersim animate``): the map of a scenario with the run playing on it.

Each frame shows the static base map of :func:`sim.viz.maps.draw_base` (terrain, coverage, blind
spots, border, places, sensors) with the state of the model on top: groups moving with short
trails (colour by mode, ringed in yellow once detected, size by the victims still with them),
patrols (colour by status), flashes at detections and interdictions that fade over a few model
hours, a clock, and a panel of counters. ``--compare`` steps a baseline and a policy model in
lockstep on the same seed and shows them side by side.

The base map is drawn once; each frame restores that background and redraws only the dynamic
artists (Agg blitting), so rendering costs little more than the simulation. Frames go to a GIF
(Pillow, one shared palette) or an MP4 (frames piped to ``ffmpeg``, which must be installed).

The drawing pieces (:class:`RunTracker`, :class:`RunView`, :func:`counter_lines`) are reused by the
interactive app (:mod:`sim.viz.app`).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.metrics import OUTCOME_BY_NAME
from sim.schema import InputError, Problem, check_run_options
from sim.viz.maps import draw_base, legend_marker
from sim.viz.palette import DETECTED_EDGE, FLASH_COLOURS, GREY, MODE_COLOURS, PANEL_GREY, STATUS_COLOURS

if TYPE_CHECKING:
    from sim.model import BorderModel
    from sim.world import World

MODE_LABELS: dict[str, str] = {"foot": "group on foot", "vehicle": "group in a vehicle", "tunnel": "group in a tunnel"}
STATUS_LABELS: dict[str, str] = {
    "patrolling": "patrol: patrolling",
    "responding": "patrol: responding",
    "transporting": "patrol: transporting",
    "off_duty": "patrol: off duty",
}
#: Outcomes counted beside each map, labelled by their declared ``short`` label (:data:`sim.metrics.OUTCOMES`).
COUNTERS: tuple[str, ...] = (
    "victims_recruited",
    "victims_delivered",
    "victims_rescued",
    "deaths_in_transit",
    "interdictions",
    "traffickers_arrested",
    "traffickers_convicted",
    "court_backlog",
)
#: Default frames per simulated day: a 10-day run is 120 frames, 15 s at 8 frames per second.
FRAMES_PER_DAY = 12
SUFFIXES = (".gif", ".mp4")
_HALO = [patheffects.withStroke(linewidth=3, foreground="white")]


# ---------------------------------------------------------------------------------------------- state
@dataclass
class RunTracker:
    """What the picture needs beyond the model's current state: trails and fading flashes.

    Call :meth:`after_step` after every model step (detections and interdictions are reported per
    step in ``model.accounts.recent_events``) and :meth:`sample` once per drawn frame (trails keep the last
    ``trail_points`` sampled positions of each active group).

    Args:
        trail_points: positions kept per group trail (the current one included).
        flash_hours: model hours over which a flash fades out.
    """

    trail_points: int = 6
    flash_hours: float = 6.0
    trails: dict[int, deque] = field(default_factory=dict)
    flashes: list[tuple[str, float, float, float]] = field(default_factory=list)  # kind, x_km, y_km, hour

    def after_step(self, model: BorderModel) -> None:
        """Record the detections and interdictions of the last step (``model.accounts.recent_events``).

        The model keeps there everything that happened during the last call to ``step()``, including
        interdictions by patrols arriving in scheduled events between steps.
        """
        hours = model.hours
        self.flashes.extend((kind, x, y, hours) for kind, x, y in model.accounts.recent_events)

    def sample(self, model: BorderModel) -> None:
        for gid, group in model.crossings.groups.items():
            trail = self.trails.setdefault(gid, deque(maxlen=self.trail_points))
            point = (float(group.x_km), float(group.y_km))
            if not trail or trail[-1] != point:
                trail.append(point)
        for gid in [g for g in self.trails if g not in model.crossings.groups]:
            del self.trails[gid]
        now = model.hours
        self.flashes = [f for f in self.flashes if now - f[3] < self.flash_hours]

    def flash_arrays(self, now_h: float) -> tuple[np.ndarray, list[str], np.ndarray]:
        """Positions (n, 2) km, kinds and ages (0 = new, 1 = faded out) of the live flashes."""
        if not self.flashes:
            return np.zeros((0, 2)), [], np.zeros(0)
        xy = np.array([(f[1], f[2]) for f in self.flashes], dtype=float)
        ages = np.clip(np.array([(now_h - f[3]) / self.flash_hours for f in self.flashes]), 0.0, 1.0)
        return xy, [f[0] for f in self.flashes], ages


def clock_text(hours: float) -> str:
    """``Day 3, 14:00`` for model hours since the start (day 1 starts at hour 0; midnight ends a day as 24:00)."""
    minutes = round(hours * 60)
    day, rest = divmod(minutes, 24 * 60)
    if rest == 0 and minutes > 0:
        day, rest = day - 1, 24 * 60
    return f"Day {day + 1}, {rest // 60:02d}:{rest % 60:02d}"


def counter_lines(model: BorderModel) -> list[tuple[str, int]]:
    """The counters of :data:`COUNTERS` as (label, value) for the model now."""
    return counter_values(model.outcomes())


def counter_values(values: dict[str, float]) -> list[tuple[str, int]]:
    """(short label, value) of every outcome in :data:`COUNTERS`, from a dict of outcomes."""
    return [(OUTCOME_BY_NAME[name].short, int(values[name])) for name in COUNTERS]


# ---------------------------------------------------------------------------------------------- drawing
class RunView:
    """The dynamic layer of one map: trails, groups, patrols, flashes and the clock.

    Args:
        ax: axes that already show the base map of the run's world.
        world: the run's world (for sizes relative to the map).
        animated: mark the artists as animated (excluded from a full draw, for blitting).
    """

    def __init__(self, ax: Axes, world: World, *, animated: bool = False):
        self.ax = ax
        span = max(world.width, world.height) * world.cell_km
        self.scale = float(np.clip(30.0 / span, 0.4, 1.5))  # markers a little smaller on big maps
        self.trails = LineCollection([], linewidths=1.6, alpha=0.9, zorder=8, capstyle="round")
        ax.add_collection(self.trails)
        self.groups = ax.scatter([], [], s=[], marker="o", edgecolors="black", linewidths=0.8, zorder=10)
        self.patrols = ax.scatter([], [], s=70 * self.scale, marker="D", edgecolors="black", linewidths=0.9, zorder=11)
        self.flash_rings = ax.scatter([], [], s=[], marker="o", facecolors="none", linewidths=2.2, zorder=12)
        self.flash_stars = ax.scatter([], [], s=[], marker="*", edgecolors="white", linewidths=0.6, zorder=12)
        self.clock = ax.text(
            0.015,
            0.975,
            "",
            transform=ax.transAxes,
            ha="left",
            va="top",
            fontsize=11,
            fontweight="bold",
            path_effects=_HALO,
            zorder=13,
        )
        for artist in self.artists:
            artist.set_animated(animated)

    @property
    def artists(self) -> list[Artist]:
        return [self.trails, self.groups, self.patrols, self.flash_rings, self.flash_stars, self.clock]

    def update(self, model: BorderModel, tracker: RunTracker) -> list[Artist]:
        """Set every dynamic artist from the model and the tracker; return the artists."""
        self._update_groups(model, tracker)
        self._update_patrols(model)
        self._update_flashes(model, tracker)
        self.clock.set_text(clock_text(model.hours))
        return self.artists

    def _update_groups(self, model: BorderModel, tracker: RunTracker) -> None:
        groups = list(model.crossings.groups.values())
        segments, colours = [], []
        for group in groups:
            trail = tracker.trails.get(group.group_id)
            if trail is not None and len(trail) > 1:
                segments.append(np.array(trail))
                colours.append(to_rgba(MODE_COLOURS.get(group.mode, "black"), 0.85))
        self.trails.set_segments(segments)
        self.trails.set_color(colours if colours else "none")
        xy = np.array([(g.x_km, g.y_km) for g in groups], dtype=float).reshape(-1, 2)
        self.groups.set_offsets(xy)
        self.groups.set_facecolors([MODE_COLOURS.get(g.mode, "black") for g in groups] or "none")
        self.groups.set_edgecolors([DETECTED_EDGE if g.detected else "black" for g in groups] or "none")
        self.groups.set_linewidths([2.2 if g.detected else 0.8 for g in groups] or 0.8)
        self.groups.set_sizes([self.scale * (30 + 14 * len(g.alive)) for g in groups])

    def _update_patrols(self, model: BorderModel) -> None:
        self.patrols.set_offsets(np.asarray(model.patrol_force.pos, dtype=float).reshape(-1, 2))
        colours = [to_rgba(STATUS_COLOURS.get(p.status.value, "black"), 1.0) for p in model.patrol_force.patrols]
        self.patrols.set_facecolors(colours or "none")

    def _update_flashes(self, model: BorderModel, tracker: RunTracker) -> None:
        xy, kinds, ages = tracker.flash_arrays(model.hours)
        rings = np.array([k == "detection" for k in kinds], dtype=bool)
        fade = 1.0 - ages
        ring_colours = [to_rgba(FLASH_COLOURS["detection"], a) for a in fade[rings]]
        self.flash_rings.set_offsets(xy[rings].reshape(-1, 2))
        self.flash_rings.set_edgecolors(ring_colours or "none")
        self.flash_rings.set_sizes(self.scale * (120 + 500 * ages[rings]))  # an expanding ring
        star_colours = [to_rgba(FLASH_COLOURS["interdiction"], a) for a in fade[~rings]]
        self.flash_stars.set_offsets(xy[~rings].reshape(-1, 2))
        self.flash_stars.set_facecolors(star_colours or "none")
        self.flash_stars.set_sizes(self.scale * (520 - 250 * ages[~rings]))


def legend_entries(world: World) -> list[Artist]:
    """Legend proxies for the dynamic layer: group modes, patrol statuses, flashes."""

    def dot(label: str, colour: str, shape: str = "o", edge: str = "black", size: float = 8, width=0.8) -> Line2D:
        return legend_marker(label, shape, colour, size=size, edge=edge, width=width)

    modes = ["foot"] + (["vehicle"] if world.ports else []) + (["tunnel"] if world.tunnels else [])
    entries: list[Artist] = [dot(MODE_LABELS[m], MODE_COLOURS[m]) for m in modes]
    entries.append(dot("group detected", "white", edge=DETECTED_EDGE, width=2.2))
    entries.extend(dot(STATUS_LABELS[s], c, "D", "black") for s, c in STATUS_COLOURS.items())
    entries.append(dot("detection (flash)", "none", edge=FLASH_COLOURS["detection"], size=11, width=2.2))
    entries.append(dot("interdiction (flash)", FLASH_COLOURS["interdiction"], "*", "white", size=14))
    return entries


@dataclass
class Panel:
    """One map of a frame with its model, tracker, view and counter text."""

    title: str
    model: Any
    tracker: RunTracker
    view: RunView | None = None
    counters: Artist | None = None

    def refresh(self) -> list[Artist]:
        self.tracker.sample(self.model)
        artists = self.view.update(self.model, self.tracker)
        self.counters.set_text("\n".join(f"{label:<14}{value:>5}" for label, value in counter_lines(self.model)))
        return [*artists, self.counters]


def build_figure(panels: list[Panel], dpi: int = 80, animated: bool = True) -> Figure:
    """Lay out one map per panel (counters to its right) and a shared legend underneath.

    Sizes are in inches: maps 5.6 in wide (height by the world's aspect), counters 1.65 in.
    """
    world = panels[0].model.world
    map_w = 5.6 if len(panels) == 1 else 4.6
    map_h = float(np.clip(map_w * world.height / max(world.width, 1), 2.2, 6.0))
    side_w, pad = 1.65, 0.55
    col_w = pad + map_w + side_w
    legend_h, title_h, bottom_h = 1.05, 0.35, 0.45
    fig_w = col_w * len(panels) + 0.15
    fig_h = legend_h + bottom_h + map_h + title_h
    fig = Figure(figsize=(fig_w, fig_h), dpi=dpi)
    FigureCanvasAgg(fig)
    handles = []
    for i, panel in enumerate(panels):
        left = (i * col_w + pad) / fig_w
        ax = fig.add_axes((left, (legend_h + bottom_h) / fig_h, map_w / fig_w, map_h / fig_h))
        base = draw_base(ax, panel.model.world, labels=True)
        ax.set_xlabel("km east", fontsize=8, labelpad=1)
        ax.set_ylabel("km south", fontsize=8, labelpad=1)
        ax.tick_params(labelsize=7)
        ax.set_title(panel.title, fontsize=11, fontweight="bold", loc="left", pad=4)
        panel.view = RunView(ax, panel.model.world, animated=animated)
        panel.counters = fig.text(
            (i * col_w + pad + map_w + 0.12) / fig_w,
            (legend_h + bottom_h + map_h) / fig_h,
            "",
            ha="left",
            va="top",
            fontsize=8.5,
            family="monospace",
            linespacing=1.5,
            bbox={"boxstyle": "round,pad=0.4", "facecolor": PANEL_GREY, "edgecolor": GREY},
            animated=animated,
        )
        # One legend for all panels: every feature any panel shows (a compared policy may add towers).
        labels = {h.get_label() for h in handles}
        for handle in [*legend_entries(panel.model.world), *base.feature_handles]:
            if handle.get_label() not in labels:
                handles.append(handle)
                labels.add(handle.get_label())
    legend_ax = fig.add_axes((0.01, 0.0, 0.98, legend_h / fig_h))
    legend_ax.set_axis_off()
    legend_ax.legend(
        handles=handles,
        loc="center",
        ncols=5 if len(panels) == 1 else 7,
        fontsize=7,
        frameon=False,
        handletextpad=0.3,
        columnspacing=0.9,
        borderaxespad=0.0,
    )
    return fig


# ---------------------------------------------------------------------------------------------- output
class GifSink:
    """Frames to an animated GIF with one palette taken from the first frame (it shows the legend).

    Frames are kept as 8-bit palette images (one byte per pixel) until :meth:`close` writes the file;
    Pillow then stores only the changed rectangle of each frame.
    """

    def __init__(self, out: Path, fps: int, hold_last_s: float = 2.0):
        self.out, self.fps, self.hold_last_s = out, fps, hold_last_s
        self.frames: list = []
        self.palette = None

    def add(self, rgb: np.ndarray) -> None:
        from PIL import Image

        image = Image.fromarray(rgb, "RGB")
        if self.palette is None:
            self.palette = image.quantize(colors=160, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        self.frames.append(image.quantize(palette=self.palette, dither=Image.Dither.NONE))

    def close(self) -> None:
        if not self.frames:
            raise ValueError("no frames to write")
        durations = [round(1000 / self.fps)] * len(self.frames)
        durations[-1] = max(durations[-1], round(1000 * self.hold_last_s))
        first, *rest = self.frames
        first.save(self.out, save_all=True, append_images=rest, duration=durations, loop=0, optimize=False)
        self.frames = []


class Mp4Sink:
    """Frames piped as raw RGB to ``ffmpeg`` (H.264, yuv420p so every player reads it)."""

    def __init__(self, out: Path, fps: int, size: tuple[int, int], ffmpeg: str):
        width, height = size
        self.proc = subprocess.Popen(
            [
                ffmpeg,
                "-y",
                "-loglevel",
                "error",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "rgb24",
                "-s",
                f"{width}x{height}",
                "-r",
                str(fps),
                "-i",
                "-",
                "-vf",
                "pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white",
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                "-movflags",
                "+faststart",
                str(out),
            ],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def add(self, rgb: np.ndarray) -> None:
        self.proc.stdin.write(np.ascontiguousarray(rgb).tobytes())

    def close(self) -> None:
        self.proc.stdin.close()
        err = self.proc.stderr.read().decode(errors="replace")
        if self.proc.wait() != 0:
            raise RuntimeError(f"ffmpeg failed: {err.strip()}")


#: Frame widths ``--width`` accepts (pixels): from a small embedded clip to a 4K projector.
WIDTH_RANGE = (320, 3840)


def check_width(width: int | None) -> None:
    """Refuse a frame width outside :data:`WIDTH_RANGE` (None: the default size) with a clear message."""
    low, high = WIDTH_RANGE
    if width is not None and not low <= width <= high:
        raise InputError(
            [
                Problem(
                    "--width",
                    "width",
                    f"{width}: the frame width must be a whole number of pixels from {low} to {high} "
                    "(e.g. --width 1920 for a full-HD projector); the height follows the layout",
                )
            ]
        )


def check_output(out: str | Path) -> Path:
    """The output path, if its extension is one we write; for .mp4, also that ffmpeg is installed."""
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            [
                Problem(
                    "--out",
                    "out",
                    f"'{path.name}': extension '{suffix or '(none)'}' is not supported; use .gif or .mp4",
                )
            ]
        )
    if suffix == ".mp4" and shutil.which("ffmpeg") is None:
        raise InputError(
            [
                Problem(
                    "--out",
                    "out",
                    f"'{path.name}': writing .mp4 needs ffmpeg, which is not installed (not on PATH); "
                    "install ffmpeg or write a .gif instead (e.g. --out run.gif), which always works",
                )
            ]
        )
    return path


_PAIR_START = re.compile(r",\s*(?=[A-Za-z_][\w.\[\]]*\s*=)")


def parse_compare(text: str) -> tuple[str, list[str]]:
    """``"name: key=value, key=value"`` -> (name, ["key=value", ...]).

    Commas inside a value (``patrols.sector=[0, 10]``) are kept: a new pair starts only at a comma
    followed by ``key=``.
    """
    allowed = 'expected "name: key=value, key=value", e.g. "towers: surveillance.extra_towers.count=2"'
    name, sep, rest = text.partition(":")
    name = name.strip()
    if not sep or not name:
        raise InputError([Problem("--compare", "compare", f"'{text}': missing the policy name before ':'; {allowed}")])
    pairs = [p.strip() for p in _PAIR_START.split(rest.strip())] if rest.strip() else []
    bad = [p for p in pairs if "=" not in p or not p.partition("=")[0].strip()]
    if not pairs or bad:
        what = f"'{bad[0]}' is not key=value" if bad else "no key=value pairs after ':'"
        raise InputError([Problem("--compare", "compare", f"'{text}': {what}; {allowed}")])
    return name, pairs


def _describe(overrides: list[str]) -> str:
    return ", ".join(overrides)


def animate(
    scenario: str | Path,
    out: str | Path,
    *,
    days: float | None = None,
    seed: int = 0,
    overrides: list[str] | None = None,
    compare: tuple[str, list[str]] | None = None,
    fps: int = 8,
    frames_per_day: float = FRAMES_PER_DAY,
    dpi: int = 80,
    width: int | None = None,
    progress: bool = True,
) -> Path:
    """Render a run (or a baseline and a policy side by side) to a GIF or MP4.

    Args:
        scenario: scenario file.
        out: output file, ``.gif`` or ``.mp4`` (needs ffmpeg).
        days: simulated days (default: the scenario's ``time.days``).
        seed: seed of the model(s); the comparison uses the same seed for both.
        overrides: ``key=value`` overrides applied to the run (and to both sides of a comparison).
        compare: (policy name, extra ``key=value`` overrides) for a side-by-side comparison.
        fps: frames per second of the output.
        frames_per_day: frames per simulated day (each frame advances ``steps_per_day / frames_per_day`` steps).
        dpi: pixels per inch of the frames.
        width: width of the frames in pixels (:data:`WIDTH_RANGE`); the height follows the layout and text and
            lines scale with the frame (it sets the dpi, overriding ``dpi``). None: ``dpi`` decides.
        progress: show a progress bar on standard error.

    Returns:
        The path written.
    """
    from sim.model import BorderModel
    from sim.scenario import load_scenario

    path = check_output(out)
    if fps < 1:
        raise InputError([Problem("--fps", "fps", f"{fps}: frames per second must be at least 1")])
    if frames_per_day <= 0:
        raise InputError([Problem("", "frames_per_day", f"{frames_per_day}: must be positive")])
    check_width(width)
    overrides = list(overrides or [])
    loaded = load_scenario(Path(scenario), overrides)
    panels = [Panel("baseline" if compare else _title(loaded.spec.name, overrides), None, RunTracker())]
    configs = [loaded]
    if compare is not None:
        name, extra = compare
        configs.append(load_scenario(Path(scenario), overrides + extra))
        panels.append(Panel(f"{name}: {_describe(extra)}", None, RunTracker()))
    for panel, config in zip(panels, configs, strict=True):
        panel.model = BorderModel(config, seed=seed)
    check_run_options(days, seed)
    days = loaded.spec.time.days if days is None else float(days)
    steps = round(days * panels[0].model.steps_per_day)
    n_frames = max(1, round(days * frames_per_day))
    marks = np.round(np.linspace(0, steps, n_frames + 1)[1:]).astype(int)
    path.parent.mkdir(parents=True, exist_ok=True)
    render_frames(panels, path, marks, fps=fps, dpi=dpi, width=width, progress=progress)
    return path


def _title(name: str, overrides: list[str]) -> str:
    return f"{name}" + (f" ({_describe(overrides)})" if overrides else "")


def render_frames(
    panels: list[Panel], out: Path, marks: np.ndarray, *, fps: int, dpi: int, progress: bool, width: int | None = None
) -> None:
    """Step the panels' models in lockstep; after step ``marks[k]`` draw frame ``k`` and send it out.

    With ``width`` (pixels) the figure's dpi is set so its frames are that wide."""
    from tqdm import tqdm

    fig = build_figure(panels, dpi=dpi, animated=True)
    if width is not None:
        fig.set_dpi((width + 0.5) / fig.get_figwidth())  # +0.5: the canvas truncates its size to whole pixels
    canvas = fig.canvas
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    width, height = canvas.get_width_height()
    if out.suffix.lower() == ".mp4":
        sink = Mp4Sink(out, fps, (width, height), shutil.which("ffmpeg") or "ffmpeg")
    else:
        sink = GifSink(out, fps)
    bar = tqdm(total=len(marks), desc=f"rendering {out.name}", unit="frame", file=sys.stderr, disable=not progress)
    done = 0
    try:
        for mark in marks:
            while done < mark:
                for panel in panels:
                    panel.model.step()
                    panel.tracker.after_step(panel.model)
                done += 1
            canvas.restore_region(background)
            for panel in panels:
                for artist in panel.refresh():
                    fig.draw_artist(artist)
            sink.add(np.asarray(canvas.buffer_rgba())[..., :3].copy())
            bar.update(1)
        sink.close()
    finally:
        bar.close()
        if isinstance(sink, Mp4Sink) and sink.proc.poll() is None:
            sink.proc.kill()


def animate_command(args: argparse.Namespace) -> int:
    """``bordersim animate SCENARIO --out FILE.gif|FILE.mp4 [--days D] [--seed S] [--set k=v]... [--fps N]
    [--frames-per-day F] [--compare "name: key=value, ..."] [--width PIXELS]``."""
    if not args.out:
        raise InputError([Problem("--out", "out", "missing: give the output file, e.g. --out run.gif (or .mp4)")])
    compare = parse_compare(args.compare) if args.compare else None
    out = animate(
        args.scenario,
        args.out,
        days=args.days,
        seed=args.seed,
        overrides=args.overrides,
        compare=compare,
        fps=args.fps,
        frames_per_day=args.frames_per_day,
        width=args.width,
    )
    size_kb = out.stat().st_size / 1024
    print(f"animation written to {out} ({size_kb:,.0f} KB)")
    return 0
