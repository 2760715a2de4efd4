"""The metrics history ``quality.metric_history`` and the analysts' label audit ``quality.label_audit``.

One row per (dataset, metric, batch_date). The gate replaces the rows of the metrics it evaluated for a date
in one transaction (a rerun never duplicates), and batches whose gate failed are recorded too. The status
of a point is set by the gate (``in_baseline``, or ``out_of_control`` for a critical verdict) unless an
analyst labelled it ``known_bad`` or ``false_positive``: a rerun keeps the analyst's label.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from dataops.spc import CRITICAL, FALSE_POSITIVE, IN_BASELINE, KNOWN_BAD, OUT_OF_CONTROL, Evaluation, Point
from dataops.warehouse import Warehouse, WarehouseLocation, open_warehouse, transaction

HISTORY = "quality.metric_history"
AUDIT = "quality.label_audit"
ANALYST_STATUSES = (KNOWN_BAD, FALSE_POSITIVE)

_DDL = (
    "CREATE SCHEMA IF NOT EXISTS quality",
    f"""CREATE TABLE IF NOT EXISTS {HISTORY} (
        dataset VARCHAR(100) NOT NULL, metric VARCHAR(200) NOT NULL, batch_date DATE NOT NULL,
        value DOUBLE PRECISION, n BIGINT, status VARCHAR(20) NOT NULL, verdict VARCHAR(20) NOT NULL,
        centre DOUBLE PRECISION, ucl DOUBLE PRECISION, lcl DOUBLE PRECISION, z DOUBLE PRECISION,
        rules VARCHAR(1000), evaluated_at TIMESTAMP, run_id VARCHAR(250),
        PRIMARY KEY (dataset, metric, batch_date))""",
    f"""CREATE TABLE IF NOT EXISTS {AUDIT} (
        dataset VARCHAR(100), metric VARCHAR(200), batch_date DATE, old_status VARCHAR(20),
        new_status VARCHAR(20), labelled_by VARCHAR(200), labelled_at TIMESTAMP, comment VARCHAR(2000),
        run_id VARCHAR(250))""",
)


def ensure_tables(where: Warehouse | WarehouseLocation | str) -> None:
    """Create the ``quality`` schema and its two tables if missing.

    :param where: the warehouse (a :class:`~dataops.warehouse.Warehouse`, its location or URL).
    """
    with open_warehouse(where).connect() as con:
        for ddl in _DDL:
            con.execute(ddl)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _as_date(d: date | str) -> date:
    return d if isinstance(d, date) else date.fromisoformat(str(d))


def _marks(values: Iterable) -> str:
    """``?, ?, ...``: one placeholder per value (an ``IN (...)`` list)."""
    return ", ".join("?" for _ in values)


def load_history(where: Warehouse | WarehouseLocation | str, dataset: str, metrics: Iterable[str],
                 before: date | str) -> dict[str, list[Point]]:
    """Earlier points of each metric (every status), oldest first.

    :param where: the warehouse.
    :param dataset: dataset name.
    :param metrics: metric names.
    :param before: only batches strictly before this date.
    """
    names = list(metrics)
    out: dict[str, list[Point]] = {m: [] for m in names}
    if not names:
        return out
    rows = open_warehouse(where).fetchall(
        f"SELECT metric, batch_date, value, n, status FROM {HISTORY} WHERE dataset = ? "
        f"AND batch_date < CAST(? AS DATE) AND value IS NOT NULL AND metric IN ({_marks(names)}) "
        "ORDER BY batch_date", [dataset, _as_date(before).isoformat(), *names])
    for metric, batch_date, value, n, status in rows:
        out[metric].append(Point(_as_date(batch_date), float(value), int(n) if n else None, status))
    return out


def labels_of(where: Warehouse | WarehouseLocation | str, dataset: str, batch_date: date | str) -> dict[str, str]:
    """Analyst labels (``known_bad`` / ``false_positive``) of the batch's metrics.

    :param where: the warehouse.
    :param dataset: dataset name.
    :param batch_date: the batch.
    """
    rows = open_warehouse(where).fetchall(
        f"SELECT metric, status FROM {HISTORY} WHERE dataset = ? AND batch_date = CAST(? AS DATE) "
        f"AND status IN ({_marks(ANALYST_STATUSES)})",
        [dataset, _as_date(batch_date).isoformat(), *ANALYST_STATUSES])
    return {m: s for m, s in rows}


@dataclass(frozen=True)
class HistoryRow:
    """One evaluated point to record (value may be None when the batch had no data for the metric)."""

    metric: str
    value: float | None
    n: int | None
    verdict: str
    centre: float | None = None
    ucl: float | None = None
    lcl: float | None = None
    z: float | None = None
    rules: tuple[str, ...] = ()

    @classmethod
    def from_evaluation(cls, ev: Evaluation) -> HistoryRow:
        d = ev.to_dict()
        return cls(metric=ev.metric, value=d["value"], n=ev.n, verdict=ev.verdict, centre=d["centre"],
                   ucl=d["ucl"], lcl=d["lcl"], z=d["z"], rules=tuple(f.rule for f in ev.findings))


def gate_status(verdict: str) -> str:
    """Status the gate gives a point: ``out_of_control`` when critical, else ``in_baseline``."""
    return OUT_OF_CONTROL if verdict == CRITICAL else IN_BASELINE


def write_points(where: Warehouse | WarehouseLocation | str, dataset: str, batch_date: date | str,
                 rows: list[HistoryRow], run_id: str | None) -> dict[str, str]:
    """Replace the batch's rows of these metrics in one transaction, keeping analysts' labels.

    :param where: the warehouse.
    :param dataset: dataset name.
    :param batch_date: the batch.
    :param rows: one per metric.
    :param run_id: the pipeline run that evaluated them.
    :returns: metric -> status written.
    """
    if not rows:
        return {}
    d = _as_date(batch_date).isoformat()
    names = [r.metric for r in rows]
    key = f"dataset = ? AND batch_date = CAST(? AS DATE) AND metric IN ({_marks(names)})"
    now = _now()
    with open_warehouse(where).connect() as con, transaction(con):
        kept = dict(con.execute(f"SELECT metric, status FROM {HISTORY} WHERE {key} "
                                f"AND status IN ({_marks(ANALYST_STATUSES)})",
                                [dataset, d, *names, *ANALYST_STATUSES]).fetchall())
        con.execute(f"DELETE FROM {HISTORY} WHERE {key}", [dataset, d, *names])
        statuses = {r.metric: kept.get(r.metric, gate_status(r.verdict)) for r in rows}
        con.executemany(
            f"INSERT INTO {HISTORY} (dataset, metric, batch_date, value, n, status, verdict, centre, ucl, lcl, z, "
            "rules, evaluated_at, run_id) VALUES (?, ?, CAST(? AS DATE), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(dataset, r.metric, d, r.value, r.n, statuses[r.metric], r.verdict, r.centre, r.ucl, r.lcl, r.z,
              json.dumps(list(r.rules)), now, run_id) for r in rows])
    return statuses


def set_label(where: Warehouse | WarehouseLocation | str, dataset: str, batch_date: date | str, status: str, *,
              labelled_by: str, comment: str = "", metrics: Iterable[str] | None = None,
              run_id: str | None = None) -> list[str]:
    """Label recorded points of a batch ``known_bad`` or ``false_positive`` and audit who, when and why.

    :param where: the warehouse.
    :param dataset: dataset name.
    :param batch_date: the batch.
    :param status: ``known_bad`` or ``false_positive``.
    :param labelled_by: the analyst (Airflow user or ``owner``).
    :param comment: the analyst's reason.
    :param metrics: only these metrics (default: every metric recorded for the batch).
    :param run_id: the labelling run.
    :returns: the metrics labelled.
    :raises ValueError: unknown status, or nothing recorded for the batch.
    """
    if status not in ANALYST_STATUSES:
        raise ValueError(f"label must be one of {ANALYST_STATUSES}, got {status!r}")
    d = _as_date(batch_date).isoformat()
    wanted = set(metrics or [])
    warehouse = open_warehouse(where)
    ensure_tables(warehouse)
    with warehouse.connect() as con, transaction(con):
        current = con.execute(f"SELECT metric, status FROM {HISTORY} WHERE dataset = ? "
                              "AND batch_date = CAST(? AS DATE) ORDER BY metric", [dataset, d]).fetchall()
        chosen = [(m, s) for m, s in current if not wanted or m in wanted]
        if not chosen:
            what = f"metrics {sorted(wanted)}" if wanted else "any metric"
            raise ValueError(f"{dataset} {d}: no recorded point of {what} in {HISTORY}; run the quality gate first")
        now = _now()
        for metric, old in chosen:
            con.execute(f"UPDATE {HISTORY} SET status = ? WHERE dataset = ? AND metric = ? "
                        "AND batch_date = CAST(? AS DATE)", [status, dataset, metric, d])
            con.execute(f"INSERT INTO {AUDIT} VALUES (?, ?, CAST(? AS DATE), ?, ?, ?, ?, ?, ?)",
                        [dataset, metric, d, old, status, labelled_by, now, comment, run_id])
    return [m for m, _ in chosen]
