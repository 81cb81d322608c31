"""Records, identities and links; jurisdictions and cooperation; identity matching and its false matches.

Unit tests of the rules in :mod:`sim.model.intel` (who sees which record when, retention, matching), and
mechanism tests on scenarios/two_nations.toml with paired seeds (replication i of both arms uses seed i):
linked records raise the share of investigations that succeed, no sharing means no recognition across
agencies, a higher false-match rate raises false matches and wrongful detentions, and a case needs the
cooperation lever's delay exactly when it uses evidence held across the border. Invariants: every record
belongs to exactly one agency, and no record outlives its retention.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.experiment.report import CHAIN_TITLE, value_of_information, voi_overview, write_report
from sim.experiment.spec import Experiment, Policy
from sim.experiment.stats import ratio_estimate, summarise
from sim.model import BorderModel
from sim.model.intel import IntelExchange
from sim.scenario import Agencies, Agency, load_scenario

TWO_NATIONS = Path(__file__).resolve().parent.parent / "scenarios" / "two_nations.toml"
SEEDS = (1, 2, 3, 4)


def exchange(**config) -> IntelExchange:
    members = [
        Agency(name="border_patrol"),
        Agency(name="police"),
        Agency(name="partner", jurisdiction="foreign"),
    ]
    return IntelExchange(Agencies(members=members, **config), np.random.default_rng(0))


def run_model(overrides: dict, days: float, seed: int) -> BorderModel:
    model = BorderModel(TWO_NATIONS, seed=seed, overrides=overrides)
    for _ in range(round(days * model.steps_per_day)):
        model.step()
    return model


# ------------------------------------------------------------------------------------------ the rules


@pytest.mark.parametrize(
    ("sharing", "cooperation", "national_after_h", "foreign_after_h"),
    [
        ("none", "joint_team", None, None),
        ("delayed", "none", 72.0, None),
        ("delayed", "treaty", 72.0, 72.0 + 24 * 120.0),
        ("full", "treaty", 0.0, 24 * 120.0),
        ("full", "joint_team", 0.0, 24 * 1.0),
    ],
)
def test_who_sees_a_record_and_when(sharing, cooperation, national_after_h, foreign_after_h):
    intel = exchange(sharing=sharing, cooperation=cooperation)
    record = intel.add_record(0.0, "border_patrol", "identity", 7, 0, shareable=sharing != "none")
    for viewer, after in (("police", national_after_h), ("partner", foreign_after_h)):
        assert intel.delay_hours("border_patrol", viewer) == after
        if after is None:
            assert not any(intel.can_see(viewer, record, t) for t in (0.0, 1e3, 1e4))
        else:
            assert intel.can_see(viewer, record, after)
            assert after == 0.0 or not intel.can_see(viewer, record, after - 1.0)
    assert intel.can_see("border_patrol", record, 0.0), "an agency always sees its own records"


def test_an_unshareable_record_stays_with_its_agency():
    intel = exchange(sharing="full", cooperation="joint_team", share_fraction=0.0)
    intel.log(0.0, "border_patrol", "arrest", 1.0, 1.0, 0, member_id=3)
    assert intel.linked_records("border_patrol", 3, 100.0) == 2  # identity and phone
    assert intel.linked_records("police", 3, 100.0) == intel.linked_records("partner", 3, 100.0) == 0
    assert intel.counts["shared"] == 0


def test_linked_records_count_what_the_agency_can_see_about_the_member():
    intel = exchange(sharing="full", cooperation="treaty")
    intel.log(0.0, "police", "detection", 1.0, 1.0, 0, member_id=5)  # a place
    intel.log(1.0, "police", "interdiction", 1.0, 1.0, 0, member_id=5, vehicle=True)  # a place and a vehicle
    intel.log(2.0, "partner", "arrest", 1.0, 1.0, 0, member_id=5)  # identity and phone, across the border
    intel.log(2.0, "police", "arrest", 1.0, 1.0, 0, member_id=6)  # another member
    assert intel.linked_records("police", 5, 3.0) == 3
    assert intel.linked_records("border_patrol", 5, 3.0) == 3
    assert intel.linked_records("border_patrol", 5, 2.0 + 24 * 120.0) == 5, "the partner's records cross by treaty"
    assert intel.linked_records("partner", 5, 3.0) == 2, "the national records have not crossed yet"


def test_alerts_cross_the_border_only_in_a_joint_team():
    assert sorted(exchange(sharing="full", cooperation="treaty").alert_receivers("police")) == [
        "border_patrol",
        "police",
    ]
    assert len(exchange(sharing="full", cooperation="joint_team").alert_receivers("police")) == 3


def test_retention_deletes_records_for_their_owner_too():
    intel = exchange(sharing="full", cooperation="joint_team", retention_days=10.0)
    intel.log(0.0, "police", "arrest", 1.0, 1.0, 0, member_id=1)
    intel.record_person(0.0, "partner", 99, 0, victim=True, shareable=True)
    assert intel.linked_records("police", 1, 24 * 10.0 - 1.0) == 2
    assert intel.linked_records("police", 1, 24 * 10.0) == 0, "deleted at the end of the retention"
    assert intel.search("police", 99, 24 * 10.0, site="screening").matches == []
    intel.prune(24 * 10.0)
    assert intel.records() == [] and intel.measures()["records.held"] == 0


def test_false_matches_follow_the_rate_per_comparison():
    """With n identity records of others in sight and a false-match rate p per comparison, a search matches
    someone wrongly with probability 1 - (1 - p)^n."""
    intel = exchange(sharing="full", cooperation="joint_team", false_match_rate=1e-3, biometric_capture_share=0.0)
    for person in range(400):
        intel.record_person(0.0, "police", person, 0, victim=False, shareable=True)
    searches = 4000
    wrong = sum(bool(intel.search("border_patrol", 10_000 + i, 1.0, "screening").false_match) for i in range(searches))
    expected = 1 - (1 - 1e-3) ** 400
    se = math.sqrt(expected * (1 - expected) / searches)
    assert abs(wrong / searches - expected) < 4 * se, f"{wrong / searches:.3f} false matches a search, {expected:.3f}"
    # The person's own record is found, and is not a comparison with someone else.
    found = intel.search("border_patrol", 7, 1.0, "screening")
    assert [r.subject for r in found.matches] == [7]


def test_biometric_records_match_wrongly_less_often():
    rates = {}
    for share in (0.0, 1.0):
        intel = exchange(
            sharing="full", false_match_rate=1e-3, biometric_false_match_rate=1e-6, biometric_capture_share=share
        )
        for person in range(400):
            intel.record_person(0.0, "police", person, 0, victim=False, shareable=True)
        rates[share] = sum(bool(intel.search("police", -1 - i, 1.0, "screening").false_match) for i in range(2000))
    assert rates[1.0] < rates[0.0] / 10, rates


# ------------------------------------------------------------------------------------------ invariants


def test_every_record_belongs_to_one_agency_and_none_outlives_its_retention():
    overrides = {"agencies.sharing": "full", "agencies.cooperation": "joint_team", "agencies.retention_days": 10.0}
    model = BorderModel(TWO_NATIONS, seed=3, overrides=overrides)
    intel, retention_h = model.intel, 24 * 10.0
    oldest_seen = 0.0
    for _ in range(40):
        for _ in range(round(model.steps_per_day)):
            model.step()
        records = intel.records()
        owners = Counter(id(r) for a in intel.agencies.values() for r in a.records)
        assert all(n == 1 for n in owners.values()), "a record held twice"
        assert all(r in intel.agencies[r.agency].records for r in records), "a record held by another agency"
        indexed = {id(r) for index in (intel._by_member, intel._by_person) for rs in index.values() for r in rs}
        assert indexed <= set(owners), "an index keeps a record no agency holds"
        ages = [model.hours - r.time_h for r in records]
        assert not ages or max(ages) < retention_h, f"a record {max(ages) / 24:.1f} days old is still held"
        oldest_seen = max([oldest_seen, *ages])
    assert intel.counts["created"] > len(intel.records()) > 0, "records made, and some deleted"
    assert oldest_seen > 0.8 * retention_h, "the run kept records close to their retention"


# ------------------------------------------------------------------------------------------ mechanisms


@pytest.mark.slow
def test_linked_records_raise_the_share_of_investigations_that_succeed():
    """Investigators who see other agencies' records about a network's members (full sharing, a joint team
    across the river) find another member more often than those who see only their own."""
    counts = {}
    for sharing in ("none", "full"):
        overrides = {"agencies.sharing": sharing, "agencies.cooperation": "joint_team"}
        # Eight seeds: about 200 investigations a side, enough for a gain of ten points to show.
        measures = [run_model(overrides, 120, seed).accounts.measures() for seed in range(1, 9)]
        counts[sharing] = (
            sum(m["investigations_succeeded"] for m in measures),
            sum(m["investigations"] for m in measures),
        )
    (s0, n0), (s1, n1) = counts["none"], counts["full"]
    p0, p1 = s0 / n0, s1 / n1
    pooled = (s0 + s1) / (n0 + n1)
    z = (p1 - p0) / math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    assert z > 1.96, f"share of investigations that succeed: none {s0}/{n0} = {p0:.2f}, full {s1}/{n1} = {p1:.2f}"


@pytest.mark.slow
def test_no_sharing_means_no_recognition_across_agencies():
    """Without sharing nothing is recognised from another agency's records and no case links them; with
    full sharing and a joint team, repeat offenders, linked cases and victims are recognised across agencies."""
    # Every person a victim, all trafficked again after a return: victims the partner identified come back.
    base = {
        "agencies.cooperation": "joint_team",
        "victims.trafficked_share": 1.0,
        "victims.re_trafficking_probability": 1.0,
        "patrols.count": 40,
    }
    keys = (
        "repeat_offenders_recognised_from_shared_records",
        "victims_recognised_from_shared_records",
        "cases_linked_across_agencies",
        "cases_cross_jurisdiction",
        "records.shared",
    )
    totals = {}
    for sharing in ("none", "full"):
        measures = [run_model(base | {"agencies.sharing": sharing}, 120, seed).accounts.measures() for seed in SEEDS]
        totals[sharing] = {k: sum(m[k] for m in measures) for k in keys}
        totals[sharing]["own"] = sum(m["repeat_offenders_recognised"] for m in measures)
    assert all(v == 0 for k, v in totals["none"].items() if k != "own"), totals["none"]
    assert totals["none"]["own"] > 0, "an agency still recognises those it arrested itself"
    assert all(v > 0 for v in totals["full"].values()), totals["full"]


@pytest.mark.slow
def test_a_higher_false_match_rate_raises_false_matches_and_wrongful_detentions():
    low = {"agencies.sharing": "full", "agencies.false_match_rate": 1e-5, "agencies.biometric_false_match_rate": 1e-6}
    high = low | {"agencies.false_match_rate": 1e-3, "agencies.biometric_false_match_rate": 1e-4}
    outcomes = {
        name: np.array(
            [[run_model(o, 60, s).outcomes()[k] for k in ("false_matches", "wrongful_detentions")] for s in SEEDS],
            dtype=float,
        )
        for name, o in (("low", low), ("high", high))
    }
    for i, outcome in enumerate(("false_matches", "wrongful_detentions")):
        # The effect is multiplicative (the rate scales the false matches): a paired t-test on the log counts.
        high, low = np.log1p(outcomes["high"][:, i]), np.log1p(outcomes["low"][:, i])
        test = stats.ttest_rel(high, low, alternative="greater")
        diff = outcomes["high"][:, i] - outcomes["low"][:, i]
        assert diff.min() > 0 and test.pvalue < 0.05, f"{outcome}: paired differences {diff}, p = {test.pvalue:.3g}"


@pytest.mark.slow
def test_a_case_takes_the_cooperation_delay_exactly_when_it_uses_evidence_from_across_the_border():
    """A case is cross-jurisdiction when records about the accused held by the other jurisdiction's agency are
    visible to the arresting agency; its procedure then takes the lever's delay, and without cooperation never."""
    base = {
        "agencies.sharing": "full",
        "legal.plea_share": 0.0,
        "legal.procedural_delay_days": 20.0,
        "agencies.joint_team_delay_days": 10.0,
        "agencies.treaty_delay_days": 0.5,
    }
    for cooperation, extra in (("none", 0.0), ("treaty", 0.5), ("joint_team", 10.0)):
        model = BorderModel(TWO_NATIONS, seed=2, overrides=base | {"agencies.cooperation": cooperation})
        cases, file_case, arrest, intel = [], model.courts.file_case, model.enforcement.arrest, model.intel
        arresting = []

        def arresting_agency(trafficker, agency, *args, _arrest=arrest, _by=arresting):
            _by.append(agency)
            return _arrest(trafficker, agency, *args)

        def record(accused, *args, _file=file_case, _cases=cases, _intel=intel, _model=model, _by=arresting, **kwargs):
            linked = _intel.visible_linked(_by[-1], accused.unique_id, _model.hours)
            foreign = any(_intel.foreign(r.agency, _by[-1]) for r in linked)
            _cases.append((_file(accused, *args, **kwargs), foreign))
            return _cases[-1][0]

        model.enforcement.arrest = arresting_agency
        model.courts.file_case = record
        for _ in range(round(120 * model.steps_per_day)):
            model.step()
        assert len(cases) >= 10, f"{cooperation}: only {len(cases)} cases"
        for case, foreign in cases:
            assert case.cross_jurisdiction == foreign
            assert case.pretrial_days == pytest.approx(20.0 + (extra if foreign else 0.0))
        crossing = sum(c.cross_jurisdiction for c, _ in cases)
        if cooperation == "none":
            assert crossing == 0, "no record crosses the border without cooperation"
        else:
            assert crossing > 0, f"{cooperation}: no case used evidence from across the border"
        assert intel.cooperation_delay_days == extra


# ------------------------------------------------------------------------------------------ value of information


def test_ratio_estimate_is_the_ratio_of_means_with_a_delta_method_interval():
    rng = np.random.default_rng(4)
    records = rng.uniform(800, 1200, 400)
    gains = 0.005 * records + rng.normal(0, 1.0, 400)  # five more per 1,000 records, with noise
    est = ratio_estimate(gains, records, scale=1000.0)
    assert est.ratio == pytest.approx(1000 * gains.mean() / records.mean())
    assert est.ci_low < 5.0 < est.ci_high and est.ci_high - est.ci_low < 1.0, est
    assert math.isnan(ratio_estimate([1.0, 2.0], [0.0, 0.0]).ratio), "undefined when nothing was shared"


class StandIn:
    """An experiment as the report reads it: outcomes, policies, a sweep, replications."""

    def __init__(self):
        self.outcomes = ("traffickers_convicted", "false_matches", "cost")
        self.policy_names = ["baseline", "full"]
        self.sweep = {}
        self.replications = 8

    def sweep_points(self):
        return [{}]


def voi_runs(gain: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Eight paired replications: sharing adds ``gain`` convictions and about 30 false matches a run."""
    rng = np.random.default_rng(1)
    rows = []
    for rep in range(8):
        base = {"traffickers_convicted": 20 + rng.normal(0, 3), "false_matches": 1.0, "cost": 1e7}
        rows.append({"policy": "baseline", "replication": rep, "records_shared": 0.0, **base})
        full = {
            "traffickers_convicted": base["traffickers_convicted"] + gain + rng.normal(0, 0.5),
            "false_matches": 30.0 + rep,
            "cost": 1e7 + 2e5,
        }
        rows.append({"policy": "full", "replication": rep, "records_shared": 500.0 + 10 * rep, **full})
    runs = pd.DataFrame(rows).assign(status="ok", sweep_point=0)
    return runs, summarise(runs, StandIn().policy_names, list(StandIn().outcomes))


def test_the_report_says_where_sharing_pays_and_what_it_costs():
    runs, summary = voi_runs(gain=6.0)
    (entry,) = value_of_information(StandIn(), runs, summary)
    text = " ".join(entry["text"])
    assert "pays in traffickers convicted" in text and "costs false matches" in text, text
    convicted = next(r for r in entry["rows"] if r["outcome"] == "traffickers_convicted")
    per_1000 = convicted["per_1000_records"]
    assert per_1000.ci_low < 1000 * 6.0 / 535 < per_1000.ci_high, per_1000
    per_million = convicted["per_million_cost"]
    assert per_million.ratio == pytest.approx(convicted["diff"].mean / 0.2), "per million of extra cost"
    assert "pays (at least one outcome significantly better" in voi_overview(StandIn(), [entry])


def test_the_report_says_plainly_where_sharing_does_not_pay_and_why():
    runs, summary = voi_runs(gain=0.0)
    (entry,) = value_of_information(StandIn(), runs, summary)
    text = " ".join(entry["text"])
    assert "It does not pay here: no outcome improved significantly" in text, text
    assert "too small to tell from chance with 8 replications" in text or "no outcome moved" in text, text
    assert "for the worse" in text, text
    assert "it does not pay in 1: full" in voi_overview(StandIn(), [entry])


# ------------------------------------------------------------------------- from records to dismantled networks

CHAIN = ("members_identified", "organisers_arrested", "networks_dismantled", "organisers_convicted")  # OUTCOMES order
CLASSROOM = Path(__file__).resolve().parent.parent / "scenarios" / "classroom.toml"


def chain_experiment(
    tmp_path: Path, legal_lines: str = "", full: dict | None = None, stages: tuple[str, ...] = CHAIN
) -> Experiment:
    """A real experiment on a copy of the classroom scenario (``legal_lines`` added to its [legal] table):
    sharing nothing against sharing in real time (with the ``full`` overrides besides)."""
    tmp_path.mkdir(exist_ok=True)
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(CLASSROOM.read_text(encoding="utf-8").replace("[legal]\n", f"[legal]\n{legal_lines}"))
    base = {"agencies.sharing": "none"}
    own = {"agencies.sharing": "full", **(full or {})}
    return Experiment(
        name="chain",
        description="",
        path=tmp_path / "chain.toml",
        scenario_path=scenario,
        days=30.0,
        replications=8,
        root_seed=3,
        outcomes=(*stages, "cost"),
        policies=(Policy("baseline", {}, base), Policy("full", own, {**base, **own})),
    )


def chain_runs(experiment: Experiment, gains: dict[str, float], dismantled: tuple[list, list] | None = None):
    """Eight paired replications: sharing adds ``gains[stage]`` to each stage of the chain (with a little noise);
    ``dismantled`` gives the networks dismantled of each replication, without and with sharing, instead."""
    rng = np.random.default_rng(7)
    rows = []
    for rep in range(8):
        base = {stage: 20 + rng.normal(0, 3) for stage in CHAIN}
        mine = {stage: base[stage] + gains.get(stage, 0.0) + rng.normal(0, 0.5) for stage in CHAIN}
        if dismantled is not None:
            base["networks_dismantled"], mine["networks_dismantled"] = dismantled[0][rep], dismantled[1][rep]
        measured = {"days_to_verdict": 40.0 + rep, "absconded": 6.0}
        rows.append({"policy": "baseline", "replication": rep, "records_shared": 0.0, "cost": 1e7, **base, **measured})
        measured = {"days_to_verdict": 30.0 + rep, "absconded": 9.0}
        mine = {"records_shared": 400.0 + rep, "cost": 1e7 + 1e5, **mine, **measured}
        rows.append({"policy": "full", "replication": rep, **mine})
    runs = pd.DataFrame(rows).assign(status="ok", sweep_point=0)
    return runs, summarise(runs, experiment.policy_names, list(experiment.outcomes))


def chain_of(experiment: Experiment, runs: pd.DataFrame, summary: pd.DataFrame) -> dict:
    (entry,) = value_of_information(experiment, runs, summary)
    assert [r["outcome"] for r in entry["chain"]["rows"]] == [
        "members_identified",
        "organisers_arrested",
        "organisers_convicted",
        "networks_dismantled",
    ], "the stages in chain order"
    return entry


def test_the_chain_says_where_the_gain_is_lost_and_what_governs_that_step(tmp_path):
    experiment = chain_experiment(tmp_path)
    runs, summary = chain_runs(experiment, {"members_identified": 8.0, "organisers_arrested": 6.0})
    entry = chain_of(experiment, runs, summary)
    text = " ".join(entry["chain"]["text"])
    assert "The gain holds through members identified by investigation (+8" in text, text
    assert ", organisers arrested (+5." in text, text
    assert "and is lost at organisers convicted (" in text, text
    legal = load_scenario(experiment.scenario_path).spec.legal
    assert "From organisers arrested to organisers convicted: an arrested organiser" in text, text
    assert f"legal.abscond_probability = {legal.abscond_probability:g}" in text, text
    assert f"legal.detention_capacity = {legal.detention_capacity}" in text, text
    assert f"legal.evidence_by_investigation = {legal.evidence_by_investigation:g}" in text, text
    assert "days to verdict 43.5 and 33.5 days; absconded 6.0 and 9.0 people" in text, "measured, both policies"
    assert "dismantle_days" not in text, "only the step where the gain is lost"


def test_the_chain_says_when_the_gain_holds_all_the_way(tmp_path):
    experiment = chain_experiment(tmp_path)
    runs, summary = chain_runs(experiment, dict.fromkeys(CHAIN, 6.0))
    text = " ".join(chain_of(experiment, runs, summary)["chain"]["text"])
    assert text.startswith("The gain holds all the way: members identified by investigation (+6"), text
    assert "networks dismantled (+5." in text and "lost" not in text, text
    assert "Holm" not in text, "every stage significant after the correction: nothing more to say"


def test_the_chain_tells_stages_clear_of_zero_from_those_that_survive_the_correction(tmp_path):
    """Gains whose 95% intervals are clear of zero but too small to survive Holm's correction over the table
    still carry the chain; the text says which stages are significant after the correction."""
    experiment = chain_experiment(tmp_path)
    runs, summary = chain_runs(experiment, {"members_identified": 8.0, "organisers_arrested": 0.6})
    entry = chain_of(experiment, runs, summary)
    rows = {r["outcome"]: r for r in entry["chain"]["rows"]}
    assert rows["members_identified"]["verdict"] == "better" and rows["organisers_arrested"]["verdict"] != "better"
    assert rows["organisers_arrested"]["diff"].ci_low > 0, "the small gain is clear of zero before the correction"
    text = " ".join(entry["chain"]["text"])
    assert "The gain holds through members identified by investigation (+8" in text, text
    assert ", organisers arrested (+0." in text and "and is lost at organisers convicted" in text, text
    assert (
        f"After Holm's correction over the {entry['family']} comparisons of the results table, members identified "
        "by investigation is significant; the other intervals are clear of zero only before it." in text
    ), text


def test_the_chain_says_when_the_gain_is_lost_at_the_first_stage_and_names_the_investigation_keys(tmp_path):
    experiment = chain_experiment(tmp_path)
    runs, summary = chain_runs(experiment, {"networks_dismantled": 6.0})
    text = " ".join(chain_of(experiment, runs, summary)["chain"]["text"])
    assert text.startswith("The gain does not reach the first stage, members identified by investigation ("), text
    assert "): its 95% interval does not lie clear of zero on the better side." in text, text
    assert "Further down the chain the change is clear of zero again: networks dismantled (+5." in text, text
    spec = load_scenario(experiment.scenario_path, {"agencies.sharing": "full"}).spec
    assert f"agencies.investigation_yield = {spec.agencies.investigation_yield:g}" in text, text
    each = ", ".join(f"{a.name} {a.investigators}" for a in spec.agencies.members)
    assert f"agencies.members[].investigators: {each}" in text, text


def test_a_chain_measured_from_convictions_says_the_earlier_stages_are_not_measured(tmp_path):
    experiment = chain_experiment(tmp_path, stages=("networks_dismantled", "organisers_convicted"))
    runs, summary = chain_runs(experiment, {})
    (entry,) = value_of_information(experiment, runs, summary)
    assert [r["outcome"] for r in entry["chain"]["rows"]] == ["organisers_convicted", "networks_dismantled"]
    text = " ".join(entry["chain"]["text"])
    assert text.startswith("The gain does not reach the first stage this experiment measures, organisers convicted"), (
        text
    )
    assert "members identified by investigation and organisers arrested are not among its outcomes" in text, text
    assert "From organisers arrested to organisers convicted:" in text, text


def test_the_chain_quotes_the_settings_of_the_scenario_the_policy_ran(tmp_path):
    gains = {"members_identified": 8.0, "organisers_arrested": 6.0}
    default = chain_experiment(tmp_path / "a")
    changed = chain_experiment(tmp_path / "b", legal_lines="abscond_probability = 0.77\n", full={"legal.courts": 9})
    texts = {}
    for name, experiment in (("default", default), ("changed", changed)):
        runs, summary = chain_runs(experiment, gains)
        texts[name] = " ".join(chain_of(experiment, runs, summary)["chain"]["text"])
    assert "legal.abscond_probability = 0.77" in texts["changed"], texts["changed"]
    assert "legal.abscond_probability = 0.77" not in texts["default"], texts["default"]
    assert "legal.courts = 9" in texts["changed"], "the policy's own override, not the scenario's"
    assert "legal.courts = 9" not in texts["default"], texts["default"]


def test_the_chain_table_is_in_both_reports(tmp_path):
    experiment = chain_experiment(tmp_path)
    runs, summary = chain_runs(experiment, {"members_identified": 8.0, "organisers_arrested": 6.0})
    html_path, md_path = write_report(experiment, tmp_path, runs, summary)
    markdown, page = md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")
    assert f"#### {CHAIN_TITLE}" in markdown and f"<h4>{CHAIN_TITLE}</h4>" in page
    assert "| stage | no sharing, mean a run | full, mean a run | change [95% interval] | verdict |" in markdown
    assert "| organisers arrested (people) |" in markdown, markdown
    assert "<td>organisers convicted (people)</td>" in page
    assert "and is lost at organisers convicted" in markdown and "and is lost at organisers convicted" in page


def test_a_chain_with_fewer_than_two_stages_is_left_out():
    runs, summary = voi_runs(gain=6.0)
    (entry,) = value_of_information(StandIn(), runs, summary)
    assert entry["chain"] is None


def test_a_rare_outcome_is_called_rare_not_too_small_to_tell(tmp_path):
    experiment = chain_experiment(tmp_path)
    without, with_sharing = [0, 0, 1, 0, 0, 0, 1, 0], [0, 1, 1, 0, 0, 1, 1, 0]
    runs, summary = chain_runs(experiment, {"members_identified": 0.3}, dismantled=(without, with_sharing))
    (entry,) = value_of_information(experiment, runs, summary)
    text = " ".join(entry["text"])
    rare = "networks dismantled (0.250 a run without sharing, 0.500 with it)"
    assert f"Too rare in this scenario to tell, fewer than one a run with and without sharing: {rare}" in text, text
    chance = next(line for line in entry["text"] if "too small to tell from chance" in line)
    assert "networks dismantled" not in chance and "members identified" in chance, chance
