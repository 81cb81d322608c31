"""Running an exploration: its design's runs on a backend, streamed to a resumable store, then the analysis.

:func:`run_exploration` draws the design (:mod:`sim.explore.design`), skips the runs already on disk when
resuming, hands the rest to the backend (:mod:`sim.experiment.backends`: in-process, local processes or Dask)
and writes each run as it finishes (:class:`sim.experiment.store.ResultStore`: atomic parts, checked and
completed on ``--resume`` after a kill), with the progress bar of ``bordersim experiment``. At the end it
consolidates the run tables and writes ``samples.parquet`` (the design as run) and ``points.parquet`` (each
outcome per policy and point, the mean over the replications). The manifest records what was run.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.execute import Backend, _execute, _now, _versions, canonical_order, fingerprint, stale_results
from sim.experiment.store import ResultStore, write_csv_copy
from sim.explore.analysis import point_outcomes
from sim.explore.design import Design, build_tasks, make_design
from sim.explore.spec import Exploration
from sim.runner import model_version
from sim.schema import InputError, Problem


@dataclass
class ExplorationResult:
    """What an exploration produced: its folder, design, runs table, per-point outcomes, and run counts."""

    out_dir: Path
    design: Design
    runs: pd.DataFrame
    points: pd.DataFrame
    total: int
    failed: int


def run_exploration(
    exploration: Exploration, out_dir: str | Path, backend: Backend, *, resume: bool = False, progress: bool = True
) -> ExplorationResult:
    """Run (or finish) an exploration and write its data (the report is the caller's, :mod:`sim.explore.report`).

    Raises:
        InputError: ``out_dir`` already holds results and ``resume`` is false, or holds another exploration's, or
            another process is writing into it.
        OSError: the folder cannot be written; the runs finished until then are saved.
    """
    store = ResultStore(out_dir)
    with store.lock():
        manifest = _start_manifest(exploration, store, resume, backend)
        store.prepare()
        design = make_design(exploration)
        tasks = build_tasks(exploration, design)
        check = store.check_parts()
        if check.damaged:
            from sim.experiment.execute import damaged_parts_message

            print(damaged_parts_message(store, check.damaged, tasks), file=sys.stderr)
        todo = [t for t in tasks if t.key not in check.done]
        _execute(
            todo,
            store,
            backend,
            total=len(tasks),
            already=len(check.done),
            progress=progress,
            name=exploration.name,
        )
        runs = store.consolidate(canonical_order(exploration.experiment))
        points = point_outcomes(runs, list(exploration.experiment.outcomes))
        _write_table(design.samples, store.out_dir / "samples.parquet")
        _write_table(points.reset_index(drop=True), store.out_dir / "points.parquet")
        failed = int((runs["status"] != "ok").sum()) if not runs.empty else 0
        manifest.update(finished=_now(), runs_total=len(tasks), runs_failed=failed)
        store.write_json("manifest.json", manifest)
    return ExplorationResult(store.out_dir, design, runs, points, len(tasks), failed)


def _write_table(table: pd.DataFrame, path: Path) -> None:
    import os

    tmp = path.with_name(path.name + ".tmp")
    table.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    write_csv_copy(path)


def _start_manifest(exploration: Exploration, store: ResultStore, resume: bool, backend: Backend) -> dict[str, Any]:
    experiment = exploration.experiment
    previous = store.read_json("manifest.json")
    where = str(store.out_dir)
    if not resume and not store.is_empty():
        raise InputError(
            [
                Problem(
                    where,
                    "",
                    "the output folder already holds results; finish them with --resume, or choose another --out",
                )
            ]
        )
    stale = stale_results(experiment, previous) if resume else None
    if stale is not None:
        raise InputError([Problem(where, "", f"holds {stale}; choose another --out or delete the folder")])
    if resume and previous:
        manifest = previous
        manifest.setdefault("resumed", []).append(_now())
    else:
        manifest = {
            "exploration": exploration.name,
            "description": experiment.description,
            "experiment_file": str(experiment.path),
            "spec": experiment.raw,
            "fingerprint": fingerprint(experiment),
            "model_version": model_version(),
            "scenario": {
                "path": str(experiment.scenario_path),
                "contents": experiment.scenario_path.read_text("utf-8"),
            },
            "method": exploration.method,
            "size": exploration.size,
            "sample_seed": exploration.sample_seed,
            "design_points": exploration.samples_count(),
            "days": experiment.days,
            "warmup_days": experiment.warmup_days,
            "replications": experiment.replications,
            "root_seed": experiment.root_seed,
            "seeds": experiment.seeds(),
            "seed_use": "replication i of every point and policy runs with seed i (common random numbers)",
            "policies": {p.name: p.overrides for p in experiment.policies},
            "run_function": experiment.run_function,
            "versions": _versions(),
            "started": _now(),
            "finished": None,
        }
    manifest["backend"] = {"kind": backend.name, "workers": backend.workers}
    store.out_dir.mkdir(parents=True, exist_ok=True)
    store.write_json("manifest.json", manifest)
    return manifest
