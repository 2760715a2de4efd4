"""Normalise what the quality gate hands over: evaluation dicts and chart series in any of their shapes.

Evaluations are :meth:`dataops.spc.Evaluation.to_dict` dicts (or a contract finding in the same shape, with
no limits). Chart series are :meth:`dataops.spc.ChartSeries.to_dict` dicts, ``dataclasses.asdict`` of a
:class:`~dataops.spc.ChartSeries`, the object itself, a bare list of points or a column-oriented dict.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

CRITICAL = "critical"
WARNING = "warning"
IN_CONTROL = "in_control"
SEVERITY_RANK = {CRITICAL: 2, WARNING: 1}
#: Point statuses drawn hollow: left out of the baseline.
EXCLUDED_STATUSES = frozenset({"known_bad", "out_of_control"})
_ZONE_KEYS = ("zone_1_upper", "zone_1_lower", "zone_2_upper", "zone_2_lower")


def as_date(value: Any) -> date:
    """A :class:`datetime.date` from a date, a datetime or an ISO string (``YYYY-MM-DD...``).

    :param value: the value to convert.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip()[:10])


def as_float(value: Any) -> float | None:
    """A finite float or ``None`` (``None``, NaN, infinities and non-numbers all become ``None``).

    :param value: the value to convert.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class Finding:
    """A rule that fired: ``rule`` key, ``severity``, human ``description``, ``magnitude`` (metric units)."""

    rule: str
    severity: str
    description: str
    magnitude: float | None = None

    @property
    def label(self) -> str:
        """Short rule name, e.g. ``Nelson 1`` (the part of the description before the colon)."""
        head = self.description.split(":", 1)[0].strip()
        if head and head != self.description.strip() and len(head) <= 40:
            return head
        return self.rule.replace("_", " ").strip() or "rule"


@dataclass(frozen=True)
class MetricResult:
    """One metric's evaluation of the batch, normalised.

    :param metric: metric name, e.g. ``amount_log_mean`` or ``contract.rejected_files``.
    :param verdict: ``learning``, ``in_control``, ``warning`` or ``critical``.
    :param baseline_dates: ISO dates of the phase-I baseline, oldest first.
    :param excluded: (ISO date, status) pairs left out of the baseline.
    """

    metric: str
    batch_date: str
    verdict: str
    value: float | None = None
    centre: float | None = None
    ucl: float | None = None
    lcl: float | None = None
    sigma: float | None = None
    z: float | None = None
    chart: str | None = None
    findings: tuple[Finding, ...] = ()
    baseline_dates: tuple[str, ...] = ()
    excluded: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def severity(self) -> str | None:
        """``critical``, ``warning`` or ``None`` (nothing to report), from the verdict and the findings."""
        ranks = [SEVERITY_RANK.get(self.verdict, 0)] + [SEVERITY_RANK.get(f.severity, 0) for f in self.findings]
        best = max(ranks)
        return {2: CRITICAL, 1: WARNING}.get(best)

    @property
    def flagged(self) -> bool:
        return self.severity is not None

    @property
    def worst_finding(self) -> Finding | None:
        """The first finding of the highest severity (the engine lists findings in rule order)."""
        if not self.findings:
            return None
        return max(self.findings, key=lambda f: SEVERITY_RANK.get(f.severity, 0))

    def sort_key(self) -> tuple[int, float]:
        """Worst first: severity, then distance from the centre."""
        return (-SEVERITY_RANK.get(self.severity or "", 0), -(abs(self.z) if self.z is not None else 0.0))


def metric_result(data: Mapping[str, Any], batch_date: str) -> MetricResult:
    """Normalise one evaluation dict.

    :param data: an ``Evaluation.to_dict()`` dict or a contract finding in the same shape.
    :param batch_date: the batch under test (used when the dict has no ``batch_date``).
    """
    findings = []
    for f in data.get("findings") or ():
        if isinstance(f, Mapping):
            findings.append(Finding(rule=str(f.get("rule") or ""), severity=str(f.get("severity") or WARNING),
                                    description=str(f.get("description") or f.get("rule") or ""),
                                    magnitude=as_float(f.get("magnitude"))))
    excluded = []
    for e in data.get("excluded_dates") or ():
        if isinstance(e, Mapping):
            excluded.append((str(e.get("batch_date")), str(e.get("status") or "")))
        else:
            excluded.append((str(e), ""))
    return MetricResult(
        metric=str(data.get("metric") or "?"),
        batch_date=str(data.get("batch_date") or batch_date),
        verdict=str(data.get("verdict") or ""),
        value=as_float(data.get("value")),
        centre=as_float(data.get("centre")),
        ucl=as_float(data.get("ucl")),
        lcl=as_float(data.get("lcl")),
        sigma=as_float(data.get("sigma")),
        z=as_float(data.get("z")),
        chart=str(data["chart"]) if data.get("chart") else None,
        findings=tuple(findings),
        baseline_dates=tuple(sorted(str(d) for d in data.get("baseline_dates") or ())),
        excluded=tuple(excluded),
        notes=tuple(str(n) for n in data.get("notes") or ()),
    )


def _points_of(series: Any) -> list[Any]:
    if series is None:
        return []
    if hasattr(series, "to_dict") and not isinstance(series, Mapping):
        series = series.to_dict()
    if isinstance(series, Mapping):
        if "points" in series:
            return list(series["points"] or [])
        if isinstance(series.get("batch_date"), list | tuple):  # column-oriented
            cols = {k: list(v) for k, v in series.items() if isinstance(v, list | tuple)}
            n = len(cols["batch_date"])
            return [{k: (v[i] if i < len(v) else None) for k, v in cols.items()} for i in range(n)]
        return []
    if isinstance(series, Iterable) and not isinstance(series, str | bytes):
        return list(series)
    return []


def chart_points(series: Any, last_n: int = 60) -> list[dict[str, Any]]:
    """The last ``last_n`` points of a serialised chart series, oldest first, as plain dicts.

    Each point has ``batch_date`` (a date), ``value``, ``centre``, ``ucl``, ``lcl``, ``sigma``, the zone
    edges (computed from ``sigma`` or the limits when absent), ``status``, ``verdict`` and ``rules``.
    Points without a date or a value are dropped; an unusable series gives an empty list.

    :param series: any accepted shape of a chart series (see the module docstring).
    :param last_n: number of most recent points kept.
    """
    out: list[dict[str, Any]] = []
    for raw in _points_of(series):
        p = raw.to_dict() if hasattr(raw, "to_dict") and not isinstance(raw, Mapping) else raw
        if not isinstance(p, Mapping):
            continue
        try:
            day = as_date(p.get("batch_date"))
        except (TypeError, ValueError):
            continue
        value = as_float(p.get("value"))
        if value is None:
            continue
        point: dict[str, Any] = {"batch_date": day, "value": value, "status": str(p.get("status") or "in_baseline"),
                 "verdict": str(p.get("verdict") or ""), "rules": tuple(p.get("rules") or ())}
        for key in ("centre", "ucl", "lcl", "sigma", *_ZONE_KEYS):
            point[key] = as_float(p.get(key))
        fill_zones(point)
        out.append(point)
    out.sort(key=lambda p: p["batch_date"])
    return out[-last_n:] if last_n > 0 else out


def fill_zones(point: dict[str, Any]) -> None:
    """Complete sigma and the 1/2-sigma zone edges of a point from what it has (in place).

    :param point: a point dict with ``centre`` and ``sigma`` or ``ucl``/``lcl``.
    """
    centre, sigma = point.get("centre"), point.get("sigma")
    if sigma is None and centre is not None:
        if point.get("ucl") is not None:
            sigma = (point["ucl"] - centre) / 3.0
        elif point.get("lcl") is not None:
            sigma = (centre - point["lcl"]) / 3.0
        point["sigma"] = sigma
    if centre is None or sigma is None:
        return
    for k in (1, 2):
        if point.get(f"zone_{k}_upper") is None:
            point[f"zone_{k}_upper"] = centre + k * sigma
        if point.get(f"zone_{k}_lower") is None:
            point[f"zone_{k}_lower"] = centre - k * sigma
    if point.get("ucl") is None:
        point["ucl"] = centre + 3 * sigma
    if point.get("lcl") is None:
        point["lcl"] = centre - 3 * sigma
