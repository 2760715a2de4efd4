"""p and Laney p' charts: per-batch limits, overdispersion on large batches."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from dataops.spc import MetricConfig, Point, evaluate_point
from dataops.spc.individuals import individuals_limits
from dataops.spc.pchart import binomial_sigma, p_chart_baseline

D0 = date(2026, 1, 1)


def overdispersed(days: int, n: int, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Large batches whose true rate wanders 5 % day to day around 1 %: between-day sd 5e-4,
    binomial sd sqrt(0.01 * 0.99 / 2e6) = 7e-5."""
    rng = np.random.default_rng(seed)
    true_p = 0.01 * (1 + 0.05 * rng.standard_normal(days))
    sizes = rng.integers(int(n * 0.8), int(n * 1.2), days)
    return rng.binomial(sizes, true_p) / sizes, sizes


def test_laney_limits_much_wider_than_p_limits_under_overdispersion():
    p, n = overdispersed(60, 2_000_000)
    plain = p_chart_baseline(p, n, laney=False)
    laney = p_chart_baseline(p, n, laney=True)
    assert plain.sigma_z == 1.0
    assert laney.p_bar == pytest.approx(plain.p_bar) == pytest.approx((p * n).sum() / n.sum())
    assert laney.sigma_z > 4  # ~ 5e-4 / 7e-5 = 7
    lo_p, hi_p = plain.limits(2_000_000)
    lo_l, hi_l = laney.limits(2_000_000)
    assert (hi_l - lo_l) / (hi_p - lo_p) == pytest.approx(laney.sigma_z)
    outside_plain = sum(not plain.limits(ni)[0] <= pi <= plain.limits(ni)[1] for pi, ni in zip(p, n, strict=True))
    outside_laney = sum(not laney.limits(ni)[0] <= pi <= laney.limits(ni)[1] for pi, ni in zip(p, n, strict=True))
    assert outside_plain > 20  # the plain p-chart calls a third or more of normal days out of control
    assert outside_laney <= 1


def test_laney_on_binomial_data_is_close_to_the_p_chart():
    rng = np.random.default_rng(8)
    n = rng.integers(5_000, 15_000, 200)
    p = rng.binomial(n, 0.02) / n
    assert p_chart_baseline(p, n, laney=True).sigma_z == pytest.approx(1.0, abs=0.15)


def test_laney_with_equal_batches_is_an_individuals_chart_of_the_proportions():
    """Laney (2002): with constant n, p' limits = XmR limits of the proportions."""
    rng = np.random.default_rng(3)
    p = 0.05 + 0.004 * rng.standard_normal(40)
    n = np.full(40, 50_000)
    pc = p_chart_baseline(p, n, laney=True)
    xmr = individuals_limits(p)
    assert pc.p_bar == pytest.approx(xmr.centre)
    lo, hi = pc.limits(50_000)
    assert hi == pytest.approx(xmr.ucl) and lo == pytest.approx(xmr.lcl)


def test_evaluate_point_p_versus_laney_on_a_large_normal_day():
    p, n = overdispersed(61, 2_000_000, seed=6)
    hist = [Point(D0 + timedelta(days=i), float(p[i]), int(n[i])) for i in range(60)]
    typical = Point(D0 + timedelta(days=60), float(np.median(p) * 1.04), 2_000_000)  # ~1 sd above
    ev_p = evaluate_point(hist, typical, {"metric": "fraud_rate", "chart": "p"})
    ev_l = evaluate_point(hist, typical, {"metric": "fraud_rate", "chart": "laney_p"})
    assert ev_p.verdict == "critical"  # a plain p-chart alarms on an ordinary day
    assert ev_l.verdict == "in_control"
    assert ev_l.chart_statistic["sigma_z"] > 4
    # per-batch sigma: binomial sigma of this batch size times sigma_z, widened for the 60-batch baseline
    factor = ev_l.chart_statistic["limit_factor"]
    assert 1.05 < factor < 1.15
    assert ev_l.sigma == pytest.approx(binomial_sigma(ev_l.centre, 2_000_000) * ev_l.chart_statistic["sigma_z"]
                                       * factor)
    assert ev_l.ucl - ev_l.lcl == pytest.approx(6 * ev_l.sigma)


def test_p_chart_limits_depend_on_batch_size_and_clip_at_zero():
    cfg = MetricConfig(metric="fraud_rate", chart="p")
    rng = np.random.default_rng(1)
    sizes = rng.integers(500, 1500, 40)
    hist = [Point(D0 + timedelta(days=i), float(rng.binomial(s, 0.01) / s), int(s)) for i, s in enumerate(sizes)]
    small = evaluate_point(hist, Point(D0 + timedelta(days=40), 0.01, 100), cfg)
    large = evaluate_point(hist, Point(D0 + timedelta(days=40), 0.01, 10_000), cfg)
    assert small.sigma == pytest.approx(large.sigma * 10)  # sqrt(10000 / 100)
    assert small.lcl == 0.0 and large.lcl > 0.0
    assert small.centre == pytest.approx(large.centre)
