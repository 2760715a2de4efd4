"""Paired bootstrap confidence interval of a metric difference between two models on the same rows.

Each replicate resamples rows (or whole days) with replacement, once, and scores BOTH models on that same
resample, so the interval reflects the difference and not each model's own noise. Resampling is done with
multiplicity weights over scores sorted once, which is exact and keeps each replicate O(n).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from dataops.metrics.binary import HIGHER_IS_BETTER, RankedScores, brier_score

BOOTSTRAP_METRICS = ("average_precision", "roc_auc", "brier")


@dataclass(frozen=True)
class BootstrapResult:
    """Difference ``new - old`` oriented so that positive means the new model is better.

    :param metric: the compared metric.
    :param delta: the improvement on the full data.
    :param ci_low: lower bound of the percentile interval.
    :param ci_high: upper bound.
    :param confidence: interval level, e.g. 0.95.
    :param n_boot: replicates drawn.
    :param n_valid: replicates where the metric was defined for both models.
    :param unit: ``transaction`` or ``day``.
    :param seed: random seed.
    :param p_improvement: share of replicates with a positive improvement.
    """

    metric: str
    delta: float
    ci_low: float
    ci_high: float
    confidence: float
    n_boot: int
    n_valid: int
    unit: str
    seed: int
    p_improvement: float

    def to_dict(self) -> dict:
        return asdict(self)


class _Scorer:
    def __init__(self, metric: str, y: np.ndarray, scores: np.ndarray) -> None:
        self.metric, self.y, self.scores = metric, y, scores
        self.ranked = RankedScores(y, scores) if metric != "brier" else None

    def __call__(self, weights: np.ndarray | None) -> float:
        if self.ranked is None:  # brier
            return brier_score(self.y, self.scores, weights)
        if self.metric == "average_precision":
            return self.ranked.average_precision(weights)
        return self.ranked.roc_auc(weights)


def paired_bootstrap(y: ArrayLike, new_scores: ArrayLike, old_scores: ArrayLike, *,
                     metric: str = "average_precision", n_boot: int = 1000, confidence: float = 0.95,
                     seed: int = 0, groups: ArrayLike | None = None) -> BootstrapResult:
    """Percentile CI of the improvement ``metric(new) - metric(old)`` (sign flipped for lower-is-better).

    :param y: 0/1 labels.
    :param new_scores: challenger scores.
    :param old_scores: champion scores on the same rows.
    :param metric: ``average_precision`` (default), ``roc_auc`` or ``brier``.
    :param n_boot: number of replicates.
    :param confidence: interval level.
    :param seed: random seed (same seed, same interval).
    :param groups: resample these groups (e.g. days) instead of single rows.
    """
    if metric not in BOOTSTRAP_METRICS:
        raise ValueError(f"bootstrap metric must be one of {BOOTSTRAP_METRICS}, got {metric!r}")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be in (0, 1)")
    y = np.asarray(y, dtype=np.float64)
    sign = 1.0 if HIGHER_IS_BETTER[metric] else -1.0
    new = _Scorer(metric, y, np.asarray(new_scores, dtype=np.float64))
    old = _Scorer(metric, y, np.asarray(old_scores, dtype=np.float64))
    delta = sign * (new(None) - old(None))

    rng = np.random.default_rng(seed)
    n = len(y)
    if groups is not None:
        codes, uniques = pd.factorize(pd.Series(np.asarray(groups)), sort=True)
        n_groups, unit = len(uniques), "day"
    else:
        codes, n_groups, unit = None, n, "transaction"
    deltas = np.empty(n_boot)
    for b in range(n_boot):
        draw = np.bincount(rng.integers(0, n_groups, n_groups), minlength=n_groups).astype(np.float64)
        weights = draw if codes is None else draw[codes]
        deltas[b] = sign * (new(weights) - old(weights))
    valid = deltas[np.isfinite(deltas)]
    alpha = 1.0 - confidence
    if valid.size:
        low, high = np.quantile(valid, [alpha / 2.0, 1.0 - alpha / 2.0])
        p_improvement = float(np.mean(valid > 0))
    else:
        low = high = p_improvement = float("nan")
    return BootstrapResult(metric=metric, delta=float(delta), ci_low=float(low), ci_high=float(high),
                           confidence=confidence, n_boot=n_boot, n_valid=int(valid.size), unit=unit, seed=seed,
                           p_improvement=p_improvement)
