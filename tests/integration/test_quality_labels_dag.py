"""The quality_labels DAG with dag.test(): the label is attributed to the run's authenticated triggering user."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

pytestmark = pytest.mark.slow

DAY = "2026-02-03"


def _dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder="dags/quality_labels.py")
    assert not bag.import_errors, bag.import_errors
    dag = bag.get_dag("quality_labels")
    for t in dag.tasks:
        t.retries = 0
    return dag


def test_label_records_the_triggering_user_and_ignores_a_user_in_conf(airflow_db, stack_connections):
    from dataops.quality.history import HistoryRow, ensure_tables, write_points
    from dataops.warehouse import WarehouseLocation

    warehouse = WarehouseLocation.duckdb(stack_connections["warehouse"])
    ensure_tables(warehouse)
    write_points(warehouse, "transactions", DAY, [HistoryRow("row_count", 310.0, None, "critical")], "gate-run")

    dag = _dag()
    assert "user" not in dag.params, "the form must not ask who the analyst is"
    conf = {"dataset": "transactions", "batch_date": DAY, "verdict": "known_bad", "metrics": "row_count",
            "comment": "real outage upstream", "user": "mallory-forged"}
    run = dag.test(logical_date=datetime(2026, 2, 10, tzinfo=UTC), run_conf=conf)
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == "success", states
    assert run.triggering_user_name  # dag.test() triggers as its own user, like the UI/API/CLI do

    with duckdb.connect(str(stack_connections["warehouse"])) as con:
        audit = con.execute("SELECT metric, new_status, labelled_by, comment FROM quality.label_audit").fetchall()
    assert audit == [("row_count", "known_bad", run.triggering_user_name, "real outage upstream")]
    assert "mallory-forged" not in {row[2] for row in audit}
