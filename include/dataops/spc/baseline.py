"""Phase-I baseline: which prior batches are used, and the centre line (overall or per weekday).

Selection: the ``baseline_window`` most recent batches strictly before the batch under test (so the
tested batch, and any later batch of a back-fill, is never part of its own baseline), minus every batch
whose status is ``out_of_control`` or ``known_bad``. ``false_positive`` (an alert judged harmless) and
``in_baseline`` batches are used. Excluded batches are reported with their status.

Weekly rhythm: with ``seasonality: weekday`` the centre of a batch is the mean of the baseline batches of
the same day of week (a seasonal-means model); sigma then comes from the moving range of the residuals
``x - centre(weekday)`` in time order, i.e. a residual control chart (Montgomery, *Introduction to SQC*,
section 10.4; Alwan & Roberts, 1988, J. Business & Economic Statistics 6(1)). Seasonal means were chosen
over STL (statsmodels) because the baseline has holes where batches were excluded and STL needs a
regular series of at least two full periods; the seasonal means are exact with gaps, cheap, and easy to
explain in an alert ("Mondays average 1.2 M rows"). Residuals from means estimated on the same window
are slightly less variable than the noise (factor (m-1)/m per weekday with m points): negligible for
the 8-9 points per weekday of a 60-batch window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from dataops.spc.models import EXCLUDED_STATUSES, ExcludedPoint, Point
from dataops.spc.trend import TrendFit, design_matrix, fit_trend, trend_fits

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class BaselineSelection:
    """The baseline of one evaluation.

    :param points: batches used, oldest first.
    :param excluded: batches of the window left out, with their status.
    :param ignored: history batches on or after the tested batch date (never used).
    """

    points: tuple[Point, ...]
    excluded: tuple[ExcludedPoint, ...]
    ignored: int = 0


def select_baseline(history: Iterable[Point], batch_date: date, window: int) -> BaselineSelection:
    """Pick the baseline of the batch of ``batch_date`` from the metric's history.

    :param history: earlier evaluations of the metric, any order, each with its status.
    :param batch_date: date of the batch under test.
    :param window: number of most recent prior batches to consider (before exclusions).
    :raises ValueError: when a prior batch date appears twice.
    """
    history = list(history)
    prior = sorted((p for p in history if p.batch_date < batch_date), key=lambda p: p.batch_date)
    seen: set[date] = set()
    for p in prior:
        if p.batch_date in seen:
            raise ValueError(f"history has two points for batch_date {p.batch_date}")
        seen.add(p.batch_date)
    in_window = prior[-window:] if window > 0 else []
    used = tuple(p for p in in_window if p.status not in EXCLUDED_STATUSES)
    excluded = tuple(ExcludedPoint(p.batch_date, p.status) for p in in_window if p.status in EXCLUDED_STATUSES)
    return BaselineSelection(points=used, excluded=excluded, ignored=len(history) - len(prior))


@dataclass(frozen=True)
class CentreModel:
    """Centre line: one overall (weighted) mean, or one mean per weekday.

    :param overall: weighted mean of all baseline values.
    :param by_weekday: weekday (0 = Monday) -> weighted mean; empty without seasonality.
    :param counts: weekday -> number of baseline points.
    :param trend: the linear trend (+ weekday) regression when the metric has ``trend: linear``.
    """

    overall: float
    by_weekday: Mapping[int, float] = field(default_factory=dict)
    counts: Mapping[int, int] = field(default_factory=dict)
    trend: TrendFit | None = None

    @property
    def seasonal(self) -> bool:
        return bool(self.by_weekday)

    def centre_for(self, d: date) -> float | None:
        """Centre of a batch date (None when its weekday has no baseline point)."""
        if self.trend is not None:
            return self.trend.predict(d)
        if not self.seasonal:
            return self.overall
        return self.by_weekday.get(d.weekday())

    def describe(self) -> dict[str, float]:
        """Weekday name -> centre (and the trend's slope per day), for reports."""
        out = {WEEKDAYS[wd]: c for wd, c in sorted(self.by_weekday.items())}
        if self.trend is not None:  # the weekday effects of the regression (at the first baseline day) + slope
            weekdays = self.trend.weekdays or tuple(sorted(self.by_weekday))
            out = {WEEKDAYS[wd]: p for wd, p in zip(weekdays, self.trend.params[:-1], strict=False)}
            out["slope_per_day"] = self.trend.slope
        return out

    def design(self, dates: list[date]) -> tuple[np.ndarray, list[int]]:
        """Design matrix of the model over ``dates`` and its weekday columns (see :func:`design_matrix`)."""
        origin = self.trend.origin if self.trend is not None else (dates[0] if dates else date.min)
        weekdays = sorted(self.counts) if self.seasonal else None
        return design_matrix(dates, weekdays=weekdays, trend=self.trend is not None, origin=origin)


def fit_centre(values: np.ndarray | list[float], dates: list[date], seasonality: str = "none",
               weights: np.ndarray | list[float] | None = None, trend: str = "none") -> CentreModel:
    """Fit the centre line on baseline values.

    :param values: baseline values.
    :param dates: their batch dates.
    :param seasonality: ``none`` or ``weekday``.
    :param weights: per-point weights (batch sizes for p-charts, so that centres are pooled proportions).
    :param trend: ``none`` or ``linear`` (a straight line through time, plus the weekday effects).
    """
    x = np.asarray(values, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    overall = float((x * w).sum() / w.sum())
    if seasonality != "weekday":
        fit = fit_trend(x, dates, weekday=False, weights=w) if trend == "linear" and trend_fits(x.size, False) else None
        return CentreModel(overall=overall, trend=fit)
    wd = np.array([d.weekday() for d in dates])
    by_wd: dict[int, float] = {}
    counts: dict[int, int] = {}
    for day in sorted(set(wd.tolist())):
        sel = wd == day
        by_wd[day] = float((x[sel] * w[sel]).sum() / w[sel].sum())
        counts[day] = int(sel.sum())
    fit = fit_trend(x, dates, weekday=True, weights=w) if trend == "linear" and trend_fits(x.size, True) else None
    return CentreModel(overall=overall, by_weekday=by_wd, counts=counts, trend=fit)
