"""GIS layers of an experiment: where crossings happened under each policy, as GeoTIFFs, beside its places.

:func:`write_crossing_density` writes ``crossing_density/<policy>.tif`` (``<policy>-sweep<k>.tif`` when the
experiment has a sweep): on the grid of the scenario under that policy, the number of crossing attempts
per run whose crossing point (where the group met the border, or where it stopped) lies in each cell,
averaged over the policy's successful runs. The layers carry the scenario's CRS and transform
(:mod:`sim.world.geo`), so a GIS shows them over other maps; for a scenario not placed on Earth they
are in the local engineering CRS of :data:`sim.world.geo.LOCAL_FRAME_NOTE`. Beside each, ``<layer>_places/``
holds the places of the scenario under that policy (sensors with their ranges, towers it sites, ports, staging
areas, destinations) as GeoJSON (:func:`sim.world.geo.write_place_layers`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sim.experiment.spec import Experiment

#: Folder of the density layers inside the experiment's results folder.
DENSITY_FOLDER = "crossing_density"
DENSITY_DESCRIPTION = "crossing attempts per run per cell (mean over the policy's successful runs)"


def density_layer_name(experiment: Experiment, policy: str, point: int) -> str:
    return f"{policy}-sweep{point}.tif" if experiment.sweep else f"{policy}.tif"


def write_crossing_density(experiment: Experiment, out_dir: Path, runs: pd.DataFrame) -> list[Path]:
    """One crossing-density GeoTIFF per policy (and sweep point) in ``out_dir/crossing_density``.

    Args:
        experiment: the experiment.
        out_dir: its results folder, holding ``crossings.parquet``.
        runs: the runs table (``policy``, ``sweep_point``, ``status``): the successful runs are the denominator.

    Returns:
        The paths written (none when no crossings were recorded).
    """
    from sim.scenario import load_scenario
    from sim.world import build_world
    from sim.world.geo import density_grid, write_geotiff, write_place_layers

    path = Path(out_dir) / "crossings.parquet"
    if not path.exists() or not {"x_km", "y_km"} <= set(pq.read_schema(path).names):
        return []
    crossings = pd.read_parquet(path, columns=["policy", "sweep_point", "x_km", "y_km"])
    ok = runs[runs["status"] == "ok"].groupby(["policy", "sweep_point"]).size()
    written = []
    for point_index, point in enumerate(experiment.sweep_points()):
        for policy in experiment.policy_names:
            count = int(ok.get((policy, point_index), 0))
            if count == 0:
                continue
            world = build_world(
                load_scenario(experiment.scenario_path, experiment.run_overrides(experiment.policy(policy), point))
            )
            mine = crossings[(crossings["policy"] == policy) & (crossings["sweep_point"] == point_index)]
            grid = density_grid(
                mine["x_km"].to_numpy(), mine["y_km"].to_numpy(), (world.height, world.width), world.cell_km, count
            )
            name = density_layer_name(experiment, policy, point_index)
            layer = Path(out_dir) / DENSITY_FOLDER / name
            written.append(write_geotiff(layer, grid, world, description=DENSITY_DESCRIPTION))
            write_place_layers(world, layer.with_name(f"{layer.stem}_places"))
    return written
