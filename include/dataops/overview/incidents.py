"""Open incidents: batches with a critical point no analyst has labelled yet.

The gate records a critical point as ``out_of_control``; an analyst's triage turns it into ``known_bad`` or
``false_positive``. So an open incident is a (dataset, batch) with at least one point whose verdict is
``critical`` and whose status is still ``out_of_control``; its link is the triage run's Required Action.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from dataops.overview.tiles import as_date, parse_rules
from dataops.quality.history import HISTORY
from dataops.spc import CRITICAL, OUT_OF_CONTROL
from dataops.warehouse import Warehouse, WarehouseLocation, open_warehouse
from dataops.weblinks import triage_url

MAX_INCIDENTS = 50


@dataclass(frozen=True)
class Fired:
    """One critical metric of the batch: its value, the limits it broke and the rules that fired."""

    metric: str
    value: float | None
    lcl: float | None
    ucl: float | None
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Incident:
    """A critical batch waiting for an analyst's verdict."""

    dataset: str
    batch_date: date
    fired: tuple[Fired, ...]
    triage_url: str


def _rows(warehouse: Warehouse, datasets: Iterable[str] | None) -> list[tuple]:
    sql = (f"SELECT dataset, batch_date, metric, value, lcl, ucl, rules FROM {HISTORY} "
           "WHERE verdict = ? AND status = ?")
    params: list = [CRITICAL, OUT_OF_CONTROL]
    names = list(datasets) if datasets is not None else None
    if names is not None:
        if not names:
            return []
        sql += f" AND dataset IN ({', '.join('?' for _ in names)})"
        params += names
    return warehouse.fetchall(sql + " ORDER BY batch_date DESC, dataset, metric", params)


def open_incidents(where: Warehouse | WarehouseLocation | str, datasets: Iterable[str] | None = None, *,
                   limit: int = MAX_INCIDENTS, base: str | None = None) -> list[Incident]:
    """Unlabelled critical batches, newest first.

    :param where: the warehouse.
    :param datasets: only these datasets (default: every dataset).
    :param limit: at most this many batches.
    :param base: public base URL of the Airflow UI (default ``AIRFLOW__API__BASE_URL``).
    """
    warehouse = open_warehouse(where)
    if not warehouse.table_exists(HISTORY):
        return []
    grouped: dict[tuple[str, date], list[Fired]] = {}
    for dataset, day, metric, value, lcl, ucl, rules in _rows(warehouse, datasets):
        key = (dataset, as_date(day))
        if key not in grouped and len(grouped) >= limit:
            break
        grouped.setdefault(key, []).append(Fired(metric, value, lcl, ucl, parse_rules(rules)))
    return [Incident(ds, day, tuple(fired), triage_url(ds, day.isoformat(), base=base))
            for (ds, day), fired in grouped.items()]
