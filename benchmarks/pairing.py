"""How much pairing buys in a policy comparison, and whether a change of draws kept the outcomes' distributions.

Runs the baseline and one policy of an experiment file on the experiment's replication seeds (common random
numbers: the seeds, warm-up and counted days of the file, unless ``--seeds``, ``--root-seed``, ``--days`` or
``--warmup-days`` say otherwise) and prints, per outcome, the SD of the paired differences over the SD of the
differences of independent runs (:func:`sim.experiment.stats.pairing_sd_ratio`, the ``pairing_sd_ratio`` column
of the experiment's ``pairing.csv``), with a 90 % bootstrap interval over the seeds (:func:`ratio_interval`), the
correlation of the two and their means and SDs. The project aimed at most 0.6 for crossings attempted and succeeded
and people taken on under ``more_surveillance`` (``docs/model.md``: what the pairing can and cannot do).

``--set KEY=VALUE`` changes a scenario key in both arms, to measure what a change of the model would buy before
making it (``docs/model.md``, "The shipped seeds flatter it"). ``--save FILE`` writes every run's outcomes (CSV:
policy, seed, outcome columns); ``--compare BEFORE.csv`` compares the saved outcomes of each policy with those of
another version of the code, outcome by outcome
(Welch's t-test, ``scipy.stats.ttest_ind``, and the two-sample Kolmogorov-Smirnov test,
``scipy.stats.ks_2samp``): a change of the order of draws should leave every main outcome's distribution
as it was (no p below 0.05 beyond chance).

Too slow for the test suite: the shipped comparison's 24 runs of 485 simulated days took 5.5 to 6 minutes on
2 shared cores. Usage:
``.venv/bin/python benchmarks/pairing.py experiments/policy_comparison.toml --policy more_surveillance``
``.venv/bin/python benchmarks/pairing.py experiments/policy_comparison.toml --seeds 30 --days 180 --warmup-days 60
--save after.csv --compare before.csv`` (``before.csv`` saved by the code before a change)
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.experiment.backends import ProcessBackend, RunTask  # noqa: E402
from sim.experiment.seeds import replication_seeds  # noqa: E402
from sim.experiment.spec import load_experiment  # noqa: E402
from sim.experiment.stats import pairing_sd_ratio  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.schema import InputError, parse_override  # noqa: E402
from sim.signals import Interrupted, exit_status, signal_name, stop_on_signals  # noqa: E402

#: The outcomes compared by default: the pairing target's, and the main flows and rates they feed.
OUTCOMES = (
    "people_taken_on",
    "victims_recruited",
    "crossings_attempted",
    "crossings_succeeded",
    "interdictions",
    "apprehension_rate",
    "people_deterred",
    "deaths_in_transit",
    "victims_rescued",
    "traffickers_convicted",
    "network_active_members",
    "mean_fee",
)


def run_all(tasks: list[RunTask], workers: int) -> list[tuple[str, int, dict[str, float]]]:
    """Every run, in local worker processes (``bordersim experiment``'s backend); a failed run stops the
    benchmark with its error, and Ctrl-C or SIGTERM stops the workers too (:class:`Interrupted` is raised on)."""
    backend = ProcessBackend(workers)
    try:
        rows = [record["run"] for record in backend.imap_unordered(tasks)]
    except KeyboardInterrupt:
        backend.abort()
        raise
    backend.close()
    failed = [row for row in rows if row["status"] != "ok"]
    if failed:
        row = failed[0]
        raise RuntimeError(f"run {row['policy']}, seed {row['seed']} failed: {row['error']}")
    return [(row["policy"], row["seed"], {k: float(row[k]) for k in OUTCOMES}) for row in rows]


def ratio_interval(policy: np.ndarray, baseline: np.ndarray, level: float = 0.9) -> tuple[float, float]:
    """A percentile bootstrap interval of :func:`pairing_sd_ratio`: 2,000 resamples of the seeds, in pairs, with a
    fixed seed (the same interval every time). Resamples in which neither arm varies (an outcome that is mostly 0,
    or one seed drawn every time) have no ratio and are left out; ``scipy.stats.bootstrap`` would return NaN for
    the whole interval instead. NaN with fewer than 5 seeds, or when fewer than half the resamples have a ratio."""
    policy, baseline = np.asarray(policy, dtype=float), np.asarray(baseline, dtype=float)
    n = len(policy)
    if n < 5 or not np.isfinite(pairing_sd_ratio(policy, baseline)):
        return math.nan, math.nan
    picks = np.random.default_rng(0).integers(n, size=(2000, n))
    ratios = np.array([pairing_sd_ratio(policy[i], baseline[i]) for i in picks])
    ratios = ratios[np.isfinite(ratios)]
    if len(ratios) < len(picks) / 2:
        return math.nan, math.nan
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail])
    return float(low), float(high)


def read_saved(path: Path) -> dict[str, list[dict[str, float]]]:
    """Saved outcomes by policy: a list of rows (one a seed)."""
    rows: dict[str, list[dict[str, float]]] = {}
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            rows.setdefault(row["policy"], []).append({k: float(row[k]) for k in OUTCOMES})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("experiment", type=Path, help="experiment file (.toml)")
    parser.add_argument("--policy", default="more_surveillance", help="the policy paired with the baseline")
    parser.add_argument("--seeds", type=int, help="replications (default: the experiment's)")
    parser.add_argument("--root-seed", type=int, help="root seed of the replications (default: the experiment's)")
    parser.add_argument("--days", type=float, help="counted days (default: the experiment's)")
    parser.add_argument("--warmup-days", type=int, help="warm-up days (default: the experiment's)")
    parser.add_argument("--workers", type=int, default=2, help="local processes (default 2)")
    parser.add_argument("--save", type=Path, help="write every run's outcomes to this CSV")
    parser.add_argument("--compare", type=Path, help="a CSV saved by another version of the code: compare outcomes")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario key in both the baseline and the policy (repeatable): what would pairing buy if",
    )
    args = parser.parse_args()
    try:
        experiment = load_experiment(args.experiment)
        both = dict(parse_override(text) for text in args.overrides)
        for policy in experiment.policies:  # a bad key or value stops here, before any run
            load_scenario(experiment.scenario_path, {**both, **policy.overrides})
    except InputError as error:
        print(f"pairing.py: {error}", file=sys.stderr)
        return 2
    policies = {p.name: p for p in experiment.policies}
    if args.policy not in policies:
        parser.error(f"{args.experiment}: no policy {args.policy!r} (policies: {', '.join(policies)})")
    replications = args.seeds or experiment.replications
    days = args.days if args.days is not None else experiment.days
    warmup = args.warmup_days if args.warmup_days is not None else experiment.warmup_days
    root_seed = args.root_seed if args.root_seed is not None else experiment.root_seed
    seeds = replication_seeds(root_seed, replications)
    baseline = next(p for p in experiment.policies if not p.own_overrides)
    tasks = [
        RunTask(
            p.name, 0, {}, i, seed, str(experiment.scenario_path), {**both, **p.overrides}, days, warmup_days=warmup
        )
        for i, seed in enumerate(seeds)
        for p in (baseline, policies[args.policy])
    ]
    try:
        with stop_on_signals():
            results = sorted(run_all(tasks, args.workers), key=lambda r: (seeds.index(r[1]), r[0] != baseline.name))
    except Interrupted as stop:
        print(f"pairing.py: stopped by {signal_name(stop)}; nothing written", file=sys.stderr)
        return exit_status(stop)
    by = {(name, seed): out for name, seed, out in results}

    print(
        f"{experiment.name}: {args.policy} against {baseline.name}, {replications} seeds (root seed {root_seed}), "
        f"{days:g} days after {warmup} of warm-up" + "".join(f", {k}={v}" for k, v in both.items())
    )
    print(f"{'outcome':28s} {'SD ratio':>8s} {'90% interval':>13s} {'corr':>6s} {'baseline':>18s} {args.policy:>18s}")
    for outcome in OUTCOMES:
        a = np.array([by[args.policy, s][outcome] for s in seeds])
        b = np.array([by[baseline.name, s][outcome] for s in seeds])
        corr = float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else float("nan")
        low, high = ratio_interval(a, b)
        print(
            f"{outcome:28s} {pairing_sd_ratio(a, b):8.2f} {f'{low:.2f}-{high:.2f}':>13s} {corr:6.2f} "
            f"{b.mean():10.4g} +- {b.std(ddof=1):<5.3g} {a.mean():10.4g} +- {a.std(ddof=1):<5.3g}"
        )
    print(
        "90% interval: percentile bootstrap over the seeds, resampled in pairs (2,000 resamples); twelve seeds pin "
        "a ratio down only to about +-0.25."
    )

    if args.save:
        with args.save.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["policy", "seed", *OUTCOMES])
            for name, seed, out in results:
                writer.writerow([name, seed, *(out[k] for k in OUTCOMES)])
    if args.compare:
        before = read_saved(args.compare)
        for name in (baseline.name, args.policy):
            if name not in before:
                continue
            print(f"\n{name}: before ({args.compare.name}, {len(before[name])} runs) and now ({replications} runs)")
            print(f"{'outcome':28s} {'before':>10s} {'now':>10s} {'Welch p':>8s} {'KS p':>6s}")
            for outcome in OUTCOMES:
                old = np.array([row[outcome] for row in before[name]])
                new = np.array([by[name, s][outcome] for s in seeds])
                same = np.array_equal(np.sort(old), np.sort(new))
                welch = 1.0 if same else stats.ttest_ind(old, new, equal_var=False).pvalue
                ks = stats.ks_2samp(old, new).pvalue
                print(f"{outcome:28s} {old.mean():10.4g} {new.mean():10.4g} {welch:8.3f} {ks:6.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
