"""``bordersim run`` and :func:`sim.runner.run`: a golden run, byte-identical reruns, required outcomes."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sim.cli import main
from sim.runner import run, write_result

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = str(ROOT / "scenarios" / "classroom.toml")
GOLDEN = ROOT / "tests" / "golden" / "classroom_seed1_5days" / "outcomes.json"

REQUIRED = (
    "victims_recruited",
    "victims_by_state",
    "crossings_attempted",
    "crossings_succeeded",
    "interdictions",
    "traffickers_arrested",
    "deaths_in_transit",
    "checkpoint_false_alarms",
    "false_match_detentions",
    "blind_spot_crossing_share",
    "seed",
    "scenario_hash",
    "version",
)


def test_golden_classroom_run(tmp_path):
    """Classroom scenario, 5 days, seed 1: outcomes equal the stored golden file exactly (except ``version``).

    Recruitment is raised to 12 a day (an override, recorded in the file) so five days hold several
    crossings, interdictions and court cases rather than none.

    When the model changes on purpose, regenerate with
    ``BORDERSIM_REGEN_GOLDEN=1 .venv/bin/pytest tests/test_run_cli.py -k golden`` and review the diff.
    """
    result = run(CLASSROOM, {"crossers.per_day": 12}, seed=1, days=5)
    write_result(result, tmp_path)
    text = (tmp_path / "outcomes.json").read_text()
    if os.environ.get("BORDERSIM_REGEN_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(text)
    expected = json.loads(GOLDEN.read_text())
    got = json.loads(text)
    expected.pop("version")
    got.pop("version")
    differences = {
        k: (expected.get(k), got.get(k)) for k in sorted(set(expected) | set(got)) if expected.get(k) != got.get(k)
    }
    assert not differences, f"outcomes differ from {GOLDEN.name} (golden, now): {differences}"
    assert got["crossings_attempted"] >= 5 and got["interdictions"] >= 1, "the golden run must exercise crossings"


def bordersim_run(out: Path, seed: int) -> int:
    options = [
        "--days",
        "3",
        "--seed",
        str(seed),
        "--set",
        "crossers.per_day=12",
        "--set",
        "patrols.count=3",
    ]
    return main(["run", CLASSROOM, *options, "--out", str(out), "--quiet"])


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, capsys):
    assert bordersim_run(tmp_path / "a", 4) == 0
    assert bordersim_run(tmp_path / "b", 4) == 0
    assert bordersim_run(tmp_path / "c", 5) == 0
    capsys.readouterr()
    for name in ("outcomes.json", "timeseries.csv", "crossings.csv"):
        a, b = (tmp_path / "a" / name).read_bytes(), (tmp_path / "b" / name).read_bytes()
        assert a == b, f"{name} differs between two runs with the same seed"
    for name in ("outcomes.json", "timeseries.csv"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes(), f"{name}: seed ignored"

    outcomes = json.loads((tmp_path / "a" / "outcomes.json").read_text())
    missing = [k for k in REQUIRED if k not in outcomes]
    assert not missing, f"outcomes.json lacks {missing}"
    assert sum(outcomes["victims_by_state"].values()) == outcomes["victims_recruited"]
    assert outcomes["seed"] == 4
    assert outcomes["overrides"] == {"crossers.per_day": 12, "patrols.count": 3}
    assert 0.0 <= outcomes["blind_spot_crossing_share"] <= 1.0
    assert outcomes["crossings_attempted"] > 0
    rows = (tmp_path / "a" / "timeseries.csv").read_text().splitlines()
    assert len(rows) == 1 + 3, f"timeseries.csv: a header and one row per day expected, got {len(rows)} lines"


def test_bad_set_exits_2_naming_key_and_value(tmp_path, capsys):
    status = main(["run", CLASSROOM, "--days", "1", "--set", "patrols.count=-3", "--out", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert "patrols.count" in err and "-3" in err, err
    status = main(["run", CLASSROOM, "--days", "1", "--set", "patrols.cuont=3", "--out", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert "patrols.cuont" in err, err
    assert not (tmp_path / "outcomes.json").exists()


def test_version_names_bordersim_and_the_key_dependencies(capsys):
    import pytest

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    first, second = capsys.readouterr().out.strip().splitlines()
    assert first.startswith("bordersim ")
    for name in ("mesa", "numpy", "scipy", "pandas", "matplotlib", "dask", "solara", "python"):
        assert f"{name} " in second
    assert "not installed" not in second
