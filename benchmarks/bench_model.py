"""Benchmark of :class:`sim.model.BorderModel` on ``scenarios/desert_sector.toml``: a year, and how a step's cost
grows with the agents that act in it.

Usage: ``.venv/bin/python benchmarks/bench_model.py [--seed S] [--repeats N]`` (about 75 s on a quiet machine)

Prints:

1. a simulated year of ``desert_sector``, build (scenario, world, agents) plus run, the least of ``--repeats`` runs
   (the machine's other work only ever adds time), against the target of 1.5 s;
2. the time per simulated day at 1x, 4x, 10x and 100x the agents (``patrols.count``, ``traffickers.networks`` and
   ``crossers.per_day`` multiplied; fewer days the larger the run), with the agents that act in a mean step
   (guides of groups under way and patrols on duty) and the live Mesa agents (people waiting included);
3. the least-squares fit ``time per step = fixed + per agent x acting agents`` over the four scales, each part
   per step and per simulated day: the fixed part is what a step costs whoever acts in it;
4. the cost per acting-agent-step beside Mesa's simplest model timed in the same process (``CellAgent`` random
   walkers on an ``OrthogonalMooreGrid`` of the same size, one move to ``cell.neighborhood.select_random_cell()``
   per step), and the peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import mesa
import numpy as np
from mesa.discrete_space import CellAgent, OrthogonalMooreGrid

from sim.model import BorderModel
from sim.model.agents.patrol import PatrolStatus
from sim.scenario import load_scenario
from sim.world import build_world

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "desert_sector.toml"
YEAR_TARGET_S = 1.5
#: (multiple of the agents, simulated days timed): fewer days the larger the run, to keep the benchmark short.
SCALES = ((1, 60), (4, 30), (10, 15), (100, 3))


@dataclass
class Timing:
    """One timed run: build and step wall times (s), steps, acting agent-steps and live agent-steps."""

    scale: int
    days: float
    build_s: float
    step_s: float
    steps: int
    acting_steps: int
    live_steps: int

    @property
    def per_step_us(self) -> float:
        return 1e6 * self.step_s / self.steps

    @property
    def per_day_s(self) -> float:
        return self.step_s / self.days

    @property
    def acting(self) -> float:
        return self.acting_steps / self.steps

    @property
    def live(self) -> float:
        return self.live_steps / self.steps


def acting_agents(model: BorderModel) -> int:
    """Agents that act this step: guides of groups under way and patrols on duty."""
    guides = sum(1 for g in model.crossings.groups.values() if g.active)
    patrols = sum(1 for p in model.patrol_force.patrols if p.status is not PatrolStatus.OFF_DUTY)
    return guides + patrols


#: The most networks a scenario may have (``traffickers.networks``' bound): the 100x run has this many.
MAX_NETWORKS = 200


def scaled(scale: int) -> dict[str, float] | None:
    """The overrides multiplying patrols, networks (at most :data:`MAX_NETWORKS`) and the demand by ``scale``
    (None at 1)."""
    if scale == 1:
        return None
    spec = load_scenario(SCENARIO).spec
    return {
        "patrols.count": spec.patrols.count * scale,
        "traffickers.networks": min(spec.traffickers.networks * scale, MAX_NETWORKS),
        "crossers.per_day": spec.crossers.per_day * scale,
    }


def time_model(days: float, seed: int, scale: int = 1, count: bool = True) -> Timing:
    """Build the model (timed apart) and step it through ``days``; with ``count``, the agents that act and the
    live agents are counted after every step (outside the timed part)."""
    start = time.perf_counter()
    loaded = load_scenario(SCENARIO, scaled(scale))
    model = BorderModel(loaded, seed=seed, world=build_world(loaded))
    build = time.perf_counter() - start
    steps = round(days * model.steps_per_day)
    elapsed, acting, live = 0.0, 0, 0
    for _ in range(steps):
        start = time.perf_counter()
        model.step()
        elapsed += time.perf_counter() - start
        if count:
            acting += acting_agents(model)
            live += len(model.agents)
    return Timing(scale, days, build, elapsed, steps, acting, live)


def time_year(seed: int, repeats: int) -> tuple[float, float, float, float]:
    """A simulated year, build plus run: the least of ``repeats`` runs, its build and run parts (s), and the least
    processor time of a run (s: on a shared machine, the wall time less the waits for a core)."""
    best, cpu = None, np.inf
    for _ in range(repeats):
        start = time.process_time()
        t = time_model(365, seed, count=False)
        cpu = min(cpu, time.process_time() - start)
        if best is None or t.build_s + t.step_s < best.build_s + best.step_s:
            best = t
    return best.build_s + best.step_s, best.build_s, best.step_s, cpu


def fit_step_cost(timings: list[Timing]) -> tuple[float, float]:
    """Least squares ``time per step = fixed + per_agent x acting agents`` (us, us per acting agent), on relative
    errors (weights ``1 / time``), so that the 100x run does not decide the fixed part alone."""
    x = np.array([t.acting for t in timings])
    y = np.array([t.per_step_us for t in timings])
    per_agent, fixed = np.polyfit(x, y, 1, w=1.0 / y)
    return float(fixed), float(per_agent)


class Walker(CellAgent):
    """Mesa's simplest agent: a random step to a neighbouring cell."""

    def __init__(self, model: mesa.Model, cell):
        super().__init__(model)
        self.cell = cell

    def step(self) -> None:
        self.cell = self.cell.neighborhood.select_random_cell()


class RandomWalkers(mesa.Model):
    """``n`` random walkers on an ``OrthogonalMooreGrid`` of ``height x width`` cells."""

    def __init__(self, n: int, height: int, width: int, seed: int = 0):
        super().__init__(rng=seed)
        self.grid = OrthogonalMooreGrid((height, width), torus=False, random=self.random)
        cells = self.grid.all_cells.cells
        for i in self.rng.integers(len(cells), size=n):
            Walker(self, cells[int(i)])

    def step(self) -> None:
        self.agents.shuffle_do("step")


def time_mesa_baseline(n: int, height: int, width: int, min_seconds: float = 2.0) -> float:
    """Microseconds per agent-step of :class:`RandomWalkers`."""
    model = RandomWalkers(n, height, width)
    steps = 0
    start = time.perf_counter()
    while time.perf_counter() - start < min_seconds:
        for _ in range(20):
            model.step()
        steps += 20
    return 1e6 * (time.perf_counter() - start) / (steps * n)


def max_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 1024  # bytes on macOS, KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="runs of the simulated year; the least is kept")
    args = parser.parse_args(argv)

    world = build_world(load_scenario(SCENARIO))
    print(f"bordersim model benchmark: {SCENARIO.name}, seed {args.seed}, {world.width} x {world.height} cells\n")
    year_s, year_build, year_run, year_cpu = time_year(args.seed, args.repeats)
    print(
        f"a simulated year (least of {args.repeats}): build {year_build:.2f} s + run {year_run:.2f} s = {year_s:.2f} s"
        f"   target <= {YEAR_TARGET_S} s   {'PASS' if year_s <= YEAR_TARGET_S else 'MISS'}\n"
        f"  processor time of the run: {year_cpu:.2f} s (near the wall time on a quiet machine)\n"
    )

    timings = []
    print(f"100x: {', '.join(f'{k}={v:g}' for k, v in scaled(100).items())}")
    print(f"{'agents':>7} {'days':>5} {'s / day':>9} {'us / step':>10} {'acting':>8} {'live':>8}")
    for scale, days in SCALES:
        t = time_model(days, args.seed, scale)
        timings.append(t)
        print(
            f"{scale:>6}x {days:>5g} {t.per_day_s:>9.3f} {t.per_step_us:>10.0f} {t.acting:>8.1f} {t.live:>8.0f}",
            flush=True,
        )
    fixed_us, agent_us = fit_step_cost(timings)
    steps_per_day = timings[0].steps / timings[0].days
    print(
        "\nfit over the four scales: time per step = fixed + per acting agent x acting agents\n"
        f"  fixed            {fixed_us:8.0f} us a step  = {fixed_us * steps_per_day / 1e6:6.3f} s a simulated day\n"
        f"  per acting agent {agent_us:8.2f} us a step  = {agent_us * steps_per_day / 1e3:6.2f} ms a simulated day"
    )
    base = timings[0]
    for t in timings:
        print(f"  {t.scale:>4}x: the fixed part is {min(1.0, fixed_us / t.per_step_us):4.0%} of the step measured")

    n_walkers = max(1, round(base.acting))
    mesa_us = time_mesa_baseline(n_walkers, world.height, world.width)
    print(
        f"\nper acting-agent-step at 1x ({base.per_step_us:.0f} us / {base.acting:.1f} agents): "
        f"{base.per_step_us / base.acting:.1f} us; the fitted part per agent: {agent_us:.2f} us\n"
        f"Mesa's random walker ({n_walkers} on the same grid): {mesa_us:.2f} us per agent-step; "
        f"ours / Mesa's: {base.per_step_us / base.acting / mesa_us:.1f} all told, {agent_us / mesa_us:.1f} per agent"
    )
    print(f"peak resident memory of the benchmark: {max_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
