"""Run lengths of the engine itself, simulated (vectorised, seeded), against nominal rates and published tables.

* Shewhart charts as the gate uses them (phase-I baseline of m points, moving-range sigma with the screen,
  weekday centre and trend where configured, Nelson 1): the share of in-control batches flagged must be the
  nominal p0 = 1 / 370.4 with the adjusted limits (:mod:`dataops.spc.limits`), whatever m; with classic
  limits it is several times higher (the problem the adjustment solves).
* Detection: ARL at 1 and 2 sigma shifts against the adjusted limits' own model
  (:func:`dataops.spc.limits.alarm_probability`).
* CUSUM (k = 0.5, h = 5) and EWMA (lambda = 0.2, L = 3) against Montgomery's Table 9.3 (after Lucas & Crosier
  1982) and a Brook-Evans Markov chain of the EWMA with the engine's exact limits (Lucas & Saccucci 1990).

Bands: a simulated rate is compared with its target within 4 binomial standard errors plus the stated model
tolerance; :mod:`dataops.spc.runlength` is first shown to compute exactly the limits ``evaluate_point`` does.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from dataops.spc import MetricConfig, Point, evaluate_point
from dataops.spc.cusum import tabular_cusum
from dataops.spc.ewma import ewma, variance_factor
from dataops.spc.limits import P0, alarm_probability, limit_factor
from dataops.spc.runlength import alarm_rate, baseline_dates, simulate_limits

RUNS = 200_000  # ~540 expected alarms at p0: binomial SE ~4.3 % of the rate
#: The adjusted limits rest on two approximations (Patnaik's chi for the moving-range estimator and the
#: residual share of seasonal centres): the simulated rate stays within 20 % of nominal (ARL 310-460),
#: against 2x to 15x with classic limits.
MODEL_TOLERANCE = 0.20
BASE = {"metric": "x", "min_baseline_points": 10, "baseline_window": 365}


def _cfg(**kw) -> MetricConfig:
    return MetricConfig(**BASE, **kw)


@pytest.mark.parametrize("kw", [{}, {"seasonality": "weekday"}, {"trend": "linear"},
                                {"seasonality": "weekday", "trend": "linear"}, {"limits": "classic"},
                                {"chart": "laney_p"}, {"chart": "laney_p", "seasonality": "weekday"}])
def test_simulated_limits_are_the_engines_limits(kw):
    cfg, m = _cfg(**kw), 45
    rng = np.random.default_rng(3)
    dates = baseline_dates(m)
    n = rng.integers(800_000, 1_200_000, size=m + 1) if cfg.is_p_chart else None
    if n is None:
        values = 100 + 5 * rng.standard_normal((12, m + 1)) + np.arange(m + 1) * 0.1
    else:
        values = rng.binomial(n[None, :], 0.004 * (1 + 0.05 * rng.standard_normal((12, m + 1)))) / n[None, :]
    lim = simulate_limits(cfg, values, dates, n)
    for i in range(values.shape[0]):
        size = (lambda j: None) if n is None else (lambda j: int(n[j]))
        hist = [Point(d, float(values[i, j]), size(j)) for j, d in enumerate(dates[:-1])]
        ev = evaluate_point(hist, Point(dates[-1], float(values[i, -1]), size(m)), cfg)
        assert ev.ucl == pytest.approx(lim.ucl[i], rel=1e-9) and ev.lcl == pytest.approx(lim.lcl[i], rel=1e-9)
        assert ev.centre == pytest.approx(lim.centre[i], rel=1e-9)


def _within(rate: float, se: float, target: float, tolerance: float) -> bool:
    return abs(rate - target) <= 4 * se + tolerance * target


@pytest.mark.parametrize("m", [20, 30, 60])
def test_individuals_false_alarm_rate_is_nominal_with_adjusted_limits(m):
    adjusted = alarm_rate(_cfg(), m, RUNS, seed=m)
    classic = alarm_rate(_cfg(limits="classic"), m, RUNS, seed=m)
    assert _within(adjusted.rate, adjusted.se, P0, MODEL_TOLERANCE), (m, adjusted.arl)
    # classic limits: the estimation error of m points doubles (m = 60) to quintuples (m = 20) false alarms,
    # as the adjusted limits' model predicts
    expected = alarm_probability(0.0, m - 1, 1 / m, 3.0)
    assert classic.rate > 2 * P0
    assert _within(classic.rate, classic.se, expected, 0.15), (m, classic.arl, 1 / expected)


@pytest.mark.parametrize("kw", [{"seasonality": "weekday"}, {"seasonality": "weekday", "trend": "linear"}])
def test_weekday_and_trend_centres_keep_the_nominal_rate(kw):
    """The gate's row_count: 60 batches, weekday centre (8-9 points each), optionally a linear trend."""
    adjusted = alarm_rate(_cfg(**kw), 60, RUNS, seed=61)
    classic = alarm_rate(_cfg(limits="classic", **kw), 60, RUNS, seed=61)
    assert _within(adjusted.rate, adjusted.se, P0, MODEL_TOLERANCE), adjusted.arl
    assert classic.rate > 4 * P0, classic.arl  # 1 in ~75: the weekday mean of 8 points is itself uncertain


@pytest.mark.parametrize("m", [20, 60])
def test_laney_p_chart_false_alarm_rate_with_large_batches(m):
    """0.8-1.2 million-row batches whose fraud rate (0.4 %) varies 5 % from day to day (overdispersion)."""
    kw = {"batch_size": 1_000_000, "rate": 0.004, "overdispersion": 0.05}
    adjusted = alarm_rate(_cfg(chart="laney_p"), m, RUNS, seed=100 + m, **kw)
    classic = alarm_rate(_cfg(chart="laney_p", limits="classic"), m, RUNS, seed=100 + m, **kw)
    assert _within(adjusted.rate, adjusted.se, P0, MODEL_TOLERANCE), adjusted.arl
    assert classic.rate > 1.5 * P0, classic.arl


@pytest.mark.parametrize(("shift", "known_sigma_arl"), [(1.0, 43.9), (2.0, 6.3)])
def test_detection_at_one_and_two_sigma_shifts(shift, known_sigma_arl):
    """ARL of a shifted batch, 60-point baseline: the model's value; slower than with a known sigma
    (Montgomery: 43.9 and 6.3), the price of 370 in control with an estimated sigma."""
    m = 60
    sim = alarm_rate(_cfg(), m, 40_000, seed=7, shift=shift)
    model = alarm_probability(shift, m - 1, 1 / m, 3.0 * limit_factor(m - 1, 1 / m))
    assert _within(sim.rate, sim.se, model, 0.05), (sim.arl, 1 / model)
    assert sim.arl > known_sigma_arl


def _first_signal(signal: np.ndarray) -> np.ndarray:
    assert signal.any(axis=1).all(), "every run must signal within the simulated horizon"
    return signal.argmax(axis=1) + 1


def test_cusum_in_control_run_length_h5_is_465():
    """Montgomery Table 9.3: k = 0.5, h = 5 -> ARL0 465 (run lengths ~ geometric: 800 runs, SE ~ 16)."""
    z = np.random.default_rng(465).standard_normal(size=(800, 6000))
    rl = _first_signal(tabular_cusum(z, 0.5, 5.0).signal)
    se = rl.std(ddof=1) / math.sqrt(rl.size)
    assert abs(rl.mean() - 465) < 4 * se, (rl.mean(), se)


def _ewma_arl_markov(lam: float, width: float, shift: float, cells: int = 301, horizon: int = 20_000) -> float:
    """Zero-state ARL of a two-sided EWMA with the exact (time-varying) limits, Brook-Evans Markov chain."""
    edge = width * math.sqrt(lam / (2 - lam))
    bounds = np.linspace(-edge, edge, cells + 1)
    mid = (bounds[:-1] + bounds[1:]) / 2
    upper = stats.norm.cdf((bounds[None, 1:] - (1 - lam) * mid[:, None]) / lam - shift)
    lower = stats.norm.cdf((bounds[None, :-1] - (1 - lam) * mid[:, None]) / lam - shift)
    step = upper - lower
    state = np.zeros(cells)
    state[cells // 2] = 1.0
    arl, t = 1.0, 1
    while t < horizon:
        state = state @ step
        state[np.abs(mid) > width * math.sqrt(variance_factor(t, lam))] = 0.0
        survive = state.sum()
        arl += survive
        if survive < 1e-9:
            break
        t += 1
    return arl


@pytest.mark.parametrize(("shift", "runs", "horizon"), [(0.0, 1200, 5000), (1.0, 4000, 200)])
def test_ewma_run_length_matches_the_markov_chain(shift, runs, horizon):
    """lambda = 0.2, L = 3 with the engine's exact limits: ARL0 ~ 550 (Lucas & Saccucci's asymptotic-limit
    design gives 558), about 10 at a 1-sigma shift."""
    lam, width = 0.2, 3.0
    z = np.random.default_rng(int(shift * 10) + 2).normal(shift, 1.0, size=(runs, horizon))
    e = ewma(z, lam, 0.0)
    limit = width * np.sqrt(variance_factor(np.arange(1, horizon + 1), lam))
    rl = _first_signal(np.abs(e) > limit[None, :])
    expected = _ewma_arl_markov(lam, width, shift)
    se = rl.std(ddof=1) / math.sqrt(rl.size)
    assert abs(rl.mean() - expected) < 4 * se + 0.01 * expected, (rl.mean(), expected, se)
