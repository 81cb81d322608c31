"""``benchmarks/pairing.py``: the pairing of a policy with the baseline, with changes to both arms (``--set``)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "pairing.py"
EXPERIMENT = ROOT / "experiments" / "policy_comparison.toml"


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
    assert "crossings_attempted" in done.stdout
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
