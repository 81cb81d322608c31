"""How the size of a GeoTIFF scenario's grid costs: cells against build time, peak memory and a day's run.

Usage: ``.venv/bin/python benchmarks/bench_geodata.py [--cells-m 1000 500 250 100] [--km 60]``

Writes a ``km`` x ``km`` elevation GeoTIFF of 30 m pixels (the resolution of SRTM and the Copernicus DEM
GLO-30) and a land-cover GeoTIFF of the same pixels in ESA WorldCover codes, in UTM zone 13N, into a
temporary folder; then, for each cell size, in a fresh process (so peak memory is that run's alone): reads
and reprojects the rasters and builds the world (terrain layers, a west-east border, four towers' viewsheds,
coverage) and runs one simulated day of traffic. Prints cells, build time, the day's run time and the
process's peak resident memory. The figures in docs/geodata.md come from this script.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
PIXEL_M = 30.0
LEFT, TOP = 370_000.0, 3_520_000.0


def write_rasters(folder: Path, km: float) -> tuple[Path, Path]:
    """A smooth DEM (valley and ranges) and WorldCover-coded land cover of ``km`` x ``km`` at 30 m."""
    n = round(km * 1000 / PIXEL_M)
    rng = np.random.default_rng(3)
    relief = ndimage.gaussian_filter(rng.standard_normal((n // 8, n // 8)), 6.0)
    relief = ndimage.zoom(relief / relief.std(), 8, order=1)[:n, :n]
    dem = (1100.0 + 150.0 * relief).astype(np.float32)
    cover = np.where(relief > 0.8, 20, np.where(relief < -1.2, 30, 60)).astype(np.uint8)
    transform = Affine(PIXEL_M, 0, LEFT, 0, -PIXEL_M, TOP)
    paths = []
    for name, data in (("dem.tif", dem), ("landcover.tif", cover)):
        with rasterio.open(
            folder / name,
            "w",
            driver="GTiff",
            width=n,
            height=n,
            count=1,
            dtype=data.dtype.name,
            crs="EPSG:32613",
            transform=transform,
            compress="deflate",
            tiled=True,
        ) as dst:
            dst.write(data, 1)
        paths.append(folder / name)
    return paths[0], paths[1]


def scenario(dem: Path, landcover: Path, cell_m: float, km: float) -> dict:
    quarter = km / 4
    return {
        "scenario": {"name": f"bench_{cell_m:g}"},
        "terrain": {
            "source": "geotiff",
            "elevation_file": str(dem),
            "landcover_file": str(landcover),
            "landcover_codes": {"20": "scrub", "30": "open", "60": "desert"},
            "cell_m": cell_m,
        },
        "border": {"mode": "row"},
        "staging": [{"name": "s", "at": [km / 2, km * 0.85]}],
        "destinations": [{"name": "d", "at": [km / 2, km * 0.15]}],
        "surveillance": {
            "sensors": [
                {"kind": "tower", "at": [quarter * (i + 0.5), km / 2 - 1.0], "range_m": 8000.0} for i in range(4)
            ]
        },
        "crossers": {"per_day": 20.0},
    }


def measure(raw: dict) -> dict:
    """Build the world and run one simulated day in this process: times (s) and peak memory (MB)."""
    from sim.model import BorderModel
    from sim.scenario import load_scenario
    from sim.world import build_world

    loaded = load_scenario(raw)
    start = time.perf_counter()
    world = build_world(loaded)
    built = time.perf_counter() - start
    model = BorderModel(loaded, seed=1)
    start = time.perf_counter()
    for _ in range(int(model.steps_per_day)):
        model.step()
    day = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"cells": world.width * world.height, "build_s": built, "day_s": day, "peak_mb": peak_mb}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells-m", type=float, nargs="+", default=[1000.0, 500.0, 250.0, 100.0])
    parser.add_argument("--km", type=float, default=60.0)
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one measurement, in a child process
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(json.loads(args.measure))))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        dem, landcover = write_rasters(Path(folder), args.km)
        size_mb = (dem.stat().st_size + landcover.stat().st_size) / 1e6
        print(f"{args.km:g} x {args.km:g} km at {PIXEL_M:g} m: {size_mb:.1f} MB of GeoTIFF (deflate)")
        print(f"{'cell_m':>7} {'cells':>10} {'build s':>8} {'1 day s':>8} {'peak MB':>8}")
        for cell_m in args.cells_m:
            raw = json.dumps(scenario(dem, landcover, cell_m, args.km))
            env = os.environ | {"PYTHONPATH": str(ROOT)}  # this checkout's sim, whatever is installed
            child = subprocess.run(
                [sys.executable, __file__, "--measure", raw], capture_output=True, text=True, env=env, check=False
            )
            if child.returncode:
                print(child.stderr, file=sys.stderr)
                return 1
            r = json.loads(child.stdout)
            print(f"{cell_m:>7g} {r['cells']:>10,} {r['build_s']:>8.2f} {r['day_s']:>8.2f} {r['peak_mb']:>8.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
