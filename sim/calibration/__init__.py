"""``bordersim calibrate``: fitting a scenario's parameters to field figures.

- :mod:`sim.calibration.targets`: the targets file (field figures with their sources, pending figures, the
  parameters searched) and its validation;
- :mod:`sim.calibration.search`: the search (optuna, common random numbers, the experiment backends), each
  finished trial on disk, resumable with the same result;
- :mod:`sim.calibration.report`: the calibrated scenario, the fit report and how well the fit identifies each
  parameter;
- :mod:`sim.calibration.cli`: the command.

``docs/calibration.md`` describes the file format, the objective, the outputs and how identification is judged.
"""
