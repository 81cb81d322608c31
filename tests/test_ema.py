"""sim.ema: a scenario as an EMA Workbench model. Small real EMA experiments on the classroom scenario (five-day
runs) give the outcomes that sim.runner.run gives for the same keys and seed; levers act; seeds are
reproducible; bad keys, ranges and outcomes get clear errors; bordersim runs without importing EMA."""

from __future__ import annotations

import json
import math
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim.ema import RunFunction, ema_model, ema_name
from sim.metrics import OUTCOME_BY_NAME
from sim.runner import run
from sim.schema import InputError

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.toml"
DAYS = 5
OUTCOMES = ("interdictions", "apprehension_rate", "crossings_attempted", "cost")
UNCERTAINTIES = {"crossers.per_day": (3, 9), "patrols.detection_rate_per_hour": (1.0, 4.0)}
LEVERS = {"patrols.count": (2, 8), "patrols.strategy": ["random", "hotspot"]}


def ema():
    """ema_workbench, imported as sim.ema imports it (quietly)."""
    from sim.ema import _ema_workbench

    return _ema_workbench()


def model(**kwargs):
    args = {"uncertainties": UNCERTAINTIES, "levers": LEVERS, "outcomes": OUTCOMES, "days": DAYS, "warmup_days": 0}
    return ema_model(CLASSROOM, **(args | kwargs))


def perform(m, scenarios=4, policies=2):
    workbench = ema()
    return workbench.perform_experiments(
        m,
        scenarios=scenarios,
        policies=policies,
        evaluator=workbench.SequentialEvaluator(m),
        uncertainty_sampling_kwargs={"rng": 11},
        lever_sampling_kwargs={"rng": 12},
    )


def overrides_of(row) -> dict:
    """The scenario keys of an experiment (a row of EMA's experiments table), as Python values."""
    return {
        "crossers.per_day": float(row["crossers_per_day"]),
        "patrols.detection_rate_per_hour": float(row["patrols_detection_rate_per_hour"]),
        "patrols.count": int(row["patrols_count"]),
        "patrols.strategy": str(row["patrols_strategy"]),
    }


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def test_a_small_ema_experiment_gives_the_outcomes_of_the_runs():
    m = model()
    experiments, outcomes = perform(m)
    assert len(experiments) == 8
    assert set(OUTCOMES) <= set(outcomes)
    assert experiments["policy"].nunique() == 2 and experiments["scenario"].nunique() == 4
    for i, row in experiments.iterrows():
        keys = overrides_of(row)
        assert 3 <= keys["crossers.per_day"] <= 9 and 1.0 <= keys["patrols.detection_rate_per_hour"] <= 4.0
        assert 2 <= keys["patrols.count"] <= 8 and float(row["patrols_count"]).is_integer()
        assert keys["patrols.strategy"] in ("random", "hotspot")
        result = run(CLASSROOM, keys, seed=0, days=DAYS, warmup_days=0).outcomes
        for name in OUTCOMES:
            assert same(float(outcomes[name][i]), float(result[name])), (i, name)


def test_the_keys_are_named_as_identifiers_and_keep_their_dotted_variable_names():
    m = model()
    assert ema_name("patrols.count") == "patrols_count"
    assert ema_name("staging[1].weight") == "staging_1_weight"
    assert [p.name for p in m.uncertainties] == ["crossers_per_day", "patrols_detection_rate_per_hour"]
    assert [p.variable_name for p in m.levers] == [["patrols.count"], ["patrols.strategy"]]
    workbench = ema()
    kinds = {p.name: type(p) for p in [*m.uncertainties, *m.levers]}
    assert kinds == {
        "crossers_per_day": workbench.RealParameter,
        "patrols_detection_rate_per_hour": workbench.RealParameter,
        "patrols_count": workbench.IntegerParameter,
        "patrols_strategy": workbench.CategoricalParameter,
    }
    kind = {o.name: o.kind for o in m.outcomes}
    # interdictions and crossings are neutral counts; the apprehension rate is better higher, cost lower
    assert kind == {
        "interdictions": workbench.ScalarOutcome.INFO,
        "crossings_attempted": workbench.ScalarOutcome.INFO,
        "apprehension_rate": workbench.ScalarOutcome.MAXIMIZE,
        "cost": workbench.ScalarOutcome.MINIMIZE,
    }


def test_levers_act_on_the_runs():
    workbench = ema()
    m = model()
    few = workbench.Sample("few", patrols_count=2, patrols_strategy="random")
    many = workbench.Sample("many", patrols_count=8, patrols_strategy="random")
    experiments, outcomes = perform(m, scenarios=2, policies=[few, many])
    cost = dict(zip(zip(experiments["scenario"], experiments["policy"], strict=True), outcomes["cost"], strict=True))
    for scenario in experiments["scenario"].unique():
        assert cost[scenario, "many"] > cost[scenario, "few"]  # six more patrols on the roster cost more


def test_uncertainties_and_defaults_from_the_schema():
    keys = ["crossers.retry_probability", "victims.protection", "victims.non_punishment"]
    m = ema_model(CLASSROOM, keys, outcomes=["cost"], days=DAYS)
    retry = m.uncertainties["crossers_retry_probability"]
    assert (retry.lower_bound, retry.upper_bound) == (0.0, 1.0)  # the schema's ge=0, le=1
    cats = {p.name: [c.value for c in p.categories] for p in m.uncertainties if hasattr(p, "categories")}
    assert cats == {"victims_protection": ["none", "basic", "strong"], "victims_non_punishment": [False, True]}


def test_every_experiment_runs_the_models_seed():
    m = model(seed=5, outcomes=["crossings_attempted", "interdictions"])
    workbench = ema()
    experiments, outcomes = perform(m, scenarios=2, policies=1)
    _, again = perform(m, scenarios=2, policies=1)
    assert (outcomes["crossings_attempted"] == again["crossings_attempted"]).all()
    row = experiments.iloc[0]
    expected = run(CLASSROOM, overrides_of(row), seed=5, days=DAYS, warmup_days=0).outcomes
    assert outcomes["crossings_attempted"][0] == expected["crossings_attempted"]
    assert [c.value for c in m.constants] == [5]
    assert isinstance(m, workbench.Model)


def test_replications_run_the_same_seeds_in_every_experiment_and_give_their_mean():
    workbench = ema()
    m = model(replications=[3, 8], outcomes=["crossings_attempted", "apprehension_rate"])
    assert isinstance(m, workbench.ReplicatorModel)
    assert [r["seed"] for r in m.replications] == [3, 8]
    experiments, outcomes = perform(m, scenarios=2, policies=1)
    assert outcomes["crossings_attempted"].shape == (2,)
    for i, row in experiments.iterrows():
        runs = [run(CLASSROOM, overrides_of(row), seed=s, days=DAYS, warmup_days=0).outcomes for s in (3, 8)]
        for name in ("crossings_attempted", "apprehension_rate"):
            assert same(float(outcomes[name][i]), math.fsum(float(r[name]) for r in runs) / 2), (i, name)
    assert {o.name: o.kind for o in m.outcomes}["apprehension_rate"] == workbench.ScalarOutcome.MAXIMIZE
    assert [r["seed"] for r in model(replications=3, seed=4).replications] == [4, 5, 6]


def test_the_seed_as_an_uncertainty_is_shared_by_the_policies_of_a_scenario():
    m = model(uncertainties=UNCERTAINTIES | {"seed": (0, 1000)}, outcomes=["crossings_attempted"])
    assert len(m.constants) == 0
    experiments, outcomes = perform(m, scenarios=2, policies=2)
    assert experiments.groupby("scenario")["seed"].nunique().eq(1).all()
    row = experiments.iloc[1]
    expected = run(CLASSROOM, overrides_of(row), seed=int(row["seed"]), days=DAYS, warmup_days=0).outcomes
    assert outcomes["crossings_attempted"][1] == expected["crossings_attempted"]


def test_the_model_and_its_function_survive_pickling():
    m = model()
    function = pickle.loads(pickle.dumps(m.function))
    assert isinstance(function, RunFunction)
    keys = {"crossers.per_day": 6.0, "patrols.detection_rate_per_hour": 2.0, "patrols.count": 4}
    got = function(seed=2, **keys)
    expected = run(CLASSROOM, keys, seed=2, days=DAYS, warmup_days=0).outcomes
    assert got == {name: float(expected[name]) for name in OUTCOMES}
    assert pickle.loads(pickle.dumps(m)).name == "bordersim"


def test_values_under_the_ema_names_of_the_keys_are_left_out():
    # EMA 3.0.0 leaves the previous experiment's lever values, under their EMA names, in a scenario that every
    # experiment shares: the function takes the values under the dotted keys
    m = model(uncertainties={}, levers={"patrols.count": (2, 8)})
    got = m.function(seed=1, **{"patrols.count": 6, "patrols_count": 2})
    expected = run(CLASSROOM, {"patrols.count": 6}, seed=1, days=DAYS, warmup_days=0).outcomes
    assert got == {name: float(expected[name]) for name in OUTCOMES}
    with pytest.raises(InputError, match="crossers_per_day: unknown key"):
        m.function(seed=1, **{"patrols.count": 6, "crossers_per_day": 2})  # not a key of this model's: refused


def test_optimize_over_the_levers_runs_each_policy_as_found(tmp_path):
    workbench = ema()
    m = model(uncertainties={}, levers={"patrols.count": (2, 10)}, outcomes=["apprehension_rate", "cost"], days=2)
    with workbench.SequentialEvaluator(m) as evaluator:
        found, _ = evaluator.optimize(
            nfe=8, population_size=4, searchover="levers", epsilons=[0.05, 1000.0], rng=1,
            reference=workbench.Sample("reference"), filename="archives.tar.gz", directory=str(tmp_path),
        )  # fmt: skip
    assert len(found) >= 1
    for _, row in found.iterrows():
        expected = run(CLASSROOM, {"patrols.count": int(row["patrols_count"])}, seed=0, days=2, warmup_days=0)
        assert row["cost"] == expected.outcomes["cost"]


#: A script that runs the model on EMA's MultiprocessingEvaluator with workers started by spawn, so the model
#: (its function included) reaches them pickled, as under Windows and macOS; it prints the outcomes.
MULTIPROCESSING_SCRIPT = """
import json, multiprocessing, sys
from sim.ema import ema_model

if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    m = ema_model(sys.argv[1], {"crossers.per_day": (3, 9)}, {"patrols.count": (2, 8)}, ["crossings_attempted"],
                  days=5, warmup_days=0)
    from ema_workbench import MultiprocessingEvaluator
    with MultiprocessingEvaluator(m, n_processes=2) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(
            scenarios=2, policies=1, uncertainty_sampling_kwargs={"rng": 11}, lever_sampling_kwargs={"rng": 12})
    print(json.dumps(outcomes["crossings_attempted"].tolist()))
"""


@pytest.mark.slow
def test_a_multiprocessing_evaluator_runs_the_model_in_spawned_workers(tmp_path):
    script = tmp_path / "ema_workers.py"
    script.write_text(MULTIPROCESSING_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), str(CLASSROOM)], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert done.returncode == 0, done.stderr
    m = model(
        uncertainties={"crossers.per_day": (3, 9)}, levers={"patrols.count": (2, 8)}, outcomes=["crossings_attempted"]
    )
    _, serial = perform(m, scenarios=2, policies=1)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == serial["crossings_attempted"].tolist()


def problems_of(**kwargs) -> str:
    with pytest.raises(InputError) as error:
        model(**kwargs)
    return str(error.value)


def test_an_unknown_key_names_it_and_the_close_matches():
    text = problems_of(uncertainties={"crossers.per_dya": (3, 9)})
    assert "uncertainties: crossers.per_dya: not a scenario key; close matches: crossers.per_day" in text
    text = problems_of(levers={"patrols.stratgy": ["random", "fixed"]})
    assert "levers: patrols.stratgy: not a scenario key; close matches: patrols.strategy" in text


def test_a_range_outside_the_schema_names_the_key_and_what_is_allowed():
    text = problems_of(uncertainties={"patrols.on_duty_share": (0.5, 1.5)})
    assert "uncertainties: patrols.on_duty_share: range (0.5, 1.5) is outside the key's bounds" in text
    assert "allowed: a number > 0 and <= 1" in text
    assert "empty range: low (9) must be below high (3)" in problems_of(uncertainties={"crossers.per_day": (9, 3)})
    assert "give whole numbers" in problems_of(levers={"patrols.count": (2, 7.5)})
    assert "expected a range (low, high)" in problems_of(levers={"patrols.count": (2, 4, 8)})
    text = problems_of(levers={"patrols.strategy": ["random", "sideways"]})
    assert "levers: patrols.strategy: given 'sideways'; allowed: one of 'random', 'fixed', 'hotspot'" in text
    text = problems_of(uncertainties={"crossers.return_days": None})
    assert "crossers.return_days: give a range (low, high): the schema allows a number >= 0 (days)" in text
    text = problems_of(uncertainties={"scenario.name": ["a", "b"]})
    assert "scenario.name: holds a text string; only a number" in text


def test_a_range_the_scenario_refuses_at_one_end_names_the_override():
    text = problems_of(uncertainties={"traffickers.members_per_network": (1, 10)})
    assert "(override --set traffickers.members_per_network)" in text
    assert "it must be at least traffickers.organisers + recruiters + drivers" in text
    text = problems_of(uncertainties={"staging[5].weight": (1, 2)})
    assert "staging[5].weight: index [5] is out of range: 'staging' has" in text


def test_an_unknown_outcome_lists_the_close_matches():
    text = problems_of(outcomes=["interdiction", "costs", "zzz"])
    assert "outcomes: interdiction: not an outcome; close matches: interdictions" in text
    assert re.search(r"outcomes: costs: not an outcome; close matches: cost\b", text)
    assert f"outcomes: zzz: not an outcome ({len(OUTCOME_BY_NAME)} in sim.metrics.OUTCOMES)" in text


def test_bad_seeds_names_and_clashes_are_refused():
    assert "levers: seed: the seed is no policy" in problems_of(levers=LEVERS | {"seed": (0, 9)})
    text = problems_of(uncertainties=UNCERTAINTIES | {"seed": (0, 9)}, replications=2)
    assert "sample the seed or replicate, not both" in text
    assert "replications: given 0" in problems_of(replications=0)
    assert "a list of different seeds" in problems_of(replications=[1, 1])
    assert "seed: given -1" in problems_of(seed=-1)
    text = problems_of(uncertainties=UNCERTAINTIES | {"seed": (0, 9)}, seed=3)
    assert "seed: given 3, but the seed is an uncertainty: give the seeds in one place" in text
    assert "seed: given 3, but replications lists the seeds" in problems_of(replications=[1, 2], seed=3)
    assert "levers: crossers.per_day: also an uncertainty" in problems_of(levers={"crossers.per_day": (3, 9)})
    assert "overrides: patrols.count: also varied" in problems_of(overrides={"patrols.count": 4})
    assert "name: given 'border sim'" in problems_of(name="border sim")
    assert "days: given -1" in problems_of(days=-1) and "--days" not in problems_of(days=-1)
    assert "warmup_days: given 2.5" in problems_of(warmup_days=2.5)
    assert "no uncertainties and no levers" in problems_of(uncertainties={}, levers={})


def test_bordersim_runs_without_importing_ema_and_making_a_model_is_quiet():
    code = (
        "import sys, sim.ema, sim.cli, sim.runner\n"
        "assert 'ema_workbench' not in sys.modules\n"
        "from sim.ema import ema_model\n"
        f"ema_model({str(CLASSROOM)!r}, ['patrols.count'], days=2)\n"
        "assert 'ema_workbench' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.drop")  # EMA's PRIM, on pandas 3.1
def test_every_python_block_of_the_ema_page_runs(tmp_path, monkeypatch):
    page = ROOT / "docs" / "ema.md"
    blocks = re.findall(r"^```python\n(.*?)^```$", page.read_text(encoding="utf-8"), re.S | re.M)
    assert len(blocks) >= 3
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__ema_doc__"}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"ema.md block {number}", "exec"), namespace)
    assert "experiments" in namespace and "outcomes" in namespace
