"""The report's decision summary: what a planner needs to choose, as tables (written beside the report as CSV).

- **effects** (:func:`effects_table`): per sweep point, policy (not the baseline) and outcome, the paired change
  against the baseline with its 95% interval, and ``significance``: ``holm`` when the change survives Holm's
  correction over every comparison of the results table, ``nominal`` when only its own 95% interval excludes zero
  (a single test would call it significant, the correction for the many comparisons made does not), ``none``
  otherwise. For a change that does not survive the correction, ``replications_needed``: the paired replications
  a two-sided paired t-test would need to detect it, at alpha 0.05 with 80% power, taking the observed mean
  difference as the effect worth detecting and the observed SD of the paired differences as the noise
  (:func:`sim.experiment.stats.replications_for_power`, Student's noncentral t).
- **ranking** (:func:`ranking_table`): per sweep point and outcome with a better direction (higher or lower is
  better; :class:`sim.metrics.Direction`), every policy ranked from best to worst by its mean, with its interval
  (clipped at 0 for an outcome that cannot be negative, :func:`non_negative`) and its change against the baseline.
- **cost-effectiveness** (:func:`cost_effectiveness`): per sweep point and policy, the extra cost per successful
  crossing prevented, per victim rescued and per expected death from exposure averted
  (:data:`COST_EFFECTIVENESS`): the ratio of the mean paired cost difference to the mean paired gain, with a
  95% delta-method interval over replications (:func:`sim.experiment.stats.ratio_estimate`). ``estimable`` is
  false when the gain's own 95% interval covers zero (the policy may gain nothing, so no cost per unit can be
  told) or cannot be computed; where the interval lies below zero the policy loses ground, and the report says
  so rather than quote a cost per unit.
- **towers** (:func:`towers_table`): per sweep point and policy whose runs sited extra towers
  (``surveillance.extra_towers``), each tower in the order it was chosen, its site and its coverage gain (km of
  border line it added to the covered line); read from the first successful run, the siting being the same in every
  run of a policy (it is done before the run, from the land alone).
- **scope** (:func:`scope_table`): where a policy's lever cannot act, or has little to act on, in the scenario
  it runs, by the rules of :data:`LEVERS`, each stated with the figures of the scenario that trigger it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.experiment.spec import BASELINE, Experiment
from sim.experiment.stats import ALPHA, estimate, ratio_estimate, replications_for_power
from sim.metrics import OUTCOME_BY_NAME, Direction

#: Units of outcomes that cannot be negative (counts, shares, ratios of counts, durations, money): the displayed
#: lower bound of the interval of their mean is clipped at 0.
NON_NEGATIVE_UNITS = (
    "people",
    "groups",
    "cases",
    "events",
    "records",
    "networks",
    "alerts",
    "h",
    "share",
    "ratio",
    "days",
    "currency",
)
#: Fewer replications than this get a warning: intervals wide, tests weak.
FEW_REPLICATIONS = 5
#: The cost outcome of the cost-effectiveness table.
COST = "cost"
#: Cost-effectiveness: per outcome, the gain it is counted in and its sign (+1 when the gain is policy minus
#: baseline, -1 when it is baseline minus policy).
COST_EFFECTIVENESS = (
    ("crossings_succeeded", "successful crossing prevented", -1),
    ("victims_rescued", "victim rescued", 1),
    ("exposure_death_risk", "expected death averted", -1),
)


@dataclass(frozen=True)
class Lever:
    """A kind of policy lever: the scenario keys that pull it (a policy's override of one of them, or of a key
    below one, pulls it) and what it needs to act, in words."""

    name: str
    keys: tuple[str, ...]
    needs: str


SHARING = Lever(
    "data sharing between agencies",
    ("agencies.sharing", "agencies.share_fraction", "agencies.sharing_latency_hours"),
    "records moving from one agency to another",
)
COOPERATION = Lever(
    "cross-border cooperation",
    (
        "agencies.cooperation",
        "agencies.treaty_delay_days",
        "agencies.joint_team_delay_days",
        "agencies.joint_team_cost_per_year",
    ),
    "an agency of each jurisdiction (national and foreign)",
)
#: The levers whose scope the report checks, with the rules of :func:`lever_scope`.
LEVERS = (SHARING, COOPERATION)
#: Share of the patrol roster at and above which one agency that also owns every sensor leaves sharing little to
#: act on: most records are already that agency's own.
DOMINANT_PATROL_SHARE = 0.75

EFFECT_COLUMNS = [
    "sweep_point",
    "policy",
    "outcome",
    "unit",
    "direction",
    "n",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "sd_diff",
    "p_value",
    "p_holm",
    "significance",
    "replications_needed",
]
RANKING_COLUMNS = [
    "sweep_point",
    "outcome",
    "direction",
    "rank",
    "policy",
    "mean",
    "ci_low",
    "ci_high",
    "ci_low_clipped",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "significance",
]
COST_EFFECTIVENESS_COLUMNS = [
    "sweep_point",
    "policy",
    "outcome",
    "gain",
    "n",
    "extra_cost",
    "extra_cost_ci_low",
    "extra_cost_ci_high",
    "gain_mean",
    "gain_ci_low",
    "gain_ci_high",
    "cost_per_unit",
    "cost_per_unit_ci_low",
    "cost_per_unit_ci_high",
    "estimable",
    "status",
]
SCOPE_COLUMNS = ["sweep_point", "policy", "lever", "keys", "acts", "reason"]
TOWER_COLUMNS = ["sweep_point", "policy", "tower", "x_km", "y_km", "coverage_gain_km"]


def non_negative(outcome: str) -> bool:
    """The outcome cannot be negative (its unit is one of :data:`NON_NEGATIVE_UNITS`)."""
    return OUTCOME_BY_NAME[outcome].unit in NON_NEGATIVE_UNITS


def shown_low(outcome: str, low: float) -> float:
    """The lower bound of an interval of an outcome's mean as displayed: clipped at 0 when it cannot be negative."""
    if math.isnan(low) or not non_negative(outcome):
        return low
    return max(0.0, low)


def significance(p_holm: float, ci_low: float, ci_high: float) -> str:
    """``holm`` (survives Holm's correction), ``nominal`` (only the 95% interval excludes zero) or ``none``."""
    if not math.isnan(p_holm) and p_holm < ALPHA:
        return "holm"
    if not (math.isnan(ci_low) or math.isnan(ci_high)) and (ci_low > 0 or ci_high < 0):
        return "nominal"
    return "none"


def _paired(runs: pd.DataFrame, point: int, policy: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The successful runs of the baseline and of ``policy`` at a sweep point, on their common replications."""
    ok = runs[(runs["status"] == "ok") & (runs["sweep_point"] == point)]
    base = ok[ok["policy"] == BASELINE].set_index("replication")
    mine = ok[ok["policy"] == policy].set_index("replication")
    common = mine.index.intersection(base.index).sort_values()
    return base.loc[common], mine.loc[common]


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def effects_table(runs: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Per sweep point, policy (not the baseline) and outcome of the statistics table: the paired change, its
    ``significance`` (:func:`significance`), the SD of the paired differences and, for a change not surviving
    Holm's correction, ``replications_needed`` (NaN otherwise, and where no difference or no noise was seen)."""
    if summary.empty:
        return _frame([], EFFECT_COLUMNS)
    rows = []
    for r in summary[summary["policy"] != BASELINE].itertuples():
        base, mine = _paired(runs, r.sweep_point, r.policy)
        sd = math.nan
        if r.outcome in mine.columns:
            sd = estimate((mine[r.outcome] - base[r.outcome]).to_numpy(dtype=float)).sd
        mark = significance(r.p_holm, r.diff_ci_low, r.diff_ci_high)
        needed = replications_for_power(r.diff, sd) if mark != "holm" else math.nan
        rows.append(
            {"sweep_point": int(r.sweep_point), "policy": r.policy, "outcome": r.outcome, "unit": r.unit}
            | {"direction": r.direction, "n": r.n, "diff": r.diff, "diff_ci_low": r.diff_ci_low}
            | {"diff_ci_high": r.diff_ci_high, "sd_diff": sd, "p_value": r.p_value, "p_holm": r.p_holm}
            | {"significance": mark, "replications_needed": needed}
        )
    return _frame(rows, EFFECT_COLUMNS)


def ranking_table(experiment: Experiment, summary: pd.DataFrame, effects: pd.DataFrame) -> pd.DataFrame:
    """Per sweep point and outcome with a better direction, in the experiment's order of outcomes: the policies
    (the baseline among them) from best (rank 1) to worst by their mean; equal means share a rank (in the
    experiment's order of policies). Each row has the mean with its 95% interval, ``ci_low_clipped`` (the lower
    bound as displayed, :func:`shown_low`), and the change against the baseline with its ``significance``
    (``reference`` for the baseline)."""
    if summary.empty:
        return _frame([], RANKING_COLUMNS)
    marks = effects.set_index(["sweep_point", "policy", "outcome"])["significance"] if len(effects) else None
    rows = []
    for point, table in summary.groupby("sweep_point", sort=True):
        for outcome in experiment.outcomes:
            direction = OUTCOME_BY_NAME[outcome].direction
            if direction is Direction.NEUTRAL:
                continue
            mine = table[table["outcome"] == outcome].dropna(subset=["mean"])
            if mine.empty:
                continue
            ranks = mine["mean"].rank(method="min", ascending=direction is Direction.LOWER_IS_BETTER)
            order = mine.assign(rank=ranks.astype(int)).sort_values("rank", kind="stable")
            for r in order.itertuples():
                mark = "reference"
                if r.policy != BASELINE:
                    mark = marks.get((int(point), r.policy, outcome), "none") if marks is not None else "none"
                rows.append(
                    {"sweep_point": int(point), "outcome": outcome, "direction": direction.value, "rank": r.rank}
                    | {"policy": r.policy, "mean": r.mean, "ci_low": r.ci_low, "ci_high": r.ci_high}
                    | {"ci_low_clipped": shown_low(outcome, r.ci_low), "diff": r.diff}
                    | {"diff_ci_low": r.diff_ci_low, "diff_ci_high": r.diff_ci_high, "significance": mark}
                )
    return _frame(rows, RANKING_COLUMNS)


def cost_effectiveness(experiment: Experiment, runs: pd.DataFrame) -> pd.DataFrame:
    """Per sweep point, policy (not the baseline) and gain of :data:`COST_EFFECTIVENESS` the runs measure: the
    extra cost (policy minus baseline, replication by replication) and the gain with their 95% t intervals, and
    ``cost_per_unit``, the ratio of their means with its 95% delta-method interval
    (:func:`sim.experiment.stats.ratio_estimate`). ``estimable`` is false when the gain's interval covers zero or
    cannot be computed (fewer than two replications): then no cost per unit can be told, whatever the ratio.
    ``status`` says how the row reads (:func:`_status`)."""
    if runs.empty or COST not in runs.columns:
        return _frame([], COST_EFFECTIVENESS_COLUMNS)
    rows = []
    for point in sorted(runs.loc[runs["status"] == "ok", "sweep_point"].unique()):
        for policy in experiment.policy_names:
            if policy == BASELINE:
                continue
            base, mine = _paired(runs, int(point), policy)
            if mine.empty:
                continue
            extra = (mine[COST] - base[COST]).to_numpy(dtype=float)
            cost = estimate(extra)
            for outcome, gain_name, sign in COST_EFFECTIVENESS:
                if outcome not in runs.columns:
                    continue
                gain = sign * (mine[outcome] - base[outcome]).to_numpy(dtype=float)
                change = estimate(gain)
                ratio = ratio_estimate(extra, gain)
                covers = not (change.ci_low > 0 or change.ci_high < 0)  # False also when the interval is NaN
                rows.append(
                    {"sweep_point": int(point), "policy": policy, "outcome": outcome, "gain": gain_name}
                    | {"n": change.n, "extra_cost": cost.mean, "extra_cost_ci_low": cost.ci_low}
                    | {"extra_cost_ci_high": cost.ci_high, "gain_mean": change.mean, "gain_ci_low": change.ci_low}
                    | {"gain_ci_high": change.ci_high, "cost_per_unit": ratio.ratio}
                    | {"cost_per_unit_ci_low": ratio.ci_low, "cost_per_unit_ci_high": ratio.ci_high}
                    | {"estimable": bool(not covers and not math.isnan(ratio.ratio))}
                )
                rows[-1]["status"] = _status(rows[-1])
    return _frame(rows, COST_EFFECTIVENESS_COLUMNS)


def _status(row: dict[str, Any]) -> str:
    """How a cost-effectiveness row reads: ``gain`` (the gain's interval lies above zero: a cost per unit
    gained), ``loss`` (it lies below zero: the policy does worse, and a cost per unit would read as a cost per
    unit lost), or ``not estimable``."""
    if not row["estimable"]:
        return "not estimable"
    return "gain" if row["gain_ci_low"] > 0 else "loss"


# ------------------------------------------------------------------------------------------------------ scope


def pulls(lever: Lever, key: str) -> bool:
    """An override of ``key`` pulls the lever: the key is one of the lever's keys, or lies below one."""
    return any(key == k or key.startswith(k + ".") or key.startswith(k + "[") for k in lever.keys)


def resolved_scenario(experiment: Experiment, point: int, policy: str) -> dict:
    """The scenario one (sweep point, policy) ran, as a nested dict: the scenario file with the baseline's,
    the sweep point's and the policy's overrides."""
    from sim.scenario import load_scenario, to_dict

    overrides = experiment.run_overrides(experiment.policy(policy), experiment.sweep_points()[point])
    return to_dict(load_scenario(experiment.scenario_path, overrides).spec)


def lever_scope(lever: Lever, scenario: dict) -> tuple[str, str] | None:
    """Whether a lever can act in a scenario (a nested dict, as :func:`sim.scenario.to_dict` gives), by simple
    rules on its agencies (``[[agencies.members]]``), their jurisdictions, patrol shares and the owners of its
    sensors:

    - data sharing cannot act with a single agency: there is no other agency to share with;
    - data sharing has little to act on when one agency owns every sensor (the listed sensors, and the extra
      towers when any are sited) and at least :data:`DOMINANT_PATROL_SHARE` of the patrol roster (patrol shares
      over their sum): most records are then that agency's own already;
    - cross-border cooperation cannot act without an agency of each jurisdiction, national and foreign.

    Returns:
        ``("no" or "little", the reason in words with the scenario's figures)``, or None when the lever can act.
    """
    members = (scenario.get("agencies") or {}).get("members") or []
    names = [m["name"] for m in members]
    if lever is COOPERATION:
        jurisdictions = {m.get("jurisdiction", "national") for m in members}
        if not {"national", "foreign"} <= jurisdictions:
            have = ", ".join(sorted(jurisdictions)) or "none"
            return "no", (
                f"no foreign partner agency: the scenario's agencies ({', '.join(names)}) are of one jurisdiction "
                f"({have}), so no record or case crosses the border whatever the cooperation"
            )
        return None
    if len(members) < 2:
        return "no", f"a single agency ({', '.join(names) or 'none'}): there is no other agency to share with"
    surveillance = scenario.get("surveillance") or {}
    owners = {s.get("agency") for s in surveillance.get("sensors") or []}
    towers = surveillance.get("extra_towers") or {}
    if towers.get("count", 0):
        owners.add(towers.get("agency"))
    total = sum(float(m.get("patrol_share", 0.0)) for m in members)
    if len(owners) != 1 or total <= 0:
        return None
    (owner,) = owners
    share = sum(float(m.get("patrol_share", 0.0)) for m in members if m["name"] == owner) / total
    if share >= DOMINANT_PATROL_SHARE:
        return "little", (
            f"one agency, {owner}, owns every sensor and {share:.0%} of the patrol roster, so most records are "
            "its own already: sharing can only move the few the other agencies make"
        )
    return None


def scope_table(experiment: Experiment) -> pd.DataFrame:
    """Per sweep point, policy (not the baseline) and lever of :data:`LEVERS` the policy's own overrides pull,
    where :func:`lever_scope` finds that the lever cannot act (``acts`` = ``no``) or has little to act on
    (``little``) in the scenario that policy runs at that point: the ``keys`` it overrides and the ``reason``."""
    rows = []
    for point in range(len(experiment.sweep_points())):
        for policy in experiment.policies:
            if policy.name == BASELINE:
                continue
            for lever in LEVERS:
                keys = [k for k in policy.own_overrides if pulls(lever, k)]
                if not keys:
                    continue
                found = lever_scope(lever, resolved_scenario(experiment, point, policy.name))
                if found is None:
                    continue
                rows.append({"sweep_point": point, "policy": policy.name, "lever": lever.name})
                rows[-1].update(keys=", ".join(keys), acts=found[0], reason=found[1])
    return _frame(rows, SCOPE_COLUMNS)


def towers_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per sweep point and policy, the extra towers its first successful run sited: rank (1 first chosen), site and
    coverage gain (NaN for runs recorded before gains were)."""
    import json

    rows: list[dict[str, Any]] = []
    if runs.empty or "extra_tower_sites_km" not in runs.columns:
        return _frame(rows, TOWER_COLUMNS)
    ok = runs[runs["status"] == "ok"]
    for (point, policy), group in ok.groupby(["sweep_point", "policy"], sort=False):
        first = group.sort_values("replication").iloc[0]
        sites = json.loads(first["extra_tower_sites_km"] or "[]")
        raw_gains = first.get("extra_tower_gains_km")
        gains = json.loads(raw_gains) if isinstance(raw_gains, str) and raw_gains else [math.nan] * len(sites)
        for rank, ((x, y), gain) in enumerate(zip(sites, gains, strict=False), start=1):
            rows.append(
                {"sweep_point": int(point), "policy": policy, "tower": rank, "x_km": x, "y_km": y}
                | {"coverage_gain_km": gain}
            )
    return _frame(rows, TOWER_COLUMNS)


def few_replications(experiment: Experiment) -> bool:
    """Fewer than :data:`FEW_REPLICATIONS` replications: the report warns."""
    return experiment.replications < FEW_REPLICATIONS
