"""Smoke DAG: proves the stack end to end (S3 object, warehouse table, email)."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task

from dataops_airflow.notifiers import OpsFailureNotifier
from dataops_airflow.settings import WAREHOUSE_POOL

DOC = """
### Smoke test of the stack

Writes one marker object to the landing bucket in S3, records it in the `smoke.runs` table of the
warehouse and sends one email through `smtp_default`. Each task overwrites its own day, so reruns are safe.

**Connections used:** `aws_default` (S3 endpoint), `warehouse_default` (DuckDB file or Postgres),
`smtp_default` (mail server). **If it fails:** the failing task's log names the service that did not answer;
check `make up` / the compose services are running.
"""


def _day(ds: str | None, dag_run) -> str:
    """The run's day: its logical date's, or for a run triggered without one (Airflow 3 allows it) the day it ran."""
    return ds or dag_run.run_after.date().isoformat()


@dag(
    dag_id="smoke_stack",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    doc_md=DOC,
    tags=["smoke", "platform"],
    default_args={"owner": "data-platform", "retries": 2, "retry_delay": timedelta(seconds=10),
                  "on_failure_callback": OpsFailureNotifier()},
)
def smoke_stack():
    @task(doc_md="Put `smoke/day=<ds>/marker.json` into the landing bucket.")
    def write_s3_marker(ds=None, dag_run=None) -> str:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        from dataops import settings
        from dataops.smoke import write_marker

        client = S3Hook(aws_conn_id="aws_default").get_conn()
        return write_marker(client, settings.landing_bucket(), _day(ds, dag_run))

    @task(pool=WAREHOUSE_POOL, doc_md="Record the marker in `smoke.runs` (one row per day, replaced on rerun).")
    def record_in_warehouse(s3_key: str, ds=None, dag_run=None) -> int:
        from dataops.smoke import record_run
        from dataops_airflow.hooks import WarehouseHook

        return record_run(WarehouseHook().get_location(), _day(ds, dag_run), s3_key)

    @task(doc_md="Send one email through `smtp_default`.")
    def send_email(s3_key: str, rows: int, ds=None, dag_run=None) -> None:
        from airflow.providers.smtp.hooks.smtp import SmtpHook

        from dataops.smoke import smoke_email

        with SmtpHook(smtp_conn_id="smtp_default") as hook:
            sender = hook.from_email or "dataops@localhost"
            msg = smoke_email(_day(ds, dag_run), s3_key, rows, sender, "platform-team@example.com")
            hook.send_email_smtp(to=msg["To"], subject=msg["Subject"], html_content=msg.get_content(),
                                 from_email=sender)

    key = write_s3_marker()
    send_email(key, record_in_warehouse(key))


smoke_stack()
