"""``bordersim optimize SPEC [--out DIR] [--workers N] [--scheduler ADDR] [--resume] [--quiet]``.

Validates the optimisation file (:func:`sim.optimize.spec.load_spec`), picks the backend, runs (or resumes) the
search with a progress bar on stderr (:func:`sim.optimize.search.search`), writes the report
(:mod:`sim.optimize.report`) and prints the front. Exit status: 0 done, 1 worker processes kept dying, 2 bad input
(a budget below the cheapest candidate included), an output folder holding another search or one that cannot be
written, 130 interrupted by Ctrl-C and 143 by SIGTERM (in every case but bad input the finished runs are kept and
``--resume`` goes on).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.schema import InputError, Problem

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2


def add_parser(sub: Any) -> None:
    """The ``optimize`` subcommand's arguments."""
    p = sub.add_parser(
        "optimize",
        help="search policy mixes under a budget (NSGA-II): the Pareto front of the objectives, and its knee",
    )
    p.add_argument("spec", help="optimisation file (.toml), e.g. experiments/budget.toml")
    p.add_argument("--out", default=None, help="output folder (default results/<name in the file>)")
    p.add_argument("--workers", type=int, default=None, help="1 = in-process; N = local processes (default: cores)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--resume", action="store_true", help="go on with the runs already in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def optimize_command(args: argparse.Namespace) -> int:
    """Entry point of ``bordersim optimize``; returns the exit status."""
    from sim.experiment.backends import make_backend
    from sim.experiment.cli import finish_line, run_guarded
    from sim.experiment.store import ResultStore
    from sim.optimize.report import summary_text, write_report
    from sim.optimize.search import search
    from sim.optimize.spec import load_spec

    spec = load_spec(args.spec)
    out_dir = Path(args.out) if args.out else Path("results") / spec.name
    store = ResultStore(out_dir)
    with store.lock():
        manifest = start_manifest(spec, store, args.resume)
        backend = make_backend(args.workers, args.scheduler)

        def work():
            if not args.quiet:
                print(
                    f"optimize {spec.name}: {spec.generations} generations x {spec.population} candidates x "
                    f"{spec.replications} runs of {spec.days:g} days (+{spec.warmup_days} warm-up) on {backend.name} "
                    f"({backend.workers} workers) -> {out_dir}",
                    file=sys.stderr,
                )
            return search(spec, out_dir, backend, progress=not args.quiet)

        def finish(before: str) -> str:
            return finish_line(resume_command(args, out_dir), before)

        result, stopped = run_guarded(backend, work, out_dir, finish)
        if stopped is not None:
            return stopped
        manifest.update(finished=_now(), candidates=len(result.evaluated))
        store.write_json("manifest.json", manifest)
        paths = write_report(spec, result, out_dir)
    print(summary_text(spec, result))
    print(f"report: {paths['html']} and {paths['md']}")
    return EXIT_OK


def resume_command(args: argparse.Namespace, out_dir: Path) -> str:
    words = ["bordersim", "optimize", args.spec, "--out", str(out_dir), "--resume"]
    if args.workers is not None:
        words += ["--workers", str(args.workers)]
    if args.scheduler:
        words += ["--scheduler", args.scheduler]
    return " ".join(shlex.quote(w) for w in words)


def start_manifest(spec: Any, store: Any, resume: bool) -> dict[str, Any]:
    """The manifest of the search: a new one, or the one on disk when resuming the same search.

    Raises InputError when the folder holds results and ``resume`` is not given, or holds another search.
    """
    from sim.experiment.execute import _versions
    from sim.runner import model_version

    previous = store.read_json("manifest.json")
    where = str(store.out_dir)
    if not resume and not store.is_empty():
        raise InputError(
            [Problem(where, "", "the output folder already holds results; go on with --resume, or another --out")]
        )
    mark = spec.fingerprint()
    if resume and previous is not None:
        if previous.get("fingerprint") != mark:
            raise InputError(
                [Problem(where, "", "holds another search (its file or scenario differ); use another --out")]
            )
        if previous.get("model_version") != model_version():
            raise InputError([Problem(where, "", "holds runs of another version of the model; choose another --out")])
        manifest = previous
        manifest.setdefault("resumed", []).append(_now())
    else:
        manifest = {
            "command": "bordersim optimize",
            "fingerprint": mark,
            "model_version": model_version(),
            "spec": {"path": str(spec.path), "contents": spec.path.read_text("utf-8")},
            "scenario": str(spec.scenario_path),
            "days": spec.days,
            "warmup_days": spec.warmup_days,
            "seeds": spec.seeds(spec.final_replications),
            "seed_derivation": "numpy.random.SeedSequence(root_seed).spawn(replications)[i].generate_state(1)[0]; "
            "NSGA-II's generator in generation g: SeedSequence([root_seed, g]).generate_state(1)[0]",
            "versions": {**_versions(), "pymoo": _version("pymoo")},
            "started": _now(),
            "finished": None,
        }
    store.write_json("manifest.json", manifest)
    return manifest


def _version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
