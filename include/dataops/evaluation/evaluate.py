"""Score champion and challenger on the same holdout and compute their metrics, overall and per slice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from dataops.metrics.binary import (
    RankedScores,
    brier_score,
    calibration_table,
    daily_top_k_mask,
    expected_calibration_error,
)
from dataops.metrics.summary import EvaluationConfig, overall_metrics

__all__ = ["Evaluation", "EvaluationConfig", "Scorer", "evaluate_models", "overall_metrics", "slice_metrics"]


class Scorer(Protocol):
    """Anything with ``predict_proba(frame) -> 1-D array`` (LoadedModel, TrainedModel)."""

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray: ...


def slice_metrics(y: np.ndarray, scores: np.ndarray, values: pd.Series, config: EvaluationConfig,
                  alerted: np.ndarray | None = None) -> dict:
    """The overall metrics restricted to each value of one slice column.

    The alert budget stays global: ``alerts`` / ``precision_at_k`` describe the daily top-k alerts (over
    all rows) that fall in the slice.

    :param alerted: the global daily top-k alert mask (see :func:`daily_top_k_mask`).
    :returns: value -> {rows, positives, roc_auc, average_precision, recall_at_fpr, brier,
        expected_calibration_error, calibration, alerts, precision_at_k}.
    """
    out: dict[str, dict] = {}
    keys = values.astype("string").fillna("<missing>").to_numpy()
    for value in sorted(set(keys.tolist())):
        mask = keys == value
        ys, ss = y[mask], scores[mask]
        ranked = RankedScores(ys, ss)
        table = calibration_table(ys, ss, config.n_bins)
        row = {
            "rows": int(mask.sum()),
            "positives": int(ys.sum()),
            "roc_auc": ranked.roc_auc(),
            "average_precision": ranked.average_precision(),
            "recall_at_fpr": ranked.recall_at_fpr(config.max_fpr)[0],
            "brier": brier_score(ys, ss),
            "expected_calibration_error": expected_calibration_error(table),
            "calibration": table,
        }
        if alerted is not None:
            hits = alerted & mask
            row["alerts"] = int(hits.sum())
            row["precision_at_k"] = float(y[hits].mean()) if hits.any() else float("nan")
        out[value] = row
    return out


@dataclass
class Evaluation:
    """Scores and metrics of the compared models on one holdout.

    :param y: holdout labels.
    :param days: day of each holdout row.
    :param slice_values: slice column -> values per row.
    :param scores: role (``challenger``, ``champion``) -> scores.
    :param versions: role -> registry version.
    :param metrics: role -> overall metrics.
    :param slices: role -> slice column -> value -> metrics.
    """

    config: EvaluationConfig
    y: np.ndarray
    days: np.ndarray
    slice_values: dict[str, pd.Series]
    scores: dict[str, np.ndarray]
    versions: dict[str, str | None]
    metrics: dict[str, dict] = field(default_factory=dict)
    slices: dict[str, dict] = field(default_factory=dict)
    holdout_info: dict = field(default_factory=dict)

    @property
    def roles(self) -> list[str]:
        return list(self.scores)

    def to_dict(self) -> dict:
        """JSON-ready summary (scores left out)."""
        return {
            "config": {**self.config.__dict__, "slice_columns": list(self.config.slice_columns)},
            "holdout": {"rows": int(len(self.y)), "positives": int(self.y.sum()), **self.holdout_info},
            "versions": dict(self.versions),
            "metrics": self.metrics,
            "slices": self.slices,
        }


def evaluate_models(holdout: pd.DataFrame, models: Mapping[str, Scorer], config: EvaluationConfig | None = None,
                    versions: Mapping[str, str | None] | None = None, holdout_info: Mapping | None = None
                    ) -> Evaluation:
    """Score every model on ``holdout`` and compute overall and per-slice metrics.

    :param holdout: labelled rows (features, label, day column, slice columns).
    :param models: role -> model, e.g. ``{"challenger": ..., "champion": ...}``.
    :param config: what to measure.
    :param versions: role -> registry version (for the report).
    :param holdout_info: extra facts about the holdout (window, fingerprint) for the report.
    :raises ValueError: empty holdout.
    """
    config = config or EvaluationConfig()
    if len(holdout) == 0:
        raise ValueError("the holdout is empty: nothing to evaluate on")
    missing = [c for c in (config.label_column, config.day_column, *config.slice_columns) if c not in holdout]
    if missing:
        raise KeyError(f"holdout lacks columns {missing}")
    y = holdout[config.label_column].to_numpy(dtype=np.float64)
    days = holdout[config.day_column].astype("string").to_numpy()
    slice_values = {c: holdout[c].reset_index(drop=True) for c in config.slice_columns}
    ev = Evaluation(config=config, y=y, days=days, slice_values=slice_values, scores={},
                    versions=dict(versions or {}), holdout_info=dict(holdout_info or {}))
    for role, model in models.items():
        s = np.asarray(model.predict_proba(holdout), dtype=np.float64)
        ev.scores[role] = s
        ev.metrics[role] = overall_metrics(y, s, days, config)
        alerted = daily_top_k_mask(s, days, config.top_k_per_day)
        ev.slices[role] = {c: slice_metrics(y, s, slice_values[c], config, alerted) for c in config.slice_columns}
        ev.versions.setdefault(role, getattr(model, "version", None))
    return ev
