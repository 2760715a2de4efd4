"""Open the analysts' triage of a stopped batch, and re-run the batch when they call it a false positive.

Both are :class:`TriggerDagRunOperator` s (the Task SDK triggers or clears the run through the scheduler's
API; no credentials, no database access from the task):

* :class:`OpenTriageOperator` (in the Value Pipeline, after the gate, ``all_failed``): when the gate stopped
  the batch on a critical finding it starts ONE ``quality_triage`` run for (dataset, batch date), whose run id
  (:func:`dataops.weblinks.triage_run_id`) the alert e-mail already links to; a gate that failed for a
  technical reason left no incident, and the task skips.
* :class:`RerunBatchOperator` (in the triage DAG): after a ``false_positive`` answer it clears the stopped
  Value Pipeline run so the day runs again from its sensor (every task is idempotent for its ``ds``); after
  ``known_bad`` it skips.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk.exceptions import AirflowSkipException

#: XCom key of the gate's incident (small JSON, :func:`dataops.quality.incident.incident_of`).
INCIDENT_XCOM_KEY = "incident"


def _view_links(incident: dict) -> dict:
    """The DataOps view's pages of the incident: its batch (charts of what fired) and each metric's chart."""
    from urllib.parse import quote

    from dataops.weblinks import APP_PREFIX, base_url

    root = f"{base_url()}{APP_PREFIX}/view"
    dataset, ds = quote(incident["dataset"], safe=""), incident["batch_date"]
    return {"view_url": f"{root}/?as_of={ds}",
            "chart_urls": {m: f"{root}/datasets/{dataset}/metrics/{quote(m, safe='')}?until={ds}"
                           for m in incident["metrics"][:4]}}


class OpenTriageOperator(TriggerDagRunOperator):
    """Start the ``quality_triage`` run of the batch the gate stopped (skip when it stopped nothing).

    :param gate_task_id: the quality gate task whose ``incident`` XCom is read.
    """

    template_fields: Sequence[str] = (*TriggerDagRunOperator.template_fields, "gate_task_id")

    def __init__(self, *, gate_task_id: str, **kwargs: Any) -> None:
        from dataops.weblinks import TRIAGE_DAG_ID

        kwargs.setdefault("trigger_rule", "all_failed")
        super().__init__(trigger_dag_id=TRIAGE_DAG_ID, logical_date=None, skip_when_already_exists=True,
                         openlineage_inject_parent_info=False, **kwargs)
        self.gate_task_id = gate_task_id

    def execute(self, context: Any) -> None:
        from dataops.quality.incident import triage_conf
        from dataops.weblinks import triage_run_id, triage_url

        ti = context["ti"]
        incident = ti.xcom_pull(task_ids=self.gate_task_id, key=INCIDENT_XCOM_KEY)
        if not incident:
            raise AirflowSkipException(f"{self.gate_task_id} stopped no batch on a finding (a technical failure "
                                       "goes to operations): no triage to open")
        dag_run = context["dag_run"]
        self.trigger_run_id = triage_run_id(incident["dataset"], incident["batch_date"])
        self.conf = triage_conf(incident, value_dag_id=ti.dag_id, value_run_id=ti.run_id,
                                logical_date=dag_run.logical_date.isoformat(), **_view_links(incident))
        self.log.info("triage of %s %s: %s", incident["dataset"], incident["batch_date"],
                      triage_url(incident["dataset"], incident["batch_date"]))
        super().execute(context)


class RerunBatchOperator(TriggerDagRunOperator):
    """Clear the triaged Value Pipeline run after a ``false_positive`` answer; skip after ``known_bad``.

    The run to clear comes from the triage run's conf (``value_dag_id``, ``value_run_id``, ``logical_date``).

    :param verdict_task_id: the task returning the applied label (its ``verdict``).
    """

    template_fields: Sequence[str] = (*TriggerDagRunOperator.template_fields, "verdict_task_id")

    def __init__(self, *, verdict_task_id: str, **kwargs: Any) -> None:
        super().__init__(trigger_dag_id="{{ dag_run.conf['value_dag_id'] }}",
                         trigger_run_id="{{ dag_run.conf['value_run_id'] }}",
                         logical_date="{{ dag_run.conf['logical_date'] }}", reset_dag_run=True,
                         openlineage_inject_parent_info=False, **kwargs)
        self.verdict_task_id = verdict_task_id

    def execute(self, context: Any) -> None:
        from dataops.spc import FALSE_POSITIVE

        label = context["ti"].xcom_pull(task_ids=self.verdict_task_id) or {}
        if label.get("verdict") != FALSE_POSITIVE:
            raise AirflowSkipException(f"verdict {label.get('verdict')!r}: the day stays stopped and out of the "
                                       "baselines and of model training")
        self.log.info("false positive: clearing %s %s so the day runs again", self.trigger_dag_id,
                      self.trigger_run_id)
        super().execute(context)
