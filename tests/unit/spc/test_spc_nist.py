"""The charts reproduce the worked examples of the NIST/SEMATECH e-Handbook of Statistical Methods.

* 6.3.2.2 individuals chart (https://www.itl.nist.gov/div898/handbook/pmc/section3/pmc322.htm);
* 6.3.2.3 CUSUM (pmc323.htm; the same 20 values are used by tcllib's math::changepoint tests, which cite
  that page);
* 6.3.2.4 EWMA (pmc324.htm; data, lambda, s, the 2-decimal EWMA column and the limits as printed).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest

from dataops.spc import MetricConfig, Point, evaluate_point
from dataops.spc.cusum import tabular_cusum
from dataops.spc.ewma import ewma, ewma_limits, variance_factor
from dataops.spc.individuals import individuals_limits, moving_ranges

INDIVIDUALS = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]

EWMA_DATA = [52.0, 47.0, 53.0, 49.3, 50.1, 47.0, 51.0, 50.1, 51.2, 50.5,
             49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
# EWMA_1..EWMA_20 as printed to two decimals (EWMA_0 = 50.00).
EWMA_PRINTED = [50.60, 49.52, 50.56, 50.18, 50.16, 49.21, 49.75, 49.85, 50.26, 50.33,
                50.11, 49.36, 49.52, 50.05, 49.38, 49.92, 50.73, 51.23, 51.94, 51.99]

CUSUM_DATA = [324.93, 324.68, 324.73, 324.35, 325.35, 325.23, 324.13, 324.53, 325.23, 324.60,
              324.63, 325.15, 328.33, 327.25, 327.83, 328.50, 326.68, 327.78, 326.88, 328.35]
CUSUM_TARGET, CUSUM_S, CUSUM_K, CUSUM_H = 325.0, 1.27, 0.3175, 4.1959  # k, h in measurement units


def test_individuals_chart_section_6322():
    lim = individuals_limits(INDIVIDUALS)
    assert round(lim.centre, 2) == 50.81
    assert round(lim.mr_bar, 4) == 1.8778
    assert lim.n_screened == 0  # no moving range exceeds 3.5 x 1.8778
    assert round(lim.ucl, 4) == 55.8041
    assert round(lim.lcl, 4) == 45.8159
    assert lim.sigma == pytest.approx(1.8778 / 1.128, abs=1e-4)
    assert len(moving_ranges(INDIVIDUALS)) == 9


def test_individuals_chart_through_evaluate_point():
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(11)]
    history = [Point(d, v) for d, v in zip(days, INDIVIDUALS, strict=False)]
    # the handbook's phase-I limits: classic (the engine's default widens them for a 10-point baseline)
    cfg = MetricConfig(metric="nist_6322", min_baseline_points=10, baseline_window=10, limits="classic")
    inside = evaluate_point(history, Point(days[10], 55.80), cfg)
    assert round(inside.centre, 2) == 50.81
    assert round(inside.ucl, 4) == 55.8041 and round(inside.lcl, 4) == 45.8159
    assert inside.verdict == "in_control"
    outside = evaluate_point(history, Point(days[10], 55.81), cfg)
    assert outside.verdict == "critical" and [f.rule for f in outside.findings] == ["nelson_1"]


def test_ewma_chart_section_6324():
    lam, target, s = 0.3, 50.0, 2.0539
    values = ewma(EWMA_DATA, lam, target)
    assert np.round(values, 2).tolist() == EWMA_PRINTED
    lcl, ucl = ewma_limits(target, s, lam, width=3.0)
    # The printed limits are 50 +- 3 * 2.0539 * sqrt(0.3 / 1.7) (sqrt = 0.4201 as printed) ...
    half = 3 * s * math.sqrt(0.3 / 1.7)
    assert round(math.sqrt(0.3 / 1.7), 4) == 0.4201
    assert ucl == pytest.approx(target + half, abs=1e-12) and lcl == pytest.approx(target - half, abs=1e-12)
    # ... UCL 52.5884 (rounded) and LCL 47.4115 (the page truncates 47.41157 instead of rounding).
    assert round(ucl, 4) == 52.5884
    assert math.floor(lcl * 1e4) / 1e4 == 47.4115
    # "No point out": against the asymptotic and against the exact, time-varying limits.
    assert np.all((values > lcl) & (values < ucl))
    i = np.arange(1, len(EWMA_DATA) + 1)
    lo_i, hi_i = ewma_limits(target, s, lam, 3.0, i=i)
    assert np.all((values > lo_i) & (values < hi_i))
    # The time-varying factor converges to lambda / (2 - lambda) and starts at lambda^2.
    assert variance_factor(1, lam) == pytest.approx(lam**2)
    assert variance_factor(200, lam) == pytest.approx(lam / (2 - lam))


def test_cusum_section_6323_upper_signals_at_sample_14():
    x = np.array(CUSUM_DATA)
    # The handbook's k and h are in measurement units; with s = 1.27 they are k = 0.25 and
    # h = 3.3039 in sigma units. The CUSUM is scale invariant, so both forms give the same signals.
    assert CUSUM_K / CUSUM_S == pytest.approx(0.25)
    assert CUSUM_H / CUSUM_S == pytest.approx(3.3039, abs=1e-4)
    standardised = tabular_cusum((x - CUSUM_TARGET) / CUSUM_S, k=CUSUM_K / CUSUM_S, h=CUSUM_H / CUSUM_S)
    raw_units = tabular_cusum(x - CUSUM_TARGET, k=CUSUM_K, h=CUSUM_H)
    for res in (standardised, raw_units):
        first = int(np.argmax(res.signal_upper)) + 1  # 1-based sample number
        assert first == 14
        assert not res.signal_lower.any()
        assert res.signal_upper[13:].all()  # stays out of control to the end of the data
    # Upper sums in measurement units at samples 13 and 14: 3.33 - 0.3175 and then + 2.25 - 0.3175.
    assert raw_units.upper[12] == pytest.approx(3.0125, abs=1e-9)
    assert raw_units.upper[13] == pytest.approx(4.945, abs=1e-9)
    assert standardised.upper[13] * CUSUM_S == pytest.approx(4.945, abs=1e-9)
    assert raw_units.upper[:12].max() < CUSUM_H
