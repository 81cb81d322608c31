"""Streaming results to disk, resuming interrupted experiments, and consolidating the tables.

Each finished run is written at once as its own small *part* under ``<out>/parts/``: the daily
time series and the crossings first, then the run's row, which is the commit marker. Every file is
written under a temporary name and renamed into place (an atomic step), so a run is either
entirely present or absent, even if the process is killed outright. On ``--resume``,
:meth:`ResultStore.completed_keys` checks every part (readable, row counts as recorded), deletes
partial or corrupt ones and temporary files, and reports which runs are done, so each run ends up
recorded exactly once. The coordinating process holds no results in memory between runs.

:meth:`ResultStore.consolidate` then writes ``runs.parquet``, ``timeseries.parquet`` and
``crossings.parquet`` with rows in a canonical order (policy as in the file, sweep point,
replication), streaming one run at a time through a ``pyarrow.parquet.ParquetWriter``: the same
data whatever order the runs finished in, and whether or not the experiment was interrupted.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiment.backends import KEY_COLUMNS, run_key

TABLES = ("timeseries", "crossings")
_ROWS = {"timeseries": "_timeseries_rows", "crossings": "_crossings_rows"}
_SORT_WITHIN_RUN = {"timeseries": ["day"], "crossings": []}


class ResultStore:
    """The results folder of one experiment.

    Args:
        out_dir: the folder (created if missing).
    """

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)
        self.parts_dir = self.out_dir / "parts"

    def prepare(self) -> None:
        self.parts_dir.mkdir(parents=True, exist_ok=True)

    def _stem(self, key: str) -> Path:
        return self.parts_dir / hashlib.sha1(key.encode()).hexdigest()[:20]

    def write(self, record: dict[str, Any]) -> None:
        """Write one finished run (a record from :func:`sim.experiment.backends.execute_task`)."""
        stem = self._stem(record["key"])
        row = dict(record["run"])
        for table in TABLES:
            rows = record[table]
            row[_ROWS[table]] = len(rows)
            if rows:
                _write_atomic(pa.Table.from_pandas(pd.DataFrame(rows), preserve_index=False), _path(stem, table))
        _write_atomic(pa.Table.from_pandas(pd.DataFrame([row]), preserve_index=False), _path(stem, "run"))

    def completed_keys(self) -> set[str]:
        """Keys of the runs entirely on disk; partial, corrupt and temporary files are deleted."""
        if not self.parts_dir.exists():
            return set()
        for tmp in self.parts_dir.glob("*.tmp"):
            tmp.unlink()
        done: set[str] = set()
        stems = {p.name.split(".", 1)[0] for p in self.parts_dir.glob("*.parquet")}
        for name in sorted(stems):
            stem = self.parts_dir / name
            key = _valid_part_key(stem)
            if key is None:
                for suffix in ("run", *TABLES):
                    _path(stem, suffix).unlink(missing_ok=True)
            else:
                done.add(key)
        return done

    def is_empty(self) -> bool:
        return not self.out_dir.exists() or not any(self.out_dir.iterdir())

    def consolidate(self, order: Callable[[pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
        """Write the three result tables in canonical order; return the runs table.

        Args:
            order: sorts the runs table canonically (the experiment knows the policy order).
        """
        run_files = sorted(self.parts_dir.glob("*.run.parquet"))
        frames = [pq.read_table(p).to_pandas() for p in run_files]
        runs = order(pd.concat(frames, ignore_index=True)) if frames else pd.DataFrame(columns=list(KEY_COLUMNS))
        runs = runs.reset_index(drop=True)
        stems = [self._stem(run_key(r.policy, int(r.sweep_point), int(r.replication))) for r in runs.itertuples()]
        for table in TABLES:
            counts = runs[_ROWS[table]] if _ROWS[table] in runs else pd.Series(0, index=runs.index)
            files = [_path(stem, table) for stem, n in zip(stems, counts, strict=True) if n > 0]
            _stream_concat(files, self.out_dir / f"{table}.parquet", _SORT_WITHIN_RUN[table])
        runs = runs.drop(columns=[c for c in _ROWS.values() if c in runs])
        _write_atomic(pa.Table.from_pandas(runs, preserve_index=False), self.out_dir / "runs.parquet")
        return runs

    def write_json(self, name: str, data: dict[str, Any]) -> Path:
        """Write a JSON file atomically in the results folder."""
        target = self.out_dir / name
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, target)
        return target

    def read_json(self, name: str) -> dict[str, Any] | None:
        target = self.out_dir / name
        if not target.exists():
            return None
        try:
            return json.loads(target.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None


def _path(stem: Path, table: str) -> Path:
    return stem.with_name(f"{stem.name}.{table}.parquet")


def _write_atomic(table: pa.Table, target: Path) -> None:
    tmp = target.with_name(target.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, target)


def _valid_part_key(stem: Path) -> str | None:
    """The run key of a complete, readable part, or None if it is partial or corrupt."""
    try:
        row = pq.read_table(_path(stem, "run")).to_pylist()
        if len(row) != 1:
            return None
        row = row[0]
        for table in TABLES:
            expected = int(row.get(_ROWS[table], 0))
            if expected and pq.read_metadata(_path(stem, table)).num_rows != expected:
                return None
        return run_key(row["policy"], int(row["sweep_point"]), int(row["replication"]))
    except (OSError, pa.ArrowException, KeyError, TypeError, ValueError):
        return None


def _stream_concat(files: list[Path], target: Path, sort_by: list[str]) -> None:
    """Concatenate parquet parts into one file, one part in memory at a time."""
    tmp = target.with_name(target.name + ".tmp")
    if not files:
        pq.write_table(pa.table({c: pa.array([], pa.int64()) for c in KEY_COLUMNS}), tmp)
        os.replace(tmp, target)
        return
    schema = pa.unify_schemas([pq.read_schema(f) for f in files], promote_options="permissive")
    schema = pa.schema([f for f in schema if not f.name.startswith("__index")])
    with pq.ParquetWriter(tmp, schema) as writer:
        for file in files:
            table = pq.read_table(file)
            if sort_by:
                table = table.sort_by([(c, "ascending") for c in sort_by])
            writer.write_table(_conform(table, schema))
    os.replace(tmp, target)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Add missing columns as nulls and cast to the unified schema."""
    columns = [
        table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)
