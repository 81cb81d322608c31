"""Paired outcomes of one scenario at two cell sizes, with where the difference comes from.

Runs the same seeds at ``terrain.cell_m`` = A and B (the land is the same up to resolution,
tests/test_grid_invariance.py) and prints, for every outcome below, the means at both sizes and the
paired mean difference (B - A) with its 99 % t interval. Then a decomposition over the finished
attempts on foot: the walk's length (km) and duration (h), the fixed-sensor hazard a group would
accumulate over its whole walk and within the border zone, and the time in the zone; and the
detections by sensors and by patrols.

    .venv/bin/python benchmarks/grid_invariance.py [--seeds 8] [--days 90] [--cells 500 1000]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from sim.experiment.stats import estimate
from sim.model import BorderModel
from sim.model.crossings import Crossings
from sim.model.detection import Detection

OUTCOMES = (
    "crossings_attempted",
    "crossings_succeeded",
    "apprehension_rate_on_foot",
    "interdictions_by_sensor",
    "interdictions_by_patrol",
    "detections",
    "detections_by_sensor",
    "detections_by_patrol",
)


def run_one(scenario: str, cell_m: int, seed: int, days: float, extra: dict) -> tuple[dict, dict]:
    """Outcomes and the walk decomposition of one run."""
    walks: list[dict] = []
    finish = Crossings.finish

    def finish_and_note(self, group, result, guide_held=False):
        route = group.route
        if group.mode == "foot" and route is not None:
            w = self.world
            in_zone = w.zone_mask[route.rows, route.cols]
            dwell = np.diff(route.enter_time, append=route.enter_time[-1])
            walks.append(
                {
                    "km": float(route.km_along(w.cell_km)[-1]),
                    "hours": float(route.total_time),
                    "sensor_hazard": float(route.cum_sensor[-1]),
                    "zone_hazard": float((route.sensor_rate * dwell)[in_zone].sum()),
                    "zone_hours": float(dwell[in_zone].sum()),
                    "interdicted": result == "interdicted",
                }
            )
        finish(self, group, result, guide_held)

    seen = {"sensor": 0, "patrol": 0}
    by_sensor, by_patrol = Detection.sensor_detection, Detection.patrol_detection

    def sensor_detection(self, alert):
        seen["sensor"] += 1
        by_sensor(self, alert)

    def patrol_detection(self, alert, patrol):
        seen["patrol"] += 1
        by_patrol(self, alert, patrol)

    Crossings.finish = finish_and_note
    Detection.sensor_detection, Detection.patrol_detection = sensor_detection, patrol_detection
    try:
        model = BorderModel(scenario, seed=seed, overrides={**extra, "terrain.cell_m": cell_m})
        for _ in range(math.ceil(days * model.steps_per_day - 1e-9)):
            model.step()
        outcomes = model.outcomes() | {f"detections_by_{k}": v for k, v in seen.items()}
    finally:
        Crossings.finish = finish
        Detection.sensor_detection, Detection.patrol_detection = by_sensor, by_patrol
    keys = walks[0].keys() if walks else ()
    return outcomes, {k: float(np.mean([w[k] for w in walks])) for k in keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="scenarios/desert_sector.toml")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--days", type=float, default=90)
    parser.add_argument("--cells", type=int, nargs=2, default=(500, 1000))
    parser.add_argument("--set", action="append", default=[], help="extra override k=v (both sizes)")
    args = parser.parse_args()
    a, b = args.cells
    extra = dict(kv.split("=", 1) for kv in args.set)
    start = time.perf_counter()
    out = {c: [run_one(args.scenario, c, s, args.days, extra) for s in range(1, args.seeds + 1)] for c in (a, b)}
    took = time.perf_counter() - start
    print(f"{args.scenario}: {args.seeds} seeds x {args.days:g} days at {a} and {b} m ({took:.0f} s)")
    print(f"{'':28s} {a:>9d} m {b:>9d} m   diff ({b} - {a}) [99% CI]  higher at {b} m")

    def row(name, xa, xb):
        xa, xb = np.asarray(xa, float), np.asarray(xb, float)
        d = estimate(xb - xa, confidence=0.99)
        print(
            f"{name:28s} {xa.mean():11.3f} {xb.mean():11.3f}   {d.mean:+8.3f} [{d.ci_low:+.3f}, {d.ci_high:+.3f}]"
            f"  {int((xb > xa).sum())}/{len(xa)}"
        )

    for name in OUTCOMES:
        row(name, [o[name] for o, _ in out[a]], [o[name] for o, _ in out[b]])
    print("mean per finished walk on foot:")
    for key in out[a][0][1]:
        row("  " + key, [w[key] for _, w in out[a]], [w[key] for _, w in out[b]])


if __name__ == "__main__":
    main()
