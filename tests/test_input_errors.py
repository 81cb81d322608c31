"""Bad input of every class: exit status 2, no traceback, and a message that names the file, the
dotted key, the value given and what is allowed. Each test writes a small broken TOML file."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from sim.cli import EXIT_INPUT, EXIT_OK, main
from sim.scenario import load_scenario
from sim.world.terrain import build_terrain

#: A tiny valid scenario (12 x 8 km) that each test breaks in one way. North of the '=' row is the
#: destination side; the lake in the south-east has an urban island at (9.5, 6.5) km.
BASE = """\
[scenario]
name = "tiny"

[terrain]
source = "ascii"
cell_m = 1000
ascii = '''
....U.......
....#.......
....#.......
============
....#.......
....#...~~~.
....#...~U~.
....#...~~~.
'''

[border]
mode = "ascii"

[[ports]]
name = "Road port"
at = [4.5, 3.5]

[[staging]]
name = "Camp"
at = [2.5, 6.5]

[[destinations]]
name = "Town"
at = [4.5, 0.5]

[[surveillance.sensors]]
kind = "tower"
at = [6.5, 2.5]
range_m = 3000

[patrols]
count = 2
"""


def write(tmp_path: Path, text: str, name: str = "broken.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run ``bordersim argv``; return (exit status, stdout + stderr), checking there is no traceback."""
    status = main(list(argv))
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "Traceback" not in output
    return status, output


def assert_names(output: str, *fragments: str) -> None:
    for fragment in fragments:
        assert fragment in output, f"{fragment!r} missing from:\n{output}"


def test_base_scenario_is_valid(tmp_path, capsys):
    path = write(tmp_path, BASE, "tiny.toml")
    status, output = run_cli(capsys, "validate", str(path))
    assert status == EXIT_OK
    assert f"{path}: OK" in output


def test_malformed_toml_names_the_line(tmp_path, capsys):
    path = write(tmp_path, BASE.replace("[patrols]", "[patrols"))
    status, output = run_cli(capsys, "validate", str(path))
    assert status == EXIT_INPUT
    line = BASE.splitlines().index("[patrols]") + 1
    assert_names(output, str(path), "malformed TOML", f"line {line}")


def test_unknown_key_suggests_the_closest_name(tmp_path, capsys):
    path = write(tmp_path, BASE.replace("count = 2", "cuont = 2"))
    status, output = run_cli(capsys, "validate", str(path))
    assert status == EXIT_INPUT
    assert_names(output, str(path), "patrols.cuont", "unknown key", "did you mean 'count'?")


def test_wrong_type_names_value_and_type(tmp_path, capsys):
    path = write(tmp_path, BASE.replace("count = 2", 'count = "many"'))
    status, output = run_cli(capsys, "validate", str(path))
    assert status == EXIT_INPUT
    assert_names(output, str(path), "patrols.count", "'many'", "a whole number")


def test_value_out_of_range_names_the_bounds(tmp_path, capsys):
    path = write(tmp_path, BASE + "\n[time]\nstep_minutes = 240\n")
    status, output = run_cli(capsys, "validate", str(path))
    assert status == EXIT_INPUT
    assert_names(output, str(path), "time.step_minutes", "240", "out of range", "<= 60", "(min)")


def test_choice_not_allowed_lists_the_choices(tmp_path, capsys):
    path = write(tmp_path, BASE.replace('kind = "tower"', 'kind = "towr"'))
    status, output = run_cli(capsys, "validate", str(path))
    assert status == EXIT_INPUT
    assert_names(output, str(path), "surveillance.sensors[0].kind", "'towr'", "'camera'", "did you mean 'tower'?")


def test_missing_required_key(tmp_path, capsys):
    path = write(tmp_path, BASE.replace('name = "tiny"', 'description = "no name"'))
    status, output = run_cli(capsys, "validate", str(path))
    assert status == EXIT_INPUT
    assert_names(output, str(path), "scenario.name", "missing required key")


def test_sensor_outside_the_map(tmp_path, capsys):
    path = write(tmp_path, BASE.replace("at = [6.5, 2.5]", "at = [60.5, 2.5]"))
    status, output = run_cli(capsys, "validate", str(path))
    assert status == EXIT_INPUT
    assert_names(output, str(path), "surveillance.sensors[0].at", "[60.5, 2.5]", "outside the map", "x 0-12 km")


def test_port_not_on_the_border(tmp_path, capsys):
    path = write(tmp_path, BASE.replace("at = [4.5, 3.5]", "at = [4.5, 6.5]"))
    status, output = run_cli(capsys, "validate", str(path))
    assert status == EXIT_INPUT
    assert_names(output, str(path), "ports[0] (Road port).at", "[4.5, 6.5]", "within one cell of the border")


def test_no_passable_path_from_staging_to_destination(tmp_path, capsys):
    path = write(tmp_path, BASE.replace("at = [2.5, 6.5]", "at = [9.5, 6.5]"))
    status, output = run_cli(capsys, "validate", str(path))
    assert status == EXIT_INPUT
    assert_names(output, str(path), "staging[0] (Camp).at", "[9.5, 6.5]", "no passable path", "allowed:")


def test_huge_grid_is_refused_quickly_without_allocating(tmp_path, capsys):
    text = '[scenario]\nname = "huge"\n[terrain]\nsource = "procedural"\nwidth_km = 1000000\nheight_km = 1000000\n'
    path = write(tmp_path, text)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        status, output = run_cli(capsys, "validate", str(path))
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == EXIT_INPUT
    assert_names(output, str(path), "terrain.width_km", "1000000 x 1000000 km", "4,000,000")
    assert elapsed < 2.0
    assert peak < 20_000_000  # bytes: a 10^12-cell layer would be terabytes


def test_bad_override_unknown_key(tmp_path, capsys):
    path = write(tmp_path, BASE, "tiny.toml")
    status, output = run_cli(capsys, "validate", str(path), "--set", "patrols.cuont=3")
    assert status == EXIT_INPUT
    assert_names(output, str(path), "--set patrols.cuont", "unknown key", "did you mean 'count'?")


def test_bad_override_value(tmp_path, capsys):
    path = write(tmp_path, BASE, "tiny.toml")
    status, output = run_cli(capsys, "map", str(path), "--out", str(tmp_path / "map.png"), "--set", "patrols.count=-1")
    assert status == EXIT_INPUT
    assert_names(output, str(path), "--set patrols.count", "given -1", "out of range", ">= 0")
    assert not (tmp_path / "map.png").exists()


def test_bad_override_index_and_syntax(tmp_path, capsys):
    path = write(tmp_path, BASE, "tiny.toml")
    status, output = run_cli(capsys, "validate", str(path), "--set", "ports[3].lanes=6")
    assert status == EXIT_INPUT
    assert_names(output, "ports[3].lanes", "out of range", "1 entries")
    status, output = run_cli(capsys, "validate", str(path), "--set", "patrols.count")
    assert status == EXIT_INPUT
    assert_names(output, "key.path=value")


def test_several_problems_are_all_reported(tmp_path, capsys):
    broken = BASE.replace("count = 2", "count = -5").replace('kind = "tower"', 'kind = "radar"')
    path = write(tmp_path, broken)
    status, output = run_cli(capsys, "validate", str(path))
    assert status == EXIT_INPUT
    assert "2 error(s)" in output
    assert_names(output, "patrols.count", "surveillance.sensors[0].kind")


def test_validate_reports_each_file(tmp_path, capsys):
    good = write(tmp_path, BASE, "good.toml")
    bad = write(tmp_path, BASE.replace("count = 2", "count = 2.5"), "bad.toml")
    missing = tmp_path / "missing.toml"
    status, output = run_cli(capsys, "validate", str(good), str(bad), str(missing))
    assert status == EXIT_INPUT
    assert f"{good}: OK" in output
    assert f"{bad}: 1 error(s)" in output
    assert_names(output, "patrols.count", "2.5")
    assert f"{missing}: 1 error(s)" in output
    assert "file not found" in output


def test_map_of_a_broken_file_exits_2(tmp_path, capsys):
    path = write(tmp_path, BASE.replace("[patrols]", "[patrols"))
    status, output = run_cli(capsys, "map", str(path), "--out", str(tmp_path / "map.png"))
    assert status == EXIT_INPUT
    assert output.startswith("error: ")
    assert_names(output, str(path), "malformed TOML")


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["run", "{tiny}", "--days", "-1"], ["--days", "given -1.0", "> 0 and <= 3650"]),
        (["run", "{tiny}", "--days", "1e9"], ["--days", "given 1000000000.0"]),
        (["run", "{tiny}", "--days", "nan"], ["--days", "given nan"]),
        (["run", "{tiny}", "--seed", "-5", "--days", "1"], ["--seed", "given -5", "whole number >= 0"]),
        (["animate", "{tiny}", "--out", "{tmp}/a.gif", "--days", "1e5"], ["--days", "given 100000.0"]),
        (["map", "{tiny}", "--out", "{tmp}/map.txt"], ["--out", "'.txt' is not supported", ".png, .svg or .pdf"]),
        (["run", "{tiny}", "--days", "1", "--out", "{tmp}/afile"], ["--out", "is a file"]),
        (["run", "{tiny}", "--days", "1", "--out", "/proc/no/such/folder"], ["/proc/no", "check the paths given"]),
        (["map", "{tiny}", "--out", "/proc/no/such/map.png"], ["/proc/no", "check the paths given"]),
    ],
)
def test_bad_command_line_options_are_named(tmp_path, capsys, argv, fragments):
    tiny = write(tmp_path, BASE, "tiny.toml")
    (tmp_path / "afile").write_text("", encoding="utf-8")
    argv = [a.format(tiny=tiny, tmp=tmp_path) for a in argv]
    status, output = run_cli(capsys, *argv)
    assert status == EXIT_INPUT
    assert_names(output, "error: ", *fragments)


def test_a_port_out_of_range_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["app", "--port", "99999"])
    assert exit_info.value.code == EXIT_INPUT
    assert_names(capsys.readouterr().err, "--port", "given '99999'", "1 to 65535")


def test_a_testify_table_names_protection_levels(tmp_path, capsys):
    path = write(tmp_path, BASE, "tiny.toml")
    status, output = run_cli(capsys, "validate", str(path), "--set", "victims.testify_probability={medium = 0.5}")
    assert status == EXIT_INPUT
    assert_names(output, "victims.testify_probability.medium", "unknown protection level", "none, basic, strong")
    status, output = run_cli(capsys, "validate", str(path), "--set", "victims.testify_probability={strong = 1.5}")
    assert status == EXIT_INPUT
    assert_names(output, "victims.testify_probability.strong", "given 1.5", "out of range")


def test_a_partial_testify_table_keeps_the_other_defaults(tmp_path):
    path = write(tmp_path, BASE, "tiny.toml")
    victims = load_scenario(path, ["victims.testify_probability={strong = 0.9}"]).spec.victims
    assert victims.testify_probability == {"strong": 0.9}
    assert [victims.testify_chance(level) for level in ("none", "basic", "strong")] == [0.1, 0.3, 0.9]


def test_time_served_minimum_above_maximum_is_refused(tmp_path, capsys):
    path = write(tmp_path, BASE, "tiny.toml")
    status, output = run_cli(capsys, "validate", str(path), "--set", "legal.time_served_min_share=2")
    assert status == EXIT_INPUT
    assert_names(output, str(path), "legal.time_served_min_share", "given 2", "legal.time_served_max_share (1.5)")
    status, _ = run_cli(capsys, "validate", str(path), "--set", "legal.time_served_min_share=1.5")
    assert status == EXIT_OK


def test_a_detection_probability_table_names_technologies(tmp_path, capsys):
    path = write(tmp_path, BASE, "tiny.toml")
    status, output = run_cli(capsys, "validate", str(path), "--set", "checkpoints.detection_probability={xray = 0.9}")
    assert status == EXIT_INPUT
    assert_names(
        output, "checkpoints.detection_probability.xray", "unknown technology", "basic, standard, scanner, biometric"
    )
    status, output = run_cli(
        capsys, "validate", str(path), "--set", "checkpoints.detection_probability={scanner = -0.1}"
    )
    assert status == EXIT_INPUT
    assert_names(output, "checkpoints.detection_probability.scanner", "given -0.1", "out of range")


def test_a_partial_detection_probability_table_keeps_the_other_defaults(tmp_path):
    path = write(tmp_path, BASE, "tiny.toml")
    checkpoints = load_scenario(path, ["checkpoints.detection_probability={scanner = 0.95}"]).spec.checkpoints
    assert checkpoints.detection_probability == {"scanner": 0.95}
    chances = [checkpoints.find_chance(t) for t in ("basic", "standard", "scanner", "biometric")]
    assert chances == [0.3, 0.5, 0.95, 0.85]


def test_tech_tier_factors_need_one_factor_per_tier(tmp_path, capsys):
    path = write(tmp_path, BASE, "tiny.toml")
    status, output = run_cli(capsys, "validate", str(path), "--set", "surveillance.tech_tier_factors=[0.5, 1.0]")
    assert status == EXIT_INPUT
    assert_names(output, "surveillance.tech_tier_factors", "given [0.5, 1.0]", "a list of 3 numbers")
    status, output = run_cli(capsys, "validate", str(path), "--set", "surveillance.tech_tier_factors=[0.5, -1.0, 2.0]")
    assert status == EXIT_INPUT
    assert_names(output, "surveillance.tech_tier_factors[1]", "given -1.0", "out of range")


def test_a_prior_count_above_its_total_is_refused(tmp_path, capsys):
    path = write(tmp_path, BASE, "tiny.toml")
    status, output = run_cli(capsys, "validate", str(path), "--set", "traffickers.prior_arrests=3")
    assert status == EXIT_INPUT
    assert_names(output, str(path), "traffickers.prior_arrests", "given 3", "traffickers.prior_trips (2)")
    status, output = run_cli(capsys, "validate", str(path), "--set", "traffickers.prior_deliveries=4")
    assert status == EXIT_INPUT
    assert_names(output, "traffickers.prior_deliveries", "traffickers.prior_victims_sent (3)")
    status, _ = run_cli(capsys, "validate", str(path), "--set", "traffickers.prior_convictions=2")
    assert status == EXIT_OK


def test_a_land_cover_table_names_classes_and_properties(tmp_path, capsys):
    path = write(tmp_path, BASE, "tiny.toml")
    status, output = run_cli(capsys, "validate", str(path), "--set", "terrain.land_cover.swamp={speed_factor = 0.2}")
    assert status == EXIT_INPUT
    assert_names(output, str(path), "terrain.land_cover.swamp", "unknown land cover", "open, desert, scrub")
    status, output = run_cli(capsys, "validate", str(path), "--set", "terrain.land_cover.desert.heat=0.2")
    assert status == EXIT_INPUT
    assert_names(output, "terrain.land_cover.desert.heat", "speed_factor, concealment, exposure_per_hour")
    status, output = run_cli(capsys, "validate", str(path), "--set", "terrain.land_cover.forest.concealment=1.5")
    assert status == EXIT_INPUT
    assert_names(output, "terrain.land_cover.forest.concealment", "given 1.5", "<= 1")
    status, output = run_cli(capsys, "validate", str(path), "--set", "terrain.land_cover.road.speed_factor=-1")
    assert status == EXIT_INPUT
    assert_names(output, "terrain.land_cover.road.speed_factor", "given -1", "out of range")


def test_a_partial_land_cover_table_keeps_the_other_defaults(tmp_path):
    path = write(tmp_path, BASE, "tiny.toml")
    default = load_scenario(path).spec
    changed = load_scenario(path, ["terrain.land_cover.open.concealment=0.25"]).spec
    assert changed.terrain.land_cover == {"open": {"concealment": 0.25}}
    assert changed.terrain.land_cover_value("open", "concealment") == 0.25
    assert changed.terrain.land_cover_value("open", "speed_factor") == 1.0
    assert changed.terrain.land_cover_value("forest", "concealment") == 0.35
    before, after = build_terrain(default), build_terrain(changed)
    open_ground = before.landcover == 0
    assert open_ground.any() and (~open_ground).any()
    assert (after.concealment[open_ground] == np.float32(0.25)).all()
    assert (after.concealment[~open_ground] == before.concealment[~open_ground]).all()
    assert (after.speed_factor == before.speed_factor).all() and (after.exposure == before.exposure).all()


def test_every_problem_of_a_scenario_in_one_report_with_list_items_named(tmp_path, capsys):
    """Schema problems (a type, a range, an unknown key), a cross-field rule and a place off the map, all at once;
    list items carry their name beside their index."""
    text = (
        BASE.replace("count = 2", 'count = "many"')
        .replace('name = "Camp"\nat = [2.5, 6.5]', 'name = "Camp"\nat = [2.5, 60.5]')
        .replace('name = "Road port"', 'name = "Road port"\nagency = "navy"')
        .replace("range_m = 3000", "range_m = -3")
        + "\n[time]\nstep_minutes = 240\ndayz = 3\n"
    )
    path = write(tmp_path, text)
    status, output = run_cli(capsys, "validate", str(path))
    assert status == EXIT_INPUT
    assert_names(
        output,
        "patrols.count: given 'many'",
        "time.step_minutes: given 240",
        "time.dayz: unknown key",
        "surveillance.sensors[0].range_m: given -3",
        "ports[0] (Road port).agency: given 'navy'",
        "staging[0] (Camp).at: given [2.5, 60.5], outside the map",
    )
    assert output.splitlines()[0] == f"{path}: 6 error(s)"


def test_run_refuses_a_scenario_with_every_problem_at_once(tmp_path, capsys):
    text = BASE.replace("count = 2", 'count = "many"').replace("at = [2.5, 6.5]", "at = [2.5, 60.5]")
    path = write(tmp_path, text)
    status, output = run_cli(capsys, "run", str(path), "--days", "1", "--out", str(tmp_path / "out"))
    assert status == EXIT_INPUT
    assert_names(output, "patrols.count: given 'many'", "staging[0] (Camp).at: given [2.5, 60.5], outside the map")
    assert not (tmp_path / "out" / "outcomes.json").exists()


def test_a_schema_problem_in_a_list_item_names_the_item(tmp_path, capsys):
    path = write(tmp_path, BASE.replace('name = "Town"\nat = [4.5, 0.5]', 'name = "Town"\nat = [4.5]'))
    status, output = run_cli(capsys, "validate", str(path))
    assert status == EXIT_INPUT
    assert_names(output, "destinations[0] (Town).at: given [4.5]")


def test_an_override_of_a_named_item_is_blamed_on_the_override(tmp_path, capsys):
    path = write(tmp_path, BASE, "tiny.toml")
    status, output = run_cli(capsys, "validate", str(path), "--set", "staging[0].at=[2.5, 99.5]")
    assert status == EXIT_INPUT
    assert_names(output, "(override --set staging[0].at)", "staging[0] (Camp).at: given [2.5, 99.5]")


def test_every_problem_of_an_experiment_in_one_report(tmp_path, capsys):
    """An outcome typo, a count that is not whole in a policy, a replications count out of range and an unknown
    key, reported together, the policy's problem named by the experiment key that causes it."""
    scenario = write(tmp_path, BASE, "tiny.toml")
    path = write(
        tmp_path,
        f"""
[experiment]
name = "several"
scenario = "{scenario.name}"
replications = 0
root_seed = 1
outcomes = ["interdictons"]
colour = "red"

[policies.more]
"patrols.count" = 1.5
"staging[0].at" = [2.5, 99.5]
""",
        "several.toml",
    )
    status, output = run_cli(capsys, "validate", str(path))
    assert status == EXIT_INPUT
    assert_names(
        output,
        "experiment.outcomes[0]: given 'interdictons'",
        "did you mean 'interdictions'?",
        "experiment.replications: given 0",
        "experiment.colour: unknown key",
        'policies.more."patrols.count": given 1.5',
        'policies.more."staging[0].at": given [2.5, 99.5], outside the map',
    )
    assert output.splitlines()[0] == f"{path}: 5 error(s)"
