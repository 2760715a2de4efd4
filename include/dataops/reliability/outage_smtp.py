"""SMTP unreachable: an alert the server could not take is queued, and sent once when the server is back.

One case: the project's SMTP sink (:class:`~dataops.devstack.smtp_sink.MailSink`) is down when a quality
alert is dispatched; the alert is kept in ``quality.alert_outbox`` with ``last_error`` naming
``SMTP at host:port``; ``failed_flushes`` further dispatches (quiet runs) try the outbox while it is still
down; the sink starts on the same port; the next dispatch sends the alert, the one after sends nothing.
Counted from the sink's folder (messages carrying the alert's ``X-DataOps-Run-Key``) and the warehouse's alert
tables, not from the dispatcher's answers: delivered once is ``identical`` (as if SMTP had never been down),
never delivered is a lost alert, delivered twice a duplicated one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from dataops.alerts import dispatch_alerts
from dataops.alerts.smtp import smtp_send
from dataops.devstack.smtp_sink import MailSink, free_port
from dataops.reliability.accounting import IDENTICAL, MISMATCH, CaseResult
from dataops.spc import Point, evaluate_point
from dataops.warehouse import Warehouse

CLASS = "SMTP unreachable, alert sent later"
METRIC = "amount_log_mean"
HOST = "127.0.0.1"


def flagged_evaluation(day: date) -> dict[str, Any]:
    """A critical SPC verdict on ``day`` (30 quiet days before it, then a jump): an alert is due."""
    history = [Point(day - timedelta(days=30 - i), 5.0 + 0.05 * math.sin(i)) for i in range(30)]
    config = {"metric": METRIC, "min_baseline_points": 20, "baseline_window": 60}
    return evaluate_point(history, Point(day, 6.0), config).to_dict()


@dataclass
class _Run:
    """The dispatches of one case (same warehouse, dataset and send function)."""

    warehouse: Warehouse
    day: date
    send: Any

    def dispatch(self, run_key: str, evaluations: list[dict[str, Any]]) -> dict[str, Any]:
        return dispatch_alerts(self.warehouse, dataset="transactions", batch_date=self.day.isoformat(),
                               run_key=run_key, evaluations=evaluations, series={}, links={},
                               recipients=["ops@localhost"], send=self.send)


def delivered(folder: Path, run_key: str) -> int:
    """Messages in the sink's folder that carry ``run_key``."""
    count = 0
    for path in folder.glob("*.eml"):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        count += message["X-DataOps-Run-Key"] == run_key
    return count


def _outbox(warehouse: Warehouse, run_key: str) -> tuple[int, str]:
    row = warehouse.fetchone("SELECT attempts, last_error FROM quality.alert_outbox WHERE run_key = ?", [run_key])
    return (row[0], row[1] or "") if row else (0, "")


def run_smtp_case(*, warehouse: Warehouse, folder: Path, name: str, day: date, failed_flushes: int) -> CaseResult:
    """One alert through an SMTP outage (see the module).

    :param warehouse: holds the alert tables.
    :param folder: the sink writes its ``.eml`` files here (one folder per case).
    :param name: the case (its run keys are ``outage/<name>/...``).
    :param day: the batch date of the alert.
    :param failed_flushes: dispatches that try the outbox while the server is still down.
    """
    port = free_port(HOST)
    sink = MailSink(folder, port=port, host=HOST).start()
    sink.stop()  # SMTP goes down: nothing listens on the port until it starts again below
    where = f"SMTP at {HOST}:{port}"
    run = _Run(warehouse, day, smtp_send(host=HOST, port=port, timeout=5))
    key, problems = f"outage/{name}/alert", []
    first = run.dispatch(key, [flagged_evaluation(day)])
    for n in range(failed_flushes):
        if run.dispatch(f"outage/{name}/down-{n}", [])["flushed_from_outbox"]:
            problems.append(f"a flush while SMTP was down sent something (flush {n + 1})")
    attempts, last_error = _outbox(warehouse, key)
    with sink:
        back = run.dispatch(f"outage/{name}/back", [])
        again = run.dispatch(f"outage/{name}/again", [])
    count = delivered(folder, key)
    if not first["queued_in_outbox"] or attempts != 1 + failed_flushes or where not in last_error:
        problems.append(f"queued {first['queued_in_outbox']}, {attempts} attempt(s), last_error {last_error!r} "
                        f"(expected {1 + failed_flushes} naming {where})")
    if back["flushed_from_outbox"] != 1 or again["flushed_from_outbox"] != 0 or _outbox(warehouse, key)[0]:
        problems.append(f"flushed {back['flushed_from_outbox']} then {again['flushed_from_outbox']}; outbox "
                        f"{'still holds' if _outbox(warehouse, key)[0] else 'empty of'} the alert")
    status = warehouse.fetchone("SELECT status FROM quality.alert_log WHERE run_key = ?", [key])
    if status != ("sent",):
        problems.append(f"alert_log status {status}")
    outcome = IDENTICAL if count == 1 and not problems else MISMATCH
    return CaseResult(CLASS, name, files=0, rows=1, outcome=outcome, lost=int(count == 0),
                      duplicated=max(0, count - 1), problems=problems)


def run_smtp_cases(*, warehouse: Warehouse, folder: Path, variants: int, start: date) -> list[CaseResult]:
    """``variants`` cases, the n-th with ``n`` failed flushes before SMTP is back (0, 1, 2 ...).

    :param warehouse: holds the alert tables.
    :param folder: each case's sink writes under ``folder/<case>``.
    :param variants: cases to run.
    :param start: the first case's batch date (one day per case).
    """
    return [run_smtp_case(warehouse=warehouse, folder=folder / f"smtp-{n}", name=f"smtp-{n}",
                          day=start + timedelta(days=n), failed_flushes=n) for n in range(variants)]
