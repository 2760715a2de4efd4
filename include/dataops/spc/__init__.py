"""Statistical process control (SPC) for pipeline metrics: pure Python, no Airflow, no database.

Entry points:

* :func:`evaluate_point` -- judge today's batch of a metric against its own history
  (verdict ``learning`` / ``in_control`` / ``warning`` / ``critical``);
* :func:`chart_series` -- per-point centre, limits and zones of the last N batches, to draw a chart;
* :class:`MetricConfig` -- per-metric settings, built from plain data with ``MetricConfig.from_dict``.

Charts: individuals/moving range (:mod:`.individuals`), p and Laney p' (:mod:`.pchart`), EWMA
(:mod:`.ewma`), tabular CUSUM (:mod:`.cusum`); centres flat, per weekday and/or on a linear trend
(:mod:`.baseline`, :mod:`.trend`); limits adjusted for the baseline size (:mod:`.limits`); run lengths
simulated on the engine's own estimator (:mod:`.runlength`). Rules: the eight Nelson rules and Western Electric 1-4
(:mod:`.rules`). References: NIST/SEMATECH e-Handbook of Statistical Methods, chapter 6.3
(https://www.itl.nist.gov/div898/handbook/pmc/section3/pmc3.htm); D. C. Montgomery, *Introduction to
Statistical Quality Control*; L. S. Nelson (1984), JQT 16(4); D. B. Laney (2002), Quality Engineering 14(4).
"""

from dataops.spc.config import CHARTS, DEFAULT_RULES, MetricConfig, default_rules
from dataops.spc.evaluate import evaluate_point
from dataops.spc.models import (
    CRITICAL,
    FALSE_POSITIVE,
    IN_BASELINE,
    IN_CONTROL,
    KNOWN_BAD,
    LEARNING,
    OUT_OF_CONTROL,
    STATUSES,
    VERDICTS,
    WARNING,
    ChartPoint,
    ChartSeries,
    Evaluation,
    ExcludedPoint,
    Finding,
    Point,
)
from dataops.spc.rules import RULES
from dataops.spc.series import chart_series

__all__ = [
    "CHARTS", "CRITICAL", "DEFAULT_RULES", "FALSE_POSITIVE", "IN_BASELINE", "IN_CONTROL", "KNOWN_BAD",
    "LEARNING", "OUT_OF_CONTROL", "RULES", "STATUSES", "VERDICTS", "WARNING", "ChartPoint", "ChartSeries",
    "Evaluation", "ExcludedPoint", "Finding", "MetricConfig", "Point", "chart_series", "default_rules",
    "evaluate_point",
]
