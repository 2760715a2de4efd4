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


def ensure_tables(engine) -> None:
    """Create the ``quality`` schema and its two tables if missing.

    :param engine: SQLAlchemy engine of the warehouse.
    """
    from sqlalchemy import text

    with engine.begin() as con:
        for ddl in _DDL:
            con.execute(text(ddl))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _as_date(d: date | str) -> date:
    return d if isinstance(d, date) else date.fromisoformat(str(d))


def load_history(engine, dataset: str, metrics: Iterable[str], before: date | str) -> dict[str, list[Point]]:
    """Earlier points of each metric (every status), oldest first.

    :param engine: SQLAlchemy engine.
    :param dataset: dataset name.
    :param metrics: metric names.
    :param before: only batches strictly before this date.
    """
    from sqlalchemy import bindparam, text

    names = list(metrics)
    out: dict[str, list[Point]] = {m: [] for m in names}
    if not names:
        return out
    stmt = text(f"SELECT metric, batch_date, value, n, status FROM {HISTORY} WHERE dataset = :ds "
                "AND batch_date < CAST(:d AS DATE) AND value IS NOT NULL AND metric IN :names "
                "ORDER BY batch_date").bindparams(bindparam("names", expanding=True))
    with engine.connect() as con:
        rows = con.execute(stmt, {"ds": dataset, "d": _as_date(before).isoformat(), "names": names}).fetchall()
    for metric, batch_date, value, n, status in rows:
        out[metric].append(Point(_as_date(batch_date), float(value), int(n) if n else None, status))
    return out


def labels_of(engine, dataset: str, batch_date: date | str) -> dict[str, str]:
    """Analyst labels (``known_bad`` / ``false_positive``) of the batch's metrics.

    :param engine: SQLAlchemy engine.
    :param dataset: dataset name.
    :param batch_date: the batch.
    """
    from sqlalchemy import bindparam, text

    stmt = text(f"SELECT metric, status FROM {HISTORY} WHERE dataset = :ds AND batch_date = CAST(:d AS DATE) "
                "AND status IN :labels").bindparams(bindparam("labels", expanding=True))
    with engine.connect() as con:
        rows = con.execute(stmt, {"ds": dataset, "d": _as_date(batch_date).isoformat(),
                                  "labels": list(ANALYST_STATUSES)}).fetchall()
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


def write_points(engine, dataset: str, batch_date: date | str, rows: list[HistoryRow], run_id: str | None
                 ) -> dict[str, str]:
    """Replace the batch's rows of these metrics in one transaction, keeping analysts' labels.

    :param engine: SQLAlchemy engine.
    :param dataset: dataset name.
    :param batch_date: the batch.
    :param rows: one per metric.
    :param run_id: the pipeline run that evaluated them.
    :returns: metric -> status written.
    """
    from sqlalchemy import bindparam, text

    if not rows:
        return {}
    d = _as_date(batch_date).isoformat()
    names = [r.metric for r in rows]
    now = _now()
    with engine.begin() as con:
        kept = dict(con.execute(text(
            f"SELECT metric, status FROM {HISTORY} WHERE dataset = :ds AND batch_date = CAST(:d AS DATE) "
            "AND metric IN :names AND status IN :labels").bindparams(
                bindparam("names", expanding=True), bindparam("labels", expanding=True)),
            {"ds": dataset, "d": d, "names": names, "labels": list(ANALYST_STATUSES)}).fetchall())
        con.execute(text(f"DELETE FROM {HISTORY} WHERE dataset = :ds AND batch_date = CAST(:d AS DATE) "
                         "AND metric IN :names").bindparams(bindparam("names", expanding=True)),
                    {"ds": dataset, "d": d, "names": names})
        statuses = {r.metric: kept.get(r.metric, gate_status(r.verdict)) for r in rows}
        con.execute(text(
            f"INSERT INTO {HISTORY} (dataset, metric, batch_date, value, n, status, verdict, centre, ucl, lcl, z, "
            "rules, evaluated_at, run_id) VALUES (:ds, :metric, CAST(:d AS DATE), :value, :n, :status, :verdict, "
            ":centre, :ucl, :lcl, :z, :rules, :at, :run_id)"),
            [{"ds": dataset, "metric": r.metric, "d": d, "value": r.value, "n": r.n, "status": statuses[r.metric],
              "verdict": r.verdict, "centre": r.centre, "ucl": r.ucl, "lcl": r.lcl, "z": r.z,
              "rules": json.dumps(list(r.rules)), "at": now, "run_id": run_id} for r in rows])
    return statuses


def set_label(engine, dataset: str, batch_date: date | str, status: str, *, labelled_by: str, comment: str = "",
              metrics: Iterable[str] | None = None, run_id: str | None = None) -> list[str]:
    """Label recorded points of a batch ``known_bad`` or ``false_positive`` and audit who, when and why.

    :param engine: SQLAlchemy engine.
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
    from sqlalchemy import text

    if status not in ANALYST_STATUSES:
        raise ValueError(f"label must be one of {ANALYST_STATUSES}, got {status!r}")
    d = _as_date(batch_date).isoformat()
    wanted = set(metrics or [])
    ensure_tables(engine)
    with engine.begin() as con:
        current = con.execute(text(f"SELECT metric, status FROM {HISTORY} WHERE dataset = :ds "
                                   "AND batch_date = CAST(:d AS DATE) ORDER BY metric"), {"ds": dataset, "d": d}
                              ).fetchall()
        chosen = [(m, s) for m, s in current if not wanted or m in wanted]
        if not chosen:
            what = f"metrics {sorted(wanted)}" if wanted else "any metric"
            raise ValueError(f"{dataset} {d}: no recorded point of {what} in {HISTORY}; run the quality gate first")
        now = _now()
        for metric, old in chosen:
            con.execute(text(f"UPDATE {HISTORY} SET status = :s WHERE dataset = :ds AND metric = :m "
                             "AND batch_date = CAST(:d AS DATE)"), {"s": status, "ds": dataset, "m": metric, "d": d})
            con.execute(text(f"INSERT INTO {AUDIT} VALUES (:ds, :m, CAST(:d AS DATE), :old, :new, :by, :at, :c, :r)"),
                        {"ds": dataset, "m": metric, "d": d, "old": old, "new": status, "by": labelled_by,
                         "at": now, "c": comment, "r": run_id})
    return [m for m, _ in chosen]
