"""The court as a queue (docs/model.md, Validation): Erlang C waits, Little's law, overload growth.

The court system is driven on its own, with a bare ``mesa.Model``: arrests arrive as a Poisson stream
(a bound method rescheduling itself after exponential gaps), procedural delays are zero and trial times
exponential, so the courts are an M/M/c queue. The model time unit is a month (``steps_per_day = 1/30``)
so that Mesa's default step event adds little work; every figure the court system reports is in days.

Run lengths. At utilisation 0.8 the waits of successive cases are strongly correlated: measured by
batch means, the variance of the plain mean wait is about 35/n (c=3) and 25/n (c=1) month^2 for n
cases, so a 3% tolerance at 3 standard errors would need 3-4 million cases (over two minutes of CPU).
Control variates (the batches' arrival rate and mean trial time, whose expectations are known) cut that
to about 15/n, and runs of 100,000 months (a million and 800,000 cases, about 25 s each) give a
standard error near 1.1% of Wq: 3% is about 2.8 SE. Each run asserts its own standard error below 1.3%
so that a shorter run cannot silently weaken the test.
"""

from __future__ import annotations

import heapq
import math

import mesa
import numpy as np
import pytest

from sim.model.legal import CourtSystem
from sim.model.queueing import erlang_c, erlang_c_wait
from sim.scenario import Legal

DAYS_PER_MONTH = 30.0
STEPS_PER_DAY = 1.0 / DAYS_PER_MONTH  # one model time unit is a month


class PoissonArrests:
    """Files a case at exponential intervals: a Poisson stream of arrests at ``rate`` per model time unit."""

    def __init__(
        self, model: mesa.Model, court: CourtSystem, rate: float, cross_share: float = 0.0, cross_days: float = 0.0
    ) -> None:
        self.model = model
        self.court = court
        self.mean_gap = 1.0 / rate
        self.cross_share, self.cross_days = cross_share, cross_days  # cases needing another jurisdiction's evidence
        model.schedule_event(self.arrive, after=model.rng.exponential(self.mean_gap))

    def arrive(self) -> None:
        if self.cross_share > 0:
            cross = bool(self.model.rng.random() < self.cross_share)
            self.court.file_case(accused=None, cross_jurisdiction=cross, cross_jurisdiction_days=self.cross_days)
        else:
            self.court.file_case(accused=None)
        self.model.schedule_event(self.arrive, after=self.model.rng.exponential(self.mean_gap))


class BatchRecorder:
    """Records the court's cumulative figures at batch boundaries, for batch means."""

    def __init__(self, model: mesa.Model, court: CourtSystem, times_months: np.ndarray) -> None:
        self.court = court
        self.batch_months = float(times_months[1] - times_months[0])
        self.rows: list[tuple[int, int, float, float]] = []
        for t in times_months:
            model.schedule_event(self.record, at=float(t))

    def record(self) -> None:
        court = self.court
        self.rows.append((court.filed, court.trials_started, court.total_wait_days, court.total_trial_days))

    def mean_wait_months(self, arrival_rate: float, service_rate: float) -> dict[str, float]:
        """Mean wait before trial (months) after the warm-up, plain and with control variates, with SEs.

        Batch b gives the mean wait of the trials started in it. The plain estimate pools all batches;
        its standard error comes from the spread of the batch means. The control-variate estimate
        (Lavenberg & Welch 1981) regresses the batch means on two quantities of known mean, the
        batch's arrival rate minus lambda and its mean trial time minus 1/mu, and takes the intercept:
        a busy stretch of arrivals or long trials explains much of a batch's long waits, and removing
        that halves the variance. Its standard error is the OLS standard error of the intercept.
        """
        filed, started, wait_days, trial_days = np.diff(np.array(self.rows), axis=0).T
        batch_wait = wait_days / DAYS_PER_MONTH / started
        plain = wait_days.sum() / DAYS_PER_MONTH / started.sum()
        plain_se = batch_wait.std(ddof=1) / math.sqrt(len(batch_wait))
        controls = np.column_stack(
            [
                np.ones_like(batch_wait),
                filed / self.batch_months - arrival_rate,
                trial_days / DAYS_PER_MONTH / started - 1.0 / service_rate,
            ]
        )
        beta, rss, _, _ = np.linalg.lstsq(controls, batch_wait, rcond=None)
        sigma2 = float(rss[0]) / (len(batch_wait) - controls.shape[1])
        cv_se = math.sqrt(sigma2 * np.linalg.inv(controls.T @ controls)[0, 0])
        return {"plain": plain, "plain_se": plain_se, "cv": float(beta[0]), "cv_se": cv_se, "cases": started.sum()}


def mmc_legal(courts: int, service_rate_per_month: float) -> Legal:
    """Courts as an M/M/c queue: no procedure, no pleas, exponential trials, no pretrial release."""
    return Legal(
        courts=courts,
        trial_days_mean=DAYS_PER_MONTH / service_rate_per_month,
        trial_distribution="exponential",
        procedural_delay_days=0.0,
        detention_capacity=10**9,
        abscond_probability=0.0,
        plea_share=0.0,
    )


def run_queue(courts, arrival_rate, service_rate, months, seed, warmup_months=200.0, batches=50):
    model = mesa.Model(rng=seed)
    court = CourtSystem(model, mmc_legal(courts, service_rate), STEPS_PER_DAY, keep_history=False)
    model.arrests = PoissonArrests(model, court, arrival_rate)
    recorder = BatchRecorder(model, court, np.linspace(warmup_months, months, batches + 1))
    model.run_until(months)
    return court, recorder


def little_terms(court: CourtSystem, kind: str) -> tuple[float, float, float]:
    """(L, lambda, W) for open cases (``open``) or the court queue (``queue``), counting open cases to now.

    W is the mean time each filed case has spent in the stage so far: closed cases their whole stay,
    cases still open the time up to now. Computed from the court's per-case figures, independently of
    the time integral behind L.
    """
    now = court.now_day
    lam = court.filed / court.elapsed_days
    if kind == "open":
        closed_days = court.mean_days_to_verdict * court.decided
        still_open_days = sum(now - case.arrest_day for case in court.open_cases.values())
    else:
        closed_days = court.total_wait_days
        still_open_days = sum(now - case.queued_day for case in court.open_cases.values() if case.stage == "queue")
    return court.time_average_open_cases(kind), lam, (closed_days + still_open_days) / court.filed


def test_erlang_c_formula_matches_validation_examples():
    assert erlang_c(3, 10 / 4) == pytest.approx(0.7022, abs=5e-5)
    assert erlang_c_wait(3, 10, 4) == pytest.approx(0.3511, abs=5e-5)
    assert erlang_c_wait(3, 10, 4) + 1 / 4 == pytest.approx(0.6011, abs=5e-5)
    assert erlang_c_wait(1, 8, 10) == pytest.approx(0.4, abs=1e-12)
    # L = lambda W for c=1, lambda=8, mu=10: 8 * (0.4 + 0.1) = 4.
    assert 8 * (erlang_c_wait(1, 8, 10) + 1 / 10) == pytest.approx(4.0, abs=1e-12)
    # With one server Erlang C is the utilisation; it rises to 1 as the load nears capacity.
    assert erlang_c(1, 0.37) == pytest.approx(0.37)
    assert erlang_c(5, 4.999) > 0.99
    with pytest.raises(ValueError, match="stable"):
        erlang_c(2, 2.0)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("courts", "arrival_rate", "service_rate", "expected_wq"),
    [
        (3, 10.0, 4.0, 0.3511),  # c=3, mu=4, lambda=10 per month: a million cases
        (1, 8.0, 10.0, 0.4),  # c=1, lambda=8, mu=10 per month: 800,000 cases
    ],
)
def test_mmc_wait_matches_erlang_c_and_littles_law_holds(courts, arrival_rate, service_rate, expected_wq):
    court, recorder = run_queue(courts, arrival_rate, service_rate, months=100_000.0, seed=20240611)

    # (a) Mean wait before trial against Erlang C. The SE guard keeps the 3% tolerance near 3 SE.
    wait = recorder.mean_wait_months(arrival_rate, service_rate)
    cv, se = wait["cv"], wait["cv_se"]
    described = (
        f"M/M/{courts} mean wait {cv:.4f} months (control variates; plain mean {wait['plain']:.4f}, "
        f"SE {wait['plain_se']:.4f}) vs Erlang C {expected_wq}: {(cv - expected_wq) / se:+.1f} SE, "
        f"SE {se:.4f} ({se / expected_wq:.2%}) over {wait['cases']:.0f} trials"
    )
    assert se / expected_wq < 0.013, f"run too short for a 3% tolerance: {described}"
    assert cv == pytest.approx(expected_wq, rel=0.03), described

    # (b) Little's law on the same run, for all open cases and for the queue alone.
    for kind in ("open", "queue"):
        average, lam, w_to_now = little_terms(court, kind)
        # Counting open cases up to now, L = lambda W is an identity of exact bookkeeping.
        assert average == pytest.approx(lam * w_to_now, rel=1e-9), (kind, average, lam * w_to_now)
    # With the mean time to verdict of decided cases only (what a report shows), within 1%.
    average = court.time_average_open_cases("open")
    lam = court.filed / court.elapsed_days
    assert average == pytest.approx(lam * court.mean_days_to_verdict, rel=0.01), (
        f"L = {average:.4f} vs lambda W = {lam * court.mean_days_to_verdict:.4f}"
    )


def test_court_serves_first_come_first_served_on_c_courts_exactly():
    """Case by case, the court's waits equal the Kiefer-Wolfowitz recursion of a FCFS c-server queue.

    Given each case's arrival and trial duration (read back from the court), the FCFS waits on ``c``
    parallel servers are determined exactly: each case starts when it has arrived and the earliest
    court is free. Only the prefix of cases all closed is used (a case's wait depends on earlier ones only).
    """
    model = mesa.Model(rng=3)
    court = CourtSystem(model, mmc_legal(3, 4.0), STEPS_PER_DAY)
    model.arrests = PoissonArrests(model, court, 10.0)
    model.run_until(2000.0)
    cases = sorted(court.closed_cases + list(court.open_cases.values()), key=lambda case: case.case_id)
    first_open = next(i for i, case in enumerate(cases) if case.is_open)
    assert first_open > 15_000
    free_at = [0.0, 0.0, 0.0]
    for case in cases[:first_open]:
        start = max(case.arrest_day, heapq.heappop(free_at))
        assert case.trial_start_day == pytest.approx(start, abs=1e-6), case
        heapq.heappush(free_at, start + (case.closed_day - case.trial_start_day))


def test_littles_law_holds_with_procedure_release_and_absconding():
    """Little's law per stage in a run with every delay, lognormal trials and absconding released accused."""
    legal = Legal(
        courts=2,
        trial_days_mean=2.0,
        trial_distribution="lognormal",
        procedural_delay_days=30.0,
        detention_capacity=40,
        abscond_probability=0.4,
        plea_share=0.0,  # with pleas: tests/test_pleas.py
    )
    model = mesa.Model(rng=7)
    court = CourtSystem(model, legal, steps_per_day=1.0)
    # Here a model time unit is a day; three cases in ten need another jurisdiction's evidence (90 days more).
    model.arrests = PoissonArrests(model, court, rate=0.8, cross_share=0.3, cross_days=90.0)
    model.run_until(20_000.0)
    assert court.absconded > 500 and court.decided > 10_000, court.summary()

    now = court.now_day
    cases = court.closed_cases + list(court.open_cases.values())
    lam = court.filed / court.elapsed_days
    for kind, start, end in (
        ("open", "arrest_day", "closed_day"),
        ("procedure", "arrest_day", "queued_day"),
        ("queue", "queued_day", "trial_start_day"),
        ("trial", "trial_start_day", "closed_day"),
    ):
        stays = []
        for case in cases:
            entered = getattr(case, start)
            if entered is None:
                continue
            left = getattr(case, end)
            if left is None:
                left = case.closed_day if (case.closed_day is not None and kind == "procedure") else now
            stays.append(left - entered)
        average = court.time_average_open_cases(kind)
        w = sum(stays) / court.filed
        assert average == pytest.approx(lam * w, rel=1e-9), (kind, average, lam * w)
    # Cases closed only (each case's full time open), within 1% of the time average: the run is long.
    closed_stay = np.mean([case.closed_day - case.arrest_day for case in court.closed_cases])
    assert court.time_average_open_cases("open") == pytest.approx(lam * closed_stay, rel=0.01)


@pytest.mark.parametrize(("courts", "arrival_rate", "service_rate"), [(1, 10.0, 5.0), (2, 12.0, 3.0), (0, 6.0, 4.0)])
def test_overloaded_backlog_grows_at_lambda_minus_c_mu(courts, arrival_rate, service_rate):
    """rho > 1: the backlog grows at lambda - c mu (per month).

    Over the measured window the growth is (arrivals - trials finished), whose standard deviation is
    about sqrt((lambda + c mu) T): with T = 2400 months it is under 1.7% of the expected growth, so 5% is
    over 3 standard errors.
    """
    model = mesa.Model(rng=11)
    court = CourtSystem(model, mmc_legal(courts, service_rate), STEPS_PER_DAY, keep_history=False)
    model.arrests = PoissonArrests(model, court, arrival_rate)
    model.run_until(100.0)
    start_backlog = court.backlog
    model.run_until(2500.0)
    growth_per_month = (court.backlog - start_backlog) / 2400.0
    expected = arrival_rate - courts * service_rate
    assert growth_per_month == pytest.approx(expected, rel=0.05), (
        f"backlog grew {growth_per_month:.3f}/month vs lambda - c mu = {expected}"
    )
    assert court.in_trial == courts
