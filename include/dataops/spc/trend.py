"""Trend-aware centre lines: a straight line through the baseline, plus the weekday effects.

A growing business lands more rows every month and a yearly season bends the curve: a flat centre (the
mean of the last 60 batches) lags the current level by about half the window, so a steady growth turns
into a run of points above the centre (Nelson 2) and, in the steep part of a season, beyond the limits.
With ``trend: linear`` the centre of a batch is the prediction of a weighted least-squares regression
fitted on the clean baseline only (excluded batches are not in it)::

    value ~ weekday effects (or one intercept) + slope * days since the first baseline batch

fitted with statsmodels' WLS (weights: batch sizes on p-charts). A line fitted on a 60-day window is a
local approximation of a yearly season as well, so trend + weekday follows both; the simulated year of
``bench/bench_gate_year.py`` shows it is needed (without it the growing volume alarms) and sufficient.
Unlike STL or Holt-Winters, the regression needs no regular series: the baseline may have holes where
batches were excluded. Its extra parameter costs a little precision, which the adjusted limits of
:mod:`dataops.spc.limits` account for through the leverage of the tested point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

#: Fewest baseline points a trend is fitted on (beyond the weekday effects); below, the centre is flat.
MIN_TREND_POINTS = 10


def design_matrix(dates: Sequence[date], *, weekdays: Sequence[int] | None, trend: bool, origin: date
                  ) -> tuple[np.ndarray, list[int]]:
    """Design matrix of a centre model over ``dates``.

    Columns: one indicator per weekday in ``weekdays`` (or a single intercept when None), then, with
    ``trend``, the days since ``origin``. A date whose weekday is not a column gets an all-zero indicator.

    :param dates: batch dates, one row each.
    :param weekdays: weekday columns (0 = Monday), or None for an intercept.
    :param trend: add the time column.
    :param origin: day 0 of the time column.
    :returns: the matrix and its weekday columns (empty list for an intercept).
    """
    cols = list(weekdays) if weekdays is not None else []
    n = len(dates)
    parts = []
    if cols:
        wd = np.array([d.weekday() for d in dates])
        parts.append((wd[:, None] == np.array(cols)[None, :]).astype(float))
    else:
        parts.append(np.ones((n, 1)))
    if trend:
        parts.append(np.array([(d - origin).days for d in dates], dtype=float)[:, None])
    return np.hstack(parts), cols


@dataclass(frozen=True)
class TrendFit:
    """A fitted trend (+ weekday) centre model.

    :param params: regression coefficients (weekday effects or intercept, then the slope per day).
    :param weekdays: weekday columns (empty: one intercept).
    :param origin: day 0 of the time axis (the first baseline batch).
    """

    params: tuple[float, ...]
    weekdays: tuple[int, ...]
    origin: date

    @property
    def slope(self) -> float:
        """Change of the centre per day."""
        return self.params[-1]

    def predict(self, d: date) -> float | None:
        """Centre of a batch date; None when its weekday has no baseline point."""
        if self.weekdays and d.weekday() not in self.weekdays:
            return None
        x, _ = design_matrix([d], weekdays=self.weekdays or None, trend=True, origin=self.origin)
        return float(x[0] @ np.asarray(self.params))


def trend_fits(n_points: int, weekday: bool) -> bool:
    """Whether a baseline of ``n_points`` is long enough for a trend: at least 10 points and 3 more than the
    parameters (11 with weekday effects)."""
    return n_points >= max(MIN_TREND_POINTS, (8 if weekday else 2) + 3)


def fit_trend(values: np.ndarray, dates: Sequence[date], *, weekday: bool,
              weights: np.ndarray | None = None) -> TrendFit:
    """Fit ``value ~ weekday effects (or intercept) + slope * t`` by weighted least squares (statsmodels).

    :param values: baseline values, oldest first.
    :param dates: their batch dates.
    :param weekday: one effect per weekday instead of a single intercept.
    :param weights: per-point weights (None: ordinary least squares).
    """
    import statsmodels.api as sm  # heavy: imported only when a metric has a trend

    weekdays = sorted({d.weekday() for d in dates}) if weekday else None
    x, cols = design_matrix(dates, weekdays=weekdays, trend=True, origin=dates[0])
    w = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=float)
    result = sm.WLS(np.asarray(values, dtype=float), x, weights=w).fit()
    return TrendFit(params=tuple(float(p) for p in result.params), weekdays=tuple(cols), origin=dates[0])
