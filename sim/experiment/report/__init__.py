"""The experiment report: what was compared, what changed, and how sure we are.

:func:`write_report` writes the report's tables as CSV beside ``summary.csv``, then ``report.html``
(self-contained: inline CSS, figures embedded as base64 PNG, no external resources) and ``report.md``
(figures as PNG files beside it), both rendered from those tables. It is written for planners: a decision
summary first (policies ranked per objective, cost-effectiveness with intervals, which changes survive Holm's
correction and which are only nominal, a warning under five replications and the replications that would detect
each unclear change, each policy's scope in the scenario, maps of crossing density policy minus baseline), then
plain-language headings, a "how to read this" paragraph, the set-up in words (each override with its
meaning from the scenario schema), a policy table with means, 95% confidence intervals and marks for
significant changes against the baseline, how much the pairing of replications bought, the value of
sharing information where the experiment shares, and figures: outcome bars with intervals, daily time
series with 95% bands, maps of where crossings happened under each policy (displacement), crossings
along the border, and the trade-offs between security, deaths, detentions after false record matches and cost.

One module a job:

- :mod:`~sim.experiment.report.decision`: the decision summary's analysis (ranking, cost-effectiveness, marks
  and power, scope);
- :mod:`~sim.experiment.report.tables`: the analysis; every table the report shows, as a DataFrame, and
  writing them as CSV;
- :mod:`~sim.experiment.report.text`: numbers as text and the sentences generated from the tables' rows;
- :mod:`~sim.experiment.report.figures`: the Matplotlib figures;
- :mod:`~sim.experiment.report.render`: the Jinja2 templates (``templates/``) for HTML and Markdown, and
  :func:`write_report`.
"""

from sim.experiment.report.render import write_report
from sim.experiment.report.tables import report_tables, sharing_chain, value_of_information
from sim.experiment.report.text import court_warnings, format_number, format_ratio, voi_overview

__all__ = [
    "court_warnings",
    "format_number",
    "format_ratio",
    "report_tables",
    "sharing_chain",
    "value_of_information",
    "voi_overview",
    "write_report",
]
