"""evaluate_point: learning, last-point semantics, severities, practical change, EWMA/CUSUM, JSON."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pytest

from dataops.spc import Evaluation, MetricConfig, Point, evaluate_point

D0 = date(2026, 3, 2)


def day(i: int) -> date:
    return D0 + timedelta(days=i)


def series(values) -> list[Point]:
    return [Point(day(i), float(v)) for i, v in enumerate(values)]


def noise(n: int, seed: int = 2, centre: float = 100.0, sd: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(centre, sd, n)


def test_learning_until_min_baseline_points():
    hist = series(noise(19))
    cfg = MetricConfig(metric="rows", min_baseline_points=20)
    ev = evaluate_point(hist, Point(day(19), 1000.0), cfg)
    assert ev.verdict == "learning" and ev.findings == () and not ev.blocking
    assert ev.centre is not None and ev.z > 100  # limits are still shown for information
    assert "19 baseline point(s), 20 needed" in ev.notes[-1]
    hist20 = series(noise(20))
    ev20 = evaluate_point(hist20, Point(day(20), 1000.0), cfg)
    assert ev20.verdict == "critical" and ev20.blocking


def test_learning_with_no_history_at_all():
    ev = evaluate_point([], Point(day(0), 5.0), {"metric": "rows"})
    assert ev.verdict == "learning" and ev.centre is None and ev.sigma is None
    json.dumps(ev.to_dict(), allow_nan=False)


def test_excluded_points_count_against_min_baseline():
    hist = [Point(p.batch_date, p.value, status="out_of_control") if i % 2 else p
            for i, p in enumerate(series(noise(30)))]
    ev = evaluate_point(hist, Point(day(30), 1000.0), {"metric": "rows"})
    assert ev.verdict == "learning" and len(ev.baseline_dates) == 15 and len(ev.excluded_dates) == 15


def baseline_then_run(run_length: int) -> list[Point]:
    """40 points straddling 100 (+-1.5, the last one below), then a run at 101."""
    neutral = [100 + (1.5 if i % 4 in (1, 2) else -1.5) for i in range(40)]
    return series(neutral + [101.0] * run_length)


def test_nelson_2_fires_on_the_batch_that_completes_the_run_of_nine():
    cfg = MetricConfig(metric="rows", rules={"nelson_2": "warning"}, baseline_window=60)
    eighth = baseline_then_run(8)
    ev8 = evaluate_point(eighth[:-1], eighth[-1], cfg)
    assert ev8.verdict == "in_control"
    ninth = baseline_then_run(9)
    ev9 = evaluate_point(ninth[:-1], ninth[-1], cfg)
    assert ev9.verdict == "warning"
    assert [f.rule for f in ev9.findings] == ["nelson_2"]
    assert ev9.findings[0].description.startswith("Nelson 2: nine points in a row on the same side")


def test_old_outlier_in_baseline_is_not_reported_again():
    values = list(noise(40))
    values[30] = 150.0
    hist = series(values)
    hist[30] = Point(day(30), 150.0, status="false_positive")  # judged harmless, stays in the baseline
    cfg = MetricConfig(metric="rows", rules={"nelson_1": "critical"})
    assert evaluate_point(hist[:30], hist[30], cfg).verdict == "critical"  # it did alert on its own day
    ev = evaluate_point(hist, Point(day(40), 100.2), cfg)
    assert ev.verdict == "in_control" and ev.findings == ()
    assert day(30) in ev.baseline_dates


def test_severity_decides_the_verdict():
    hist = series(noise(30))
    spike = Point(day(30), 110.0)
    assert evaluate_point(hist, spike, {"metric": "m", "rules": {"nelson_1": "warning"}}).verdict == "warning"
    assert evaluate_point(hist, spike, {"metric": "m", "rules": {"we_1": "critical"}}).verdict == "critical"
    off = evaluate_point(hist, spike, {"metric": "m", "rules": {"nelson_1": "off", "nelson_2": "warning"}})
    assert off.verdict == "in_control"
    both = evaluate_point(hist, spike, {"metric": "m", "rules": {"nelson_1": "critical", "we_1": "warning"}})
    assert both.verdict == "critical"
    assert sorted((f.rule, f.severity) for f in both.findings) == [("nelson_1", "critical"), ("we_1", "warning")]


def test_minimum_practical_change_relative_suppresses_a_tiny_but_real_shift():
    # A huge batch: the metric barely moves (sd 0.01 around 1000) ...
    hist = series(noise(40, centre=1000.0, sd=0.01))
    shifted = Point(day(40), 1000.5)  # ... so +0.5 is ~50 sigma, yet only 0.05 % of the centre
    cfg = {"metric": "avg_amount", "min_practical_change_relative": 0.01}  # 1 % of ~1000 = ~10
    ev = evaluate_point(hist, shifted, cfg)
    assert ev.z > 30
    assert ev.verdict == "in_control" and ev.findings == ()
    assert [f.rule for f in ev.suppressed_findings] == ["nelson_1"]
    assert any("below the minimum practical change" in n for n in ev.notes)
    big = evaluate_point(hist, Point(day(40), 1020.0), cfg)  # 2 % of the centre: alerted
    assert big.verdict == "critical"


def test_minimum_practical_change_absolute():
    hist = series(noise(40, centre=0.0, sd=0.001))
    cfg = {"metric": "null_fraction", "min_practical_change": 0.01}
    assert evaluate_point(hist, Point(day(40), 0.008), cfg).verdict == "in_control"
    assert evaluate_point(hist, Point(day(40), 0.012), cfg).verdict == "critical"
    assert evaluate_point(hist, Point(day(40), 0.008), {"metric": "null_fraction"}).verdict == "critical"


def test_zero_sigma_baseline_and_json():
    hist = series([5.0] * 30)
    same = evaluate_point(hist, Point(day(30), 5.0), {"metric": "const"})
    assert same.verdict == "in_control" and same.z == 0.0
    moved = evaluate_point(hist, Point(day(30), 6.0), {"metric": "const"})
    assert moved.verdict == "critical" and moved.z == float("inf")
    d = moved.to_dict()
    assert d["z"] is None and d["sigma"] == 0.0
    json.dumps(d, allow_nan=False)


def test_to_dict_is_json_serialisable_and_complete():
    hist = series(noise(30))
    hist[3] = Point(day(3), 130.0, status="known_bad")
    ev = evaluate_point(hist, Point(day(30), 110.0), {"metric": "rows", "chart": "ewma"})
    assert isinstance(ev, Evaluation)
    d = json.loads(json.dumps(ev.to_dict(), allow_nan=False))
    assert d["metric"] == "rows" and d["batch_date"] == "2026-04-01" and d["verdict"] == "critical"
    assert d["blocking"] is True
    assert d["findings"][0] == {"rule": "nelson_1", "severity": "critical",
                                "description": ev.findings[0].description, "magnitude": pytest.approx(10, abs=1)}
    assert d["excluded_dates"] == [{"batch_date": "2026-03-05", "status": "known_bad"}]
    assert len(d["baseline_dates"]) == 29
    for key in ("centre", "ucl", "lcl", "sigma", "z"):
        assert isinstance(d[key], float)
    assert {"ewma", "ewma_ucl", "ewma_lcl", "lambda"} <= set(d["chart_statistic"])
    with pytest.raises(AttributeError):
        ev.verdict = "in_control"  # frozen


def test_alert_side_keeps_only_the_changes_on_its_side_of_the_centre():
    hist = series(noise(40))
    low, high = Point(day(40), 90.0), Point(day(40), 110.0)  # 10 sigma below, 10 above
    above = {"metric": "task_seconds", "alert_side": "above"}
    assert evaluate_point(hist, high, above).verdict == "critical"
    faster = evaluate_point(hist, low, above)
    assert faster.verdict == "in_control" and faster.findings == ()
    assert [f.rule for f in faster.suppressed_findings] == ["nelson_1"]
    assert any("fired below the centre: only changes above it are alerted" in n for n in faster.notes)
    assert evaluate_point(hist, low, {"metric": "rate", "alert_side": "below"}).verdict == "critical"
    assert evaluate_point(hist, low, {"metric": "rate"}).verdict == "critical"  # both sides by default
    # the EWMA's side is its own: a sustained drop is no alert when only rises matter
    ewma = MetricConfig(metric="task_seconds", chart="ewma", rules={"ewma": "warning"}, alert_side="above")
    drop = series(list(noise(40, seed=4)) + [98.4] * 12)
    ev = evaluate_point(drop[:51], drop[51], ewma)
    assert ev.chart_statistic["ewma_z"] < 0 and ev.findings == () and ev.suppressed_findings
    with pytest.raises(ValueError, match="alert_side"):
        MetricConfig(metric="x", alert_side="up")


def test_ewma_chart_catches_a_small_sustained_shift_that_shewhart_misses():
    base = list(noise(50, seed=9))
    pts = series(base + [101.6] * 12)  # +1.6 sigma for twelve batches: never beyond 3 sigma
    cfg = MetricConfig(metric="rows", chart="ewma", rules={"nelson_1": "critical", "ewma": "critical"},
                       baseline_window=60)
    # the shifted batches are flagged as they arrive; earlier flagged ones leave the baseline
    verdicts, rules = [], []
    hist = pts[:50]
    for p in pts[50:]:
        ev = evaluate_point(hist, p, cfg)
        verdicts.append(ev.verdict)
        rules.append([f.rule for f in ev.findings])
        hist.append(Point(p.batch_date, p.value, status="out_of_control" if ev.blocking else "in_baseline"))
    assert "ewma" in sum(rules, [])
    assert "nelson_1" not in sum(rules, [])
    last = evaluate_point(pts[:61], pts[61], cfg)
    assert last.chart_statistic["ewma"] > last.centre


def test_cusum_chart_signals_a_sustained_shift_with_its_estimate():
    base = list(noise(50, seed=12))
    pts = series(base + [101.5] * 8)
    cfg = MetricConfig(metric="rows", chart="cusum", rules={"cusum": "critical"}, cusum_h=4.0,
                       baseline_window=60)
    ev = evaluate_point(pts[:-1], pts[-1], cfg)
    assert ev.verdict == "critical"
    (finding,) = ev.findings
    assert finding.rule == "cusum" and "upward shift" in finding.description
    assert ev.chart_statistic["upper"] > 4.0 and ev.chart_statistic["lower"] == 0.0
    assert finding.magnitude == pytest.approx(1.5, rel=0.5)  # shift estimate k + C+/N+, in metric units
    quiet = evaluate_point(pts[:50], Point(day(50), 100.3), cfg)
    assert quiet.verdict == "in_control" and quiet.chart_statistic["upper"] < 4.0


def test_p_chart_needs_batch_sizes_and_proportions():
    hist = [Point(day(i), 0.01, n=1000) for i in range(25)]
    with pytest.raises(ValueError, match="no batch size"):
        evaluate_point(hist, Point(day(25), 0.01), {"metric": "fraud_rate", "chart": "p"})
    with pytest.raises(ValueError, match="proportion"):
        evaluate_point(hist, Point(day(25), 3.0, n=10), {"metric": "fraud_rate", "chart": "p"})


def test_point_validation():
    with pytest.raises(ValueError, match="status"):
        Point(day(0), 1.0, status="bad")
    with pytest.raises(ValueError, match="finite"):
        Point(day(0), float("nan"))
    with pytest.raises(ValueError, match="datetime.date"):
        Point("2026-01-01", 1.0)


def test_point_coerces_database_types():
    from decimal import Decimal

    p = Point(day(0), Decimal("0.0125"), n=np.int64(1000))
    assert p.value == 0.0125 and type(p.value) is float and type(p.n) is int
    with pytest.raises(ValueError, match="positive integer"):
        Point(day(0), 0.1, n=0)
