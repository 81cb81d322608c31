"""The one palette of the maps, the animations and the app's charts, and the check that it stays colour-blind safe.

Every colour that marks something (sensors, places, groups, patrols, flashes, blind spots, chart lines) is one of
the eight colours of Okabe & Ito (2002, "Color Universal Design"), chosen to stay apart for people with the common
colour vision deficiencies, or a neutral grey. The land-cover fills and the coverage ramp are the palette's
background colours: muted, so the markers read on top of them, and spaced in lightness as well as hue.

:data:`MUST_DIFFER` lists the groups of colours a viewer has to tell apart (the four sensor kinds, the modes of
travel, ...). :func:`simulate_cvd` simulates protanopia, deuteranopia and tritanopia with the matrices of Machado,
Oliveira & Fernandes (2009, "A physiologically-based model for simulation of color vision deficiency", severity
1.0, applied to linear sRGB), and :func:`delta_e` measures the difference of two colours as CIE76 Delta E*ab in
CIELAB (D65). ``tests/test_palette.py`` checks that within every group each pair stays at least
:data:`MIN_DELTA_E` apart under normal vision and under each simulated deficiency.
"""

from __future__ import annotations

import itertools

import numpy as np

#: The eight colours of Okabe & Ito (2002).
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
#: Neutrals beside black and white: a mid grey (things switched off, box edges), a light grey (an empty colour bar)
#: and a near-white (the boxes of counters).
GREY = "#999999"
LIGHT_GREY = "#DDDDDD"
PANEL_GREY = "#F5F5F5"
_OI = OKABE_ITO

# ------------------------------------------------------------------------------------------ the map (sim.viz.maps)
#: Fill of each land-cover class, in the order of the codes 0-7 (:data:`sim.scenario.LAND_COVERS`).
LAND_COVER_COLOURS: dict[str, str] = {
    "open": "#C8D296",
    "desert": "#F7EDCB",
    "scrub": "#A3AD63",
    "forest": "#3F7A3A",
    "mountain": "#9C8670",
    "water": "#4F8FD0",
    "road": "#4A4A4A",
    "urban": "#D9A3B5",
}
#: Marker colour of each fixed-sensor kind; range circles use the same colour.
SENSOR_COLOURS: dict[str, str] = {
    "tower": _OI["blue"],
    "ground": _OI["bluish_green"],
    "aerostat": _OI["reddish_purple"],
    "camera": _OI["sky_blue"],
}
#: Towers the tool sited itself (``surveillance.extra_towers``).
AUTO_SITED_COLOUR = _OI["orange"]
#: Hatching and outline of the blind spots.
BLIND_SPOT_COLOUR = _OI["vermillion"]
#: Coverage: light (weak) to dark (strong) blue, so the terrain still reads underneath.
COVERAGE_RAMP: tuple[str, ...] = ("#D0E4F5", "#6BAED6", "#2171B5", "#08306B")
#: Markers of the places: ports, staging areas, destinations, tunnels.
PLACE_COLOURS: dict[str, str] = {
    "port": _OI["yellow"],
    "staging": _OI["vermillion"],
    "destination": _OI["reddish_purple"],
    "tunnel": _OI["black"],
}

# ------------------------------------------------------------------------------- the animation (sim.viz.animate)
#: Colour of a group by how it travels.
MODE_COLOURS: dict[str, str] = {"foot": _OI["vermillion"], "vehicle": _OI["sky_blue"], "tunnel": _OI["reddish_purple"]}
#: Colour of a patrol by status (keys are :class:`sim.model.agents.patrol.PatrolStatus` values).
STATUS_COLOURS: dict[str, str] = {
    "patrolling": _OI["blue"],
    "responding": _OI["orange"],
    "transporting": _OI["bluish_green"],
    "off_duty": GREY,
}
#: Ring round a group once detected.
DETECTED_EDGE = _OI["yellow"]
#: Flashes at detections and interdictions.
FLASH_COLOURS: dict[str, str] = {"detection": _OI["yellow"], "interdiction": _OI["vermillion"]}

# ------------------------------------------------------------------------------- the app's two runs (sim.viz.app)
#: The baseline's and the class's plan's colour in the app's charts, scoreboard and crossing points.
SIDE_COLOURS: dict[str, str] = {"baseline": _OI["vermillion"], "plan": _OI["blue"]}

#: Groups of colours a viewer must tell apart: each drawn together in one legend or on one map.
MUST_DIFFER: dict[str, dict[str, str]] = {
    "land cover": LAND_COVER_COLOURS,
    "sensors": SENSOR_COLOURS | {"auto-sited tower": AUTO_SITED_COLOUR},
    "places": PLACE_COLOURS,
    "blind spot and coverage": {"blind spot": BLIND_SPOT_COLOUR, "weak coverage": COVERAGE_RAMP[1]},
    "modes of travel": MODE_COLOURS,
    "patrol status": STATUS_COLOURS,
    "flashes": FLASH_COLOURS,
    "the app's two runs": SIDE_COLOURS,
}
#: Smallest CIE76 Delta E*ab between two colours of a group, with normal vision and each simulated deficiency.
#: About 2.3 is a just-noticeable difference (Mahy, Van Eycken & Oosterlinck 1994); 10 keeps colours apart at a
#: glance on a projector.
MIN_DELTA_E = 10.0

#: Machado, Oliveira & Fernandes (2009), severity 1.0: linear sRGB -> linear sRGB as seen with the deficiency.
CVD_MATRICES: dict[str, np.ndarray] = {
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
}
#: linear sRGB -> CIE XYZ (D65), IEC 61966-2-1.
_RGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_D65_WHITE = _RGB_TO_XYZ.sum(axis=1)


def hex_to_rgb(colour: str) -> np.ndarray:
    """``"#RRGGBB"`` -> sRGB components in 0..1."""
    text = colour.lstrip("#")
    return np.array([int(text[i : i + 2], 16) / 255.0 for i in (0, 2, 4)])


def _to_linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _to_srgb(linear: np.ndarray) -> np.ndarray:
    linear = np.clip(linear, 0.0, 1.0)
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def simulate_cvd(colour: str, deficiency: str | None) -> np.ndarray:
    """sRGB (0..1) of ``colour`` as seen with ``deficiency`` (a key of :data:`CVD_MATRICES`; None: normal vision)."""
    srgb = hex_to_rgb(colour)
    if deficiency is None:
        return srgb
    return _to_srgb(CVD_MATRICES[deficiency] @ _to_linear(srgb))


def srgb_to_lab(srgb: np.ndarray) -> np.ndarray:
    """sRGB (0..1) -> CIELAB (L*, a*, b*) with the D65 white."""
    xyz = _RGB_TO_XYZ @ _to_linear(np.asarray(srgb, dtype=float)) / _D65_WHITE
    eps, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > eps, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: np.ndarray, b: np.ndarray) -> float:
    """CIE76 colour difference of two sRGB colours (0..1): the Euclidean distance of their CIELAB coordinates."""
    return float(np.linalg.norm(srgb_to_lab(a) - srgb_to_lab(b)))


def closest_pairs(deficiency: str | None) -> list[tuple[float, str, str, str]]:
    """For each group of :data:`MUST_DIFFER`, its two closest colours as seen with ``deficiency``:
    ``(Delta E, group, name, name)``, closest first."""
    out = []
    for group, colours in MUST_DIFFER.items():
        pairs = (
            (delta_e(simulate_cvd(ca, deficiency), simulate_cvd(cb, deficiency)), group, a, b)
            for (a, ca), (b, cb) in itertools.combinations(colours.items(), 2)
        )
        out.append(min(pairs))
    return sorted(out)
