"""The search of ``bordersim calibrate``: trials proposed by optuna, runs on the experiment backends, trials on disk.

Trial ``k`` runs every scenario variant the targets read (the calibrated scenario, and each target's policy) for
``R`` replications, replication ``i`` always with seed ``i`` of
:func:`sim.experiment.seeds.replication_seeds` (common random numbers: every trial and every variant sees the
same draws, so differences between trials are differences of parameters, not of luck). The runs go to a backend
of :mod:`sim.experiment.backends` (in-process, local processes or a Dask scheduler); trials follow each other,
the runs of one trial run in parallel.

**Reproducible and resumable.** The parameters of trial ``k`` are a function of the seed and the trials
``0..k-1`` alone: a fresh optuna study is rebuilt from the completed trials (their parameters, objective and
the sampler's own records, ``system_attrs``), with a sampler seeded from ``(seed, k)``, and asked once. Each
finished trial is written as ``trials/trial-NNNNN.json`` in the output folder, atomically (a temporary file,
flushed, renamed), and so is each finished run of the trial under way (``trials/partial-NNNNN/``), so a search
killed at any moment (even ``kill -9``) leaves only whole trials and runs; ``--resume`` reads them, proposes the
unfinished trial again (the same parameters), runs only what is missing, and its result is exactly that of an
uninterrupted run.

**The objective** of a trial is ``sum over targets of weight * (d / tolerance) ** 2``, where ``d`` is how far
the simulated mean lies outside the target's interval (0 inside it); a target whose simulated quantity is
undefined in every replication (e.g. a share of nothing) counts :data:`UNDEFINED_MISS` tolerances away. Its
standard error is the jackknife's over the replications (leave one replication out of every variant); the
leave-one-out objectives are kept, so that :mod:`sim.calibration.report` can judge, replication by replication
on the common seeds, which trials fit as well as the best within the simulation noise.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibration.targets import BASELINE, Parameter, Target, Targets
from sim.experiment.backends import RunTask
from sim.experiment.seeds import replication_seeds
from sim.experiment.store import write_json_atomic

#: How many tolerances away a target counts when its simulated quantity is undefined in every replication.
UNDEFINED_MISS = 100.0
#: Where the finished trials are kept in the output folder.
TRIALS_FOLDER = "trials"
SAMPLERS = ("tpe", "cmaes")


@dataclass(frozen=True)
class Settings:
    """What a calibration is: the scenario, the targets, and how the search runs.

    Attributes:
        scenario: the scenario file.
        targets: the validated targets file.
        budget: trials to run in all.
        replications: runs per trial and variant (common random numbers).
        days: simulated days per run.
        seed: the root seed: of the replications' seeds and of the sampler.
        sampler: ``tpe`` or ``cmaes``.
        warmup_days: days each run simulates first, not counted (the same for every run).
    """

    scenario: Path
    targets: Targets
    budget: int
    replications: int
    days: float
    seed: int
    sampler: str = "tpe"
    warmup_days: int = 0
    only: tuple[str, ...] = ()  # the keys searched when ``--only`` narrows the targets file's parameters

    @property
    def seeds(self) -> list[int]:
        """The run seed of each replication (the same in every trial)."""
        return replication_seeds(self.seed, self.replications)

    @property
    def runs_per_trial(self) -> int:
        return self.replications * len(self.targets.variants)

    def fingerprint(self) -> str:
        """Hash of what determines the trials: the scenario and targets files, replications, days, warm-up, seed,
        sampler and, when ``--only`` narrows them, the keys searched.

        The budget is not part of it: ``--resume`` with a larger budget goes on where the last run stopped.
        """
        what = {
            "scenario": self.scenario.read_text("utf-8"),
            "targets": self.targets.path.read_text("utf-8"),
            "replications": self.replications,
            "days": self.days,
            "warmup_days": self.warmup_days,
            "seed": self.seed,
            "sampler": self.sampler,
        }
        if self.only:
            what["only"] = sorted(self.only)
        text = json.dumps(what, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class TargetFit:
    """A target's simulated quantity in one trial: its mean over the replications and 95 % interval."""

    mean: float
    ci_low: float
    ci_high: float
    n: int
    miss: float  # distance outside the target's interval, in tolerances (UNDEFINED_MISS when undefined)

    @property
    def met(self) -> bool:
        return self.n > 0 and self.miss == 0.0


# -- the objective --------------------------------------------------------------------------------


def target_values(target: Target, runs: dict[str, list[dict[str, Any]]]) -> np.ndarray:
    """The simulated quantity of ``target`` in each replication (NaN where undefined or a run failed).

    ``runs`` maps each variant to its runs' rows, indexed by replication.
    """
    own = np.array([_outcome(row, target.outcome) for row in runs[target.variant]], dtype=float)
    if target.relative_to is None:
        return own
    base = np.array([_outcome(row, target.outcome) for row in runs[BASELINE]], dtype=float)
    if target.compare == "difference":
        return own - base
    with np.errstate(divide="ignore", invalid="ignore"):
        values = own / base
    return np.where(np.isfinite(values), values, np.nan)


def _outcome(row: dict[str, Any], outcome: str) -> float:
    value = row.get(outcome) if row.get("status") == "ok" else None
    return math.nan if value is None else float(value)


def miss(target: Target, mean: float) -> float:
    """How far ``mean`` lies outside the target's interval, in tolerances (:data:`UNDEFINED_MISS` for NaN)."""
    if not math.isfinite(mean):
        return UNDEFINED_MISS
    return max(target.low - mean, 0.0, mean - target.high) / target.tolerance


def fit_target(target: Target, values: np.ndarray) -> TargetFit:
    """Mean and 95 % t-interval of a target's per-replication values (undefined ones left out)."""
    from scipy import stats

    ok = values[np.isfinite(values)]
    if ok.size == 0:
        return TargetFit(math.nan, math.nan, math.nan, 0, UNDEFINED_MISS)
    mean = float(ok.mean())
    spread = ok.std(ddof=1) / math.sqrt(ok.size) if ok.size > 1 else math.nan
    half = float(stats.t.ppf(0.975, ok.size - 1) * spread) if ok.size > 1 else math.nan
    return TargetFit(mean, mean - half, mean + half, int(ok.size), miss(target, mean))


def objective(targets: tuple[Target, ...], values: dict[str, np.ndarray]) -> float:
    """``sum weight * miss ** 2`` over the targets, from each target's per-replication values."""
    total = 0.0
    for target in targets:
        ok = values[target.name][np.isfinite(values[target.name])]
        total += target.weight * miss(target, float(ok.mean()) if ok.size else math.nan) ** 2
    return total


def leave_one_out(targets: tuple[Target, ...], values: dict[str, np.ndarray], replications: int) -> list[float]:
    """The objective with each replication left out of every variant in turn (the jackknife's replicates)."""
    keep = np.ones(replications, dtype=bool)
    out = []
    for j in range(replications):
        keep[:] = True
        keep[j] = False
        out.append(objective(targets, {name: v[keep] for name, v in values.items()}))
    return out


def jackknife_se(replicates: list[float]) -> float:
    """The jackknife standard error from leave-one-out replicates (NaN with fewer than two)."""
    n = len(replicates)
    if n < 2:
        return math.nan
    theta = np.asarray(replicates, dtype=float)
    return float(math.sqrt((n - 1) / n * float(((theta - theta.mean()) ** 2).sum())))


def score_trial(targets: Targets, runs: dict[str, list[dict[str, Any]]], replications: int) -> dict[str, Any]:
    """The objective, its standard error and every target's fit, from the trial's runs by variant."""
    values = {t.name: target_values(t, runs) for t in targets.targets}
    fits = {t.name: fit_target(t, values[t.name]) for t in targets.targets}
    replicates = leave_one_out(targets.targets, values, replications) if replications > 1 else []
    return {
        "objective": objective(targets.targets, values),
        "objective_se": jackknife_se(replicates),
        "objective_loo": replicates,
        "targets": {name: fit.__dict__ for name, fit in fits.items()},
    }


# -- proposing a trial's parameters ---------------------------------------------------------------------


def distributions(parameters: tuple[Parameter, ...]) -> dict[str, Any]:
    """optuna's distribution of each searched key (whole-number keys as integers)."""
    from optuna.distributions import FloatDistribution, IntDistribution

    return {
        p.key: IntDistribution(int(p.low), int(p.high), log=p.log)
        if p.integer
        else FloatDistribution(p.low, p.high, log=p.log)
        for p in parameters
    }


def sampler_seed(seed: int, trial: int) -> int:
    """The seed of the sampler that proposes trial ``trial``: a function of the root seed and the trial alone."""
    return int(np.random.SeedSequence([seed, trial]).generate_state(1)[0])


def make_sampler(kind: str, seed: int):
    """optuna's sampler for ``--sampler``, seeded: TPE (random for its first 10 trials), or CMA-ES (random for its
    first trial; its state is kept in the trials' ``system_attrs``)."""
    import optuna

    if kind == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    return optuna.samplers.TPESampler(seed=seed)


def rebuild_study(parameters: tuple[Parameter, ...], trials: list[dict[str, Any]], sampler: Any):
    """A fresh in-memory study holding the finished ``trials`` (as written to disk), with ``sampler``."""
    import optuna
    from optuna.trial import TrialState, create_trial

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dists = distributions(parameters)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    for record in trials:
        complete = record["state"] == "complete"
        study.add_trial(
            create_trial(
                state=TrialState.COMPLETE if complete else TrialState.FAIL,
                value=record["objective"] if complete else None,
                params=record["params"],
                distributions=dists,
                system_attrs=record.get("system_attrs") or {},
            )
        )
    return study


def start_values(settings: Settings) -> dict[str, Any]:
    """The searched keys' values in the scenario as written (clipped to their searched ranges): trial 0 runs there."""
    from sim.scenario import load_scenario

    spec = load_scenario(settings.scenario).spec
    values = {}
    for p in settings.targets.parameters:
        node: Any = spec
        for part in p.key.split("."):
            name, _, index = part.partition("[")
            node = getattr(node, name)
            if index:
                node = node[int(index.rstrip("]"))]
        value = min(max(float(node), p.low), p.high)
        values[p.key] = round(value) if p.integer else value
    return values


def propose(settings: Settings, trials: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The parameters of the next trial and the sampler's records of it (``system_attrs``), from the seed and
    the finished ``trials`` alone."""
    import warnings

    import optuna

    number = len(trials)
    sampler = make_sampler(settings.sampler, sampler_seed(settings.seed, number))
    study = rebuild_study(settings.targets.parameters, trials, sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.simplefilter("ignore", UserWarning)  # optuna notes that an enqueued trial fixes its parameters
        if number == 0:  # the scenario as written: the fit's starting point, in the report beside the best
            study.enqueue_trial(start_values(settings))
        trial = study.ask(distributions(settings.targets.parameters))
    params = {p.key: trial.params[p.key] for p in settings.targets.parameters}
    attrs = study.get_trials(deepcopy=False)[-1].system_attrs  # the sampler's records (CMA-ES's state)
    return params, json.loads(json.dumps(attrs, default=_plain))


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot record {type(value).__name__} in a trial file")


# -- the trials on disk ----------------------------------------------------------------------------------


def trial_path(out_dir: Path, number: int) -> Path:
    return out_dir / TRIALS_FOLDER / f"trial-{number:05d}.json"


def write_trial(out_dir: Path, record: dict[str, Any]) -> Path:
    """Write a finished trial atomically: a temporary file, flushed to the disk, renamed into place."""
    target = trial_path(out_dir, record["number"])
    write_json_atomic(target, record, indent=1)
    shutil.rmtree(partial_folder(out_dir, record["number"]), ignore_errors=True)
    return target


def read_trials(out_dir: Path) -> list[dict[str, Any]]:
    """The finished trials in the folder, in order: trials 0, 1, ... up to the first missing one.

    Temporary files (a trial or run being written when the process was killed) are deleted.
    """
    folder = out_dir / TRIALS_FOLDER
    if not folder.is_dir():
        return []
    for leftover in folder.rglob("*.tmp"):
        leftover.unlink()
    trials = []
    while (path := trial_path(out_dir, len(trials))).exists():
        trials.append(json.loads(path.read_text(encoding="utf-8")))
    return trials


# -- running the trials ----------------------------------------------------------------------------------


def trial_tasks(settings: Settings, number: int, params: dict[str, Any]) -> list[RunTask]:
    """Every run of trial ``number``: each variant the targets read, in each replication."""
    tasks = []
    for variant, overrides in settings.targets.variants.items():
        for replication, seed in enumerate(settings.seeds):
            tasks.append(
                RunTask(
                    policy=variant,
                    sweep_point=number,
                    sweep_values=dict(params),
                    replication=replication,
                    seed=seed,
                    scenario=str(settings.scenario),
                    overrides={**params, **overrides},
                    days=settings.days,
                    warmup_days=settings.warmup_days,
                )
            )
    return tasks


def _kept(row: dict[str, Any]) -> dict[str, Any]:
    """The columns of a run's row kept in the trial file: every outcome a target can read, and what went wrong."""
    from sim.metrics import OUTCOME_BY_NAME

    keep = {"policy", "replication", "seed", "status", "error", "duration_s", *OUTCOME_BY_NAME}
    return {k: v for k, v in row.items() if k in keep}


def partial_folder(out_dir: Path, number: int) -> Path:
    """Where the finished runs of trial ``number`` wait while the trial is under way."""
    return out_dir / TRIALS_FOLDER / f"partial-{number:05d}"


def _run_file(folder: Path, variant: str, replication: int) -> Path:
    return folder / f"{hashlib.sha1(variant.encode()).hexdigest()[:12]}-{replication}.json"


def finished_runs(folder: Path, params: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
    """The runs of an unfinished trial already on disk, by (variant, replication): those made with ``params``."""
    found = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved["params"] == params:
            row = saved["row"]
            found[row["policy"], int(row["replication"])] = row
    return found


def run_trial(
    settings: Settings, backend: Any, number: int, trials: list[dict[str, Any]], on_run: Callable, out_dir: Path
) -> dict:
    """Propose trial ``number`` from the finished ``trials``, run it on ``backend`` and score it.

    Each successful run is written to the trial's partial folder as it finishes, so a trial interrupted half-way
    reuses its finished runs when resumed (its parameters are proposed again, the same). ``on_run()`` is called
    for each run done (the progress bar).
    """
    params, attrs = propose(settings, trials)
    started = time.perf_counter()
    folder = partial_folder(out_dir, number)
    by_key = finished_runs(folder, params)
    for _ in by_key:
        on_run()
    todo = [t for t in trial_tasks(settings, number, params) if (t.policy, t.replication) not in by_key]
    for record in backend.imap_unordered(todo):
        row = _kept(record["run"])
        key = (row["policy"], int(row["replication"]))
        if row["status"] == "ok":  # a failure may be the machine's (a lost worker): never kept for a resume
            write_json_atomic(_run_file(folder, *key), {"params": params, "row": row}, indent=1)
        by_key[key] = row
        on_run()
    runs = {
        variant: [by_key[variant, i] for i in range(settings.replications)] for variant in settings.targets.variants
    }
    failed = [row for rows in runs.values() for row in rows if row["status"] != "ok"]
    record: dict[str, Any] = {
        "number": number,
        "params": params,
        "state": "fail" if failed else "complete",
        "system_attrs": attrs,
        "duration_s": time.perf_counter() - started,
        "errors": sorted({row["error"] for row in failed}),
        "runs": runs,
    }
    if failed:
        record.update(objective=None, objective_se=None, targets={})
    else:
        record.update(score_trial(settings.targets, runs, settings.replications))
    return record


def best_trial(trials: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The completed trial with the lowest objective (the first of equals), None if none completed."""
    complete = [t for t in trials if t["state"] == "complete"]
    return min(complete, key=lambda t: (t["objective"], t["number"])) if complete else None


def calibrate(
    settings: Settings, out_dir: Path, backend: Any, *, progress: bool = True, label: str = "calibrate"
) -> list[dict[str, Any]]:
    """Run the trials missing from ``out_dir`` up to the budget; return every trial, in order.

    Each trial is on disk as soon as it has finished; an interruption loses only the runs of the trial under way.
    """
    import sys

    from tqdm import tqdm

    trials = read_trials(out_dir)[: settings.budget]
    per_trial = settings.runs_per_trial
    total = settings.budget * per_trial
    already = min(len(trials), settings.budget) * per_trial
    with tqdm(
        total=total, initial=already, desc=label, unit="run", file=sys.stderr, disable=not progress, dynamic_ncols=True
    ) as bar:
        best = best_trial(trials)
        if best is not None:
            bar.set_postfix(best=f"{best['objective']:.4g}")
        while len(trials) < settings.budget:
            record = run_trial(settings, backend, len(trials), trials, lambda: bar.update(1), out_dir)
            path = write_trial(out_dir, record)
            trials.append(json.loads(path.read_text(encoding="utf-8")))  # as a resumed run reads it back
            best = best_trial(trials)
            if best is not None:
                bar.set_postfix(best=f"{best['objective']:.4g}", trials=len(trials))
    return trials
