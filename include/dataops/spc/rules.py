"""Nelson and Western Electric run rules on standardised values ``z = (x - centre) / sigma``.

Nelson (1984), "The Shewhart control chart - tests for special causes", JQT 16(4), 237-239; Western
Electric, *Statistical Quality Control Handbook* (1956); NIST/SEMATECH e-Handbook section 6.3.2.
"Beyond k sigma" is strict (``|z| > k``); "same side" means ``z > 0`` or ``z < 0`` (a point exactly on the
centre line breaks a run).

Every rule returns a mask: ``mask[i]`` is True when a pattern of the rule is completed at point ``i`` and
involves it. For the "m of n" rules (Nelson 5/6, WE 2/3) the point itself must be one of the m extreme
points, so a pattern is reported once, on the point that completes it, not again on a quiet point that
happens to fall inside the same window. The engine reports a rule for a batch only when the mask is
True at the last point of baseline + batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

LEVEL = "level"  # a shift of the mean: magnitude = |mean deviation over the window|
TREND = "trend"  # a drift: magnitude = |last deviation - first deviation|
PATTERN = "pattern"  # oscillation / mixture: magnitude = mean |deviation| over the window
SPREAD = "spread"  # too little variation: no magnitude, never suppressed by the practical-change gate


def _windows(a: np.ndarray, w: int) -> np.ndarray:
    return sliding_window_view(a, w) if a.size >= w else np.empty((0, w), dtype=a.dtype)


def _pad(hits: np.ndarray, n: int) -> np.ndarray:
    """Place window results (one per window end) at their last index; earlier points cannot fire."""
    out = np.zeros(n, dtype=bool)
    if hits.size:
        out[n - hits.size:] = hits
    return out


def beyond(z: np.ndarray, limit: float = 3.0) -> np.ndarray:
    """One point beyond ``limit`` sigma (Nelson 1 / WE 1 with limit 3)."""
    return np.abs(z) > limit


def run_same_side(z: np.ndarray, length: int) -> np.ndarray:
    """``length`` points in a row on the same side of the centre line (Nelson 2: 9, WE 4: 8)."""
    w = _windows(z, length)
    return _pad(np.all(w > 0, axis=1) | np.all(w < 0, axis=1), z.size)


def trend(z: np.ndarray, length: int = 6) -> np.ndarray:
    """``length`` points in a row steadily increasing or decreasing (Nelson 3)."""
    if z.size < 2:
        return np.zeros(z.size, dtype=bool)
    w = _windows(np.diff(z), length - 1)
    return _pad(np.all(w > 0, axis=1) | np.all(w < 0, axis=1), z.size)


def alternating(z: np.ndarray, length: int = 14) -> np.ndarray:
    """``length`` points in a row alternating up and down (Nelson 4)."""
    if z.size < 3:
        return np.zeros(z.size, dtype=bool)
    s = np.sign(np.diff(z))
    flips = (s[1:] * s[:-1]) < 0  # consecutive steps in opposite directions (zero steps break it)
    w = _windows(flips, length - 2)
    return _pad(np.all(w, axis=1), z.size)


def m_of_n_beyond(z: np.ndarray, m: int, n: int, limit: float) -> np.ndarray:
    """``m`` of ``n`` points in a row beyond ``limit`` sigma on the same side, the last point among them
    (Nelson 5 / WE 2: 2 of 3 beyond 2; Nelson 6 / WE 3: 4 of 5 beyond 1)."""
    up, down = _windows(z > limit, n), _windows(z < -limit, n)
    hits = ((up.sum(axis=1) >= m) & up[:, -1]) | ((down.sum(axis=1) >= m) & down[:, -1])
    return _pad(hits, z.size)


def hugging(z: np.ndarray, length: int = 15) -> np.ndarray:
    """``length`` points in a row within 1 sigma of the centre line, either side (Nelson 7)."""
    return _pad(np.all(_windows(np.abs(z) < 1.0, length), axis=1), z.size)


def mixture(z: np.ndarray, length: int = 8) -> np.ndarray:
    """``length`` points in a row beyond 1 sigma, none within, with points on both sides (Nelson 8)."""
    w = _windows(z, length)
    hits = np.all(np.abs(w) > 1.0, axis=1) & np.any(w > 1.0, axis=1) & np.any(w < -1.0, axis=1)
    return _pad(hits, z.size)


@dataclass(frozen=True)
class Rule:
    """A run rule.

    :param key: config key, e.g. ``nelson_2``.
    :param label: display name, e.g. ``Nelson 2``.
    :param text: what the rule detects.
    :param window: number of points the pattern spans (used for the magnitude of the change).
    :param kind: ``level``, ``trend``, ``pattern`` or ``spread`` (how the magnitude is measured).
    :param mask: function of the z sequence returning the boolean mask.
    """

    key: str
    label: str
    text: str
    window: int
    kind: str
    mask: Callable[[np.ndarray], np.ndarray]

    @property
    def description(self) -> str:
        return f"{self.label}: {self.text}"


RULES: dict[str, Rule] = {r.key: r for r in (
    Rule("nelson_1", "Nelson 1", "one point beyond 3 sigma", 1, LEVEL, lambda z: beyond(z, 3.0)),
    Rule("nelson_2", "Nelson 2", "nine points in a row on the same side of the centre line", 9, LEVEL,
         lambda z: run_same_side(z, 9)),
    Rule("nelson_3", "Nelson 3", "six points in a row steadily increasing or decreasing", 6, TREND,
         lambda z: trend(z, 6)),
    Rule("nelson_4", "Nelson 4", "fourteen points in a row alternating up and down", 14, PATTERN,
         lambda z: alternating(z, 14)),
    Rule("nelson_5", "Nelson 5", "two of three points in a row beyond 2 sigma on the same side", 3, LEVEL,
         lambda z: m_of_n_beyond(z, 2, 3, 2.0)),
    Rule("nelson_6", "Nelson 6", "four of five points in a row beyond 1 sigma on the same side", 5, LEVEL,
         lambda z: m_of_n_beyond(z, 4, 5, 1.0)),
    Rule("nelson_7", "Nelson 7", "fifteen points in a row within 1 sigma of the centre line", 15, SPREAD,
         lambda z: hugging(z, 15)),
    Rule("nelson_8", "Nelson 8", "eight points in a row beyond 1 sigma on both sides of the centre line",
         8, PATTERN, lambda z: mixture(z, 8)),
    Rule("we_1", "Western Electric 1", "one point beyond 3 sigma", 1, LEVEL, lambda z: beyond(z, 3.0)),
    Rule("we_2", "Western Electric 2", "two of three points in a row beyond 2 sigma on the same side", 3,
         LEVEL, lambda z: m_of_n_beyond(z, 2, 3, 2.0)),
    Rule("we_3", "Western Electric 3", "four of five points in a row beyond 1 sigma on the same side", 5,
         LEVEL, lambda z: m_of_n_beyond(z, 4, 5, 1.0)),
    Rule("we_4", "Western Electric 4", "eight points in a row on the same side of the centre line", 8, LEVEL,
         lambda z: run_same_side(z, 8)),
)}


def rule_masks(z: np.ndarray | list[float], keys: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """Masks of the given rules (all when ``keys`` is None) over a whole z sequence.

    :param z: standardised values in time order.
    :param keys: rule keys from :data:`RULES`.
    """
    zz = np.asarray(z, dtype=float)
    chosen = RULES if keys is None else {k: RULES[k] for k in keys}
    return {k: r.mask(zz) for k, r in chosen.items()}


def rules_on_last(z: np.ndarray | list[float], keys: Iterable[str]) -> list[str]:
    """Keys of the rules whose pattern is completed by, and involves, the last point of ``z``.

    :param z: baseline z-scores followed by the z-score of the point under test.
    :param keys: rule keys to check.
    """
    zz = np.asarray(z, dtype=float)
    if zz.size == 0:
        return []
    return [k for k in keys if bool(RULES[k].mask(zz)[-1])]
