"""Statistics against cases computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.experiment.stats import estimate, holm, paired_comparison, pairing_sd_ratio, summarise, verdict


def test_estimate_mean_sd_and_t_interval():
    est = estimate([1, 2, 3, 4, 5])
    # mean 3; sd = sqrt(10 / 4); t(0.975, 4) = 2.776445; half width = 2.776445 * sd / sqrt(5) = 1.963243
    assert est.n == 5
    assert est.mean == pytest.approx(3.0)
    assert est.sd == pytest.approx(math.sqrt(2.5))
    assert est.ci_low == pytest.approx(3 - 1.963243, abs=1e-6)
    assert est.ci_high == pytest.approx(3 + 1.963243, abs=1e-6)


def test_estimate_ignores_nan_and_has_no_interval_for_one_value():
    est = estimate([4.0, math.nan])
    assert est.n == 1 and est.mean == 4.0
    assert math.isnan(est.sd) and math.isnan(est.ci_low)
    assert estimate([]).n == 0


def test_paired_t_test_by_hand():
    # differences 2, 3, 2, 3: mean 2.5, sd = sqrt(1/3), se = sd / 2, t = 2.5 / se = 5 sqrt(3) = 8.660254
    cmp = paired_comparison([3, 5, 4, 6], [1, 2, 2, 3])
    assert cmp.n == 4
    assert cmp.mean_diff == pytest.approx(2.5)
    assert cmp.sd_diff == pytest.approx(math.sqrt(1 / 3))
    assert cmp.t == pytest.approx(5 * math.sqrt(3))
    assert cmp.p_value == pytest.approx(0.0032390, abs=1e-6)  # two-sided, 3 degrees of freedom
    half = 3.1824463 * math.sqrt(1 / 3) / 2  # t(0.975, 3) x se
    assert cmp.ci_low == pytest.approx(2.5 - half, abs=1e-6)
    assert cmp.ci_high == pytest.approx(2.5 + half, abs=1e-6)


def test_paired_comparison_when_all_differences_are_equal():
    same = paired_comparison([5, 6, 7], [5, 6, 7])
    assert same.mean_diff == 0 and same.p_value == 1.0
    shifted = paired_comparison([6, 7, 8], [5, 6, 7])
    assert shifted.mean_diff == 1 and shifted.p_value == 0.0 and shifted.ci_low == shifted.ci_high == 1
    assert math.isnan(paired_comparison([1.0], [2.0]).p_value)


def test_holm_by_hand():
    # sorted 0.01 x4 = 0.04; 0.03 x3 = 0.09; 0.04 x2 = 0.08 -> running max 0.09; 0.20 x1 = 0.20
    assert holm([0.01, 0.04, 0.03, 0.20]) == pytest.approx([0.04, 0.09, 0.09, 0.20])
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])
    adjusted = holm([math.nan, 0.01, 0.04])  # NaN is not part of the family: m = 2
    assert math.isnan(adjusted[0])
    assert adjusted[1:] == pytest.approx([0.02, 0.04])


def test_verdict_follows_the_outcome_direction():
    assert verdict("deaths_in_transit", -2.0, 0.01) == "better"
    assert verdict("victims_rescued", -2.0, 0.01) == "worse"
    assert verdict("victims_rescued", 3.0, 0.2) == "no clear difference"
    assert verdict("interdictions", -2.0, 0.01) == "lower", "fewer interdictions may be deterrence: no judgement"
    assert verdict("crossings_attempted", 3.0, 0.001) == "higher"


def test_summarise_pairs_by_replication_and_counts_failures():
    rows = []
    base = [10, 12, 11, 13]
    policy = [7, 10, 8, math.nan]  # replication 3 failed
    for rep, (b, p) in enumerate(zip(base, policy, strict=True)):
        rows.append(
            {"policy": "baseline", "sweep_point": 0, "replication": rep, "status": "ok", "deaths_in_transit": b}
        )
        status = "failed" if math.isnan(p) else "ok"
        rows.append({"policy": "fence", "sweep_point": 0, "replication": rep, "status": status, "deaths_in_transit": p})
    table = summarise(pd.DataFrame(rows), ["baseline", "fence"], ["deaths_in_transit"])
    fence = table[table["policy"] == "fence"].iloc[0]
    assert fence["n"] == 3 and fence["n_failed"] == 1
    assert fence["mean"] == pytest.approx(25 / 3)
    # differences -3, -2, -3 (replications 0-2 only): mean -8/3
    assert fence["diff"] == pytest.approx(-8 / 3)
    assert fence["p_holm"] == pytest.approx(fence["p_value"])  # a family of one comparison
    assert fence["verdict"] == "better"
    assert table[table["policy"] == "baseline"].iloc[0]["verdict"] == "reference"
    assert np.isnan(table[table["policy"] == "baseline"].iloc[0]["p_value"])


def test_pairing_sd_ratio_by_hand():
    # differences -1, 1, -1, 1: var 4/3; var(a) = var(b) = 5/3, so the ratio is sqrt((4/3) / (10/3)) = sqrt(0.4)
    assert pairing_sd_ratio([1, 2, 3, 4], [2, 1, 4, 3]) == pytest.approx(math.sqrt(0.4))
    assert pairing_sd_ratio([1, 2, 3, 4], [1, 2, 3, 4]) == 0, "identical columns: pairing removes all the noise"
    assert pairing_sd_ratio([3, 5, 4, 6], [1, 3, 2, 4]) == 0, "a constant shift too"
    assert pairing_sd_ratio([1, 2, 3, 4], [-1, -2, -3, -4]) == pytest.approx(math.sqrt(2)), "opposite: worse than none"
    assert pairing_sd_ratio([1, 2, math.nan, 4], [1, 2, 3, 4]) == 0, "pairs with a missing value are left out"


def test_pairing_sd_ratio_of_independent_samples_is_about_one():
    rng = np.random.default_rng(5)
    a, b = rng.normal(10, 2, 20_000), rng.normal(12, 3, 20_000)
    assert pairing_sd_ratio(a, b) == pytest.approx(1.0, abs=0.02)
    shared = rng.normal(0, 3, 20_000)  # a common cause of both, as common random numbers give
    assert pairing_sd_ratio(shared + rng.normal(0, 1, 20_000), shared + rng.normal(0, 1, 20_000)) == pytest.approx(
        math.sqrt(2 / 20), abs=0.02
    )


def test_pairing_sd_ratio_is_undefined_without_variation_or_pairs():
    assert math.isnan(pairing_sd_ratio([2, 2, 2], [5, 5, 5])), "neither varies: 0 / 0"
    assert math.isnan(pairing_sd_ratio([1.0], [2.0]))
    assert math.isnan(pairing_sd_ratio([], []))


def test_summarise_reports_the_pairing_sd_ratio_per_policy_and_outcome():
    base = [10.0, 14.0, 11.0, 13.0, 9.0]
    arms = {"baseline": base, "shift": [b - 2 for b in base], "shuffled": [14.0, 9.0, 13.0, 10.0, 11.0]}
    rows = [
        {"policy": p, "sweep_point": 0, "replication": r, "status": "ok", "deaths_in_transit": v, "cost": 5.0}
        for p, values in arms.items()
        for r, v in enumerate(values)
    ]
    table = summarise(pd.DataFrame(rows), list(arms), ["deaths_in_transit", "cost"]).set_index(["policy", "outcome"])
    assert table.loc[("shift", "deaths_in_transit"), "pairing_sd_ratio"] == 0
    expected = pairing_sd_ratio(arms["shuffled"], base)
    assert table.loc[("shuffled", "deaths_in_transit"), "pairing_sd_ratio"] == pytest.approx(expected)
    assert expected > 1, "this shuffle pairs high with low: pairing added noise"
    assert np.isnan(table.loc[("baseline", "deaths_in_transit"), "pairing_sd_ratio"]), "no comparison"
    assert np.isnan(table.loc[("shift", "cost"), "pairing_sd_ratio"]), "neither varied"


def test_the_printed_summary_gives_the_pairing_ratio_per_outcome_and_policy():
    from types import SimpleNamespace

    from sim.experiment.cli import format_summary

    base = [10.0, 14.0, 11.0, 13.0]
    arms = {"baseline": base, "shift": [b + 3 for b in base], "shuffled": [11.0, 10.0, 13.0, 14.0]}
    rows = [
        {"policy": p, "sweep_point": 0, "replication": r, "status": "ok", "interdictions": v, "deaths_in_transit": 0.0}
        for p, values in arms.items()
        for r, v in enumerate(values)
    ]
    outcomes = ["interdictions", "deaths_in_transit"]
    experiment = SimpleNamespace(policy_names=list(arms), outcomes=outcomes, sweep={})
    lines = format_summary(summarise(pd.DataFrame(rows), list(arms), outcomes), experiment).splitlines()
    at = lines.index("pairing: SD of paired / SD of unpaired differences against the baseline")
    assert lines[at + 1].split() == ["outcome", "baseline", "shift", "shuffled"]
    expected = f"{pairing_sd_ratio(arms['shuffled'], base):.2f}"
    assert lines[at + 3].split() == ["interdictions", "0.00", expected], "identical up to a shift: 0"
    assert lines[at + 4].split() == ["deaths_in_transit", "n/a", "n/a"], "nothing varied"
    assert lines[2].split() == ["interdictions", "12.0", "15.0", "^", "12.0", "groups"], "the means, marked, above it"
