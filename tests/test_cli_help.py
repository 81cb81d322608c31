"""The command line says what it does: help for every argument, required options shown as required, the quick
demo in a folder of its own, and an experiment's estimated duration before it starts."""

from __future__ import annotations

import argparse
import json

import pandas as pd
import pytest

from sim.cli import build_parser, main
from sim.experiment.backends import RunTask, SerialBackend
from sim.experiment.estimate import estimate_duration, format_duration
from tests.test_experiment_fakes import PACED_DAY_S
from tests.test_experiment_runs import SCENARIO, experiment_file


def _parsers(parser: argparse.ArgumentParser, name: str = "bordersim"):
    """The parser and every subparser below it, with their command names."""
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _parsers(sub, f"{name} {sub_name}")


def test_every_argument_and_subcommand_has_help():
    missing = []
    for name, parser in _parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if isinstance(action, argparse._SubParsersAction):
                missing += [f"{name} {a.dest}" for a in action._choices_actions if not a.help]
                continue
            if not action.help:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert not missing, f"arguments without help: {missing}"


def test_animate_help_shows_out_as_required(capsys):
    with pytest.raises(SystemExit):
        main(["animate", "--help"])
    usage = capsys.readouterr().out.split("\n\n")[0]
    assert " --out OUT " in usage and "[--out OUT]" not in usage
    with pytest.raises(SystemExit) as exited:
        main(["animate", str(SCENARIO)])
    assert exited.value.code == 2
    assert "the following arguments are required: --out" in capsys.readouterr().err


def test_quick_demo_runs_a_smaller_comparison_in_a_folder_of_its_own(tmp_path, monkeypatch, capsys):
    """``bordersim demo --quick``: the demo's experiment with 3 replications x 60 days, in ``<name>_quick``; the
    full run's folder is left alone, and the estimated duration is printed before the runs start."""
    import sim.demo
    from sim.experiment import backends

    spec = experiment_file(tmp_path, run_function="tests.test_experiment_fakes:fake_run", replications=5, days=10)
    monkeypatch.setattr(sim.demo, "EXPERIMENT", spec)
    monkeypatch.setattr(sim.demo, "draw_scenario_maps", lambda out_dir: [])
    monkeypatch.setattr(backends, "make_backend", lambda workers, scheduler: SerialBackend())
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results" / "t").mkdir(parents=True)
    (tmp_path / "results" / "t" / "mine.txt").write_text("the full run's", encoding="utf-8")

    assert main(["demo", "--quick"]) == 0
    out, err = capsys.readouterr()
    assert "quick look, 3 replications x 60 days instead of 5 replications x 10 days" in out
    quick = tmp_path / "results" / "t_quick"
    manifest = json.loads((quick / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["replications"], manifest["days"], manifest["experiment"]) == (3, 60, "t_quick")
    runs = pd.read_parquet(quick / "runs.parquet")
    assert len(runs) == 3 * 3 and set(runs["replication"]) == {0, 1, 2}
    assert "report: results/t_quick/report.html" in out
    assert "estimated duration: about " in err and "for 9 runs on 1 worker (estimated from trial runs" in err
    assert err.index("estimated duration") < err.index("100%")
    assert sorted(p.name for p in (tmp_path / "results" / "t").iterdir()) == ["mine.txt"]


def test_estimate_adds_the_measured_cost_of_a_day_over_the_runs_and_workers():
    """Runs costing PACED_DAY_S a simulated day: 6 runs of 60 days on 2 workers take 3 rounds of 1.2 s."""
    task = RunTask("baseline", 0, {}, 0, 1, str(SCENARIO), {}, 60.0, "tests.test_experiment_fakes:day_paced_run")
    estimate = estimate_duration([task] * 6, workers=2)
    assert estimate is not None and estimate.workers == 2 and estimate.runs == 6
    assert 3 * 60 * PACED_DAY_S * 0.9 < estimate.seconds < 3 * 60 * PACED_DAY_S * 1.5
    assert estimate.describe().startswith("estimated duration: about 10 seconds for 6 runs on 2 workers (")
    assert "trial runs of 1 and 4 days" in estimate.describe()
    assert estimate_duration([], workers=2) is None
    # A warm-up costs as much as counted days: 30 days after 30 of warm-up are estimated as 60.
    warm = RunTask(
        "baseline", 0, {}, 0, 1, str(SCENARIO), {}, 30.0, "tests.test_experiment_fakes:day_paced_run", warmup_days=30
    )
    warmed = estimate_duration([warm] * 6, workers=2)
    assert warmed is not None and 3 * 60 * PACED_DAY_S * 0.9 < warmed.seconds < 3 * 60 * PACED_DAY_S * 1.5


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(3, "10 seconds"), (44, "40 seconds"), (130, "2 minutes"), (840, "14 minutes"), (9000, "2.5 hours")],
)
def test_durations_are_rounded_as_estimates(seconds, text):
    assert format_duration(seconds) == text
