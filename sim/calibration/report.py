"""What ``bordersim calibrate`` writes at the end: the calibrated scenario, the fit and how well it identifies.

In the output folder:

- ``calibrated.toml``: the input scenario with the best trial's parameters applied, a header saying where it came
  from; ``bordersim run`` and ``bordersim experiment`` load it like any scenario (relative file paths in it are
  rewritten to stay valid from the output folder).
- ``fit.csv`` and ``fit_report.md``: every target's field figure and source beside the best trial's simulated mean
  and its 95 % interval over the replications, met or not; the pending targets with their reason; the parameters
  and how well the fit identifies them; the search history.
- ``history.csv`` and ``history.png``: the objective of every trial and the best so far.
- ``identification.csv``: per parameter, the spread among the trials that fit as well as the best within the
  simulation noise (the *identified set*), as a share of its searched range, and optuna's PED-ANOVA importance.

**Identification.** A trial is in the identified set when its distance from the targets (the square root of
the objective) exceeds the best's by at most twice the standard error of the difference, judged on the common
seeds (paired jackknife, :func:`identified_set`). A parameter whose values in that set span more than
:data:`POORLY_IDENTIFIED_SHARE` of its searched range is reported as poorly identified: the targets,
at this noise, do not pin it down; with fewer than :data:`MIN_SET_TRIALS` trials in the set, as undetermined.
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import Any

from sim.calibration.search import Settings, best_trial
from sim.calibration.targets import Parameter

#: A parameter whose identified set spans more than this share of its searched range is poorly identified.
POORLY_IDENTIFIED_SHARE = 0.5
#: Trials the identified set needs before a spread within the share above counts as well identified.
MIN_SET_TRIALS = 3
#: Standard errors within which a trial's objective counts as fitting as well as the best.
NOISE_SES = 2.0


def identified_set(trials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The completed trials whose objective is within the noise of the best's.

    The comparison is made on the square root of the objective, the distance of a trial from the targets (the
    weighted root-sum-square miss, in tolerances), whose noise is about as large above as below; the objective
    is a square, and its own standard error grows with the size of the miss. A trial is in the set when its
    distance exceeds the best's by at most :data:`NOISE_SES` standard errors of the difference. Every trial runs
    on the same seeds, so the difference is judged replication by replication: its standard error is the
    jackknife's over the paired leave-one-out distances of the two trials (much smaller than the two trials' own
    errors combined when the common random numbers correlate them). With one replication there is no estimate
    of the noise and the set holds the trials as close as the best.
    """
    from sim.calibration.search import jackknife_se

    best = best_trial(trials)
    if best is None:
        return []
    out = []
    for trial in trials:
        if trial["state"] != "complete":
            continue
        loo = zip(trial.get("objective_loo", []), best.get("objective_loo", []), strict=False)
        paired = [math.sqrt(a) - math.sqrt(b) for a, b in loo]
        se = jackknife_se(paired) if len(paired) > 1 else 0.0
        if math.sqrt(trial["objective"]) - math.sqrt(best["objective"]) <= NOISE_SES * se:
            out.append(trial)
    return out


def identification(parameters: tuple[Parameter, ...], trials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per parameter: the best value, the identified set's lowest and highest value, their spread as a share of
    the searched range, optuna's PED-ANOVA importance (NaN when it cannot be computed) and the verdict."""
    best = best_trial(trials)
    members = identified_set(trials)
    importance = importances(parameters, trials)
    rows = []
    for p in parameters:
        values = [t["params"][p.key] for t in members]
        low, high = (min(values), max(values)) if values else (math.nan, math.nan)
        spread = p.width(low, high) if values else math.nan
        rows.append(
            {
                "parameter": p.key,
                "searched_low": p.low,
                "searched_high": p.high,
                "log": p.log,
                "best": best["params"][p.key] if best else math.nan,
                "set_low": low,
                "set_high": high,
                "set_trials": len(members),
                "spread_share": spread,
                "importance": importance.get(p.key, math.nan),
                "identified": verdict(spread, len(members)),
            }
        )
    return rows


def verdict(spread: float, members: int) -> str:
    """``poorly`` (the set spans more than :data:`POORLY_IDENTIFIED_SHARE` of the range), ``well``, or
    ``undetermined`` when fewer than :data:`MIN_SET_TRIALS` trials are in the set (a spread of so few says
    nothing yet: more trials near the best are needed)."""
    if members and math.isfinite(spread) and spread > POORLY_IDENTIFIED_SHARE:
        return "poorly"
    if members < MIN_SET_TRIALS:
        return "undetermined"
    return "well"


def importances(parameters: tuple[Parameter, ...], trials: list[dict[str, Any]]) -> dict[str, float]:
    """optuna's PED-ANOVA importance of each parameter for the objective ({} when it cannot be computed, e.g.
    too few trials). PED-ANOVA needs nothing beyond optuna; fANOVA would need scikit-learn."""
    import warnings

    import optuna
    from optuna.importance import PedAnovaImportanceEvaluator, get_param_importances

    from sim.calibration.search import make_sampler, rebuild_study

    complete = [t for t in trials if t["state"] == "complete"]
    if len(parameters) < 2 or len(complete) < 4:
        return {}
    study = rebuild_study(parameters, complete, make_sampler("tpe", 0))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = get_param_importances(study, evaluator=PedAnovaImportanceEvaluator())
    except (ValueError, RuntimeError, optuna.exceptions.OptunaError):
        return {}
    return {k: float(v) for k, v in found.items()}


# -- the calibrated scenario ------------------------------------------------------------------------------


def write_calibrated_scenario(settings: Settings, params: dict[str, Any], out_dir: Path, trial: int) -> Path:
    """The input scenario with ``params`` applied, as TOML in ``out_dir``, with a header saying where it came
    from; relative file paths in it (raster and other input files) are rewritten relative to ``out_dir``."""
    import tomli_w

    from sim.schema import read_toml, set_dotted

    raw = read_toml(settings.scenario)
    for key, value in params.items():
        set_dotted(raw, key, value, file=str(settings.targets.path))
    _rebase_paths(raw, settings.scenario.parent, out_dir)
    header = [
        f"# Calibrated by `bordersim calibrate` from {settings.scenario.name} "
        f"with the targets {settings.targets.path.name}",
        f"# (trial {trial} of {settings.budget}; {settings.replications} replications x {settings.days:g} days after "
        f"{settings.warmup_days} days of warm-up, seed {settings.seed}, sampler {settings.sampler}).",
        "# See fit_report.md beside this file. Calibrated keys:",
        *(f"#   {k} = {v!r}" for k, v in params.items()),
        "",
    ]
    path = out_dir / "calibrated.toml"
    _write_text(path, "\n".join(header) + tomli_w.dumps(raw, multiline_strings=True))
    return path


#: Scenario keys (last part of the dotted name) that hold file paths, relative to the scenario file.
_PATH_SUFFIXES = ("_file", "file", "path")


def _rebase_paths(node: Any, scenario_dir: Path, out_dir: Path) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and key.endswith(_PATH_SUFFIXES) and not os.path.isabs(value):
                source = scenario_dir / value
                if source.exists():
                    node[key] = os.path.relpath(source.resolve(), out_dir.resolve())
            else:
                _rebase_paths(value, scenario_dir, out_dir)
    elif isinstance(node, list):
        for item in node:
            _rebase_paths(item, scenario_dir, out_dir)


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# -- tables, chart and report ----------------------------------------------------------------------------


def fit_rows(settings: Settings, best: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per target: the field figure and source beside the best trial's simulated mean and interval."""
    rows = []
    for t in settings.targets.targets:
        fit = best["targets"][t.name]
        rows.append(
            {
                "target": t.name,
                "simulated": t.describe_quantity(),
                "field": t.describe_field(),
                "low": t.low,
                "high": t.high,
                "tolerance": t.tolerance,
                "weight": t.weight,
                "mean": fit["mean"],
                "ci_low": fit["ci_low"],
                "ci_high": fit["ci_high"],
                "replications": fit["n"],
                "miss_tolerances": fit["miss"],
                "met": fit["n"] > 0 and fit["miss"] == 0.0,
                "source": t.source,
            }
        )
    return rows


def history_rows(settings: Settings, trials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per trial: its parameters, objective, standard error and the best objective so far."""
    rows, best = [], math.inf
    for t in trials:
        if t["state"] == "complete":
            best = min(best, t["objective"])
        rows.append(
            {
                "trial": t["number"],
                "state": t["state"],
                **{p.key: t["params"][p.key] for p in settings.targets.parameters},
                "objective": t["objective"] if t["objective"] is not None else math.nan,
                "objective_se": t["objective_se"] if t["objective_se"] is not None else math.nan,
                "best_so_far": best,
                "error": "; ".join(t.get("errors", [])),
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)


def plot_history(rows: list[dict[str, Any]], path: Path) -> None:
    """The objective of every trial (dots; failed trials left out) and the best so far (a step line), log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ok = [r for r in rows if r["state"] == "complete"]
    floor = 1e-3  # objectives of 0 (every target met) drawn on the axis' floor
    ax.plot([r["trial"] for r in ok], [max(r["objective"], floor) for r in ok], "o", ms=4, label="trial")
    ax.step([r["trial"] for r in ok], [max(r["best_so_far"], floor) for r in ok], where="post", label="best so far")
    ax.set_yscale("log")
    ax.set_xlabel("trial")
    ax.set_ylabel("objective (log scale)")
    ax.set_title(f"Objective per trial and best so far (drawn at {floor:g}: every target met)", fontsize=10)
    ax.legend()
    fig.tight_layout()
    tmp = path.with_name(path.stem + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def _num(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}g}"


def write_outputs(
    settings: Settings, trials: list[dict[str, Any]], out_dir: Path, manifest: dict, settle_days: int = 0
) -> dict[str, Path]:
    """Write the calibrated scenario, fit.csv, history.csv and .png, identification.csv and fit_report.md.

    With ``settle_days``, the calibrated scenario runs that many days on the first four seeds (no warm-up) and the
    report says how long its main outcomes take to settle (:func:`sim.experiment.warmup.settle`, MSER-5): the
    warm-up to choose for it."""
    best = best_trial(trials)
    paths: dict[str, Path] = {}
    history = history_rows(settings, trials)
    write_csv(out_dir / "history.csv", history)
    paths["history"] = out_dir / "history.csv"
    plot_history(history, out_dir / "history.png")
    ident = identification(settings.targets.parameters, trials)
    write_csv(out_dir / "identification.csv", ident)
    fits: list[dict[str, Any]] = []
    if best is not None:
        paths["scenario"] = write_calibrated_scenario(settings, best["params"], out_dir, best["number"])
        fits = fit_rows(settings, best)
        write_csv(out_dir / "fit.csv", fits)
        paths["fit"] = out_dir / "fit.csv"
    settling = None
    if settle_days and best is not None:
        from sim.experiment.warmup import settle

        settling = settle(paths["scenario"], settle_days, settings.seeds[:4])
        _write_text(out_dir / "settling.txt", settling.table() + "\n")
        paths["settling"] = out_dir / "settling.txt"
    report = out_dir / "fit_report.md"
    _write_text(report, report_text(settings, trials, best, fits, ident, manifest, settling))
    paths["report"] = report
    return paths


def report_text(
    settings: Settings,
    trials: list[dict[str, Any]],
    best: dict[str, Any] | None,
    fits: list[dict[str, Any]],
    ident: list[dict[str, Any]],
    manifest: dict,
    settling: Any = None,
) -> str:
    t = settings.targets
    lines = [
        f"# Calibration of {settings.scenario.name} to {t.path.name}",
        "",
        t.description or "",
        "",
        f"{len(trials)} trials ({sum(x['state'] != 'complete' for x in trials)} failed), sampler "
        f"{settings.sampler}, {settings.replications} replications x {settings.days:g} days (after "
        f"{settings.warmup_days} days of warm-up, not counted) per trial and variant on common random numbers "
        f"(seeds {', '.join(map(str, settings.seeds))}, from --seed "
        f"{settings.seed}).",
        "",
    ]
    if best is None:
        lines += ["No trial completed: no fit to report (history.csv lists the errors).", ""]
    else:
        met = sum(r["met"] for r in fits)
        lines += [
            f"Best: trial {best['number']}, objective {_num(best['objective'])} "
            f"(jackknife SE {_num(best['objective_se'])}); {met} of {len(fits)} targets met. "
            "Calibrated scenario: `calibrated.toml`.",
            "",
            "## Targets",
            "",
            "Field figure and source beside the best trial's simulated mean, with its 95 % interval over the "
            "replications. Met: the mean lies in the target's interval (value ± tolerance, or the range); miss: "
            "how far outside, in tolerances.",
            "",
            "| target | simulated | field | mean | 95 % interval | met | miss | weight | source |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for r in fits:
            lines.append(
                f"| {r['target']} | {r['simulated']} | {r['field']} | {_num(r['mean'])} | "
                f"{_num(r['ci_low'])} to {_num(r['ci_high'])} | {_num(r['met'])} | {_num(r['miss_tolerances'], 3)} | "
                f"{_num(r['weight'])} | {r['source']} |"
            )
        lines.append("")
        definitions = [x for x in t.targets if x.definition]
        if definitions:
            lines += ["What each figure counts:", ""]
            lines += [f"- **{x.name}**: {x.definition}" for x in definitions]
            lines.append("")
    if t.pending:
        lines += [
            "## Not calibrated (pending)",
            "",
            "Field figures the model cannot be compared with yet; they did not enter the objective.",
            "",
            "| target | outcome | field | reason | source |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {p.name} | {p.outcome}{' (now declared: move it to [[targets]])' if p.declared else ''} | "
            f"{p.describe_field()} | {p.reason} | {p.source} |"
            for p in t.pending
        ]
        lines.append("")
    lines += [
        "## Parameters and identification",
        "",
        "Identified set: the trials whose distance from the targets (the square root of the objective) exceeds "
        f"the best's by at most {NOISE_SES:g} standard errors of the difference (paired jackknife over the "
        "replications, which share their seeds across trials). Spread: "
        "the range of a parameter's values in that set as a share of its searched range (log "
        f"scale where searched on one); above {POORLY_IDENTIFIED_SHARE:g} the parameter is poorly identified; "
        f"with fewer than {MIN_SET_TRIALS} trials in the set it is undetermined (more trials near the best are "
        "needed). "
        "Importance: optuna's PED-ANOVA importance for the objective (n/a with fewer than 4 trials or one "
        "parameter). The set holds only the trials the sampler tried, and it concentrates them near the best: a "
        "small spread after a small budget can be the sampler's rather than the targets'.",
        "",
        "| parameter | searched | best | identified set | trials in set | spread | importance | identified |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in ident:
        scale = " (log)" if r["log"] else ""
        lines.append(
            f"| {r['parameter']} | {_num(r['searched_low'])} to {_num(r['searched_high'])}{scale}"
            f" | {_num(r['best'])} | {_num(r['set_low'])} to {_num(r['set_high'])} | {r['set_trials']} | "
            f"{_num(r['spread_share'], 2)} | {_num(r['importance'], 2)} | {r['identified']} |"
        )
    lines += [
        "",
        "## Search history",
        "",
        "![objective per trial and best so far](history.png)",
        "",
        "Every trial's parameters, objective and standard error: `history.csv`; every run's outcomes: "
        "`trials/trial-NNNNN.json`.",
        "",
    ]
    if settling is not None:
        warmup = settings.warmup_days
        late = [name for name, t in settling.truncation.items() if t.settled and t.day > warmup]
        drifting = [name for name, t in settling.truncation.items() if not t.settled]
        advice = (
            f"The fit's warm-up ({warmup} days) covers every series that settled"
            if not late
            else f"{', '.join(late)} settle after the fit's warm-up ({warmup} days): consider a longer one"
        )
        if drifting:
            advice += (
                f"; {', '.join(drifting)} did not settle within the first half of the run: a drift over the whole "
                "run, which no warm-up removes (compare the levels of the first month and after)"
            )
        advice += "."
        lines += [
            "## How long the outcomes take to settle",
            "",
            f"The calibrated scenario, {settling.days} days from an empty start on {len(settling.seeds)} seeds, "
            "without a warm-up: the day after which each series' mean is steadiest (MSER-5, White 1997, on the "
            "series averaged over the seeds; per seed beside it; ? where it did not settle in the first half). "
            + advice,
            "",
            "```",
            settling.table(),
            "```",
            "",
        ]
    lines += [
        "## Manifest",
        "",
        f"- scenario: `{manifest['scenario']['path']}` (sha256 {manifest['scenario']['sha256'][:16]})",
        f"- targets: `{manifest['targets']['path']}` (sha256 {manifest['targets']['sha256'][:16]})",
        f"- budget {manifest['budget']}, replications {manifest['replications']}, days {manifest['days']:g} after "
        f"{manifest['warmup_days']} days of warm-up, "
        f"seed {manifest['seed']}, sampler {manifest['sampler']}",
        f"- model version {manifest['model_version']}; "
        + ", ".join(f"{k} {v}" for k, v in manifest["versions"].items() if k not in ("platform",)),
        "",
    ]
    return "\n".join(lines)
