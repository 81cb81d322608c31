"""Named tallies: every counted fact is declared once; an undeclared one raises; every outcome's needs are produced."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from sim.metrics import MEASURE_NAMES, OUTCOMES, TALLIES, Outcome, count
from sim.model import BorderModel
from sim.model.accounting import Tallies

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.toml"


def test_writing_or_reading_an_undeclared_tally_raises():
    tallies = Tallies()
    tallies["interdictions"] += 1
    assert tallies["interdictions"] == 1 and tallies["crossings_attempted"] == 0
    with pytest.raises(KeyError, match="'interdiction' is not a declared tally"):
        tallies["interdiction"] += 1
    with pytest.raises(KeyError, match="not a declared tally"):
        tallies["turned_back"] = 3


def test_an_outcome_needing_an_undeclared_measure_is_refused():
    with pytest.raises(ValueError, match="needs undeclared measures: groups_turnedback"):
        Outcome("x", "groups", OUTCOMES[0].direction, "a misspelt tally", count("groups_turnedback"))


def test_the_model_reports_exactly_the_declared_measures_and_every_outcome_reads_only_those():
    model = BorderModel(CLASSROOM, seed=1)
    for _ in range(48):
        model.step()
    measures = model.accounts.measures()
    assert set(measures) == MEASURE_NAMES
    for outcome in OUTCOMES:
        assert outcome.needs, outcome.name
        assert set(outcome.needs) <= set(measures), outcome.name
    with pytest.raises(KeyError):
        measures["people_turnedback"]  # a measure that does not exist is an error, not 0


def _tally_names_written_in_the_model() -> tuple[set[str], list[re.Pattern]]:
    """The tally names the model's source writes: literal subscripts of ``counters`` and f-string templates."""
    literals, templates = set(), []
    for path in (ROOT / "sim" / "model").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name | ast.Attribute)):
                continue
            name = node.value.id if isinstance(node.value, ast.Name) else node.value.attr
            if name not in ("counters", "c"):
                continue
            keys = [node.slice.body, node.slice.orelse] if isinstance(node.slice, ast.IfExp) else [node.slice]
            for key in keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    literals.add(key.value)
                elif isinstance(key, ast.JoinedStr):
                    parts = [re.escape(v.value) if isinstance(v, ast.Constant) else "[a-z_]+" for v in key.values]
                    templates.append(re.compile("".join(parts) + "$"))
    return literals, templates


def test_every_declared_tally_is_counted_by_the_model_and_every_counted_fact_is_declared():
    literals, templates = _tally_names_written_in_the_model()
    assert literals <= set(TALLIES), sorted(literals - set(TALLIES))
    never = [name for name in TALLIES if name not in literals and not any(t.match(name) for t in templates)]
    assert not never, f"declared but never counted by the model: {never}"
