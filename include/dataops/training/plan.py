"""What a training run will use: the cutoff and the batch dates the quality gate says to leave out."""

from __future__ import annotations

from datetime import date

from dataops.warehouse import Warehouse, WarehouseLocation, open_warehouse

#: Statuses of the SPC metric history whose batches are not trained on (unless told otherwise).
EXCLUDED_STATUSES = ("out_of_control", "known_bad")


def data_quality_metrics(dataset: str) -> list[str]:
    """The metrics of the batch's data-quality verdict: the ``batch`` stage and the file contract.

    The ``post_score`` metrics (score mean, flag rate) judge the model's output, not the data: a score drift
    is what triggers retraining, so it must not remove that day from the training set.
    """
    from dataops.quality.config import load_quality_config
    from dataops.quality.gate import CONTRACT_METRIC

    return [m.name for m in load_quality_config(dataset).stage("batch")] + [CONTRACT_METRIC]


def excluded_batch_dates(location: Warehouse | WarehouseLocation | str, dataset: str,
                         metrics: list[str] | None = None) -> list[str]:
    """Batch dates whose data-quality verdict is ``out_of_control`` or ``known_bad`` (empty without history).

    A batch is left out when any of its data-quality metrics has one of :data:`EXCLUDED_STATUSES` (an
    analyst's ``false_positive`` label puts the metric back); post-score findings never exclude it.

    :param location: the warehouse (a :class:`~dataops.warehouse.Warehouse`, its location or URL).
    :param dataset: dataset name.
    :param metrics: the data-quality metrics (default: :func:`data_quality_metrics`).
    """
    from dataops.quality.history import HISTORY

    warehouse = open_warehouse(location)
    if not warehouse.table_exists(HISTORY):
        return []
    names = list(metrics) if metrics is not None else data_quality_metrics(dataset)
    if not names:
        return []
    rows = warehouse.fetchall(
        f"SELECT DISTINCT CAST(batch_date AS VARCHAR) FROM {HISTORY} WHERE dataset = ? "
        f"AND status IN ({', '.join('?' for _ in EXCLUDED_STATUSES)}) "
        f"AND metric IN ({', '.join('?' for _ in names)}) ORDER BY 1", [dataset, *EXCLUDED_STATUSES, *names])
    return [r[0] for r in rows]


def plan_training_run(location: Warehouse | WarehouseLocation | str, dataset: str, *, cutoff: str,
                      keep_excluded: bool = False) -> dict:
    """Small JSON for XCom: the cutoff and the excluded batch dates (empty when ``keep_excluded``).

    :param location: the warehouse (a :class:`~dataops.warehouse.Warehouse`, its location or URL).
    :param dataset: dataset name.
    :param cutoff: knowledge date ``YYYY-MM-DD``: only labels reported before it are used.
    :param keep_excluded: train on out-of-control / known-bad batches too.
    """
    date.fromisoformat(cutoff)  # a clear ValueError for a malformed date
    flagged = excluded_batch_dates(location, dataset)
    return {"cutoff": cutoff, "excluded": [] if keep_excluded else flagged, "flagged": flagged,
            "keep_excluded": keep_excluded}
