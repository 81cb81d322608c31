"""``benchmarks/pairing.py``: the pairing of a policy with the baseline, with changes to both arms (``--set``)."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "pairing.py"
EXPERIMENT = ROOT / "experiments" / "policy_comparison.toml"


def _script():
    """The benchmark script as a module, for its functions."""
    spec = importlib.util.spec_from_file_location("pairing_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pairing(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(EXPERIMENT), *args], check=False, capture_output=True, text=True, timeout=600
    )


def test_a_change_set_in_both_arms_reaches_both_and_the_saved_runs_pair_seed_by_seed(tmp_path):
    saved = tmp_path / "runs.csv"
    small = ("--seeds", "2", "--days", "3", "--warmup-days", "0", "--workers", "1")
    done = _pairing(*small, "--set", "crossers.per_day=0", "--save", str(saved))
    assert done.returncode == 0, done.stderr
    assert "crossers.per_day=0" in done.stdout.splitlines()[0]
    assert "crossings_attempted" in done.stdout and "90% interval" in done.stdout
    rows = list(csv.DictReader(saved.open()))
    assert [r["policy"] for r in rows] == ["baseline", "more_surveillance"] * 2
    assert rows[0]["seed"] == rows[1]["seed"] != rows[2]["seed"] == rows[3]["seed"]
    # No demand in either arm: nobody is taken on, whatever the towers.
    assert {float(r["people_taken_on"]) for r in rows} == {0.0}


def test_a_bad_change_is_refused_in_one_line_naming_the_key_before_any_run():
    for text, named in (("patrols.count=-3", "patrols.count"), ("nosuch.key=1", "nosuch"), ("garbage", "garbage")):
        done = _pairing("--set", text)
        assert done.returncode == 2, (text, done.stderr)
        assert "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and named in lines[0], done.stderr
        assert done.stdout == ""


def test_the_ratios_interval_holds_the_ratio_and_narrows_with_more_seeds():
    pairing = _script()
    rng = np.random.default_rng(5)
    widths = []
    for seeds in (12, 96):
        common = rng.normal(0, 1, seeds)  # what the two arms share, seed by seed
        baseline, policy = common + rng.normal(0, 0.5, seeds), common + 1 + rng.normal(0, 0.5, seeds)
        low, high = pairing.ratio_interval(policy, baseline)
        assert low <= pairing.pairing_sd_ratio(policy, baseline) <= high
        assert pairing.ratio_interval(policy, baseline) == (low, high), "the same resamples every time"
        widths.append(high - low)
    assert widths[1] < widths[0] / 2
    assert all(np.isnan(pairing.ratio_interval(np.ones(12), np.ones(12))))
    assert all(np.isnan(pairing.ratio_interval(np.arange(2.0), np.arange(2.0))))


def test_an_outcome_that_rarely_varies_still_gets_an_interval():
    pairing = _script()
    deaths_base = np.array([0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0], dtype=float)
    deaths_policy = np.array([0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1], dtype=float)
    low, high = pairing.ratio_interval(deaths_policy, deaths_base)
    assert 0 <= low <= pairing.pairing_sd_ratio(deaths_policy, deaths_base) <= high
