"""The example cluster configurations (experiments/cluster/*.yaml): the job scripts dask-jobqueue generates from them
(no scheduler runs here, so the script is checked rather than submitted), and clear errors for a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.experiment.cluster import jobqueue_cluster, jobqueue_options, main
from sim.schema import InputError

CLUSTER = Path(__file__).resolve().parent.parent / "experiments" / "cluster"


def job_script(system: str) -> str:
    cluster = jobqueue_cluster(system, CLUSTER / f"{system}.yaml")
    try:
        return cluster.job_script()
    finally:
        cluster.close()


def worker_line(script: str) -> str:
    return next(line for line in script.splitlines() if "distributed.cli.dask_worker" in line)


def test_slurm_job_script():
    script = job_script("slurm")
    for directive in ("#SBATCH -J bordersim-worker", "#SBATCH -p normal", "#SBATCH -A my-project"):
        assert directive in script
    assert "#SBATCH --cpus-per-task=16" in script and "#SBATCH -t 04:00:00" in script
    assert "#SBATCH --mem=30G" in script  # 32 GB asked for, in Slurm's GiB
    assert "source $HOME/bordersim/bin/activate" in script
    worker = worker_line(script)
    assert worker.startswith("python -m distributed.cli.dask_worker tcp://")
    # one thread a worker, sixteen workers a job, each with its share of the memory, leaving before the walltime
    for option in ("--nthreads 1", "--nworkers 16", "--memory-limit 1.86GiB", "--lifetime 230m"):
        assert option in worker


def test_pbs_job_script():
    script = job_script("pbs")
    assert "#PBS -N bordersim-worker" in script and "#PBS -q workq" in script and "#PBS -A my-project" in script
    assert "#PBS -l select=1:ncpus=16:mem=30GB" in script and "#PBS -l walltime=04:00:00" in script
    worker = worker_line(script)
    assert "--nthreads 1" in worker and "--nworkers 16" in worker


def test_job_script_command_prints_it(capsys):
    assert main(["slurm", "--config", str(CLUSTER / "slurm.yaml"), "--job-script"]) == 0
    assert "#SBATCH -p normal" in capsys.readouterr().out


def test_missing_section_names_the_file_and_key(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("jobqueue:\n  pbs:\n    cores: 4\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        jobqueue_options(path, "slurm")
    problem = err.value.problems[0]
    assert problem.file == str(path) and problem.key == "jobqueue.slurm"


def test_unreadable_or_invalid_file(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        jobqueue_options(tmp_path / "none.yaml", "slurm")
    bad = tmp_path / "bad.yaml"
    bad.write_text("jobqueue: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        jobqueue_options(bad, "slurm")


def test_an_unknown_option_names_the_file_and_section(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("jobqueue:\n  slurm:\n    cores: 4\n    memory: 8GB\n    colour: blue\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        jobqueue_cluster("slurm", path)
    problem = err.value.problems[0]
    assert problem.file == str(path) and problem.key == "jobqueue.slurm" and "colour" in problem.message
