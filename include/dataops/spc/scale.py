"""The Shewhart scale of a metric: centre and sigma per point, and the standardised values z.

Individuals, EWMA and CUSUM charts share the individuals scale: ``z = (x - centre) / sigma`` with sigma
from the moving range of the baseline residuals. p and p' charts use the binomial scale of each batch,
``z = (p - centre) / (sqrt(centre (1 - centre) / n) * sigma_z)`` (sigma_z = 1 for a plain p-chart). All
run rules, the EWMA and the CUSUM work on z, so they are the same code for every chart type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from dataops.spc.baseline import CentreModel, fit_centre
from dataops.spc.config import MetricConfig
from dataops.spc.individuals import moving_range_sigma
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

    def at(self, batch_date: date, value: float, n: int | None) -> tuple[float, float, float] | None:
        """(centre, sigma, z) of a new point; None when its weekday has no baseline centre.

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
        return centre, sigma, float(standardise(value - centre, sigma))


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
        model = fit_centre(x, dates, cfg.seasonality, weights=n)
        centres = np.array([model.centre_for(d) for d in dates], dtype=float)
        pc = p_chart_baseline(x, n, laney=cfg.chart == "laney_p", centre=centres, screen=cfg.mr_screening)
        sigmas = binomial_sigma(centres, n) * pc.sigma_z
        devs = x - centres
        stats = {"p_bar": pc.p_bar}
        if pc.laney:
            stats["sigma_z"] = pc.sigma_z
        return Scale(centre_model=model, centres=centres, sigmas=np.asarray(sigmas, dtype=float), devs=devs,
                     z=standardise(devs, sigmas), p_chart=pc, stats=stats)
    model = fit_centre(x, dates, cfg.seasonality)
    centres = np.array([model.centre_for(d) for d in dates], dtype=float)
    devs = x - centres
    mrs = moving_range_sigma(devs, screen=cfg.mr_screening)
    sigmas = np.full(x.shape, mrs.sigma)
    return Scale(centre_model=model, centres=centres, sigmas=sigmas, devs=devs, z=standardise(devs, sigmas),
                 sigma=mrs.sigma, stats={"mr_bar": mrs.mr_bar, "mr_screened": mrs.n_screened})
