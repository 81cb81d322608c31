"""Exploring a scenario's uncertainties (``bordersim explore``): global sensitivity analysis (Morris, Sobol),
policy robustness and scenario discovery (PRIM) over designs drawn by SALib, run on the experiment machinery."""
