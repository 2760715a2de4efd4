"""Did the score distribution drift on a batch, or the champion's outcome drop on a matured scoring day?
(Read from the SPC history the post-score and outcome stages of the gate wrote.)"""

from __future__ import annotations

from dataops.quality.history import HISTORY
from dataops.warehouse import Warehouse, WarehouseLocation, open_warehouse

SCORE_METRICS = ("score_mean", "score_flag_rate")
OUTCOME_METRICS = ("outcome_precision_at_k", "outcome_recall_at_fpr", "outcome_average_precision")


def score_drift(location: Warehouse | WarehouseLocation | str, dataset: str, batch_date: str) -> list[str]:
    """Names of the score metrics whose verdict on ``batch_date`` was ``warning`` or ``critical``.

    :param location: the warehouse (a :class:`~dataops.warehouse.Warehouse`, its location or URL).
    :param dataset: dataset name.
    :param batch_date: ``YYYY-MM-DD``.
    """
    warehouse = open_warehouse(location)
    if not warehouse.table_exists(HISTORY):
        return []
    marks = ", ".join("?" for _ in SCORE_METRICS)
    rows = warehouse.fetchall(
        f"SELECT metric FROM {HISTORY} WHERE dataset = ? AND batch_date = CAST(? AS DATE) "
        f"AND metric IN ({marks}) AND verdict IN ('warning', 'critical') ORDER BY metric",
        [dataset, batch_date, *SCORE_METRICS])
    return [r[0] for r in rows]


def outcome_drift(location: Warehouse | WarehouseLocation | str, dataset: str, scoring_day: str) -> list[str]:
    """Names of the outcome metrics of ``scoring_day`` flagged ``warning`` or ``critical`` *below* their centre
    (a better outcome than usual is no reason to retrain).

    :param location: the warehouse (a :class:`~dataops.warehouse.Warehouse`, its location or URL).
    :param dataset: dataset name.
    :param scoring_day: the scoring day whose labels matured, ``YYYY-MM-DD``.
    """
    warehouse = open_warehouse(location)
    if not warehouse.table_exists(HISTORY):
        return []
    marks = ", ".join("?" for _ in OUTCOME_METRICS)
    rows = warehouse.fetchall(
        f"SELECT metric FROM {HISTORY} WHERE dataset = ? AND batch_date = CAST(? AS DATE) "
        f"AND metric IN ({marks}) AND verdict IN ('warning', 'critical') AND value < centre ORDER BY metric",
        [dataset, scoring_day, *OUTCOME_METRICS])
    return [r[0] for r in rows]
