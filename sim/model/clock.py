"""The model clock: time of day, night and day, the season, from model hours.

Model hours count from the start of a run; ``time.start_hour`` and ``time.start_day_of_year`` place
that start in the day and the year. Night runs from ``time.dusk_hour`` to ``time.dawn_hour`` (fixed
hours: the change of day length over the year is left out).

Exposure hazard (heat above all) varies with both: by day it is ``victims.day_exposure_factor`` times
the night's, and over the year it follows a cosine peaking in mid-July whose peak is
``victims.summer_exposure_factor`` times its trough. Both are scaled to average 1 over a day and over a
year, so the terrain's exposure hazard keeps its meaning as a mean and the factors only move deaths to
the hot hours and the hot months.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.scenario import Scenario

#: Day of the year on which exposure peaks (15 July; GAO-06-770, Eschbach et al. 1999).
PEAK_DAY_OF_YEAR = 196
DAYS_PER_YEAR = 365.0


class Clock:
    """Time of day, night and seasonal factors of one scenario, for model hours (scalars or arrays)."""

    def __init__(self, spec: Scenario):
        t, v = spec.time, spec.victims
        self.start_hour = t.start_hour
        self.start_day = t.start_day_of_year
        self.dusk, self.dawn = t.dusk_hour, t.dawn_hour
        night_hours = (self.dawn - self.dusk) % 24.0
        self.night_share = night_hours / 24.0
        # Exposure by day d times the night's, scaled so that a day averages 1.
        d = v.day_exposure_factor
        mean = d * (1.0 - self.night_share) + self.night_share
        self.day_exposure, self.night_exposure = (d / mean, 1.0 / mean) if mean > 0 else (1.0, 1.0)
        # Season: 1 + k cos(.), peak / trough = (1 + k) / (1 - k) = summer_exposure_factor.
        s = v.summer_exposure_factor
        self.season_amplitude = (s - 1.0) / (s + 1.0)
        self.night_factor_patrols = spec.patrols.night_detection_factor
        self.night_factor_sensors = spec.surveillance.night_detection_factor

    def hour_of_day(self, hours):
        """Hour of the day (0-24) at model time ``hours``."""
        return np.mod(self.start_hour + np.asarray(hours, dtype=float), 24.0)

    def is_night(self, hours):
        """Whether model time ``hours`` falls between dusk and dawn."""
        h = self.hour_of_day(hours)
        if self.dusk == self.dawn:
            return np.zeros_like(h, dtype=bool)
        if self.dusk < self.dawn:
            return (h >= self.dusk) & (h < self.dawn)
        return (h >= self.dusk) | (h < self.dawn)

    def next_hour(self, hours: float, hour_of_day: float) -> float:
        """The first model time at or after ``hours`` whose hour of the day is ``hour_of_day``."""
        return float(hours + np.mod(hour_of_day - self.hour_of_day(hours), 24.0))

    def day_of_year(self, hours):
        """Day of the year (1 to 366, fractional) at model time ``hours``."""
        days = (self.start_hour + np.asarray(hours, dtype=float)) / 24.0
        return 1.0 + np.mod(self.start_day - 1 + days, DAYS_PER_YEAR)

    def exposure_factor(self, hours):
        """Factor on the terrain's exposure hazard at model time ``hours``: day or night, and the season."""
        diel = np.where(self.is_night(hours), self.night_exposure, self.day_exposure)
        phase = 2.0 * np.pi * (self.day_of_year(hours) - PEAK_DAY_OF_YEAR) / DAYS_PER_YEAR
        return diel * (1.0 + self.season_amplitude * np.cos(phase))

    def patrol_factor(self, hours):
        """Factor on patrols' detection hazard at model time ``hours``."""
        return np.where(self.is_night(hours), self.night_factor_patrols, 1.0)

    def sensor_factor(self, hours):
        """Factor on fixed sensors' detection hazard at model time ``hours``."""
        return np.where(self.is_night(hours), self.night_factor_sensors, 1.0)
