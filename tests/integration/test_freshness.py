"""Data freshness through the operator: a real S3 landing bucket (moto's server), a DuckDB warehouse, the SMTP
connection to a real SMTP server on 127.0.0.1. The check is made as of a logical time hours after the batch
landed and the champion scored; operations get the e-mail, the analysts none."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from tests.integration.landing_helpers import land, tx_line

DAY = "2026-03-14"


def _ti(run_id: str) -> SimpleNamespace:
    return SimpleNamespace(dag_id="data_freshness", task_id="check_transactions", run_id=run_id, try_number=1,
                           log_url="http://127.0.0.1:8080/dags/data_freshness/runs/r/tasks/check_transactions",
                           xcom_push=lambda **kw: None)


def _check(when: datetime):
    from dataops_airflow.operators.quality import QualityGateOperator

    check = QualityGateOperator(task_id="check_transactions", dataset="transactions", stage="freshness",
                                batch_date=when.date().isoformat(), run_gx=False)
    return check.execute({"ti": _ti(f"scheduled__{when.isoformat()}"), "logical_date": when})


@pytest.fixture
def landed_and_scored(stack_connections, s3_client, monkeypatch):
    """One batch landed and scored by the champion just now."""
    from dataops.warehouse import WarehouseLocation, open_warehouse
    from tests.unit.monitoring.features import write_scores

    bucket = f"landing-{uuid.uuid4().hex[:10]}"
    land(s3_client, bucket, DAY, {"part-00000.csv.gz": [tx_line(i) for i in range(1, 6)]})
    monkeypatch.setenv("DATAOPS_LANDING_BUCKET", bucket)
    monkeypatch.setenv("DATAOPS_OPS_RECIPIENTS", "ops@localhost")
    warehouse = open_warehouse(WarehouseLocation.duckdb(stack_connections["warehouse"]))
    write_scores(warehouse, "transactions", DAY, [0.1, 0.7])
    warehouse.execute("UPDATE marts.predictions SET scored_at = CAST(? AS TIMESTAMP)",
                      [datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")])
    return stack_connections["mail_sink"], datetime.now(UTC)


def test_a_fresh_dataset_is_quiet_a_day_and_a_half_late_warns_operations_and_later_is_critical(landed_and_scored):
    from dataops_airflow.exceptions import DataQualityFailure

    sink, now = landed_and_scored
    fresh = _check(now + timedelta(hours=2))
    assert fresh["verdict"] == "in_control" and not fresh["findings"]
    assert 1.9 < fresh["metrics"]["hours_since_landed"]["value"] < 2.2
    assert sink.messages() == []

    late = _check(now + timedelta(hours=40))
    assert {f["metric"]: f["severity"] for f in late["findings"]} == {"hours_since_landed": "warning",
                                                                       "hours_since_scored": "warning"}
    landed = next(f for f in late["findings"] if f["metric"] == "hours_since_landed")
    assert "no batch landed for 40" in landed["description"] and f"the newest, {DAY}" in landed["description"]
    (mail,) = sink.messages()
    assert mail["To"] == "ops@localhost" and "WARNING" in mail["Subject"].upper(), mail["Subject"]
    assert "hours_since_scored" in mail.get_body(preferencelist=("plain",)).get_content()

    with pytest.raises(DataQualityFailure, match="hours_since_landed"):
        _check(now + timedelta(hours=60))
    assert [m["To"] for m in sink.messages()] == ["ops@localhost", "ops@localhost"]  # never the analysts


def test_the_check_measures_as_of_its_logical_time(landed_and_scored):
    """Before the batch landed, as of a rerun's logical time, there was nothing: a new dataset is not late."""
    sink, now = landed_and_scored
    earlier = _check(now - timedelta(hours=3))
    assert earlier["findings"] == [] and "hours_since_landed" not in earlier["metrics"]
    assert sink.messages() == []
