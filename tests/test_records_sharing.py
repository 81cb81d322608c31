"""Records, identities and links; jurisdictions and cooperation; identity matching and its false matches.

Unit tests of the rules in :mod:`sim.model.intel` (who sees which record when, retention, matching), and
mechanism tests on scenarios/two_nations.toml with paired seeds (replication i of both arms uses seed i):
linked records raise the share of investigations that succeed, no sharing means no recognition across
agencies, a higher false-match rate raises false matches and false-match detentions, and a case needs the
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

from sim.experiment.report import value_of_information, voi_overview, write_report
from sim.experiment.report.tables import TABLE_FILES, chain_measured, chain_settings, sharing_chain
from sim.experiment.report.text import chain_text, format_number, format_ratio, signed, voi_text
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
@pytest.mark.xfail(
    reason="with paired streams the gain is 33/167 = 0.20 without sharing against 41/179 = 0.23 with full sharing "
    "(z = 0.71): smaller than the ten points this sample can show; records per member are recalibrated with the "
    "field's magnitudes (strict: once it holds, this mark must go)",
    strict=True,
)
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
def test_a_higher_false_match_rate_raises_false_matches_and_false_match_detentions():
    low = {"agencies.sharing": "full", "agencies.false_match_rate": 1e-5, "agencies.biometric_false_match_rate": 1e-6}
    high = low | {"agencies.false_match_rate": 1e-3, "agencies.biometric_false_match_rate": 1e-4}
    outcomes = {
        name: np.array(
            [[run_model(o, 60, s).outcomes()[k] for k in ("false_matches", "false_match_detentions")] for s in SEEDS],
            dtype=float,
        )
        for name, o in (("low", low), ("high", high))
    }
    for i, outcome in enumerate(("false_matches", "false_match_detentions")):
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


def paired_change(runs: pd.DataFrame, outcome: str, policy: str = "full") -> float:
    """The mean paired difference of an outcome, policy minus baseline, straight from the runs."""
    mine = runs[runs["policy"] == policy].set_index("replication")[outcome]
    return float((mine - runs[runs["policy"] == "baseline"].set_index("replication")[outcome]).mean())


def test_the_value_of_information_table_says_where_sharing_pays_and_what_it_costs():
    runs, summary = voi_runs(gain=6.0)
    voi = value_of_information(StandIn(), runs, summary)
    assert list(voi["outcome"]) == ["traffickers_convicted", "false_matches"], "not records shared or cost"
    assert set(voi["policy"]) == {"full"} and set(voi["sweep_point"]) == {0}
    rows = voi.set_index("outcome")
    convicted = rows.loc["traffickers_convicted"]
    assert convicted["verdict"] == "better" and rows.loc["false_matches", "verdict"] == "worse"
    assert convicted["diff"] == pytest.approx(paired_change(runs, "traffickers_convicted"))
    assert convicted["records_shared"] == pytest.approx(535.0) and convicted["extra_cost"] == pytest.approx(2e5)
    assert convicted["per_1000_records_ci_low"] < 1000 * 6.0 / 535 < convicted["per_1000_records_ci_high"]
    assert convicted["per_million_cost"] == pytest.approx(convicted["diff"] / 0.2), "per million of extra cost"
    assert convicted["comparisons"] == 3, "Holm's family: the policy's three comparisons"


def test_the_value_of_information_table_says_plainly_where_sharing_does_not_pay():
    runs, summary = voi_runs(gain=0.0)
    voi = value_of_information(StandIn(), runs, summary)
    rows = voi.set_index("outcome")
    assert "better" not in set(voi["verdict"]), "no outcome improved significantly"
    assert rows.loc["false_matches", "verdict"] == "worse", "what it changes significantly is for the worse"
    assert not rows["rare"].any()
    assert rows.loc["traffickers_convicted", "diff"] == pytest.approx(paired_change(runs, "traffickers_convicted"))


def test_the_sentences_quote_the_tables_numbers():
    runs, summary = voi_runs(gain=6.0)
    voi = value_of_information(StandIn(), runs, summary)
    text = " ".join(voi_text(StandIn(), voi))
    convicted = voi.set_index("outcome").loc["traffickers_convicted"]
    for value in ("diff", "diff_ci_low", "diff_ci_high", "per_1000_records"):
        assert signed(convicted[value]) in text, (value, text)
    assert format_number(convicted["records_shared"]) in text, text
    assert "in 1 of 1 cases: full;" in voi_overview(StandIn(), voi), "the overview counts the table's verdicts"


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


def chain_of(experiment: Experiment, runs: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The chain table of the experiment's one sharing policy, indexed by stage name."""
    chain = sharing_chain(value_of_information(experiment, runs, summary))
    assert set(chain["policy"]) == {"full"}
    assert list(chain["outcome"]) == [
        "members_identified",
        "organisers_arrested",
        "organisers_convicted",
        "networks_dismantled",
    ], "the stages in chain order"
    assert list(chain["stage"]) == [1, 2, 3, 4]
    return chain.set_index("outcome")


def settings_of(experiment: Experiment, chain: pd.DataFrame, stage: str) -> dict:
    """The settings that govern the step into ``stage`` in the scenario the policy ran, from the settings table."""
    settings = chain_settings(experiment, chain.reset_index())
    mine = settings[settings["stage"] == stage]
    return dict(zip(mine["key"], mine["value"], strict=True))


def test_the_chain_says_where_the_gain_is_lost_and_what_governs_that_step(tmp_path):
    experiment = chain_experiment(tmp_path)
    runs, summary = chain_runs(experiment, {"members_identified": 8.0, "organisers_arrested": 6.0})
    chain = chain_of(experiment, runs, summary)
    assert list(chain["holds"]) == [True, True, False, False], "holds through two stages, lost at the third"
    for stage in ("members_identified", "organisers_arrested"):
        assert chain.loc[stage, "diff"] == pytest.approx(paired_change(runs, stage))
        assert chain.loc[stage, "diff_ci_low"] > 0
    assert chain.loc["organisers_convicted", "diff_ci_low"] < 0 < chain.loc["organisers_convicted", "diff_ci_high"]
    legal = load_scenario(experiment.scenario_path).spec.legal
    settings = settings_of(experiment, chain, "organisers_convicted")
    assert settings["legal.abscond_probability"] == legal.abscond_probability
    assert settings["legal.detention_capacity"] == legal.detention_capacity
    assert settings["legal.evidence_by_investigation"] == legal.evidence_by_investigation
    measured = chain_measured(runs, chain.reset_index())
    mine = measured[measured["stage"] == "organisers_convicted"].set_index("measure")
    assert mine.loc["days_to_verdict", ["base_mean", "policy_mean"]].tolist() == [43.5, 33.5], "both policies"
    assert mine.loc["absconded", ["base_mean", "policy_mean"]].tolist() == [6.0, 9.0]
    assert "court_utilisation" not in mine.index, "only the figures the runs have"
    text = " ".join(
        chain_text(experiment, chain.reset_index(), chain_settings(experiment, chain.reset_index()), measured)
    )
    assert f"legal.abscond_probability = {legal.abscond_probability:g}" in text, "the lost step's settings, quoted"
    assert "dismantle_days" not in text, "only the step where the gain is lost"


def test_the_chain_says_when_the_gain_holds_all_the_way(tmp_path):
    experiment = chain_experiment(tmp_path)
    runs, summary = chain_runs(experiment, dict.fromkeys(CHAIN, 6.0))
    chain = chain_of(experiment, runs, summary)
    assert chain["holds"].all()
    assert (chain["verdict"] == "better").all(), "every stage significant after the correction: nothing more to say"
    assert chain.loc["networks_dismantled", "diff"] == pytest.approx(paired_change(runs, "networks_dismantled"))


def test_the_chain_tells_stages_clear_of_zero_from_those_that_survive_the_correction(tmp_path):
    """Gains whose 95% intervals are clear of zero but too small to survive Holm's correction over the table
    still carry the chain; the table says which stages are significant after the correction."""
    experiment = chain_experiment(tmp_path)
    runs, summary = chain_runs(experiment, {"members_identified": 8.0, "organisers_arrested": 0.6})
    chain = chain_of(experiment, runs, summary)
    assert chain.loc["members_identified", "verdict"] == "better"
    assert chain.loc["organisers_arrested", "verdict"] != "better"
    assert chain.loc["organisers_arrested", "diff_ci_low"] > 0, "the small gain is clear of zero before the correction"
    assert list(chain["holds"]) == [True, True, False, False]
    assert set(chain["comparisons"]) == {int(summary["p_value"].notna().sum())}, "the results table's family"


def test_the_chain_says_when_the_gain_is_lost_at_the_first_stage_and_names_the_investigation_keys(tmp_path):
    experiment = chain_experiment(tmp_path)
    runs, summary = chain_runs(experiment, {"networks_dismantled": 6.0})
    chain = chain_of(experiment, runs, summary)
    assert list(chain["holds"]) == [False, False, False, True], "lost at the first stage, clear of zero again last"
    first = chain.loc["members_identified"]
    assert first["diff_ci_low"] < 0 < first["diff_ci_high"], "its 95% interval is not clear of zero"
    spec = load_scenario(experiment.scenario_path, {"agencies.sharing": "full"}).spec
    settings = settings_of(experiment, chain, "members_identified")
    assert settings["agencies.investigation_yield"] == spec.agencies.investigation_yield
    each = ", ".join(f"{a.name} {a.investigators}" for a in spec.agencies.members)
    assert settings["agencies.members[].investigators"] == each


def test_a_chain_measured_from_convictions_starts_at_its_third_stage(tmp_path):
    experiment = chain_experiment(tmp_path, stages=("networks_dismantled", "organisers_convicted"))
    runs, summary = chain_runs(experiment, {})
    chain = sharing_chain(value_of_information(experiment, runs, summary))
    assert list(chain["outcome"]) == ["organisers_convicted", "networks_dismantled"]
    assert list(chain["stage"]) == [3, 4], "the first two stages are not among its outcomes"
    assert not chain["holds"].any()
    assert set(chain_settings(experiment, chain)["stage"]) == {"organisers_convicted", "networks_dismantled"}


def test_the_chain_quotes_the_settings_of_the_scenario_the_policy_ran(tmp_path):
    gains = {"members_identified": 8.0, "organisers_arrested": 6.0}
    default = chain_experiment(tmp_path / "a")
    changed = chain_experiment(tmp_path / "b", legal_lines="abscond_probability = 0.77\n", full={"legal.courts": 9})
    settings = {}
    for name, experiment in (("default", default), ("changed", changed)):
        runs, summary = chain_runs(experiment, gains)
        settings[name] = settings_of(experiment, chain_of(experiment, runs, summary), "organisers_convicted")
    assert settings["changed"]["legal.abscond_probability"] == 0.77
    assert settings["default"]["legal.abscond_probability"] != 0.77
    assert settings["changed"]["legal.courts"] == 9, "the policy's own override, not the scenario's"
    assert settings["default"]["legal.courts"] != 9


def test_the_report_writes_its_tables_and_shows_the_chain_in_both_formats(tmp_path):
    experiment = chain_experiment(tmp_path)
    runs, summary = chain_runs(experiment, {"members_identified": 8.0, "organisers_arrested": 6.0})
    html_path, md_path = write_report(experiment, tmp_path, runs, summary)
    for file in TABLE_FILES.values():
        assert (tmp_path / file).exists(), file
    chain = pd.read_csv(tmp_path / "sharing_chain.csv")
    expected = sharing_chain(value_of_information(experiment, runs, summary))
    pd.testing.assert_frame_equal(chain, expected, check_dtype=False)
    markdown, page = md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")
    title = "From records to dismantled networks"
    assert f"#### {title}" in markdown and f"<h4>{title}</h4>" in page
    arrested = chain.set_index("outcome").loc["organisers_arrested"]
    row = f"| organisers arrested (people) | {format_number(arrested['base_mean'])} | "
    assert row + f"{format_number(arrested['policy_mean'])} |" in markdown, markdown
    assert f"<td>{format_number(arrested['policy_mean'])}</td>" in page


def test_the_report_shows_how_much_pairing_bought(tmp_path):
    experiment = chain_experiment(tmp_path)
    runs, summary = chain_runs(experiment, {"members_identified": 8.0})
    html_path, md_path = write_report(experiment, tmp_path, runs, summary)
    pairing = pd.read_csv(tmp_path / "pairing.csv").set_index("outcome")
    assert set(pairing["policy"]) == {"full"}, "every policy but the baseline"
    ratios = summary[summary["policy"] == "full"].set_index("outcome")["pairing_sd_ratio"]
    pd.testing.assert_series_equal(pairing["pairing_sd_ratio"], ratios, check_names=False)
    assert pairing["replication_share"].dropna().tolist() == pytest.approx((ratios**2).dropna().tolist())
    assert math.isnan(pairing.loc["cost", "pairing_sd_ratio"]), "a cost that never varies: no ratio"
    assert (pairing["pairing_sd_ratio"].dropna() < 0.5).all(), "paired stand-ins share most of their noise"
    markdown, page = md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")
    assert "## How much pairing bought" in markdown and "<h2>How much pairing bought</h2>" in page
    members = format_ratio(pairing.loc["members_identified", "pairing_sd_ratio"])
    assert f"| members identified by investigation | {members} |" in markdown
    assert "| total cost | n/a |" in markdown and "<td>total cost</td><td>n/a</td>" in page


def test_a_chain_with_fewer_than_two_stages_is_left_out():
    runs, summary = voi_runs(gain=6.0)
    assert sharing_chain(value_of_information(StandIn(), runs, summary)).empty


def test_a_rare_outcome_is_called_rare_not_too_small_to_tell(tmp_path):
    experiment = chain_experiment(tmp_path)
    without, with_sharing = [0, 0, 1, 0, 0, 0, 1, 0], [0, 1, 1, 0, 0, 1, 1, 0]
    runs, summary = chain_runs(experiment, {"members_identified": 0.3}, dismantled=(without, with_sharing))
    rows = value_of_information(experiment, runs, summary).set_index("outcome")
    dismantled = rows.loc["networks_dismantled"]
    assert dismantled["rare"] and (dismantled["base_mean"], dismantled["policy_mean"]) == (0.25, 0.5)
    members = rows.loc["members_identified"]
    assert members["verdict"] != "better" and members["better_direction"] and not members["rare"], (
        "a gain too small to tell from chance, not a rare one"
    )
    assert "better" not in set(rows["verdict"])
