"""The triage operators decide before they trigger: what they hand to the scheduler, and when they skip."""

from __future__ import annotations

import types
from datetime import UTC, datetime

import pytest

INCIDENT = {"dataset": "transactions", "batch_date": "2026-03-14", "metrics": ["row_count"],
            "findings": ["transactions.row_count 2026-03-14 = 12 outside [100, 140] (Nelson 1)"], "more": 0,
            "data_docs": None}


class _TI:
    def __init__(self, xcom):
        self.xcom, self.dag_id, self.run_id = xcom, "value_pipeline_transactions", "backfill__2026-03-14"
        self.pushed: dict = {}

    def xcom_pull(self, task_ids=None, key="return_value"):
        return self.xcom.get((task_ids, key))

    def xcom_push(self, key, value):
        self.pushed[key] = value


def _context(ti) -> dict:
    return {"ti": ti, "task_instance": ti,
            "dag_run": types.SimpleNamespace(logical_date=datetime(2026, 3, 14, tzinfo=UTC))}


def test_a_gate_that_stopped_nothing_opens_no_triage(monkeypatch):
    from airflow.sdk.exceptions import AirflowSkipException

    from dataops_airflow.operators.triage import OpenTriageOperator

    op = OpenTriageOperator(task_id="open_triage", gate_task_id="quality.spc_gate")
    with pytest.raises(AirflowSkipException, match="no triage to open"):
        op.execute(_context(_TI({})))


def test_a_stopped_batch_triggers_its_own_triage_run_with_the_run_to_rerun(monkeypatch):
    from airflow.providers.common.compat.sdk import DagRunTriggerException

    from dataops_airflow.operators.triage import INCIDENT_XCOM_KEY, OpenTriageOperator

    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://ui.example:8080")
    op = OpenTriageOperator(task_id="open_triage", gate_task_id="quality.spc_gate")
    with pytest.raises(DagRunTriggerException) as raised:
        op.execute(_context(_TI({("quality.spc_gate", INCIDENT_XCOM_KEY): INCIDENT})))
    trigger = raised.value
    assert trigger.trigger_dag_id == "quality_triage" and trigger.dag_run_id == "triage__transactions__2026-03-14"
    assert trigger.skip_when_already_exists and trigger.logical_date is None
    assert trigger.conf["value_run_id"] == "backfill__2026-03-14"
    assert trigger.conf["logical_date"] == "2026-03-14T00:00:00+00:00"


@pytest.mark.parametrize("verdict", ["known_bad", None])
def test_only_a_false_positive_reruns_the_day(verdict):
    from airflow.sdk.exceptions import AirflowSkipException

    from dataops_airflow.operators.triage import RerunBatchOperator

    op = RerunBatchOperator(task_id="rerun_batch", verdict_task_id="apply_verdict")
    xcom = {("apply_verdict", "return_value"): {"verdict": verdict}} if verdict else {}
    with pytest.raises(AirflowSkipException, match="stays stopped"):
        op.execute(_context(_TI(xcom)))


def test_a_false_positive_clears_the_stopped_run():
    from airflow.providers.common.compat.sdk import DagRunTriggerException

    from dataops_airflow.operators.triage import RerunBatchOperator

    op = RerunBatchOperator(task_id="rerun_batch", verdict_task_id="apply_verdict")
    op.trigger_dag_id, op.trigger_run_id = "value_pipeline_transactions", "backfill__2026-03-14"  # as rendered
    op.logical_date = "2026-03-14T00:00:00+00:00"
    with pytest.raises(DagRunTriggerException) as raised:
        op.execute(_context(_TI({("apply_verdict", "return_value"): {"verdict": "false_positive"}})))
    assert raised.value.reset_dag_run and raised.value.dag_run_id == "backfill__2026-03-14"
