"""An alert while the SMTP server is down: the project's SMTP sink stopped, then started again on the same port.

The alert is kept in ``quality.alert_outbox`` with ``last_error`` naming ``SMTP at host:port``; once the sink
is back the next dispatch sends it exactly once (counted in the sink's folder by its ``X-DataOps-Run-Key``),
and a further dispatch sends nothing.
"""

from __future__ import annotations

from datetime import date

import pytest

from dataops.alerts import dispatch_alerts
from dataops.alerts.smtp import smtp_send
from dataops.devstack.settings import connection_env
from dataops.devstack.smtp_sink import MailSink, free_port
from dataops.reliability.outage_smtp import delivered, flagged_evaluation
from dataops.warehouse import WarehouseLocation, open_warehouse

DAY = date(2028, 5, 1)


@pytest.fixture
def warehouse(tmp_path):
    return open_warehouse(WarehouseLocation.duckdb(tmp_path / "warehouse.duckdb"))


@pytest.fixture
def stopped_sink(tmp_path):
    """The SMTP sink, started once on its port and stopped: the port refuses connections until it starts."""
    sink = MailSink(tmp_path / "mail", port=free_port()).start()
    port = sink.port
    sink.stop()
    yield sink, port
    sink.stop()


def dispatch(warehouse, run_key, evaluations, send):
    return dispatch_alerts(warehouse, dataset="transactions", batch_date=DAY.isoformat(), run_key=run_key,
                           evaluations=evaluations, series={}, links={}, recipients=["ops@localhost"], send=send)


def test_alert_queued_while_smtp_is_down_is_sent_once_when_it_is_back(warehouse, stopped_sink, tmp_path):
    sink, port = stopped_sink
    send = smtp_send(host="127.0.0.1", port=port, timeout=5)
    down = dispatch(warehouse, "gate/run-1", [flagged_evaluation(DAY)], send)
    assert down["queued_in_outbox"] and not down["sent"]
    quiet = dispatch(warehouse, "gate/run-2", [], send)  # the next run, SMTP still down: kept, tried once more
    assert quiet["flushed_from_outbox"] == 0
    ((attempts, last_error),) = warehouse.fetchall("SELECT attempts, last_error FROM quality.alert_outbox "
                                                    "WHERE run_key = 'gate/run-1'")
    assert attempts == 2
    assert last_error.startswith(f"ServiceUnreachable: SMTP at 127.0.0.1:{port} unreachable after 1 attempt(s) "
                                 "(ConnectionRefusedError: ")
    assert "quality.alert_outbox" in last_error

    sink.start()
    assert sink.port == port
    back = dispatch(warehouse, "gate/run-3", [], send)
    again = dispatch(warehouse, "gate/run-4", [], send)
    assert (back["flushed_from_outbox"], again["flushed_from_outbox"]) == (1, 0)
    assert delivered(tmp_path / "mail", "gate/run-1") == 1 and len(sink.messages()) == 1
    assert warehouse.fetchone("SELECT count(*) FROM quality.alert_outbox") == (0,)
    assert warehouse.fetchone("SELECT status FROM quality.alert_log WHERE run_key = 'gate/run-1'") == ("sent",)


def test_airflow_sender_names_the_smtp_host_and_port_of_its_connection(monkeypatch, warehouse, stopped_sink,
                                                                        tmp_path):
    from dataops_airflow.notifiers import smtp_send_function

    sink, port = stopped_sink
    env = connection_env("http://127.0.0.1:1", port, tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", env["AIRFLOW_CONN_SMTP_DEFAULT"])
    down = dispatch(warehouse, "gate/airflow-1", [flagged_evaluation(DAY)], smtp_send_function("smtp_default"))
    assert down["queued_in_outbox"]
    (last_error,) = warehouse.fetchone("SELECT last_error FROM quality.alert_outbox")
    assert f"SMTP at 127.0.0.1:{port} unreachable after" in last_error

    sink.start()
    back = dispatch(warehouse, "gate/airflow-2", [], smtp_send_function("smtp_default"))
    assert back["flushed_from_outbox"] == 1 and delivered(tmp_path / "mail", "gate/airflow-1") == 1
