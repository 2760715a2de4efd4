"""The quality gate of the Value Pipeline as an Airflow operator, and its "Data Docs" extra link."""

from __future__ import annotations

from collections.abc import Sequence

from airflow.sdk import BaseOperator, BaseOperatorLink

from dataops_airflow.exceptions import DataQualityFailure
from dataops_airflow.settings import WAREHOUSE_POOL

#: XCom key holding the Data Docs URL of the task's run (read by :class:`DataDocsLink`).
DATA_DOCS_XCOM_KEY = "data_docs_url"


class DataDocsLink(BaseOperatorLink):
    """Button on the task page that opens this run's Great Expectations Data Docs page.

    The URL is the page served by the plugin's ``/dataops`` app on the public base URL
    (:func:`dataops.weblinks.reports_url`; every gate run keeps its own page).

    Register it in the plugin (``operator_extra_links = [DataDocsLink()]``) so the API server can resolve it.
    """

    name = "Data Docs"

    def get_link(self, operator, *, ti_key) -> str:
        from airflow.providers.common.compat.sdk import XCom

        return XCom.get_value(key=DATA_DOCS_XCOM_KEY, ti_key=ti_key) or ""


class QualityGateOperator(BaseOperator):
    """Judge the day's batch with SPC and Great Expectations; fail (no retry) on a critical finding.

    The work is :func:`dataops.quality.gate.run_gate`: metrics by SQL pushdown, history, SPC verdicts,
    ``quality.metric_history``, the GX checkpoint with the SPC limits as parameters, Data Docs (in
    ``DATAOPS_REPORTS_DIR``, one page per run, served over HTTP by the ``/dataops`` app; with
    ``DATAOPS_REPORTS_BUCKET`` set, the files the run wrote are published to that bucket through ``aws_conn_id``,
    so the app reaches any worker's report), and the alert e-mail (:func:`dataops.alerts.dispatch_alerts`
    through the SMTP connection; an e-mail problem never changes the verdict). A critical finding raises
    ``AirflowFailException`` naming metric, value, limits and rule: a data verdict is not retried, the
    downstream scoring does not run, and the task stays inspectable (clear it after an analyst labelled the
    point ``false_positive`` to let the run continue). On a critical finding of stage ``batch`` it first
    pushes the incident (XCom ``incident``) that ``OpenTriageOperator`` turns into the analysts' triage. Warnings are logged and alerted, the run goes on.
    Returns the small JSON :class:`~dataops.quality.result.GateResult` for XCom.

    :param dataset: dataset name.
    :param stage: ``batch`` (before scoring), ``post_score`` (score and model metrics after scoring), ``outcome``
        (``batch_date``: a scoring day whose labels matured), ``freshness`` (the landing bucket and the last
        scoring, as of the run's logical time) or ``pipeline`` (the seconds of work of this run's finished tasks,
        from Airflow's task-instance records, and rows per second).
    :param batch_date: ``YYYY-MM-DD`` (templated; default ``{{ ds }}``).
    :param run_gx: run the GX checkpoint (stage ``batch``).
    :param alert: send the alert e-mail.
    :param warehouse_conn_id: connection of the warehouse.
    :param smtp_conn_id: SMTP connection of the alert e-mail.
    :param aws_conn_id: S3 connection of the reports bucket (``DATAOPS_REPORTS_BUCKET``), if one is set.
    """

    template_fields: Sequence[str] = ("dataset", "stage", "batch_date")
    operator_extra_links = (DataDocsLink(),)
    ui_color = "#eef1fb"

    def __init__(self, *, dataset: str, stage: str = "batch", batch_date: str = "{{ ds }}", run_gx: bool = True,
                 alert: bool = True, warehouse_conn_id: str = "warehouse_default",
                 smtp_conn_id: str = "smtp_default", aws_conn_id: str = "aws_default", **kwargs) -> None:
        kwargs.setdefault("pool", WAREHOUSE_POOL)
        super().__init__(**kwargs)
        self.dataset = dataset
        self.stage = stage
        self.batch_date = batch_date
        self.run_gx = run_gx
        self.alert = alert
        self.warehouse_conn_id = warehouse_conn_id
        self.smtp_conn_id = smtp_conn_id
        self.aws_conn_id = aws_conn_id

    def _alert_function(self, context, location):
        try:
            from dataops.alerts import dispatch_alerts
            from dataops_airflow.notifiers import smtp_send_function
        except ImportError:
            self.log.warning("dataops.alerts is not available: no alert e-mail")
            return None
        from dataops import settings
        from dataops.datasets import load_dataset
        from dataops.quality.config import load_quality_config

        ti = context["ti"]
        run_key = f"{ti.dag_id}/{ti.run_id}/{self.dataset}/{self.stage}"
        recipients = {"analysts": list(load_dataset(self.dataset).alert_recipients),
                      "operations": settings.ops_recipients()}
        config = load_quality_config(self.dataset)
        told = {m.notify for m in config.stage(self.stage)}
        send = smtp_send_function(self.smtp_conn_id)

        def alert(*, evaluations, series, links):
            """One e-mail per audience: the analysts get the data's findings, operations those of the metrics
            marked ``notify: operations`` (e.g. the model's age), each under its own run key."""
            groups = config.audiences(evaluations)
            out = {}
            for audience in ("analysts", *sorted(told - {"analysts"})):
                key = run_key if audience == "analysts" else f"{run_key}/{audience}"
                out[audience] = dispatch_alerts(location, dataset=self.dataset, batch_date=self.batch_date,
                                                run_key=key, evaluations=groups[audience], series=series,
                                                links=links, recipients=recipients[audience], send=send)
            return {**out["analysts"], **{a: r for a, r in out.items() if a != "analysts"}}

        return alert

    def _keep_incident(self, ti, result) -> None:
        """The stopped batch's incident (small JSON) for the ``open_triage`` task, kept on the failed try."""
        from dataops.quality.incident import incident_of
        from dataops_airflow.operators.triage import INCIDENT_XCOM_KEY

        if self.stage == "batch":
            ti.xcom_push(key=INCIDENT_XCOM_KEY, value=incident_of(result))

    def _publish_reports(self, since: float) -> None:
        """The files this run wrote to the reports folder, to the reports bucket (production only)."""
        from dataops.reports_store import S3_PREFIX, S3ReportsStore, reports_bucket
        from dataops.weblinks import reports_dir

        bucket = reports_bucket()
        if bucket:
            from airflow.providers.amazon.aws.hooks.s3 import S3Hook

            store = S3ReportsStore(S3Hook(aws_conn_id=self.aws_conn_id).get_conn(), bucket)
            uploaded = store.publish(reports_dir(), since)
            self.log.info("published %d report files to s3://%s/%s", len(uploaded), bucket, S3_PREFIX)

    def _freshness(self, context, location):
        """Stage ``freshness``: the landing bucket (``aws_conn_id``) and the warehouse as of the run's logical
        time (a rerun of the check measures the same instant)."""
        from datetime import UTC, datetime

        from dataops import settings
        from dataops.datasets import load_dataset
        from dataops.monitoring.freshness import check_freshness
        from dataops.warehouse import open_warehouse
        from dataops_airflow.hooks.landing_s3 import landing_s3_client

        checked_at = context.get("logical_date") or datetime.now(UTC)
        found = check_freshness(landing_s3_client(self.aws_conn_id), settings.landing_bucket(),
                                open_warehouse(location), load_dataset(self.dataset), checked_at)
        self.log.info("as of %s: newest batch %s landed at %s; champion last scored at %s", found.checked_at,
                      found.landed_batch, found.landed_at, found.scored_at)
        return found

    def _task_seconds(self, context) -> dict[str, float]:
        """Stage ``pipeline``: seconds of work of each task of this run, from Airflow's task-instance records
        (the execution API's breadcrumbs of the run: its finished task instances and their durations)."""
        from dataops.monitoring.speed import describe, task_seconds

        ti = context["ti"]
        try:  # the task SDK's call behind the run's breadcrumbs (Airflow 3.3); a monitor never fails the day
            crumbs = ti.get_task_breadcrumbs(ti.dag_id, ti.run_id)
        except Exception as exc:
            self.log.warning("cannot read this run's task-instance records (%s: %s): no speed recorded",
                             type(exc).__name__, exc)
            return {}
        seconds = task_seconds(crumbs)
        self.log.info("this run's tasks worked: %s", describe(seconds))
        return seconds

    def execute(self, context) -> dict:
        import time

        from dataops.quality.gate import run_gate
        from dataops_airflow.hooks import WarehouseHook

        location = WarehouseHook(self.warehouse_conn_id).get_location()
        ti = context["ti"]
        task_url = getattr(ti, "log_url", None) or ""
        started = time.time() - 1  # file times may be rounded down to the second
        freshness = self._freshness(context, location) if self.stage == "freshness" else None
        seconds = self._task_seconds(context) if self.stage == "pipeline" else None
        result = run_gate(location, self.dataset, self.batch_date, run_id=ti.run_id, stage=self.stage,
                          run_gx=self.run_gx, alert=self._alert_function(context, location) if self.alert else None,
                          links={"task": task_url}, freshness=freshness, task_seconds=seconds)
        self._publish_reports(started)
        docs = result.paths.get("data_docs")
        if docs:
            ti.xcom_push(key=DATA_DOCS_XCOM_KEY, value=docs)
            self.log.info("Data Docs of this run: %s", docs)
        self.log.info("quality %s of %s %s: verdict %s; result %s", self.stage, self.dataset, self.batch_date,
                      result.verdict, result.paths.get("result"))
        for f in result.findings:
            self.log.warning("%s [%s]", result.describe(f), f["severity"])
        for f in result.acknowledged:
            self.log.info("acknowledged as false positive: %s", result.describe(f))
        if result.blocking:
            self._keep_incident(ti, result)
            raise DataQualityFailure(result.failure_message())
        return result.to_dict()
