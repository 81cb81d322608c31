"""The folder tree is the architecture: scenario -> world -> model -> run -> experiment -> report/viz -> CLI.

Read from the source with ``ast`` (no imports run): every ``sim`` module's imports of other ``sim``
modules, including imports inside functions. Imports under ``if TYPE_CHECKING:`` are left out: they
exist for type hints only and never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"

#: Layers in order; a module may import its own layer and those before it, never those after.
LAYERS = (
    ("process handling", ("sim.signals",)),  # signals and child processes: needs nothing, used by every command
    # sim.scenario: a package, one module per table; sim.shipped: where the example files are
    ("scenario", ("sim.schema", "sim.scenario", "sim.docs", "sim.shipped")),
    ("world", ("sim.world",)),
    ("outcomes", ("sim.metrics",)),
    ("model", ("sim.model",)),
    ("run", ("sim.runner",)),
    ("experiment", ("sim.experiment",)),
    ("report and viz", ("sim.experiment.report", "sim.viz")),
    ("calibration", ("sim.calibration",)),
    ("EMA Workbench interface", ("sim.ema",)),  # a scenario as an ema_workbench model; imports EMA lazily
    ("optimisation", ("sim.optimize",)),
    ("exploration", ("sim.explore",)),
    (
        "command line",
        ("sim.cli", "sim.demo", "sim.experiment.cli", "sim.calibration.cli", "sim.optimize.cli", "sim.explore.cli"),
    ),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(source: str, name: str, is_package: bool) -> set[str]:
    """The ``sim`` modules a module imports at run time (relative imports resolved)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name.split(".")[0] == "sim")
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if target.split(".")[0] == "sim":
                    found.add(target)
                    # `from sim.world import build` may name a submodule
                    found.update(f"{target}.{a.name}" for a in child.names)
            visit(child)

    visit(ast.parse(source))
    return found


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in SIM.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        targets = imports_of(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of imports, or None (depth-first search with colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := dfs(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := dfs(node)):
            return cycle
    return None


def layer_of(module: str) -> int | None:
    """The layer of the longest prefix that names the module or a package holding it."""
    matches = [
        (len(p), i)
        for i, (_, prefixes) in enumerate(LAYERS)
        for p in prefixes
        if module == p or module.startswith(p + ".")
    ]
    return max(matches)[1] if matches else None


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for source, targets in graph.items():
        ls = layer_of(source)
        for target in targets:
            lt = layer_of(target)
            if ls is not None and lt is not None and lt > ls:
                bad.append(f"{source} ({LAYERS[ls][0]}) imports {target} ({LAYERS[lt][0]})")
    return sorted(bad)


def test_there_are_no_import_cycles():
    graph = import_graph()
    assert len(graph) > 30
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph))}"


def test_every_module_belongs_to_a_layer():
    graph = import_graph()
    loose = [m for m in graph if m != "sim" and layer_of(m) is None]
    assert not loose, f"modules in no layer of the architecture: {loose}"


def test_no_layer_imports_a_later_one():
    assert not layer_violations(import_graph())


def test_surveillance_does_not_import_world_building_back():
    graph = import_graph()
    assert not {"sim.world", "sim.world.build", "sim.world.places"} & graph["sim.world.surveillance"]
    assert "sim.world.surveillance" in graph["sim.world.build"]


def test_the_model_wires_components_and_stays_short():
    source = (SIM / "model" / "border_model.py").read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 250
    components = {"accounting", "patrol_force", "crossings", "detection", "enforcement", "intel", "routing"}
    assert {f"sim.model.{c}" for c in components} <= import_graph()["sim.model.border_model"]


#: The model's components, each in its module: given what they need, never the model (docs/architecture.md).
COMPONENTS = {
    "accounting": "Accounts",
    "crossings": "Crossings",
    "detection": "Detection",
    "enforcement": "Enforcement",
    "patrol_force": "PatrolForce",
    "observation": "PatrolWatch",
    "intel": "IntelExchange",
    "routing": "RoutePlanner",
    "clock": "Clock",
}
#: Constructors in the model's modules that may take a ``model``, and why: the courts run on the clock and the
#: event list of any Mesa model (their tests give them a bare ``mesa.Model``), not on the border model's parts.
MODEL_TAKERS_ALLOWED = {"CourtSystem.__init__(model: mesa.Model)"}


def model_modules() -> dict[str, str]:
    """The source of each module of the model's components: ``sim/model/*.py`` but the border model (agents, in
    ``sim/model/agents/``, take the model as Mesa requires)."""
    return {
        path.stem: path.read_text(encoding="utf-8")
        for path in sorted((SIM / "model").glob("*.py"))
        if path.name != "border_model.py"
    }


def border_model_names() -> set[str]:
    """What the border model sets up: every attribute its methods assign on ``self``, and its own methods and
    properties (its components, the scenario, the world, the streams, the time)."""
    tree = ast.parse((SIM / "model" / "border_model.py").read_text(encoding="utf-8"))
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "BorderModel"]
    names = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)} - {"__init__"}
    for node in ast.walk(cls):
        stored = isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
        if stored and isinstance(node.value, ast.Name) and node.value.id == "self":
            names.add(node.attr)
    return names


def constructors_taking_the_model(source: str) -> list[str]:
    """Every ``__init__`` in a module with a parameter named ``model`` or annotated with ``BorderModel``."""
    found = []
    for cls in [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef)]:
        for init in [f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"]:
            a = init.args
            for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, *filter(None, (a.vararg, a.kwarg))]:
                annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
                if arg.arg == "model" or "BorderModel" in annotation:
                    found.append(f"{cls.name}.__init__({arg.arg}{': ' + annotation if annotation else ''})")
    return found


def reaches_through_the_model(source: str, names: set[str]) -> list[str]:
    """Every ``model.<name>`` or ``<x>.model.<name>`` in a module's code, ``name`` one of the border model's."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in names:
            holder = node.value
            if (isinstance(holder, ast.Name) and holder.id == "model") or (
                isinstance(holder, ast.Attribute) and holder.attr == "model"
            ):
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_no_component_is_given_the_model():
    """Each component's constructor takes the parts of the scenario, the world, the streams, the time line, the
    books and the collaborators it needs (``sim.model.interfaces``), never the border model."""
    modules = model_modules()
    for module, cls in COMPONENTS.items():
        tree = ast.parse(modules[module])
        assert any(isinstance(n, ast.ClassDef) and n.name == cls for n in tree.body), f"no class {cls} in {module}"
    taking = {
        f"{module}: {init}" for module, source in modules.items() for init in constructors_taking_the_model(source)
    }
    allowed = {f"legal: {init}" for init in MODEL_TAKERS_ALLOWED}
    assert taking == allowed, sorted(taking ^ allowed)


def test_no_component_reaches_a_sibling_through_the_model():
    """Components call each other through what they were given (calls against the order of construction through
    the interfaces and callbacks the border model wires), never through ``model.<component>``."""
    names = border_model_names()
    assert {"accounts", "crossings", "enforcement", "detection", "patrol_force", "spec", "world", "hours"} <= names
    reaching = {module: reaches_through_the_model(source, names) for module, source in model_modules().items()}
    assert not {m: r for m, r in reaching.items() if r}


#: TOML tables of a scenario whose module is not named after them (``[scenario]`` holds the name and description;
#: ``[[staging]]`` and ``[[destinations]]`` are both places).
TABLE_MODULES = {"scenario": "meta", "staging": "places", "destinations": "places"}


def scenario_tables() -> dict[str, str]:
    """Each table of the assembled ``Scenario`` (``sim/scenario/loading.py``) and the class of its items."""
    tree = ast.parse((SIM / "scenario" / "loading.py").read_text(encoding="utf-8"))
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Scenario"]
    tables = {}
    for node in cls.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            ann = node.annotation
            item = ann.slice if isinstance(ann, ast.Subscript) else ann  # list[Port] -> Port
            tables[node.target.id] = ast.unparse(item)
    return tables


def test_each_scenario_table_is_declared_in_its_own_module():
    tables = scenario_tables()
    assert len(tables) >= 15
    misplaced = []
    for table, cls in tables.items():
        path = SIM / "scenario" / f"{TABLE_MODULES.get(table, table)}.py"
        source = path.read_text(encoding="utf-8") if path.is_file() else ""
        if not any(isinstance(n, ast.ClassDef) and n.name == cls for n in ast.parse(source).body):
            misplaced.append(f"[{table}]: no class {cls} in {path.relative_to(ROOT)}")
    assert not misplaced, misplaced


#: Order within the scenario package: the bounds and the tables (rank 0, importing each other as they need),
#: then the rules across tables, the whole scenario and its loading, and the package's names. A module imports
#: tables and modules of a lower rank only.
SCENARIO_RANKS = {"sim.scenario.cross_table": 1, "sim.scenario.loading": 2, "sim.scenario": 3}


def in_scenario_package(module: str) -> bool:
    return module == "sim.scenario" or module.startswith("sim.scenario.")


def scenario_package_violations(graph: dict[str, set[str]]) -> list[str]:
    """Imports against the order within the scenario package, and imports of its modules from outside (the rest
    of the code imports ``sim.scenario``, whose names are the interface, so the modules' layout is free)."""
    bad = []
    for source, targets in graph.items():
        for target in (t for t in targets if in_scenario_package(t)):
            if not in_scenario_package(source):
                if target != "sim.scenario":
                    bad.append(f"{source} imports {target}: import sim.scenario, whose names are the interface")
            elif SCENARIO_RANKS.get(target, 0) and SCENARIO_RANKS[target] >= SCENARIO_RANKS.get(source, 0):
                bad.append(f"{source} imports {target}, which comes after it")
    return sorted(bad)


def test_the_scenario_package_builds_up_from_its_tables():
    graph = import_graph()
    assert {"sim.scenario.terrain", "sim.scenario.cross_table", "sim.scenario.loading"} <= set(graph)
    assert not scenario_package_violations(graph)


def test_the_report_computes_its_tables_before_it_words_draws_or_renders_them():
    """Within the report, analysis (decision, tables) -> words (text) -> figures -> rendering (render): each imports
    only those before it, so the tables never depend on how they are shown."""
    graph = import_graph()
    order = ["decision", "tables", "text", "figures", "render"]
    for i, name in enumerate(order):
        later = {f"sim.experiment.report.{m}" for m in order[i + 1 :]}
        assert not later & graph[f"sim.experiment.report.{name}"], f"report.{name} imports a later report module"
    assert {f"sim.experiment.report.{m}" for m in order} <= set(graph)


# The checks above must be able to fail.
def test_the_checks_catch_a_cycle_and_a_layer_violation():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert layer_violations({"sim.model.crossings": {"sim.viz.animate"}, "sim.viz.animate": {"sim.model"}}) == [
        "sim.model.crossings (model) imports sim.viz.animate (report and viz)"
    ]
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sim.model import X\n"
    source += "def f():\n    import sim.viz\n"
    assert imports_of(source, "sim.world.x", False) == {"sim.viz"}
    assert imports_of("from .core import World\n", "sim.world", True) == {"sim.world.core", "sim.world.core.World"}
    graph = {
        "sim.scenario.terrain": {"sim.scenario.bounds", "sim.scenario.loading"},
        "sim.scenario.loading": {"sim.scenario.cross_table", "sim.scenario.terrain"},
        "sim.world.core": {"sim.scenario", "sim.scenario.terrain"},
    }
    assert scenario_package_violations(graph) == [
        "sim.scenario.terrain imports sim.scenario.loading, which comes after it",
        "sim.world.core imports sim.scenario.terrain: import sim.scenario, whose names are the interface",
    ]


def test_the_component_checks_catch_a_component_given_the_model():
    source = (
        "class Crossings:\n"
        "    def __init__(self, model: BorderModel):\n"
        "        self.model = model\n"
        "    def finish(self, group):\n"
        "        self.model.accounts.counters['x'] += 1\n"
        "class Detection:\n"
        "    def __init__(self, world, hub: 'BorderModel', *, model=None):\n"
        "        model.patrol_force.dispatch(None, [])\n"
        "class Fine:\n"
        "    def __init__(self, world, timeline):\n"
        "        self.model_time = timeline.hours\n"
    )
    assert constructors_taking_the_model(source) == [
        "Crossings.__init__(model: BorderModel)",
        "Detection.__init__(hub: 'BorderModel')",
        "Detection.__init__(model)",
    ]
    assert reaches_through_the_model(source, {"accounts", "patrol_force"}) == [
        "line 5: self.model.accounts",
        "line 8: model.patrol_force",
    ]


def test_the_report_templates_ship_with_the_package():
    """An installed (not editable) bordersim renders its report from templates inside the package: pyproject's
    package-data must name every file of sim/experiment/report/templates/."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["sim.experiment.report"]
    package = SIM / "experiment" / "report"
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    templates = set((package / "templates").iterdir())
    assert templates and templates <= shipped, sorted(str(p) for p in templates - shipped)
