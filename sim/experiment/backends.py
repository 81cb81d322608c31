"""Where runs execute: in this process, in local worker processes, or on a Dask cluster.

A run is a pure function of its :class:`RunTask` (scenario, overrides, seed, days, warm-up), so every
backend returns the same record for the same task; they differ only in where the work happens.
Each backend yields records as runs finish (in any order) and keeps a bounded number of tasks in
flight, so the coordinating process holds only a few results at a time however many runs there are.

- :class:`SerialBackend`: in-process, one run after another (``--workers 1``); simplest to debug.
- :class:`ProcessBackend`: ``concurrent.futures.ProcessPoolExecutor`` with freshly started worker
  processes (``forkserver`` where available, else ``spawn``: no inherited threads or locks).
- :class:`DaskBackend`: a ``distributed.Client`` connected to a running scheduler
  (``--scheduler tcp://host:port``): a LocalCluster, dask-jobqueue on Slurm/PBS, or Kubernetes.
  Workers must be able to import ``sim`` and read the scenario file (a shared file system).
"""

from __future__ import annotations

import importlib
import json
import math
import multiprocessing
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from sim.metrics import OUTCOMES, PERSON_STATES
from sim.signals import ignore_interrupts_in_worker

#: Columns naming a run in every table.
KEY_COLUMNS = ("policy", "sweep_point", "replication", "seed")


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to perform one run, and the names of the run.

    Attributes:
        policy: policy name.
        sweep_point: index of the sweep point (0 when there is no sweep).
        sweep_values: the swept keys and their values at this point.
        replication: replication index (0-based).
        seed: the run's seed (the same for every policy in a replication).
        scenario: path of the scenario file.
        overrides: dotted key -> value applied to the scenario.
        days: counted days.
        warmup_days: days simulated first, not counted.
        run_function: ``module:function`` performing the run.
    """

    policy: str
    sweep_point: int
    sweep_values: dict[str, Any]
    replication: int
    seed: int
    scenario: str
    overrides: dict[str, Any]
    days: float
    run_function: str = "sim.runner:run"
    warmup_days: int = 0

    @property
    def key(self) -> str:
        """Identity of the run: policy, sweep point and replication."""
        return run_key(self.policy, self.sweep_point, self.replication)


def run_key(policy: str, sweep_point: int, replication: int) -> str:
    return f"{policy}/{sweep_point}/{replication}"


def resolve_run_function(path: str) -> Callable[..., Any]:
    """Import ``module:function``."""
    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def execute_task(task: RunTask) -> dict[str, Any]:
    """Perform one run and flatten its result into table rows; never raises for a failing run.

    Returns:
        ``{"key": ..., "run": {...}, "timeseries": [...], "crossings": [...]}``: ``run`` is one row
        of ``runs.parquet`` (status ``ok`` or ``failed`` with the error), the others are the rows of
        the daily time series and of the crossings, each carrying the run's key columns.
    """
    keys = {"policy": task.policy, "sweep_point": task.sweep_point, "replication": task.replication, "seed": task.seed}
    row: dict[str, Any] = {**keys, **{f"sweep:{k}": _cell(v) for k, v in task.sweep_values.items()}}
    started = time.perf_counter()
    try:
        run = resolve_run_function(task.run_function)
        result = run(
            task.scenario,
            dict(task.overrides),
            seed=task.seed,
            days=task.days,
            progress=False,
            warmup_days=task.warmup_days,
        )
        row.update(status="ok", error="", **flatten_outcomes(result.outcomes))
        timeseries = [{**keys, **r} for r in result.timeseries]
        crossings = [{**keys, **r} for r in result.crossings]
    except Exception as exc:  # a failing run is recorded, the experiment goes on
        row.update(status="failed", error=describe_error(exc), **flatten_outcomes({}))
        timeseries, crossings = [], []
    row["duration_s"] = time.perf_counter() - started
    return {"key": task.key, "run": row, "timeseries": timeseries, "crossings": crossings}


def failed_record(task: RunTask, exc: BaseException) -> dict[str, Any]:
    """The record of a run whose execution failed outside the run function (e.g. a killed worker)."""
    keys = {"policy": task.policy, "sweep_point": task.sweep_point, "replication": task.replication, "seed": task.seed}
    row = {**keys, **{f"sweep:{k}": _cell(v) for k, v in task.sweep_values.items()}}
    row.update(status="failed", error=describe_error(exc), **flatten_outcomes({}), duration_s=math.nan)
    return {"key": task.key, "run": row, "timeseries": [], "crossings": []}


def describe_error(exc: BaseException) -> str:
    """``Type: message (at file:line in function)``, from the innermost traceback frame."""
    text = f"{type(exc).__name__}: {exc}"
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        text += f" (at {last.filename}:{last.lineno} in {last.name})"
    return text


def flatten_outcomes(outcomes: dict[str, Any]) -> dict[str, Any]:
    """Scalar outcome columns in a fixed layout (NaN where missing, e.g. for a failed run).

    Every name in :data:`sim.metrics.OUTCOMES` becomes a float column, ``victims_by_state`` and
    ``migrants_by_state`` become one ``<table>.<state>`` column per state, and the provenance fields
    become text.
    """
    flat: dict[str, Any] = {o.name: _number(outcomes.get(o.name)) for o in OUTCOMES}
    for table in ("victims_by_state", "migrants_by_state"):
        by_state = outcomes.get(table) or {}
        states = list(PERSON_STATES) + [s for s in by_state if s not in PERSON_STATES]
        flat.update({f"{table}.{s}": _number(by_state.get(s)) for s in states})
    flat["scenario_hash"] = str(outcomes.get("scenario_hash", ""))
    flat["model_version"] = str(outcomes.get("version", ""))
    flat["extra_tower_sites_km"] = json.dumps(outcomes.get("extra_tower_sites_km", []), default=_plain)
    flat["extra_tower_gains_km"] = json.dumps(outcomes.get("extra_tower_gains_km", []), default=_plain)
    return flat


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def _cell(value: Any) -> Any:
    """A sweep value as a table cell: scalars as they are, lists/tables as JSON text."""
    return value if isinstance(value, bool | int | float | str) else json.dumps(value)


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


class SerialBackend:
    """Runs tasks one after another in this process."""

    name = "in-process"
    workers = 1

    def imap_unordered(self, tasks: Iterable[RunTask]) -> Iterator[dict[str, Any]]:
        for task in tasks:
            yield execute_task(task)

    def close(self) -> None:
        """Nothing to release."""

    def abort(self) -> None:
        """Nothing runs in the background."""


class WorkerDiedError(RuntimeError):
    """Worker processes kept dying (out of memory, killed); the runs finished so far are saved."""


class ProcessBackend:
    """Runs tasks in local worker processes, at most ``max_in_flight`` submitted at a time.

    If a worker process dies (killed, out of memory), the pool is broken for every task in it:
    a new pool is started and the tasks not yet collected are submitted again, as Dask reschedules
    the tasks of a lost worker; after ``max_restarts`` such restarts :class:`WorkerDiedError` stops
    the experiment (the runs finished so far are saved; ``--resume`` finishes it).

    Args:
        workers: number of worker processes.
        max_in_flight: tasks submitted but not yet collected (default: twice the workers).
        max_restarts: pools started anew after a worker died, at most.
    """

    name = "local processes"

    def __init__(self, workers: int, max_in_flight: int | None = None, max_restarts: int = 3):
        self.workers = workers
        self.max_in_flight = max_in_flight or 2 * workers
        self.max_restarts = max_restarts
        self.restarts = 0
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        # Workers ignore a terminal's Ctrl-C (abort() stops them) and die with the coordinator if it is killed.
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=ignore_interrupts_in_worker
        )

    def imap_unordered(self, tasks: Iterable[RunTask]) -> Iterator[dict[str, Any]]:
        from concurrent.futures.process import BrokenProcessPool

        pending: dict[Future, RunTask] = {}
        again: deque[RunTask] = deque()  # tasks of a broken pool, submitted again first
        source = iter(tasks)
        exhausted = False
        while True:
            broken = False
            while len(pending) < self.max_in_flight:
                task = again.popleft() if again else next(source, None)
                if task is None:
                    exhausted = True
                    break
                try:
                    pending[self._pool.submit(execute_task, task)] = task
                except BrokenProcessPool:
                    again.appendleft(task)
                    broken = True
                    break
            if not pending and not again and exhausted:
                return
            if not broken:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    if isinstance(future.exception(), BrokenProcessPool):
                        broken = True
                    else:
                        yield _collect(future, pending.pop(future))
            if broken:  # a worker died: collect what finished before, redo the rest in a new pool
                for future in [f for f in pending if f.done() and not isinstance(f.exception(), BrokenProcessPool)]:
                    yield _collect(future, pending.pop(future))
                again.extendleft(reversed(pending.values()))
                pending = {}
                self._restart()

    def _restart(self) -> None:
        """A worker died: stop what is left of the pool and start a new one (at most ``max_restarts`` times)."""
        self.restarts += 1
        if self.restarts > self.max_restarts:
            raise WorkerDiedError(
                f"worker processes died {self.restarts} times (out of memory, or killed); "
                "the runs finished so far are saved"
            )
        self.abort()
        self._pool = self._new_pool()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        """Stop at once (Ctrl-C): cancel queued tasks and terminate the workers; their runs are redone on resume."""
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        manager = getattr(self._pool, "_executor_manager_thread", None)
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)
        # Let the pool's manager thread notice the terminated workers and close its pipes before the
        # interpreter exits: otherwise its exit hook can race it and print a traceback after Ctrl-C.
        if manager is not None:
            manager.join(timeout=10)


def _collect(future: Any, task: RunTask) -> dict[str, Any]:
    try:
        return future.result()
    except Exception as exc:  # e.g. Dask's KilledWorker: the task's workers died too often
        return failed_record(task, exc)


class DaskBackend:
    """Runs tasks on a Dask cluster through ``distributed.Client``.

    Args:
        address: the scheduler, e.g. ``tcp://10.0.0.5:8786``.
        max_in_flight: tasks submitted but not yet collected (default: twice the cluster's threads).
    """

    name = "dask"

    def __init__(self, address: str, max_in_flight: int | None = None):
        from distributed import Client

        try:
            self._client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            from sim.schema import InputError, Problem

            raise InputError(
                [Problem("--scheduler", address, f"cannot connect to the Dask scheduler: {exc}")]
            ) from None
        self.address = address
        threads = sum(self._client.nthreads().values())
        self.workers = threads
        self.max_in_flight = max_in_flight or max(4, 2 * threads)
        self._in_flight: dict[str, Any] = {}

    def imap_unordered(self, tasks: Iterable[RunTask]) -> Iterator[dict[str, Any]]:
        from distributed import as_completed

        source = iter(tasks)
        tasks_by_key: dict[str, RunTask] = {}
        completed = as_completed()
        for task in source:
            completed.add(self._submit(task, tasks_by_key))
            if len(tasks_by_key) >= self.max_in_flight:
                break
        for future in completed:
            task = tasks_by_key.pop(future.key)
            self._in_flight.pop(future.key, None)
            yield _collect(future, task)
            future.release()
            following = next(source, None)
            if following is not None:
                completed.add(self._submit(following, tasks_by_key))

    def _submit(self, task: RunTask, tasks_by_key: dict[str, RunTask]) -> Any:
        key = f"bordersim-run-{task.key.replace('/', '-')}-{uuid.uuid4().hex[:8]}"
        future = self._client.submit(execute_task, task, key=key, pure=False, retries=0)
        tasks_by_key[future.key] = task
        self._in_flight[future.key] = future
        return future

    def close(self) -> None:
        self._client.close()

    def abort(self) -> None:
        """Cancel this client's tasks on the cluster (the cluster itself keeps running)."""
        self._client.cancel(list(self._in_flight.values()), force=True)
        self._client.close()


def make_backend(workers: int | None, scheduler: str | None) -> SerialBackend | ProcessBackend | DaskBackend:
    """The backend the command-line options ask for.

    Args:
        workers: ``1`` runs in-process; ``N > 1`` uses N local processes; ``None`` uses one per core.
        scheduler: a Dask scheduler address; takes precedence over ``workers``.
    """
    import os

    if scheduler:
        return DaskBackend(scheduler)
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count < 1:
        from sim.schema import InputError, Problem

        raise InputError([Problem("--workers", "", f"given {count}; allowed: a whole number >= 1")])
    return SerialBackend() if count == 1 else ProcessBackend(count)
