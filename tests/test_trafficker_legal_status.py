"""A network member's status through overlapping cases: released, re-arrested, convicted while guiding."""

from __future__ import annotations

from pathlib import Path

from sim.model import BorderModel
from sim.model.agents.trafficker import Trafficker, TraffickerStatus
from sim.model.legal import CaseOutcome, Disposition

CLASSROOM = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"


def model_with_a_group_on_foot() -> tuple[BorderModel, object]:
    model = BorderModel(CLASSROOM, seed=3, overrides={"patrols.count": 0, "traffickers.vehicle_share": 0.0})
    for _ in range(400):
        model.step()
        groups = [g for g in model.crossings.groups.values() if g.active]
        if groups:
            return model, groups[0]
    raise AssertionError("no group set out in 200 days")


def verdict(model: BorderModel, case, outcome: CaseOutcome) -> None:
    """Close ``case`` with ``outcome`` as the court would, and tell the model."""
    del model.courts.open_cases[case.case_id]
    case.outcome = outcome
    case.closed_day = model.courts.now_day
    case.disposition = Disposition.TRIAL
    if outcome is CaseOutcome.CONVICTED:
        case.sentence_years = model.spec.legal.sentence_years
    model.enforcement.on_verdict(case)


def test_convicted_while_guiding_goes_to_prison_when_the_trip_ends():
    model, group = model_with_a_group_on_foot()
    guide = group.guide
    case = model.courts.file_case(guide, guide.network.network_id)  # an earlier arrest, tried now
    verdict(model, case, CaseOutcome.CONVICTED)
    assert guide.sentence_pending and guide.cell is not None, "the group is not abandoned mid-crossing"
    assert guide.convicted() is False, "a second conviction runs concurrently"
    while group.active:
        model.step()
    assert guide.status is TraffickerStatus.CONVICTED and not guide.sentence_pending
    assert guide.cell is None and guide.group is None, "in prison: off the map"
    assert guide in guide.network.members, "still on the roster: the same member can come back"
    guide.update_legal_status()  # a later acquittal on another case changes nothing while serving
    assert guide.status is TraffickerStatus.CONVICTED


def test_acquittal_on_one_case_keeps_a_member_held_on_another():
    model, group = model_with_a_group_on_foot()
    member = next(m for m in group.guide.network.members if m.group is None and m.status is TraffickerStatus.IDLE)
    member.arrested()
    first = model.courts.file_case(member, member.network.network_id)
    second = model.courts.file_case(member, member.network.network_id)
    assert first.detained and second.detained and member.status is TraffickerStatus.DETAINED
    verdict(model, first, CaseOutcome.ACQUITTED)
    assert member.status is TraffickerStatus.DETAINED, "still held on the second case"
    verdict(model, second, CaseOutcome.ACQUITTED)
    assert member.status is TraffickerStatus.IDLE


def test_the_whole_legal_cycle_keeps_the_bookkeeping_sound(monkeypatch):
    """Released at arrest, back at work, convicted while guiding: invariants hold after every step."""
    from tests.test_model_invariants import SMALL_PROCEDURAL, check_invariants

    convicted_while_guiding = []
    original = Trafficker.convicted

    def counting(self):
        started = original(self)
        if self.sentence_pending:
            convicted_while_guiding.append(self.unique_id)
        return started

    monkeypatch.setattr(Trafficker, "convicted", counting)
    no_detention = {
        "legal.detention_capacity": 0,  # everyone awaits trial at liberty, free to guide
        "legal.abscond_probability": 0.0,
        "legal.procedural_delay_days": 0.5,
        "legal.trial_days_mean": 1.0,
        "legal.courts": 4,
        "legal.base_conviction_probability": 0.9,
        "legal.sentence_years": 0.05,
        "legal.smuggling_sentence_years": 0.05,
        "traffickers.replacement_days": 2.0,
        "agencies.investigation_yield": 0.0,  # no network loses its organisers: guides keep going out
        "patrols.count": 8,
        "crossers.per_day": 24,  # busy, all on foot: guides are often out when their verdict comes
        "traffickers.vehicle_share": 0.0,
        # Long walks, from the staging area to the destination by day and night: guides are out for long.
        "traffickers.dropoff_km": 1000.0,
        "traffickers.pickup_km": 1000.0,
        "traffickers.night_crossing_share": 0.0,
        "surveillance.false_alarms_per_day": 0.0,  # no patrol taken away by false alarms, and no group turning
        "traffickers.notice_response_probability": 0.0,  # back on sight: arrests enough for the cycle
    }
    model = BorderModel(SMALL_PROCEDURAL, seed=1, overrides=no_detention)
    problems = []
    for _ in range(40 * 24):
        model.step()
        problems += check_invariants(model)
    assert not problems, problems[:5]
    assert convicted_while_guiding, "the run must convict a member while out guiding a group"
    assert model.outcomes()["traffickers_convicted"] >= 5
