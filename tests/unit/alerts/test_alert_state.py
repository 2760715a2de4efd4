"""Alert state machine and delivery bookkeeping: one e-mail per run, digests instead of storms, outbox.

Every test that writes the alert tables runs on both warehouses (a DuckDB file and a PostgreSQL database)."""

from __future__ import annotations

import smtplib
from datetime import date, datetime, timedelta

import pytest

from dataops.alerts import dispatch_alerts
from dataops.alerts.inputs import metric_result
from dataops.alerts.state import MetricState, StoredState, build_digest
from dataops.spc import Point
from dataops.warehouse import open_warehouse
from tests.unit.alerts.spc_inputs import Outbox, history, judge

METRIC = "amount_log_mean"


class Days:
    """A metric's daily batches judged by the real SPC engine, flagged batches marked out_of_control."""

    def __init__(self, metric: str = METRIC, seed: int = 7) -> None:
        self.metric = metric
        self.points = history(seed=seed)

    def next(self, value: float):
        today = Point(self.points[-1].batch_date + timedelta(days=1), value)
        ev, series = judge(self.metric, self.points, today)
        status = "out_of_control" if ev["verdict"] in ("warning", "critical") else "in_baseline"
        self.points.append(Point(today.batch_date, value, status=status))
        return ev, series


@pytest.fixture
def location(warehouse_location):
    return warehouse_location


def run(location, run_key, evaluations, series, send, batch_date=None):
    return dispatch_alerts(location, dataset="transactions", batch_date=batch_date or evaluations[0]["batch_date"],
                           run_key=run_key, evaluations=evaluations, series=series,
                           links={"data_docs": "http://docs", "task": "http://task"},
                           recipients=["analysts@localhost"], send=send,
                           now=datetime(2026, 3, 14, 6, 0))


def html(msg) -> str:
    return msg.get_body(preferencelist=("html",)).get_content()


def rows(location, sql):
    return open_warehouse(location).fetchall(sql)


def test_first_alert_then_digest_then_recovery(location):
    days, box = Days(), Outbox()
    ev1, s1 = days.next(5.6)
    out1 = run(location, "run-1", [ev1], {METRIC: s1}, box)
    assert ev1["verdict"] == "critical" and out1["sent"] and "sigma (Nelson 1)" in out1["subject"]
    assert "New alerts" in html(box.messages[0])

    ev2, s2 = days.next(5.65)
    assert ev2["verdict"] == "critical"
    out2 = run(location, "run-2", [ev2], {METRIC: s2}, box)
    assert len(box.messages) == 2  # one digest, not a second alert
    assert out2["subject"] == (f"[CRITICAL] transactions.{METRIC} {ev2['batch_date']}: "
                               "still out of control, day 2 (Nelson 1)")
    body = html(box.messages[1])
    assert "New alerts" not in body and body.count("still out of control, day 2") == 1
    assert f"since {ev1['batch_date']}" in body

    ev3, s3 = days.next(5.66)
    out3 = run(location, "run-3", [ev3], {METRIC: s3}, box)
    assert "still out of control, day 3" in out3["subject"]

    ev4, s4 = days.next(4.98)
    assert ev4["verdict"] == "in_control"
    out4 = run(location, "run-4", [ev4], {METRIC: s4}, box)
    assert out4["sent"] and out4["subject"].startswith(f"[RESOLVED] transactions.{METRIC} {ev4['batch_date']}")
    assert "back in control" in html(box.messages[3]) and f"out since {ev1['batch_date']}" in html(box.messages[3])
    assert rows(location, "SELECT since_date, days_out, last_verdict FROM quality.alert_state") == [
        (None, 0, "in_control")]

    ev5, s5 = days.next(5.01)
    out5 = run(location, "run-5", [ev5], {METRIC: s5}, box)
    assert not out5["sent"] and out5["reason"] == "nothing worth telling" and len(box.messages) == 4
    statuses = rows(location, "SELECT run_key, status FROM quality.alert_log ORDER BY run_key")
    assert statuses == [("run-1", "sent"), ("run-2", "sent"), ("run-3", "sent"), ("run-4", "sent"),
                        ("run-5", "nothing_to_send")]


def test_same_run_key_twice_sends_nothing_new(location):
    days, box = Days(), Outbox()
    ev, s = days.next(5.6)
    first = run(location, "dag/run/quality_gate", [ev], {METRIC: s}, box)
    second = run(location, "dag/run/quality_gate", [ev], {METRIC: s}, box)
    assert first["sent"] and not second["sent"] and not second["queued_in_outbox"]
    assert len(box.messages) == 1 and "already handled" in second["reason"]
    assert second["subject"] == first["subject"]
    assert rows(location, "SELECT count(*), max(days_out) FROM quality.alert_state") == [(1, 1)]


def test_rerun_of_the_same_batch_keeps_the_day_count(location):
    days, box = Days(), Outbox()
    ev1, s1 = days.next(5.6)
    run(location, "a-1", [ev1], {METRIC: s1}, box)
    ev2, s2 = days.next(5.65)
    first = run(location, "a-2", [ev2], {METRIC: s2}, box)
    rerun = run(location, "a-2-manual-rerun", [ev2], {METRIC: s2}, box)  # new run key, same batch
    assert "day 2" in first["subject"] and "day 2" in rerun["subject"]
    assert rows(location, "SELECT days_out, since_date FROM quality.alert_state") == [
        (2, date.fromisoformat(ev1["batch_date"]))]


def test_new_and_continuing_metrics_share_one_email(location):
    a, b, box = Days("amount_log_mean", 7), Days("tx_count", 8), Outbox()
    ev_a1, s_a1 = a.next(5.6)
    ev_b1, s_b1 = b.next(5.0)
    run(location, "r1", [ev_a1, ev_b1], {"amount_log_mean": s_a1, "tx_count": s_b1}, box)
    ev_a2, s_a2 = a.next(5.65)
    ev_b2, s_b2 = b.next(4.4)
    assert ev_b1["verdict"] == "in_control" and ev_b2["verdict"] == "critical"
    out = run(location, "r2", [ev_a2, ev_b2], {"amount_log_mean": s_a2, "tx_count": s_b2}, box)
    assert len(box.messages) == 2
    # same severity: the new alert headlines, the continuing one is the "1 more"
    assert out["subject"] == (f"[CRITICAL] transactions.tx_count {ev_b2['batch_date']}: {ev_b2['z']:+.1f} sigma "
                              "(Nelson 1) and 1 more")
    body = html(box.messages[1])
    assert "New alerts" in body and "still out of control, day 2" in body
    assert body.count("cid:") == 2


def test_unreachable_smtp_queues_then_flushes_oldest_first(location):
    days, box = Days(), Outbox()
    box.error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    ev1, s1 = days.next(5.6)
    out1 = run(location, "q-1", [ev1], {METRIC: s1}, box)
    assert not out1["sent"] and out1["queued_in_outbox"] and out1["message_id"]
    box.error = ConnectionRefusedError(111, "Connection refused")
    ev2, s2 = days.next(5.65)
    out2 = run(location, "q-2", [ev2], {METRIC: s2}, box)
    assert out2["queued_in_outbox"] and out2["flushed_from_outbox"] == 0
    outbox = rows(location, "SELECT run_key, attempts, last_error FROM quality.alert_outbox ORDER BY id")
    assert [(r[0], r[1]) for r in outbox] == [("q-1", 2), ("q-2", 1)]
    assert outbox[0][2].startswith("ConnectionRefusedError")
    assert rows(location, "SELECT status, sent_at FROM quality.alert_log WHERE run_key = 'q-1'") == [
        ("queued", None)]
    assert not box.messages

    box.error = None
    retry = run(location, "q-2", [ev2], {METRIC: s2}, box)  # task retry: flushes, sends nothing new
    assert retry["flushed_from_outbox"] == 2 and not retry["sent"]
    assert [m["Subject"] for m in box.messages] == [out1["subject"], out2["subject"]]
    assert [m["Message-ID"] for m in box.messages] == [out1["message_id"], out2["message_id"]]
    assert rows(location, "SELECT count(*) FROM quality.alert_outbox") == [(0,)]
    assert rows(location, "SELECT DISTINCT status FROM quality.alert_log") == [("sent",)]


def test_other_errors_are_not_swallowed(location):
    days, box = Days(), Outbox()
    box.error = ValueError("bug in the sender")
    ev, s = days.next(5.6)
    with pytest.raises(ValueError, match="bug in the sender"):
        run(location, "bug", [ev], {METRIC: s}, box)
    assert rows(location, "SELECT count(*) FROM quality.alert_log") == [(0,)]  # retry will try again


def test_tables_are_created_idempotently(location):
    box = Outbox()
    for key in ("x", "y"):
        run(location, key, [], {}, box, batch_date="2026-03-14")
    tables = {r[0] for r in rows(location, "SELECT table_name FROM information_schema.tables "
                                           "WHERE table_schema = 'quality'")}
    assert tables == {"alert_log", "alert_state", "alert_outbox"}


# -- the pure state machine ---------------------------------------------------------------------------------

def result(metric: str, verdict: str, day: str = "2026-03-14"):
    sev = {"critical": "critical", "warning": "warning"}.get(verdict)
    findings = [{"rule": "nelson_1", "severity": sev, "description": "Nelson 1: beyond"}] if sev else []
    return metric_result({"metric": metric, "verdict": verdict, "findings": findings, "z": 3.5}, day)


def test_digest_transitions():
    d13, d14 = date(2026, 3, 13), date(2026, 3, 14)
    states = {
        "out": StoredState(MetricState(date(2026, 3, 10), 4, "critical", d13)),
        "ok": StoredState(MetricState(None, 0, "in_control", d13)),
        "recovering": StoredState(MetricState(date(2026, 3, 12), 2, "warning", d13)),
        "learning": StoredState(MetricState(date(2026, 3, 12), 2, "warning", d13)),
    }
    digest = build_digest([result("out", "critical"), result("ok", "warning"), result("recovering", "in_control"),
                           result("learning", "learning"), result("fresh", "in_control")], states, "2026-03-14")
    assert [(i.result.metric, i.days_out) for i in digest.continuing] == [("out", 5)]
    assert [i.result.metric for i in digest.new] == ["ok"]
    assert [(i.result.metric, i.days_out, i.since_date) for i in digest.recovered] == [
        ("recovering", 2, date(2026, 3, 12))]
    assert digest.updates["out"] == MetricState(date(2026, 3, 10), 5, "critical", d14)
    assert digest.updates["recovering"] == MetricState(None, 0, "in_control", d14)
    assert digest.updates["learning"].days_out == 2  # learning tells nothing about control
    assert digest.updates["fresh"].days_out == 0
    assert [i.result.metric for i in digest.flagged] == ["out", "ok"]  # critical before warning


def test_backfill_of_an_older_batch_leaves_the_state_alone():
    states = {"m": StoredState(MetricState(date(2026, 3, 10), 4, "critical", date(2026, 3, 13)))}
    digest = build_digest([result("m", "critical", "2026-03-01")], states, "2026-03-01")
    assert [i.kind for i in digest.new] == ["new"] and digest.updates == {}


def test_same_batch_judged_against_the_state_before_it():
    before = MetricState(date(2026, 3, 12), 2, "critical", date(2026, 3, 13))
    states = {"m": StoredState(MetricState(date(2026, 3, 12), 3, "critical", date(2026, 3, 14)), before)}
    digest = build_digest([result("m", "critical")], states, "2026-03-14")
    assert [i.days_out for i in digest.continuing] == [3]
