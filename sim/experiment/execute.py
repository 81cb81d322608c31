"""Running an experiment: tasks, streaming to disk, resuming, then statistics.

:func:`run_experiment` expands the experiment into run tasks (every policy x sweep point x
replication, replication ``i`` always with seed ``i`` of :func:`sim.experiment.seeds.replication_seeds`),
skips the runs already on disk when resuming, hands the rest to a backend, writes each record as
it arrives, and at the end consolidates the tables and computes the statistics (``summary.csv``).
The manifest records what was run, with what, and when. The report is the next layer's
(:mod:`sim.experiment.report`).
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.backends import DaskBackend, ProcessBackend, RunTask, SerialBackend
from sim.experiment.spec import Experiment
from sim.experiment.store import ResultStore, stem_name
from sim.runner import model_version
from sim.schema import InputError, Problem

Backend = SerialBackend | ProcessBackend | DaskBackend

_PACKAGES = (
    "bordersim",
    "mesa",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "matplotlib",
    "dask",
    "distributed",
    "rasterio",
    "pyproj",
)


@dataclass
class ExperimentResult:
    """What an experiment produced.

    Attributes:
        out_dir: the results folder.
        runs: the runs table (one row a run, canonical order).
        summary: the statistics table (``summary.csv``).
        total: number of runs in the experiment.
        failed: number of runs that failed.
    """

    out_dir: Path
    runs: pd.DataFrame
    summary: pd.DataFrame
    total: int
    failed: int


def build_tasks(experiment: Experiment, points: list[dict[str, Any]] | None = None) -> list[RunTask]:
    """Every run of the experiment, replication by replication (so partial results stay balanced).

    ``points``: the overrides of each point, in place of the experiment's sweep (an exploration's design).
    """
    seeds = experiment.seeds()
    scenario = str(experiment.scenario_path)
    points = experiment.sweep_points() if points is None else points
    tasks = []
    for replication, seed in enumerate(seeds):
        for point_index, point in enumerate(points):
            for policy in experiment.policies:
                tasks.append(
                    RunTask(
                        policy=policy.name,
                        sweep_point=point_index,
                        sweep_values=point,
                        replication=replication,
                        seed=seed,
                        scenario=scenario,
                        overrides=experiment.run_overrides(policy, point),
                        days=experiment.days,
                        run_function=experiment.run_function,
                        warmup_days=experiment.warmup_days,
                    )
                )
    return tasks


def canonical_order(experiment: Experiment):
    """A function sorting a runs table by policy (file order), sweep point and replication."""
    rank = {name: i for i, name in enumerate(experiment.policy_names)}

    def order(runs: pd.DataFrame) -> pd.DataFrame:
        key = runs["policy"].map(rank)
        return runs.assign(_rank=key).sort_values(["_rank", "sweep_point", "replication"]).drop(columns="_rank")

    return order


#: Keys of the [experiment] table that do not change any run: every run stores every outcome, so the
#: outcomes of interest and the description can change and the runs already done still serve.
_NOT_IN_RUNS = ("outcomes", "description")


def fingerprint(experiment: Experiment) -> str:
    """Hash of what determines the runs: the experiment file's content (less the outcomes of interest and the
    description) and the scenario file's."""
    raw = dict(experiment.raw)
    if isinstance(raw.get("experiment"), dict):
        raw["experiment"] = {k: v for k, v in raw["experiment"].items() if k not in _NOT_IN_RUNS}
    text = json.dumps(raw, sort_keys=True, default=str) + experiment.scenario_path.read_text("utf-8")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_experiment(
    experiment: Experiment,
    out_dir: str | Path,
    backend: Backend,
    *,
    resume: bool = False,
    progress: bool = True,
    estimate: bool = False,
) -> ExperimentResult:
    """Run (or finish) an experiment and write its results folder.

    Args:
        experiment: the validated experiment.
        out_dir: the results folder.
        backend: where runs execute; closed by the caller.
        resume: finish the runs missing from ``out_dir`` instead of refusing a non-empty folder; damaged
            parts (truncated or corrupt) are reported on stderr, deleted and recomputed.
        progress: show a progress bar with ETA on stderr.
        estimate: before the runs start, print their estimated duration on stderr, measured by trial runs
            in this process (:mod:`sim.experiment.estimate`).

    The report is written by the caller (:func:`sim.experiment.report.write_report`).

    Raises:
        InputError: ``out_dir`` already holds results and ``resume`` is false, or holds the results
            of a different experiment, or another experiment is writing into it
            (:class:`sim.experiment.store.FolderInUseError`).
        OSError: the folder cannot be written (full disk, read-only, no permission); the runs
            finished until then are saved and ``resume`` finishes the rest.
    """
    store = ResultStore(out_dir)
    with store.lock():
        return _run_locked(experiment, store, backend, resume=resume, progress=progress, estimate=estimate)


def _run_locked(
    experiment: Experiment, store: ResultStore, backend: Backend, *, resume: bool, progress: bool, estimate: bool
) -> ExperimentResult:
    manifest = _start_manifest(experiment, store, resume, backend)
    store.prepare()
    tasks = build_tasks(experiment)
    check = store.check_parts()
    if check.damaged:
        print(damaged_parts_message(store, check.damaged, tasks), file=sys.stderr)
    done = check.done
    todo = [t for t in tasks if t.key not in done]
    if estimate:
        from sim.experiment.estimate import estimate_duration

        expected = estimate_duration(todo, backend.workers)
        if expected is not None:
            print(expected.describe(), file=sys.stderr, flush=True)
    _execute(todo, store, backend, total=len(tasks), already=len(done), progress=progress, name=experiment.name)
    runs = store.consolidate(canonical_order(experiment))
    from sim.experiment.stats import summarise

    summary = summarise(runs, experiment.policy_names, list(experiment.outcomes))
    summary.to_csv(store.out_dir / "summary.csv", index=False)
    failed = int((runs["status"] != "ok").sum()) if not runs.empty else 0
    manifest.update(finished=_now(), runs_total=len(tasks), runs_failed=failed)
    store.write_json("manifest.json", manifest)
    return ExperimentResult(store.out_dir, runs, summary, len(tasks), failed)


def damaged_parts_message(store: ResultStore, damaged: list[str], tasks: list[RunTask], shown: int = 5) -> str:
    """Which damaged parts were found (and deleted) in the results folder, and which runs are recomputed."""
    key_of_stem = {stem_name(t.key): t.key for t in tasks}
    runs = [key_of_stem.get(stem, f"unknown run (parts/{stem}.*)") for stem in damaged]
    listed = ", ".join(runs[:shown]) + (f" and {len(runs) - shown} more" if len(runs) > shown else "")
    return (
        f"{store.out_dir}: {len(damaged)} damaged result part(s) found (truncated or corrupt, as a crash or a full "
        f"disk can leave them) and deleted; recomputing: {listed}"
    )


def _execute(
    todo: list[RunTask], store: ResultStore, backend: Backend, *, total: int, already: int, progress: bool, name: str
) -> None:
    from tqdm import tqdm

    failed = 0
    with tqdm(
        total=total, initial=already, desc=name, unit="run", file=sys.stderr, disable=not progress, dynamic_ncols=True
    ) as bar:
        for record in backend.imap_unordered(todo):
            store.write(record)
            if record["run"]["status"] != "ok":
                failed += 1
                bar.set_postfix(failed=failed)
            bar.update(1)


def stale_results(experiment: Experiment, manifest: dict[str, Any] | None) -> str | None:
    """Why the results a folder's manifest describes cannot be resumed for ``experiment`` (None if they can,
    or if there is no manifest): another version of the experiment or scenario file, or of the model."""
    if manifest is None:
        return None
    if manifest.get("fingerprint") != fingerprint(experiment):
        return "results of a different version of this experiment (the experiment or scenario file changed since)"
    if manifest.get("model_version") != model_version():
        return (
            f"results of another version of the model ({manifest.get('model_version', 'unrecorded')}; this one is "
            f"{model_version()}): its code or numerical libraries changed since, so the same runs may differ"
        )
    return None


def _start_manifest(experiment: Experiment, store: ResultStore, resume: bool, backend: Backend) -> dict[str, Any]:
    previous = store.read_json("manifest.json")
    print_path = str(store.out_dir)
    if not resume and not store.is_empty():
        raise InputError(
            [
                Problem(
                    print_path,
                    "",
                    "the output folder already holds results; finish them with --resume, or choose another --out",
                )
            ]
        )
    mark = fingerprint(experiment)
    stale = stale_results(experiment, previous) if resume else None
    if stale is not None:
        raise InputError([Problem(print_path, "", f"holds {stale}; choose another --out or delete the folder")])
    manifest = previous if (resume and previous) else _new_manifest(experiment, mark)
    if resume and previous:
        manifest.setdefault("resumed", []).append(_now())
    manifest["backend"] = {"kind": backend.name, "workers": backend.workers}
    store.out_dir.mkdir(parents=True, exist_ok=True)
    store.write_json("manifest.json", manifest)
    return manifest


def _new_manifest(experiment: Experiment, mark: str) -> dict[str, Any]:
    from sim.scenario import load_scenario

    seeds = experiment.seeds()
    scenario_text = experiment.scenario_path.read_text("utf-8")
    reproduce = []
    for point_index, point in enumerate(experiment.sweep_points()):
        for policy in experiment.policies:
            reproduce.append(
                {
                    "policy": policy.name,
                    "sweep_point": point_index,
                    "sweep_values": point,
                    "overrides": experiment.run_overrides(policy, point),
                    "command": experiment.reproduce_command(policy, point, "{seed}"),
                    "example_replication_0": experiment.reproduce_command(policy, point, seeds[0]),
                }
            )
    return {
        "experiment": experiment.name,
        "description": experiment.description,
        "experiment_file": str(experiment.path),
        "spec": experiment.raw,
        "fingerprint": mark,
        "model_version": model_version(),
        "scenario": {
            "path": str(experiment.scenario_path),
            "sha256": hashlib.sha256(scenario_text.encode()).hexdigest(),
            "scenario_hash": load_scenario(experiment.scenario_path, experiment.baseline_overrides).hash(),
            "contents": scenario_text,
        },
        "days": experiment.days,
        "warmup_days": experiment.warmup_days,
        "replications": experiment.replications,
        "root_seed": experiment.root_seed,
        "seeds": seeds,
        "seed_derivation": "numpy.random.SeedSequence(root_seed).spawn(replications)[i].generate_state(1)[0]",
        "policies": {p.name: {"own_overrides": p.own_overrides, "overrides": p.overrides} for p in experiment.policies},
        "sweep": experiment.sweep,
        "run_function": experiment.run_function,
        "reproduce": reproduce,
        "versions": _versions(),
        "started": _now(),
        "finished": None,
    }


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
