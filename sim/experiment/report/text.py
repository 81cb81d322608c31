"""The report's words: numbers as text, and the sentences the report generates, each from rows of the tables of
:mod:`sim.experiment.report.tables` (the fixed prose is in the templates, ``templates/prose.j2``).

Every function here takes table rows (or the experiment, for names) and returns text; none computes a statistic.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.experiment.report.decision import shown_low
from sim.experiment.report.tables import (
    CHAIN_MEASURED,
    INVESTIGATORS,
    SHARING_CHAIN,
    court_load,
    entries,
)
from sim.experiment.spec import Experiment
from sim.metrics import OUTCOME_BY_NAME, Direction

#: What comes before the first stage of the chain.
CHAIN_START = "records an agency can see"


# ---------------------------------------------------------------------------------------------- numbers


def format_number(value: float) -> str:
    """A number for tables: 'n/a' for missing, thousands separators, millions as 'M'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:,.2f} M"
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:,.1f}"
    return f"{value:.3f}"


def format_ratio(value: float) -> str:
    """A ratio such as the pairing's SD ratio: two decimals, 'n/a' when undefined (NaN)."""
    return "n/a" if value is None or math.isnan(value) else f"{value:.2f}"


def signed(value: float) -> str:
    text = format_number(value)
    return text if text.startswith("-") or text == "n/a" else "+" + text


def interval(row: Any, column: str) -> str:
    """``+value [+low – +high]`` of a column with its ``<column>_ci_low`` and ``<column>_ci_high``."""
    low, high = row[f"{column}_ci_low"], row[f"{column}_ci_high"]
    return f"{signed(row[column])} [{signed(low)} – {signed(high)}]"


# ---------------------------------------------------------------------------------------------- names


def label(name: str) -> str:
    """A policy's or experiment's name for display (outcomes have their declared ``label``)."""
    return name.replace("_", " ")


def direction_words(direction: Direction) -> str:
    return {
        Direction.HIGHER_IS_BETTER: "higher is better",
        Direction.LOWER_IS_BETTER: "lower is better",
        Direction.NEUTRAL: "neither higher nor lower is better",
    }[direction]


def sweep_label(experiment: Experiment, point: int) -> str:
    """A sweep point in words, e.g. ``patrols.strategy = hotspot``."""
    values = experiment.sweep_points()[int(point)]
    return ", ".join(f"{k} = {v}" for k, v in values.items())


def where(experiment: Experiment, point: int, policy: str, sep: str = " — ", end: str = "") -> str:
    """A policy's name, with its sweep point between ``sep`` and ``end`` when the experiment sweeps."""
    return label(policy) + (f"{sep}{sweep_label(experiment, point)}{end}" if experiment.sweep else "")


def outcome_with_unit(outcome: str) -> str:
    meta = OUTCOME_BY_NAME[outcome]
    return f"{meta.label} ({meta.unit})"


# ---------------------------------------------------------------------------------------------- set-up


def setup_lines(experiment: Experiment, total: int, failed: int) -> list[str]:
    """The set-up in words: scenario, days, replications and seeds, runs, the sweep."""
    seeds = experiment.seeds()
    shown = ", ".join(str(s) for s in seeds[:5]) + (", ..." if len(seeds) > 5 else "")
    lines = [
        f"Scenario: {experiment.scenario_path.name}",
        f"Simulated days per run: {experiment.days:g}",
        f"Replications per policy: {experiment.replications} (seeds derived from root seed "
        f"{experiment.root_seed}: {shown}; all seeds in manifest.json)",
        f"Runs: {total}, of which failed: {failed}",
    ]
    if experiment.sweep:
        lines.append(
            "Swept (every combination, with every policy): "
            + "; ".join(f"{k} in {v}" for k, v in experiment.sweep.items())
        )
    return lines


def override_text(row: Any) -> str:
    """One override of the policies table in words: key, value and unit, the scenario's value, the meaning."""
    unit = row["unit"]
    unit_text = f" {unit}" if unit and unit != "currency" else ""
    before = row["scenario_value"]
    was = f" (scenario: {before}{unit_text})" if isinstance(before, str) else ""
    meaning = f" — {row['meaning']}" if row["meaning"] else ""
    return f"{row['key']} = {row['value']}{unit_text}{was}{meaning}"


def court_warning(experiment: Experiment, row: Any) -> str:
    """The warning of an overloaded row of the court-load table."""
    policy = where(experiment, row["sweep_point"], row["policy"], sep=" (", end=")")
    return (
        f"{policy}: the courts are overloaded, utilisation rho = {row['court_utilisation']:.2f} (cases reaching "
        "the courts per day over courts / trial_days_mean, mean over replications). The court backlog and "
        "the days to verdict grow with the run length: compare them between policies, not as steady values."
    )


def court_warnings(experiment: Experiment, runs: pd.DataFrame) -> list[str]:
    """A sentence for each policy (and sweep point) whose courts are overloaded (:func:`court_load`)."""
    load = court_load(experiment, runs)
    return [court_warning(experiment, row) for _, row in load[load["overloaded"]].iterrows()]


# ---------------------------------------------------------------------------------------------- results


def mean_interval(row: Any) -> str:
    """``mean [low – high]`` of a row with ``outcome``, ``mean``, ``ci_low`` and ``ci_high``; the lower bound as
    displayed (:func:`sim.experiment.report.decision.shown_low`: at 0 at the lowest for an outcome that cannot be
    negative)."""
    low = shown_low(row["outcome"], row["ci_low"])
    return f"{format_number(row['mean'])} [{format_number(low)} – {format_number(row['ci_high'])}]"


def result_cell(row: Any, is_baseline: bool) -> tuple[str, str, str]:
    """(mean with CI, change vs baseline with CI, verdict or nothing) of a row of the statistics table."""
    mean = mean_interval(row)
    if is_baseline:
        return mean, "", ""
    verdict = row["verdict"]
    return mean, interval(row, "diff"), "" if verdict == "no clear difference" else verdict


# ---------------------------------------------------------------------------------- value of information


def _rare_words(row: Any) -> str:
    if row["base_mean"] == 0 and row["policy_mean"] == 0:
        return "none in any run, with or without sharing"
    return f"{format_number(row['base_mean'])} a run without sharing, {format_number(row['policy_mean'])} with it"


def _change(row: Any) -> str:
    """An outcome's change with its interval and unit, and per 1,000 records shared when defined."""
    meta = OUTCOME_BY_NAME[row["outcome"]]
    text = f"{meta.label} {interval(row, 'diff')} {meta.unit}"
    if not math.isnan(row["per_1000_records"]):
        text += f" ({signed(row['per_1000_records'])} per 1,000 records shared)"
    return text


def voi_text(experiment: Experiment, rows: pd.DataFrame) -> list[str]:
    """Plain sentences from one (point, policy)'s rows of the value-of-information table: what it shared and
    cost, where it pays, what it costs, or why it does not pay, and which outcomes are too rare to tell."""
    first = rows.iloc[0]
    gains = [r for _, r in rows.iterrows() if r["verdict"] == "better"]
    costs = [r for _, r in rows.iterrows() if r["verdict"] == "worse"]
    unclear = [r for _, r in rows.iterrows() if r["verdict"] not in ("better", "worse")]
    name = where(experiment, first["sweep_point"], first["policy"], sep=" with ")
    shared = f"It shared {format_number(first['records_shared'])} records a run"
    money = (
        f"and cost {interval(first, 'extra_cost')} more than sharing nothing"
        if first["extra_cost"] > 0
        else "at no extra cost over sharing nothing"
    )
    lines = [f"{name}: {shared} {money}."]
    if gains:
        lines.append("It pays in " + "; ".join(map(_change, gains)) + ".")
    if costs:
        lines.append("It costs " + "; ".join(map(_change, costs)) + ".")
    if not gains:
        why = []
        if first["records_shared"] < 1:
            why.append("it shares almost no records")
        leaning = [r for r in unclear if r["better_direction"] and not r["rare"]]
        if leaning:
            why.append(
                f"what it gains is too small to tell from chance with {experiment.replications} replications "
                f"once the {first['comparisons']} comparisons are corrected for: " + "; ".join(map(_change, leaning))
            )
        else:
            why.append("no outcome moved in the better direction")
        if costs:
            why.append("and what it changes significantly is for the worse")
        lines.append(f"It does not pay here: no outcome improved significantly; {', '.join(why)}.")
    rare = [r for r in unclear if r["rare"]]
    if rare:
        lines.append(
            "Too rare in this scenario to tell, fewer than one a run with and without sharing: "
            + "; ".join(f"{OUTCOME_BY_NAME[r['outcome']].label} ({_rare_words(r)})" for r in rare)
            + "."
        )
    return lines


def voi_overview(experiment: Experiment, voi: pd.DataFrame) -> str:
    """One sentence over every sharing policy and sweep point of the value-of-information table: where sharing
    pays (an outcome significantly better) and where it does not, and where it makes an outcome worse."""
    groups = entries(voi)
    if not groups:
        return ""
    names = [where(experiment, point, policy, sep=" (", end=")") for (point, policy), _ in groups]
    pays = [n for n, (_, rows) in zip(names, groups, strict=True) if (rows["verdict"] == "better").any()]
    not_pays = [n for n in names if n not in pays]
    costly = [n for n, (_, rows) in zip(names, groups, strict=True) if (rows["verdict"] == "worse").any()]
    parts = [
        f"Sharing pays (at least one outcome significantly better than sharing nothing) in {len(pays)} of "
        f"{len(groups)} cases" + (f": {', '.join(pays)}" if pays else ""),
        f"it does not pay in {len(not_pays)}" + (f": {', '.join(not_pays)}" if not_pays else ""),
        f"and it makes at least one outcome significantly worse in {len(costly)}"
        + (f": {', '.join(costly)}" if costly else ""),
    ]
    return "; ".join(parts) + "."


VOI_HEAD = ("outcome", "change vs no sharing", "per 1,000 records shared", "per million of extra cost", "verdict")


def voi_cells(rows: pd.DataFrame) -> list[tuple[str, ...]]:
    """The value-of-information table of one (point, policy) as text cells under :data:`VOI_HEAD`."""
    return [
        (
            outcome_with_unit(r["outcome"]),
            interval(r, "diff"),
            interval(r, "per_1000_records"),
            interval(r, "per_million_cost") if r["extra_cost"] > 0 else "n/a (no extra cost)",
            "" if r["verdict"] == "no clear difference" else r["verdict"],
        )
        for _, r in rows.iterrows()
    ]


# ----------------------------------------------------------------------- the chain from records to dismantling


def chain_head(policy: str) -> tuple[str, ...]:
    return ("stage", "no sharing, mean a run", f"{label(policy)}, mean a run", "change [95% interval]", "verdict")


def chain_cells(rows: pd.DataFrame) -> list[tuple[str, ...]]:
    """The chain table of one (point, policy) as text cells under :func:`chain_head`."""
    return [
        (
            outcome_with_unit(r["outcome"]),
            format_number(r["base_mean"]),
            format_number(r["policy_mean"]),
            interval(r, "diff"),
            "" if r["verdict"] == "no clear difference" else r["verdict"],
        )
        for _, r in rows.iterrows()
    ]


def _stage(row: Any) -> str:
    return f"{OUTCOME_BY_NAME[row['outcome']].label} ({interval(row, 'diff')})"


def _value_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class _Settings:
    """The settings of one step of the chain (rows of the chain-settings table) quoted as ``key = value``."""

    def __init__(self, rows: pd.DataFrame):
        self.values = dict(zip(rows["key"], rows["value"], strict=True))

    def one(self, key: str) -> str:
        """``key = value``; the bare key when the scenario has no such key."""
        return f"{key} = {_value_text(self.values[key])}" if key in self.values else key

    def some(self, *keys: str) -> str:
        """`` (key = value, ...)`` for those of the keys the scenario has; empty when it has none of them."""
        found = [self.one(k) for k in keys if k in self.values]
        return f" ({', '.join(found)})" if found else ""

    def investigators(self) -> str:
        if INVESTIGATORS not in self.values:
            return "investigators"
        return f"investigators ({INVESTIGATORS}: {self.values[INVESTIGATORS]})"


def step_into(stage: str, settings: pd.DataFrame) -> str:
    """How the model turns the chain's previous stage into ``stage``, naming the governing scenario keys with
    their values (``settings``: the chain-settings rows of that stage)."""
    s = _Settings(settings)
    if stage == "members_identified":
        return (
            "after an arrest, the arresting agency's investigators identify another member of the network with "
            "probability 1 - exp(-agencies.investigation_yield x investigators x linked records it can see), "
            f"{s.one('agencies.investigation_yield')}, {s.investigators()}"
        )
    if stage == "organisers_arrested":
        return (
            "each rung of the climb from the arrested member to an organiser succeeds with 1 - exp(-agencies."
            "investigation_yield x investigators x linked records), and the climb stops at the first failure: "
            f"{s.one('agencies.investigation_yield')}, {s.investigators()}; organisers a "
            f"network: {s.one('traffickers.organisers')}"
        )
    if stage == "organisers_convicted":
        return (
            "an arrested organiser waits for a verdict through the procedure and the court queue"
            + s.some("legal.procedural_delay_days", "legal.courts", "legal.trial_days_mean")
            + ", is held pending trial while a detention place is free or, when places go by the weight of the "
            "charge, by taking the place of an accused facing a lighter one"
            + s.some("legal.detention_capacity", "legal.detention_priority")
            + ", may abscond when released"
            + s.some("legal.abscond_probability")
            + ", and is convicted with a probability that grows with the evidence (legal.base_conviction_probability "
            "x evidence without a witness), the evidence of an investigation being weaker than that of an arrest in "
            "the act"
            + s.some(
                "legal.base_conviction_probability", "legal.evidence_by_investigation", "legal.evidence_half_life_days"
            )
        )
    if stage == "networks_dismantled":
        return (
            f"a network is dismantled only after {s.one('traffickers.dismantle_days')} days with no "
            "organiser at large, unless it finds a new organiser first (after "
            f"{s.one('traffickers.organiser_replacement_days')} days on average) or its organiser is "
            f"released, acquitted or back from prison; organisers a network: {s.one('traffickers.organisers')}"
        )
    raise ValueError(f"no mechanism described for the stage {stage!r}")


def _corrected(held: list[Any], family: int) -> list[str]:
    """Which of the stages that hold also survive Holm's correction (nothing to say when all do)."""
    loose = [r for r in held if r["verdict"] != "better"]
    if not loose:
        return []
    strict = [OUTCOME_BY_NAME[r["outcome"]].label for r in held if r["verdict"] == "better"]
    head = f"After Holm's correction over the {family} comparisons of the results table, "
    if strict:
        verb = "is" if len(strict) == 1 else "are"
        names = " and ".join(strict)
        return [f"{head}{names} {verb} significant; the other intervals are clear of zero only before it."]
    return [f"{head}none of these stages is significant: their intervals are clear of zero only before it."]


def _where_lost(rows: list[Any], held: int) -> str:
    """The stages the gain holds through (the first ``held`` rows) and the stage where it is lost, with why it
    does not count: significantly worse, too rare to tell, or (at the first stage) an interval reaching zero."""
    lost = rows[held]
    how = ""
    if lost["verdict"] == "worse":
        how = ": significantly worse than without sharing"
    elif lost["rare"]:
        how = f": too rare in this scenario to tell ({_rare_words(lost)})"
    if held:
        return f"The gain holds through {', '.join(map(_stage, rows[:held]))} and is lost at {_stage(lost)}{how}."
    how = how or ": its 95% interval does not lie clear of zero on the better side"
    unmeasured = SHARING_CHAIN[: SHARING_CHAIN.index(lost["outcome"])]
    if not unmeasured:
        return f"The gain does not reach the first stage, {_stage(lost)}{how}."
    names = " and ".join(OUTCOME_BY_NAME[s].label for s in unmeasured)
    return (
        f"The gain does not reach the first stage this experiment measures, {_stage(lost)}{how}; {names} "
        f"{'is' if len(unmeasured) == 1 else 'are'} not among its outcomes, so whether it is lost before cannot "
        "be told."
    )


def chain_text(experiment: Experiment, rows: pd.DataFrame, settings: pd.DataFrame, measured: pd.DataFrame) -> list[str]:
    """Where one (point, policy)'s gain holds down the chain and where it is lost, and why, from its rows of the
    chain table (``rows``, in chain order), the chain-settings table and the chain-measured table (both may hold
    other (point, policy)s' rows too).

    Says through which stages the gain holds and the first where it is lost (or that it holds all the way, or
    does not reach the first stage), which of the stages that hold survive Holm's correction; where it is lost,
    how the model makes that stage from the one before, naming the governing scenario keys with their values in
    the scenario this (point, policy) ran, and the measured figures that bear on that step.
    """
    stages = [r for _, r in rows.iterrows()]
    first = stages[0]
    point, policy, family = first["sweep_point"], first["policy"], first["comparisons"]
    held = next((i for i, r in enumerate(stages) if not r["holds"]), len(stages))
    if held == len(stages):
        text = ["The gain holds all the way: " + ", ".join(map(_stage, stages)) + "."]
        return text + _corrected(stages, family)
    lost = stages[held]
    text = [_where_lost(stages, held)]
    again = [r for r in stages[held + 1 :] if r["holds"]]
    if again:
        text.append("Further down the chain the change is clear of zero again: " + ", ".join(map(_stage, again)) + ".")
    text += _corrected(stages[:held] + again, family)
    index = SHARING_CHAIN.index(lost["outcome"])
    before = CHAIN_START if index == 0 else OUTCOME_BY_NAME[SHARING_CHAIN[index - 1]].label
    mine = _rows_of(settings, point, policy, lost["outcome"])
    text.append(f"From {before} to {OUTCOME_BY_NAME[lost['outcome']].label}: {step_into(lost['outcome'], mine)}.")
    figures = _rows_of(measured, point, policy, lost["outcome"]).set_index("measure")
    quoted = [
        f"{OUTCOME_BY_NAME[name].label} {format_number(m['base_mean'])} and {format_number(m['policy_mean'])}"
        + ("" if m["unit"] in ("ratio", "share") else f" {m['unit']}")
        for name in CHAIN_MEASURED.get(lost["outcome"], ())
        if name in figures.index and not math.isnan((m := figures.loc[name])["base_mean"] + m["policy_mean"])
    ]
    if quoted:
        text.append(f"Measured at that step, without sharing and under {label(policy)}: " + "; ".join(quoted) + ".")
    return text


def _rows_of(table: pd.DataFrame, point: int, policy: str, stage: str) -> pd.DataFrame:
    return table[(table["sweep_point"] == point) & (table["policy"] == policy) & (table["stage"] == stage)]


# ---------------------------------------------------------------------------- the chain legal delay works through


def delay_head(policy: str) -> tuple[str, ...]:
    return (
        "step",
        "baseline, mean a run",
        f"{label(policy)}, mean a run",
        "paired difference [95% interval]",
        "p",
        "p (Holm)",
        "as in the field",
    )


def format_p(value: float) -> str:
    """A p-value for tables: three decimals, '< 0.001' below, 'n/a' when undefined."""
    if value is None or math.isnan(value):
        return "n/a"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _field_words(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return "yes" if value else "no"


def delay_cells(rows: pd.DataFrame) -> list[tuple[str, ...]]:
    """The delay chain of one (point, policy) as text cells under :func:`delay_head`."""
    return [
        (
            outcome_with_unit(r["outcome"]),
            format_number(r["base_mean"]),
            format_number(r["policy_mean"]),
            interval(r, "diff"),
            format_p(r["p_value"]),
            format_p(r["p_holm"]),
            _field_words(r["field_direction"]),
        )
        for _, r in rows.iterrows()
    ]


def _setting_text(row: Any) -> str:
    return f"{row['key']} {_value_text(row['base_value'])} → {_value_text(row['policy_value'])}"


def delay_text(experiment: Experiment, rows: pd.DataFrame, settings: pd.DataFrame) -> list[str]:
    """What one (point, policy) does to the legal delay and how the change travels down the chain, from its rows
    of the delay-chain table (``rows``, in chain order) and the delay-settings table (which may hold other (point,
    policy)s' rows too).

    Says which delay settings the policy changes (baseline → policy), the steps whose 95% interval is clear of zero
    with their changes, those whose interval reaches zero, and the steps that move against the field's direction.
    """
    first = rows.iloc[0]
    point, policy = first["sweep_point"], first["policy"]
    mine = settings[(settings["sweep_point"] == point) & (settings["policy"] == policy)]
    changed = [_setting_text(r) for _, r in mine.iterrows() if r["base_value"] != r["policy_value"]]
    text = [f"{label(policy)} changes the legal delay against the baseline: " + "; ".join(changed) + "."]
    steps = [r for _, r in rows.iterrows()]
    undefined = [r for r in steps if pd.isna(r["diff"])]
    steps = [r for r in steps if not pd.isna(r["diff"])]
    clear = [r for r in steps if r["diff_ci_low"] > 0 or r["diff_ci_high"] < 0]
    unclear = [r for r in steps if not (r["diff_ci_low"] > 0 or r["diff_ci_high"] < 0)]
    if clear:
        text.append("Clear of zero (95% interval): " + ", ".join(map(_stage, clear)) + ".")
    if unclear:
        names = ", ".join(OUTCOME_BY_NAME[r["outcome"]].label for r in unclear)
        text.append(f"No clear change at: {names}.")
    if undefined:  # a mean over cases none of which was decided in the counted time, in one arm or both
        names = ", ".join(OUTCOME_BY_NAME[r["outcome"]].label for r in undefined)
        text.append(f"Not defined in every run (nothing to average in the counted time), so not compared: {names}.")
    against = [OUTCOME_BY_NAME[r["outcome"]].label for r in clear if r["field_direction"] is False]
    if against:
        text.append("Against the direction delay moves them in the field: " + ", ".join(against) + ".")
    return text


# ---------------------------------------------------------------------------------------- decision summary

#: The marks of a change against the baseline in the decision summary (explained in ``templates/prose.j2``).
MARKS = {"holm": "✔", "nominal": "†", "none": "", "reference": ""}


def marked_change(row: Any) -> str:
    """A row's change against the baseline with its interval and mark (:data:`MARKS`)."""
    mark = MARKS[row["significance"]]
    return interval(row, "diff") + (f" {mark}" if mark else "")


def ranking_rows(experiment: Experiment, ranking: pd.DataFrame, point: int) -> tuple[tuple[str, ...], list]:
    """The ranking of one sweep point as a head and text rows: per objective, its label and direction, then the
    policies from best to worst, each with its mean [95% interval] and its marked change against the baseline."""
    table = ranking[ranking["sweep_point"] == point]
    width = int(table.groupby("outcome").size().max()) if len(table) else 0
    head = ("objective", *(_ordinal(i + 1) for i in range(width)))
    rows = []
    for outcome, mine in table.groupby("outcome", sort=False):
        meta = OUTCOME_BY_NAME[outcome]
        cells = [f"{meta.label} ({meta.unit}; {direction_words(meta.direction)})"]
        for _, r in mine.iterrows():
            change = "baseline" if r["significance"] == "reference" else marked_change(r)
            cells.append(f"{r['rank']}. {label(r['policy'])}: {mean_interval(r)}; {change}")
        rows.append((*cells, *[""] * (width + 1 - len(cells))))
    return head, rows


def _ordinal(n: int) -> str:
    return "best" if n == 1 else f"{n}{'nd' if n == 2 else 'rd' if n == 3 else 'th'}"


COST_EFFECTIVENESS_HEAD = ("policy", "extra cost [95% interval]")


def cost_effectiveness_rows(ce: pd.DataFrame, point: int) -> tuple[tuple[str, ...], list]:
    """Cost-effectiveness of one sweep point as a head and text rows: per policy its extra cost and, per gain,
    the cost per unit [95% interval] with the gain per run, or "not estimable" and why, or that the policy does
    worse."""
    table = ce[ce["sweep_point"] == point]
    gains = list(dict.fromkeys(table["gain"]))
    head = (*COST_EFFECTIVENESS_HEAD, *(f"cost per {g}" for g in gains))
    rows = []
    for policy, mine in table.groupby("policy", sort=False):
        by_gain = mine.set_index("gain")
        first = mine.iloc[0]
        cells = [label(policy), interval(first, "extra_cost")]
        for gain in gains:
            if gain not in by_gain.index:
                cells.append("n/a")
                continue
            r = by_gain.loc[gain]
            amount = f"gain {signed(r['gain_mean'])} [{signed(r['gain_ci_low'])} – {signed(r['gain_ci_high'])}] a run"
            if r["status"] == "loss":
                cells.append(f"worse than the baseline: {amount}")
            elif r["status"] == "gain":
                cost = f"{format_number(r['cost_per_unit'])} [{format_number(r['cost_per_unit_ci_low'])} – "
                cells.append(f"{cost}{format_number(r['cost_per_unit_ci_high'])}] ({amount})")
            else:
                cells.append(f"not estimable: the {amount} may be nothing (its interval covers zero)")
        rows.append(tuple(cells))
    return head, rows


UNCLEAR_HEAD = ("policy", "objective", "change [95% interval]", "replications that would detect it")


def unclear_rows(experiment: Experiment, effects: pd.DataFrame, point: int) -> list[tuple[str, ...]]:
    """The changes in an objective (an outcome with a better direction) that do not survive Holm's correction, at
    one sweep point, with the replications that would detect them (:data:`sim.experiment.stats.POWER_METHOD`)."""
    table = effects[(effects["sweep_point"] == point) & (effects["significance"] != "holm")]
    rows = []
    for _, r in table.iterrows():
        if OUTCOME_BY_NAME[r["outcome"]].direction is Direction.NEUTRAL or math.isnan(r["replications_needed"]):
            continue
        needed = f"{r['replications_needed']:,.0f}"
        if r["replications_needed"] <= experiment.replications:
            run = experiment.replications
            needed += f" (no more than the {run} replications run here: the change is at the edge of chance)"
        rows.append((label(r["policy"]), outcome_with_unit(r["outcome"]), marked_change(r), needed))
    return rows


def scope_lines(experiment: Experiment, scope: pd.DataFrame) -> list[str]:
    """A sentence per row of the scope table: the policy, its lever and keys, and why the lever cannot act or has
    little to act on there."""
    words = {"no": "cannot act here", "little": "has little to act on here"}
    return [
        f"{where(experiment, r['sweep_point'], r['policy'], sep=' (', end=')')}: its {r['lever']} "
        f"({r['keys']}) {words[r['acts']]}: {r['reason']}."
        for _, r in scope.iterrows()
    ]


def tower_lines(experiment: Experiment, towers: pd.DataFrame) -> list[str]:
    """A sentence per sweep point and policy that sited extra towers: each tower's site (km) and coverage gain (km
    of border line), in the order chosen."""
    lines = []
    for (point, policy), group in towers.groupby(["sweep_point", "policy"], sort=False):
        sites = "; ".join(
            f"{int(r['tower'])}: ({r['x_km']:g}, {r['y_km']:g})"
            + (f" +{r['coverage_gain_km']:.1f} km" if pd.notna(r["coverage_gain_km"]) else "")
            for _, r in group.iterrows()
        )
        lines.append(f"{where(experiment, point, policy, sep=' (', end=')')}: {len(group)} towers, {sites}.")
    return lines


def few_replications_warning(experiment: Experiment) -> str:
    """The warning of an experiment with fewer than five replications."""
    return (
        f"Only {experiment.replications} replications per policy: intervals are wide and the tests weak, so a "
        "real effect may go unmarked and a mark may not hold up. Run at least 5 (the table of unclear changes "
        "below says how many each change would need) before acting on this report."
    )
