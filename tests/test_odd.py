"""docs/odd.md stays true to the code: its headings, sections, scenario keys, modules, functions and links.

The ODD description (Grimm et al. 2020) names scenario keys (``patrols.tracking_speed_kmh``,
``surveillance.sensors[].range_m``), modules (``sim/model/response.py``) and the classes and functions that
carry each submodel (``BorderModel.detect``). When a key is renamed or a mechanism moves, these tests
fail and name what to correct.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from pathlib import Path

import pytest

from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "odd.md"
MODEL_MD = ROOT / "docs" / "model.md"

HEADINGS = (
    "1. Purpose and patterns",
    "2. Entities, state variables and scales",
    "3. Process overview and scheduling",
    "4. Design concepts",
    "5. Initialisation",
    "6. Input data",
    "7. Submodels",
)
DESIGN_CONCEPTS = (
    "Basic principles",
    "Emergence",
    "Adaptation",
    "Objectives",
    "Learning",
    "Prediction",
    "Sensing",
    "Interaction",
    "Stochasticity",
    "Collectives",
    "Observation",
)
SECTIONS = tuple(f.name for f in dataclasses.fields(Scenario))

# A backticked dotted key, perhaps with a value: `patrols.count`, `ports[].lanes`, `border.mode = "river"`.
KEY_RE = re.compile(r"`([a-z_]+(?:\[\])?(?:\.[a-z0-9_]+(?:\[\])?)+)(?:\s*=[^`]*)?`")
MODULE_RE = re.compile(r"sim/[\w/]+\.py")
# A backticked qualified name: `BorderModel.detect`, `Patrol.arrive`.
QUALIFIED_RE = re.compile(r"`([A-Z][a-z][A-Za-z0-9]*)\.([a-z_][a-z0-9_]*)`")
LINK_RE = re.compile(r"\]\(model\.md#([^)]+)\)")


def _dataclass_in(hint: typing.Any) -> tuple[type | None, bool]:
    """(the dataclass inside a type hint, whether it is a list of them); (None, False) for a leaf."""
    origin = typing.get_origin(hint)
    if origin is list:
        inner, _ = _dataclass_in(typing.get_args(hint)[0])
        return inner, inner is not None
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            inner, is_list = _dataclass_in(arg)
            if inner is not None:
                return inner, is_list
        return None, False
    if dataclasses.is_dataclass(hint):
        return hint, False
    return None, False


def schema_keys(cls: type = Scenario, prefix: str = "") -> tuple[set[str], set[str]]:
    """Every key of the schema (tables and leaves, lists written ``name[]``) and the mapping-valued keys.

    A key whose value is a free mapping (``patrols.drive_speed_factors``) accepts any sub-key.
    """
    keys: set[str] = set()
    mappings: set[str] = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        inner, is_list = _dataclass_in(hint)
        name = prefix + f.name
        keys.add(name)
        if inner is not None:
            if is_list:
                keys.add(name + "[]")
            sub_keys, sub_maps = schema_keys(inner, name + ("[]." if is_list else "."))
            keys |= sub_keys
            mappings |= sub_maps
        elif typing.get_origin(hint) is dict:
            mappings.add(name)
    return keys, mappings


def unknown_keys(cited: list[str]) -> list[str]:
    keys, mappings = schema_keys()
    return [
        key
        for key in cited
        if key not in keys and not any(key.startswith(m + ".") and key.count(".") == m.count(".") + 1 for m in mappings)
    ]


def cited_keys(text: str) -> list[str]:
    """Backticked dotted names whose first part is a section of the schema."""
    return [key for key in KEY_RE.findall(text) if key.split(".")[0].removesuffix("[]") in SECTIONS]


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def module_bullets(text: str) -> list[str]:
    """The text of every ``- Module:`` bullet, continuation lines included."""
    bullets, current = [], None
    for line in text.splitlines():
        if line.startswith("- Module:"):
            current = [line]
            bullets.append(current)
        elif current is not None and line.startswith("  ") and line.strip():
            current.append(line)
        else:
            current = None
    return [" ".join(b) for b in bullets]


def defines(source: str, name: str) -> bool:
    """``name`` is a class, function, module constant or ``self.`` attribute in ``source``."""
    pattern = rf"^\s*(class|def)\s+{name}\b|^{name}\b[^=\n]*=|self\.{name}\b[^=\n]*="
    return re.search(pattern, source, re.M) is not None


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD.read_text(encoding="utf-8")


def test_the_seven_odd_headings_are_present_in_order(odd):
    found = re.findall(r"^## (.+)$", odd, re.M)
    assert [h for h in found if h in HEADINGS] == list(HEADINGS), f"ODD headings found: {found}"


def test_every_design_concept_is_described(odd):
    missing = [c for c in DESIGN_CONCEPTS if f"**{c}.**" not in odd]
    assert not missing, f"design concepts not described in docs/odd.md: {missing}"


def test_every_section_of_the_scenario_schema_is_mentioned(odd):
    missing = [s for s in SECTIONS if not re.search(rf"`{s}(`|\.|\[\])", odd)]
    assert not missing, f"scenario sections never named in docs/odd.md (as `section` or `section.key`): {missing}"


def test_every_scenario_key_cited_exists_in_the_schema(odd):
    cited = cited_keys(odd)
    assert len(cited) > 50, f"only {len(cited)} scenario keys found in docs/odd.md: is the key pattern right?"
    bad = sorted(set(unknown_keys(cited)))
    assert not bad, f"docs/odd.md cites keys that are not in sim/scenario/: {bad}"


def test_every_leaf_key_of_the_schema_is_cited(odd):
    """Each submodel lists the keys it reads, so a key missing here is a mechanism the description leaves out."""
    keys, _ = schema_keys()
    leaves = {k for k in keys if not k.endswith("[]") and not any(o.startswith((k + ".", k + "[]")) for o in keys)}
    missing = sorted(leaves - set(cited_keys(odd)))
    assert not missing, f"scenario keys docs/odd.md never names (list each under the submodel it acts in): {missing}"


def test_every_module_cited_exists(odd):
    modules = sorted(set(MODULE_RE.findall(odd)))
    assert len(modules) > 10, modules
    missing = [m for m in modules if not (ROOT / m).is_file()]
    assert not missing, f"docs/odd.md cites modules that do not exist: {missing}"


def test_every_name_given_for_a_submodel_is_defined_in_its_module(odd):
    bullets = module_bullets(odd)
    assert len(bullets) >= 15, f"only {len(bullets)} '- Module:' bullets in docs/odd.md"
    problems = []
    for bullet in bullets:
        module = None
        for token in re.findall(r"`([^`]+)`", bullet):
            if MODULE_RE.fullmatch(token):
                module = ROOT / token
                continue
            assert module is not None, f"a name before any module in: {bullet}"
            if not module.is_file():
                problems.append(f"{token} (no module {module.relative_to(ROOT)})")
                continue
            source = module.read_text(encoding="utf-8")
            for name in token.split("."):
                if not defines(source, name):
                    problems.append(f"{token} (no {name} in {module.relative_to(ROOT)})")
    assert not problems, f"docs/odd.md names what its module does not define: {problems}"


def test_every_class_method_cited_exists(odd):
    sources = {p: p.read_text(encoding="utf-8") for p in (ROOT / "sim").rglob("*.py")}
    problems = []
    for cls, attr in sorted(set(QUALIFIED_RE.findall(odd))):
        homes = [src for src in sources.values() if re.search(rf"^class {cls}\b", src, re.M)]
        if not homes:
            problems.append(f"{cls}.{attr}: no class {cls} in sim/")
        elif not any(defines(src, attr) for src in homes):
            problems.append(f"{cls}.{attr}: {cls} defines no {attr}")
    assert not problems, f"docs/odd.md cites names the code does not have: {problems}"


def test_links_into_model_md_reach_a_heading(odd):
    anchors = {github_anchor(h) for h in re.findall(r"^#+ (.+)$", MODEL_MD.read_text(encoding="utf-8"), re.M)}
    links = set(LINK_RE.findall(odd))
    assert links, "docs/odd.md has no links into docs/model.md"
    broken = sorted(links - anchors)
    assert not broken, f"links from docs/odd.md to headings docs/model.md does not have: {broken}"


def test_odd_is_linked_from_the_readme_and_the_model_description():
    assert "docs/odd.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(odd.md)" in MODEL_MD.read_text(encoding="utf-8")


# The checks above must be able to fail: the same helpers on made-up text.
def test_the_checks_catch_wrong_keys_modules_and_names():
    text = (
        '`patrols.count` `surveillance.sensors[].range_m` `agencies.members[].name` `border.mode = "river"` '
        "`patrols.drive_speed_factors.road` `patrols.no_such_key` `ports[].no_such_field` "
        "`patrols.drive_speed_factors.road.deeper` `model.rng` `sim/model.py`"
    )
    cited = cited_keys(text)
    assert "model.rng" not in cited and "border.mode" in cited
    assert unknown_keys(cited) == [
        "patrols.no_such_key",
        "ports[].no_such_field",
        "patrols.drive_speed_factors.road.deeper",
    ]
    source = (ROOT / "sim" / "model" / "border_model.py").read_text(encoding="utf-8")
    assert defines(source, "BorderModel") and defines(source, "step")
    assert not defines(source, "no_such_method")
    assert github_anchor("Responding to an alert, without omniscience (`sim/model/response.py`)") == (
        "responding-to-an-alert-without-omniscience-simmodelresponsepy"
    )
