"""chart_series: per-point centre, limits and zones of the last N batches, ready to plot."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pytest

from dataops.spc import Point, chart_series, evaluate_point

D0 = date(2026, 1, 1)


def history(n: int) -> list[Point]:
    rng = np.random.default_rng(21)
    pts = [Point(D0 + timedelta(days=i), float(v)) for i, v in enumerate(rng.normal(50, 2, n))]
    pts[-3] = Point(pts[-3].batch_date, 70.0, status="out_of_control")
    return pts


def test_each_point_carries_the_limits_it_was_judged_against():
    pts = history(50)
    cfg = {"metric": "rows", "min_baseline_points": 20}
    cs = chart_series(list(reversed(pts)), cfg, last_n=35)  # input order does not matter
    assert cs.metric == "rows" and cs.chart == "individuals"
    assert [p.batch_date for p in cs.points] == [p.batch_date for p in pts[-35:]]
    for cp, idx in zip(cs.points, range(15, 50), strict=True):
        ev = evaluate_point(pts[:idx], pts[idx], cfg)
        assert (cp.centre, cp.ucl, cp.lcl, cp.verdict) == (ev.centre, ev.ucl, ev.lcl, ev.verdict)
    assert {p.verdict for p in cs.points[:5]} == {"learning"}  # fewer than 20 prior batches
    spike = cs.points[-3]
    assert spike.status == "out_of_control" and spike.verdict == "critical" and "nelson_1" in spike.rules
    for cp in cs.points:
        assert cp.lcl < cp.zone_2_lower < cp.zone_1_lower < cp.centre < cp.zone_1_upper < cp.zone_2_upper < cp.ucl
        assert cp.zone_1_upper - cp.centre == pytest.approx(cp.sigma)
        assert cp.ucl - cp.zone_2_upper == pytest.approx(cp.sigma)
    json.dumps(cs.to_dict(), allow_nan=False)


def test_ewma_series_has_the_ewma_statistic_per_point():
    cs = chart_series(history(40), {"metric": "rows", "chart": "ewma"}, last_n=5)
    assert len(cs.points) == 5
    for cp in cs.points:
        st = cp.chart_statistic
        assert st["ewma_lcl"] < st["ewma_ucl"]
