"""Plain data types of the SPC engine: points in, evaluations and chart series out.

Everything here is a frozen dataclass whose ``to_dict()`` returns JSON-serialisable data (ISO dates,
finite floats or ``None``), because evaluations travel through XCom-referenced JSON files, Great
Expectations results and alert e-mails.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

IN_BASELINE = "in_baseline"
OUT_OF_CONTROL = "out_of_control"
KNOWN_BAD = "known_bad"
FALSE_POSITIVE = "false_positive"
STATUSES = (IN_BASELINE, OUT_OF_CONTROL, KNOWN_BAD, FALSE_POSITIVE)
#: Statuses left out of the phase-I baseline.
EXCLUDED_STATUSES = frozenset({OUT_OF_CONTROL, KNOWN_BAD})

LEARNING = "learning"
IN_CONTROL = "in_control"
WARNING = "warning"
CRITICAL = "critical"
VERDICTS = (LEARNING, IN_CONTROL, WARNING, CRITICAL)


def json_float(x: float | None) -> float | None:
    """A float that ``json.dumps(allow_nan=False)`` accepts: non-finite values become ``None``.

    :param x: a number or ``None``.
    """
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _json_value(v: Any) -> Any:
    if isinstance(v, float):
        return json_float(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Mapping):
        return {str(k): _json_value(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_json_value(x) for x in v]
    if hasattr(v, "item"):  # numpy scalar
        return _json_value(v.item())
    return v


@dataclass(frozen=True)
class Point:
    """One batch of one metric.

    :param batch_date: the batch (logical) date.
    :param value: the metric value; for p-charts the rate (a proportion between 0 and 1).
    :param n: batch size (denominator of the rate), required for p-charts, ignored otherwise.
    :param status: ``in_baseline`` (default), ``out_of_control``, ``known_bad`` or ``false_positive``.
        Only points of the history are read for their status; the status of the point under test is ignored.
    """

    batch_date: date
    value: float
    n: int | None = None
    status: str = IN_BASELINE

    def __post_init__(self) -> None:
        if not isinstance(self.batch_date, date):
            raise ValueError(f"batch_date must be a datetime.date, got {self.batch_date!r}")
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r} for {self.batch_date}; expected one of {STATUSES}")
        try:
            value = float(self.value)  # also accepts Decimal (NUMERIC columns) and numpy scalars
        except (TypeError, ValueError):
            raise ValueError(f"value must be a number, got {self.value!r} for {self.batch_date}") from None
        if not math.isfinite(value):
            raise ValueError(f"value must be a finite number, got {self.value!r} for {self.batch_date}")
        object.__setattr__(self, "value", value)
        if self.n is not None:
            if int(self.n) != self.n or self.n <= 0:
                raise ValueError(f"batch size n must be a positive integer, got {self.n!r} for {self.batch_date}")
            object.__setattr__(self, "n", int(self.n))


@dataclass(frozen=True)
class Finding:
    """A rule that fired on the point under test.

    :param rule: rule key, e.g. ``nelson_1``.
    :param severity: ``critical`` (blocks) or ``warning`` (reports).
    :param description: human text, e.g. "Nelson 1: one point beyond 3 sigma (z = +3.41, above the UCL)".
    :param magnitude: size of the change the rule points at, in units of the metric (None when the rule is
        not about a change of level, e.g. Nelson 7); compared with the minimum practical change.
    """

    rule: str
    severity: str
    description: str
    magnitude: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "description": self.description,
                "magnitude": json_float(self.magnitude)}


@dataclass(frozen=True)
class ExcludedPoint:
    """A batch of the baseline window left out of the baseline, with the status that excluded it."""

    batch_date: date
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {"batch_date": self.batch_date.isoformat(), "status": self.status}


@dataclass(frozen=True)
class Evaluation:
    """The verdict on one batch of one metric.

    ``centre``/``ucl``/``lcl``/``sigma``/``z`` describe the point on its Shewhart scale (individuals or
    p/p' chart: centre +- 3 sigma for this batch) whatever the chart type; EWMA and CUSUM statistics are in
    ``chart_statistic``. ``z`` is signed: (value - centre) / sigma.

    :param verdict: ``learning`` (too few baseline points, no alert possible), ``in_control``,
        ``warning`` (only warning findings) or ``critical`` (at least one critical finding: blocks).
    :param findings: rules that fired on this batch and are practically significant.
    :param suppressed_findings: rules that fired but whose change is below the minimum practical change.
    :param notes: human-readable remarks (why learning, why suppressed, ...).
    :param baseline_dates: batches used as the phase-I baseline, oldest first.
    :param excluded_dates: batches of the baseline window left out, with their status.
    """

    metric: str
    chart: str
    batch_date: date
    value: float
    verdict: str
    n: int | None = None
    centre: float | None = None
    ucl: float | None = None
    lcl: float | None = None
    sigma: float | None = None
    z: float | None = None
    findings: tuple[Finding, ...] = ()
    suppressed_findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    baseline_dates: tuple[date, ...] = ()
    excluded_dates: tuple[ExcludedPoint, ...] = ()
    chart_statistic: Mapping[str, Any] = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        """True when the verdict is ``critical``."""
        return self.verdict == CRITICAL

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (ISO dates, non-finite floats as ``None``)."""
        return {
            "metric": self.metric,
            "chart": self.chart,
            "batch_date": self.batch_date.isoformat(),
            "value": json_float(self.value),
            "n": self.n,
            "centre": json_float(self.centre),
            "ucl": json_float(self.ucl),
            "lcl": json_float(self.lcl),
            "sigma": json_float(self.sigma),
            "z": json_float(self.z),
            "verdict": self.verdict,
            "blocking": self.blocking,
            "findings": [f.to_dict() for f in self.findings],
            "suppressed_findings": [f.to_dict() for f in self.suppressed_findings],
            "notes": list(self.notes),
            "baseline_dates": [d.isoformat() for d in self.baseline_dates],
            "excluded_dates": [e.to_dict() for e in self.excluded_dates],
            "chart_statistic": _json_value(dict(self.chart_statistic)),
        }


@dataclass(frozen=True)
class ChartPoint:
    """One plotted point of a control chart, with the centre, limits and zone edges that applied to it.

    Zones (Western Electric): A between 2 and 3 sigma, B between 1 and 2 sigma, C within 1 sigma.
    """

    batch_date: date
    value: float
    status: str
    verdict: str
    centre: float | None
    ucl: float | None
    lcl: float | None
    sigma: float | None
    z: float | None
    zone_1_upper: float | None
    zone_1_lower: float | None
    zone_2_upper: float | None
    zone_2_lower: float | None
    rules: tuple[str, ...] = ()
    chart_statistic: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"batch_date": self.batch_date.isoformat(), "status": self.status,
                               "verdict": self.verdict, "rules": list(self.rules),
                               "chart_statistic": _json_value(dict(self.chart_statistic))}
        for name in ("value", "centre", "ucl", "lcl", "sigma", "z", "zone_1_upper", "zone_1_lower",
                     "zone_2_upper", "zone_2_lower"):
            out[name] = json_float(getattr(self, name))
        return out


@dataclass(frozen=True)
class ChartSeries:
    """The data of one control chart: the last N points, each with the limits it was judged against."""

    metric: str
    chart: str
    points: tuple[ChartPoint, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "chart": self.chart, "points": [p.to_dict() for p in self.points]}
