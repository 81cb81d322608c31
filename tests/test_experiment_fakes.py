"""Stand-in run functions with the signature of ``sim.runner.run``, for testing the experiment machinery.

They are pure functions of (overrides, seed, days), cheap, and shaped like the real output, so the
backends, the store and the report can be tested quickly and independently of the model. Worker
processes import them by ``tests.test_experiment_fakes:<name>``.
"""

from __future__ import annotations

import json
import os
import signal
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiment.seeds import replication_seeds
from sim.metrics import OUTCOMES, PERSON_STATES

#: ``failing_run`` raises for this seed (replication 1 of root seed 7) under the policy sharing data.
FAIL_SEED = replication_seeds(7, 3)[1]


@dataclass
class FakeResult:
    outcomes: dict[str, Any]
    timeseries: list[dict]
    crossings: list[dict]


def fake_run(
    scenario: Any,
    overrides: Any = None,
    seed: int = 0,
    days: float | None = None,
    progress: bool = False,
    warmup_days: int | None = None,
):
    """Outcomes drawn from the seed, shifted by a stable amount per distinct set of overrides."""
    overrides = dict(overrides or {})
    shift = zlib.crc32(json.dumps(overrides, sort_keys=True).encode()) % 7
    rng = np.random.default_rng(seed)
    n_days = int(days or 5)
    outcomes: dict[str, Any] = {o.name: float(rng.poisson(20) + shift) for o in OUTCOMES}
    outcomes["apprehension_rate"] = float(rng.uniform(0.2, 0.6))
    outcomes["victims_by_state"] = {s: int(rng.poisson(5)) for s in PERSON_STATES}
    outcomes["migrants_by_state"] = {s: int(rng.poisson(5)) for s in PERSON_STATES}
    outcomes.update(seed=seed, scenario_hash="fake", version="0", extra_tower_sites_km=[[1.5, 2.5]])
    timeseries = [
        {"day": d, **{o.name: float(rng.poisson(d + 1) + shift) for o in OUTCOMES if o.daily}} for d in range(n_days)
    ]
    crossings = [
        {
            "day": int(rng.integers(n_days)),
            "x_km": float(rng.uniform(0, 20)),
            "y_km": float(rng.uniform(5, 6)),
            "mode": str(rng.choice(["foot", "vehicle", "tunnel"])),
            "result": str(rng.choice(["succeeded", "interdicted", "died"])),
            "blind_spot": bool(rng.random() < 0.3),
        }
        for _ in range(int(rng.integers(3, 12)))
    ]
    return FakeResult(outcomes, timeseries, crossings)


def slow_run(
    scenario: Any,
    overrides: Any = None,
    seed: int = 0,
    days: float | None = None,
    progress: bool = False,
    warmup_days: int | None = None,
):
    """``fake_run`` taking a quarter of a second, so a test can kill an experiment part-way."""
    time.sleep(0.25)
    return fake_run(scenario, overrides, seed, days, progress)


def paced_run(
    scenario: Any,
    overrides: Any = None,
    seed: int = 0,
    days: float | None = None,
    progress: bool = False,
    warmup_days: int | None = None,
):
    """``fake_run`` taking ``$BORDERSIM_TEST_RUN_S`` seconds (default 0): slow in a process a test stops, instant
    when the same experiment (same fingerprint) is resumed in the test's own process."""
    time.sleep(float(os.environ.get("BORDERSIM_TEST_RUN_S", "0")))
    return fake_run(scenario, overrides, seed, days, progress)


#: Seconds a simulated day of ``day_paced_run`` takes.
PACED_DAY_S = 0.02


def day_paced_run(
    scenario: Any,
    overrides: Any = None,
    seed: int = 0,
    days: float | None = None,
    progress: bool = False,
    warmup_days: int | None = None,
):
    """``fake_run`` taking :data:`PACED_DAY_S` seconds a simulated day (warm-up days included), nothing to start:
    a known cost to estimate."""
    time.sleep(PACED_DAY_S * (float(days or 5) + (warmup_days or 0)))
    return fake_run(scenario, overrides, seed, days, progress)


def failing_run(
    scenario: Any,
    overrides: Any = None,
    seed: int = 0,
    days: float | None = None,
    progress: bool = False,
    warmup_days: int | None = None,
):
    """``fake_run`` that raises for one task: replication 1 (of root seed 7) under full data sharing."""
    if seed == FAIL_SEED and dict(overrides or {}).get("agencies.sharing") == "full":
        raise ValueError("simulated model failure")
    return fake_run(scenario, overrides, seed, days, progress)


def dying_run(
    scenario: Any,
    overrides: Any = None,
    seed: int = 0,
    days: float | None = None,
    progress: bool = False,
    warmup_days: int | None = None,
):
    """``fake_run``, except that it kills its own process part-way (SIGKILL, as the out-of-memory killer or an
    operator would) when told so by a file beside the scenario: ``die-once`` (the first call to remove the file
    dies) or ``die-always``. Files, not environment variables: worker processes may have started before."""
    control = Path(scenario).parent
    try:
        (control / "die-once").unlink()
        die = True
    except FileNotFoundError:
        die = (control / "die-always").exists()
    if die:
        time.sleep(0.2)
        os.kill(os.getpid(), signal.SIGKILL)
    return fake_run(scenario, overrides, seed, days, progress)
