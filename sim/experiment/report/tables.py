"""The report's analysis: every table it shows, as a DataFrame, written beside it as CSV.

:func:`report_tables` computes them from the runs and the statistics table (:func:`sim.experiment.stats.summarise`)
and :func:`write_tables` writes them into the experiment's folder (file names in :data:`TABLE_FILES`, columns in
docs/experiment-format.md). The report's sentences (:mod:`sim.experiment.report.text`) and its HTML and Markdown
(:mod:`sim.experiment.report.render`) are made from these tables alone, so every number a reader sees is in one
of them.

- **pairing**: how much common random numbers bought, per sweep point, policy and outcome.
- **policies**: each policy's overrides, with the scenario's value and the key's meaning and unit.
- **court load**: the courts' mean utilisation per policy and sweep point, and whether they are overloaded.
- **value of information**: per sharing policy and outcome, the paired change against a baseline that shares
  nothing, per 1,000 records shared and per million of extra cost.
- **decision summary** (:mod:`sim.experiment.report.decision`): the effects with their marks (Holm or nominal)
  and the replications that would detect them, the policies ranked per objective, cost-effectiveness, and each
  policy's scope.
- **sharing chain**: the value-of-information rows of the chain's stages (records to dismantled networks), with
  whether each stage holds; the scenario settings that govern each step of the chain, and the figures measured
  at a step.
- **delay chain**: for each policy that changes the legal delay (:data:`DELAY_SETTINGS`), the settings of the
  delay under the baseline and the policy, and the statistics table's paired comparison of each step of the
  chain delay works through (:data:`DELAY_CHAIN`: witnesses lost, victims testifying, pleas, convictions, time to
  verdict, members at work).
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.report.decision import (
    cost_effectiveness,
    effects_table,
    ranking_table,
    resolved_scenario,
    scope_table,
    towers_table,
)
from sim.experiment.spec import BASELINE, Experiment
from sim.experiment.stats import estimate, ratio_estimate
from sim.metrics import OUTCOME_BY_NAME

#: The measure of how much a policy shares: records made shareable to another agency, per run.
RECORDS_SHARED = "records_shared"
#: The cost outcome the value of information is taken per unit of, and that unit (currency).
VOI_COST, VOI_COST_UNIT = "cost", 1e6
#: The chain through which sharing works, in order: records an investigating agency can see let its
#: investigators identify members, the climb through the network reaches organisers, organisers are convicted,
#: and a network left without an organiser at large is dismantled. A gain in records is worth something only
#: as far as it travels down this chain.
SHARING_CHAIN = ("members_identified", "organisers_arrested", "organisers_convicted", "networks_dismantled")
#: Measured figures (run columns) that explain a break at a stage: quoted, baseline and policy, when the runs
#: have them.
CHAIN_MEASURED = {
    "organisers_convicted": ("days_to_verdict", "absconded", "court_utilisation"),
    "networks_dismantled": ("mean_days_to_dismantle",),
}
#: The scenario keys that govern the step into each stage of the chain (how the model makes the stage from the
#: one before). ``agencies.members[].investigators`` stands for every agency's investigators.
INVESTIGATORS = "agencies.members[].investigators"
CHAIN_SETTINGS = {
    "members_identified": ("agencies.investigation_yield", INVESTIGATORS),
    "organisers_arrested": ("agencies.investigation_yield", INVESTIGATORS, "traffickers.organisers"),
    "organisers_convicted": (
        "legal.procedural_delay_days",
        "legal.courts",
        "legal.trial_days_mean",
        "legal.detention_capacity",
        "legal.detention_priority",
        "legal.abscond_probability",
        "legal.base_conviction_probability",
        "legal.evidence_by_investigation",
        "legal.evidence_half_life_days",
    ),
    "networks_dismantled": (
        "traffickers.dismantle_days",
        "traffickers.organiser_replacement_days",
        "traffickers.organisers",
    ),
}
#: The chain through which legal delay works, in order: while a case waits its witnesses are lost, so fewer
#: victims testify; the plea decision weighs the weakened case (pleas, reductions, dismissals); convictions for
#: trafficking and for smuggling follow; the time to disposition and to verdict is the delay itself (the first
#: over the cases disposed of in the counted time whenever filed, the second over those filed in it, undefined
#: when none of them has been decided yet); the accused awaiting a verdict at liberty work for their networks
#: meanwhile; and the members at large and active are the networks' capacity (the accused at work among them,
#: and the members hired to replace the convicted), over the counted days (their mean) and on the last day.
DELAY_CHAIN = (
    "witnesses_lost",
    "witness_loss_share",
    "victims_testifying",
    "plea_share_of_convictions",
    "convictions_for_trafficking",
    "convictions_for_smuggling",
    "days_to_disposition",
    "days_to_verdict",
    "accused_at_work",
    "mean_active_members",
    "network_active_members",
)
#: The scenario keys that make the legal delay: a policy that sets one of them to another value than the
#: baseline's changes the delay, and the report follows it down :data:`DELAY_CHAIN`.
DELAY_SETTINGS = (
    "legal.procedural_delay_days",
    "legal.courts",
    "legal.trial_days_mean",
    "legal.plea_procedure_days",
)
#: Units of outcomes that count events in a run: below one a run under both policies, a change cannot be told.
COUNT_UNITS = ("people", "groups", "cases", "events", "records", "networks")
#: Mean court utilisation at and above which the courts are overloaded.
OVERLOAD = 1.0

#: The CSV file of each table in the experiment's folder.
TABLE_FILES = {
    "ranking": "decision_ranking.csv",
    "cost_effectiveness": "decision_cost_effectiveness.csv",
    "effects": "decision_effects.csv",
    "scope": "decision_scope.csv",
    "towers": "decision_towers.csv",
    "pairing": "pairing.csv",
    "policies": "policies.csv",
    "court_load": "court_load.csv",
    "value_of_information": "value_of_information.csv",
    "sharing_chain": "sharing_chain.csv",
    "chain_settings": "sharing_chain_settings.csv",
    "chain_measured": "sharing_chain_measured.csv",
    "delay_settings": "delay_chain_settings.csv",
    "delay_chain": "delay_chain.csv",
}

PAIRING_COLUMNS = ["sweep_point", "policy", "outcome", "pairing_sd_ratio", "replication_share"]
POLICY_COLUMNS = ["policy", "key", "value", "scenario_value", "unit", "meaning"]
COURT_COLUMNS = ["sweep_point", "policy", "court_utilisation", "overloaded"]
#: Columns of a (sweep point, sharing policy) repeated on each of its outcome rows.
VOI_ENTRY_COLUMNS = [
    "sweep_point",
    "policy",
    "records_shared",
    "extra_cost",
    "extra_cost_ci_low",
    "extra_cost_ci_high",
    "comparisons",
]
VOI_COLUMNS = [
    *VOI_ENTRY_COLUMNS,
    "outcome",
    "unit",
    "base_mean",
    "policy_mean",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "per_1000_records",
    "per_1000_records_ci_low",
    "per_1000_records_ci_high",
    "per_million_cost",
    "per_million_cost_ci_low",
    "per_million_cost_ci_high",
    "verdict",
    "rare",
    "better_direction",
]
CHAIN_COLUMNS = [*VOI_ENTRY_COLUMNS, "stage", *VOI_COLUMNS[len(VOI_ENTRY_COLUMNS) :], "holds"]
CHAIN_SETTINGS_COLUMNS = ["sweep_point", "policy", "stage", "key", "value"]
CHAIN_MEASURED_COLUMNS = ["sweep_point", "policy", "stage", "measure", "unit", "base_mean", "policy_mean"]
DELAY_SETTINGS_COLUMNS = ["sweep_point", "policy", "key", "base_value", "policy_value"]
DELAY_CHAIN_COLUMNS = [
    "sweep_point",
    "policy",
    "step",
    "outcome",
    "unit",
    "base_mean",
    "policy_mean",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "p_value",
    "p_holm",
    "verdict",
    "field_direction",
]


@dataclass
class ReportTables:
    """Every table of a report (see the module's docstring); ``summary`` is the statistics table as given and
    ``failed`` the runs that failed (both already in the folder: summary.csv and runs.parquet)."""

    summary: pd.DataFrame
    failed: pd.DataFrame
    ranking: pd.DataFrame
    cost_effectiveness: pd.DataFrame
    effects: pd.DataFrame
    scope: pd.DataFrame
    towers: pd.DataFrame
    pairing: pd.DataFrame
    policies: pd.DataFrame
    court_load: pd.DataFrame
    value_of_information: pd.DataFrame
    sharing_chain: pd.DataFrame
    chain_settings: pd.DataFrame
    chain_measured: pd.DataFrame
    delay_settings: pd.DataFrame
    delay_chain: pd.DataFrame


def report_tables(experiment: Experiment, runs: pd.DataFrame, summary: pd.DataFrame) -> ReportTables:
    """Compute every table of the report from the runs and the statistics table."""
    voi = value_of_information(experiment, runs, summary)
    chain = sharing_chain(voi)
    effects = effects_table(runs, summary)
    delay = delay_settings(experiment, summary)
    by_point = {
        "ranking": ranking_table(experiment, summary, effects),
        "cost_effectiveness": cost_effectiveness(experiment, runs),
        "effects": effects,
        "scope": scope_table(experiment),
        "towers": towers_table(runs),
        "pairing": pairing_table(summary),
        "court_load": court_load(experiment, runs),
        "value_of_information": voi,
        "sharing_chain": chain,
        "chain_settings": chain_settings(experiment, chain),
        "chain_measured": chain_measured(runs, chain),
        "delay_settings": delay,
        "delay_chain": delay_chain(summary, delay),
    }
    return ReportTables(
        summary=summary,
        failed=runs[runs["status"] != "ok"] if not runs.empty else runs,
        policies=policy_table(experiment),
        **{name: _with_sweep(table, summary) for name, table in by_point.items()},
    )


def write_tables(tables: ReportTables, out_dir: Path) -> list[Path]:
    """Write the report's tables as CSV (:data:`TABLE_FILES`) into ``out_dir``, empty ones with their header
    only, so the folder never keeps a table of an earlier report. Returns the paths written."""
    paths = []
    for name, file in TABLE_FILES.items():
        path = Path(out_dir) / file
        getattr(tables, name).to_csv(path, index=False)
        paths.append(path)
    return paths


def _with_sweep(table: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the summary's ``sweep:<key>`` columns (the values of its sweep point), after
    ``sweep_point``; the tables are computed without them and given them to be written."""
    sweep = [c for c in summary.columns if c.startswith("sweep:")]
    if not sweep or "sweep_point" not in table.columns:
        return table
    values = summary[["sweep_point", *sweep]].drop_duplicates("sweep_point")
    merged = table.merge(values, on="sweep_point", how="left")
    at = list(table.columns).index("sweep_point") + 1
    return merged[[*table.columns[:at], *sweep, *table.columns[at:]]]


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


# -------------------------------------------------------------------------------------------------- pairing


def pairing_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Per sweep point, policy (not the baseline) and outcome: ``pairing_sd_ratio``, the SD of the paired
    differences over that of the difference of two independent runs (:func:`sim.experiment.stats.pairing_sd_ratio`),
    and ``replication_share``, its square: the share of the replications an unpaired comparison would need that
    the paired one needs for the same precision. NaN where neither policy nor baseline varied."""
    if summary.empty or "pairing_sd_ratio" not in summary.columns:
        return _frame([], PAIRING_COLUMNS)
    table = summary.loc[summary["policy"] != BASELINE, ["sweep_point", "policy", "outcome", "pairing_sd_ratio"]]
    return table.assign(replication_share=table["pairing_sd_ratio"] ** 2).reset_index(drop=True)


# ------------------------------------------------------------------------------------------------- policies


def policy_table(experiment: Experiment) -> pd.DataFrame:
    """One row per override of each policy (the baseline's own; the others' own, without the baseline's):
    ``key``, ``value`` and ``scenario_value`` (Python literals; no scenario value when the scenario has no such
    key), and the key's ``unit`` and ``meaning`` from the scenario schema."""
    from sim.scenario import Scenario, load_scenario, to_dict

    base = to_dict(load_scenario(experiment.scenario_path).spec)
    rows = []
    for policy in experiment.policies:
        own = policy.own_overrides if policy.name != BASELINE else policy.overrides
        for key, value in own.items():
            doc, unit = _field_doc(Scenario, key)
            before = lookup(base, key)
            scenario_value = None if before is MISSING else repr(before)
            rows.append(
                {"policy": policy.name, "key": key, "value": repr(value), "scenario_value": scenario_value}
                | {"unit": unit, "meaning": doc}
            )
    return _frame(rows, POLICY_COLUMNS)


def _field_doc(cls: type, key: str) -> tuple[str, str]:
    """The meaning and unit of a dotted scenario key, from the schema's field metadata (empty when unknown)."""
    node: Any = cls
    meta: dict = {}
    for part in key.split("."):
        name = part.split("[", 1)[0]
        if not dataclasses.is_dataclass(node):
            return "", ""
        fields = {f.name: f for f in dataclasses.fields(node)}
        if name not in fields:
            return "", ""
        meta = dict(fields[name].metadata)
        hint = typing.get_type_hints(node)[name]
        args = [a for a in typing.get_args(hint) if dataclasses.is_dataclass(a)]
        node = hint if dataclasses.is_dataclass(hint) else (args[0] if args else None)
    return meta.get("doc", ""), meta.get("unit", "")


#: What :func:`lookup` returns for a key the scenario does not have.
MISSING = object()


def lookup(data: Any, key: str) -> Any:
    """The value of a dotted key (``a.b[2].c``) in a nested dict, or :data:`MISSING`."""
    node = data
    for part in key.split("."):
        name, _, index = part.partition("[")
        if not isinstance(node, dict) or name not in node:
            return MISSING
        node = node[name]
        if index:
            try:
                node = node[int(index.rstrip("]"))]
            except (IndexError, TypeError, ValueError):
                return MISSING
    return node


# ------------------------------------------------------------------------------------------------- courts


def court_load(experiment: Experiment, runs: pd.DataFrame) -> pd.DataFrame:
    """Per policy and sweep point (policy by policy): ``court_utilisation``, the mean over replications of cases
    reaching the courts per day over ``courts / trial_days_mean``, and ``overloaded`` (:data:`OVERLOAD` or more:
    the backlog and the time to verdict then grow with the run length). Empty when the runs have no utilisation."""
    if runs.empty or "court_utilisation" not in runs.columns:
        return _frame([], COURT_COLUMNS)
    ok = runs[runs["status"] == "ok"]
    rows = []
    for policy in experiment.policy_names:
        for point in sorted(ok["sweep_point"].unique()):
            mine = ok[(ok["policy"] == policy) & (ok["sweep_point"] == point)]
            rho = float(mine["court_utilisation"].mean()) if len(mine) else math.nan
            rows.append({"sweep_point": int(point), "policy": policy, "court_utilisation": rho})
            rows[-1]["overloaded"] = bool(rho >= OVERLOAD)
    return _frame(rows, COURT_COLUMNS)


# ------------------------------------------------------------------------------------ value of information


def value_of_information(experiment: Experiment, runs: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Per sweep point, sharing policy and outcome of interest: the paired change against a baseline that shares
    nothing, per 1,000 shared records and per million of extra cost, and what the statistics say of it.

    A policy qualifies at a sweep point when its runs shared records (:data:`RECORDS_SHARED` > 0 on average)
    and the baseline's shared none. Columns (:data:`VOI_COLUMNS`): of the (point, policy), repeated on its rows,
    ``records_shared`` (mean records shared a run), ``extra_cost`` (mean paired cost difference, with its 95%
    interval) and ``comparisons`` (the comparisons of the results table Holm's correction counts); of each
    outcome (not records shared or cost), ``base_mean`` and ``policy_mean`` over the paired replications, the
    paired ``diff`` with its 95% t interval, ``per_1000_records`` and ``per_million_cost`` (ratios of mean paired
    differences with 95% delta-method intervals; NaN when the policy costs nothing extra), the ``verdict`` of the
    results table, ``rare`` (a count below one a run with and without sharing: too rare to tell a change) and
    ``better_direction`` (the change, significant or not, goes the better way).
    """
    if runs.empty or summary.empty or RECORDS_SHARED not in runs.columns:
        return _frame([], VOI_COLUMNS)
    ok = runs[runs["status"] == "ok"]
    outcomes = [o for o in experiment.outcomes if o not in (RECORDS_SHARED, VOI_COST)]
    verdicts = summary.set_index(["sweep_point", "policy", "outcome"])["verdict"]
    family = int(summary["p_value"].notna().sum())  # the comparisons Holm's correction counts
    rows = []
    for point in sorted(ok["sweep_point"].unique()):
        at = ok[ok["sweep_point"] == point]
        base = at[at["policy"] == BASELINE].set_index("replication")
        if base.empty or base[RECORDS_SHARED].mean() != 0:
            continue
        for policy in experiment.policy_names:
            mine = at[at["policy"] == policy].set_index("replication")
            common = mine.index.intersection(base.index)
            if policy == BASELINE or len(common) == 0 or not mine.loc[common, RECORDS_SHARED].mean() > 0:
                continue
            records = mine.loc[common, RECORDS_SHARED].to_numpy(dtype=float)
            extra_cost = (mine.loc[common, VOI_COST] - base.loc[common, VOI_COST]).to_numpy(dtype=float)
            cost = estimate(extra_cost)
            entry = {"sweep_point": int(point), "policy": policy, "records_shared": float(records.mean())}
            entry.update(extra_cost=cost.mean, extra_cost_ci_low=cost.ci_low, extra_cost_ci_high=cost.ci_high)
            entry["comparisons"] = family
            for outcome in outcomes:
                diff = (mine.loc[common, outcome] - base.loc[common, outcome]).to_numpy(dtype=float)
                change = estimate(diff)
                per_records = ratio_estimate(diff, records, scale=1000.0)
                per_cost = ratio_estimate(diff, extra_cost, scale=VOI_COST_UNIT) if extra_cost.mean() > 0 else None
                row = {**entry, "outcome": outcome, "unit": OUTCOME_BY_NAME[outcome].unit}
                row.update(base_mean=float(base.loc[common, outcome].mean()))
                row.update(policy_mean=float(mine.loc[common, outcome].mean()))
                row.update(diff=change.mean, diff_ci_low=change.ci_low, diff_ci_high=change.ci_high)
                row.update(_ratio_columns("per_1000_records", per_records))
                row.update(_ratio_columns("per_million_cost", per_cost))
                row["verdict"] = str(verdicts.get((point, policy, outcome), "no clear difference"))
                row.update(rare=is_rare(row), better_direction=_better_direction(outcome, change.mean))
                rows.append(row)
    return _frame(rows, VOI_COLUMNS)


def _ratio_columns(name: str, ratio: Any) -> dict[str, float]:
    if ratio is None:
        return {name: math.nan, f"{name}_ci_low": math.nan, f"{name}_ci_high": math.nan}
    return {name: ratio.ratio, f"{name}_ci_low": ratio.ci_low, f"{name}_ci_high": ratio.ci_high}


def is_rare(row: Any) -> bool:
    """A count that stays below one a run both without and with sharing: too rare to tell a change."""
    if OUTCOME_BY_NAME[row["outcome"]].unit not in COUNT_UNITS:
        return False
    return bool(row["base_mean"] < 1 and row["policy_mean"] < 1)


def _better_direction(outcome: str, diff: float) -> bool:
    higher = OUTCOME_BY_NAME[outcome].higher_is_better
    return bool(higher is not None and diff != 0 and not math.isnan(diff) and (diff > 0) == higher)


def entries(table: pd.DataFrame) -> list[tuple[tuple[int, str], pd.DataFrame]]:
    """The rows of a value-of-information or chain table per (sweep point, policy), in the table's order."""
    if table.empty:
        return []
    groups = table.groupby(["sweep_point", "policy"], sort=False)
    return [((int(point), str(policy)), rows) for (point, policy), rows in groups]


# ----------------------------------------------------------------------- the chain from records to dismantling


def sharing_chain(voi: pd.DataFrame) -> pd.DataFrame:
    """The value-of-information rows of the chain's stages (:data:`SHARING_CHAIN`), in chain order, for each
    (point, policy) whose outcomes include at least two stages, with ``stage`` (1 for the first stage of the
    whole chain) and ``holds``: the stage's change is significantly better after Holm's correction, or its 95%
    interval lies clear of zero on the better side (a count too rare to tell never holds)."""
    parts = []
    for _, rows in entries(voi):
        stages = rows[rows["outcome"].isin(SHARING_CHAIN)]
        if len(stages) < 2:
            continue
        number = stages["outcome"].map(lambda o: SHARING_CHAIN.index(o) + 1)
        stages = stages.assign(stage=number).sort_values("stage", kind="stable")
        parts.append(stages.assign(holds=[_holds(r) for _, r in stages.iterrows()]))
    if not parts:
        return _frame([], CHAIN_COLUMNS)
    return pd.concat(parts, ignore_index=True)[CHAIN_COLUMNS]


def _holds(row: pd.Series) -> bool:
    if row["verdict"] == "better":
        return True
    higher = OUTCOME_BY_NAME[row["outcome"]].higher_is_better
    if higher is None or row["rare"]:
        return False
    return bool(row["diff_ci_low"] > 0) if higher else bool(row["diff_ci_high"] < 0)


def step_settings(stage: str, scenario: dict) -> dict[str, Any]:
    """The settings that govern the step into ``stage`` (:data:`CHAIN_SETTINGS`) with their values in
    ``scenario``, for those the scenario has; :data:`INVESTIGATORS` maps each agency's name to its investigators
    (left out when the scenario lists no agencies)."""
    found: dict[str, Any] = {}
    for key in CHAIN_SETTINGS[stage]:
        if key == INVESTIGATORS:
            members = lookup(scenario, "agencies.members")
            if members is not MISSING and members:
                found[key] = {m["name"]: m["investigators"] for m in members}
            continue
        value = lookup(scenario, key)
        if value is not MISSING:
            found[key] = value
    return found


def chain_settings(experiment: Experiment, chain: pd.DataFrame) -> pd.DataFrame:
    """Per (point, policy) of the chain table and stage: the scenario keys that govern the step into the stage
    with their values in the scenario that (point, policy) ran (:func:`step_settings`; the investigators as
    ``name n, ...``)."""
    rows = []
    for (point, policy), stages in entries(chain):
        scenario = resolved_scenario(experiment, point, policy)
        for stage in stages["outcome"]:
            for key, value in step_settings(stage, scenario).items():
                text = ", ".join(f"{name} {n}" for name, n in value.items()) if isinstance(value, dict) else value
                rows.append({"sweep_point": point, "policy": policy, "stage": stage, "key": key, "value": text})
    return _frame(rows, CHAIN_SETTINGS_COLUMNS)


def chain_measured(runs: pd.DataFrame, chain: pd.DataFrame) -> pd.DataFrame:
    """Per (point, policy) of the chain table and stage with measured figures (:data:`CHAIN_MEASURED`, those
    the runs have): the figure's mean without sharing and under the policy over paired replications (runs with
    no value, e.g. no network dismantled, are left out of a mean)."""
    rows = []
    ok = runs[runs["status"] == "ok"] if not runs.empty else runs
    for (point, policy), stages in entries(chain):
        at = ok[ok["sweep_point"] == point]
        base = at[at["policy"] == BASELINE].set_index("replication")
        mine = at[at["policy"] == policy].set_index("replication")
        common = mine.index.intersection(base.index)
        for stage in stages["outcome"]:
            for name in CHAIN_MEASURED.get(stage, ()):
                if name not in runs.columns:
                    continue
                means = float(base.loc[common, name].mean()), float(mine.loc[common, name].mean())
                rows.append({"sweep_point": point, "policy": policy, "stage": stage, "measure": name})
                rows[-1].update(unit=OUTCOME_BY_NAME[name].unit, base_mean=means[0], policy_mean=means[1])
    return _frame(rows, CHAIN_MEASURED_COLUMNS)


# ---------------------------------------------------------------------------- the chain legal delay works through


def delay_settings(experiment: Experiment, summary: pd.DataFrame) -> pd.DataFrame:
    """Per sweep point and policy that changes the legal delay (sets a key of :data:`DELAY_SETTINGS` to another
    value than the baseline at that point): every key of :data:`DELAY_SETTINGS` the scenario has, with its value
    under the baseline and under the policy. Empty when no policy changes the delay."""
    if summary.empty:
        return _frame([], DELAY_SETTINGS_COLUMNS)
    rows = []
    for point in map(int, sorted(summary["sweep_point"].unique())):
        base = resolved_scenario(experiment, point, BASELINE)
        base_values = {k: v for k in DELAY_SETTINGS if (v := lookup(base, k)) is not MISSING}
        for policy in experiment.policy_names:
            if policy == BASELINE:
                continue
            mine = resolved_scenario(experiment, point, policy)
            values = {k: lookup(mine, k) for k in base_values}
            if all(values[k] == base_values[k] for k in base_values):
                continue
            for key, value in base_values.items():
                rows.append({"sweep_point": point, "policy": policy, "key": key})
                rows[-1].update(base_value=value, policy_value=values[key])
    return _frame(rows, DELAY_SETTINGS_COLUMNS)


def delay_chain(summary: pd.DataFrame, settings: pd.DataFrame) -> pd.DataFrame:
    """Per (point, policy) of the delay-settings table whose outcomes include at least two steps of
    :data:`DELAY_CHAIN`: the statistics table's rows of those steps, in chain order, with ``step`` (1 for the
    chain's first), ``base_mean`` (the baseline's mean a run), ``policy_mean``, the paired ``diff`` with its 95%
    interval, ``p_value`` and ``p_holm`` (Holm over the results table's comparisons), the ``verdict`` and
    ``field_direction``: whether the change goes the way a shorter delay moves the step in the field when the
    policy shortens the procedure (fewer witnesses lost, more victims testifying, more convictions, fewer days to
    verdict, fewer members at work; the plea share has no stated direction, so empty), the other way when it
    lengthens it; empty when neither or when the change is nil."""
    if settings.empty:
        return _frame([], DELAY_CHAIN_COLUMNS)
    stats = summary.set_index(["sweep_point", "policy", "outcome"])
    rows = []
    for (point, policy), keys in settings.groupby(["sweep_point", "policy"], sort=False):
        shorter = _shortens(keys)
        present = [o for o in DELAY_CHAIN if (point, policy, o) in stats.index]
        if len(present) < 2:
            continue
        for outcome in present:
            mine, base = stats.loc[(point, policy, outcome)], stats.loc[(point, BASELINE, outcome)]
            row = {"sweep_point": int(point), "policy": policy, "step": DELAY_CHAIN.index(outcome) + 1}
            row.update(outcome=outcome, unit=mine["unit"], base_mean=float(base["mean"]))
            row["policy_mean"] = float(mine["mean"])
            row.update({c: float(mine[c]) for c in ("diff", "diff_ci_low", "diff_ci_high", "p_value", "p_holm")})
            row.update(verdict=str(mine["verdict"]), field_direction=_field_direction(outcome, row["diff"], shorter))
            rows.append(row)
    return _frame(rows, DELAY_CHAIN_COLUMNS)


#: The sign of each step's change when the delay gets shorter, in the field (None: no stated direction).
SHORTER_DELAY_SIGN = {
    "witnesses_lost": -1,
    "witness_loss_share": -1,
    "days_to_disposition": -1,
    "victims_testifying": 1,
    "plea_share_of_convictions": None,
    "convictions_for_trafficking": 1,
    "convictions_for_smuggling": 1,
    "days_to_verdict": -1,
    "accused_at_work": -1,
    "mean_active_members": -1,
    "network_active_members": -1,
}


def _shortens(keys: pd.DataFrame) -> bool | None:
    """Whether a policy's delay settings (its rows of the delay-settings table) make the delay shorter (a shorter
    procedure, plea procedure or trial, or more courts), longer, or neither clearly (``None``: mixed)."""
    shorter = longer = False
    for _, row in keys.iterrows():
        base, mine = row["base_value"], row["policy_value"]
        if base == mine:
            continue
        less_is_shorter = row["key"] != "legal.courts"
        quicker = (mine < base) == less_is_shorter
        shorter |= quicker
        longer |= not quicker
    return shorter if shorter != longer else None


def _field_direction(outcome: str, diff: float, shorter: bool | None) -> bool | None:
    sign = SHORTER_DELAY_SIGN[outcome]
    if sign is None or shorter is None or diff == 0 or math.isnan(diff):
        return None
    return (diff > 0) == (sign > 0) if shorter else (diff > 0) == (sign < 0)
