"""Operations' e-mails: technical failures and late batches only, never a data-quality verdict.

Real components: the landing bucket in a real S3 API (moto's server), the real ingest and quality gate on a
DuckDB warehouse, the Airflow SMTP connection to a real SMTP server on 127.0.0.1 (``stack_connections``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from tests.integration.landing_helpers import HEADER, land, tx_line

DAY = "2026-03-14"


def ti(task_id: str, dag_id: str = "value_pipeline_transactions", **extra) -> SimpleNamespace:
    """The task instance fields the operator and the notifier read (no ``log_url``: built from the base URL)."""
    return SimpleNamespace(dag_id=dag_id, task_id=task_id, run_id=f"scheduled__{DAY}T00:00:00+00:00",
                           try_number=3, xcom_push=lambda **kw: None, **extra)


def test_a_late_batch_mails_operations_the_missing_key_and_the_expected_time(stack_connections, s3_client,
                                                                           monkeypatch):
    from dataops_airflow.exceptions import BatchLate
    from dataops_airflow.notifiers import OpsFailureNotifier
    from dataops_airflow.sensors import LandedBatchSensor

    bucket = f"landing-{uuid.uuid4().hex[:10]}"
    s3_client.create_bucket(Bucket=bucket)
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://airflow.example:8080")
    sensor = LandedBatchSensor(task_id="wait_for_transactions", prefix="transactions", batch_date=DAY,
                               bucket=bucket, mode="poke", poke_interval=0.05, timeout=0.3)
    before = datetime.now(UTC)
    with pytest.raises(BatchLate) as caught:
        sensor.execute({})
    key = f"s3://{bucket}/transactions/batch_date={DAY}/_manifest.json"
    assert key in str(caught.value) and caught.value.late.url == key
    assert before <= caught.value.late.expected_by <= datetime.now(UTC)
    assert caught.value.late.waited == timedelta(seconds=0.3)

    OpsFailureNotifier(to="ops@localhost")({"ti": ti("ingest.wait_for_transactions"), "exception": caught.value})
    (msg,) = stack_connections["mail_sink"].messages()
    expected_by = caught.value.late.expected_by.strftime("%Y-%m-%d %H:%M UTC")
    assert msg["Subject"] == f"[LATE BATCH] transactions {DAY}: {key} not landed by {expected_by}"
    assert msg["To"] == "ops@localhost"
    text = msg.get_body(preferencelist=("plain",)).get_content()
    log = ("http://airflow.example:8080/dags/value_pipeline_transactions/runs/"
           f"scheduled__{DAY}T00%3A00%3A00%2B00%3A00/tasks/ingest.wait_for_transactions?try_number=3")
    assert f"Missing: {key}" in text and f"Expected by: {expected_by} (waited 0.3 s)" in text
    assert f"Log: {log}" in text
    assert "clear the task value_pipeline_transactions.ingest.wait_for_transactions" in text
    assert len(text.splitlines()) <= 10  # short


def test_a_gate_stopped_by_a_finding_mails_the_analysts_and_not_operations(stack_connections, s3_client):
    """A schema change: the real ingest rejects the file, the real gate fails the task on the contract finding;
    the analysts' e-mail leads with the rejected file, the failure callback sends operations nothing, while a
    technical failure of the same task does reach them."""
    from airflow.sdk.exceptions import AirflowFailException

    from dataops.datasets import load_dataset
    from dataops.ingest import ingest_batch
    from dataops.warehouse import WarehouseLocation
    from dataops_airflow.exceptions import DataQualityFailure
    from dataops_airflow.notifiers import OpsFailureNotifier
    from dataops_airflow.operators.quality import QualityGateOperator

    bucket = f"landing-{uuid.uuid4().hex[:10]}"
    land(s3_client, bucket, DAY, {"part-00000.csv.gz": [tx_line(i) for i in range(1, 21)]},
         header=HEADER.replace("amount", "amt"))
    location = WarehouseLocation.duckdb(stack_connections["warehouse"])
    report = ingest_batch(s3_client, bucket, load_dataset("transactions"), "transactions", DAY, location)
    [rejected] = report.rejected
    gate = QualityGateOperator(task_id="spc_gate", dataset="transactions", batch_date=DAY, run_gx=False)
    task = ti("quality.spc_gate", log_url="http://127.0.0.1:8080/dags/value_pipeline_transactions/runs/r/tasks/q")
    with pytest.raises(DataQualityFailure) as caught:
        gate.execute({"ti": task})
    assert isinstance(caught.value, AirflowFailException)  # still not retried
    sink = stack_connections["mail_sink"]
    (analysts,) = sink.messages()
    assert analysts["Subject"].startswith(f"[CRITICAL] transactions {DAY}: file rejected - {rejected.key}: "
                                          "contract: column 'amount'")
    assert analysts["To"] == ", ".join(load_dataset("transactions").alert_recipients)

    OpsFailureNotifier(to="ops@localhost")({"ti": task, "exception": caught.value})
    assert len(sink.messages()) == 1  # no operations e-mail for a data verdict

    OpsFailureNotifier(to="ops@localhost")({"ti": task, "exception": OSError("warehouse file is locked")})
    ops = sink.messages()[-1]
    assert ops["Subject"] == f"[AIRFLOW FAILURE] value_pipeline_transactions.quality.spc_gate ({task.run_id})"
    assert ops["To"] == "ops@localhost" and task.log_url in ops.get_body(preferencelist=("plain",)).get_content()


def test_the_late_batch_survives_pickling():
    import pickle

    from dataops.alerts.late_batch import LateBatch
    from dataops_airflow.exceptions import BatchLate

    late = LateBatch("transactions", DAY, "landing", f"transactions/batch_date={DAY}/_manifest.json",
                     datetime(2026, 3, 15, 6, tzinfo=UTC), timedelta(hours=6))
    again = pickle.loads(pickle.dumps(BatchLate(late, "late")))
    assert again.late == late and str(again) == "late"
