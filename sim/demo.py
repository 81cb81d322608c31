"""``bordersim demo`` (``make demo``): the main job, end to end.

1. validate the scenarios and draw their maps into ``results/maps/``;
2. run the default policy comparison (``experiments/policy_comparison.toml``) on local processes,
   with statistics and a report in ``results/policy_comparison/``;
3. print where the maps and the report are.

``bordersim demo --quick`` is a first look in about a minute: the same comparison with
:data:`QUICK_REPLICATIONS` replications of :data:`QUICK_DAYS` days after at most :data:`QUICK_WARMUP_DAYS` days of
warm-up, in a results folder of its own
(``results/policy_comparison_quick/``), never mixed with the full run's.

The scenarios and the experiment are those in the working directory's ``scenarios/`` and ``experiments/`` when
it has them (the repository, or a folder made by ``bordersim examples``), else the ones shipped in the package
(:mod:`sim.shipped`); the demo says which.

Running it again resumes (or simply re-reports) the same experiment: nothing is computed twice. Results made
by another version of the experiment, its scenario or the model are moved aside (``.stale-N``) and it runs afresh.
"""

from __future__ import annotations

import argparse
from pathlib import Path

#: The demo's experiment, as named in the working directory or the shipped examples.
EXPERIMENT = Path("experiments") / "policy_comparison.toml"
#: Size of ``bordersim demo --quick``: replications per policy and simulated days per run.
QUICK_REPLICATIONS = 3
QUICK_DAYS = 60
#: The quick look's warm-up: the crossings' series settle within it (``bordersim settle``); the courts' take most
#: of a year to fill, which 60 counted days could not show anyway.
QUICK_WARMUP_DAYS = 60


def draw_scenario_maps(out_dir: Path, scenarios: Path | None = None) -> list[Path]:
    """Validate every scenario in ``scenarios`` (default :func:`sim.shipped.scenario_folder`) and draw its map;
    return the image paths."""
    from sim.scenario import load_scenario
    from sim.shipped import scenario_folder
    from sim.viz.maps import draw_map
    from sim.world import build_world

    scenarios = scenario_folder() if scenarios is None else scenarios
    print(f"  scenarios from {scenarios}")
    out_dir.mkdir(parents=True, exist_ok=True)
    images = []
    for path in sorted(scenarios.glob("*.toml")):
        loaded = load_scenario(path)
        world = build_world(loaded)
        image = draw_map(world, out_dir / f"{path.stem}.png")
        print(f"  {path.name}: OK, blind spots {world.blind_spot_share:.0%} of the border -> {image}")
        images.append(image)
    return images


def set_aside_stale_results(experiment, out_dir: Path) -> Path | None:
    """Move earlier results that cannot be resumed (another version of the experiment, scenario or model) to
    ``<out_dir>.stale-N`` beside it, so the demo runs afresh and nothing is lost; the new folder, or None."""
    from sim.experiment.execute import stale_results
    from sim.experiment.store import ResultStore

    if not out_dir.is_dir():
        return None
    why = stale_results(experiment, ResultStore(out_dir).read_json("manifest.json"))
    if why is None:
        return None
    n = 1
    while (aside := out_dir.with_name(f"{out_dir.name}.stale-{n}")).exists():
        n += 1
    out_dir.rename(aside)
    print(f"  {out_dir} held {why}: moved to {aside}; running afresh")
    return aside


def run_demo(quick: bool = False) -> int:
    """The main job; ``quick``: :data:`QUICK_REPLICATIONS` replications of :data:`QUICK_DAYS` days, in a
    results folder of its own. Returns the exit status of the experiment."""
    from sim.experiment.cli import default_out_dir, experiment_command
    from sim.experiment.spec import load_experiment

    results = Path("results")
    print("1. Scenarios: validate and draw maps")
    draw_scenario_maps(results / "maps")
    from sim.shipped import find_input

    spec_path = find_input(EXPERIMENT, say=False)
    experiment = load_experiment(spec_path)
    size = f"{experiment.replications} replications x {experiment.days:g} days"
    if quick:
        experiment = experiment.scaled(
            replications=QUICK_REPLICATIONS,
            days=QUICK_DAYS,
            suffix="quick",
            warmup_days=min(experiment.warmup_days, QUICK_WARMUP_DAYS),
        )
        size = (
            f"quick look, {QUICK_REPLICATIONS} replications x {QUICK_DAYS} days instead of {size}: "
            "too few to tell most policies apart; bordersim demo without --quick runs them all"
        )
    if experiment.warmup_days:
        size += f" (each run after a {experiment.warmup_days}-day warm-up, not counted)"
    out_dir = default_out_dir(experiment)
    set_aside_stale_results(experiment, out_dir)
    resume = out_dir.exists() and any(out_dir.iterdir())
    print(f"\n2. Policy comparison: {spec_path}" + (" (resuming)" if resume else ""))
    print(f"  {size}")
    args = argparse.Namespace(
        spec=str(spec_path),
        workers=None,
        scheduler=None,
        out=str(out_dir),
        resume=resume,
        quiet=False,
        resume_command="bordersim demo" + (" --quick" if quick else ""),
    )
    status = experiment_command(args, experiment)
    print("\n3. Where to look")
    print(f"  maps:   {results / 'maps'}/*.png")
    print(f"  report: {out_dir / 'report.html'} (open in a browser; report.md beside it)")
    return status
