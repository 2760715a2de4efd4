"""The release's two Value Pipeline tasks: the batch's score plan, and the daily step after scoring."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator

from dataops_airflow.settings import WAREHOUSE_POOL


class ReleasePlanOperator(BaseOperator):
    """Read the registry's aliases once and return the batch's score plan (small JSON for XCom): the champion's
    version and, during a release, the challenger's slot and the share of transactions it decides.

    :param dataset: dataset name; also the registry's model name.
    :param batch_date: ``YYYY-MM-DD`` (templated; default ``{{ ds }}``).
    :param registry_conn_id: connection of the registry database.
    :param aws_conn_id: connection of the S3 endpoint with the model artifacts.
    """

    template_fields: Sequence[str] = ("dataset", "batch_date")
    ui_color = "#eef8e8"

    def __init__(self, *, dataset: str, batch_date: str = "{{ ds }}", registry_conn_id: str = "registry_default",
                 aws_conn_id: str = "aws_default", **kwargs) -> None:
        super().__init__(**kwargs)
        self.dataset = dataset
        self.batch_date = batch_date
        self.registry_conn_id = registry_conn_id
        self.aws_conn_id = aws_conn_id

    def execute(self, context) -> dict[str, Any]:
        from dataops.release.plan import plan_for
        from dataops_airflow.hooks import RegistryHook

        registry = RegistryHook(self.registry_conn_id, self.aws_conn_id, model_name=self.dataset).get_conn()
        plan = plan_for(registry, self.batch_date)
        for slot in plan.slots:
            self.log.info("%s %s scores %s and decides %s of its transactions", slot.role, slot.version,
                          self.batch_date, slot.decision_share())
        return plan.to_dict()


class ReleaseStepOperator(BaseOperator):
    """The release's step for the batch (:func:`dataops.release.step.release_step`): a canary holds, is promoted
    or rolled back; a green slot is switched to or dropped; a new champion under watch is kept or rolled back.
    A rollback or a dropped green slot e-mails the dataset's alert recipients and operations.

    Runs whatever the scoring did (``trigger_rule="all_done"``): a canary that failed to score its share is
    rolled back. A batch without a plan (its gate stopped it before the ``release_plan`` task ran) is skipped.

    :param dataset: dataset name; also the registry's model name.
    :param plan_task_id: the task whose XCom is the batch's score plan (``release_plan``).
    :param warehouse_conn_id: connection of the warehouse.
    :param registry_conn_id: connection of the registry database.
    :param aws_conn_id: connection of the S3 endpoint with the model artifacts.
    :param smtp_conn_id: connection of the mail server.
    """

    template_fields: Sequence[str] = ("dataset",)
    ui_color = "#fdf2e3"

    def __init__(self, *, dataset: str, plan_task_id: str, warehouse_conn_id: str = "warehouse_default",
                 registry_conn_id: str = "registry_default", aws_conn_id: str = "aws_default",
                 smtp_conn_id: str = "smtp_default", **kwargs) -> None:
        kwargs.setdefault("pool", WAREHOUSE_POOL)
        super().__init__(**kwargs)
        self.dataset = dataset
        self.plan_task_id = plan_task_id
        self.warehouse_conn_id = warehouse_conn_id
        self.registry_conn_id = registry_conn_id
        self.aws_conn_id = aws_conn_id
        self.smtp_conn_id = smtp_conn_id

    def execute(self, context) -> dict[str, Any]:
        from dataops.datasets import load_dataset
        from dataops.release.plan import ScorePlan
        from dataops.release.step import release_step
        from dataops.warehouse import open_warehouse
        from dataops_airflow.hooks import RegistryHook, WarehouseHook

        plan = context["ti"].xcom_pull(task_ids=self.plan_task_id)
        if not plan:
            from airflow.sdk.exceptions import AirflowSkipException

            raise AirflowSkipException(f"no score plan for this batch ({self.plan_task_id} did not run): "
                                       "nothing was scored, nothing to release")
        registry = RegistryHook(self.registry_conn_id, self.aws_conn_id, model_name=self.dataset).get_conn()
        warehouse = open_warehouse(WarehouseHook(self.warehouse_conn_id).get_location())
        ds_cfg = load_dataset(self.dataset)
        outcome = release_step(registry, warehouse, ds_cfg, ScorePlan.from_dict(plan),
                               actor=f"{context['dag'].dag_id}/{context['run_id']}")
        self.log.info("release step: %s", outcome["reason"])
        if outcome.get("alert"):
            self._alert(outcome, ds_cfg, context)
        return outcome

    def _alert(self, outcome: dict[str, Any], ds_cfg: Any, context: Any) -> None:
        from dataops.release.message import release_message
        from dataops.settings import ops_recipients
        from dataops.weblinks import base_url
        from dataops_airflow.notifiers.smtp_sender import smtp_send_function

        recipients = list(dict.fromkeys([*ds_cfg.alert_recipients, *ops_recipients()]))
        links = {"DataOps view": f"{base_url()}/dataops/view/", "This task": str(context["ti"].log_url)}
        smtp_send_function(self.smtp_conn_id)(release_message(outcome, ds_cfg.name, recipients, links))
        self.log.info("release alert sent to %s", ", ".join(recipients))
