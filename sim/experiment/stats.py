"""Statistics of an experiment: estimates with confidence intervals and paired comparisons.

For every policy (and sweep point) and outcome: the mean over replications, the standard
deviation and a 95% confidence interval from Student's t distribution. Against the baseline:
the mean of the per-replication differences (policy minus baseline, same seed: common random
numbers make these differences much less noisy than two independent samples), its 95% t
interval and a paired t-test (``scipy.stats.ttest_rel``). The p-values of all (policy, outcome)
comparisons of an experiment are adjusted together with Holm's step-down method (Holm 1979), which
controls the family-wise error rate without assuming independence. Whether a significant
difference is *better* or *worse* follows the outcome's direction in :data:`sim.metrics.OUTCOMES`.
How much the pairing bought is measured too: the SD of the paired differences over the SD the
difference of two independent runs would have (:func:`pairing_sd_ratio`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from sim.metrics import OUTCOME_BY_NAME, Direction

#: Confidence level of intervals and significance level of the (Holm-adjusted) tests.
CONFIDENCE = 0.95
ALPHA = 1 - CONFIDENCE


@dataclass(frozen=True)
class Estimate:
    """Mean of a sample with its standard deviation and a t confidence interval (NaN when n < 2)."""

    n: int
    mean: float
    sd: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class PairedComparison:
    """Paired differences (policy minus baseline) with a t interval and a paired t-test."""

    n: int
    mean_diff: float
    sd_diff: float
    ci_low: float
    ci_high: float
    t: float
    p_value: float


def estimate(values: np.ndarray | list[float], confidence: float = CONFIDENCE) -> Estimate:
    """Mean, sample standard deviation (ddof 1) and the t confidence interval of the mean."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return Estimate(0, math.nan, math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if n < 2:
        return Estimate(n, mean, math.nan, math.nan, math.nan)
    sd = float(x.std(ddof=1))
    half = float(sps.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return Estimate(n, mean, sd, mean - half, mean + half)


def paired_comparison(policy: np.ndarray | list[float], baseline: np.ndarray | list[float]) -> PairedComparison:
    """Compare paired samples (same replication, same seed) with a paired t-test.

    When every difference is the same the t statistic is undefined (zero variance); then the
    p-value is 1 if the differences are all zero (no evidence of any effect) and 0 otherwise (the
    policy changed the outcome by exactly the same amount in every replication).

    Args:
        policy: the policy's values, replication by replication.
        baseline: the baseline's values in the same replications.
    """
    a, b = _pairs(policy, baseline)
    diff = estimate(a - b)
    if diff.n < 2:
        return PairedComparison(diff.n, diff.mean, diff.sd, diff.ci_low, diff.ci_high, math.nan, math.nan)
    if diff.sd == 0 or np.all(a - b == (a - b)[0]):
        if diff.mean == 0:
            return PairedComparison(diff.n, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0)
        return PairedComparison(diff.n, diff.mean, 0.0, diff.mean, diff.mean, math.copysign(math.inf, diff.mean), 0.0)
    test = sps.ttest_rel(a, b)
    t, p = float(test.statistic), float(test.pvalue)
    return PairedComparison(diff.n, diff.mean, diff.sd, diff.ci_low, diff.ci_high, t, p)


def _pairs(a: np.ndarray | list[float], b: np.ndarray | list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Two paired samples as float arrays, without the pairs where either value is missing (NaN)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    return x[keep], y[keep]


def pairing_sd_ratio(policy: np.ndarray | list[float], baseline: np.ndarray | list[float]) -> float:
    """How much pairing (common random numbers) reduced the noise of a comparison.

    The standard deviation of the paired differences (policy minus baseline, replication by replication) over
    the standard deviation of the difference of two independent runs, ``sqrt(var(policy) + var(baseline))``,
    both over the same pairs (sample variances, ddof 1). Below 1 the pairing made the comparison less noisy:
    a ratio r means a paired comparison needs about r² times the replications of an unpaired one for the same
    precision. 0 when the differences are all equal, about 1 when the two samples are independent, up to
    about 1.4 when they move against each other; NaN with fewer than two pairs or when neither sample varies.
    """
    a, b = _pairs(policy, baseline)
    if a.size < 2:
        return math.nan
    unpaired = math.sqrt(float(a.var(ddof=1) + b.var(ddof=1)))
    if unpaired == 0:
        return math.nan
    return float((a - b).std(ddof=1)) / unpaired


def holm(p_values: np.ndarray | list[float]) -> np.ndarray:
    """Holm step-down adjusted p-values; NaN entries stay NaN and do not count in the family.

    The i-th smallest of m p-values is multiplied by (m - i + 1), then a running maximum keeps
    the adjusted values in the same order as the raw ones, capped at 1.
    """
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = valid.size
    if m == 0:
        return adjusted
    order = valid[np.argsort(p[valid], kind="stable")]
    scaled = p[order] * (m - np.arange(m))
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return adjusted


def verdict(outcome: str, mean_diff: float, p_adjusted: float) -> str:
    """The reading of a comparison with the baseline.

    Returns:
        ``better`` or ``worse`` (``higher``/``lower`` for neutral outcomes) when the adjusted p-value
        is below :data:`ALPHA`, else ``no clear difference``.
    """
    if math.isnan(p_adjusted) or p_adjusted >= ALPHA or mean_diff == 0:
        return "no clear difference"
    direction = OUTCOME_BY_NAME[outcome].direction
    if direction is Direction.NEUTRAL:
        return "higher" if mean_diff > 0 else "lower"
    higher_better = direction is Direction.HIGHER_IS_BETTER
    return "better" if (mean_diff > 0) == higher_better else "worse"


def summarise(runs: pd.DataFrame, policies: list[str], outcomes: list[str], baseline: str = "baseline") -> pd.DataFrame:
    """One row per (sweep point, policy, outcome) with estimates and comparison with the baseline.

    Args:
        runs: the runs table (``runs.parquet``); only runs with status ``ok`` count.
        policies: policy names in report order, the baseline first.
        outcomes: outcome names to summarise.
        baseline: name of the reference policy.

    Returns:
        Columns: sweep_point, (sweep:<key>...), policy, outcome, unit, direction, n, n_failed, mean, sd,
        ci_low, ci_high, diff, diff_ci_low, diff_ci_high, t, p_value, pairing_sd_ratio (:func:`pairing_sd_ratio`,
        NaN for the baseline), p_holm, verdict.
    """
    sweep_columns = [c for c in runs.columns if c.startswith("sweep:")]
    ok = runs[runs["status"] == "ok"]
    rows = []
    for point, at_point in runs.groupby("sweep_point", sort=True):
        sweep_values = at_point.iloc[0][sweep_columns].to_dict() if sweep_columns else {}
        ok_point = ok[ok["sweep_point"] == point]
        base = ok_point[ok_point["policy"] == baseline].set_index("replication")
        for policy in policies:
            mine = ok_point[ok_point["policy"] == policy].set_index("replication")
            failed = int(((at_point["policy"] == policy) & (at_point["status"] != "ok")).sum())
            for outcome in outcomes:
                rows.append(
                    _summary_row(
                        point,
                        sweep_values=sweep_values,
                        policy=policy,
                        outcome=outcome,
                        mine=mine,
                        base=base,
                        failed=failed,
                        baseline=baseline,
                    )
                )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["p_holm"] = holm(table["p_value"].to_numpy())
    table["verdict"] = [
        "reference" if r.policy == baseline else verdict(r.outcome, r.diff, r.p_holm) for r in table.itertuples()
    ]
    return table


def _summary_row(
    point: int,
    *,
    sweep_values: dict,
    policy: str,
    outcome: str,
    mine: pd.DataFrame,
    base: pd.DataFrame,
    failed: int,
    baseline: str,
) -> dict:
    meta = OUTCOME_BY_NAME[outcome]
    est = estimate(mine[outcome].to_numpy() if outcome in mine else [])
    row = {"sweep_point": int(point), **sweep_values, "policy": policy, "outcome": outcome, "unit": meta.unit}
    row.update(direction=meta.direction.value, n=est.n, n_failed=failed, mean=est.mean, sd=est.sd)
    row.update(ci_low=est.ci_low, ci_high=est.ci_high)
    if policy == baseline or outcome not in mine:
        row.update(diff=math.nan, diff_ci_low=math.nan, diff_ci_high=math.nan, t=math.nan, p_value=math.nan)
        row.update(pairing_sd_ratio=math.nan)
        return row
    common = mine.index.intersection(base.index)
    a, b = mine.loc[common, outcome].to_numpy(), base.loc[common, outcome].to_numpy()
    cmp = paired_comparison(a, b)
    row.update(diff=cmp.mean_diff, diff_ci_low=cmp.ci_low, diff_ci_high=cmp.ci_high, t=cmp.t, p_value=cmp.p_value)
    row.update(pairing_sd_ratio=pairing_sd_ratio(a, b))
    return row


@dataclass(frozen=True)
class RatioEstimate:
    """A ratio of two paired means, ``mean(numerator) / mean(denominator)`` times a scale, with a delta-method
    t interval (NaN when undefined: fewer than two pairs, or a denominator whose mean is zero)."""

    n: int
    ratio: float
    ci_low: float
    ci_high: float


def ratio_estimate(
    numerator: np.ndarray | list[float], denominator: np.ndarray | list[float], scale: float = 1.0
) -> RatioEstimate:
    """Estimate ``scale x E[numerator] / E[denominator]`` from paired samples, with a 95% confidence interval.

    The ratio of means (not the mean of ratios, which single replications with small denominators would
    dominate). Its standard error is the delta method's, ``sd(numerator - R x denominator) / (sqrt(n) x
    |mean(denominator)|)`` (Cochran 1977, the ratio estimator), and the interval uses Student's t with
    n - 1 degrees of freedom, like :func:`estimate`.
    """
    a, b = _pairs(numerator, denominator)
    n = int(a.size)
    if n == 0 or b.mean() == 0:
        return RatioEstimate(n, math.nan, math.nan, math.nan)
    ratio = float(a.mean() / b.mean())
    if n < 2:
        return RatioEstimate(n, scale * ratio, math.nan, math.nan)
    se = float(np.std(a - ratio * b, ddof=1)) / (math.sqrt(n) * abs(float(b.mean())))
    half = float(sps.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * se
    return RatioEstimate(n, scale * ratio, scale * (ratio - half), scale * (ratio + half))


#: Power a replications-needed figure aims at (:func:`replications_for_power`).
POWER = 0.8
#: How :func:`replications_for_power` computes, in words for the report.
POWER_METHOD = (
    "two-sided paired t-test at alpha 0.05 with 80% power, from Student's noncentral t distribution "
    "(scipy.stats.nct); the effect is the observed mean difference and the noise the observed SD of the paired "
    "differences"
)


def paired_power(n: int, effect: float, alpha: float = ALPHA) -> float:
    """Power of a two-sided paired t-test with ``n`` pairs to detect a standardised effect ``effect``
    (mean difference over the SD of the differences): ``P(|T| > t_crit)`` with ``T`` noncentral t of
    ``n - 1`` degrees of freedom and noncentrality ``effect x sqrt(n)``. NaN below two pairs."""
    if n < 2:
        return math.nan
    df, nc = n - 1, abs(effect) * math.sqrt(n)
    crit = float(sps.t.ppf(1 - alpha / 2, df))
    return float(sps.nct.sf(crit, df, nc) + sps.nct.cdf(-crit, df, nc))


def replications_for_power(
    mean_diff: float, sd_diff: float, power: float = POWER, alpha: float = ALPHA, exact_up_to: int = 100_000
) -> float:
    """The fewest paired replications with which a two-sided paired t-test at ``alpha`` detects a mean difference
    ``mean_diff`` with probability ``power``, when the paired differences have the SD ``sd_diff``
    (:func:`paired_power`, Student's noncentral t; :data:`POWER_METHOD`).

    The search starts below the normal approximation ``((z_(1-alpha/2) + z_power) / d)²`` (``d = |mean_diff| /
    sd_diff``), which the t-test needs a little more than; beyond ``exact_up_to`` that approximation is returned
    rounded up (the two agree there). NaN when undefined: no difference, or an SD that is zero or missing.
    """
    if any(math.isnan(v) for v in (mean_diff, sd_diff)) or mean_diff == 0 or sd_diff <= 0:
        return math.nan
    d = abs(mean_diff) / sd_diff
    normal = ((float(sps.norm.ppf(1 - alpha / 2)) + float(sps.norm.ppf(power))) / d) ** 2
    if normal > exact_up_to:
        return float(math.ceil(normal))
    n = max(2, math.floor(normal))
    while paired_power(n, d, alpha) < power:
        n += 1
    return float(n)
