"""The search of ``bordersim optimize``: NSGA-II (pymoo) asked for candidates, runs on the experiment backends.

**Candidates.** A candidate is a value for every decision variable (:class:`sim.optimize.spec.Variable`); NSGA-II
works on numbers, so a whole number is the rounded value of a number spanning its range and a choice the rounded
index of its list (:meth:`Variable.decode`). Every candidate runs ``replications`` times, replication ``i`` with
seed ``i`` of :func:`sim.experiment.seeds.replication_seeds` whatever the candidate (common random numbers: two
candidates differ by their policies, not by their luck). Its objectives are the means of the declared outcomes
over those runs, each turned to be minimised (an outcome better higher is negated), and its one constraint is
``mean cost - budget <= 0``: NSGA-II's constrained dominance puts every candidate within budget ahead of every
one above it.

**Generations.** Generation ``g`` is asked of NSGA-II (``algorithm.ask()``) with its random generator reseeded
from ``(root_seed, g)``, its candidates are run on the backend (in parallel), and their objectives are told back
(``algorithm.tell()``). The first generation is the budget probe (every number at its low end, every choice at its
first) and ``population - 1`` candidates drawn uniformly in the variables' ranges; the probe runs first, alone, and
a budget below its cost stops the search before anything else runs.

**Stored, resumable, identical.** Every finished run is written at once to ``runs/<candidate>-<replication>.json``
(atomically: a temporary file, flushed, renamed), keyed by the candidate's values. A search killed at any moment
(even ``kill -9``) leaves only whole runs; ``--resume`` asks NSGA-II again from the start with the same seeds, finds
the runs of every candidate asked before on disk (no run is repeated), and runs only what is missing, so its front
is exactly that of an uninterrupted search. A candidate asked twice (in two generations) runs once.

**The final front.** The non-dominated candidates within budget among every candidate evaluated (at most
``final_front_max`` of them, the most spread out by crowding distance) are evaluated again with
``final_replications`` runs (the first ``replications`` are those already made, the same seeds); the report's front
is the non-dominated set of that re-evaluation, within budget.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiment.backends import RunTask
from sim.experiment.store import write_json_atomic
from sim.metrics import OUTCOME_BY_NAME, Direction
from sim.optimize.spec import COST, OptimizeSpec
from sim.schema import InputError, Problem

#: Where the finished runs are kept in the output folder.
RUNS_FOLDER = "runs"
#: Objective and constraint values of a candidate with a failed run: worse than any candidate that ran.
FAILED_VALUE = 1e30


@dataclass
class Candidate:
    """A candidate evaluated: its values, its runs' rows, and the generation that first asked for it."""

    id: str
    params: dict[str, Any]
    generation: int
    rows: list[dict[str, Any]]

    @property
    def failed(self) -> bool:
        return any(r["status"] != "ok" for r in self.rows)

    def values(self, outcome: str) -> np.ndarray:
        return np.array([float(r.get(outcome, math.nan)) for r in self.rows], dtype=float)

    def mean(self, outcome: str) -> float:
        values = self.values(outcome)
        return float(values.mean()) if len(values) and not self.failed else math.nan

    def interval(self, outcome: str) -> tuple[float, float, float]:
        """Mean and 95 % t-interval of an outcome over the runs (the bounds NaN with one run); the lower bound of an
        outcome that cannot be negative is clipped at 0, as in the experiment report."""
        from scipy import stats

        from sim.experiment.report.decision import shown_low

        values = self.values(outcome)
        mean = float(values.mean())
        if len(values) < 2:
            return mean, math.nan, math.nan
        half = float(stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values)))
        return mean, shown_low(outcome, mean - half), mean + half


def candidate_id(params: dict[str, Any]) -> str:
    """A candidate's name: a hash of its values (the same values, the same name, in any search)."""
    return hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]


def run_path(out_dir: Path, cid: str, replication: int) -> Path:
    return out_dir / RUNS_FOLDER / f"{cid}-{replication}.json"


def clean_leftovers(out_dir: Path) -> None:
    """Delete temporary files left by a search killed while writing a run."""
    folder = out_dir / RUNS_FOLDER
    if folder.is_dir():
        for leftover in folder.glob("*.tmp"):
            leftover.unlink()


def _kept(row: dict[str, Any]) -> dict[str, Any]:
    """The columns of a run's row kept on disk: every outcome, what went wrong, the sited towers."""
    keep = {"replication", "seed", "status", "error", "duration_s", "extra_tower_sites_km", "extra_tower_gains_km"}
    return {k: v for k, v in row.items() if k in keep or k in OUTCOME_BY_NAME}


def evaluate(
    spec: OptimizeSpec,
    backend: Any,
    out_dir: Path,
    wanted: list[tuple[dict[str, Any], int]],
    replications: int,
    on_run: Callable[[], None],
) -> list[Candidate]:
    """Run each ``(params, generation)`` candidate ``replications`` times, reusing the runs already on disk.

    Successful runs are written as they finish; a failed run is kept in memory only (a failure may be the machine's,
    so a resume tries it again).
    """
    seeds = spec.seeds(replications)
    found: dict[tuple[str, int], dict[str, Any]] = {}
    tasks = []
    unique: dict[str, tuple[dict[str, Any], int]] = {}
    for params, generation in wanted:
        unique.setdefault(candidate_id(params), (params, generation))
    for cid, (params, _) in unique.items():
        for rep, seed in enumerate(seeds):
            path = run_path(out_dir, cid, rep)
            if path.exists():
                saved = json.loads(path.read_text(encoding="utf-8"))
                if saved["params"] == params:
                    found[cid, rep] = saved["row"]
                    continue
            tasks.append(
                RunTask(
                    policy=cid,
                    sweep_point=0,
                    sweep_values=dict(params),
                    replication=rep,
                    seed=seed,
                    scenario=str(spec.scenario_path),
                    overrides=spec.overrides(params),
                    days=spec.days,
                    run_function=spec.run_function,
                    warmup_days=spec.warmup_days,
                )
            )
    for record in backend.imap_unordered(tasks):
        run = record["run"]
        cid, rep = run["policy"], int(run["replication"])
        row = _kept(run)
        if row["status"] == "ok":
            write_json_atomic(run_path(out_dir, cid, rep), {"params": unique[cid][0], "row": row}, indent=1)
        found[cid, rep] = row
        on_run()
    out = []
    for params, generation in wanted:
        cid = candidate_id(params)
        out.append(Candidate(cid, params, generation, [found[cid, rep] for rep in range(replications)]))
    return out


def objective_values(spec: OptimizeSpec, candidate: Candidate) -> tuple[list[float], float]:
    """The candidate's objectives as NSGA-II minimises them (better-higher outcomes negated) and its constraint
    ``mean cost - budget``; :data:`FAILED_VALUE` everywhere when a run failed."""
    if candidate.failed:
        return [FAILED_VALUE] * len(spec.objectives), FAILED_VALUE
    signs = [direction_sign(name) for name in spec.objectives]
    return [s * candidate.mean(name) for s, name in zip(signs, spec.objectives, strict=True)], (
        candidate.mean(COST) - spec.budget
    )


def direction_sign(outcome: str) -> float:
    """+1 for an outcome better lower, -1 for one better higher (minimised negated)."""
    return -1.0 if OUTCOME_BY_NAME[outcome].direction is Direction.HIGHER_IS_BETTER else 1.0


def sampler_seed(seed: int, generation: int) -> int:
    """The seed of NSGA-II's random generator for ``generation``: a function of the root seed and the generation."""
    return int(np.random.SeedSequence([seed, generation]).generate_state(1)[0])


def initial_sample(spec: OptimizeSpec) -> np.ndarray:
    """The first generation, encoded: the budget probe, then ``population - 1`` candidates drawn uniformly."""
    rng = np.random.default_rng(sampler_seed(spec.root_seed, 0))
    low = np.array([v.bounds[0] for v in spec.variables])
    high = np.array([v.bounds[1] for v in spec.variables])
    drawn = low + rng.random((spec.population - 1, len(spec.variables))) * (high - low)
    probe = np.array([v.encode(v.cheapest) for v in spec.variables])
    return np.vstack([probe, drawn])


def decode(spec: OptimizeSpec, x: np.ndarray) -> dict[str, Any]:
    return {v.key: v.decode(value) for v, value in zip(spec.variables, x, strict=True)}


@dataclass
class SearchResult:
    """Every candidate evaluated (in the order asked), the re-evaluated front candidates, and the knee."""

    evaluated: list[Candidate]
    final: list[Candidate]
    front: list[str]  # ids of the non-dominated candidates within budget after the re-evaluation
    knee: str | None


def check_budget(spec: OptimizeSpec, probe: Candidate) -> None:
    """Stop when the budget is below the probe's cost (no candidate can cost less than the cheapest)."""
    if probe.failed:
        errors = sorted({r["error"] for r in probe.rows if r["status"] != "ok"})
        raise InputError(
            [Problem(str(spec.path), "optimize.budget", f"the budget probe {probe.params} failed: {errors[0]}")]
        )
    cost = probe.mean(COST)
    if cost > spec.budget:
        what = ", ".join(f"{k} = {json.dumps(v)}" for k, v in probe.params.items())
        raise InputError(
            [
                Problem(
                    str(spec.path),
                    "optimize.budget",
                    f"given {spec.budget:,.0f}, below the cheapest candidate ({what}), which costs {cost:,.0f} on "
                    f"average over {len(probe.rows)} runs of {spec.days:g} days; allowed: at least {cost:,.0f}",
                )
            ]
        )


def search(spec: OptimizeSpec, out_dir: Path, backend: Any, *, progress: bool = True) -> SearchResult:
    """Run (or resume) the search and the re-evaluation of its front; return what the report needs."""
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem as PymooProblem
    from pymoo.problems.static import StaticProblem
    from tqdm import tqdm

    clean_leftovers(out_dir)
    bounds = np.array([v.bounds for v in spec.variables])
    problem = PymooProblem(
        n_var=len(spec.variables), n_obj=len(spec.objectives), n_ieq_constr=1, xl=bounds[:, 0], xu=bounds[:, 1]
    )
    algorithm = NSGA2(pop_size=spec.population, sampling=initial_sample(spec), eliminate_duplicates=True)
    algorithm.setup(problem, termination=("n_gen", spec.generations), seed=sampler_seed(spec.root_seed, 0))
    total = spec.generations * spec.population * spec.replications
    evaluated: dict[str, Candidate] = {}
    bar = tqdm(total=total, desc="optimize", unit="run", file=sys.stderr, disable=not progress, dynamic_ncols=True)
    with bar:
        tick = lambda: bar.update(1)  # noqa: E731
        (probe,) = evaluate(spec, backend, out_dir, [(spec.cheapest, 0)], spec.replications, tick)
        check_budget(spec, probe)
        generation = 0
        while algorithm.has_next():
            algorithm.random_state = np.random.default_rng(sampler_seed(spec.root_seed, generation))
            pop = algorithm.ask()
            wanted = [(decode(spec, x), generation) for x in pop.get("X")]
            candidates = evaluate(spec, backend, out_dir, wanted, spec.replications, tick)
            values = [objective_values(spec, c) for c in candidates]
            f = np.array([v[0] for v in values], dtype=float)
            g = np.array([[v[1]] for v in values], dtype=float)
            Evaluator().eval(StaticProblem(problem, F=f, G=g), pop)
            algorithm.tell(infills=pop)
            for c in candidates:
                evaluated.setdefault(c.id, c)
            bar.set_postfix(generation=generation + 1, candidates=len(evaluated))
            generation += 1
        chosen = front_to_reevaluate(spec, list(evaluated.values()))
        bar.total = bar.n + len(chosen) * (spec.final_replications - spec.replications)
        bar.refresh()
        final = evaluate(
            spec, backend, out_dir, [(c.params, c.generation) for c in chosen], spec.final_replications, tick
        )
    front = non_dominated(spec, final)
    return SearchResult(list(evaluated.values()), final, [c.id for c in front], knee(spec, front))


def feasible(spec: OptimizeSpec, candidate: Candidate) -> bool:
    return not candidate.failed and candidate.mean(COST) <= spec.budget


def non_dominated(spec: OptimizeSpec, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates within budget that no other candidate within budget dominates (pymoo's non-dominated
    sorting of the minimised objectives), in the order given."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    ok = [c for c in candidates if feasible(spec, c)]
    if not ok:
        return []
    f = np.array([objective_values(spec, c)[0] for c in ok])
    first = set(NonDominatedSorting().do(f, only_non_dominated_front=True).tolist())
    return [c for i, c in enumerate(ok) if i in first]


def front_to_reevaluate(spec: OptimizeSpec, evaluated: list[Candidate]) -> list[Candidate]:
    """The non-dominated candidates within budget; when more than ``final_front_max``, those with the largest
    crowding distance (the extremes first; ties to the earlier candidate)."""
    from pymoo.operators.survival.rank_and_crowding.metrics import calc_crowding_distance

    front = non_dominated(spec, evaluated)
    if len(front) <= spec.final_front_max:
        return front
    f = np.array([objective_values(spec, c)[0] for c in front])
    crowding = calc_crowding_distance(f)
    order = sorted(range(len(front)), key=lambda i: (-crowding[i], i))
    keep = set(order[: spec.final_front_max])
    return [c for i, c in enumerate(front) if i in keep]


def normalised(spec: OptimizeSpec, front: list[Candidate]) -> np.ndarray:
    """The front's minimised objectives scaled to [0, 1] over the front (0 the best on the front; an objective
    equal on the whole front is 0 everywhere)."""
    f = np.array([objective_values(spec, c)[0] for c in front], dtype=float)
    low, high = f.min(axis=0), f.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return (f - low) / span


def knee(spec: OptimizeSpec, front: list[Candidate]) -> str | None:
    """The knee of the front: the candidate with the smallest sum of normalised objectives (:func:`normalised`).

    With two objectives the extremes of the normalised front are (0, 1) and (1, 0), and this is the point farthest
    below the line joining them; with more, the point farthest below the plane through the unit points. Ties go
    to the earlier candidate. None for an empty front; the one candidate of a front of one.
    """
    if not front:
        return None
    total = normalised(spec, front).sum(axis=1)
    return front[int(np.argmin(total))].id
