"""Tabular (Page) CUSUM on standardised values.

With ``z_i = (x_i - target) / sigma``:
``C+_i = max(0, C+_{i-1} + z_i - k)`` and ``C-_i = max(0, C-_{i-1} - z_i - k)``, ``C+_0 = C-_0 = 0``;
the chart signals when either exceeds the decision interval ``h`` (Page, 1954; Montgomery,
*Introduction to SQC*, section 9.1; NIST/SEMATECH e-Handbook section 6.3.2.3). ``k`` and ``h`` are in
sigma units; ``k = delta / 2`` targets a shift of ``delta`` sigmas. With k = 0.5: h = 4 gives an in-control
ARL of 168 and 8.38 at a 1-sigma shift; h = 5 gives 465 and 10.4 (Montgomery Table 9.3, after Lucas &
Crosier 1982). When the upper CUSUM signals, ``k + C+ / N+`` estimates the shift in sigmas, where N+ is
the number of points since C+ was last zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CusumResult:
    """Upper/lower CUSUM paths and run counters, same shape as the input.

    :param upper: C+ after each point.
    :param lower: C- after each point (non-negative; a downward shift makes it grow).
    :param n_upper: points since C+ was last zero (0 when C+ is zero).
    :param n_lower: same for C-.
    :param h: decision interval used.
    """

    upper: np.ndarray
    lower: np.ndarray
    n_upper: np.ndarray
    n_lower: np.ndarray
    h: float

    @property
    def signal_upper(self) -> np.ndarray:
        return self.upper > self.h

    @property
    def signal_lower(self) -> np.ndarray:
        return self.lower > self.h

    @property
    def signal(self) -> np.ndarray:
        return self.signal_upper | self.signal_lower


def tabular_cusum(z: np.ndarray | list[float], k: float = 0.5, h: float = 5.0) -> CusumResult:
    """Two one-sided tabular CUSUMs of standardised values; time runs along the last axis.

    A 2-D input (runs x time) computes many independent CUSUMs at once (used for run-length simulation).

    :param z: standardised values ``(x - target) / sigma``.
    :param k: reference value (allowance) in sigmas, >= 0.
    :param h: decision interval in sigmas, > 0.
    """
    if k < 0 or h <= 0:
        raise ValueError(f"CUSUM needs k >= 0 and h > 0, got k={k!r}, h={h!r}")
    zz = np.asarray(z, dtype=float)
    upper, lower = np.zeros_like(zz), np.zeros_like(zz)
    n_up, n_lo = np.zeros(zz.shape, dtype=int), np.zeros(zz.shape, dtype=int)
    cu = np.zeros(zz.shape[:-1])
    cl = np.zeros(zz.shape[:-1])
    nu = np.zeros(zz.shape[:-1], dtype=int)
    nl = np.zeros(zz.shape[:-1], dtype=int)
    for t in range(zz.shape[-1]):
        zt = zz[..., t]
        cu = np.maximum(0.0, cu + zt - k)
        cl = np.maximum(0.0, cl - zt - k)
        nu = np.where(cu > 0, nu + 1, 0)
        nl = np.where(cl > 0, nl + 1, 0)
        upper[..., t], lower[..., t], n_up[..., t], n_lo[..., t] = cu, cl, nu, nl
    return CusumResult(upper=upper, lower=lower, n_upper=n_up, n_lower=n_lo, h=float(h))
