"""Benchmark of :class:`sim.model.BorderModel` on ``scenarios/desert_sector.toml``.

Usage: ``.venv/bin/python benchmarks/bench_model.py [--seed S]``

Measures, for a simulated 90 days: wall time, steps, live Mesa agents per step (summed: agent-steps)
and agent-steps per second; the agents that actually move each step (guides of active groups and
on-duty patrols) and the cost per moving-agent-step; peak memory (``ru_maxrss`` and the tracemalloc
peak of a separate traced run). In the same process it times Mesa's simplest model (``CellAgent``
random walkers on an ``OrthogonalMooreGrid`` of the same size, one move to
``cell.neighborhood.select_random_cell()`` per step) at the run's mean agent count, for a cost per
agent-step to compare with. Then the time ratio when recruitment, networks and patrols are all
multiplied by 4, and the time of a simulated year. Prints a table with targets and PASS/MISS.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import mesa
from mesa.discrete_space import CellAgent, OrthogonalMooreGrid

from sim.model import BorderModel
from sim.model.agents.patrol import PatrolStatus
from sim.scenario import load_scenario
from sim.world import build_world

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "desert_sector.toml"
SCALE = 4


@dataclass
class Timing:
    """One timed run: build and step wall times (s), steps, agent-steps and moving-agent-steps."""

    build_s: float
    step_s: float
    steps: int
    agent_steps: int
    moving_steps: int
    victims: int

    @property
    def mean_agents(self) -> float:
        return self.agent_steps / self.steps

    @property
    def us_per_agent_step(self) -> float:
        return 1e6 * self.step_s / self.agent_steps

    @property
    def us_per_moving_step(self) -> float:
        return 1e6 * self.step_s / max(1, self.moving_steps)


def moving_agents(model: BorderModel) -> int:
    """Agents that move this step: guides of active groups and patrols on duty."""
    guides = sum(1 for g in model.crossings.groups.values() if g.active)
    patrols = sum(1 for p in model.patrol_force.patrols if p.status is not PatrolStatus.OFF_DUTY)
    return guides + patrols


def time_model(days: float, seed: int, overrides: dict | None = None, count: bool = True) -> Timing:
    """Build the model (timed apart) and step it through ``days``, sampling agent counts every step."""
    start = time.perf_counter()
    loaded = load_scenario(SCENARIO, overrides)
    model = BorderModel(loaded, seed=seed, world=build_world(loaded))
    build = time.perf_counter() - start
    steps = round(days * model.steps_per_day)
    agent_steps = moving = 0
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
        if count:
            agent_steps += len(model.agents)
            moving += moving_agents(model)
    elapsed = time.perf_counter() - start
    return Timing(build, elapsed, steps, agent_steps, moving, model.outcomes()["victims_recruited"])


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


def time_mesa_baseline(n: int, height: int, width: int, min_seconds: float = 3.0) -> tuple[float, int]:
    """Microseconds per agent-step of :class:`RandomWalkers`; steps until ``min_seconds`` have passed."""
    model = RandomWalkers(n, height, width)
    steps = 0
    start = time.perf_counter()
    while time.perf_counter() - start < min_seconds:
        for _ in range(50):
            model.step()
        steps += 50
    elapsed = time.perf_counter() - start
    return 1e6 * elapsed / (steps * n), steps


def traced_peak_mb(days: float, seed: int) -> float:
    """tracemalloc peak (MB) of building and running the model for ``days`` (a separate, slower run)."""
    tracemalloc.start()
    time_model(days, seed, count=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def max_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 1024  # bytes on macOS, KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    base = time_model(90, args.seed)
    rss_after_base = max_rss_mb()
    world = build_world(load_scenario(SCENARIO))
    n_walkers = round(base.mean_agents)
    mesa_us, mesa_steps = time_mesa_baseline(n_walkers, world.height, world.width)
    ratio_mesa = base.us_per_agent_step / mesa_us

    spec = load_scenario(SCENARIO).spec
    scaled = {
        "crossers.per_day": spec.crossers.per_day * SCALE,
        "traffickers.networks": spec.traffickers.networks * SCALE,
        "patrols.count": spec.patrols.count * SCALE,
    }
    big = time_model(90, args.seed, scaled)
    ratio_scale = big.step_s / base.step_s
    year = time_model(365, args.seed, count=False)
    year_total = year.build_s + year.step_s
    peak_mb = traced_peak_mb(90, args.seed)

    print(f"bordersim model benchmark: {SCENARIO.name}, seed {args.seed}, {world.width} x {world.height} cells\n")
    print("90 simulated days")
    print(f"  build (terrain, sensors, routes, agents)   {base.build_s:10.2f} s")
    print(f"  steps                                      {base.steps:10d}   ({base.step_s:.2f} s wall)")
    print(f"  victims recruited                          {base.victims:10d}")
    print(f"  live Mesa agents per step (mean)           {base.mean_agents:10.1f}   (agent-steps {base.agent_steps:,})")
    print(f"  agent-steps per second                     {base.agent_steps / base.step_s:10,.0f}")
    print(f"  cost per agent-step                        {base.us_per_agent_step:10.2f} us")
    print(
        f"  moving agents per step (mean)              {base.moving_steps / base.steps:10.1f}   "
        "(guides of active groups + on-duty patrols)"
    )
    print(f"  cost per moving-agent-step                 {base.us_per_moving_step:10.2f} us")
    print(f"  peak RSS of the process so far             {rss_after_base:10.1f} MB")
    print(f"  tracemalloc peak (build + 90 days)         {peak_mb:10.1f} MB")
    print(
        f"\nMesa baseline: {n_walkers} random walkers on a {world.width} x {world.height} OrthogonalMooreGrid, "
        f"{mesa_steps} steps: {mesa_us:.2f} us per agent-step"
    )
    print(
        f"x{SCALE} scale ({', '.join(f'{k}={v:g}' for k, v in scaled.items())}): {big.step_s:.2f} s for 90 days, "
        f"mean {big.mean_agents:.0f} live agents, {big.victims} victims"
    )
    print(f"365 simulated days: build {year.build_s:.2f} s + steps {year.step_s:.2f} s = {year_total:.2f} s")

    rows = [
        ("cost per agent-step, ours / Mesa random walk", f"{ratio_mesa:.2f}", "<= 1.0", ratio_mesa <= 1.0),
        (
            "cost per moving-agent-step / Mesa agent-step",
            f"{base.us_per_moving_step / mesa_us:.1f}",
            "(reported)",
            None,
        ),
        (f"step time x{SCALE} scale / base", f"{ratio_scale:.2f}", f"<= {SCALE}", ratio_scale <= SCALE),
        ("one simulated year, build + run", f"{year_total:.2f} s", "< 10 s", year_total < 10.0),
    ]
    print(f"\n{'figure':<48} {'value':>10} {'target':>10}  result")
    for name, value, target, ok in rows:
        verdict = "" if ok is None else ("PASS" if ok else "MISS")
        print(f"{name:<48} {value:>10} {target:>10}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
