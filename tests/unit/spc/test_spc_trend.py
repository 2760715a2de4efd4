"""Trend-aware centres: a growing metric is judged against a line through its baseline, not a lagging mean."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from dataops.spc import MetricConfig, Point, evaluate_point

D0 = date(2026, 1, 5)  # a Monday


def _level(i: int, slope: float = 2.0) -> float:
    """1000 rows growing ``slope`` a day, Saturdays and Sundays 50 rows busier."""
    return 1000 + slope * i + 50 * ((D0 + timedelta(days=i)).weekday() >= 5)


def _growing(days: int, seed: int = 1) -> list[Point]:
    rng = np.random.default_rng(seed)
    return [Point(D0 + timedelta(days=i), _level(i) + 4 * rng.standard_normal()) for i in range(days)]


def test_a_growing_metric_alarms_on_a_flat_centre_and_not_on_a_trend():
    hist = _growing(60)
    today = Point(D0 + timedelta(days=61), _level(61))  # a Saturday
    flat = evaluate_point(hist, today, {"metric": "rows", "seasonality": "weekday"})
    trend = evaluate_point(hist, today, {"metric": "rows", "seasonality": "weekday", "trend": "linear"})
    assert flat.verdict == "critical"  # the weekday mean lags 30 days of growth: +60 rows
    assert trend.verdict == "in_control"
    assert trend.centre == pytest.approx(_level(61), abs=6)
    assert trend.chart_statistic["weekday_centres"]["slope_per_day"] == pytest.approx(2.0, abs=0.1)


def test_a_drop_is_still_caught_with_a_trend():
    hist = _growing(60)
    drop = evaluate_point(hist, Point(D0 + timedelta(days=61), 0.9 * _level(61)),
                          MetricConfig(metric="rows", seasonality="weekday", trend="linear"))
    assert drop.verdict == "critical" and drop.findings[0].rule == "nelson_1"


def test_short_baselines_keep_a_flat_centre():
    hist = _growing(8)
    cfg = MetricConfig(metric="rows", trend="linear", min_baseline_points=5)
    ev = evaluate_point(hist, Point(D0 + timedelta(days=8), 1016.0), cfg)
    assert ev.centre == pytest.approx(np.mean([p.value for p in hist]))
    assert "slope_per_day" not in ev.chart_statistic.get("weekday_centres", {})


def test_a_trend_is_refused_on_proportions():
    with pytest.raises(ValueError, match="not to 'laney_p'"):
        MetricConfig(metric="rate", chart="laney_p", trend="linear")
