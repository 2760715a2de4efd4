"""A control chart laid out in pixels: what an SVG (or any canvas) draws, computed and testable without one.

Batches are equally spaced on the x axis (one per day); the centre line and the control limits are step
lines (they move with the rolling baseline); zones are one rectangle per batch and zone: C within 1 sigma,
B between 1 and 2 sigma, A between 2 and 3 sigma. Points carry their severity (``critical`` / ``warning`` /
``normal``), whether they are hollow (out of the baseline or labelled) and their label (date, value, rules).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from dataops.overview.chart import MetricChart, is_hollow
from dataops.spc import CRITICAL, RULES, WARNING, ChartPoint

WIDTH, HEIGHT = 960, 360
MARGIN = {"left": 70, "right": 20, "top": 20, "bottom": 40}
X_TICKS = 8


@dataclass(frozen=True)
class Box:
    """The plot area in pixels."""

    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class Rect:
    """A zone band of one batch: ``zone`` is ``A``, ``B`` or ``C``."""

    zone: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class PlotPoint:
    """One batch: its position, how it is drawn and its label."""

    x: float
    y: float
    batch_date: date
    value: float
    severity: str
    hollow: bool
    status: str
    verdict: str
    rules: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class ChartGeometry:
    """Everything to draw: lines are polylines (lists of (x, y)), broken where a limit is unknown."""

    width: int
    height: int
    box: Box
    points: tuple[PlotPoint, ...]
    zones: tuple[Rect, ...]
    centre: tuple[tuple[tuple[float, float], ...], ...]
    ucl: tuple[tuple[tuple[float, float], ...], ...]
    lcl: tuple[tuple[tuple[float, float], ...], ...]
    y_ticks: tuple[tuple[float, str], ...]
    x_ticks: tuple[tuple[float, str], ...]
    values: tuple[tuple[float, float], ...]


def fmt(x: float | None) -> str:
    """A number as shown on the chart (4 significant digits; ``n/a`` for None).

    :param x: the number.
    """
    return "n/a" if x is None else f"{x:.4g}"


def severity(p: ChartPoint) -> str:
    """``critical``, ``warning`` (a warning verdict or any rule that fired) or ``normal``.

    :param p: the point.
    """
    if p.verdict in (CRITICAL, WARNING):
        return p.verdict
    return WARNING if p.rules else "normal"


def rule_label(key: str) -> str:
    """Display name of a rule key (``nelson_1`` -> ``Nelson 1``); unknown keys as they are.

    :param key: rule key.
    """
    return RULES[key].label if key in RULES else key.replace("_", " ")


def point_label(p: ChartPoint) -> str:
    """``2026-02-23: 3.91 (critical; Nelson 1; out_of_control)``: date, value, verdict, rules, status.

    :param p: the point.
    """
    parts = [p.verdict.replace("_", " "), *(rule_label(r) for r in p.rules)]
    if p.status != "in_baseline":
        parts.append(p.status.replace("_", " "))
    return f"{p.batch_date.isoformat()}: {fmt(p.value)} ({'; '.join(parts)})"


def _finite(values: list[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def y_domain(points: tuple[ChartPoint, ...]) -> tuple[float, float]:
    """The value range shown: every value and limit, padded by 8 % (a flat series gets +-1 or +-10 %).

    :param points: the chart's points.
    """
    seen = _finite([v for p in points for v in (p.value, p.lcl, p.ucl, p.centre)])
    if not seen:
        return 0.0, 1.0
    lo, hi = min(seen), max(seen)
    if hi - lo < 1e-12:
        pad = abs(lo) * 0.1 or 1.0
        return lo - pad, hi + pad
    pad = (hi - lo) * 0.08
    return lo - pad, hi + pad


class _Scale:
    """Index -> x and value -> y inside the plot box."""

    def __init__(self, box: Box, count: int, domain: tuple[float, float]) -> None:
        self.box, self.count, (self.lo, self.hi) = box, max(count, 1), domain
        self.step = (box.right - box.left) / self.count

    def x(self, i: float) -> float:
        return round(self.box.left + (i + 0.5) * self.step, 2)

    def y(self, v: float) -> float:
        v = min(max(v, self.lo), self.hi)
        return round(self.box.bottom - (v - self.lo) / (self.hi - self.lo) * (self.box.bottom - self.box.top), 2)


def _steps(scale: _Scale, levels: list[float | None]) -> tuple[tuple[tuple[float, float], ...], ...]:
    """A step line through per-batch levels, broken where a level is unknown."""
    lines: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for i, level in enumerate(levels):
        if level is None or not math.isfinite(level):
            if current:
                lines.append(current)
            current = []
            continue
        y = scale.y(level)
        current += [(scale.x(i - 0.5), y), (scale.x(i + 0.5), y)]
    if current:
        lines.append(current)
    return tuple(tuple(line) for line in lines)


def _zone_edges(p: ChartPoint) -> list[tuple[str, float | None, float | None]]:
    return [("A", p.zone_2_upper, p.ucl), ("B", p.zone_1_upper, p.zone_2_upper), ("C", p.zone_1_lower, p.zone_1_upper),
            ("B", p.zone_2_lower, p.zone_1_lower), ("A", p.lcl, p.zone_2_lower)]


def _zones(scale: _Scale, points: tuple[ChartPoint, ...]) -> tuple[Rect, ...]:
    out = []
    for i, p in enumerate(points):
        for zone, low, high in _zone_edges(p):
            if low is None or high is None or high < low:
                continue
            top, bottom = scale.y(high), scale.y(low)
            out.append(Rect(zone, scale.x(i - 0.5), top, round(scale.step, 2), round(bottom - top, 2)))
    return tuple(out)


def _y_ticks(scale: _Scale, count: int = 5) -> tuple[tuple[float, str], ...]:
    span = scale.hi - scale.lo
    return tuple((scale.y(scale.lo + span * k / (count - 1)), fmt(scale.lo + span * k / (count - 1)))
                 for k in range(count))


def _x_ticks(scale: _Scale, points: tuple[ChartPoint, ...]) -> tuple[tuple[float, str], ...]:
    if not points:
        return ()
    every = max(1, math.ceil(len(points) / X_TICKS))
    return tuple((scale.x(i), points[i].batch_date.isoformat()) for i in range(0, len(points), every))


def chart_geometry(chart: MetricChart, width: int = WIDTH, height: int = HEIGHT) -> ChartGeometry:
    """Lay out a control chart.

    :param chart: the chart's data (:func:`dataops.overview.metric_chart`).
    :param width: drawing width in pixels.
    :param height: drawing height in pixels.
    """
    box = Box(MARGIN["left"], MARGIN["top"], width - MARGIN["right"], height - MARGIN["bottom"])
    points = chart.points
    scale = _Scale(box, len(points), y_domain(points))
    plotted = tuple(PlotPoint(scale.x(i), scale.y(p.value), p.batch_date, p.value, severity(p), is_hollow(p.status),
                              p.status, p.verdict, p.rules, point_label(p)) for i, p in enumerate(points))
    return ChartGeometry(
        width=width, height=height, box=box, points=plotted, zones=_zones(scale, points),
        centre=_steps(scale, [p.centre for p in points]), ucl=_steps(scale, [p.ucl for p in points]),
        lcl=_steps(scale, [p.lcl for p in points]), y_ticks=_y_ticks(scale), x_ticks=_x_ticks(scale, points),
        values=tuple((pp.x, pp.y) for pp in plotted))
