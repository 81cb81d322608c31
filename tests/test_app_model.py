"""The app's page without a browser: what it offers, how it reports errors, and where a click on its map lands."""

from __future__ import annotations

import pytest

from sim.schema import InputError, Problem
from sim.viz.app import (
    SCENARIO_ENV,
    PairCanvas,
    describe_error,
    history_html,
    scenario_names,
    scoreboard_html,
    speed_label,
    starting_scenario,
)
from sim.viz.classroom import SCORES, Classroom, Plan


def test_every_shipped_scenario_is_offered_classroom_first():
    names = scenario_names()
    assert names[0] == "classroom"
    assert {"classroom", "desert_sector", "river_port"} <= set(names)


def test_the_page_opens_the_scenario_of_the_command_by_name_when_shipped(monkeypatch, tmp_path):
    from sim.viz.classroom import shipped_scenarios

    monkeypatch.delenv(SCENARIO_ENV, raising=False)
    assert starting_scenario() == "classroom"
    monkeypatch.setenv(SCENARIO_ENV, str(shipped_scenarios()["river_port"]))
    assert starting_scenario() == "river_port"
    mine = tmp_path / "mine.toml"
    monkeypatch.setenv(SCENARIO_ENV, str(mine))
    assert starting_scenario() == str(mine)


def test_errors_are_one_message_without_a_traceback():
    error = InputError([Problem("a.toml", "patrols.count", "given -1"), Problem("a.toml", "", "second")])
    assert describe_error(error) == "a.toml: patrols.count: given -1; a.toml: second"
    assert describe_error(ValueError("bad value")) == "ValueError: bad value"


def test_speed_is_labelled_in_steps_and_model_time():
    assert speed_label(1, 30) == "Speed: 1 step a frame (0.5 h of model time)"
    assert speed_label(48, 30) == "Speed: 48 steps a frame (1 day of model time)"


@pytest.fixture(scope="module")
def game():
    game = Classroom("classroom", seed=0, days=2)
    game.set_plan(Plan(towers=((9.5, 6.5),)))
    return game


def test_a_click_on_either_map_lands_where_the_map_shows_it(game):
    canvas = PairCanvas(game.run, [])
    for geometry in canvas.geometry():
        left, top, right, bottom = geometry["box"]
        (x0, x1), (y0, y1) = geometry["xlim"], geometry["ylim"]
        for x, y in ((9.5, 6.5), (25.0, 12.0)):
            fx = left + (x - x0) / (x1 - x0) * (right - left)
            fy = top + (y - y0) / (y1 - y0) * (bottom - top)
            assert canvas.axes_at(fx, fy) == pytest.approx((x, y), abs=1e-6)
    assert canvas.axes_at(0.001, 0.999) is None  # the legend, off both maps
    assert canvas.png().startswith(b"\x89PNG")


def test_the_scoreboards_show_both_runs_and_the_history_the_rounds(game):
    game.restart()
    game.run.run_to_day(1)
    board = scoreboard_html(game)
    assert "data-day='1.000'" in board and "data-round='1'" in board
    scores = game.run.scores()
    for score in SCORES:
        for side in ("baseline", "plan"):
            assert f"class='score-{side}-{score.name}' data-value='{scores[side][score.name]}'" in board
    assert "No round played yet" in history_html(game)
    game.next_round()
    assert "towers: 9.5;6.5" in history_html(game)


def test_the_command_refuses_a_missing_scenario_in_one_line_before_serving(tmp_path):
    import subprocess
    import sys

    missing = tmp_path / "missing.toml"
    done = subprocess.run(
        [sys.executable, "-m", "sim.cli", "app", "--scenario", str(missing), "--port", "1"],
        check=False,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 2 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"error: {missing}: --scenario: no such file; allowed: a scenario file or a name: classroom")
    assert "desert_sector" in line


def test_an_error_while_drawing_shows_as_a_message_not_a_traceback():
    import solara
    from solara.widgets.widgets import HTML

    from sim.viz.app import drawn

    def broken() -> str:
        raise ValueError("the map cannot be drawn")

    got = []

    @solara.component
    def Drawing():
        got.append(drawn("map", broken))
        got.append(drawn("scoreboard", lambda: "<table></table>"))

    _, rc = solara.render(Drawing(), handle_error=False)
    assert got == [None, "<table></table>"]
    shown = [w.unsafe_innerHTML for w in rc.find(HTML).widgets]
    assert shown == [
        "<p class='bordersim-message' role='alert'>The map could not be drawn: ValueError: the map cannot be drawn</p>"
    ]
    rc.close()
