"""Play the defender: the classroom game's logic, apart from the page that shows it (:mod:`sim.viz.app`).

A class plays rounds against the traffickers. In each round the students set a **plan**: extra towers they
site by clicking the map (:func:`check_tower_site` refuses a site that sees none of the border), the patrol
units on the roster and the sector they patrol, intelligence sharing, courts and victim protection. A plan is a
set of scenario overrides (:meth:`Plan.overrides`); its yearly cost beyond the scenario's is priced from the
scenario's own cost keys (:func:`plan_cost`) and held to the class's budget.

The plan and the scenario's baseline run side by side on the same seed, in step (:class:`PairedRun`): a plan
that changes nothing gives the baseline's run exactly. Each side has a scoreboard (:data:`SCORES`, read from
the outcomes declared in :mod:`sim.metrics`) and logs where each group crossed (``model.crossings.log``).

Between rounds the traffickers keep what they learnt: each network's memory of where its groups were caught
(:meth:`sim.model.agents.trafficker.Network.interdiction_memory`) is carried into the next round's model of
the same side, aged by the round's length, so the next round's crossings move away from where the last
round's plan caught them. :class:`Classroom` keeps the rounds (plans and scores), writes them as CSV
(:meth:`Classroom.history_csv`) and draws the last round again as a GIF (:meth:`Classroom.write_gif`).

Nothing here imports Solara: the game is tested without a browser (``tests/test_classroom.py``).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.metrics import OUTCOME_BY_NAME
from sim.model.patrol_force import apportion
from sim.schema import InputError, Problem

if TYPE_CHECKING:
    from sim.model import BorderModel
    from sim.scenario.loading import LoadedScenario
    from sim.world.core import World

#: Offered for a lever that keeps the scenario's own value.
AS_SCENARIO = "as in the scenario"
SHARING = ("none", "delayed", "full")
PROTECTION = ("none", "basic", "strong")
#: The thirds of the border a class puts its patrol units in (``patrols.sector_shares``), from its start.
THIRDS = ("west", "centre", "east")
HOURS_PER_YEAR = 24.0 * 365.0
#: Model hours between two samples of the scores for the page's charts.
TRACE_HOURS = 6.0


@dataclass(frozen=True)
class Score:
    """One row of a scoreboard: a label and the declared outcomes it adds up."""

    name: str
    label: str
    outcomes: tuple[str, ...]
    digits: int = 0

    def value(self, outcomes: dict[str, float]) -> float:
        total = sum(float(outcomes[name]) for name in self.outcomes)
        return round(total, self.digits) if self.digits else float(round(total))


#: The scoreboard of each side, from the outcomes of :mod:`sim.metrics`. Wrongful detentions add the travellers
#: wrongly held at checkpoints and the innocent people held on a false record match.
SCORES: tuple[Score, ...] = (
    Score("crossings", "successful crossings", ("crossings_succeeded",)),
    Score("deaths", "expected deaths", ("exposure_death_risk",), digits=4),
    Score("rescued", "victims rescued", ("victims_rescued",)),
    Score("wrongful", "wrongful detentions", ("checkpoint_false_alarms", "false_match_detentions")),
    Score("convictions", "convictions", ("traffickers_convicted",)),
    Score("cost", "cost (currency)", ("cost",)),
)
for _score in SCORES:
    for _name in _score.outcomes:
        if _name not in OUTCOME_BY_NAME:
            raise ValueError(f"score {_score.name!r} reads an undeclared outcome {_name!r}")


# ---------------------------------------------------------------------------------------------- scenario
def shipped_scenarios() -> dict[str, Path]:
    """Shipped scenarios by name (file stem), the classroom ones first: ``scenarios/`` of the working directory
    when there is one, else the package's copy (:func:`sim.shipped.scenario_folder`)."""
    from sim.shipped import scenario_folder

    paths = sorted(scenario_folder().glob("*.toml"), key=lambda p: (not p.stem.startswith("classroom"), p.stem))
    return {p.stem: p.absolute() for p in paths}


def resolve_scenario(given: str | Path) -> Path:
    """The scenario file ``given`` names: a path to a file, or a shipped scenario's name; checked to load.

    Raises:
        InputError: no such file or name, or a scenario with problems (each problem names the file and key).
    """
    from sim.world.build import scenario_problems

    text = str(given).strip()
    path = Path(text).expanduser()
    if not path.is_file():
        shipped = shipped_scenarios()
        if text in shipped:
            path = shipped[text]
        else:
            names = ", ".join(shipped) or "none"
            raise InputError(
                [Problem(text or "<empty>", "--scenario", f"no such file; allowed: a scenario file or a name: {names}")]
            )
    try:
        problems = scenario_problems(path)
    except InputError:
        raise
    except (OSError, ValueError) as exc:  # unreadable file, TOML syntax
        raise InputError([Problem(str(path), "", f"cannot be read: {exc}")]) from None
    if problems:
        raise InputError(problems)
    return path.absolute()


# ---------------------------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class Plan:
    """What the class decides for a round. ``None`` and :data:`AS_SCENARIO` keep the scenario's value.

    Attributes:
        towers: extra towers, each at (x_km, y_km), built as the scenario's ``surveillance.extra_towers`` describe.
        patrol_units: patrol units in the west, centre and east thirds of the border (:data:`THIRDS`): the
            roster (``patrols.count``) split along the line (``patrols.sector_shares``); ``None`` keeps the
            scenario's roster, every unit patrolling the whole border.
        sharing, protection: ``agencies.sharing`` and ``victims.protection``.
        courts: ``legal.courts``.
    """

    towers: tuple[tuple[float, float], ...] = ()
    patrol_units: tuple[int, int, int] | None = None
    sharing: str = AS_SCENARIO
    courts: int | None = None
    protection: str = AS_SCENARIO

    def overrides(self, loaded: LoadedScenario) -> dict[str, Any]:
        """Dotted-key overrides of the scenario ``loaded`` that make this plan (empty for a plan that changes
        nothing). Towers are appended to the scenario's own ``[[surveillance.sensors]]``."""
        s = loaded.spec
        out: dict[str, Any] = {}
        if self.towers:
            if s.terrain.positions != "km":
                raise InputError(
                    [
                        Problem(
                            loaded.path or "<scenario>",
                            "terrain.positions",
                            "towers can be placed by clicking only "
                            f"on scenarios whose positions are in km; this one gives them in {s.terrain.positions}",
                        )
                    ]
                )
            extra = s.surveillance.extra_towers
            own = list(loaded.raw.get("surveillance", {}).get("sensors", []))
            new = [
                {
                    "kind": "tower",
                    "at": [round(x, 3), round(y, 3)],
                    "mast_height_m": extra.mast_height_m,
                    "range_m": extra.range_m,
                    "detection_rate_per_hour": extra.detection_rate_per_hour,
                    "tech_tier": extra.tech_tier,
                    "agency": extra.agency,
                    "cost_per_year": extra.cost_per_year,
                    "capital_cost": extra.capital_cost,
                    "lifetime_years": extra.lifetime_years,
                }
                for x, y in self.towers
            ]
            out["surveillance.sensors"] = own + new
        if self.patrol_units is not None:
            out["patrols.count"] = sum(int(u) for u in self.patrol_units)
            if out["patrols.count"] > 0:
                out["patrols.sector_shares"] = [float(u) for u in self.patrol_units]
        if self.sharing != AS_SCENARIO:
            out["agencies.sharing"] = self.sharing
        if self.courts is not None:
            out["legal.courts"] = int(self.courts)
        if self.protection != AS_SCENARIO:
            out["victims.protection"] = self.protection
        return out

    def describe(self) -> dict[str, str]:
        """The plan as text, one entry a lever (for the history's CSV)."""
        return {
            "towers": " ".join(f"{x:.1f};{y:.1f}" for x, y in self.towers),
            "patrol_units": AS_SCENARIO if self.patrol_units is None else units_text(self.patrol_units),
            "sharing": self.sharing,
            "courts": AS_SCENARIO if self.courts is None else str(self.courts),
            "protection": self.protection,
        }


def units_text(units: tuple[int, int, int]) -> str:
    """Units per third as text: ``west 2 / centre 1 / east 1``."""
    return " / ".join(f"{third} {int(n)}" for third, n in zip(THIRDS, units, strict=True))


def even_split(count: int) -> tuple[int, int, int]:
    """``count`` units shared by the three thirds as evenly as they go, the west first (the model's apportionment
    of ``patrols.sector_shares``, :func:`sim.model.patrol_force.apportion`)."""
    return tuple(int(c) for c in apportion(np.ones(3), int(count)))


# ---------------------------------------------------------------------------------------------- towers
@dataclass(frozen=True)
class TowerSite:
    """A site checked for a tower: where, whether it is allowed, why not, and what it would see."""

    x_km: float
    y_km: float
    ok: bool
    reason: str
    border_seen_km: float = 0.0
    visible: np.ndarray | None = field(default=None, repr=False, compare=False)


def check_tower_site(world: World, x_km: float, y_km: float) -> TowerSite:
    """Check a site for one of the class's towers (the scenario's ``surveillance.extra_towers`` mast and range).

    A tower stands on the map, on land (not water), on the destination side or on the border line (agencies build
    on their own territory), and must see some of the border: its line of sight over the terrain
    (:func:`sim.world.surveillance.visible_from`, the model's own test) must reach at least one border cell within
    its range. ``visible`` is its viewshed (:func:`sim.world.surveillance.viewshed`) for drawing its coverage.
    """
    from sim.world.border import cell_lengths
    from sim.world.surveillance import viewshed, visible_from
    from sim.world.terrain import WATER

    extra = world.scenario.surveillance.extra_towers
    width_km, height_km = world.width * world.cell_km, world.height * world.cell_km
    if not (0.0 <= x_km < width_km and 0.0 <= y_km < height_km):
        return TowerSite(x_km, y_km, False, f"({x_km:.1f}, {y_km:.1f}) km is off the map")
    cell = world.cell_of(x_km, y_km)
    where = f"({x_km:.1f}, {y_km:.1f}) km"
    if world.landcover[cell] == WATER:
        return TowerSite(x_km, y_km, False, f"{where} is water: a tower needs land")
    if world.origin_mask[cell]:
        return TowerSite(x_km, y_km, False, f"{where} is across the border: build on your own side")
    cell_m = world.cell_km * 1000.0
    rows, cols = world.border_cells[:, 0], world.border_cells[:, 1]
    near = np.flatnonzero(np.hypot(rows - cell[0], cols - cell[1]) * cell_m <= extra.range_m)
    kwargs = {
        "mast_height_m": extra.mast_height_m,
        "cell_m": cell_m,
        "target_height_m": world.scenario.surveillance.target_height_m,
    }
    seen = visible_from(world.elevation, cell, rows[near], cols[near], **kwargs) if near.size else np.zeros(0, bool)
    if not seen.any():
        why = "the border is out of its range" if near.size == 0 else "the terrain hides the whole border from it"
        return TowerSite(x_km, y_km, False, f"no line of sight to the border from {where}: {why}")
    seen_km = float((cell_lengths(world.border_cells)[near][seen]).sum() * world.cell_km)
    visible = viewshed(world.elevation, cell, range_m=extra.range_m, **kwargs)
    return TowerSite(x_km, y_km, True, f"sees {seen_km:.1f} km of the border", seen_km, visible)


# ---------------------------------------------------------------------------------------------- cost
@dataclass(frozen=True)
class CostLine:
    item: str
    per_year: float


def plan_cost(loaded: LoadedScenario, plan: Plan) -> list[CostLine]:
    """The plan's yearly cost beyond the scenario's, item by item, from the scenario's cost keys.

    Towers: ``extra_towers.cost_per_year`` plus ``capital_cost`` over ``lifetime_years`` each. Patrol units: the
    units added (or removed: a saving) times ``on_duty_share`` x 8,760 h x ``patrols.cost_per_hour``. Sharing:
    ``agencies.sharing_cost_per_year`` when the plan turns sharing on (a saving when it turns it off). Courts:
    ``legal.cost_per_court_per_year`` per court added or removed. Victim protection is paid per victim supported,
    so it shows in the runs' cost, not here.
    """
    s = loaded.spec
    extra = s.surveillance.extra_towers
    lines = []
    if plan.towers:
        each = extra.cost_per_year + extra.capital_cost / extra.lifetime_years
        lines.append(CostLine(f"{len(plan.towers)} tower(s)", len(plan.towers) * each))
    if plan.patrol_units is not None and sum(plan.patrol_units) != s.patrols.count:
        units = sum(plan.patrol_units) - s.patrols.count
        per_unit = s.patrols.on_duty_share * HOURS_PER_YEAR * s.patrols.cost_per_hour
        lines.append(CostLine(f"{units:+d} patrol unit(s)", units * per_unit))
    if plan.sharing != AS_SCENARIO and (plan.sharing == "none") != (s.agencies.sharing == "none"):
        sign = -1.0 if plan.sharing == "none" else 1.0
        lines.append(CostLine(f"sharing {plan.sharing}", sign * s.agencies.sharing_cost_per_year))
    if plan.courts is not None and plan.courts != s.legal.courts:
        added = plan.courts - s.legal.courts
        lines.append(CostLine(f"{added:+d} court(s)", added * s.legal.cost_per_court_per_year))
    return lines


def default_budget(loaded: LoadedScenario) -> float:
    """The budget a class starts with (currency a year): what two of the scenario's extra towers cost."""
    extra = loaded.spec.surveillance.extra_towers
    return 2.0 * (extra.cost_per_year + extra.capital_cost / extra.lifetime_years)


# ---------------------------------------------------------------------------------------------- runs
#: What a side's networks remember: per network, where (k, 2 km) and how many hours before the round's start.
Memory = list[tuple[np.ndarray, np.ndarray]]


def take_memory(model: BorderModel) -> Memory:
    """Every network's memory of interdictions at the model's present (ages in hours before now)."""
    return [network.interdiction_memory() for network in model.networks]


def give_memory(model: BorderModel, memory: Memory) -> None:
    """Hand a previous round's memory to the networks of a new model, network by network (same ids)."""
    for network, (xy, hours_ago) in zip(model.networks, memory, strict=False):
        network.recall_interdictions(xy, hours_ago)


@dataclass
class Side:
    """One of the two runs of a round: its name, model and what the page draws of it."""

    name: str
    model: BorderModel
    tracker: Any = None

    def scores(self) -> dict[str, float]:
        outcomes = self.model.outcomes()
        return {score.name: score.value(outcomes) for score in SCORES}

    def crossings(self) -> list[dict]:
        """Where groups crossed (or were stopped): the model's crossing log."""
        return self.model.crossings.log


class PairedRun:
    """The baseline and the plan on the same seed, stepped together.

    Both models are built from the same scenario file with no warm-up (the round starts at day 0); the plan's model
    with the plan's overrides. Each side's networks start with their side's memory from the last round. ``baseline``
    reuses the baseline's side of a round not yet started (the plan changed; the baseline did not).
    """

    def __init__(
        self,
        scenario: Path,
        plan: Plan,
        seed: int,
        memory: dict[str, Memory] | None = None,
        *,
        loaded: LoadedScenario | None = None,
        baseline: Side | None = None,
    ):
        from sim.model import BorderModel
        from sim.scenario import load_scenario

        self.scenario, self.plan, self.seed = scenario, plan, seed
        base = loaded if loaded is not None else load_scenario(scenario)
        planned = load_scenario(scenario, plan.overrides(base))
        self.sides = [
            baseline or Side("baseline", BorderModel(base, seed=seed, warmup_days=0)),
            Side("plan", BorderModel(planned, seed=seed, warmup_days=0)),
        ]
        self.memory_at_start = memory or {}
        for side in self.sides[0 if baseline is None else 1 :]:
            give_memory(side.model, self.memory_at_start.get(side.name, []))
        #: Both sides' scores every :data:`TRACE_HOURS` of model time from day 0: (day, {side: scores}).
        self.trace: list[tuple[float, dict[str, dict[str, float]]]] = [(0.0, self.scores())]
        self._trace_every = max(1, round(TRACE_HOURS / self.baseline.model.step_hours))

    @property
    def baseline(self) -> Side:
        return self.sides[0]

    @property
    def planned(self) -> Side:
        return self.sides[1]

    @property
    def days(self) -> float:
        return self.baseline.model.days

    @property
    def steps(self) -> int:
        return int(self.baseline.model.steps)

    def step(self, n: int = 1) -> None:
        """Advance both runs ``n`` steps, in step."""
        for _ in range(n):
            for side in self.sides:
                side.model.step()
                if side.tracker is not None:
                    side.tracker.after_step(side.model)
            if self.steps % self._trace_every == 0:
                self.trace.append((self.days, self.scores()))

    def run_to_day(self, day: float) -> None:
        """Step both runs until day ``day`` (a step at a time, without drawing)."""
        target = math.ceil(day * self.baseline.model.steps_per_day - 1e-9)
        self.step(max(0, target - self.steps))

    def scores(self) -> dict[str, dict[str, float]]:
        return {side.name: side.scores() for side in self.sides}

    def memory(self) -> dict[str, Memory]:
        """Each side's memory now, to start the next round with."""
        return {side.name: take_memory(side.model) for side in self.sides}


# ---------------------------------------------------------------------------------------------- rounds
@dataclass(frozen=True)
class RoundRecord:
    """A round played: its number, seed, days, the plan, the plan's yearly cost and both sides' scores."""

    number: int
    seed: int
    days: float
    plan: Plan
    plan_cost_per_year: float
    scores: dict[str, dict[str, float]]
    interdictions_remembered: dict[str, int]


class Classroom:
    """A class's game: the scenario, the budget, the plan being made, the round under way and the rounds played.

    Args:
        scenario: a scenario file or a shipped scenario's name (:func:`resolve_scenario`).
        seed: the seed of every round (each round's two runs share it; what changes between rounds is the plan and
            what the traffickers remember).
        days: length of a round (default: the scenario's ``time.days``).
        budget: yearly budget for the plan beyond the scenario's (default :func:`default_budget`).
    """

    def __init__(self, scenario: str | Path, seed: int = 0, days: float | None = None, budget: float | None = None):
        from sim.scenario import load_scenario

        self.scenario = resolve_scenario(scenario)
        self.loaded = load_scenario(self.scenario)
        self.name = self.loaded.spec.name
        self.seed = int(seed)
        self.days = float(self.loaded.spec.time.days if days is None else days)
        self.budget = default_budget(self.loaded) if budget is None else float(budget)
        self.plan = Plan()
        self.rounds: list[RoundRecord] = []
        self.memory: dict[str, Memory] = {}
        #: The plan and memory the last round played started with (to draw it again).
        self.last_start: tuple[Plan, dict[str, Memory]] = (self.plan, self.memory)
        self.run = PairedRun(self.scenario, self.plan, self.seed, self.memory, loaded=self.loaded)

    # -- the plan ----------------------------------------------------------------------------------
    @property
    def world(self) -> World:
        return self.run.planned.model.world

    def cost_lines(self, plan: Plan | None = None) -> list[CostLine]:
        return plan_cost(self.loaded, self.plan if plan is None else plan)

    def cost(self, plan: Plan | None = None) -> float:
        """The plan's yearly cost beyond the scenario's."""
        return float(sum(line.per_year for line in self.cost_lines(plan)))

    def set_budget(self, budget: float) -> None:
        """The class's yearly budget for its plan; a plan already over it stays, shown over budget, until changed.

        Raises:
            InputError: a negative or non-finite budget.
        """
        if not (math.isfinite(budget) and budget >= 0):
            raise InputError([Problem("plan", "budget", f"given {budget}; allowed: a number >= 0 (currency a year)")])
        self.budget = float(budget)

    def set_plan(self, plan: Plan) -> None:
        """Make ``plan`` the round's plan and restart the round from day 0 with it.

        Raises:
            InputError: the round has started (reset it first), or the plan costs more than the budget.
        """
        if self.run.steps > 0:
            raise InputError([Problem("plan", "", "the round has started: reset it to change the plan")])
        over = self.cost(plan) - self.budget
        if over > 1e-6:
            raise InputError(
                [
                    Problem(
                        "plan",
                        "budget",
                        f"{self.cost(plan):,.0f} a year is over the budget of {self.budget:,.0f}"
                        f" by {over:,.0f}; remove something or save elsewhere",
                    )
                ]
            )
        plan.overrides(self.loaded)  # refuses what cannot be built, before the round is rebuilt
        self.plan = plan
        # The baseline at day 0 does not depend on the plan: it is kept, and only the plan's side is built again.
        self.run = PairedRun(
            self.scenario, plan, self.seed, self.memory, loaded=self.loaded, baseline=self.run.baseline
        )

    def add_tower(self, x_km: float, y_km: float) -> TowerSite:
        """Check a site and, if it is allowed and the budget pays for it, add a tower there (the round restarts)."""
        site = check_tower_site(self.world, x_km, y_km)
        if site.ok:
            try:
                self.set_plan(replace(self.plan, towers=(*self.plan.towers, (round(x_km, 2), round(y_km, 2)))))
            except InputError as exc:
                return replace(site, ok=False, reason=exc.problems[0].message, visible=None)
        return site

    def remove_tower(self, index: int) -> None:
        towers = list(self.plan.towers)
        del towers[index]
        self.set_plan(replace(self.plan, towers=tuple(towers)))

    # -- rounds ------------------------------------------------------------------------------------
    @property
    def round_number(self) -> int:
        return len(self.rounds) + 1

    @property
    def finished(self) -> bool:
        return self.run.days >= self.days - 1e-9

    def restart(self) -> None:
        """The round from day 0 again: the same plan, seed and memory."""
        self.run = PairedRun(self.scenario, self.plan, self.seed, self.memory, loaded=self.loaded)

    def play_to_end(self) -> None:
        self.run.run_to_day(self.days)

    def next_round(self) -> RoundRecord:
        """Finish the round (running it to its last day), record it, and start the next with the same plan and the
        traffickers' memory of this round."""
        self.play_to_end()
        memory = self.run.memory()
        record = RoundRecord(
            number=self.round_number,
            seed=self.seed,
            days=self.days,
            plan=self.plan,
            plan_cost_per_year=self.cost(),
            scores=self.run.scores(),
            interdictions_remembered={name: sum(len(xy) for xy, _ in mem) for name, mem in memory.items()},
        )
        self.rounds.append(record)
        self.last_start = (self.plan, self.memory)
        self.memory = memory
        self.restart()
        return record

    def history_rows(self) -> list[dict[str, Any]]:
        """One row per round played: the plan's levers, its cost, and each side's scores."""
        rows = []
        for r in self.rounds:
            row: dict[str, Any] = {"round": r.number, "scenario": self.name, "seed": r.seed, "days": r.days}
            row.update(r.plan.describe())
            row["plan_cost_per_year"] = round(r.plan_cost_per_year, 2)
            for side in ("baseline", "plan"):
                row.update({f"{side}_{name}": value for name, value in r.scores[side].items()})
            for side in ("baseline", "plan"):
                row[f"{side}_interdictions_remembered"] = r.interdictions_remembered[side]
            rows.append(row)
        return rows

    def history_csv(self) -> str:
        """The rounds played as CSV text (columns: :func:`history_columns`)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=history_columns(), lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.history_rows())
        return buffer.getvalue()

    def write_gif(self, out: Path, *, frames_per_day: float = 4.0, fps: int = 8, dpi: int = 60) -> Path:
        """The last round played, both sides, drawn again as an animated GIF (:func:`sim.viz.animate.render_frames`):
        the same seed, plan and memory give the same runs.

        Raises:
            InputError: no round has been played yet.
        """
        from sim.viz.animate import Panel, RunTracker, render_frames

        if not self.rounds:
            raise InputError([Problem("gif", "", "no round played yet: play a round to the end first")])
        plan, memory = self.last_start
        run = PairedRun(self.scenario, plan, self.seed, memory, loaded=self.loaded)
        panels = [Panel(side.name, side.model, RunTracker()) for side in run.sides]
        steps = math.ceil(self.days * run.baseline.model.steps_per_day - 1e-9)
        marks = np.round(np.linspace(0, steps, max(1, round(self.days * frames_per_day)) + 1)[1:]).astype(int)
        out.parent.mkdir(parents=True, exist_ok=True)
        render_frames(panels, out, marks, fps=fps, dpi=dpi, progress=False)
        return out


def history_columns() -> list[str]:
    """The columns of the history's CSV."""
    plan = list(asdict(Plan()).keys())
    plan = [c for c in ("towers", "patrol_units", "sharing", "courts", "protection") if c in plan]
    sides = [f"{side}_{score.name}" for side in ("baseline", "plan") for score in SCORES]
    memory = [f"{side}_interdictions_remembered" for side in ("baseline", "plan")]
    return ["round", "scenario", "seed", "days", *plan, "plan_cost_per_year", *sides, *memory]
