"""Alert e-mails through a real SMTP server (the ``mail_sink`` fixture), the outbox, and the Airflow sender.

The dispatch tests run on both warehouses (a DuckDB file and a fresh PostgreSQL database)."""

from __future__ import annotations

import smtplib
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from dataops.alerts import dispatch_alerts
from dataops.devstack.settings import connection_env
from dataops.devstack.smtp_sink import free_port
from dataops.spc import Point
from dataops.warehouse import WarehouseLocation
from tests.unit.alerts.spc_inputs import history, judge

METRIC = "amount_log_mean"
LINKS = {"data_docs": "http://127.0.0.1:8080/reports/data_docs/index.html",
         "task": "http://127.0.0.1:8080/dags/quality_gate/runs/r1/tasks/spc"}


def smtp_sender(port: int):
    """``send`` over plain SMTP to 127.0.0.1:port."""

    def send(message) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
            client.send_message(message)

    return send


def flagged_batch(value: float = 5.6):
    pts = history()
    pts[20] = Point(pts[20].batch_date, 5.4, status="known_bad")
    return judge(METRIC, pts, Point(pts[-1].batch_date + timedelta(days=1), value))


def dispatch(location, run_key, ev, series, send):
    return dispatch_alerts(location, dataset="transactions", batch_date=ev["batch_date"], run_key=run_key,
                           evaluations=[ev], series={METRIC: series}, links=LINKS,
                           recipients=["analysts@localhost", "oncall@localhost"], send=send)


def test_alert_arrives_with_table_inline_chart_and_text(warehouse, mail_sink):
    location = warehouse
    ev, series = flagged_batch()
    out = dispatch(location, "quality_gate/r1/spc", ev, series, smtp_sender(mail_sink.port))
    assert out["sent"]
    (msg,) = mail_sink.messages()
    assert msg["Subject"] == out["subject"] and out["subject"].startswith(
        f"[CRITICAL] transactions.{METRIC} {ev['batch_date']}: +")
    assert msg["Message-ID"] == out["message_id"] and msg["X-DataOps-Run-Key"] == "quality_gate/r1/spc"
    assert msg.get_content_type() == "multipart/alternative"
    html_part = msg.get_body(preferencelist=("html",))
    html = html_part.get_content()
    assert f"<td><b>transactions.{METRIC}</b></td>" in html and f"{ev['ucl']:.4g}" in html
    excluded_day = ev["excluded_dates"][0]["batch_date"]
    assert f"{excluded_day} (known_bad)" in html
    (image,) = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert image.get_content().startswith(b"\x89PNG\r\n\x1a\n")
    assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "airflow dags trigger quality_labels --conf" in text and LINKS["task"] in text

    again = dispatch(location, "quality_gate/r1/spc", ev, series, smtp_sender(mail_sink.port))
    assert not again["sent"] and "already handled" in again["reason"] and len(mail_sink.messages()) == 1
    assert warehouse.fetchall("SELECT status, subject, batch_date FROM quality.alert_log WHERE run_key = ?",
                              ["quality_gate/r1/spc"]) == [("sent", out["subject"], date.fromisoformat(ev["batch_date"]))]
    assert warehouse.fetchall("SELECT metric, days_out, last_verdict FROM quality.alert_state") == [
        (METRIC, 1, "critical")]


def test_smtp_down_keeps_the_message_and_the_next_call_delivers_it(warehouse, mail_sink):
    location = warehouse
    ev, series = flagged_batch()
    down = dispatch(location, "run-1", ev, series, smtp_sender(free_port()))  # nothing listens there
    assert down["queued_in_outbox"] and not down["sent"] and not mail_sink.messages()
    assert warehouse.fetchall("SELECT run_key, attempts FROM quality.alert_outbox") == [("run-1", 1)]

    # next day, clean batch, server back: the queued alert goes out first, nothing new is sent
    pts = history()
    clean, clean_series = judge("tx_count", pts, Point(pts[-1].batch_date + timedelta(days=1), 5.0))
    up = dispatch_alerts(location, dataset="transactions", batch_date=clean["batch_date"], run_key="run-2",
                         evaluations=[clean], series={"tx_count": clean_series}, links=LINKS,
                         recipients=["analysts@localhost"], send=smtp_sender(mail_sink.port))
    assert up["flushed_from_outbox"] == 1 and not up["sent"]
    (msg,) = mail_sink.messages()
    assert msg["Subject"] == down["subject"] and msg["Message-ID"] == down["message_id"]
    assert any(p.get_content_type() == "image/png" for p in msg.walk())
    assert warehouse.fetchone("SELECT count(*) FROM quality.alert_outbox") == (0,)
    assert warehouse.fetchone("SELECT status FROM quality.alert_log WHERE run_key = 'run-1'") == ("sent",)


@pytest.fixture
def smtp_connection(monkeypatch, tmp_path, mail_sink):
    env = connection_env("http://127.0.0.1:1", mail_sink.port, tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", env["AIRFLOW_CONN_SMTP_DEFAULT"])
    return mail_sink


def test_airflow_smtp_sender_delivers_the_alert(tmp_path, smtp_connection):
    from dataops_airflow.notifiers import smtp_send_function

    location = WarehouseLocation.duckdb(tmp_path / "warehouse.duckdb")
    ev, series = flagged_batch()
    out = dispatch(location, "run-airflow", ev, series, smtp_send_function("smtp_default"))
    assert out["sent"]
    (msg,) = smtp_connection.messages()
    assert msg["Subject"] == out["subject"] and msg["To"] == "analysts@localhost, oncall@localhost"
    assert any(p.get_content_type() == "image/png" for p in msg.walk())


def test_airflow_smtp_sender_failure_is_a_delivery_error(monkeypatch, tmp_path, mail_sink):
    from dataops_airflow.notifiers import smtp_send_function

    env = connection_env("http://127.0.0.1:1", free_port(), tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", env["AIRFLOW_CONN_SMTP_DEFAULT"])
    location = WarehouseLocation.duckdb(tmp_path / "warehouse.duckdb")
    ev, series = flagged_batch()
    out = dispatch(location, "run-down", ev, series, smtp_send_function())
    assert out["queued_in_outbox"] and not mail_sink.messages()


def test_ops_failure_notifier_emails_task_exception_and_log(smtp_connection):
    from dataops_airflow.notifiers import OpsFailureNotifier

    ti = SimpleNamespace(dag_id="value_pipeline", task_id="ingest_transactions", run_id="scheduled__2026-03-14",
                         try_number=2, log_url="http://127.0.0.1:8080/dags/value_pipeline/runs/x/tasks/y?try=2")
    context = {"ti": ti, "exception": ValueError("bad row <script>alert(1)</script> & more")}
    OpsFailureNotifier(to="ops@localhost, lead@localhost")(context)
    (msg,) = smtp_connection.messages()
    assert msg["Subject"] == "[AIRFLOW FAILURE] value_pipeline.ingest_transactions (scheduled__2026-03-14)"
    assert msg["To"] == "ops@localhost, lead@localhost" and msg["From"] == "dataops@localhost"
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "ValueError: bad row <script>alert(1)</script> & more" in text and ti.log_url in text
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert f'href="{ti.log_url}"' in html
