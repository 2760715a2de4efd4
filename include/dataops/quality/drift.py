"""Did the score distribution drift on a batch? (Read from the SPC history the post-score gate wrote.)"""

from __future__ import annotations

from dataops.quality.history import HISTORY
from dataops.warehouse import Warehouse, WarehouseLocation, open_warehouse

SCORE_METRICS = ("score_mean", "score_flag_rate")


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
