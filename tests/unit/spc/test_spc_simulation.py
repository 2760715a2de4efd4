"""Seeded Monte Carlo checks of the moving-range estimator and the CUSUM run lengths (each well under 5 s).

The false-alarm rates of the engine's charts as the gate uses them are in test_spc_run_length.py.

Reference values:
* a 3-sigma Shewhart rule on in-control normal data alarms with p0 = 2 (1 - Phi(3)) = 0.0027, an
  in-control ARL of 1 / p0 = 370.4 (Montgomery, *Introduction to SQC*, section 6.2 / 5.3);
* the two-sided tabular CUSUM with k = 0.5 has, for a 1-sigma shift, ARL = 8.38 at h = 4 and 10.4 at
  h = 5, and an in-control ARL of 168 at h = 4 (Montgomery Table 9.3, from Lucas & Crosier 1982,
  Technometrics 24(3), Table 1; also reproduced by R's spc::xcusum.arl).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from dataops.spc.cusum import tabular_cusum
from dataops.spc.individuals import D2, SCREEN_FACTOR, moving_range_sigma
from dataops.spc.rules import RULES

P0 = 2 * stats.norm.sf(3.0)


def _binomial_band(p: float, n: int, k: float = 4.0) -> tuple[float, float]:
    se = math.sqrt(p * (1 - p) / n)
    return p - k * se, p + k * se


def test_false_alarm_rate_with_sigma_from_moving_ranges():
    """Phase I (MR / 1.128, unscreened) then phase II: still about 1 in 370.

    With m = 200,000 phase-I points the relative SE of sigma is about 0.9 / sqrt(m) = 0.2 %, which moves
    the alarm rate by about 10 x that (2 %); with the binomial 1.4 % the total SE is about 2.5 %, so a
    +-10 % band is four standard errors.
    """
    rng = np.random.default_rng(7)
    phase1 = rng.normal(50.0, 2.0, 200_000)
    est = moving_range_sigma(phase1, screen=False)
    centre = phase1.mean()
    assert est.sigma == pytest.approx(2.0, rel=0.01)
    phase2 = rng.normal(50.0, 2.0, 2_000_000)
    rate = RULES["nelson_1"].mask((phase2 - centre) / est.sigma).mean()
    assert rate == pytest.approx(P0, rel=0.10), (rate, 1 / rate)


def test_screening_bias_matches_theory():
    """Nelson's 3.5 x MR_bar screen on in-control data drops ~0.52 % of ranges and biases sigma down.

    MR = |N(0, 2 sigma^2)|; truncating at c = 3.5 d2 sigma leaves E[MR | MR <= c] = (d2 - 2 sqrt(2)
    phi(c / sqrt(2))) / (1 - P(MR > c)) sigma = 0.9848 d2 sigma, so sigma_hat = 0.9848 sigma and the
    in-control ARL of the 3-sigma rule is about 319 instead of 370 for long baselines.
    """
    c = SCREEN_FACTOR * D2 / math.sqrt(2)
    p_screen = 2 * stats.norm.sf(c)
    ratio = (D2 - 2 * math.sqrt(2) * stats.norm.pdf(c)) / (1 - p_screen) / D2
    assert ratio == pytest.approx(0.9848, abs=1e-4)
    rng = np.random.default_rng(11)
    x = rng.standard_normal(400_000)
    est = moving_range_sigma(x, screen=True)
    assert est.n_screened / est.n_ranges == pytest.approx(p_screen, rel=0.10)
    assert est.sigma == pytest.approx(ratio, abs=0.006)  # SE of sigma_hat ~ 0.0015
    phase2 = rng.standard_normal(2_000_000)
    expected = 2 * stats.norm.sf(3 * ratio)
    assert 1 / expected == pytest.approx(319, abs=2)
    rate = RULES["nelson_1"].mask(phase2 / est.sigma).mean()
    assert rate == pytest.approx(expected, rel=0.10)


def _run_lengths(z: np.ndarray, k: float, h: float) -> np.ndarray:
    signal = tabular_cusum(z, k, h).signal
    assert signal.any(axis=1).all(), "every run must signal within the simulated horizon"
    return signal.argmax(axis=1) + 1


@pytest.mark.parametrize(("h", "textbook_arl"), [(4.0, 8.38), (5.0, 10.4)])
def test_cusum_detects_one_sigma_shift_after_about_ten_batches(h, textbook_arl):
    """Zero-state ARL at a 1-sigma shift; 4000 runs give an SE of about 0.06 (SD of the run length ~4)."""
    z = np.random.default_rng(int(h * 100)).normal(1.0, 1.0, size=(4000, 120))
    rl = _run_lengths(z, k=0.5, h=h)
    se = rl.std(ddof=1) / math.sqrt(rl.size)
    assert abs(rl.mean() - textbook_arl) < max(5 * se, 0.3), (rl.mean(), se)


def test_cusum_in_control_run_length_h4():
    """In-control ARL 168 at k = 0.5, h = 4 (run lengths ~ geometric, SD ~ 168: 1000 runs, SE ~ 5.3)."""
    z = np.random.default_rng(168).standard_normal(size=(1000, 1600))
    rl = _run_lengths(z, k=0.5, h=4.0)
    se = rl.std(ddof=1) / math.sqrt(rl.size)
    assert abs(rl.mean() - 168) < 4 * se, (rl.mean(), se)
