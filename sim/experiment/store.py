"""Streaming results to disk, resuming interrupted experiments, and consolidating the tables.

Each finished run is written at once as its own small *part* under ``<out>/parts/``: the daily
time series and the crossings first, then the run's row, which is the commit marker. Every file is
written under a temporary name, flushed to the disk and renamed into place (an atomic step), so a
run is either entirely present or absent, even if the process is killed outright or the machine
loses power. On ``--resume``, :meth:`ResultStore.check_parts` reads every part in full (parquet
page checksums verified, row counts as recorded, the run's name matching its file), deletes
partial or corrupt ones and temporary files, and reports which runs are done and which parts were
damaged, so each run ends up recorded exactly once. The coordinating process holds no results in
memory between runs.

One experiment at a time writes into a folder: :meth:`ResultStore.lock` holds an exclusive lock on
``experiment.lock`` in it (``flock``: released by the kernel when the process ends, however it ends),
and a second experiment started on the same folder stops at once with :class:`FolderInUseError`, naming
the folder and the process holding it.

:meth:`ResultStore.consolidate` then writes ``runs.parquet``, ``timeseries.parquet`` and
``crossings.parquet`` with rows in a canonical order (policy as in the file, sweep point,
replication), streaming one run at a time through a ``pyarrow.parquet.ParquetWriter``: the same
data whatever order the runs finished in, and whether or not the experiment was interrupted. Each table
is also written as CSV beside its Parquet file (``runs.csv``, ``timeseries.csv``, ``crossings.csv``: the
same rows and values, for a spreadsheet), streamed from the Parquet file a batch at a time; a cell holding a
list or a mapping is written as JSON text.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiment.backends import KEY_COLUMNS, run_key
from sim.schema import InputError, Problem

TABLES = ("timeseries", "crossings")
_ROWS = {"timeseries": "_timeseries_rows", "crossings": "_crossings_rows"}
_SORT_WITHIN_RUN = {"timeseries": ["day"], "crossings": []}
#: The lock file that keeps two experiments from writing into one folder at once.
LOCK_NAME = "experiment.lock"


class FolderInUseError(InputError):
    """Another process is running an experiment into the same results folder (exit status 2 from the CLI)."""

    def __init__(self, out_dir: Path, holder: dict[str, Any]):
        self.out_dir = out_dir
        self.holder = holder
        who = f"process {holder.get('pid', '?')}"
        if holder.get("host"):
            who += f" on {holder['host']}"
        since = f" since {holder['started']}" if holder.get("started") else ""
        message = (
            f"another experiment is writing into this folder ({who}{since}; lock file {LOCK_NAME}); "
            "wait for it to finish (then --resume finishes anything left), or choose another --out"
        )
        super().__init__([Problem(str(out_dir), "", message)])


@dataclass
class PartsCheck:
    """What :meth:`ResultStore.check_parts` found.

    Attributes:
        done: keys of the runs entirely and correctly on disk.
        damaged: file stems (``parts/<stem>.*.parquet``) of the parts found truncated or corrupt and deleted.
    """

    done: set[str] = field(default_factory=set)
    damaged: list[str] = field(default_factory=list)


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
        return self.parts_dir / stem_name(key)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder's lock for the duration of the block (the folder is created if missing).

        Raises:
            FolderInUseError: another process holds the lock; the message names the folder and its pid.
        """
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / LOCK_NAME
        handle = path.open("a+", encoding="utf-8")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                try:
                    holder = json.loads(handle.read() or "{}")
                except json.JSONDecodeError:
                    holder = {}
                raise FolderInUseError(self.out_dir, holder) from None
            holder = {"pid": os.getpid(), "host": socket.gethostname(), "started": _now()}
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(holder))
            handle.flush()
            yield
        finally:
            handle.close()  # closing releases the lock; the file stays (removing it would race a newcomer)

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
        return self.check_parts().done

    def check_parts(self) -> PartsCheck:
        """Check every part on disk: which runs are done, which parts were damaged (and are now deleted).

        A part is damaged if any of its files cannot be read in full (truncated, a page checksum
        that does not match, not parquet at all), holds other row counts than its run row records,
        or names a different run than its file name. Temporary files of interrupted writes are deleted
        without a word: they were never part of the results.
        """
        found = PartsCheck()
        if not self.parts_dir.exists():
            return found
        for tmp in self.parts_dir.glob("*.tmp"):
            tmp.unlink()
        stems = {p.name.split(".", 1)[0] for p in self.parts_dir.glob("*.parquet")}
        for name in sorted(stems):
            stem = self.parts_dir / name
            key = _valid_part_key(stem)
            if key is None:
                found.damaged.append(name)
                for suffix in ("run", *TABLES):
                    _path(stem, suffix).unlink(missing_ok=True)
            else:
                found.done.add(key)
        return found

    def is_empty(self) -> bool:
        """True if the folder is missing or holds nothing but its lock file."""
        return not self.out_dir.exists() or all(p.name == LOCK_NAME for p in self.out_dir.iterdir())

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
            write_csv_copy(self.out_dir / f"{table}.parquet")
        runs = runs.drop(columns=[c for c in _ROWS.values() if c in runs])
        _write_atomic(pa.Table.from_pandas(runs, preserve_index=False), self.out_dir / "runs.parquet")
        write_csv_copy(self.out_dir / "runs.parquet")
        return runs

    def write_json(self, name: str, data: dict[str, Any]) -> Path:
        """Write a JSON file atomically in the results folder."""
        target = self.out_dir / name
        write_json_atomic(target, data, indent=2, default=str)
        return target

    def read_json(self, name: str) -> dict[str, Any] | None:
        target = self.out_dir / name
        if not target.exists():
            return None
        try:
            return json.loads(target.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None


def stem_name(key: str) -> str:
    """The file stem of a run's part (``parts/<stem>.run.parquet`` etc.): a hash of the run's key."""
    return hashlib.sha1(key.encode()).hexdigest()[:20]


def _path(stem: Path, table: str) -> Path:
    return stem.with_name(f"{stem.name}.{table}.parquet")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _flush_to_disk(path: Path) -> None:
    """Flush a file's data to the disk, so that renaming it into place cannot leave an empty file after a crash."""
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def write_json_atomic(path: Path, data: Any, **dumps: Any) -> None:
    """Write JSON atomically: a temporary file, flushed to the disk, renamed into place (its folder made if
    needed). ``dumps``: options of ``json.dumps`` (``indent``, ``default``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, **dumps), encoding="utf-8")
    _flush_to_disk(tmp)
    os.replace(tmp, path)


def _write_atomic(table: pa.Table, target: Path) -> None:
    tmp = target.with_name(target.name + ".tmp")
    pq.write_table(table, tmp, write_page_checksum=True)
    _flush_to_disk(tmp)
    os.replace(tmp, target)


def write_csv_copy(parquet: Path, batch_rows: int = 65_536) -> Path:
    """Write ``<name>.csv`` beside ``<name>.parquet``: the same rows, columns and values, one batch in memory at a time.

    Missing values are empty cells; a cell holding a list or a mapping (a nested Parquet column) is written as
    JSON text, so a spreadsheet opens it as one cell. Written under a temporary name, flushed and renamed into
    place like every other output.
    """
    target = parquet.with_suffix(".csv")
    tmp = target.with_name(target.name + ".tmp")
    source = pq.ParquetFile(parquet)
    names = [f.name for f in source.schema_arrow if not f.name.startswith("__index")]
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        pd.DataFrame(columns=names).to_csv(handle, index=False, lineterminator="\n")
        for batch in source.iter_batches(batch_size=batch_rows, columns=names):
            frame = batch.to_pandas()
            for column in [c for c in frame.columns if pd.api.types.is_object_dtype(frame[c])]:
                frame[column] = frame[column].map(_csv_cell)
            frame.to_csv(handle, index=False, header=False, lineterminator="\n")
    _flush_to_disk(tmp)
    os.replace(tmp, target)
    return target


def _csv_cell(value: Any) -> Any:
    """A nested value (list, array, mapping) as JSON text; anything else unchanged."""
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=_plain_json)
    return value


def _plain_json(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _read_verified(path: Path) -> pa.Table:
    return pq.read_table(path, page_checksum_verification=True)


def _valid_part_key(stem: Path) -> str | None:
    """The run key of a complete, readable part, or None if it is partial or corrupt."""
    try:
        row = _read_verified(_path(stem, "run")).to_pylist()
        if len(row) != 1:
            return None
        row = row[0]
        for table in TABLES:
            expected = int(row.get(_ROWS[table], 0))
            if expected and _read_verified(_path(stem, table)).num_rows != expected:
                return None
        key = run_key(row["policy"], int(row["sweep_point"]), int(row["replication"]))
        return key if stem_name(key) == stem.name else None
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
