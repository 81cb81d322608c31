"""The legal pipeline: arrest -> case -> procedure -> court queue -> trial -> verdict.

One :class:`CourtSystem` per model turns arrests into cases and cases into verdicts. Every delay is a
scheduled Mesa event (``model.schedule_event``), never a per-step countdown, so the pipeline costs
nothing between events and is exact in continuous time.

Mechanisms (from the seed article's "legal and procedural obstacles"):

* **Procedure.** A case first waits a fixed procedural delay (investigation, filings), plus, for a
  cross-jurisdiction case (one that uses evidence held by an agency of the other jurisdiction, which the
  model decides: :meth:`sim.model.enforcement.Enforcement.arrest`), the delay of the cooperation lever
  that let the evidence cross (``agencies.treaty_delay_days`` or ``agencies.joint_team_delay_days``).
* **Court queue.** Cases then join one first-come-first-served queue served by ``courts`` parallel
  courts (an M/G/c queue; with exponential trial times and no procedural delay, the M/M/c queue of
  Erlang (1917), whose mean wait is given by :func:`sim.model.queueing.erlang_c_wait`). With no
  courts the backlog only grows.
* **Evidence and verdict.** Evidence strength decays exponentially with a half-life from arrest to the
  plea decision and to the verdict; records about the accused held by other agencies (linked cases) add
  ``shared_evidence_bonus x (1 - 0.5^n)`` for ``n`` such records. The conviction probability at trial is
  ``clip(base_conviction_probability * evidence + witness_bonus * witness, 0, 1)``; a conviction carries
  ``sentence_years`` (:attr:`Case.sentence_years`).
* **Witnesses lost to time.** A case's testifying victims (one or more: the victims of an interdicted group
  who agreed to testify against its guide) are lost to the case (returned home, removed, withdrawn) at the
  hazard ``witness_loss_per_year`` (times ``witness_loss_protection_factor`` under protection; the model
  gives the hazard of each case) from filing on, together: the loss time is drawn at filing, and the
  witnesses count at the plea decision and at the verdict only if not lost by then. A loss is counted when it
  happens (:attr:`CourtSystem.witnesses_lost`, ``on_witness_lost``), while the case still waits for its
  witnesses (before a plea decision that ends in a plea or a dismissal, or before a trial's verdict; a case
  closed by absconding waits no more), so that a year in which few cases are decided still counts the
  witnesses its waiting cases lost. The victims of a case
  decided by a plea or a trial verdict with its witnesses still there are the victims who testified
  (:attr:`CourtSystem.victims_testified`); a longer wait loses more of them.
* **Pleas in the shadow of trial.** Every case goes through its procedure; at its end (the plea decision)
  the prosecution and the defence weigh the trial they would face (Landes 1971; Bibas 2004). With ``p`` the
  conviction probability at trial now (evidence decayed, witness lost or not): below
  ``dismissal_threshold`` the case is dismissed (an acquittal without trial). Otherwise the prosecution
  offers a plea to the charge, or, for a case carrying a lesser charge (trafficking: smuggling) with ``p``
  below ``charge_reduction_threshold``, to the lesser charge; the plea sentence is the offered charge's
  ``S_offer = years x (1 - plea_sentence_discount)``. The defendant pleads when the expected trial sentence
  ``p x S`` plus the cost of a trial ``trial_cost_years`` exceeds ``S_offer``; their estimate of ``p`` is off
  by a normal error of sd ``plea_belief_sd``, so the plea probability is
  ``plea_share x Phi((p x S + trial_cost_years - S_offer) / (plea_belief_sd x S))``, ``plea_share`` its
  ceiling. Heavy charges (trafficking, organisers) plead less, weak cases are dismissed or reduced, and a
  longer procedure weakens every case before the decision. A plea closes as a conviction
  ``plea_procedure_days`` later without court time; the rest join the court queue ``trial_preparation_days``
  later (motions, discovery for trial, the trial date; the case stays in its procedure meanwhile), so that a
  trial takes longer from filing to disposition than a plea, as in the courts (Boland 1986).
* **Pretrial detention.** At most ``detention_capacity`` accused are detained at once. An accused
  arrested when every place is taken is released at arrest under ``detention_priority = "arrival"``; under
  ``"charge"`` (the default) an accused facing a heavier charge (a longer mean sentence,
  :attr:`Case.charged_years`) takes the place of the detained accused facing the lightest charge (the
  latest arrested among equals), who is released pending trial, and is released only when nobody detained
  faces a lighter charge. A released accused absconds with ``abscond_probability``, at a time drawn
  uniformly over the rest of the pretrial procedure (at once when the procedure takes no time), and the
  case closes as ``absconded``; one released from detention after the procedure ended does not abscond
  (the trial is near). A place frees at the verdict.

Bookkeeping. A case is *open* from filing (arrest) until it closes (verdict or abscond). Open cases
are in exactly one stage: ``procedure``, ``queue`` (waiting for a court) or ``trial``. The number of
cases in each stage, and of accused in pretrial detention, is integrated exactly over time at every
event, so :meth:`CourtSystem.time_average_open_cases` and the per-case stage times satisfy Little's law
``L = lambda W`` (Little 1961) identically when cases still open are counted up to the present, and
:attr:`CourtSystem.detention_days` is exact.

Time to verdict. The mean over the cases decided so far (:attr:`CourtSystem.mean_days_to_verdict`)
leaves out every case still open, the long ones first, so in a finite run it is biased low and grows
with the run length. :meth:`CourtSystem.days_to_verdict_estimate` is the Kaplan-Meier (1958) estimate
instead: cases still open are censored at their present age and absconded cases at the abscond, and the
mean is the area under the survival curve up to the longest time observed. Plea convictions are verdicts
like the others, so it is the mean over pleas and trials. It estimates the time to verdict without
run-length bias as long as the courts keep up. When they do not, the queue grows without bound and so
does any estimate: :attr:`CourtSystem.utilisation` (cases reaching the courts per day, pleas left out,
over ``courts / trial_days_mean``) says so.

Time to punishment. :meth:`CourtSystem.mean_days_to_punishment` is the mean days from arrest to conviction
(the expected procedure before the first conviction), and :meth:`CourtSystem.penalty_discount` the factor
``exp(-offender_discount_per_year x days / 365)`` by which networks discount a penalty that comes that late
(Nagin & Pogarsky 2001).

Units. The model clock runs in model time units; ``steps_per_day`` converts. Every public figure and
every case timestamp is in days since the start of the model clock.
"""

from __future__ import annotations

import heapq
import math
import numbers
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

if TYPE_CHECKING:
    import mesa

    from sim.scenario import Legal

DAYS_PER_YEAR = 365.0


class Disposition(StrEnum):
    """How an open case was disposed of (``""`` while open)."""

    OPEN = ""
    PLEA = "plea"
    TRIAL = "trial"
    DISMISSED = "dismissed"
    ABSCONDED = "absconded"


class CaseOutcome(StrEnum):
    """How a case ended (``pending`` while it is open)."""

    PENDING = "pending"
    CONVICTED = "convicted"
    ACQUITTED = "acquitted"
    ABSCONDED = "absconded"


class CaseStage(StrEnum):
    """Where a case is in the pipeline."""

    PROCEDURE = "procedure"
    QUEUE = "queue"
    TRIAL = "trial"
    CLOSED = "closed"


#: Stages a case can be open in, and ``open`` for all of them: the ``kind`` of the time averages.
OPEN_KINDS = ("open", "procedure", "queue", "trial")
_STAGE_INDEX = {CaseStage.PROCEDURE: 0, CaseStage.QUEUE: 1, CaseStage.TRIAL: 2}


@dataclass(slots=True, eq=False, weakref_slot=True)
class Case:
    """One accused's case. Times are in days since the start of the model clock.

    Attributes:
        case_id: Sequence number of the case in its court system (from 1).
        accused: Whatever the model uses to identify the accused (an agent or its id); opaque here.
        network_id: Trafficking network of the accused (``None`` if unknown).
        arrest_day: When the case was filed (the arrest).
        evidence: Evidence strength at arrest, 0..1.
        witness: A victim testifies (``witnesses`` > 0).
        witnesses: How many victims testify (lost to the case together).
        shared_evidence: Records about the accused held by other agencies that the case links (0: none); they
            add ``shared_evidence_bonus x (1 - 0.5^n)`` to the evidence. ``True`` counts as one.
        cross_jurisdiction: The case needs another jurisdiction's cooperation (longer procedure).
        detained: The accused holds a pretrial detention place (``False``: released at arrest, or later to
            give the place to an accused facing a heavier charge).
        pretrial_days: Procedure length of this case (procedural + cross-jurisdiction delay), up to the plea
            decision.
        by_plea: The case is resolved by a guilty plea (no queue, no trial), decided at the plea decision.
        lesser_years: Mean sentence of the lesser charge the case can be reduced to (``None``: none).
        reduced: The plea was to the lesser charge (charge bargaining).
        witness_lost_after: Days from filing after which the witness is lost (``inf``: never, or no witness).
        witness_lost: The witness was lost while the case still waited for it (set when lost).
        witness_done: The case no longer needs its witness (a plea decision ending in a plea or a dismissal, a
            trial's verdict): a loss after it is not a loss to the case.
        plea_draw: The uniform draw that decides the plea, drawn at filing.
        decision_day: When the plea decision was taken (``None`` before it).
        disposition: ``plea``, ``trial``, ``dismissed`` or ``absconded`` once closed.
        queued_day: When the case joined the court queue (``None`` if it never did).
        trial_start_day: When its trial started.
        closed_day: When it closed (verdict or abscond).
        released_day: When an accused held at arrest was released pending trial to free their place
            (``None`` if never held, or held to the end).
        evidence_at_verdict: Evidence strength after decay and bonus, at the verdict.
        conviction_probability: Probability of conviction used at the verdict (1 for a plea).
        charged_years: Mean sentence of the charge, as filed (``sentence_years`` unless the model says otherwise).
        sentence_years: Mean sentence of a conviction (``None`` unless convicted): ``charged_years``, less
            ``plea_sentence_discount`` for a plea.
        outcome: ``pending`` while open, then ``convicted``, ``acquitted`` or ``absconded``.
        stage: ``procedure``, ``queue``, ``trial`` or ``closed``.
    """

    case_id: int
    accused: Any
    network_id: int | None
    arrest_day: float
    evidence: float
    witness: bool
    shared_evidence: int
    cross_jurisdiction: bool
    detained: bool
    pretrial_days: float
    witnesses: int = 0
    by_plea: bool = False
    lesser_years: float | None = None
    charge: str = ""
    reduced: bool = False
    witness_lost_after: float = math.inf
    witness_lost: bool = False
    witness_done: bool = False
    plea_draw: float = 0.0
    decision_day: float | None = None
    disposition: Disposition = Disposition.OPEN
    queued_day: float | None = None
    trial_start_day: float | None = None
    closed_day: float | None = None
    released_day: float | None = None
    evidence_at_verdict: float | None = None
    conviction_probability: float | None = None
    charged_years: float | None = None
    sentence_years: float | None = None
    outcome: CaseOutcome = CaseOutcome.PENDING
    stage: CaseStage = CaseStage.PROCEDURE
    _court: CourtSystem | None = field(default=None, repr=False)
    #: The case's random stream (plea, absconding, trial length, verdict); the court system's when not given.
    rng: np.random.Generator | None = field(default=None, repr=False)

    def days_detained(self, now: float) -> float:
        """Days the accused has held a pretrial detention place, up to ``now`` (days)."""
        if self.detained:
            return (now if self.closed_day is None else self.closed_day) - self.arrest_day
        return 0.0 if self.released_day is None else self.released_day - self.arrest_day

    def witness_at(self, now: float) -> bool:
        """A victim testifies and has not been lost to the case by ``now`` (days)."""
        return self.witness and now - self.arrest_day < self.witness_lost_after

    @property
    def is_open(self) -> bool:
        """The case has not closed yet."""
        return self.stage is not CaseStage.CLOSED

    @property
    def days_to_verdict(self) -> float | None:
        """Days from arrest to verdict (``None`` unless convicted or acquitted)."""
        if self.outcome in (CaseOutcome.CONVICTED, CaseOutcome.ACQUITTED):
            return self.closed_day - self.arrest_day
        return None

    @property
    def wait_days(self) -> float | None:
        """Days waiting in the court queue before the trial (``None`` until the trial starts)."""
        if self.trial_start_day is None:
            return None
        return self.trial_start_day - self.queued_day

    # Event targets. Mesa holds scheduled callables by weak reference; the court keeps every open
    # case in a dict, so these bound methods stay alive exactly as long as the case is open.
    def _end_procedure(self) -> None:
        if self.stage is not CaseStage.CLOSED:  # not absconded after a release from detention
            self._court._plea_decision(self)

    def _end_preparation(self) -> None:
        if self.stage is not CaseStage.CLOSED:
            self._court._join_queue(self)

    def _end_plea(self) -> None:
        if self.stage is not CaseStage.CLOSED:
            self._court._plea_verdict(self)

    def _end_trial(self) -> None:
        self._court._deliver_verdict(self)

    def _abscond(self) -> None:
        self._court._abscond(self)

    def _lose_witness(self) -> None:
        self._court._lose_witness(self)


class CourtSystem:
    """Courts, pretrial detention and the cases flowing through them.

    Args:
        model: The Mesa model whose clock and event list drive the pipeline.
        legal: The ``[legal]`` section of the scenario.
        steps_per_day: Model time units per day (``24 * 60 / step_minutes`` for a border model).
        rng: Random generator of the courts (a border model gives its courts' stream,
            ``streams[Mechanism.COURTS]``); defaults to ``model.rng``.
        on_verdict: Called with the case at a verdict (``case.outcome`` is convicted or acquitted).
        on_release: Called with the case when the accused is released pretrial (inside
            :meth:`file_case`, since release happens at arrest).
        on_abscond: Called with the case when a released accused absconds (as a scheduled event).
        on_witness_lost: Called with the case when its witnesses are lost while it waits for them.
        keep_history: Keep closed cases in :attr:`closed_cases` (turn off for very long runs).

    Raises:
        ValueError: ``steps_per_day`` is not a positive number.
    """

    def __init__(
        self,
        model: mesa.Model,
        legal: Legal,
        steps_per_day: float,
        *,
        rng: np.random.Generator | None = None,
        on_verdict: Callable[[Case], None] | None = None,
        on_release: Callable[[Case], None] | None = None,
        on_abscond: Callable[[Case], None] | None = None,
        on_witness_lost: Callable[[Case], None] | None = None,
        keep_history: bool = True,
    ) -> None:
        if not (isinstance(steps_per_day, numbers.Real) and math.isfinite(steps_per_day) and steps_per_day > 0):
            raise ValueError(f"steps_per_day must be model time units per day (> 0), got {steps_per_day!r}")
        self.model = model
        self.legal = legal
        self.steps_per_day = float(steps_per_day)
        self.rng = rng if rng is not None else model.rng
        self.on_verdict = on_verdict
        self.on_release = on_release
        self.on_abscond = on_abscond
        self.on_witness_lost = on_witness_lost
        self.keep_history = keep_history

        self.courts = legal.courts
        self.open_cases: dict[int, Case] = {}
        #: The open cases of each accused, in the order they were filed (:meth:`open_cases_of`).
        self._open_by_accused: dict[int, dict[int, Case]] = {}
        #: The cases filed detained, lightest charge first (:meth:`_displaced_by`); a case released or closed
        #: since is dropped when it comes to the top.
        self._held: list[tuple[float, float, int, Case]] = []
        self.closed_cases: list[Case] = []
        self._queue: deque[Case] = deque()
        self._next_id = 1
        self._detained_now = 0

        self.filed = 0
        self.convicted = 0
        self.acquitted = 0
        self.pleas = 0  # convictions by plea (counted in convicted too)
        self.reduced = 0  # pleas to the lesser charge (counted in pleas too)
        self.dismissed = 0  # cases dismissed at the plea decision (counted in acquitted too)
        self.witnesses = 0  # cases filed with a testifying victim
        self.witnesses_lost = 0  # of those, lost while the case waited for the witness (counted when lost)
        self.witness_victims = 0  # testifying victims of the cases filed
        self.victims_testified = 0  # of those, heard: their case decided by plea or trial before they were lost
        self.absconded = 0
        self.released = 0
        self._sum_days_to_verdict = 0.0
        #: Convictions since the start and their days from arrest: what the networks have seen of the delay to
        #: punishment (state, kept across the end of a warm-up, unlike the books).
        self._convictions_seen = 0
        self._sum_days_to_conviction = 0.0
        self._sum_wait_days = 0.0
        self._sum_trial_days = 0.0
        self._trials_started = 0

        self._start_day = self.now_day
        self._clock_day = self._start_day
        # Cases now in, and integral over time (case-days) of cases in, each open stage, in _STAGE_INDEX order.
        self._counts = [0, 0, 0]
        self._areas = [0.0, 0.0, 0.0]
        self._detention_area = 0.0  # accused-days in pretrial detention
        self.bound_for_trial = 0  # cases that reached the court queue (not pleaded, dismissed or absconded)
        # Closed cases for the survival estimate: days from arrest to closing, and whether it was a verdict.
        self._closed_days: list[float] = []
        #: Days from filing to disposition of the cases closed, by the charge filed (counted cases only).
        self._closed_days_by_charge: dict[str, list[float]] = {}
        #: Days from filing to disposition of every case closed since the books opened, whenever filed, by how it
        #: was disposed of (:class:`Disposition` value): what the federal caseload statistics count.
        self._disposed_days_by_method: dict[str, list[float]] = {}
        self._closed_verdict: list[bool] = []
        self._counted_from = self._start_day  # cases arrested since then make the survival estimate

    def open_books(self) -> None:
        """Start the counts afresh now (the end of a warm-up); the cases, the queue and detention carry on.

        Verdicts, pleas, acquittals, absconds, releases, filings, the stage and detention integrals and the
        elapsed time restart from now, so every figure covers the time since (utilisation: the cases reaching
        the courts since, per day since). The survival estimate (:meth:`days_to_verdict_estimate`) follows the
        cases arrested from now on; the backlog stays a count of the cases open now.
        """
        now = self._advance_clock()
        self.filed = self.convicted = self.acquitted = self.pleas = self.absconded = self.released = 0
        self._sum_days_to_verdict = self._sum_wait_days = self._sum_trial_days = 0.0
        self._trials_started = self.bound_for_trial = 0
        self._areas = [0.0, 0.0, 0.0]
        self._detention_area = 0.0
        self._start_day = self._counted_from = now
        self._closed_days, self._closed_verdict = [], []
        self._closed_days_by_charge = {}
        self._disposed_days_by_method = {}

    # ------------------------------------------------------------------ clock and bookkeeping
    @property
    def now_day(self) -> float:
        """The model clock in days."""
        return self.model.time / self.steps_per_day

    def _advance_clock(self) -> float:
        """Integrate the open-case counts up to now; return now in days."""
        now = self.model.time / self.steps_per_day
        dt = now - self._clock_day
        if dt > 0:
            counts, areas = self._counts, self._areas
            areas[0] += counts[0] * dt
            areas[1] += counts[1] * dt
            areas[2] += counts[2] * dt
            self._detention_area += self._detained_now * dt
            self._clock_day = now
        return now

    def _move(self, case: Case, stage: CaseStage) -> None:
        """Move an open case to another stage or close it (the clock must have been advanced)."""
        self._counts[_STAGE_INDEX[case.stage]] -= 1
        if stage is not CaseStage.CLOSED:
            self._counts[_STAGE_INDEX[stage]] += 1
        case.stage = stage

    def _schedule(self, callback: Callable[[], None], days: float) -> None:
        self.model.schedule_event(callback, after=days * self.steps_per_day)

    # ------------------------------------------------------------------ public entry point
    def file_case(
        self,
        accused: Any,
        network_id: int | None = None,
        evidence: float = 1.0,
        witness: bool | int = False,
        shared_evidence: int = 0,
        cross_jurisdiction: bool = False,
        cross_jurisdiction_days: float = 0.0,
        sentence_years: float | None = None,
        lesser_years: float | None = None,
        witness_loss_per_year: float = 0.0,
        rng: np.random.Generator | None = None,
        charge: str = "",
        procedure_factor: float = 1.0,
    ) -> Case:
        """Open a case at the arrest of ``accused``, now.

        Args:
            accused: The accused, as the model identifies them (returned in callbacks via ``case.accused``).
            network_id: The accused's network, for the model's own accounting.
            evidence: Evidence strength at arrest, 0..1.
            witness: How many victims testify for the prosecution (``True`` counts as one; they are lost to the
                case together).
            shared_evidence: Linked records about the accused held by other agencies (``True`` counts as one).
            cross_jurisdiction: The case needs evidence held in another jurisdiction.
            cross_jurisdiction_days: Its extra procedure (the cooperation lever's delay); only with
                ``cross_jurisdiction``.
            sentence_years: Mean sentence of the charge on conviction; ``None``: ``legal.sentence_years``.
            lesser_years: Mean sentence of the lesser charge a weak case can be reduced to in a plea
                (``None``: no lesser charge).
            witness_loss_per_year: Hazard at which the witness is lost while the case waits (0: never).
            rng: The case's own random stream (a border model gives the accused's, so that their case meets the
                same draws whenever it is filed); ``None``: the court system's.
            charge: The charge filed, as the model names it ("trafficking", "smuggling"): the durations by charge
                (:meth:`median_days_to_disposition`) are kept for it.
            procedure_factor: The case's pre-trial procedure as a multiple of ``legal.procedural_delay_days``
                (a border model gives ``legal.trafficking_procedure_factor`` for a trafficking charge).

        Two uniforms are drawn from the case's stream at filing, whatever the case (the witness's loss time and
        the plea draw), then the absconding draws of a released accused.

        Returns:
            The new case (open, in ``procedure``; already decided, queued or in trial when the procedure takes
            no time).

        Raises:
            ValueError: ``evidence`` is outside 0..1.
        """
        if not 0.0 <= evidence <= 1.0:
            raise ValueError(f"evidence must be between 0 and 1, got {evidence!r}")
        now = self._advance_clock()
        legal = self.legal
        pretrial_days = legal.procedural_delay_days * procedure_factor
        if cross_jurisdiction:
            pretrial_days += cross_jurisdiction_days
        rng = rng if rng is not None else self.rng
        loss_draw, plea_draw = rng.random(2)
        witnesses = int(witness)
        if witnesses < 0:
            raise ValueError(f"witness must be a count of victims, 0 or more, got {witness!r}")
        witness = witnesses > 0
        lost_after = math.inf
        if witness and witness_loss_per_year > 0:
            lost_after = -math.log1p(-loss_draw) * DAYS_PER_YEAR / witness_loss_per_year
        charged_years = legal.sentence_years if sentence_years is None else sentence_years
        detained = self._detained_now < legal.detention_capacity
        displaced = None if detained else self._displaced_by(charged_years)
        detained = detained or displaced is not None
        case = Case(
            case_id=self._next_id,
            accused=accused,
            network_id=network_id,
            arrest_day=now,
            evidence=float(evidence),
            witness=witness,
            witnesses=witnesses,
            shared_evidence=int(shared_evidence),
            cross_jurisdiction=cross_jurisdiction,
            detained=detained,
            pretrial_days=pretrial_days,
            lesser_years=lesser_years,
            charge=charge,
            witness_lost_after=lost_after,
            plea_draw=float(plea_draw),
            charged_years=charged_years,
            _court=self,
            rng=rng,
        )
        self._next_id += 1
        self.filed += 1
        self.witnesses += witness
        self.witness_victims += witnesses
        self.open_cases[case.case_id] = case
        self._open_by_accused.setdefault(id(accused), {})[case.case_id] = case
        if detained:
            heapq.heappush(self._held, (charged_years, -now, -case.case_id, case))
        if math.isfinite(lost_after):
            self._schedule(case._lose_witness, lost_after)  # counted then if the case still waits for it
        self._counts[_STAGE_INDEX[CaseStage.PROCEDURE]] += 1
        if displaced is not None:
            self._release_from_detention(displaced, now)  # the place passes to the new case
        elif detained:
            self._detained_now += 1
        else:
            self._release(case)
            if case.rng.random() < legal.abscond_probability:
                self._schedule(case._abscond, case.rng.random() * pretrial_days)
                return case
        if pretrial_days > 0:
            self._schedule(case._end_procedure, pretrial_days)
        else:
            self._plea_decision(case)
        return case

    # ------------------------------------------------------------------ pretrial detention
    def _displaced_by(self, charged_years: float) -> Case | None:
        """Under ``detention_priority = "charge"``, with every place taken: the detained accused who gives up
        their place to a new accused charged with ``charged_years`` (the lightest charge, the latest arrested
        among equals), if their charge is lighter; else ``None``."""
        if self.legal.detention_priority != "charge" or self._detained_now == 0:
            return None
        held = self._held
        while not (held[0][3].detained and held[0][3].is_open):  # released or closed since it was filed
            heapq.heappop(held)
        lightest = held[0][3]
        return lightest if lightest.charged_years < charged_years else None

    def _release_from_detention(self, case: Case, now: float) -> None:
        """Release a detained accused pending trial to free their place: they may abscond over the rest of
        their procedure, never once it has ended."""
        case.detained = False
        case.released_day = now
        self._release(case)
        left = case.arrest_day + case.pretrial_days - now
        if case.stage is CaseStage.PROCEDURE and left > 0 and case.rng.random() < self.legal.abscond_probability:
            self._schedule(case._abscond, case.rng.random() * left)

    # ------------------------------------------------------------------ stages
    def _release(self, case: Case) -> None:
        self.released += 1
        if self.on_release is not None:
            self.on_release(case)

    def plea_probability(self, case: Case, p: float) -> tuple[float, bool]:
        """The chance that ``case`` ends in a plea at a trial conviction probability ``p``, and whether the
        offer is to the lesser charge.

        The defendant pleads when ``p x S + trial_cost_years > S_offer`` (Landes 1971), ``S`` the charge's mean
        sentence and ``S_offer`` the offered charge's, less ``plea_sentence_discount``; their estimate of ``p``
        has a normal error of sd ``plea_belief_sd``, and ``plea_share`` caps the probability.
        """
        legal = self.legal
        years = case.charged_years
        reduce = case.lesser_years is not None and p < legal.charge_reduction_threshold
        offer = (case.lesser_years if reduce else years) * (1.0 - legal.plea_sentence_discount)
        margin = p * years + legal.trial_cost_years - offer
        if legal.plea_belief_sd > 0:
            accept = 0.5 * (1.0 + math.erf(margin / (legal.plea_belief_sd * years * math.sqrt(2.0))))
        else:
            accept = float(margin > 0)
        return legal.plea_share * accept, reduce

    def _plea_decision(self, case: Case) -> None:
        """The end of the procedure: the case is dismissed, ends in a plea or joins the court queue."""
        now = self._advance_clock()
        case.decision_day = now
        p = self._probability(self.evidence_now(case), case.witness_at(now))
        if p < self.legal.dismissal_threshold:
            self._dismiss(case, now)
            return
        chance, reduce = self.plea_probability(case, p)
        if case.plea_draw < chance:
            case.by_plea = True
            case.reduced = reduce
            self._note_witness(case, now)
            if self.legal.plea_procedure_days > 0:
                self._schedule(case._end_plea, self.legal.plea_procedure_days)
            else:
                self._plea_verdict(case)
            return
        if self.legal.trial_preparation_days > 0:  # bound for trial: motions and the trial date first
            self._schedule(case._end_preparation, self.legal.trial_preparation_days)
        else:
            self._join_queue(case)

    def _note_witness(self, case: Case, now: float, heard: bool = True) -> None:
        """The case no longer needs its witnesses: if they were lost by now, they are (counted now if their loss
        event has not come yet, at the same moment); else, when the case is decided by a plea or a trial
        (``heard``), its victims have testified."""
        case.witness_done = True
        if case.witness and not case.witness_at(now):
            if not case.witness_lost:
                self._count_witness_lost(case)
        elif heard:
            self.victims_testified += case.witnesses

    def _lose_witness(self, case: Case) -> None:
        """The moment a case's witnesses are lost: a loss to the case if it is open and still waits for them."""
        if case.stage is not CaseStage.CLOSED and not case.witness_done and not case.witness_lost:
            self._count_witness_lost(case)

    def _count_witness_lost(self, case: Case) -> None:
        case.witness_lost = True
        self.witnesses_lost += 1
        if self.on_witness_lost is not None:
            self.on_witness_lost(case)

    def _dismiss(self, case: Case, now: float) -> None:
        """Dismissed for want of evidence at the plea decision: an acquittal without trial."""
        self._note_witness(case, now, heard=False)
        case.evidence_at_verdict = self.evidence_now(case)
        case.conviction_probability = 0.0
        case.outcome = CaseOutcome.ACQUITTED
        case.disposition = Disposition.DISMISSED
        self.acquitted += 1
        self.dismissed += 1
        self._decide(case, now)
        if self.on_verdict is not None:
            self.on_verdict(case)

    def _join_queue(self, case: Case) -> None:
        self.bound_for_trial += 1
        case.queued_day = self._advance_clock()
        self._move(case, CaseStage.QUEUE)
        self._queue.append(case)
        self._start_trials()

    def _start_trials(self) -> None:
        """Give every free court the case at the head of the queue."""
        while self._counts[2] < self.courts and self._queue:
            case = self._queue.popleft()
            now = self._advance_clock()
            case.trial_start_day = now
            self._trials_started += 1
            self._sum_wait_days += now - case.queued_day
            self._move(case, CaseStage.TRIAL)
            trial_days = self.draw_trial_days(case.rng)
            self._sum_trial_days += trial_days
            self._schedule(case._end_trial, trial_days)

    def draw_trial_days(self, rng: np.random.Generator | None = None) -> float:
        """Court time of one case in days, from ``trial_distribution`` with mean ``trial_days_mean``.

        ``lognormal`` has a standard deviation equal to its mean (sigma^2 = ln 2). ``rng``: the case's stream
        (the court system's by default).
        """
        rng = rng if rng is not None else self.rng
        mean = self.legal.trial_days_mean
        kind = self.legal.trial_distribution
        if kind == "exponential":
            return float(rng.exponential(mean))
        if kind == "lognormal":
            sigma2 = math.log(2.0)
            return float(rng.lognormal(math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)))
        return float(mean)

    def evidence_now(self, case: Case) -> float:
        """Evidence strength of ``case`` now: decayed since arrest with the half-life, plus the linked-records bonus."""
        legal = self.legal
        age = self.now_day - case.arrest_day
        strength = case.evidence * 0.5 ** (age / legal.evidence_half_life_days)
        if case.shared_evidence:
            strength += legal.shared_evidence_bonus * (1.0 - 0.5**case.shared_evidence)
        return min(max(strength, 0.0), 1.0)

    def conviction_probability(self, case: Case) -> float:
        """P(convict) if the verdict were now: ``clip(base * evidence_now + witness_bonus * witness, 0, 1)``."""
        return self._probability(self.evidence_now(case), case.witness)

    def _probability(self, evidence: float, witness: bool) -> float:
        p = self.legal.base_conviction_probability * evidence
        if witness:
            p += self.legal.witness_bonus
        return min(max(p, 0.0), 1.0)

    def _deliver_verdict(self, case: Case) -> None:
        """The end of a trial: convicted with the case's conviction probability, or acquitted."""
        now = self._advance_clock()
        case.disposition = Disposition.TRIAL
        self._note_witness(case, now)
        case.evidence_at_verdict = evidence = self.evidence_now(case)
        case.conviction_probability = self._probability(evidence, case.witness_at(now))
        if case.rng.random() < case.conviction_probability:
            case.outcome = CaseOutcome.CONVICTED
            case.sentence_years = case.charged_years
            self.convicted += 1
            self._convictions_seen += 1
            self._sum_days_to_conviction += now - case.arrest_day
        else:
            case.outcome = CaseOutcome.ACQUITTED
            self.acquitted += 1
        self._decide(case, now)
        self._start_trials()
        if self.on_verdict is not None:
            self.on_verdict(case)

    def _plea_verdict(self, case: Case) -> None:
        """The end of the plea procedure: convicted, with the discounted sentence of the offered charge (the
        lesser one for a reduced case, which then carries it); no court is needed."""
        now = self._advance_clock()
        legal = self.legal
        case.evidence_at_verdict = self.evidence_now(case)
        case.conviction_probability = 1.0
        case.outcome = CaseOutcome.CONVICTED
        case.disposition = Disposition.PLEA
        if case.reduced:
            case.charged_years = case.lesser_years
            self.reduced += 1
        case.sentence_years = case.charged_years * (1.0 - legal.plea_sentence_discount)
        self.convicted += 1
        self.pleas += 1
        self._convictions_seen += 1
        self._sum_days_to_conviction += now - case.arrest_day
        self._decide(case, now)
        if self.on_verdict is not None:
            self.on_verdict(case)

    def _decide(self, case: Case, now: float) -> None:
        """Close a case at its verdict: the time to verdict, the detention place, the books."""
        self._sum_days_to_verdict += now - case.arrest_day
        if case.detained:
            self._detained_now -= 1
        self._close(case, now)

    def _abscond(self, case: Case) -> None:
        now = self._advance_clock()
        if case.stage is CaseStage.QUEUE:
            self._queue.remove(case)
        case.outcome = CaseOutcome.ABSCONDED
        case.disposition = Disposition.ABSCONDED
        self.absconded += 1
        self._close(case, now)
        if self.on_abscond is not None:
            self.on_abscond(case)

    def _close(self, case: Case, now: float) -> None:
        case.closed_day = now
        self._disposed_days_by_method.setdefault(case.disposition.value, []).append(now - case.arrest_day)
        if case.arrest_day >= self._counted_from:
            self._closed_days.append(now - case.arrest_day)
            self._closed_verdict.append(case.outcome is not CaseOutcome.ABSCONDED)
            if case.charge:
                self._closed_days_by_charge.setdefault(case.charge, []).append(now - case.arrest_day)
        self._move(case, CaseStage.CLOSED)
        del self.open_cases[case.case_id]
        accused_cases = self._open_by_accused[id(case.accused)]
        del accused_cases[case.case_id]
        if not accused_cases:
            del self._open_by_accused[id(case.accused)]
        if self.keep_history:
            self.closed_cases.append(case)

    def open_cases_of(self, accused: Any) -> list[Case]:
        """The cases still open against ``accused`` (a member may be arrested again while on release)."""
        # Filtered by open_cases, the cases' register (a case taken out of it directly counts as closed).
        return [case for case in self._open_by_accused.get(id(accused), {}).values() if case.case_id in self.open_cases]

    # ------------------------------------------------------------------ figures (days)
    @property
    def backlog(self) -> int:
        """Open cases: in procedure, queued or in trial."""
        return sum(self._counts)

    @property
    def queue_length(self) -> int:
        """Cases waiting for a free court."""
        return self._counts[1]

    @property
    def in_trial(self) -> int:
        """Cases being tried now (at most ``courts``)."""
        return self._counts[2]

    @property
    def in_procedure(self) -> int:
        """Cases in pretrial procedure."""
        return self._counts[0]

    @property
    def detained_now(self) -> int:
        """Accused holding a pretrial detention place."""
        return self._detained_now

    @property
    def decided(self) -> int:
        """Cases closed by a verdict (convicted or acquitted)."""
        return self.convicted + self.acquitted

    @property
    def closed(self) -> int:
        """Cases closed: decided or absconded."""
        return self.decided + self.absconded

    @property
    def trials_started(self) -> int:
        """Cases whose trial has started (they have left the queue)."""
        return self._trials_started

    @property
    def total_wait_days(self) -> float:
        """Sum of queue waits (days) of the cases whose trial has started."""
        return self._sum_wait_days

    @property
    def total_trial_days(self) -> float:
        """Court-days of the trials started (their durations are drawn when they start)."""
        return self._sum_trial_days

    @property
    def mean_days_to_verdict(self) -> float:
        """Mean days from arrest to verdict over the cases decided so far (NaN before the first verdict).

        Biased low in a finite run (the cases still open are the long ones): see
        :meth:`days_to_verdict_estimate`.
        """
        return self._sum_days_to_verdict / self.decided if self.decided else math.nan

    def days_to_verdict_estimate(self) -> float:
        """Mean days from arrest to verdict, Kaplan-Meier estimate with open cases censored.

        Every case filed counts: a verdict is an event at its time from arrest; a case still open is
        censored at its present age, an absconded one at the abscond. The mean is the area under the
        estimated survival curve up to the longest time observed (a restricted mean: a lower bound when
        the longest case is still open). NaN before the first verdict. After :meth:`open_books`, only the cases
        arrested since count.
        """
        if not any(self._closed_verdict):
            return math.nan
        now = self.now_day
        still_open = [case for case in self.open_cases.values() if case.arrest_day >= self._counted_from]
        times = np.array(self._closed_days + [now - case.arrest_day for case in still_open])
        events = np.array(self._closed_verdict + [False] * len(still_open))
        return kaplan_meier_mean(times, events)

    def median_days_to_disposition(self, charge: str) -> float:
        """Median days from filing to disposition of the cases filed on ``charge``, Kaplan-Meier estimate.

        A case closed (plea, trial, dismissal, or an abscond that ends it) is an event at its days from filing;
        a case still open is censored at its present age, so the figure does not grow with the run's length as
        the mean over the cases closed would (a run of a year sees only the cases closed within it). The survival
        curve is scipy's (``scipy.stats.ecdf`` of right-censored data); the median is the first time it falls
        to one half. NaN when it never does: fewer than half the cases are disposed of by the longest time
        observed (the median is longer than the run can show), or no case was filed. After :meth:`open_books`,
        only the cases filed since count.
        """
        closed = self._closed_days_by_charge.get(charge, [])
        now = self.now_day
        ages = [
            now - case.arrest_day
            for case in self.open_cases.values()
            if case.charge == charge and case.arrest_day >= self._counted_from
        ]
        if not closed:
            return math.nan
        survival = stats.ecdf(stats.CensoredData(uncensored=np.array(closed), right=np.array(ages))).sf
        below = survival.probabilities <= 0.5
        return float(survival.quantiles[np.argmax(below)]) if below.any() else math.nan

    def median_days_by_method(self, method: Disposition | str) -> float:
        """Median days from filing to disposition of the cases disposed of by ``method`` (``plea``, ``trial``,
        ``dismissed`` or ``absconded``) since the books opened, whenever they were filed.

        This is how the federal caseload statistics count (defendants disposed of in a period, by method of
        disposition), not a survival estimate: how a case still open will end is not known, so it cannot be
        censored in one method's curve. It is the duration of the cases filed at a steady rate once the
        counted time starts later than the longest case takes (a warm-up longer than the procedure and the
        queue); earlier, the long cases of the first days are missing. NaN before the first such case.

        Raises:
            ValueError: ``method`` is not a :class:`Disposition` of a closed case.
        """
        method = Disposition(method)
        if method is Disposition.OPEN:
            raise ValueError("a median time to disposition needs a method of disposition, not an open case")
        days = self._disposed_days_by_method.get(method.value)
        return float(np.median(days)) if days else math.nan

    def mean_days_to_punishment(self) -> float:
        """Mean days from arrest to conviction over the convictions since the start of the run, warm-up included
        (by plea or at trial); before the first, the shortest path to one: ``procedural_delay_days`` and then
        ``plea_procedure_days`` if cases may plead, ``trial_days_mean`` if every case is tried."""
        if not self._convictions_seen:
            legal = self.legal
            return legal.procedural_delay_days + (
                legal.plea_procedure_days if legal.plea_share > 0 else legal.trial_days_mean
            )
        return self._sum_days_to_conviction / self._convictions_seen

    def penalty_discount(self) -> float:
        """Factor by which a network discounts a penalty for its delay,
        ``exp(-offender_discount_per_year x mean_days_to_punishment / 365)`` (1: no discount)."""
        return time_discount(self.mean_days_to_punishment(), self.legal.offender_discount_per_year)

    @property
    def detention_days(self) -> float:
        """Accused-days spent in pretrial detention so far."""
        self._advance_clock()
        return self._detention_area

    @property
    def arrivals_per_day(self) -> float:
        """Cases reaching the court queue per day: those neither dismissed, pleaded nor absconded before the
        plea decision."""
        elapsed = self.elapsed_days
        return self.bound_for_trial / elapsed if elapsed > 0 else math.nan

    @property
    def capacity_per_day(self) -> float:
        """Cases the courts can decide per day when always busy: ``courts / trial_days_mean``."""
        return self.courts / self.legal.trial_days_mean

    @property
    def utilisation(self) -> float:
        """Offered load per court, ``rho = arrivals_per_day / capacity_per_day``.

        At ``rho >= 1`` the courts cannot keep up: the queue, the backlog and the time to verdict grow
        with the run length. NaN without courts or before any time has passed.
        """
        if self.courts == 0:
            return math.nan
        return self.arrivals_per_day / self.capacity_per_day

    def overload_warning(self) -> str | None:
        """A sentence saying the courts are overloaded, or None when they keep up."""
        return overload_warning(self.utilisation, self.arrivals_per_day, self.capacity_per_day, self.courts)

    @property
    def mean_wait_days(self) -> float:
        """Mean days in the court queue before trial, over cases whose trial has started (NaN if none)."""
        return self._sum_wait_days / self._trials_started if self._trials_started else math.nan

    @property
    def conviction_rate(self) -> float:
        """Convictions per decided case (NaN before the first verdict)."""
        return self.convicted / self.decided if self.decided else math.nan

    @property
    def elapsed_days(self) -> float:
        """Days since the court system was created."""
        return self.now_day - self._start_day

    def time_average_open_cases(self, kind: str = "open") -> float:
        """Time-average number of open cases since the court system was created, integrated exactly.

        Args:
            kind: ``open`` (all open cases), ``procedure``, ``queue`` or ``trial``.

        Returns:
            The average count over the elapsed time (NaN if no time has passed).

        Raises:
            ValueError: ``kind`` is not one of :data:`OPEN_KINDS`.
        """
        if kind not in OPEN_KINDS:
            raise ValueError(f"kind must be one of {', '.join(OPEN_KINDS)}, got {kind!r}")
        elapsed = self.elapsed_days
        if elapsed <= 0:
            return math.nan
        self._advance_clock()
        stages = range(3) if kind == "open" else [OPEN_KINDS.index(kind) - 1]
        return sum(self._areas[i] for i in stages) / elapsed

    def cost(self, days: float) -> float:
        """Cost of running ``courts`` courts for ``days`` days, in currency."""
        return self.courts * self.legal.cost_per_court_per_year * days / DAYS_PER_YEAR

    def summary(self) -> dict[str, float]:
        """The pipeline's figures now, keyed by name (counts, and times in days)."""
        return {
            "cases_filed": self.filed,
            "court_backlog": self.backlog,
            "queue_length": self.queue_length,
            "in_trial": self.in_trial,
            "in_procedure": self.in_procedure,
            "detained": self.detained_now,
            "released": self.released,
            "decided": self.decided,
            "convicted": self.convicted,
            "pleas": self.pleas,
            "reduced": self.reduced,
            "dismissed": self.dismissed,
            "witnesses": self.witnesses,
            "witnesses_lost": self.witnesses_lost,
            "witness_victims": self.witness_victims,
            "victims_testified": self.victims_testified,
            "acquitted": self.acquitted,
            "absconded": self.absconded,
            "mean_days_to_verdict": self.mean_days_to_verdict,
            "days_to_verdict_estimate": self.days_to_verdict_estimate(),
            "mean_wait_days": self.mean_wait_days,
            "detention_days": self.detention_days,
            "arrivals_per_day": self.arrivals_per_day,
            "capacity_per_day": self.capacity_per_day,
            "utilisation": self.utilisation,
            "mean_days_to_punishment": self.mean_days_to_punishment(),
            "penalty_discount": self.penalty_discount(),
        }


def time_discount(days: float, rate_per_year: float) -> float:
    """``exp(-rate_per_year x days / 365)``: the present weight of a punishment ``days`` away for an offender
    discounting continuously at ``rate_per_year`` (Nagin & Pogarsky 2001)."""
    return math.exp(-rate_per_year * days / DAYS_PER_YEAR)


def kaplan_meier_mean(times: np.ndarray, events: np.ndarray) -> float:
    """Restricted mean of a Kaplan-Meier (1958) survival estimate, up to the longest time observed.

    Args:
        times: Time of each observation (an event or a censoring), >= 0.
        events: True where the observation is an event, False where it is censored.

    Returns:
        The area under the estimated survival curve from 0 to ``max(times)`` (NaN with no observation).
        At tied times events come before censorings, as usual.
    """
    times = np.asarray(times, dtype=float)
    events = np.asarray(events, dtype=bool)
    if times.size == 0:
        return math.nan
    order = np.lexsort((~events, times))
    t, d = times[order], events[order]
    at_risk = t.size - np.arange(t.size)
    # Survival just after each observation: one factor (1 - 1/at_risk) per event, in time order; tied
    # events multiply to (1 - d_j / n_j).
    survival = np.cumprod(np.where(d, 1.0 - 1.0 / at_risk, 1.0))
    before = np.concatenate(([1.0], survival[:-1]))
    starts = np.concatenate(([0.0], t[:-1]))
    return float(np.sum(before * (t - starts)))


def overload_warning(utilisation: float, arrivals_per_day: float, capacity_per_day: float, courts: int) -> str | None:
    """The overload sentence for a run summary or a report, or None when the courts keep up."""
    if courts == 0:
        if arrivals_per_day and arrivals_per_day > 0:
            return "no courts: every case waits, and the backlog grows with the run length"
        return None
    if not (utilisation >= 1.0):
        return None
    return (
        f"courts overloaded: cases reach the courts at {arrivals_per_day:.3g} a day against a capacity of "
        f"{capacity_per_day:.3g} a day (courts / trial_days_mean), utilisation rho = {utilisation:.2f}; the "
        "backlog and the time to verdict grow with the run length"
    )
