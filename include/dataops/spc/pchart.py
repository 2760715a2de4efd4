"""p-chart for rates and Laney's p' chart for large batches.

Plain p-chart: ``p_bar = sum(x_i) / sum(n_i)`` (weighted by batch size) and per-point limits
``p_bar +- 3 sqrt(p_bar (1 - p_bar) / n_i)`` (Montgomery, *Introduction to SQC*, section 7.2).

With very large batches (millions of transactions a day) the binomial sigma is tiny and the day-to-day
variation of the true rate dominates (overdispersion): a plain p-chart then flags most days. Laney's p'
chart (D. B. Laney, 2002, "Improved control charts for attributes", Quality Engineering 14(4), 531-537)
standardises each point, ``z_i = (p_i - p_bar) / sigma_p_i``, measures the between-batch variation of
the z-scores with a moving range, ``sigma_z = MR_bar(z) / 1.128``, and widens every limit by it:
``p_bar +- 3 sigma_p_i sigma_z``. With equal batch sizes the p' chart is exactly an individuals chart of
the proportions. Here the moving ranges of z get the same 3.5 x MR_bar screen as the individuals chart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dataops.spc.individuals import moving_range_sigma


@dataclass(frozen=True)
class PChartBaseline:
    """Phase-I estimates of a p or p' chart.

    :param p_bar: pooled proportion of the baseline.
    :param sigma_z: Laney's between-batch factor (1.0 for a plain p-chart).
    :param laney: whether ``sigma_z`` was estimated (p' chart).
    :param n_ranges: moving ranges of z behind ``sigma_z`` after the screen (0 for a plain p-chart).
    """

    p_bar: float
    sigma_z: float
    laney: bool
    n_ranges: int = 0

    def sigma(self, n: int | float, centre: float | None = None) -> float:
        """Sigma of a proportion from a batch of size ``n``: ``sqrt(c (1 - c) / n) * sigma_z``.

        :param n: batch size.
        :param centre: proportion to use instead of ``p_bar`` (a weekday centre, for instance).
        """
        c = self.p_bar if centre is None else centre
        return float(binomial_sigma(c, n)) * self.sigma_z

    def limits(self, n: int | float, centre: float | None = None, width: float = 3.0) -> tuple[float, float]:
        """(LCL, UCL) for a batch of size ``n``, clipped to [0, 1]."""
        c = self.p_bar if centre is None else centre
        s = self.sigma(n, c)
        return max(0.0, c - width * s), min(1.0, c + width * s)


def binomial_sigma(p: float | np.ndarray, n: int | float | np.ndarray | list[float]) -> np.ndarray | float:
    """``sqrt(p (1 - p) / n)``.

    :param p: proportion(s).
    :param n: batch size(s), positive.
    """
    return np.sqrt(np.asarray(p, dtype=float) * (1.0 - np.asarray(p, dtype=float)) / np.asarray(n, dtype=float))


def pooled_proportion(p: np.ndarray | list[float], n: np.ndarray | list[float]) -> float:
    """``sum(p_i n_i) / sum(n_i)``: the batch-size-weighted mean proportion."""
    p_arr, n_arr = np.asarray(p, dtype=float), np.asarray(n, dtype=float)
    return float((p_arr * n_arr).sum() / n_arr.sum())


def raw_z(p: np.ndarray | list[float], n: np.ndarray | list[float], centre: np.ndarray | float) -> np.ndarray:
    """Binomial z-scores ``(p_i - c_i) / sqrt(c_i (1 - c_i) / n_i)``; +-inf where the centre is 0 or 1.

    :param p: proportions.
    :param n: batch sizes.
    :param centre: centre proportion(s), scalar or one per point.
    """
    p_arr = np.asarray(p, dtype=float)
    s = np.broadcast_to(binomial_sigma(centre, n), p_arr.shape)
    dev = p_arr - np.broadcast_to(np.asarray(centre, dtype=float), p_arr.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, dev / np.where(s > 0, s, 1.0), np.where(dev == 0, 0.0, np.sign(dev) * np.inf))
    return z


def p_chart_baseline(p: np.ndarray | list[float], n: np.ndarray | list[float], laney: bool = True,
                     centre: np.ndarray | float | None = None, screen: bool = True) -> PChartBaseline:
    """Estimate a p (``laney=False``) or p' (``laney=True``) chart from baseline batches.

    :param p: baseline proportions in time order.
    :param n: their batch sizes.
    :param laney: estimate Laney's sigma_z from the moving range of the z-scores.
    :param centre: per-point centres (e.g. weekday proportions); defaults to the pooled proportion.
    :param screen: 3.5 x MR_bar screen on the moving ranges of z.
    """
    p_bar = pooled_proportion(p, n)
    sigma_z, n_ranges = 1.0, 0
    if laney:
        z = raw_z(p, n, p_bar if centre is None else centre)
        finite = z[np.isfinite(z)]
        if finite.size >= 2:
            mrs = moving_range_sigma(finite, screen=screen)
            sigma_z, n_ranges = mrs.sigma, mrs.n_ranges
    return PChartBaseline(p_bar=p_bar, sigma_z=float(sigma_z), laney=laney, n_ranges=n_ranges)
