"""The smoke DAG really writes to S3, the warehouse (DuckDB file or PostgreSQL) and the SMTP server (no mocks)."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

pytestmark = pytest.mark.slow


def _smoke_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder="dags/smoke_stack.py")
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag("smoke_stack")


def test_smoke_dag_touches_s3_duckdb_and_smtp(airflow_db, stack_connections, s3_client):
    dag = _smoke_dag()
    run = dag.test(logical_date=datetime(2026, 3, 14, tzinfo=UTC))
    assert run.state == "success"

    body = s3_client.get_object(Bucket="landing", Key="smoke/day=2026-03-14/marker.json")["Body"].read()
    assert b'"day": "2026-03-14"' in body

    with duckdb.connect(str(stack_connections["warehouse"])) as con:
        rows = con.execute("SELECT day::VARCHAR, s3_key FROM smoke.runs").fetchall()
    assert rows == [("2026-03-14", "smoke/day=2026-03-14/marker.json")]

    messages = stack_connections["mail_sink"].messages()
    assert len(messages) == 1
    assert messages[0]["Subject"] == "[SMOKE] embedded stack OK 2026-03-14"
    assert "smoke.runs rows: 1" in messages[0].get_body(("html", "plain")).get_content()


def test_smoke_dag_rerun_keeps_one_row(airflow_db, stack_connections):
    dag = _smoke_dag()
    for _ in range(2):
        assert dag.test(logical_date=datetime(2026, 3, 15, tzinfo=UTC)).state == "success"
    with duckdb.connect(str(stack_connections["warehouse"])) as con:
        assert con.execute("SELECT count(*) FROM smoke.runs").fetchone()[0] == 1


def test_smoke_dag_on_a_postgres_warehouse(airflow_db, stack_connections, pg_database, monkeypatch):
    """``warehouse_default`` of type postgres: the warehouse step goes through the PostgreSQL implementation."""
    import json

    from dataops.warehouse import open_warehouse

    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_DEFAULT", json.dumps({
        "conn_type": "postgres", "host": pg_database.host, "port": pg_database.port, "login": pg_database.user,
        "password": pg_database.password, "schema": pg_database.database}))
    run = _smoke_dag().test(logical_date=datetime(2026, 3, 16, tzinfo=UTC))
    assert run.state == "success", {ti.task_id: ti.state for ti in run.get_task_instances()}
    rows = open_warehouse(pg_database).fetchall("SELECT CAST(day AS VARCHAR), s3_key FROM smoke.runs")
    assert rows == [("2026-03-16", "smoke/day=2026-03-16/marker.json")]
    assert not stack_connections["warehouse"].exists()  # nothing went to the DuckDB file
