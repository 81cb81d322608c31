"""Every scenario key says where its default comes from: a citation, "assumption", or "input".

The rule is in :func:`sim.schema.spec`: a parameter of the model names a source or says "assumption";
an input of the scenario (names, positions, maps, what is deployed, policy levers) says
:data:`sim.schema.INPUT`. The column is shown in ``docs/scenario-format.md``.
"""

from __future__ import annotations

import dataclasses
import re
import typing

from sim.docs import generate
from sim.scenario import Scenario
from sim.schema import INPUT

# A source is "input", or begins with "assumption", or cites: a year (1917-2099) or a GAO report number.
CITATION = re.compile(r"\b(19|20)\d\d\b|\bGAO-\d")


def leaf_fields(cls: type = Scenario, prefix: str = "") -> dict[str, dataclasses.Field]:
    """Every leaf field of the schema by dotted key (lists of tables as ``name[]``), tables left out."""
    out: dict[str, dataclasses.Field] = {}
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        typ = hints[f.name]
        key = f"{prefix}{f.name}"
        args = typing.get_args(typ)
        if dataclasses.is_dataclass(typ):
            out |= leaf_fields(typ, key + ".")
        elif typing.get_origin(typ) is list and args and dataclasses.is_dataclass(args[0]):
            out |= leaf_fields(args[0], key + "[].")
        else:
            out[key] = f
    return out


FIELDS = leaf_fields()


def test_every_key_has_a_source():
    missing = sorted(k for k, f in FIELDS.items() if not f.metadata.get("source", "").strip())
    assert not missing, f"keys with no source (a citation, 'assumption', or INPUT): {missing}"


def test_sources_are_inputs_assumptions_or_citations():
    bad = {
        k: f.metadata["source"]
        for k, f in FIELDS.items()
        if f.metadata["source"] != INPUT
        and not f.metadata["source"].startswith("assumption")
        and not CITATION.search(f.metadata["source"])
    }
    assert not bad, f"sources that are neither {INPUT!r}, an assumption nor a citation: {bad}"


def test_behavioural_constants_moved_from_code_say_assumption():
    """The keys that replaced constants in code are parameters of the model, not inputs."""
    for key in (
        "terrain.river_wading_speed_factor",
        "terrain.steep_exposure_per_hour",
        "agencies.intel_memory_hours",
        "traffickers.prior_trips",
        "traffickers.prior_arrests",
        "traffickers.prior_verdicts",
        "traffickers.prior_convictions",
        "traffickers.prior_victims_sent",
        "traffickers.prior_deliveries",
        "traffickers.activity_floor",
        "checkpoints.overloaded_wait_hours",
        "patrols.transport_hours",
        "legal.evidence_in_the_act",
    ):
        assert FIELDS[key].metadata["source"].startswith("assumption"), key
    assert "Federal Bureau of Prisons" in FIELDS["legal.cost_per_prison_year"].metadata["source"]


def test_format_reference_shows_the_source_column():
    text = generate()
    assert text.count("| key | type / allowed | unit | default | source | meaning |") >= 10
    row = next(line for line in text.splitlines() if line.startswith("| `intel_memory_hours` |"))
    assert row.split("|")[5].strip() == FIELDS["agencies.intel_memory_hours"].metadata["source"]
    name_row = next(line for line in text.splitlines() if line.startswith("| `description` |"))
    assert name_row.split("|")[5].strip() == INPUT
