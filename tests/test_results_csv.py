"""Every result table of an experiment is also written as CSV: readable with pandas, the same rows and values."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiment.backends import SerialBackend
from sim.experiment.execute import run_experiment
from sim.experiment.spec import load_experiment
from sim.experiment.store import write_csv_copy
from tests.test_experiment_runs import experiment_file

TABLES = ("runs", "timeseries", "crossings")


def assert_csv_matches_parquet(csv_path, parquet_path) -> None:
    expected = pd.read_parquet(parquet_path)
    got = pd.read_csv(csv_path)
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    for column in expected.columns:
        want = expected[column]
        where = f"{csv_path.name}:{column}"
        if pd.api.types.is_numeric_dtype(want) or pd.api.types.is_bool_dtype(want):
            pd.testing.assert_series_equal(
                got[column], want, check_dtype=False, check_exact=False, rtol=1e-12, obj=where
            )
        else:  # text: an empty string is an empty cell, read back as missing
            assert [_text(v) for v in got[column]] == [_text(v) for v in want], where


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def test_experiment_writes_each_table_as_csv_beside_parquet(tmp_path):
    exp = load_experiment(experiment_file(tmp_path, run_function="sim.runner:run", replications=2, days=2))
    out = tmp_path / "out"
    run_experiment(exp, out, SerialBackend(), progress=False)
    for table in TABLES:
        assert (out / f"{table}.csv").is_file(), table
        assert_csv_matches_parquet(out / f"{table}.csv", out / f"{table}.parquet")
    assert len(pd.read_csv(out / "crossings.csv")) > 0
    assert not list(out.glob("*.tmp"))
    sites = pd.read_csv(out / "runs.csv")["extra_tower_sites_km"]
    assert all(isinstance(json.loads(s), list) for s in sites)


def test_experiment_with_a_failing_run_still_writes_csv(tmp_path):
    exp = load_experiment(
        experiment_file(tmp_path, run_function="tests.test_experiment_fakes:fake_run", replications=1)
    )
    out = tmp_path / "out"
    run_experiment(exp, out, SerialBackend(), progress=False)
    for table in TABLES:
        assert_csv_matches_parquet(out / f"{table}.csv", out / f"{table}.parquet")


def test_nested_cells_are_json_text_and_missing_values_empty(tmp_path):
    table = pa.table(
        {
            "policy": ["a", "b"],
            "sites": [[[1.5, 2.0]], []],
            "by_state": [{"x": 1, "y": 2}, {"x": 3, "y": 4}],
            "value": [1.25, None],
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    written = write_csv_copy(path, batch_rows=1)
    assert written == tmp_path / "t.csv"
    text = written.read_text(encoding="utf-8").splitlines()
    assert text[0] == "policy,sites,by_state,value"
    assert len(text) == 3
    got = pd.read_csv(written)
    assert [json.loads(s) for s in got["sites"]] == [[[1.5, 2.0]], []]
    assert [json.loads(s) for s in got["by_state"]] == [{"x": 1, "y": 2}, {"x": 3, "y": 4}]
    assert got["value"].iloc[0] == 1.25 and pd.isna(got["value"].iloc[1])


def test_empty_table_gives_a_csv_with_its_header(tmp_path):
    path = tmp_path / "crossings.parquet"
    pq.write_table(pa.table({"policy": pa.array([], pa.string()), "day": pa.array([], pa.float64())}), path)
    assert write_csv_copy(path).read_text(encoding="utf-8") == "policy,day\n"
