"""Exponentially weighted moving average (EWMA) chart.

``EWMA_t = lambda x_t + (1 - lambda) EWMA_{t-1}`` with ``EWMA_0`` = the target (Roberts, 1959; NIST/SEMATECH
e-Handbook section 6.3.2.4). The variance of ``EWMA_t`` for independent points of standard deviation
sigma is ``sigma^2 lambda / (2 - lambda) [1 - (1 - lambda)^(2t)]`` (Montgomery, *Introduction to SQC*,
section 9.2), so the exact limits widen over the first points towards the asymptotic limits
``target +- L sigma sqrt(lambda / (2 - lambda))`` that the handbook prints. Lucas & Saccucci (1990,
Technometrics 32(1)) tabulate (lambda, L) pairs; lambda = 0.2, L = 3 is a common default (ARL0 about 560).
The EWMA is built for small sustained shifts; Nelson run rules do not apply to it (it is autocorrelated).
"""

from __future__ import annotations

import numpy as np


def _check_lambda(lam: float) -> None:
    if not 0.0 < lam <= 1.0:
        raise ValueError(f"EWMA lambda must be in (0, 1], got {lam!r}")


def ewma(values: np.ndarray | list[float], lam: float, start: float) -> np.ndarray:
    """EWMA statistics ``EWMA_1 .. EWMA_n`` (``EWMA_0 = start`` is not included); time runs along the last axis.

    A 2-D input (runs x time) computes many independent EWMAs at once (used for run-length simulation).

    :param values: observations in time order.
    :param lam: smoothing weight lambda in (0, 1].
    :param start: ``EWMA_0``, the target / centre line.
    """
    _check_lambda(lam)
    x = np.asarray(values, dtype=float)
    out = np.empty_like(x)
    prev = np.full(x.shape[:-1], float(start))
    for i in range(x.shape[-1]):
        prev = lam * x[..., i] + (1.0 - lam) * prev
        out[..., i] = prev
    return out


def variance_factor(i: int | np.ndarray, lam: float) -> np.ndarray | float:
    """``lambda / (2 - lambda) * (1 - (1 - lambda)^(2 i))``: Var(EWMA_i) / sigma^2.

    :param i: 1-based index of the EWMA statistic (scalar or array); ``np.inf`` gives the asymptotic factor.
    :param lam: smoothing weight lambda.
    """
    _check_lambda(lam)
    i_arr = np.asarray(i, dtype=float)
    return lam / (2.0 - lam) * (1.0 - (1.0 - lam) ** (2.0 * i_arr))


def ewma_limits(target: float, sigma: float, lam: float, width: float = 3.0,
                i: int | np.ndarray | None = None) -> tuple[np.ndarray | float, np.ndarray | float]:
    """(LCL, UCL) of the EWMA chart; asymptotic when ``i`` is None, exact (time-varying) otherwise.

    :param target: centre line (``EWMA_0``).
    :param sigma: standard deviation of the individual observations.
    :param lam: smoothing weight lambda.
    :param width: L, the limit width in EWMA standard deviations.
    :param i: 1-based index/indices of the EWMA statistics.
    """
    factor = lam / (2.0 - lam) if i is None else variance_factor(i, lam)
    half = width * sigma * np.sqrt(factor)
    return target - half, target + half
