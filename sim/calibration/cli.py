"""``bordersim calibrate SCENARIO TARGETS --budget N [--replications R] [--days D] [--warmup-days W] [--seed S]
[--sampler tpe|cmaes] [--workers W] [--scheduler ADDR] [--out DIR] [--resume] [--quiet]``.

Validates the targets file against the scenario (every policy and every parameter's bounds loaded once),
picks the backend, runs (or resumes) the search with a progress bar on stderr, writes the outputs
(:mod:`sim.calibration.report`) and prints the fit. Exit status: 0 done, 1 worker processes kept dying, 2 bad
input, an output folder holding another calibration or one that cannot be written, 130 interrupted by Ctrl-C
and 143 by SIGTERM (in every case but bad input the finished trials and runs are kept and ``--resume`` goes on).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.calibration.search import SAMPLERS, Settings, best_trial, calibrate
from sim.calibration.targets import Targets, load_targets
from sim.schema import InputError, Problem, check_run_options

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2


#: The shortest run that measures settling (MSER-5 needs eight batches of five days).
SETTLE_MIN_DAYS = 40


def add_parser(sub: Any) -> None:
    """The ``calibrate`` subcommand's arguments."""
    p = sub.add_parser(
        "calibrate", help="fit scenario parameters to field figures (a targets file) and write a fit report"
    )
    p.add_argument("scenario", help="scenario file (.toml), e.g. scenarios/desert_sector.toml")
    p.add_argument("targets", help="targets file (.toml), e.g. calibration/field_targets.toml")
    p.add_argument("--budget", type=int, required=True, help="trials to run in all (each: every variant x R runs)")
    p.add_argument(
        "--replications", type=int, default=4, help="runs per trial and variant, on the same seeds (default 4)"
    )
    p.add_argument("--days", type=float, default=None, help="simulated days per run (default: the scenario's)")
    p.add_argument(
        "--warmup-days",
        type=int,
        default=None,
        help="days each run simulates first, not counted (default: the scenario's time.warmup_days)",
    )
    p.add_argument(
        "--settle-days",
        type=int,
        default=365,
        help=(
            "days the calibrated scenario runs (on the first 4 seeds, no warm-up) to measure how long the main "
            "outcomes take to settle, for the report (MSER-5, as bordersim settle); 0: skip (default 365)"
        ),
    )
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="KEY",
        help=(
            "search only this key of the targets file's [parameters] (repeat for more); the others stay at the "
            "scenario's values: one block of a fit in stages"
        ),
    )
    p.add_argument("--seed", type=int, default=0, help="root seed of the replications and the sampler (default 0)")
    p.add_argument("--sampler", choices=SAMPLERS, default="tpe", help="optuna sampler: tpe (default) or cmaes (CMA-ES)")
    p.add_argument("--workers", type=int, default=None, help="1 = in-process; N = local processes (default: cores)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--out", default=None, help="output folder (default results/calibrate-<scenario>)")
    p.add_argument("--resume", action="store_true", help="go on with the trials already in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def settings_from(args: argparse.Namespace) -> Settings:
    """Validate the command's input and build the calibration's settings; raise InputError listing problems."""
    from sim.scenario import load_scenario

    problems = []
    if args.budget < 1:
        problems.append(Problem("--budget", "", f"given {args.budget}; allowed: a whole number >= 1"))
    if args.replications < 1:
        problems.append(Problem("--replications", "", f"given {args.replications}; allowed: a whole number >= 1"))
    if args.settle_days != 0 and args.settle_days < SETTLE_MIN_DAYS:
        problems.append(
            Problem("--settle-days", "", f"given {args.settle_days}; allowed: 0 (skip) or at least {SETTLE_MIN_DAYS}")
        )
    if problems:
        raise InputError(problems)
    check_run_options(args.days, args.seed, args.warmup_days)
    targets = load_targets(args.targets)
    if args.only:
        known = [p.key for p in targets.parameters]
        unknown = [k for k in args.only if k not in known]
        if unknown:
            raise InputError(
                [
                    Problem("--only", k, f"not among the parameters of {args.targets}; allowed: {', '.join(known)}")
                    for k in unknown
                ]
            )
        targets = dataclasses.replace(targets, parameters=tuple(p for p in targets.parameters if p.key in args.only))
    loaded = load_scenario(Path(args.scenario))
    check_against_scenario(Path(args.scenario), targets)
    days = float(args.days) if args.days is not None else float(loaded.spec.time.days)
    warmup = loaded.spec.time.warmup_days if args.warmup_days is None else args.warmup_days
    return Settings(
        Path(args.scenario),
        targets,
        args.budget,
        args.replications,
        days,
        args.seed,
        args.sampler,
        int(warmup),
        only=tuple(args.only),
    )


def check_against_scenario(scenario: Path, targets: Targets) -> None:
    """Load the scenario under every policy the targets name and at each end of every searched range, so that a
    value the scenario refuses (an index beyond a list, a rule across keys) stops the command before any run."""
    from sim.scenario import load_scenario

    problems: list[Problem] = []
    warmup = "time.warmup_days"
    if any(p.key == warmup for p in targets.parameters) or any(warmup in o for o in targets.variants.values()):
        problems.append(
            Problem(
                str(targets.path),
                warmup,
                "the warm-up is the same for every run: give it with --warmup-days (or in the scenario), "
                "not as a parameter or a policy",
            )
        )
    for name, overrides in targets.variants.items():
        try:
            load_scenario(scenario, overrides)
        except InputError as exc:
            problems += [Problem(str(targets.path), f"policy of {name}", str(p)) for p in exc.problems]
    for p in targets.parameters:
        for end in (p.low, p.high):
            value = int(end) if p.integer else end
            try:
                load_scenario(scenario, {p.key: value})
            except InputError as exc:
                problems += [Problem(str(targets.path), f"parameters.{p.key}", str(x)) for x in exc.problems]
    if problems:
        raise InputError(list(dict.fromkeys(problems)))


def default_out_dir(scenario: Path) -> Path:
    return Path("results") / f"calibrate-{scenario.stem}"


def calibrate_command(args: argparse.Namespace) -> int:
    """Entry point of ``bordersim calibrate``; returns the exit status."""
    from sim.calibration.report import write_outputs
    from sim.experiment.backends import make_backend
    from sim.experiment.cli import finish_line, run_guarded
    from sim.experiment.store import ResultStore

    settings = settings_from(args)
    out_dir = Path(args.out) if args.out else default_out_dir(settings.scenario)
    store = ResultStore(out_dir)
    with store.lock():
        manifest = start_manifest(settings, store, args.resume)
        backend = make_backend(args.workers, args.scheduler)

        def work():
            if not args.quiet:
                print(
                    f"calibrate {settings.scenario.name}: {settings.budget} trials x {settings.runs_per_trial} runs "
                    f"on {backend.name} ({backend.workers} workers) -> {out_dir}",
                    file=sys.stderr,
                )
            return calibrate(settings, out_dir, backend, progress=not args.quiet)

        def finish(before: str) -> str:
            return finish_line(resume_command(args, out_dir), before)

        trials, stopped = run_guarded(backend, work, out_dir, finish, saved="trials")
        if stopped is not None:
            return stopped
        manifest.update(finished=_now(), trials=len(trials))
        store.write_json("manifest.json", manifest)
        paths = write_outputs(settings, trials, out_dir, manifest, settle_days=args.settle_days)
    print(summary_text(settings, trials))
    print(f"report: {paths['report']}" + (f"; calibrated scenario: {paths['scenario']}" if "scenario" in paths else ""))
    return EXIT_OK


def resume_command(args: argparse.Namespace, out_dir: Path) -> str:
    words = ["bordersim", "calibrate", args.scenario, args.targets, "--budget", str(args.budget)]
    words += ["--replications", str(args.replications), "--seed", str(args.seed), "--sampler", args.sampler]
    if args.days is not None:
        words += ["--days", f"{args.days:g}"]
    if args.warmup_days is not None:
        words += ["--warmup-days", str(args.warmup_days)]
    if args.settle_days != 365:
        words += ["--settle-days", str(args.settle_days)]
    for key in args.only:
        words += ["--only", key]
    words += ["--out", str(out_dir), "--resume"]
    return " ".join(shlex.quote(w) for w in words)


def start_manifest(settings: Settings, store: Any, resume: bool) -> dict[str, Any]:
    """The manifest of the calibration: a new one, or the one on disk when resuming the same calibration.

    Raises InputError when the folder holds results and ``resume`` is not given, or holds another calibration.
    """
    from sim.experiment.execute import _versions
    from sim.runner import model_version

    previous = store.read_json("manifest.json")
    where = str(store.out_dir)
    if not resume and not store.is_empty():
        raise InputError(
            [
                Problem(
                    where, "", "the output folder already holds results; go on with --resume, or choose another --out"
                )
            ]
        )
    mark = settings.fingerprint()
    if resume and previous is not None:
        if previous.get("fingerprint") != mark:
            raise InputError(
                [
                    Problem(
                        where,
                        "",
                        "holds another calibration (the scenario, targets, replications, "
                        "days, seed or sampler differ); choose another --out",
                    )
                ]
            )
        if previous.get("model_version") != model_version():
            raise InputError([Problem(where, "", "holds trials of another version of the model; choose another --out")])
        manifest = previous
        manifest.setdefault("resumed", []).append(_now())
        manifest["budget"] = settings.budget
    else:
        manifest = {
            "command": "bordersim calibrate",
            "fingerprint": mark,
            "model_version": model_version(),
            "scenario": _file(settings.scenario),
            "targets": _file(settings.targets.path),
            "budget": settings.budget,
            "replications": settings.replications,
            "days": settings.days,
            "warmup_days": settings.warmup_days,
            "seed": settings.seed,
            "seeds": settings.seeds,
            "seed_derivation": "numpy.random.SeedSequence(seed).spawn(replications)[i].generate_state(1)[0]; "
            "the sampler of trial k: SeedSequence([seed, k]).generate_state(1)[0]",
            "sampler": settings.sampler,
            "variants": settings.targets.variants,
            "versions": {**_versions(), "optuna": _version("optuna"), "cmaes": _version("cmaes")},
            "started": _now(),
            "finished": None,
        }
    store.write_json("manifest.json", manifest)
    return manifest


def _file(path: Path) -> dict[str, str]:
    text = path.read_text("utf-8")
    return {"path": str(path), "sha256": hashlib.sha256(text.encode()).hexdigest(), "contents": text}


def _version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def summary_text(settings: Settings, trials: list[dict[str, Any]]) -> str:
    """The best trial's parameters and each target's simulated mean beside the field figure, as plain text."""
    best = best_trial(trials)
    if best is None:
        return "no trial completed (history.csv lists the errors)"
    lines = [f"best: trial {best['number']} of {len(trials)}, objective {best['objective']:.4g}"]
    lines += [f"  {k} = {v:.6g}" if isinstance(v, float) else f"  {k} = {v}" for k, v in best["params"].items()]
    width = max(len(t.name) for t in settings.targets.targets)
    for t in settings.targets.targets:
        fit = best["targets"][t.name]
        met = "met" if fit["n"] > 0 and fit["miss"] == 0 else f"missed by {fit['miss']:.2f} tolerances"
        lines.append(f"  {t.name:<{width}}  simulated {fit['mean']:.4g}  field {t.describe_field()}  {met}")
    for p in settings.targets.pending:
        lines.append(f"  {p.name:<{width}}  not calibrated: {p.reason}")
        if p.declared:
            lines.append(f"  {'':<{width}}  ({p.outcome} is now an outcome: move the target to [[targets]])")
    return "\n".join(lines)
