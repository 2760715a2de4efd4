"""Classification metrics written with numpy (no scikit-learn), with optional sample weights.

Conventions (the same as the usual textbook / scikit-learn definitions):

* Scores are ranked high to low; tied scores form one threshold (a tie is never split).
* ROC AUC: trapezoidal area under (FPR, TPR) over the distinct thresholds, which equals the Mann-Whitney
  probability that a random positive outranks a random negative, ties counting one half.
* Average precision: ``sum_k (R_k - R_{k-1}) * P_k`` over the distinct thresholds (step-wise, no
  interpolation).
* Recall at a false-positive rate: the largest TPR among thresholds whose FPR is <= ``max_fpr``.
* Weights are multiplicities: a weight of 2 is the same as the row appearing twice (used by the bootstrap).
* A metric that is undefined on the data (e.g. AUC with one class only) is NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

HIGHER_IS_BETTER = {"average_precision": True, "roc_auc": True, "recall_at_fpr": True, "brier": False}


def _labels(y: ArrayLike) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError("labels must be 1-D")
    if y.size and not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0/1")
    return y.astype(np.float64)


def _scores(s: ArrayLike, n: int) -> np.ndarray:
    s = np.asarray(s, dtype=np.float64)
    if s.shape != (n,):
        raise ValueError(f"scores have shape {s.shape}, labels have {n} rows")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite")
    return s


class RankedScores:
    """Labels sorted once by descending score, so weighted metrics are O(n) per evaluation (bootstrap).

    :param y: 0/1 labels.
    :param scores: model scores (higher = more likely positive).
    """

    def __init__(self, y: ArrayLike, scores: ArrayLike) -> None:
        y = _labels(y)
        s = _scores(scores, len(y))
        self.n = len(y)
        self.order = np.argsort(-s, kind="mergesort")
        self.y = y[self.order]
        s_sorted = s[self.order]
        # Last position of each group of equal scores = one threshold.
        self.last = np.r_[np.flatnonzero(np.diff(s_sorted)), self.n - 1] if self.n else np.empty(0, np.int64)
        self.thresholds = s_sorted[self.last] if self.n else np.empty(0)

    def counts(self, weights: ArrayLike | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative (weighted) true and false positives at each threshold, high to low."""
        if weights is None:
            w = np.ones(self.n)
        else:
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != (self.n,):
                raise ValueError("weights must have one entry per row")
            w = w[self.order]
        tps = np.cumsum(self.y * w)[self.last]
        fps = np.cumsum((1.0 - self.y) * w)[self.last]
        return tps, fps

    def average_precision(self, weights: ArrayLike | None = None) -> float:
        """Average precision (see module docstring)."""
        if self.n == 0:
            return float("nan")
        tps, fps = self.counts(weights)
        pos = tps[-1]
        if pos <= 0:
            return float("nan")
        called = tps + fps
        precision = np.divide(tps, called, out=np.zeros_like(tps), where=called > 0)
        recall = tps / pos
        return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))

    def roc_auc(self, weights: ArrayLike | None = None) -> float:
        """ROC AUC (see module docstring)."""
        if self.n == 0:
            return float("nan")
        tps, fps = self.counts(weights)
        pos, neg = tps[-1], fps[-1]
        if pos <= 0 or neg <= 0:
            return float("nan")
        tpr = np.r_[0.0, tps / pos]
        fpr = np.r_[0.0, fps / neg]
        return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))

    def recall_at_fpr(self, max_fpr: float, weights: ArrayLike | None = None) -> tuple[float, float]:
        """(recall, score threshold) at the loosest threshold whose FPR stays <= ``max_fpr``.

        The threshold is the lowest score flagged (flag ``score >= threshold``); +inf when nothing can be
        flagged within the budget.
        """
        if self.n == 0:
            return float("nan"), float("nan")
        tps, fps = self.counts(weights)
        pos, neg = tps[-1], fps[-1]
        if pos <= 0 or neg <= 0:
            return float("nan"), float("nan")
        ok = np.flatnonzero(fps / neg <= max_fpr + 1e-12)
        if ok.size == 0:
            return 0.0, float("inf")
        best = ok[-1]  # cumulative counts: the last admissible threshold has the largest recall
        return float(tps[best] / pos), float(self.thresholds[best])

    def pr_curve(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(precision, recall, thresholds) at each threshold, high to low (for plots)."""
        tps, fps = self.counts()
        pos = tps[-1] if self.n else 0.0
        precision = np.divide(tps, tps + fps, out=np.zeros_like(tps), where=(tps + fps) > 0)
        recall = tps / pos if pos > 0 else np.zeros_like(tps)
        return precision, recall, self.thresholds


def roc_auc(y: ArrayLike, scores: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
    """Area under the ROC curve (NaN with a single class)."""
    return RankedScores(y, scores).roc_auc(sample_weight)


def average_precision(y: ArrayLike, scores: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
    """Average precision = step-wise area under the precision-recall curve (NaN without positives)."""
    return RankedScores(y, scores).average_precision(sample_weight)


def recall_at_fpr(y: ArrayLike, scores: ArrayLike, max_fpr: float = 0.01,
                  sample_weight: ArrayLike | None = None) -> float:
    """Largest recall achievable with a false-positive rate <= ``max_fpr``."""
    return RankedScores(y, scores).recall_at_fpr(max_fpr, sample_weight)[0]


def brier_score(y: ArrayLike, proba: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
    """Mean squared difference between predicted probability and outcome (lower is better)."""
    y = _labels(y)
    p = _scores(proba, len(y))
    if len(y) == 0:
        return float("nan")
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    total = w.sum()
    return float(np.sum(w * (p - y) ** 2) / total) if total > 0 else float("nan")


def daily_top_k_mask(scores: ArrayLike, days: ArrayLike, k: int) -> np.ndarray:
    """Boolean mask of the rows alerted when each day's ``k`` highest scores are alerted (ties: input order)."""
    if k <= 0:
        raise ValueError("k must be positive")
    s = np.asarray(scores, dtype=np.float64)
    frame = pd.DataFrame({"day": np.asarray(days), "s": s, "pos": np.arange(len(s))})
    frame = frame.sort_values(["day", "s", "pos"], ascending=[True, False, True], kind="mergesort")
    mask = np.zeros(len(s), dtype=bool)
    mask[frame["pos"].to_numpy()[frame.groupby("day", sort=False).cumcount().to_numpy() < k]] = True
    return mask


def precision_at_k_per_day(y: ArrayLike, scores: ArrayLike, days: ArrayLike, k: int) -> dict:
    """Alert-budget metrics: each day the ``k`` highest-scored transactions are alerted.

    Ties at the k-th place are broken by input order (deterministic).

    :returns: ``precision`` (true alerts / alerts over all days), ``recall`` (true alerts / positives),
        ``mean_daily_precision``, ``alerts``, ``true_alerts``, ``positives``, ``days``, ``k``.
    """
    y = _labels(y)
    s = _scores(scores, len(y))
    mask = daily_top_k_mask(s, days, k)
    alerted = pd.DataFrame({"day": np.asarray(days)[mask], "y": y[mask]})
    alerts, true_alerts, positives = len(alerted), float(alerted["y"].sum()), float(y.sum())
    daily = alerted.groupby("day")["y"].mean()
    return {
        "k": int(k),
        "days": int(pd.Series(np.asarray(days)).nunique()),
        "alerts": int(alerts),
        "true_alerts": int(true_alerts),
        "positives": int(positives),
        "precision": true_alerts / alerts if alerts else float("nan"),
        "recall": true_alerts / positives if positives else float("nan"),
        "mean_daily_precision": float(daily.mean()) if len(daily) else float("nan"),
    }


def calibration_table(y: ArrayLike, proba: ArrayLike, n_bins: int = 10) -> list[dict]:
    """Reliability table over ``n_bins`` equal-width probability bins.

    Bin ``i`` holds ``i/n <= p < (i+1)/n`` (the last bin includes 1.0). Empty bins have NaN means.

    :returns: one dict per bin: ``bin, lower, upper, count, mean_predicted, observed_rate``.
    """
    y = _labels(y)
    p = _scores(proba, len(y))
    idx = np.clip(np.floor(p * n_bins).astype(np.int64), 0, n_bins - 1)
    count = np.bincount(idx, minlength=n_bins)
    sum_p = np.bincount(idx, weights=p, minlength=n_bins)
    sum_y = np.bincount(idx, weights=y, minlength=n_bins)
    rows = []
    for i in range(n_bins):
        c = int(count[i])
        rows.append({
            "bin": i, "lower": i / n_bins, "upper": (i + 1) / n_bins, "count": c,
            "mean_predicted": float(sum_p[i] / c) if c else float("nan"),
            "observed_rate": float(sum_y[i] / c) if c else float("nan"),
        })
    return rows


def expected_calibration_error(table: list[dict]) -> float:
    """Count-weighted mean |observed rate - mean predicted| over the bins of :func:`calibration_table`."""
    total = sum(r["count"] for r in table)
    if total == 0:
        return float("nan")
    return float(sum(r["count"] * abs(r["observed_rate"] - r["mean_predicted"]) for r in table if r["count"])
                 / total)
