"""Control limits adjusted for the size of the baseline: the false-alarm rate stays at the nominal 1 in 370.

Shewhart's 3-sigma limits assume the centre and sigma are known. The gate estimates both from 20 to 60
baseline batches, and that estimation error raises the false-alarm rate well above the nominal
``p0 = 2 (1 - Phi(3)) = 0.0027`` (1 in 370): simulated on the engine itself, about 1 in 80 with 20 points and
1 in 175 with 60 (individuals chart, Nelson 1 only). The fix is the prediction-interval view of the chart:
a new in-control point ``x`` minus its estimated centre ``c`` is normal with variance ``sigma^2 (1 + h)``
(``h`` = leverage of the new point in the centre model: ``1/m`` for a mean of ``m`` points, ``1/m_d`` for a
weekday mean), and sigma is estimated from moving ranges, which behave like ``sigma sqrt(chi2_nu / nu)``
with ``nu`` effective degrees of freedom (Patnaik's approximation; for ``k`` moving ranges of normal data
``nu`` is about ``0.6 k``). The statistic is then Student-t with ``nu`` degrees of freedom, and the limit
that keeps the *unconditional* false-alarm rate at ``p0`` is::

    L = t_{nu}^{-1}(1 - p0 / 2) * sqrt(1 + h) / sqrt(s) / b

where ``s`` is the share of the noise variance left in the moving ranges of the residuals (centre models with
more than one parameter absorb a little of it: ``s = 1 - (h_ii + h_jj - 2 h_ij) / 2`` averaged over consecutive
baseline pairs) and ``b = 0.9848`` is the bias of Nelson's 3.5 x MR-bar screen when it is on. The engine
keeps 3-sigma zones and multiplies sigma by ``factor = L / 3``, so every run rule (2-sigma, 1-sigma zones too)
is widened alike. References: Quesenberry (1993), "The effect of sample size on estimated limits for X and
X-bar control charts", JQT 25(4); Jensen, Jones-Farmer, Champ and Woodall (2006), "Effects of parameter
estimation on control chart properties: a literature review", JQT 38(4); Goedhart, Schoonhoven and Does
(2017), "Guaranteed in-control performance for the Shewhart X and X-bar control charts", JQT 49(2) (a
stricter criterion: a guaranteed conditional ARL, with wider limits). The unconditional rate was chosen
because the gate re-estimates its limits every day from a rolling window: over a year the share of false
alarms is the average over baselines, which is exactly the unconditional rate.

``tests/unit/spc/test_spc_run_length.py`` simulates the engine and checks the rate is nominal for 20, 30 and
60 baseline points, with and without weekday centres and trends, and for Laney's p' chart.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

#: Nominal false-alarm probability of one point beyond 3 sigma (1 in 370.4).
P0 = float(2 * stats.norm.sf(3.0))
#: Variance of one moving range of N(0, 1) data: 2 - 4 / pi.
_MR_VAR = 2.0 - 4.0 / math.pi
#: Correlation of two consecutive moving ranges of N(0, 1) data (they share a point).
_MR_CORR = ((2 / math.pi) * (math.sqrt(0.75) + 0.5 * math.asin(0.5)) - 2 / math.pi) / (1 - 2 / math.pi)
#: d2 of ranges of two.
_D2 = 2.0 / math.sqrt(math.pi)
#: E[sigma_hat] / sigma of the 3.5 x MR-bar screen on normal data (see tests/unit/spc/test_spc_simulation.py).
SCREEN_BIAS = 0.9848


def effective_df(n_ranges: int | np.ndarray) -> np.ndarray:
    """Degrees of freedom ``nu`` of ``MR_bar / d2`` as a chi estimator (Patnaik): ``nu = 1 / (2 CV^2)``.

    :param n_ranges: number of moving ranges averaged (``m - 1`` for ``m`` baseline points); array or scalar.
    """
    k = np.maximum(np.asarray(n_ranges, dtype=float), 1.0)
    var_mr_bar = _MR_VAR * (k + 2 * (k - 1) * _MR_CORR) / k**2
    cv2 = var_mr_bar / _D2**2
    return 1.0 / (2.0 * cv2)


def limit_factor(n_ranges: int, leverage: float, residual_share: float = 1.0, screened: bool = True,
                 p0: float = P0) -> float:
    """Multiplier of the estimated sigma that keeps the false-alarm rate of 3-sigma limits at ``p0``.

    :param n_ranges: moving ranges behind the sigma estimate.
    :param leverage: leverage ``h`` of the tested point in the centre model (``1/m`` for a plain mean).
    :param residual_share: ``s``, the share of the noise variance left in the residuals' moving ranges.
    :param screened: whether the 3.5 x MR-bar screen was applied (corrects its downward bias).
    :param p0: nominal two-sided false-alarm probability.
    """
    return float(limit_factors(np.asarray([n_ranges]), leverage, residual_share, screened, p0)[0])


def limit_factors(n_ranges: np.ndarray, leverage: float, residual_share: float = 1.0, screened: bool = True,
                  p0: float = P0) -> np.ndarray:
    """:func:`limit_factor` for an array of range counts (one factor per simulated baseline)."""
    t = stats.t.isf(p0 / 2.0, effective_df(n_ranges))
    z = float(stats.norm.isf(p0 / 2.0))
    factor = t / z * math.sqrt(1.0 + leverage) / math.sqrt(max(residual_share, 1e-9))
    return np.asarray(factor / SCREEN_BIAS if screened else factor, dtype=float)


def alarm_probability(shift: float, n_ranges: int, leverage: float, width: float, screened: bool = True) -> float:
    """Model probability that a point shifted by ``shift`` sigmas falls beyond ``width`` estimated sigmas.

    ``sigma_hat / sigma`` is taken as ``b sqrt(chi2_nu / nu)`` (``b``: the screen's bias) and ``x - centre`` as
    ``N(shift, 1 + h)``; the probability is averaged over ``sigma_hat``. Its inverse is the model's ARL, which
    the run-length tests compare with simulations of the engine.

    :param shift: true shift of the point, in sigmas.
    :param n_ranges: moving ranges behind sigma.
    :param leverage: leverage of the point in the centre model.
    :param width: limit width in estimated sigmas (3 x the adjusted-limits factor).
    :param screened: whether the screen's bias applies.
    """
    nu = float(effective_df(n_ranges))
    b = SCREEN_BIAS if screened else 1.0
    sd = math.sqrt(1.0 + leverage)

    def integrand(q: float) -> float:
        s = b * math.sqrt(q / nu)
        tail = stats.norm.sf((width * s - shift) / sd) + stats.norm.cdf((-width * s - shift) / sd)
        return float(tail * stats.chi2.pdf(q, nu))

    from scipy.integrate import quad

    return float(quad(integrand, 0.0, np.inf, limit=200)[0])


def projection(design: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """``P = (X' W X)^-1 X' W``: the (weighted) least-squares coefficients of any series ``y`` are ``P y``.

    :param design: the baseline's design matrix (points x parameters).
    :param weights: per-point weights (batch sizes of p-charts); ``None`` for ordinary least squares.
    """
    x = np.asarray(design, dtype=float)
    xw = x * (np.ones(x.shape[0]) if weights is None else np.asarray(weights, dtype=float))[:, None]
    return np.linalg.pinv(x.T @ xw) @ xw.T


def hat_matrix(design: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """``H = X (X' W X)^-1 X' W`` of a (weighted) least-squares centre model (arguments of :func:`projection`)."""
    return np.asarray(design, dtype=float) @ projection(design, weights)


def leverage(design: np.ndarray, x_new: np.ndarray, weights: np.ndarray | None = None,
             w_new: float | None = None) -> float:
    """Leverage of a new point: its prediction variance over sigma^2, ``x0' (X' W X)^-1 x0 w0``.

    :param design: the baseline's design matrix.
    :param x_new: the new point's row of the design.
    :param weights: baseline weights (``None``: all 1).
    :param w_new: the new point's weight (``None``: the mean baseline weight).
    """
    x = np.asarray(design, dtype=float)
    w = np.ones(x.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    w0 = float(w.mean()) if w_new is None else float(w_new)
    x0 = np.asarray(x_new, dtype=float)
    return float(x0 @ np.linalg.pinv(x.T @ (x * w[:, None])) @ x0 * w0)


def residual_share(hat: np.ndarray) -> float:
    """Share of the noise variance left in consecutive residual differences: mean of
    ``1 - (h_ii + h_jj - 2 h_ij) / 2`` over consecutive pairs (1 for a plain mean: the mean cancels).

    :param hat: hat matrix of the baseline's centre model.
    """
    h = np.asarray(hat, dtype=float)
    if h.shape[0] < 2:
        return 1.0
    d = np.diag(h)
    off = np.diag(h, 1)
    off_t = np.diag(h, -1)
    shares = 1.0 - (d[:-1] + d[1:] - off - off_t) / 2.0
    return float(shares.mean())
