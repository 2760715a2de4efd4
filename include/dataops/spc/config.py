"""Per-metric SPC configuration: plain data (a dict from YAML) validated into :class:`MetricConfig`.

Example (YAML)::

    metric: fraud_rate
    chart: laney_p            # individuals | p | laney_p | ewma | cusum
    rules: {nelson_1: critical, nelson_2: warning, we_2: warning}
    min_baseline_points: 20
    baseline_window: 60
    min_practical_change: 0.0
    min_practical_change_relative: 0.05
    seasonality: weekday      # weekday | none
    trend: linear             # none | linear (a trend-aware centre, dataops.spc.trend)
    limits: adjusted          # adjusted (for the baseline size, dataops.spc.limits) | classic
    alert_side: both          # both | above | below (only changes on that side of the centre are alerted)

``rules`` is the complete rule set of the metric (a rule not listed is off; ``off`` is also accepted as a
value). Without ``rules`` the default set applies: Nelson 1 critical, Nelson 2, 3 and 5 warning, plus the
chart's own signal (``ewma`` or ``cusum``) critical on EWMA and CUSUM charts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

from dataops.spc.rules import RULES

CHARTS = ("individuals", "p", "laney_p", "ewma", "cusum")
P_CHARTS = frozenset({"p", "laney_p"})
SEASONALITIES = ("none", "weekday")
TRENDS = ("none", "linear")
LIMITS = ("adjusted", "classic")
#: which changes are worth an alert: both sides of the centre, or only above (e.g. seconds) or below it
ALERT_SIDES = ("both", "above", "below")
#: Charts whose limits are widened for the baseline size (EWMA and CUSUM keep their published designs).
ADJUSTABLE_CHARTS = frozenset({"individuals", "laney_p"})
SEVERITIES = ("critical", "warning")
OFF = "off"
#: Chart-signal rules, valid only on their own chart type.
CHART_RULES = {"ewma": "ewma", "cusum": "cusum"}
CHART_RULE_TEXT = {
    "ewma": "EWMA: the exponentially weighted moving average is beyond its control limit",
    "cusum": "CUSUM: a cumulative sum is beyond the decision interval h",
}
DEFAULT_RULES: Mapping[str, str] = MappingProxyType({"nelson_1": "critical", "nelson_2": "warning",
                                                     "nelson_3": "warning", "nelson_5": "warning"})


@dataclass(frozen=True)
class MetricConfig:
    """Validated SPC settings of one metric.

    :param metric: metric name (reported in every evaluation).
    :param chart: ``individuals``, ``p``, ``laney_p``, ``ewma`` or ``cusum``.
    :param rules: rule key -> severity (``critical`` blocks, ``warning`` reports, ``off``); the complete
        rule set of the metric. ``None`` (the default) means :func:`default_rules` of the chart.
    :param min_baseline_points: baseline points needed before any alert (verdict ``learning`` below).
    :param baseline_window: number of prior batches forming the baseline window (before exclusions).
    :param min_practical_change: smallest absolute change (metric units) worth an alert.
    :param min_practical_change_relative: smallest change relative to the centre worth an alert.
    :param seasonality: ``none`` or ``weekday`` (a centre per day of week).
    :param min_points_per_weekday: with weekday seasonality, baseline points needed on the tested weekday.
    :param trend: ``none`` or ``linear``: the centre follows a straight line fitted on the baseline (from
        :data:`dataops.spc.trend.MIN_TREND_POINTS` baseline points; a flat centre below).
    :param limits: ``adjusted`` (default): on individuals and Laney p' charts, sigma is widened for the
        baseline size so the false-alarm rate stays at the nominal 1 in 370 (:mod:`dataops.spc.limits`);
        ``classic``: plain phase-I 3-sigma limits (the textbook and NIST examples). EWMA and CUSUM charts
        (and run rules configured on them) keep classic limits: their published designs assume them.
    :param ewma_lambda: EWMA weight lambda in (0, 1].
    :param ewma_limit: EWMA limit width L in EWMA standard deviations.
    :param ewma_clip: standardised values enter the EWMA clipped to +-this many sigmas (0: no clipping). A
        robust EWMA: one huge outlier (caught by Nelson 1 of its own or another metric) cannot keep the EWMA
        beyond its limit for days after; big jumps are the Shewhart rules' job, small persistent shifts the
        EWMA's (Lucas & Saccucci, 1990, recommend the combination).
    :param cusum_k: CUSUM reference value in sigmas.
    :param cusum_h: CUSUM decision interval in sigmas.
    :param mr_screening: drop moving ranges above 3.5 x MR_bar before estimating sigma.
    :param alert_side: ``both`` (default), ``above`` or ``below``: findings on the other side of the centre are
        not alerted (a task that got faster is no incident); they are kept as suppressed, with a note.
    """

    metric: str
    chart: str = "individuals"
    rules: Mapping[str, str] | None = None
    min_baseline_points: int = 20
    baseline_window: int = 60
    min_practical_change: float = 0.0
    min_practical_change_relative: float = 0.0
    seasonality: str = "none"
    min_points_per_weekday: int = 3
    trend: str = "none"
    limits: str = "adjusted"
    ewma_lambda: float = 0.2
    ewma_limit: float = 3.0
    ewma_clip: float = 4.0
    cusum_k: float = 0.5
    cusum_h: float = 5.0
    mr_screening: bool = True
    alert_side: str = "both"

    def __post_init__(self) -> None:
        rules = default_rules(self.chart) if self.rules is None else _parse_rules(self.rules)
        object.__setattr__(self, "rules", rules)
        _validate(self)

    @property
    def rule_set(self) -> Mapping[str, str]:
        """``rules`` as resolved by ``__post_init__`` (never None there; typed for the checker)."""
        return self.rules if self.rules is not None else {}

    @property
    def is_p_chart(self) -> bool:
        return self.chart in P_CHARTS

    @property
    def adjusts_limits(self) -> bool:
        """Whether sigma is widened for the baseline size (adjusted limits on an individuals or p' chart)."""
        return self.limits == "adjusted" and self.chart in ADJUSTABLE_CHARTS

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], metric: str | None = None) -> MetricConfig:
        """Build from plain data; unknown keys, chart types, rules or severities raise ``ValueError``.

        :param data: the metric's settings (e.g. parsed YAML).
        :param metric: metric name when ``data`` has no ``metric`` key (e.g. the YAML mapping key).
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"SPC config must be a mapping, got {type(data).__name__}")
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f"unknown SPC config key(s) {unknown}; allowed: {sorted(allowed)}")
        values = dict(data)
        name = values.pop("metric", None) or metric
        if not name:
            raise ValueError("SPC config needs a metric name ('metric' key or the metric argument)")
        return cls(metric=str(name), **values)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (round-trips through :meth:`from_dict`)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["rules"] = dict(self.rule_set)
        return out


def default_rules(chart: str) -> dict[str, str]:
    """The default rule set of a chart type (Nelson 1 critical; Nelson 2, 3, 5 warning; chart signal)."""
    rules = dict(DEFAULT_RULES)
    if chart in CHART_RULES:
        rules[CHART_RULES[chart]] = "critical"
    return rules


def _parse_rules(rules: Any) -> dict[str, str]:
    if not isinstance(rules, Mapping):
        raise ValueError(f"'rules' must be a mapping of rule -> severity, got {type(rules).__name__}")
    out: dict[str, str] = {}
    for key, severity in rules.items():
        if severity is False or severity is None or severity == OFF:
            continue
        out[str(key)] = severity
    return out


def _check_number(cfg: MetricConfig, name: str, integer: bool = False, minimum: float | None = None,
                  strict: bool = False, maximum: float | None = None) -> None:
    v = getattr(cfg, name)
    ok_type = isinstance(v, int) if integer else isinstance(v, int | float)
    if isinstance(v, bool) or not ok_type:
        kind = "an integer" if integer else "a number"
        raise ValueError(f"SPC config {name!r} must be {kind}, got {v!r}")
    if minimum is not None and (v <= minimum if strict else v < minimum):
        raise ValueError(f"SPC config {name!r} must be {'>' if strict else '>='} {minimum}, got {v!r}")
    if maximum is not None and v > maximum:
        raise ValueError(f"SPC config {name!r} must be <= {maximum}, got {v!r}")


def _validate_rules(cfg: MetricConfig) -> None:
    for key, severity in cfg.rule_set.items():
        chart_rule = key in CHART_RULES.values()
        if key not in RULES and not chart_rule:
            known = sorted(RULES) + sorted(CHART_RULES.values())
            raise ValueError(f"unknown SPC rule {key!r}; expected one of {known}")
        if chart_rule and CHART_RULES.get(cfg.chart) != key:
            raise ValueError(f"rule {key!r} only applies to chart {key!r}, not {cfg.chart!r}")
        if severity not in SEVERITIES:
            raise ValueError(f"rule {key!r}: unknown severity {severity!r}; expected one of "
                             f"{SEVERITIES} or {OFF!r}")


def _validate(cfg: MetricConfig) -> None:
    for name, allowed in (("chart", CHARTS), ("seasonality", SEASONALITIES), ("trend", TRENDS),
                          ("limits", LIMITS), ("alert_side", ALERT_SIDES)):
        if getattr(cfg, name) not in allowed:
            raise ValueError(f"unknown {name} {getattr(cfg, name)!r}; expected one of {allowed}")
    _validate_rules(cfg)
    _check_number(cfg, "min_baseline_points", integer=True, minimum=2)
    _check_number(cfg, "baseline_window", integer=True, minimum=2)
    if cfg.baseline_window < cfg.min_baseline_points:
        raise ValueError(f"baseline_window ({cfg.baseline_window}) must be >= min_baseline_points "
                         f"({cfg.min_baseline_points})")
    _check_number(cfg, "min_practical_change", minimum=0.0)
    _check_number(cfg, "min_practical_change_relative", minimum=0.0)
    _check_number(cfg, "min_points_per_weekday", integer=True, minimum=1)
    _check_number(cfg, "ewma_lambda", minimum=0.0, strict=True, maximum=1.0)
    _check_number(cfg, "ewma_limit", minimum=0.0, strict=True)
    _check_number(cfg, "ewma_clip", minimum=0.0)
    if cfg.trend != "none" and cfg.is_p_chart:
        raise ValueError(f"trend {cfg.trend!r} applies to individuals, EWMA and CUSUM charts, not to {cfg.chart!r} "
                         "(a proportion's line would leave [0, 1])")
    _check_number(cfg, "cusum_k", minimum=0.0)
    _check_number(cfg, "cusum_h", minimum=0.0, strict=True)
    if not isinstance(cfg.mr_screening, bool):
        raise ValueError(f"SPC config 'mr_screening' must be true or false, got {cfg.mr_screening!r}")
    if not isinstance(cfg.metric, str) or not cfg.metric:
        raise ValueError("SPC config needs a non-empty metric name")
