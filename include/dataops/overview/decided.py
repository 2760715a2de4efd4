"""Which model decided which share of each batch: ``marts.predictions.decides`` by day, version and role.

During a canary the champion and the canary split a day's decisions; after a blue/green switch or a rollback
the batch's decisions moved with the aliases. The view shows the last days as they are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dataops.scoring.batch import PREDICTIONS
from dataops.warehouse import WarehouseLocation, open_warehouse


@dataclass(frozen=True)
class DecidedShare:
    """Transactions of ``batch_date`` decided by ``version`` scoring as ``role`` (``share`` of the day)."""

    batch_date: date
    version: str
    role: str
    transactions: int
    share: float


def decided_by(location: WarehouseLocation | Any, dataset: str, *, days: int = 14) -> list[DecidedShare]:
    """The deciding rows of the dataset's last ``days`` scored batches, newest first.

    :param location: the warehouse (a location, URL or :class:`~dataops.warehouse.Warehouse`).
    :param dataset: dataset name.
    :param days: how many of the most recent scored batch dates.
    """
    warehouse = open_warehouse(location)
    if not warehouse.table_exists(PREDICTIONS):
        return []
    rows = warehouse.fetchall(
        f"SELECT p.batch_date, p.model_version, p.role, count(*) FROM {PREDICTIONS} p "
        f"WHERE p.dataset = ? AND p.decides AND p.batch_date IN (SELECT DISTINCT batch_date FROM {PREDICTIONS} "
        "WHERE dataset = ? AND decides ORDER BY batch_date DESC LIMIT ?) "
        "GROUP BY p.batch_date, p.model_version, p.role ORDER BY p.batch_date DESC, p.model_version",
        [dataset, dataset, int(days)])
    totals: dict[Any, int] = {}
    for d, _, _, n in rows:
        totals[d] = totals.get(d, 0) + int(n)
    return [DecidedShare(d if isinstance(d, date) else date.fromisoformat(str(d)), str(v), str(r), int(n),
                         int(n) / totals[d]) for d, v, r, n in rows]
