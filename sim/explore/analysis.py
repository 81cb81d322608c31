"""The analysis of an exploration: sensitivity indices, their convergence, policy robustness, scenario discovery.

Everything starts from the outcome of each design point under each policy, averaged over the replications
(:func:`point_outcomes`). Then:

- :func:`sensitivity_indices`: per policy and outcome (and per policy's effect against the baseline on the
  same points and seeds), Morris' mu*, mu, sigma and mu*'s bootstrap confidence interval
  (``SALib.analyze.morris``), or Sobol's first-order and total indices with bootstrap intervals
  (``SALib.analyze.sobol``), ranked by mu* or the total index. Never computed by hand.
- :func:`convergence`: the same indices from the first half of the trajectories (Morris) or base samples
  (Sobol) beside those from all of them, and whether the top-ranked parameters agree.
- :func:`robustness`: per non-baseline policy and outcome with a better direction (:mod:`sim.metrics`), the share
  of points where the policy helps (its effect against the baseline on the same point and seeds goes the
  better way), and its regret against the best policy of each point.
- :func:`sign_drivers`: which parameters decide the sign of a policy's effect: Spearman's rank correlation of
  each parameter with the effect signed so that positive helps (any design, monotone not only linear effects,
  with a p-value), beside the parameter's mean where the policy helps and where it does not.
- :func:`discover`: PRIM (``ema_workbench.analysis.prim``) on the points where the exploration's condition
  holds: boxes of parameters with their coverage, density, mass and limits, and the peeling trajectory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiment.spec import BASELINE
from sim.explore.design import SAMPLE, Design
from sim.explore.spec import Condition, Discovery, Exploration
from sim.metrics import OUTCOME_BY_NAME

#: Bootstrap resamples of the confidence intervals.
RESAMPLES = 200
#: Parameters compared between the half design and the whole in the convergence check.
TOP = 3


def effect_name(policy: str) -> str:
    """The name of a policy's effect (policy minus baseline, point by point) in the indices tables."""
    return f"{policy} - {BASELINE}"


def point_outcomes(runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Each outcome per policy and point, the mean over the replications that succeeded (NaN if none did).

    Returns:
        Columns ``policy``, ``sample`` and one per outcome, one row per policy and point.
    """
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby(["policy", "sweep_point"], sort=False)[outcomes].mean().reset_index()
    means = means.rename(columns={"sweep_point": SAMPLE})
    keys = runs[["policy", "sweep_point"]].drop_duplicates().rename(columns={"sweep_point": SAMPLE})
    return keys.merge(means, on=["policy", SAMPLE], how="left").sort_values(["policy", SAMPLE], kind="stable")


def subjects(exploration: Exploration, points: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """What the indices are computed for: each policy's outcomes, and each non-baseline policy's effect (its
    outcomes minus the baseline's on the same point), each a frame indexed by point, a column per outcome."""
    outcomes = list(exploration.experiment.outcomes)
    by_policy = {p: t.set_index(SAMPLE)[outcomes].sort_index() for p, t in points.groupby("policy", sort=False)}
    out = {p: by_policy[p] for p in exploration.experiment.policy_names if p in by_policy}
    base = by_policy.get(BASELINE)
    for policy in exploration.experiment.policy_names[1:]:
        if policy in by_policy and base is not None:
            out[effect_name(policy)] = by_policy[policy] - base
    return out


def indices(
    method: str, design: Design, y: np.ndarray, *, levels: int = 4, seed: int = 0, rows: int | None = None
) -> pd.DataFrame:
    """Sensitivity indices of one output over the design (its first ``rows`` points if given), one row a parameter.

    Morris: ``mu_star``, ``mu_star_conf`` (half-width of the 95% bootstrap interval), ``mu``, ``sigma``; Sobol:
    ``S1``, ``S1_conf``, ``ST``, ``ST_conf``. ``importance`` (mu* or ST) ranks them (``rank`` 1 = most).
    """
    n = len(y) if rows is None else rows
    x, y = design.raw[:n], np.asarray(y[:n], dtype=float)
    names = design.problem["names"]
    if method == "morris":
        from SALib.analyze import morris

        found = morris.analyze(design.problem, x, y, num_resamples=RESAMPLES, num_levels=levels, seed=seed)
        table = pd.DataFrame(
            {
                "parameter": names,
                "mu_star": found["mu_star"],
                "mu_star_conf": found["mu_star_conf"],
                "mu": found["mu"],
                "sigma": found["sigma"],
            }
        )
        table["importance"] = table["mu_star"]
    elif method == "sobol":
        from SALib.analyze import sobol

        if np.nanstd(y) == 0:  # no variance to share out: every index is zero
            zeros = np.zeros(len(names))
            found = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
        else:
            found = sobol.analyze(design.problem, y, calc_second_order=False, num_resamples=RESAMPLES, seed=seed)
        table = pd.DataFrame(
            {
                "parameter": names,
                "S1": found["S1"],
                "S1_conf": found["S1_conf"],
                "ST": found["ST"],
                "ST_conf": found["ST_conf"],
            }
        )
        table["importance"] = table["ST"]
    else:
        raise ValueError(f"no indices for method {method!r}")
    table["rank"] = table["importance"].rank(ascending=False, method="min").astype(int)
    return table


def half_rows(exploration: Exploration) -> int:
    """Rows of the design in its first half: the first half of the trajectories or base samples."""
    k = len(exploration.uncertainties)
    per = k + 1 if exploration.method == "morris" else k + 2
    return (exploration.size // 2) * per


@dataclass
class Indices:
    """The sensitivity tables: ``indices`` (every subject, outcome and parameter), ``convergence`` (the indices
    from half the design beside all) and ``agreement`` (per subject and outcome, the top parameters of each),
    ``missing`` (subjects and outcomes without indices, and why)."""

    indices: pd.DataFrame
    convergence: pd.DataFrame
    agreement: pd.DataFrame
    missing: pd.DataFrame


def sensitivity_indices(exploration: Exploration, design: Design, points: pd.DataFrame) -> Indices:
    """Indices of every outcome of interest, per policy and per policy's effect, with the convergence check."""
    frames, halves, agreement, missing = [], [], [], []
    half = half_rows(exploration)
    kwargs = {"levels": exploration.levels, "seed": exploration.sample_seed}
    for subject, table in subjects(exploration, points).items():
        for outcome in exploration.experiment.outcomes:
            y = table[outcome].reindex(range(len(design.samples))).to_numpy(dtype=float)
            if np.isnan(y).any():
                count = int(np.isnan(y).sum())
                missing.append({"subject": subject, "outcome": outcome, "points_without_value": count})
                continue
            whole = indices(exploration.method, design, y, **kwargs)
            part = indices(exploration.method, design, y, rows=half, **kwargs)
            frames.append(whole.assign(subject=subject, outcome=outcome))
            both = whole[["parameter", "importance", "rank"]].merge(
                part[["parameter", "importance", "rank"]], on="parameter", suffixes=("_all", "_half")
            )
            halves.append(both.assign(subject=subject, outcome=outcome))
            agreement.append({"subject": subject, "outcome": outcome, **_agreement(both)})
    lead = ["subject", "outcome", "parameter"]
    return Indices(
        indices=_lead(pd.concat(frames, ignore_index=True), lead) if frames else pd.DataFrame(columns=lead),
        convergence=_lead(pd.concat(halves, ignore_index=True), lead) if halves else pd.DataFrame(columns=lead),
        agreement=pd.DataFrame(agreement, columns=["subject", "outcome", "top_all", "top_half", "agree", "rank_rho"]),
        missing=pd.DataFrame(missing, columns=["subject", "outcome", "points_without_value"]),
    )


def _lead(table: pd.DataFrame, lead: list[str]) -> pd.DataFrame:
    return table[lead + [c for c in table.columns if c not in lead]]


def _agreement(both: pd.DataFrame) -> dict:
    """The top parameters by all of the design and by its first half, whether they are the same set, and the
    Spearman correlation of the two rankings over every parameter."""
    from scipy.stats import spearmanr

    top = min(TOP, len(both))
    top_all = both.nsmallest(top, "rank_all", keep="first")["parameter"].tolist()
    top_half = both.nsmallest(top, "rank_half", keep="first")["parameter"].tolist()
    if both["importance_all"].nunique() > 1 and both["importance_half"].nunique() > 1:
        rho = float(spearmanr(both["importance_all"], both["importance_half"]).statistic)
    else:
        rho = float("nan")
    return {
        "top_all": "; ".join(top_all),
        "top_half": "; ".join(top_half),
        "agree": set(top_all) == set(top_half),
        "rank_rho": rho,
    }


def _better_sign(outcome: str) -> int:
    """+1 if higher is better, -1 if lower is, 0 if neither (:mod:`sim.metrics`)."""
    better = OUTCOME_BY_NAME[outcome].higher_is_better
    return 0 if better is None else (1 if better else -1)


def robustness(exploration: Exploration, points: pd.DataFrame) -> pd.DataFrame:
    """Per non-baseline policy and outcome of interest: the share of points where it helps (or, for an outcome
    with no better direction, where it raises the outcome), the mean effect, and the regret against the best
    policy (baseline included) of each point: its mean, 90th percentile and maximum, and the share of points
    where the policy is the best."""
    policies = exploration.experiment.policy_names
    wide = {p: t.set_index(SAMPLE).sort_index() for p, t in points.groupby("policy", sort=False)}
    rows = []
    for outcome in exploration.experiment.outcomes:
        sign = _better_sign(outcome)
        values = pd.DataFrame({p: wide[p][outcome] for p in policies if p in wide}).dropna()
        if BASELINE not in values:
            continue
        scored = values * sign if sign else values
        best = scored.max(axis=1)
        for policy in policies[1:]:
            if policy not in values:
                continue
            effect = values[policy] - values[BASELINE]
            row = {
                "policy": policy,
                "outcome": outcome,
                "direction": OUTCOME_BY_NAME[outcome].direction.value,
                "points": len(values),
                "mean_effect": float(effect.mean()) if len(values) else float("nan"),
                "share_raises": float((effect > 0).mean()) if len(values) else float("nan"),
            }
            if sign:
                regret = best - scored[policy]
                row.update(
                    share_helps=float((effect * sign > 0).mean()),
                    mean_regret=float(regret.mean()),
                    p90_regret=float(regret.quantile(0.9)),
                    max_regret=float(regret.max()),
                    share_best=float((regret == 0).mean()),
                )
            rows.append(row)
    columns = [
        "policy",
        "outcome",
        "direction",
        "points",
        "share_helps",
        "share_raises",
        "mean_effect",
        "mean_regret",
        "p90_regret",
        "max_regret",
        "share_best",
    ]
    return pd.DataFrame(rows).reindex(columns=columns)


def sign_drivers(exploration: Exploration, design: Design, points: pd.DataFrame) -> pd.DataFrame:
    """Per non-baseline policy, outcome and parameter: Spearman's rho of the parameter with the policy's effect
    signed so that positive helps (raises, for an outcome with no better direction), its p-value and rank by
    ``|rho|``, and the parameter's mean over the points where the policy helps and where it does not."""
    from scipy.stats import spearmanr

    samples = design.samples.set_index(SAMPLE)
    wide = {p: t.set_index(SAMPLE).sort_index() for p, t in points.groupby("policy", sort=False)}
    rows = []
    for policy in exploration.experiment.policy_names[1:]:
        if policy not in wide or BASELINE not in wide:
            continue
        for outcome in exploration.experiment.outcomes:
            sign = _better_sign(outcome) or 1
            effect = ((wide[policy][outcome] - wide[BASELINE][outcome]) * sign).dropna()
            helps = effect > 0
            for key in exploration.keys:
                x = samples.loc[effect.index, key]
                if effect.nunique() > 1 and x.nunique() > 1:
                    found = spearmanr(x, effect)
                    rho, p = float(found.statistic), float(found.pvalue)
                else:
                    rho, p = float("nan"), float("nan")
                rows.append(
                    {
                        "policy": policy,
                        "outcome": outcome,
                        "parameter": key,
                        "rho": rho,
                        "p_value": p,
                        "mean_where_helps": float(x[helps].mean()) if helps.any() else float("nan"),
                        "mean_where_not": float(x[~helps].mean()) if (~helps).any() else float("nan"),
                    }
                )
    table = pd.DataFrame(
        rows, columns=["policy", "outcome", "parameter", "rho", "p_value", "mean_where_helps", "mean_where_not"]
    )
    if not table.empty:
        strength = table["rho"].abs().fillna(-1)
        table["rank"] = strength.groupby([table["policy"], table["outcome"]]).rank(ascending=False, method="min")
        table["rank"] = table["rank"].astype(int)
    return table


def condition_holds(condition: Condition, points: pd.DataFrame) -> pd.Series:
    """Per point, whether the condition holds (False where its outcome has no value), indexed by point."""
    wide = {p: t.set_index(SAMPLE).sort_index()[condition.outcome] for p, t in points.groupby("policy", sort=False)}
    if condition.kind == "effect":
        value = wide[condition.policy] - wide[BASELINE]
        return (value * condition.sign > 0).fillna(False).astype(bool)
    value = wide[condition.policy]
    holds = value > condition.number if condition.sign > 0 else value < condition.number
    return holds.fillna(False).astype(bool)


@dataclass
class Boxes:
    """What PRIM found: ``boxes`` (one row a box: coverage, density, mass, restricted parameters, the trajectory
    step chosen), ``limits`` (per box and restricted parameter: the box's low and high beside the range),
    ``trajectory`` (per box, every step of its peeling and pasting), ``cases`` and ``points`` (the points where
    the condition holds, and all)."""

    boxes: pd.DataFrame
    limits: pd.DataFrame
    trajectory: pd.DataFrame
    cases: int
    points: int


#: Boxes PRIM looks for, at most, one after another on the points the earlier boxes leave.
MAX_BOXES = 3


def discover(discovery: Discovery, x: pd.DataFrame, holds: np.ndarray, ranges: dict[str, tuple[float, float]]) -> Boxes:
    """PRIM boxes of ``x`` (one column a parameter) where ``holds``.

    Each box is the step of its peeling trajectory with the highest coverage among those with a density of at
    least ``discovery.threshold``, the densest of those if several cover as much (the densest step if none reaches
    it); PRIM looks for another box on the points outside the boxes found, and reports it if it still reaches the
    threshold, up to :data:`MAX_BOXES`. A restriction the sample does not support (quasi p-value above
    :data:`SIGNIFICANCE`) is released, weakest first, and the released box reported.
    """
    holds = np.asarray(holds, dtype=bool)
    empty = Boxes(
        pd.DataFrame(columns=["box", "step", "coverage", "density", "mass", "points", "restricted"]),
        pd.DataFrame(columns=["box", "parameter", "low", "high", "range_low", "range_high", "quasi_p"]),
        pd.DataFrame(columns=["box", "step", "coverage", "density", "mass", "res_dim"]),
        int(holds.sum()),
        len(holds),
    )
    if holds.all() or not holds.any():
        return empty
    from ema_workbench.analysis import prim

    # Every column as real numbers: EMA Workbench's pasting writes real limits into a whole-number column's box.
    data = x.reset_index(drop=True).astype(float)
    finder = prim.Prim(data, holds.astype(int), mass_min=discovery.mass_min)
    boxes, limits, trajectories = [], [], []
    for number in range(1, MAX_BOXES + 1):
        box = finder.find_box()
        if box is None:
            break
        steps = box.peeling_trajectory
        dense = steps[steps["density"] >= discovery.threshold]
        if dense.empty:
            step = int(steps["density"].idxmax())
        else:  # the widest dense step; of equally wide ones, the densest
            step = int(dense.sort_values(["coverage", "density"], kind="stable").index[-1])
        chosen = steps.loc[step]
        if number > 1 and chosen["density"] < discovery.threshold:
            break  # what the earlier boxes leave holds no dense box
        box.select(step)
        step = _drop_insignificant(box, list(x.columns))
        steps = box.peeling_trajectory
        chosen = steps.loc[step]
        trajectories.append(
            steps[["coverage", "density", "mass", "res_dim"]].assign(box=number, step=range(len(steps)))
        )
        restricted = [c for c in x.columns if _restricted(box.box_lims[step][c], box.box_lims[0][c])]
        p_values = box.p_values[step] if step < len(box.p_values) else {}
        boxes.append(
            {
                "box": number,
                "step": step,
                "coverage": float(chosen["coverage"]),
                "density": float(chosen["density"]),
                "mass": float(chosen["mass"]),
                "points": int(chosen["n"]),
                "restricted": "; ".join(restricted),
            }
        )
        for key in restricted:
            low, high = box.box_lims[step][key]
            limits.append(
                {
                    "box": number,
                    "parameter": key,
                    "low": float(low),
                    "high": float(high),
                    "range_low": ranges[key][0],
                    "range_high": ranges[key][1],
                    "quasi_p": _quasi_p(p_values, key),
                }
            )
        if chosen["density"] < discovery.threshold:
            break
    lead = ["box", "step"]
    trajectory = pd.concat(trajectories, ignore_index=True) if trajectories else empty.trajectory
    return Boxes(
        pd.DataFrame(boxes, columns=empty.boxes.columns),
        pd.DataFrame(limits, columns=empty.limits.columns),
        trajectory[lead + [c for c in trajectory.columns if c not in lead]],
        int(holds.sum()),
        len(holds),
    )


#: A box's restriction whose quasi p-value is above this is dropped: the sample does not support it.
SIGNIFICANCE = 0.05


def _drop_insignificant(box, columns: list[str]) -> int:
    """Release, one at a time, the box's restriction with the highest quasi p-value while it is above
    :data:`SIGNIFICANCE` (EMA Workbench's ``drop_restriction`` adds the released box to the trajectory and
    selects it); return the step finally selected."""
    while True:
        step = len(box.peeling_trajectory) - 1 if box._cur_box == -1 else box._cur_box
        restricted = [c for c in columns if _restricted(box.box_lims[step][c], box.box_lims[0][c])]
        p_values = box.p_values[step] if step < len(box.p_values) else {}
        weakest = max(restricted, key=lambda c: np.nan_to_num(_quasi_p(p_values, c), nan=1.0), default=None)
        if weakest is None or np.nan_to_num(_quasi_p(p_values, weakest), nan=1.0) <= SIGNIFICANCE:
            return step
        box.drop_restriction(weakest)


def _restricted(limits: pd.Series, initial: pd.Series) -> bool:
    return bool(limits.iloc[0] > initial.iloc[0] or limits.iloc[1] < initial.iloc[1])


def _quasi_p(p_values, key: str) -> float:
    """PRIM's quasi p-value of a restriction (the chance the box's density there is a fluke), if it gave one."""
    try:
        value = p_values[key]
    except (KeyError, IndexError, TypeError):
        return float("nan")
    values = [v for v in np.atleast_1d(value) if v is not None and np.isfinite(v) and v >= 0]  # -1: none given
    return float(min(values)) if values else float("nan")
