"""Headline metrics of one model on one set of labelled rows, and what to measure.

Shared by training (the challenger's own holdout metrics in ``metrics.json``) and evaluation (champion vs
challenger): it depends on neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from dataops.metrics.binary import (
    RankedScores,
    brier_score,
    calibration_table,
    expected_calibration_error,
    precision_at_k_per_day,
)


@dataclass(frozen=True)
class EvaluationConfig:
    """What to measure.

    :param top_k_per_day: daily alert budget for precision at top-k.
    :param max_fpr: false-positive rate for recall at fixed FPR.
    :param n_bins: calibration bins.
    :param slice_columns: columns whose values define slices.
    :param day_column: the day of a transaction (alert budget, day bootstrap).
    :param label_column: 0/1 label column.
    """

    top_k_per_day: int = 50
    max_fpr: float = 0.01
    n_bins: int = 10
    slice_columns: tuple[str, ...] = ("channel", "country")
    day_column: str = "batch_date"
    label_column: str = "label"

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> EvaluationConfig:
        raw = dict(raw or {})
        if "slice_columns" in raw:
            raw["slice_columns"] = tuple(raw["slice_columns"])
        return cls(**raw)


def overall_metrics(y: np.ndarray, scores: np.ndarray, days: ArrayLike, config: EvaluationConfig) -> dict:
    """Every headline metric of one model on one set of rows."""
    ranked = RankedScores(y, scores)
    recall, threshold = ranked.recall_at_fpr(config.max_fpr)
    table = calibration_table(y, scores, config.n_bins)
    return {
        "rows": int(len(y)),
        "positives": int(np.sum(y)),
        "roc_auc": ranked.roc_auc(),
        "average_precision": ranked.average_precision(),
        "recall_at_fpr": recall,
        "recall_at_fpr_threshold": threshold,
        "max_fpr": config.max_fpr,
        "precision_at_k": precision_at_k_per_day(y, scores, days, config.top_k_per_day) if len(y) else None,
        "brier": brier_score(y, scores),
        "calibration": table,
        "expected_calibration_error": expected_calibration_error(table),
    }
