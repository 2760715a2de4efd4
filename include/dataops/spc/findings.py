"""Turn rule hits on the last point into :class:`~dataops.spc.models.Finding` objects.

The sequence is the baseline followed by the point under test: ``z`` (standardised) and ``devs``
(deviation from the centre in metric units). Each finding carries the magnitude of the change it points
at, in metric units, for the minimum-practical-change gate:

* level rules (Nelson 1, 2, 5, 6, WE 1-4): |mean deviation| over the rule's window (Nelson 1: today's);
* trend (Nelson 3): |last deviation - first deviation| over the six points;
* oscillation / mixture (Nelson 4, 8): mean |deviation| over the window;
* stratification (Nelson 7): none (too little variation is never "too small to matter");
* EWMA: |EWMA - centre| in metric units; CUSUM: the shift estimate ``(k + C / N) sigma``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from dataops.spc.config import CHART_RULE_TEXT, MetricConfig
from dataops.spc.cusum import tabular_cusum
from dataops.spc.ewma import ewma, variance_factor
from dataops.spc.models import Finding
from dataops.spc.rules import LEVEL, PATTERN, RULES, TREND, rules_on_last


def _fmt(x: float) -> str:
    return f"{x:+.2f}" if np.isfinite(x) else ("+inf" if x > 0 else "-inf")


def _level(window: np.ndarray, z_last: float, rule_window: int) -> tuple[float | None, str]:
    """|mean deviation| over the window; the side of the limit (one point) or of the centre line."""
    mean_dev = float(window.mean())
    if rule_window == 1:
        return abs(mean_dev), "above the upper control limit" if z_last > 0 else "below the lower control limit"
    return abs(mean_dev), "above the centre line" if mean_dev > 0 else "below the centre line"


def _trend(window: np.ndarray, z_last: float, rule_window: int) -> tuple[float | None, str]:
    """|last deviation - first deviation| over the window."""
    return abs(float(window[-1] - window[0])), "increasing" if window[-1] > window[0] else "decreasing"


def _pattern(window: np.ndarray, z_last: float, rule_window: int) -> tuple[float | None, str]:
    """Mean |deviation| over the window."""
    return float(np.abs(window).mean()), "unusual variation"


def _stratification(window: np.ndarray, z_last: float, rule_window: int) -> tuple[float | None, str]:
    """No magnitude: too little variation is never "too small to matter"."""
    return None, "variation smaller than the limits suggest"


# Rule kind -> (magnitude in metric units, which side) of a rule that fired; other kinds: stratification.
_MAGNITUDE: dict[str, Callable[[np.ndarray, float, int], tuple[float | None, str]]] = {
    LEVEL: _level,
    TREND: _trend,
    PATTERN: _pattern,
}


def run_rule_findings(cfg: MetricConfig, z: np.ndarray, devs: np.ndarray) -> list[Finding]:
    """Findings of the enabled Nelson / Western Electric rules whose pattern ends at the last point.

    :param cfg: metric configuration (enabled rules and severities).
    :param z: standardised values, baseline then the point under test.
    :param devs: deviations from the centre in metric units, same alignment.
    """
    keys = [k for k in cfg.rule_set if k in RULES]
    out = []
    for key in rules_on_last(z, keys):
        rule = RULES[key]
        magnitude, side = _MAGNITUDE.get(rule.kind, _stratification)(devs[-rule.window:], float(z[-1]), rule.window)
        text = f"{rule.description} (z = {_fmt(float(z[-1]))}, {side})"
        out.append(Finding(rule=key, severity=cfg.rule_set[key], description=text, magnitude=magnitude))
    return out


def ewma_signal(cfg: MetricConfig, z: np.ndarray, centre: float, sigma: float
                ) -> tuple[Finding | None, dict[str, Any]]:
    """EWMA of z (EWMA_0 = 0; z clipped to +-``ewma_clip``) with exact time-varying limits; a finding when
    the last one is beyond.

    :param cfg: metric configuration (lambda, L, severity of the ``ewma`` rule).
    :param z: standardised values, baseline then the point under test.
    :param centre: centre of the point under test (to express the EWMA in metric units).
    :param sigma: sigma of the point under test.
    """
    lam, width = cfg.ewma_lambda, cfg.ewma_limit
    e = ewma(np.clip(z, -cfg.ewma_clip, cfg.ewma_clip) if cfg.ewma_clip > 0 else z, lam, 0.0)
    i = np.arange(1, z.size + 1)
    lim = width * np.sqrt(variance_factor(i, lam))
    last, limit = float(e[-1]), float(lim[-1])
    stat = {"lambda": lam, "limit_width": width, "ewma_z": last, "limit_z": limit,
            "ewma": centre + sigma * last, "ewma_ucl": centre + sigma * limit, "ewma_lcl": centre - sigma * limit}
    severity = cfg.rule_set.get("ewma")
    if severity is None or not abs(last) > limit:
        return None, stat
    side = "above" if last > 0 else "below"
    text = f"{CHART_RULE_TEXT['ewma']} (EWMA z = {_fmt(last)}, limit +-{limit:.2f}, {side})"
    return Finding("ewma", severity, text, magnitude=abs(sigma * last)), stat


def cusum_signal(cfg: MetricConfig, z: np.ndarray, sigma: float) -> tuple[Finding | None, dict[str, Any]]:
    """Tabular CUSUM of z (k, h in sigmas); a finding when the last C+ or C- exceeds h.

    :param cfg: metric configuration (k, h, severity of the ``cusum`` rule).
    :param z: standardised values, baseline then the point under test.
    :param sigma: sigma of the point under test (to express the shift in metric units).
    """
    k, h = cfg.cusum_k, cfg.cusum_h
    res = tabular_cusum(z, k, h)
    up, lo = float(res.upper[-1]), float(res.lower[-1])
    n_up, n_lo = int(res.n_upper[-1]), int(res.n_lower[-1])
    stat = {"k": k, "h": h, "upper": up, "lower": lo, "n_upper": n_up, "n_lower": n_lo}
    severity = cfg.rule_set.get("cusum")
    if severity is None or not (up > h or lo > h):
        return None, stat
    if up >= lo:
        n, shift = max(n_up, 1), k + up / max(n_up, 1)
        text = f"upper C+ = {up:.2f} > h = {h:g}, upward shift"
    else:
        n, shift = max(n_lo, 1), -(k + lo / max(n_lo, 1))
        text = f"lower C- = {lo:.2f} > h = {h:g}, downward shift"
    text = f"{CHART_RULE_TEXT['cusum']} ({text} of about {abs(shift):.2f} sigma over the last {n} points)"
    return Finding("cusum", severity, text, magnitude=abs(shift * sigma)), stat
