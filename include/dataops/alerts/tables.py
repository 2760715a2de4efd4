"""The alert tables in the warehouse (schema ``quality``) and the reads and writes on them.

* ``quality.alert_log`` -- one row per (run key, dataset): what was sent, queued or found quiet; a run key
  already ``sent`` or ``queued`` sends nothing again (task retries).
* ``quality.alert_state`` -- per (dataset, metric): current out-of-control episode, see :mod:`.state`.
* ``quality.alert_outbox`` -- messages the SMTP server did not take, raw RFC 5322 bytes in base64, flushed
  oldest first by the next dispatch.

All functions take an open connection from :meth:`dataops.warehouse.Warehouse.connect` (DuckDB's calling
conventions on both engines); writes run inside the caller's :func:`dataops.warehouse.transaction`. The DDL
and SQL are valid on both DuckDB and PostgreSQL.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dataops.alerts.state import MetricState, StoredState

SCHEMA = "quality"
ALERT_LOG = f"{SCHEMA}.alert_log"
ALERT_STATE = f"{SCHEMA}.alert_state"
ALERT_OUTBOX = f"{SCHEMA}.alert_outbox"

SENT = "sent"
QUEUED = "queued"
NOTHING = "nothing_to_send"
NO_RECIPIENTS = "no_recipients"
#: Statuses that make a repeated run key a no-op.
FINAL_STATUSES = (SENT, QUEUED)

_DDL = (
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"""CREATE TABLE IF NOT EXISTS {ALERT_LOG} (
        run_key VARCHAR NOT NULL, dataset VARCHAR NOT NULL, batch_date DATE, subject VARCHAR,
        sent_at TIMESTAMP, status VARCHAR NOT NULL, message_id VARCHAR, recipients VARCHAR,
        logged_at TIMESTAMP
    )""",
    f"""CREATE TABLE IF NOT EXISTS {ALERT_STATE} (
        dataset VARCHAR NOT NULL, metric VARCHAR NOT NULL, since_date DATE, days_out INTEGER,
        last_verdict VARCHAR, last_batch_date DATE, prev_since_date DATE, prev_days_out INTEGER,
        prev_verdict VARCHAR, prev_batch_date DATE, updated_at TIMESTAMP
    )""",
    f"""CREATE TABLE IF NOT EXISTS {ALERT_OUTBOX} (
        id BIGINT NOT NULL, run_key VARCHAR NOT NULL, dataset VARCHAR NOT NULL, batch_date DATE,
        subject VARCHAR, message_b64 VARCHAR NOT NULL, created_at TIMESTAMP, attempts INTEGER,
        last_error VARCHAR
    )""",
)


def ensure_alert_tables(con: Any) -> None:
    """Create schema ``quality`` and the three alert tables if missing (idempotent)."""
    for ddl in _DDL:
        con.execute(ddl)


def logged_status(con: Any, run_key: str, dataset: str) -> tuple[str, str | None] | None:
    """(status, subject) of a run key already handled with a final status, else ``None``."""
    marks = ", ".join("?" for _ in FINAL_STATUSES)
    row = con.execute(
        f"SELECT status, subject FROM {ALERT_LOG} WHERE run_key = ? AND dataset = ? AND status IN ({marks}) "
        "ORDER BY logged_at DESC LIMIT 1", [run_key, dataset, *FINAL_STATUSES]).fetchone()
    return (row[0], row[1]) if row else None


def write_log(con: Any, *, run_key: str, dataset: str, batch_date: date, subject: str | None, status: str,
              now: datetime, message_id: str | None = None, recipients: list[str] | None = None) -> None:
    """Replace the log row of (run key, dataset)."""
    con.execute(f"DELETE FROM {ALERT_LOG} WHERE run_key = ? AND dataset = ?", [run_key, dataset])
    con.execute(
        f"INSERT INTO {ALERT_LOG} (run_key, dataset, batch_date, subject, sent_at, status, message_id, "
        "recipients, logged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_key, dataset, batch_date, subject, now if status == SENT else None, status, message_id,
         ", ".join(recipients or []), now])


def mark_sent(con: Any, run_key: str, dataset: str, now: datetime) -> None:
    """A queued message went out: set its log row to ``sent``."""
    con.execute(f"UPDATE {ALERT_LOG} SET status = ?, sent_at = ? WHERE run_key = ? AND dataset = ?",
                [SENT, now, run_key, dataset])


def load_states(con: Any, dataset: str) -> dict[str, StoredState]:
    """The stored alert state of every metric of ``dataset``."""
    rows = con.execute(
        f"SELECT metric, since_date, days_out, last_verdict, last_batch_date, prev_since_date, prev_days_out, "
        f"prev_verdict, prev_batch_date FROM {ALERT_STATE} WHERE dataset = ?", [dataset]).fetchall()
    return {r[0]: StoredState(current=MetricState(r[1], int(r[2] or 0), r[3], r[4]),
                              previous=MetricState(r[5], int(r[6] or 0), r[7], r[8])) for r in rows}


def write_states(con: Any, dataset: str, updates: dict[str, MetricState], stored: dict[str, StoredState],
                 now: datetime) -> None:
    """Write the new state of each metric; the state before the batch is kept in ``prev_*``.

    :param updates: metric -> state after today's batch.
    :param stored: the rows read before (to carry the previous state).
    """
    for metric, state in updates.items():
        old = stored.get(metric)
        if old is None:
            prev = MetricState()
        elif old.current.last_batch_date == state.last_batch_date:  # same batch again: keep its "before"
            prev = old.previous
        else:
            prev = old.current
        con.execute(f"DELETE FROM {ALERT_STATE} WHERE dataset = ? AND metric = ?", [dataset, metric])
        con.execute(
            f"INSERT INTO {ALERT_STATE} (dataset, metric, since_date, days_out, last_verdict, last_batch_date, "
            "prev_since_date, prev_days_out, prev_verdict, prev_batch_date, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [dataset, metric, state.since_date, state.days_out, state.last_verdict, state.last_batch_date,
             prev.since_date, prev.days_out, prev.last_verdict, prev.last_batch_date, now])


@dataclass(frozen=True)
class OutboxEntry:
    """A queued message."""

    id: int
    run_key: str
    dataset: str
    subject: str | None
    raw: bytes
    attempts: int


def enqueue(con: Any, *, run_key: str, dataset: str, batch_date: date, subject: str, raw: bytes,
            error: str, now: datetime) -> None:
    """Keep a message the SMTP server did not take (one row per run key and dataset)."""
    con.execute(f"DELETE FROM {ALERT_OUTBOX} WHERE run_key = ? AND dataset = ?", [run_key, dataset])
    next_id = con.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {ALERT_OUTBOX}").fetchone()[0]
    con.execute(
        f"INSERT INTO {ALERT_OUTBOX} (id, run_key, dataset, batch_date, subject, message_b64, created_at, "
        "attempts, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [next_id, run_key, dataset, batch_date, subject, base64.b64encode(raw).decode("ascii"), now, 1, error])


def queued(con: Any) -> list[OutboxEntry]:
    """Every queued message, oldest first."""
    rows = con.execute(f"SELECT id, run_key, dataset, subject, message_b64, attempts FROM {ALERT_OUTBOX} "
                       "ORDER BY created_at, id").fetchall()
    return [OutboxEntry(r[0], r[1], r[2], r[3], base64.b64decode(r[4]), int(r[5] or 0)) for r in rows]


def dequeue(con: Any, entry_id: int) -> None:
    con.execute(f"DELETE FROM {ALERT_OUTBOX} WHERE id = ?", [entry_id])


def record_attempt(con: Any, entry_id: int, error: str) -> None:
    con.execute(f"UPDATE {ALERT_OUTBOX} SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                [error, entry_id])
