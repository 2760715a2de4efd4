"""The Shewhart scale of a metric: centre and sigma per point, and the standardised values z.

Individuals, EWMA and CUSUM charts share the individuals scale: ``z = (x - centre) / sigma`` with sigma
from the moving range of the baseline residuals. p and p' charts use the binomial scale of each batch,
``z = (p - centre) / (sqrt(centre (1 - centre) / n) * sigma_z)`` (sigma_z = 1 for a plain p-chart). All
run rules, the EWMA and the CUSUM work on z, so they are the same code for every chart type.

With adjusted limits (the default on individuals and Laney p' charts) sigma is multiplied by the factor of
:func:`dataops.spc.limits.limit_factor` for the tested batch (it depends on the baseline size and on the
tested batch's leverage in the centre model), and the baseline's z are divided by the same factor, so the
3-sigma limits and the 1- and 2-sigma zones of every run rule widen together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from dataops.spc.baseline import CentreModel, fit_centre
from dataops.spc.config import MetricConfig
from dataops.spc.individuals import moving_range_sigma
from dataops.spc.limits import hat_matrix, leverage, limit_factor, residual_share
from dataops.spc.models import Point
from dataops.spc.pchart import PChartBaseline, binomial_sigma, p_chart_baseline


def standardise(dev: float | np.ndarray, sigma: float | np.ndarray) -> np.ndarray:
    """``dev / sigma``, with 0 for a zero deviation and +-inf for a non-zero deviation when sigma is 0."""
    d, s = np.asarray(dev, dtype=float), np.asarray(sigma, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s > 0, d / np.where(s > 0, s, 1.0), np.where(d == 0, 0.0, np.sign(d) * np.inf))


@dataclass(frozen=True)
class Scale:
    """Phase-I scale fitted on the baseline (arrays aligned with the baseline points, oldest first)."""

    centre_model: CentreModel
    centres: np.ndarray
    sigmas: np.ndarray
    devs: np.ndarray
    z: np.ndarray
    sigma: float | None = None  # individuals scale: the single sigma
    p_chart: PChartBaseline | None = None  # p / p' scale
    stats: dict[str, Any] = field(default_factory=dict)
    adjust: _Adjustment | None = None  # adjusted limits: what the factor of a new point depends on

    def factor(self, batch_date: date, n: int | None = None) -> float:
        """Sigma multiplier of adjusted limits for a new point (1.0 with classic limits).

        :param batch_date: date of the point (its row in the centre model).
        :param n: its batch size (the weight of a p' chart point).
        """
        if self.adjust is None:
            return 1.0
        return self.adjust.factor(self.centre_model, batch_date, n)

    def at(self, batch_date: date, value: float, n: int | None) -> tuple[float, float, float, float] | None:
        """(centre, sigma, z, factor) of a new point; None when its weekday has no baseline centre.

        ``sigma`` already includes the adjusted-limits ``factor`` (1.0 with classic limits).

        :param batch_date: date of the point.
        :param value: its value.
        :param n: its batch size (p-charts).
        """
        centre = self.centre_model.centre_for(batch_date)
        if centre is None:
            return None
        if self.p_chart is not None:
            if n is None:
                raise ValueError(f"p-chart point {batch_date} has no batch size n")
            sigma = float(binomial_sigma(centre, n)) * self.p_chart.sigma_z
        else:
            assert self.sigma is not None  # the individuals scale always has its single sigma
            sigma = float(self.sigma)
        factor = self.factor(batch_date, n)
        sigma *= factor
        return centre, sigma, float(standardise(value - centre, sigma)), factor


@dataclass(frozen=True)
class _Adjustment:
    """What the adjusted-limits factor of a new point depends on (see :mod:`dataops.spc.limits`)."""

    design: np.ndarray  # the baseline's design matrix in the centre model
    weights: np.ndarray | None
    n_ranges: int
    share: float
    screened: bool

    def factor(self, model: CentreModel, batch_date: date, n: int | None) -> float:
        x_new, _ = model.design([batch_date])
        w_new = None if self.weights is None or n is None else float(n)
        h = leverage(self.design, x_new[0], self.weights, w_new)
        return limit_factor(self.n_ranges, h, self.share, self.screened)


#: Fewest moving ranges, and smallest residual share, the adjustment is computed from (below: learning).
MIN_ADJUSTED_RANGES = 4
MIN_RESIDUAL_SHARE = 0.2


def _adjustment(cfg: MetricConfig, model: CentreModel, dates: list[date], weights: np.ndarray | None,
                n_ranges: int, screened: bool) -> _Adjustment | None:
    if not cfg.adjusts_limits or n_ranges < MIN_ADJUSTED_RANGES:
        return None  # a handful of points: still learning; classic limits keep the drawn bands readable
    x, _ = model.design(dates)
    share = residual_share(hat_matrix(x, weights))
    if share < MIN_RESIDUAL_SHARE:
        return None  # e.g. one point per weekday: the centre model leaves no noise to estimate sigma from
    return _Adjustment(design=x, weights=weights, n_ranges=n_ranges, share=share, screened=screened)


def fit_scale(cfg: MetricConfig, points: tuple[Point, ...] | list[Point]) -> Scale:
    """Fit centre and sigma on baseline points (at least two, oldest first).

    :param cfg: the metric's configuration (chart type, seasonality, screening).
    :param points: the baseline points.
    """
    if len(points) < 2:
        raise ValueError("a baseline needs at least two points")
    x = np.array([p.value for p in points], dtype=float)
    dates = [p.batch_date for p in points]
    if cfg.is_p_chart:
        n = np.array([p.n for p in points], dtype=float)
        return _fit_p_scale(cfg, x, n, dates)
    model = fit_centre(x, dates, cfg.seasonality, trend=cfg.trend)
    centres = np.array([model.centre_for(d) for d in dates], dtype=float)
    devs = x - centres
    mrs = moving_range_sigma(devs, screen=cfg.mr_screening)
    sigmas = np.full(x.shape, mrs.sigma)
    adjust = _adjustment(cfg, model, dates, None, mrs.n_ranges, cfg.mr_screening and mrs.mr_bar > 0)
    return Scale(centre_model=model, centres=centres, sigmas=sigmas, devs=devs, z=standardise(devs, sigmas),
                 sigma=mrs.sigma, stats={"mr_bar": mrs.mr_bar, "mr_screened": mrs.n_screened}, adjust=adjust)


def _fit_p_scale(cfg: MetricConfig, x: np.ndarray, n: np.ndarray, dates: list[date]) -> Scale:
    """The p / p' scale: centres weighted by batch size, Laney's sigma_z from the moving range of z."""
    model = fit_centre(x, dates, cfg.seasonality, weights=n, trend=cfg.trend)
    centres = np.array([model.centre_for(d) for d in dates], dtype=float)
    pc = p_chart_baseline(x, n, laney=cfg.chart == "laney_p", centre=centres, screen=cfg.mr_screening)
    sigmas = binomial_sigma(centres, n) * pc.sigma_z
    devs = x - centres
    stats = {"p_bar": pc.p_bar}
    adjust = None
    if pc.laney:
        stats["sigma_z"] = pc.sigma_z
        adjust = _adjustment(cfg, model, dates, n, pc.n_ranges, cfg.mr_screening)
    return Scale(centre_model=model, centres=centres, sigmas=np.asarray(sigmas, dtype=float), devs=devs,
                 z=standardise(devs, sigmas), p_chart=pc, stats=stats, adjust=adjust)
