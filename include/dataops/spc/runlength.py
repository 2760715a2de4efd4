"""Run-length simulation of the engine: false-alarm rates and ARLs of its charts, vectorised.

:func:`simulate_limits` computes, for thousands of simulated baselines at once, the centre and limits that
:func:`dataops.spc.evaluate_point` computes for one: the same centre model (plain, weekday and/or linear
trend, as a least-squares fit on the same design matrix; weighted by batch size on p' charts), the same
moving-range estimator (:func:`dataops.spc.individuals.moving_range_rows`, the engine's own code) and the
same adjusted-limits factor (:mod:`dataops.spc.limits`). ``tests/unit/spc/test_spc_run_length.py`` checks
the two agree to 1e-9 on random baselines, so a rate simulated here is the engine's rate.

The gate re-estimates its limits every day from a rolling window; over a long run the share of in-control
batches it flags is the probability that a fresh baseline and the next point give an alarm. That
probability is what :func:`alarm_rate` estimates (each simulated row is an independent baseline and its
next point), and its inverse is the in-control ARL ("one false alarm every ARL batches").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from dataops.spc.config import MetricConfig
from dataops.spc.individuals import D2, moving_range_rows
from dataops.spc.limits import hat_matrix, leverage, limit_factors, projection, residual_share
from dataops.spc.pchart import binomial_sigma, raw_z
from dataops.spc.trend import design_matrix, trend_fits

#: A Monday: simulated baselines start here, one batch a day.
START = date(2026, 1, 5)


@dataclass(frozen=True)
class SimulatedLimits:
    """Centre and limits of the tested point of every simulated baseline (one entry per row)."""

    centre: np.ndarray
    ucl: np.ndarray
    lcl: np.ndarray


@dataclass(frozen=True)
class RateEstimate:
    """A simulated alarm probability with its binomial standard error.

    :param alarms: number of rows whose tested point was beyond the limits.
    :param runs: number of rows simulated.
    """

    alarms: int
    runs: int

    @property
    def rate(self) -> float:
        return self.alarms / self.runs

    @property
    def se(self) -> float:
        p = max(self.rate, 1.0 / self.runs)
        return math.sqrt(p * (1 - p) / self.runs)

    @property
    def arl(self) -> float:
        """In-control ARL: batches per false alarm (``inf`` when none was seen)."""
        return self.runs / self.alarms if self.alarms else math.inf


def baseline_dates(m: int, start: date = START) -> list[date]:
    """``m`` consecutive daily batch dates followed by the tested date."""
    return [start + timedelta(days=i) for i in range(m + 1)]


def _design(cfg: MetricConfig, dates: list[date]) -> tuple[np.ndarray, np.ndarray]:
    """Design matrix of the baseline dates and the tested date's row (the engine's centre model)."""
    base = dates[:-1]
    weekdays = sorted({d.weekday() for d in base}) if cfg.seasonality == "weekday" else None
    trend = cfg.trend == "linear" and trend_fits(len(base), weekdays is not None)
    x, _ = design_matrix(dates, weekdays=weekdays, trend=trend, origin=base[0])
    return x[:-1], x[-1]


def simulate_limits(cfg: MetricConfig, values: np.ndarray, dates: list[date], n: np.ndarray | None = None
                    ) -> SimulatedLimits:
    """Limits of the last column of ``values`` from a baseline of the other columns, row by row.

    :param cfg: the metric's configuration (``individuals`` or ``laney_p``; seasonality, trend, limits,
        screening).
    :param values: one series per row: ``m`` baseline values then the tested value.
    :param dates: the ``m + 1`` batch dates of the columns.
    :param n: batch sizes of the columns (p' charts), shared by every row.
    """
    if cfg.chart not in ("individuals", "laney_p"):
        raise ValueError(f"run lengths are simulated for individuals and laney_p charts, not {cfg.chart!r}")
    if cfg.seasonality == "weekday" and dates[-1].weekday() not in {d.weekday() for d in dates[:-1]}:
        raise ValueError("a weekday centre needs the tested weekday in the baseline")
    x, x_new = _design(cfg, dates)
    base = values[:, :-1]
    w = None if n is None else np.asarray(n[:-1], dtype=float)
    beta = base @ projection(x, w).T  # the least-squares fit of every row at once
    centres, centre_new = beta @ x.T, beta @ x_new
    if cfg.chart == "laney_p":
        assert n is not None, "a p' chart needs batch sizes"
        resid = raw_z(base, n[:-1][None, :], centres)
        unit = binomial_sigma(centre_new, n[-1])
    else:
        resid = base - centres
        unit = np.ones(values.shape[0])
    mr_bar, n_ranges = moving_range_rows(np.abs(np.diff(resid, axis=1)), screen=cfg.mr_screening)
    sigma = mr_bar / D2 * unit
    if cfg.adjusts_limits:  # baselines of 20+ points: never below the engine's minimums (MIN_ADJUSTED_RANGES)
        h = leverage(x, x_new, w, None if n is None else float(n[-1]))
        share = residual_share(hat_matrix(x, w))
        screened = cfg.mr_screening if cfg.chart == "laney_p" else cfg.mr_screening & (mr_bar > 0)
        sigma = sigma * np.where(screened, limit_factors(n_ranges, h, share, True),
                                 limit_factors(n_ranges, h, share, False))
    ucl, lcl = centre_new + 3.0 * sigma, centre_new - 3.0 * sigma
    if cfg.is_p_chart:
        ucl, lcl = np.minimum(1.0, ucl), np.maximum(0.0, lcl)
    return SimulatedLimits(centre=centre_new, ucl=ucl, lcl=lcl)


def alarm_rate(cfg: MetricConfig, m: int, runs: int, seed: int, *, shift: float = 0.0, chunk: int = 100_000,
               batch_size: int = 1_000_000, rate: float = 0.004, overdispersion: float = 0.05) -> RateEstimate:
    """Probability that a baseline of ``m`` in-control batches flags the next batch (Nelson 1).

    Individuals charts: N(0, 1) batches, the tested one shifted by ``shift`` sigmas. Laney p' charts:
    batches of 0.8 to 1.2 x ``batch_size`` rows whose true rate varies from day to day by ``overdispersion``
    (relative standard deviation at ``batch_size``, scaling like the binomial sigma with the batch size as
    Laney's model assumes), the tested one shifted by ``shift`` of that day-to-day sigma.

    :param cfg: the metric configuration simulated.
    :param m: baseline points.
    :param runs: simulated baselines (rows).
    :param seed: random seed.
    :param shift: shift of the tested batch, in sigmas.
    :param chunk: rows simulated at once (memory).
    :param batch_size: mean rows per batch (p' charts).
    :param rate: in-control proportion (p' charts).
    :param overdispersion: relative day-to-day standard deviation of the true proportion (p' charts).
    """
    rng = np.random.default_rng(seed)
    dates = baseline_dates(m)
    n = rng.integers(int(batch_size * 0.8), int(batch_size * 1.2), size=m + 1) if cfg.is_p_chart else None
    alarms = 0
    for start in range(0, runs, chunk):
        rows = min(chunk, runs - start)
        if n is None:
            values = rng.standard_normal((rows, m + 1))
            values[:, -1] += shift
        else:
            # Laney's model: the day-to-day variation scales with the binomial one (sqrt(mean n / n_i))
            between = overdispersion * rate * np.sqrt(batch_size / n)[None, :]
            true = rate + between * rng.standard_normal((rows, m + 1))
            true[:, -1] += shift * between[0, -1]
            values = rng.binomial(n[None, :], np.clip(true, 0.0, 1.0)) / n[None, :]
        lim = simulate_limits(cfg, values, dates, n)
        alarms += int(((values[:, -1] > lim.ucl) | (values[:, -1] < lim.lcl)).sum())
    return RateEstimate(alarms=alarms, runs=runs)
