"""``bordersim optimize``: a multi-objective search of policy mixes under a budget (NSGA-II on the experiment
backends), resumable, with a report of the Pareto front and its knee. See docs/optimize.md."""
