"""The ``bordersim`` command line: a thin layer over functions users can import.

Every subcommand turns bad input into a clear message (file, key, value, what is allowed) and
exit status 2; never a traceback. Heavy modules are imported lazily so ``bordersim --help`` is
instant.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.schema import InputError, Problem

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
#: Image formats ``bordersim map`` writes.
MAP_FORMATS = (".png", ".svg", ".pdf")


def _add_set_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario key, e.g. --set patrols.count=12 (repeatable)",
    )


def _add_scenario(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario file (.toml), e.g. scenarios/classroom.toml")


def _add_run_options(p: argparse.ArgumentParser, *, out_help: str, out_required: bool = False) -> None:
    p.add_argument("--days", type=float, default=None, help="simulated days (default: the scenario's time.days)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _add_set_option(p)
    p.add_argument("--out", required=out_required, default=None, help=out_help)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"given {text!r}; allowed: a whole number from 1 to 65535")
    return port


#: Dependencies whose versions ``bordersim --version`` prints (the ones that shape results or runs).
KEY_DEPENDENCIES = ("mesa", "numpy", "scipy", "pandas", "matplotlib", "dask", "solara", "rasterio", "pyproj")


def version_text(own_version: str) -> str:
    """``bordersim X`` and, on the next line, the versions of Python and the key dependencies."""
    import platform
    from importlib import metadata

    parts = []
    for name in KEY_DEPENDENCIES:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} not installed")
    return f"bordersim {own_version}\n" + ", ".join([*parts, f"python {platform.python_version()}"])


class _VersionAction(argparse.Action):
    """``--version`` printing its text as written (argparse's own action re-wraps it into one paragraph)."""

    def __init__(self, option_strings, version: str, dest=argparse.SUPPRESS, help: str | None = None):
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, help=help)
        self.version = version

    def __call__(self, parser, namespace, values, option_string=None):
        print(self.version)
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    from sim import __version__

    parser = argparse.ArgumentParser(
        prog="bordersim",
        description="Agent-based simulation of border enforcement against human trafficking.",
    )
    parser.add_argument(
        "--version",
        action=_VersionAction,
        version=version_text(__version__),
        help="print bordersim's version and the versions of Python and the key dependencies",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check scenario, experiment or targets files and print OK or the errors")
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="scenario, experiment or calibration targets files (.toml), one or more",
    )
    _add_set_option(p)

    p = sub.add_parser("map", help="draw a scenario's terrain, border, sensors, coverage and blind spots")
    _add_scenario(p)
    p.add_argument("--out", required=True, help="output image (.png, .svg or .pdf), or a folder for --format geotiff")
    p.add_argument(
        "--format",
        choices=("image", "geotiff"),
        default="image",
        help="image: one map (default); geotiff: GIS layers, coverage.tif, blind_spots.tif and border_zone.tif, and "
        "the sensors (with their ranges), ports, staging areas and destinations as GeoJSON (docs/geodata.md)",
    )
    _add_set_option(p)

    p = sub.add_parser("run", help="run one simulation and write outcomes.json and timeseries.csv")
    _add_scenario(p)
    _add_run_options(p, out_help="output folder (default results/run-<scenario>-seed<S>)")
    p.add_argument(
        "--warmup-days",
        type=int,
        default=None,
        help="days simulated first and not counted (default: the scenario's time.warmup_days); the run then "
        "counts --days days",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("experiment", help="compare policies over seeded replications, with statistics and a report")
    p.add_argument("spec", help="experiment file (.toml), e.g. experiments/policy_comparison.toml")
    p.add_argument("--workers", type=int, default=None, help="1 = in-process; N = local processes (default: cores)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--out", default=None, help="output folder (default results/<experiment name>)")
    p.add_argument("--resume", action="store_true", help="finish an interrupted experiment")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no estimate of the duration")

    from sim.calibration.cli import add_parser as add_calibrate_parser

    add_calibrate_parser(sub)

    from sim.explore.cli import add_parser as add_explore_parser

    add_explore_parser(sub)

    p = sub.add_parser(
        "settle",
        help="how many days a scenario's outcomes take to settle (MSER-5 on daily series), to choose time.warmup_days",
    )
    _add_scenario(p)
    p.add_argument("--days", type=int, default=365, help="simulated days per run, without warm-up (default 365)")
    p.add_argument("--seeds", type=int, default=5, help="replications, each with its own seed (default 5)")
    p.add_argument(
        "--root-seed", type=int, default=0, help="seed from which the replications' seeds are derived (default 0)"
    )
    _add_set_option(p)

    p = sub.add_parser("animate", help="render an animated run to GIF or MP4")
    _add_scenario(p)
    _add_run_options(p, out_help="output file, .gif or .mp4", out_required=True)
    p.add_argument("--fps", type=int, default=8, help="frames per second of the video (default 8)")
    p.add_argument(
        "--frames-per-day", type=float, default=12.0, help="frames drawn per simulated day (default 12: every 2 h)"
    )
    p.add_argument("--compare", default=None, help='side by side with a policy: "name: key=value, key=value"')
    p.add_argument(
        "--width",
        type=int,
        default=None,
        help="frame width in pixels, 320-3840 (e.g. 1920 for a projector); the height and the text scale with it "
        "(default: about 640 for one map, 1100 side by side)",
    )

    p = sub.add_parser("app", help="serve the classroom app: play the defender against the baseline (Solara)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer only; 0.0.0.0: every network interface)",
    )
    p.add_argument("--port", type=_port, default=8765, help="TCP port, 1-65535 (default 8765)")
    p.add_argument(
        "--scenario",
        default="classroom",
        help="scenario the page opens: a file (.toml) or a shipped scenario's name (default classroom)",
    )

    p = sub.add_parser("demo", help="the main job: run the default policy comparison and print where the report is")
    from sim.demo import QUICK_DAYS, QUICK_REPLICATIONS

    p.add_argument(
        "--quick",
        action="store_true",
        help=f"a first look: {QUICK_REPLICATIONS} replications x {QUICK_DAYS} days instead of the experiment's own, "
        "in its own results folder (results/<experiment>_quick); too few runs to tell most policies apart",
    )
    from sim.optimize.cli import add_parser as add_optimize_parser

    add_optimize_parser(sub)

    p = sub.add_parser("examples", help="copy the shipped scenarios and experiments into a folder, for editing")
    p.add_argument("dir", metavar="DIR", help="a new or empty folder; it receives scenarios/ and experiments/")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; Ctrl-C and SIGTERM stop it cleanly (:mod:`sim.signals`) with status 130 or 143."""
    from sim.signals import exit_status, signal_name, stop_on_signals

    with stop_on_signals():
        try:
            return _main(argv)
        except KeyboardInterrupt as exc:
            print(f"\ninterrupted ({signal_name(exc)})", file=sys.stderr)
            return exit_status(exc)


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _find_shipped_inputs(args)
        return int(COMMANDS[args.command](args) or EXIT_OK)
    except InputError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:  # an output folder that cannot be created, a full disk, a file that vanished
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc} (check the paths given, e.g. --out)", file=sys.stderr)
        return EXIT_INPUT


def _find_shipped_inputs(args: argparse.Namespace) -> None:
    """A scenario or experiment named ``scenarios/...`` or ``experiments/...`` that is not in the working directory
    is taken from the shipped examples, with a note (:func:`sim.shipped.find_input`)."""
    from sim.shipped import find_input

    for name in ("scenario", "spec"):
        if isinstance(getattr(args, name, None), str):
            setattr(args, name, str(find_input(getattr(args, name))))
    if args.command == "validate":
        args.paths = [str(find_input(p)) for p in args.paths]


def cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.paths:
        try:
            describe = validate_path(Path(path), args.overrides)
            print(f"{path}: OK ({describe})")
        except InputError as exc:
            status = EXIT_INPUT
            print(f"{path}: {len(exc.problems)} error(s)")
            for problem in exc.problems:
                print(f"  {problem}")
    return status


def validate_path(path: Path, overrides: list[str]) -> str:
    """Validate a scenario (builds its world), an experiment or a calibration targets file; return a one-line
    description."""
    from sim.schema import read_toml

    raw = read_toml(path)
    if "targets" in raw or "pending" in raw:
        from sim.calibration.targets import load_targets

        targets = load_targets(path)
        return (
            f"targets file, {len(targets.targets)} targets, {len(targets.pending)} pending, "
            f"{len(targets.parameters)} parameters"
        )
    if "optimize" in raw:
        from sim.optimize.spec import load_spec

        found = load_spec(path)
        return (
            f"optimisation '{found.name}', {len(found.variables)} variables, {len(found.objectives)} objectives, "
            f"{found.generations} generations x {found.population} candidates x {found.replications} replications"
        )
    if "experiment" in raw and ("uncertainties" in raw or "discovery" in raw):
        from sim.explore.spec import SIZE_MEANS, load_exploration

        exploration = load_exploration(path)
        return (
            f"exploration '{exploration.name}', {exploration.method} over {len(exploration.uncertainties)} "
            f"parameters, {exploration.size} {SIZE_MEANS[exploration.method]}: {exploration.runs_count()} runs"
        )
    if "experiment" in raw:
        from sim.experiment.spec import load_experiment

        spec = load_experiment(path)
        return f"experiment '{spec.name}', {len(spec.policies)} policies x {spec.replications} replications"
    from sim.runner import warn_if_long
    from sim.world import load_world

    loaded, world = load_world(path, overrides)
    warn_if_long(loaded.spec, where=str(path))
    return (
        f"scenario '{loaded.spec.name}', {world.width} x {world.height} cells of {world.cell_km * 1000:g} m"
        + (f" in {world.geo.name}" if world.geo else "")
        + ", "
        f"{len(world.sensors)} sensors, blind spots {world.blind_spot_share:.0%} of the border"
    )


def cmd_map(args: argparse.Namespace) -> int:
    from sim.viz.maps import draw_map
    from sim.world import load_world

    if args.format == "geotiff":
        return _map_layers(args)
    suffix = Path(args.out).suffix.lower()
    if suffix not in MAP_FORMATS:
        raise InputError(
            [
                Problem(
                    "--out",
                    "",
                    f"'{args.out}': extension '{suffix or '(none)'}' is not supported; use .png, .svg or .pdf",
                )
            ]
        )
    _, world = load_world(args.scenario, args.overrides)
    out = draw_map(world, args.out)
    print(f"map written to {out}")
    return EXIT_OK


def _map_layers(args: argparse.Namespace) -> int:
    """``bordersim map --format geotiff``: the world's layers as GeoTIFFs in the folder ``--out``."""
    from sim.world import load_world
    from sim.world.geo import LOCAL_FRAME_NOTE, write_world_layers

    if Path(args.out).is_file():
        raise InputError([Problem("--out", "", f"'{args.out}' is a file; give a folder for the GeoTIFF layers")])
    _, world = load_world(args.scenario, args.overrides)
    paths = write_world_layers(world, Path(args.out))
    print("layers written: " + ", ".join(str(p) for p in paths))
    if world.geo:
        print(f"coordinates: GeoTIFFs in {world.geo.name}, GeoJSON in WGS 84 longitude and latitude")
    else:
        print(f"note: {LOCAL_FRAME_NOTE}")
    return EXIT_OK


def _every_problem_at_once(args: argparse.Namespace) -> None:
    """A scenario with problems in its keys is refused with its places' problems against the land too
    (:func:`sim.world.build.scenario_problems`), as ``validate`` reports them, before a run starts."""
    from sim.scenario import read_scenario
    from sim.world.build import scenario_problems

    if read_scenario(args.scenario, args.overrides)[1]:
        raise InputError(scenario_problems(args.scenario, args.overrides))


def cmd_run(args: argparse.Namespace) -> int:
    from sim.runner import run_command

    _every_problem_at_once(args)
    return run_command(args)


def cmd_experiment(args: argparse.Namespace) -> int:
    from sim.experiment.cli import experiment_command

    return experiment_command(args)


def cmd_explore(args: argparse.Namespace) -> int:
    from sim.explore.cli import explore_command

    return explore_command(args)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.calibration.cli import calibrate_command

    return calibrate_command(args)


def cmd_optimize(args: argparse.Namespace) -> int:
    from sim.optimize.cli import optimize_command

    return optimize_command(args)


def cmd_settle(args: argparse.Namespace) -> int:
    from sim.experiment.warmup import settle_command

    return settle_command(args)


def cmd_animate(args: argparse.Namespace) -> int:
    from sim.viz.animate import animate_command

    _every_problem_at_once(args)
    return animate_command(args)


def cmd_app(args: argparse.Namespace) -> int:
    from sim.viz.serve import serve

    return serve(host=args.host, port=args.port, scenario=args.scenario)


def cmd_demo(args: argparse.Namespace) -> int:
    from sim.demo import run_demo

    return run_demo(quick=args.quick)


def cmd_examples(args: argparse.Namespace) -> int:
    from sim.shipped import copy_examples

    made = copy_examples(Path(args.dir))
    print("copied: " + ", ".join(f"{p}/" for p in made))
    print(
        f"edit them, then e.g. bordersim run {made[0] / 'classroom.toml'}, bordersim experiment {made[1]}/<name>.toml"
    )
    return EXIT_OK


COMMANDS = {
    "validate": cmd_validate,
    "map": cmd_map,
    "run": cmd_run,
    "experiment": cmd_experiment,
    "calibrate": cmd_calibrate,
    "optimize": cmd_optimize,
    "explore": cmd_explore,
    "settle": cmd_settle,
    "animate": cmd_animate,
    "app": cmd_app,
    "demo": cmd_demo,
    "examples": cmd_examples,
}

if __name__ == "__main__":
    sys.exit(main())
