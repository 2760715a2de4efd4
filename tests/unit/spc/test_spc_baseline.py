"""Baseline selection (window, exclusions, never the batch under test) and the weekday centre."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from dataops.spc import MetricConfig, Point, evaluate_point
from dataops.spc.baseline import fit_centre, select_baseline

D0 = date(2026, 1, 5)  # a Monday


def day(i: int) -> date:
    return D0 + timedelta(days=i)


def noisy(n: int, seed: int = 1, centre: float = 100.0, sd: float = 1.0) -> list[Point]:
    rng = np.random.default_rng(seed)
    return [Point(day(i), float(v)) for i, v in enumerate(rng.normal(centre, sd, n))]


def with_status(points: list[Point], index: int, status: str, value: float | None = None) -> list[Point]:
    out = list(points)
    p = out[index]
    out[index] = Point(p.batch_date, p.value if value is None else value, p.n, status)
    return out


def test_window_excludes_out_of_control_and_known_bad_and_reports_them():
    hist = noisy(30)
    hist = with_status(hist, 25, "out_of_control")
    hist = with_status(hist, 27, "known_bad")
    hist = with_status(hist, 28, "false_positive")
    sel = select_baseline(hist, day(30), window=10)
    used = [p.batch_date for p in sel.points]
    assert used == [day(i) for i in range(20, 30) if i not in (25, 27)]  # window of 10, minus 2
    assert day(28) in used  # false_positive stays in the baseline
    assert [(e.batch_date, e.status) for e in sel.excluded] == [(day(25), "out_of_control"),
                                                                (day(27), "known_bad")]


def test_batch_under_test_and_later_batches_never_in_baseline():
    hist = noisy(30)
    today = Point(day(20), 100.0)
    # a stale copy of today's batch and later batches (back-fill) are in the history
    hist = [*hist[:20], Point(day(20), 1e6), *hist[21:]]
    ev = evaluate_point(hist, today, MetricConfig(metric="rows"))
    assert max(ev.baseline_dates) == day(19)
    assert day(20) not in ev.baseline_dates
    assert any("10 history point(s) on or after" in n for n in ev.notes)
    assert ev.verdict == "in_control"  # the 1e6 copy of today did not enter the centre or sigma
    assert ev.centre == pytest.approx(np.mean([p.value for p in hist[:20]]))


def test_known_bad_point_does_not_pull_the_centre_and_false_positive_reenters():
    hist = noisy(40, seed=3)
    hist = with_status(hist, 35, "known_bad", value=160.0)
    cfg = MetricConfig(metric="rows")
    today = Point(day(40), 100.5)
    ev_bad = evaluate_point(hist, today, cfg)
    clean = [p.value for i, p in enumerate(hist) if i != 35]
    assert ev_bad.centre == pytest.approx(np.mean(clean))
    assert day(35) not in ev_bad.baseline_dates
    assert [e.to_dict() for e in ev_bad.excluded_dates] == [{"batch_date": "2026-02-09", "status": "known_bad"}]
    # The operator re-labels the batch a false positive: it is used again and moves centre and sigma.
    ev_fp = evaluate_point(with_status(hist, 35, "false_positive"), today, cfg)
    assert day(35) in ev_fp.baseline_dates and ev_fp.excluded_dates == ()
    assert ev_fp.centre == pytest.approx(np.mean(clean + [160.0]))
    assert ev_fp.centre > ev_bad.centre + 1.0


def test_window_counts_prior_batches_before_exclusions():
    hist = noisy(30)
    for i in range(25, 30):
        hist = with_status(hist, i, "out_of_control")
    sel = select_baseline(hist, day(30), window=20)
    assert len(sel.points) == 15 and len(sel.excluded) == 5


def test_duplicate_history_dates_are_rejected():
    hist = noisy(5)
    with pytest.raises(ValueError, match="two points"):
        select_baseline([*hist, Point(day(2), 1.0)], day(10), window=10)


def weekly(n: int, seed: int = 5) -> list[Point]:
    """Weekdays around 100, weekends around 120, noise sd 1."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        d = day(i)
        out.append(Point(d, float(100 + 20 * (d.weekday() >= 5) + rng.normal())))
    return out


def test_weekday_centre_is_the_mean_of_that_weekday_and_sigma_comes_from_residuals():
    hist = weekly(56)
    cfg = MetricConfig(metric="rows", seasonality="weekday", baseline_window=56)
    saturday = day(61)
    assert saturday.weekday() == 5
    ev = evaluate_point(hist, Point(saturday, 121.0), cfg)
    saturdays = [p.value for p in hist if p.batch_date.weekday() == 5]
    assert len(saturdays) == 8
    assert ev.centre == pytest.approx(np.mean(saturdays))
    # sigma: average moving range of the residuals x - centre(weekday), in time order, / 1.128
    means = {wd: np.mean([p.value for p in hist if p.batch_date.weekday() == wd]) for wd in range(7)}
    resid = np.array([p.value - means[p.batch_date.weekday()] for p in hist])
    mr = np.abs(np.diff(resid))
    mr = mr[mr <= 3.5 * mr.mean()]
    # ... widened by the adjusted-limits factor (8 Saturdays behind the centre, 55 moving ranges)
    factor = ev.chart_statistic["limit_factor"]
    assert 1.15 < factor < 1.35
    assert ev.sigma == pytest.approx(mr.mean() / 1.128 * factor)
    assert 0.7 < ev.sigma / factor < 1.3  # the weekly swing of 20 is not in sigma
    assert ev.verdict == "in_control"
    assert ev.chart_statistic["weekday_centres"]["Sat"] == pytest.approx(np.mean(saturdays))


def test_weekday_seasonality_catches_what_a_flat_centre_hides():
    hist = weekly(56)
    monday = day(56)
    assert monday.weekday() == 0
    weekend_level_on_a_monday = Point(monday, 118.0)
    seasonal = evaluate_point(hist, weekend_level_on_a_monday, {"metric": "rows", "seasonality": "weekday",
                                                                "baseline_window": 56})
    flat = evaluate_point(hist, weekend_level_on_a_monday, {"metric": "rows", "baseline_window": 56})
    assert seasonal.verdict == "critical" and seasonal.z > 10
    # the weekly swing inflates the flat chart's sigma: no 3-sigma signal (at most a run-rule warning,
    # since Saturday and Sunday sit high on the flat chart too)
    assert flat.verdict != "critical" and "nelson_1" not in [f.rule for f in flat.findings]
    assert flat.sigma > 4 * seasonal.sigma


def test_weekday_with_too_few_points_is_learning():
    hist = [p for p in weekly(56) if p.batch_date.weekday() != 2][:40]  # no Wednesdays
    wednesday = day(58)
    assert wednesday.weekday() == 2
    ev = evaluate_point(hist, Point(wednesday, 500.0), {"metric": "rows", "seasonality": "weekday"})
    assert ev.verdict == "learning" and ev.findings == ()
    assert any("Wednesday" in n for n in ev.notes)


def test_fit_centre_weighted_by_batch_size():
    model = fit_centre([0.1, 0.3], [day(0), day(7)], "weekday", weights=[3, 1])
    assert model.centre_for(day(14)) == pytest.approx(0.15)
    assert model.centre_for(day(1)) is None
    assert fit_centre([1.0, 3.0], [day(0), day(1)]).centre_for(day(5)) == 2.0
