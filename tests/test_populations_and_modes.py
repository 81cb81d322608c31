"""Smuggling beside trafficking, screening errors, charges, victims coming forward, and the choice of mode.

Each test fails when its mechanism is broken: the base rate of victims, the sensitivity and
specificity of screening, debt bondage rising with the fee, the charge following the evidence of
trafficking, protection making victims come forward, and flows shifting between the line and the
ports as each hardens.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.model import BorderModel
from sim.model.agents.person import Person, PersonState
from sim.runner import run

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.toml"
DESERT = ROOT / "scenarios" / "desert_sector.toml"
# Busy and watched: many people, strong towers, many patrols, quick returns.
BUSY = {
    "crossers.per_day": 40.0,
    "crossers.return_days": 0.5,
    "surveillance.sensors[0].detection_rate_per_hour": 20.0,
    "surveillance.sensors[1].detection_rate_per_hour": 20.0,
    "patrols.count": 10,
    "traffickers.risk_aversion": 0.0,
    "traffickers.members_per_network": 10,
}


def stepped(scenario: Path, overrides: dict, days: float, seed: int = 1) -> BorderModel:
    model = BorderModel(scenario, seed=seed, overrides=overrides)
    for _ in range(round(days * model.steps_per_day)):
        model.step()
    return model


def test_the_base_rate_and_the_screening_errors_are_the_scenario_s():
    overrides = BUSY | {
        "victims.trafficked_share": 0.4,
        "victims.screening_training": 0.7,
        "victims.screening_specificity": 0.8,
        "agencies.investigation_yield": 0.0,  # no network loses its organisers: traffic, and screenings, stay many
    }
    model = stepped(CLASSROOM, overrides, days=40)
    people = list(model.agents_by_type[Person])
    born_victims = sum(p.trafficked and not p.debt_bonded for p in people)
    assert stats.binomtest(born_victims, len(people), 0.4).pvalue > 0.001, (born_victims, len(people))

    c = model.accounts.counters
    caught_victims = sum(p.apprehensions for p in people if p.trafficked and not p.debt_bonded)
    caught_migrants = sum(p.apprehensions for p in people if not p.trafficked)
    assert caught_victims > 30 and caught_migrants > 50, (caught_victims, caught_migrants)
    # Sensitivity: victims missed at 1 - 0.7; specificity: migrants flagged at 1 - 0.8.
    assert stats.binomtest(c["victims_misidentified"], caught_victims, 0.3).pvalue > 0.001
    assert stats.binomtest(c["migrants_flagged_as_victims"], caught_migrants, 0.2).pvalue > 0.001
    out = model.outcomes()
    assert out["victims_misidentified"] == c["victims_misidentified"]
    assert out["migrants_flagged_as_victims"] == c["migrants_flagged_as_victims"]


def test_debt_bondage_rises_with_the_fee_paid():
    def bondage(fee: float) -> tuple[float, float]:
        overrides = BUSY | {
            "victims.trafficked_share": 0.0,
            "victims.debt_bondage_per_fee": 1e-4,
            "traffickers.fee": fee,
            "patrols.count": 0,
            "surveillance.sensors": [],
        }
        model = stepped(CLASSROOM, overrides, days=15)
        arrived = [p for p in model.agents_by_type[Person] if p.state is PersonState.ARRIVED]
        expected = np.mean([1 - np.exp(-1e-4 * p.fee_paid) for p in arrived])
        return np.mean([p.debt_bonded for p in arrived]), expected

    cheap, cheap_expected = bondage(1000.0)
    dear, dear_expected = bondage(8000.0)
    print(
        f"\ndebt bondage: fee 1,000 {cheap:.3f} (expected {cheap_expected:.3f}), 8,000 {dear:.3f} ({dear_expected:.3f})"
    )
    assert cheap == pytest.approx(cheap_expected, abs=0.04)
    assert dear == pytest.approx(dear_expected, abs=0.06)
    assert dear > cheap + 0.2


@pytest.mark.parametrize(("share", "charge"), [(0.0, "smuggling"), (1.0, "trafficking")])
def test_the_charge_follows_the_evidence_of_trafficking(share, charge):
    """No victims: every case is for smuggling, every sentence a smuggling sentence. Every victim identified:
    nearly every case is for trafficking (a guide caught while all their people scattered, or before the network
    had a victim identified, is charged with smuggling). (Organisers' sentences are not raised here, so every
    sentence is the charge's.)"""
    overrides = BUSY | {
        "victims.trafficked_share": share,
        "victims.screening_training": 1.0,
        "victims.come_forward_probability": {"basic": 0.0},
        "legal.procedural_delay_days": 0.5,
        "legal.trial_days_mean": 0.5,
        "legal.courts": 4,
        "legal.base_conviction_probability": 1.0,
        "legal.plea_share": 0.0,
        "legal.organiser_sentence_factor": 1.0,  # an organiser faces the charge's sentence too
    }
    model = stepped(CLASSROOM, overrides, days=15)
    out = model.outcomes()
    assert out["traffickers_convicted"] >= 5, out
    trafficking = out["convictions_for_trafficking"]
    if charge == "smuggling":
        assert trafficking == 0
    else:
        assert trafficking >= 0.8 * out["traffickers_convicted"], out
    years = model.spec.legal.smuggling_sentence_years if charge == "smuggling" else model.spec.legal.sentence_years
    longest = 365 * model.spec.legal.sentence_years * model.spec.legal.time_served_max_share
    assert all(days <= longest + 1e-9 for _, days in model.accounts.sentences)
    assert max(days for _, days in model.accounts.sentences) > 365 * years * 0.5


def test_protection_makes_victims_come_forward_and_leads_to_arrests():
    base = {"victims.trafficked_share": 1.0, "victims.come_forward_days": 10.0, "patrols.count": 0}
    came, testified = {}, {}
    for level in ("none", "strong"):
        runs = [run(CLASSROOM, base | {"victims.protection": level}, seed=s, days=60).outcomes for s in (1, 2, 3)]
        came[level] = sum(o["victims_came_forward"] for o in runs)
        testified[level] = sum(o["victims_agreeing_to_testify"] for o in runs)
    print(f"\ncame forward: none {came['none']}, strong {came['strong']}; testified {testified}")
    assert came["strong"] > 3 * max(came["none"], 1)
    assert testified["strong"] > testified["none"]


def vehicle_share(overrides: dict, seeds=(1, 2, 3, 4, 5), days: float = 120) -> np.ndarray:
    """Per seed: the share of finished attempts that went by vehicle, and how many attempts there were."""
    # Crews are replaced within half a day and investigations are off, so the mode draw decides the modes, not
    # guides waiting to be replaced after arrests on a hard line.
    crews = {"traffickers.replacement_days": 0.5, "agencies.investigation_yield": 0.0}
    shares = []
    for seed in seeds:
        model = stepped(DESERT, crews | overrides, days=days, seed=seed)
        modes = [row["mode"] for row in model.crossings.log]
        shares.append((np.mean([m == "vehicle" for m in modes]), len(modes)))
    return np.array(shares)


@pytest.mark.slow
def test_flows_shift_to_the_ports_when_the_line_hardens_and_back_when_the_ports_do():
    """Paired seeds, a sensitivity of 3 so that the shift stands out of the noise of a few hundred attempts."""
    sensitive = {"traffickers.mode_risk_sensitivity": 3.0}
    hard_line = {"surveillance.extra_towers.count": 8, "patrols.count": 24}
    hard_ports = {"checkpoints.screening_share": 1.0, "checkpoints.technology": "scanner"}
    base = vehicle_share(sensitive)[:, 0]
    line = vehicle_share(sensitive | hard_line)[:, 0]
    ports = vehicle_share(sensitive | hard_ports)[:, 0]
    fixed = vehicle_share(hard_line | {"traffickers.mode_risk_sensitivity": 0.0})[:, 0]
    fixed_base = vehicle_share({"traffickers.mode_risk_sensitivity": 0.0})[:, 0]
    print(
        f"\nvehicle share of attempts: base {base.round(3)}, hard line {line.round(3)}, "
        f"hard ports {ports.round(3)}, hard line with fixed shares {fixed.round(3)}"
    )
    assert stats.ttest_rel(line, base, alternative="greater").pvalue < 0.05, "a harder line sends groups to the ports"
    assert stats.ttest_rel(ports, base, alternative="less").pvalue < 0.05, "harder ports send them back to the line"
    # With a sensitivity of 0 the hard line leaves the shares as they were (the paired difference within noise).
    assert stats.ttest_rel(fixed, fixed_base).pvalue > 0.01, "a sensitivity of 0 keeps the shares"
