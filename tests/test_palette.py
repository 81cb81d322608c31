"""The colour-blind-safe palette: one place for the colours, checked with a simulation of colour vision deficiency."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from sim.viz import animate, maps, palette
from sim.viz.palette import CVD_MATRICES, MIN_DELTA_E, MUST_DIFFER, delta_e, hex_to_rgb, simulate_cvd, srgb_to_lab

VIZ = Path(__file__).resolve().parents[1] / "sim" / "viz"
DEFICIENCIES = (None, *CVD_MATRICES)


@pytest.mark.parametrize("deficiency", DEFICIENCIES, ids=lambda d: d or "normal")
@pytest.mark.parametrize("group", MUST_DIFFER)
def test_colours_that_must_be_told_apart_stay_apart(group, deficiency):
    colours = MUST_DIFFER[group]
    assert len(colours) >= 2
    for (a, ca), (b, cb) in itertools.combinations(colours.items(), 2):
        seen = delta_e(simulate_cvd(ca, deficiency), simulate_cvd(cb, deficiency))
        assert seen >= MIN_DELTA_E, f"{group}: {a} {ca} and {b} {cb} are {seen:.1f} apart with {deficiency}"


def test_the_check_catches_a_red_green_pair():
    # matplotlib's red beside a green on each deficiency's confusion line: over 100 apart, under 5 when simulated
    red = "#D62728"
    for deficiency, green in (("deuteranopia", "#309000"), ("protanopia", "#006830")):
        assert delta_e(hex_to_rgb(red), hex_to_rgb(green)) > 100
        assert delta_e(simulate_cvd(red, deficiency), simulate_cvd(green, deficiency)) < 5
        assert delta_e(simulate_cvd(red, "tritanopia"), simulate_cvd(green, "tritanopia")) > 50
    yellow, white = "#F0E442", "#FFFFFF"  # tritanopes lose blue-yellow, not red-green
    assert delta_e(simulate_cvd(yellow, "tritanopia"), simulate_cvd(white, "tritanopia")) < delta_e(
        hex_to_rgb(yellow), hex_to_rgb(white)
    )


def test_the_simulation_keeps_greys_and_the_lab_conversion_matches_published_values():
    for matrix in CVD_MATRICES.values():
        assert matrix.sum(axis=1) == pytest.approx(np.ones(3), abs=1e-3)  # white and greys stay as they are
    for grey in ("#000000", "#777777", "#FFFFFF"):
        for deficiency in CVD_MATRICES:
            assert simulate_cvd(grey, deficiency) == pytest.approx(hex_to_rgb(grey), abs=2e-3)
    # sRGB red, green and blue in CIELAB (D65), as tabulated by Lindbloom and the CSS Color 4 specification
    assert srgb_to_lab(hex_to_rgb("#FF0000")) == pytest.approx([53.24, 80.09, 67.20], abs=0.05)
    assert srgb_to_lab(hex_to_rgb("#00FF00")) == pytest.approx([87.73, -86.18, 83.18], abs=0.05)
    assert srgb_to_lab(hex_to_rgb("#0000FF")) == pytest.approx([32.30, 79.19, -107.86], abs=0.05)


def test_marker_colours_are_okabe_ito_and_the_views_read_them_from_the_palette():
    allowed = {c.upper() for c in palette.OKABE_ITO.values()} | {palette.GREY}
    for group in ("sensors", "places", "modes of travel", "patrol status", "flashes", "the app's two runs"):
        assert {c.upper() for c in MUST_DIFFER[group].values()} <= allowed, group
    assert maps.LAND_COVER_COLOURS is palette.LAND_COVER_COLOURS
    assert maps.SENSOR_COLOURS is palette.SENSOR_COLOURS
    assert animate.MODE_COLOURS is palette.MODE_COLOURS and animate.STATUS_COLOURS is palette.STATUS_COLOURS
    assert animate.FLASH_COLOURS is palette.FLASH_COLOURS
    # no colour is written anywhere else in the map and animation modules
    for module in ("maps.py", "animate.py"):
        assert not re.findall(r"#[0-9a-fA-F]{6}\b", (VIZ / module).read_text()), module


def test_the_apps_two_runs_use_the_palette():
    from sim.viz import app

    assert app.SIDE_COLOURS is palette.SIDE_COLOURS
    assert set(app.SIDE_COLOURS.values()) <= set(palette.OKABE_ITO.values())
