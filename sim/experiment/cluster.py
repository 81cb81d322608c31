"""Dask clusters for ``bordersim experiment --scheduler``: a LocalCluster, or workers as Slurm or PBS jobs.

The Dask backend (:class:`sim.experiment.backends.DaskBackend`) connects to a running scheduler. This module starts
one and keeps it running until interrupted, printing the address to give ``--scheduler``::

    python -m sim.experiment.cluster local --workers 2
    python -m sim.experiment.cluster slurm --config experiments/cluster/slurm.yaml --jobs 4
    python -m sim.experiment.cluster pbs --config experiments/cluster/pbs.yaml --jobs 4
    python -m sim.experiment.cluster slurm --config experiments/cluster/slurm.yaml --job-script  # print it only

Slurm and PBS clusters are dask-jobqueue's ``SLURMCluster`` and ``PBSCluster``, configured by a YAML file in Dask's
own format (the ``jobqueue.slurm`` or ``jobqueue.pbs`` section, the keys of the dask-jobqueue documentation:
queue, account, cores, processes, memory, walltime, job_script_prologue, ...). Each job runs ``processes`` Dask
workers of one thread each (a run is single-threaded Python); every worker must have bordersim installed and read
the scenario files at the same paths (a shared file system).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from sim.schema import InputError, Problem

#: Job-queue systems and their dask-jobqueue cluster classes.
JOB_QUEUES = {"slurm": "SLURMCluster", "pbs": "PBSCluster"}


def jobqueue_options(path: str | Path, system: str) -> dict[str, Any]:
    """The ``jobqueue.<system>`` section of a dask-jobqueue YAML file; InputError naming the file and key if it
    cannot be read or has no such section."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError([Problem(str(path), "", f"cannot read the cluster configuration: {exc}")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(str(path), "", f"not valid YAML: {exc}")]) from None
    section = (raw or {}).get("jobqueue", {}) if isinstance(raw, dict) else {}
    options = section.get(system) if isinstance(section, dict) else None
    if not isinstance(options, dict):
        raise InputError(
            [
                Problem(
                    str(path), f"jobqueue.{system}", f"missing; give the {system} job options under jobqueue.{system}"
                )
            ]
        )
    return options


def jobqueue_cluster(system: str, config: str | Path) -> Any:
    """A dask-jobqueue cluster for ``system`` (``slurm`` or ``pbs``) with the options of ``config``; it starts its
    scheduler here and submits no job until scaled."""
    import dask_jobqueue

    cls = getattr(dask_jobqueue, JOB_QUEUES[system])
    # Dask's YAML spells keys with hyphens or underscores alike (local-directory); keyword arguments need the latter.
    options = {key.replace("-", "_"): value for key, value in jobqueue_options(config, system).items()}
    try:
        return cls(**options)
    except (TypeError, ValueError) as exc:  # an unknown option, or a value dask-jobqueue refuses
        message = str(exc).split(". Very likely")[0]
        raise InputError([Problem(str(config), f"jobqueue.{system}", message)]) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.experiment.cluster",
        description="Start a Dask cluster for bordersim experiment --scheduler and keep it running until Ctrl-C.",
    )
    parser.add_argument("system", choices=("local", *JOB_QUEUES), help="local processes, or Slurm or PBS jobs")
    parser.add_argument("--workers", type=int, default=2, help="local: worker processes (one thread each)")
    parser.add_argument("--config", help="slurm/pbs: dask-jobqueue YAML file (experiments/cluster/*.yaml)")
    parser.add_argument("--jobs", type=int, default=1, help="slurm/pbs: jobs to submit")
    parser.add_argument("--job-script", action="store_true", help="slurm/pbs: print the job script, submit nothing")
    args = parser.parse_args(argv)
    try:
        if args.system == "local":
            from distributed import LocalCluster

            cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True)
        else:
            if not args.config:
                parser.error(f"{args.system} needs --config FILE (e.g. experiments/cluster/{args.system}.yaml)")
            cluster = jobqueue_cluster(args.system, args.config)
            if args.job_script:
                print(cluster.job_script())
                cluster.close()
                return 0
            cluster.scale(jobs=args.jobs)
    except InputError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"Dask scheduler at {cluster.scheduler_address}; dashboard {cluster.dashboard_link}")
    print(f"run: bordersim experiment EXPERIMENT.toml --scheduler {cluster.scheduler_address}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        cluster.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
