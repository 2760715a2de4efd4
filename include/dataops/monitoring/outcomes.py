"""Outcome quality: how well the champion did on a scoring day whose labels have matured.

A transaction's fraud label arrives with its chargeback, up to the dataset's ``label_maturity_days`` later.
On run day D the scoring day ``D - label_maturity_days`` is final: its champion predictions are joined with
the chargebacks reported before the end of D (the training set's label rule, :mod:`dataops.training.dataset`),
and three metrics of that scoring day are computed with the evaluation library (:mod:`dataops.metrics`):

- ``precision_at_k``: frauds among the day's ``k`` highest scores (``k``: the daily alert budget);
- ``recall_at_fpr``: share of the day's frauds caught at the loosest threshold whose false-positive rate stays
  within ``max_fpr``;
- ``average_precision``: the area under the day's precision-recall curve.

Only scores and 0/1 labels leave the warehouse (two numbers per transaction of one day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from dataops.identifiers import checked_name, checked_table

KINDS = {"outcome_precision_at_k": "precision_at_k", "outcome_recall_at_fpr": "recall_at_fpr",
         "outcome_average_precision": "average_precision"}


@dataclass(frozen=True)
class Outcome:
    """The champion's outcome on one scoring day.

    :param scoring_day: the day the predictions were made for.
    :param rows: predictions of the day.
    :param frauds: of them, labelled fraud by the knowledge time.
    :param values: metric -> value (None when undefined: no fraud, or no prediction).
    """

    scoring_day: str
    rows: int
    frauds: int
    values: dict[str, float | None]


def scoring_day(run_day: str | date, maturity_days: int) -> str:
    """The scoring day whose labels are final on ``run_day``."""
    day = run_day if isinstance(run_day, date) else date.fromisoformat(str(run_day))
    return (day - timedelta(days=maturity_days)).isoformat()


def labelled_scores(warehouse: Any, ds_cfg: Any, day: str, knowledge_time: datetime,
                    role: str = "champion", version: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(scores, 0/1 labels) of the day's predictions by ``role``, labels as known at ``knowledge_time``.

    :param warehouse: a :class:`~dataops.warehouse.Warehouse`.
    :param ds_cfg: the dataset configuration (its chargeback source names the label table and key).
    :param day: the scoring day, ``YYYY-MM-DD``.
    :param knowledge_time: chargebacks reported before this instant are known.
    :param role: whose predictions (``champion``).
    :param version: only that model version's rows (None: whichever scored as ``role``).
    """
    from dataops.scoring.batch import PREDICTIONS

    cb = ds_cfg.sources.get("chargebacks")
    if cb is None or not warehouse.table_exists(PREDICTIONS) or not warehouse.table_exists(cb.raw_table):
        return np.empty(0), np.empty(0)
    labels = checked_table(cb.raw_table)
    rows = warehouse.fetchall(
        f"SELECT p.score, CASE WHEN EXISTS (SELECT 1 FROM {labels} c WHERE c.{checked_name(cb.key, 'key')} = p.id "
        f"AND c.reported_at < CAST(? AS TIMESTAMP)) THEN 1 ELSE 0 END FROM {PREDICTIONS} p "
        "WHERE p.dataset = ? AND p.batch_date = CAST(? AS DATE) AND p.role = ? AND p.score IS NOT NULL"
        + (" AND p.model_version = ?" if version is not None else ""),
        [knowledge_time.isoformat(sep=" "), ds_cfg.name, day, role, *([version] if version is not None else [])])
    scores = np.array([float(r[0]) for r in rows], dtype=np.float64)
    return scores, np.array([int(r[1]) for r in rows], dtype=np.int64)


def outcome_of(scores: np.ndarray, labels: np.ndarray, day: str, *, top_k: int, max_fpr: float) -> Outcome:
    """The three outcome metrics of one day's scores and labels.

    :param scores: the day's scores.
    :param labels: their 0/1 labels.
    :param day: the scoring day.
    :param top_k: the daily alert budget.
    :param max_fpr: the false-positive rate of ``recall_at_fpr``.
    """
    from dataops.metrics.binary import RankedScores

    frauds = int(labels.sum())
    if len(scores) == 0 or frauds == 0:
        return Outcome(day, len(scores), frauds, {name: None for name in KINDS.values()})
    top = np.argsort(-scores, kind="mergesort")[:top_k]
    ranked = RankedScores(labels, scores)
    recall, _ = ranked.recall_at_fpr(max_fpr)
    values = {"precision_at_k": float(labels[top].sum()) / len(top), "recall_at_fpr": recall,
              "average_precision": ranked.average_precision()}
    return Outcome(day, len(scores), frauds, {k: (None if v != v else v) for k, v in values.items()})


def knowledge_time(day: str, maturity_days: int) -> datetime:
    """The end of the run day on which ``day``'s labels are final (``day + maturity_days + 1`` at 00:00)."""
    return datetime.fromisoformat(day) + timedelta(days=maturity_days + 1)


def measure_outcomes(warehouse: Any, specs: list[Any], ds_cfg: Any, day: str, role: str = "champion",
                     version: str | None = None) -> list[Any]:
    """The ``stage: outcome`` metric values of scoring day ``day`` (a ``MetricValue`` per configured metric).

    The alert budget and false-positive rate are the promotion evaluation's
    (:class:`~dataops.metrics.summary.EvaluationConfig`), so production and evaluation speak of the same numbers.

    :param warehouse: a :class:`~dataops.warehouse.Warehouse`.
    :param specs: the ``outcome`` stage's metric specs.
    :param ds_cfg: the dataset configuration.
    :param day: the scoring day whose labels matured, ``YYYY-MM-DD``.
    :param role: whose predictions (``champion``; a canary's are judged against the champion's history).
    :param version: only that model version's rows (a released model's own, not a predecessor's in its role).
    """
    from dataops.metrics.summary import EvaluationConfig
    from dataops.quality.metrics import MetricValue

    wanted = [m for m in specs if m.kind in KINDS]
    if not wanted:
        return []
    ev = EvaluationConfig()
    scores, labels = labelled_scores(warehouse, ds_cfg, day, knowledge_time(day, ds_cfg.label_maturity_days),
                                     role, version)
    outcome = outcome_of(scores, labels, day, top_k=ev.top_k_per_day, max_fpr=ev.max_fpr)
    return [MetricValue(m.name, outcome.values[KINDS[m.kind]], outcome.rows) for m in wanted]
