"""Load one landed batch of one source into the warehouse's raw layer."""

from __future__ import annotations

from collections.abc import Sequence

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException

from dataops_airflow.settings import WAREHOUSE_POOL, landing_bucket


class IngestBatchOperator(BaseOperator):
    """Check the file contract, load valid rows, quarantine the rest, replace the date's partition.

    The work is done by :func:`dataops.ingest.ingest_batch`. The task returns a small summary (counts per
    file, statuses) for XCom, never data. Rerunning a date with an unchanged delivery changes nothing.

    :param dataset: dataset name (a YAML file in ``include/dataops/datasets``).
    :param source: which landed source of the dataset to load.
    :param batch_date: ``YYYY-MM-DD`` (templated; default ``{{ ds }}``).
    :param bucket: landing bucket (templated; default: env ``DATAOPS_LANDING_BUCKET``).
    :param fail_on_rejected_file: fail the task (after loading and quarantining everything) when a file
        broke the contract, so that the batch is not transformed half-complete.
    :param aws_conn_id: Airflow connection of the S3 endpoint; while it does not answer each call is retried
        (``DATAOPS_S3_ATTEMPTS``, backoff from ``DATAOPS_S3_BACKOFF``), then the task fails naming S3 and the
        endpoint, having published nothing of the batch.
    :param warehouse_conn_id: Airflow connection of the warehouse.
    """

    template_fields: Sequence[str] = ("dataset", "source", "batch_date", "bucket")
    ui_color = "#fdf2e8"

    def __init__(
        self,
        *,
        dataset: str,
        source: str,
        batch_date: str = "{{ ds }}",
        bucket: str | None = None,
        fail_on_rejected_file: bool = True,
        aws_conn_id: str = "aws_default",
        warehouse_conn_id: str = "warehouse_default",
        **kwargs,
    ) -> None:
        kwargs.setdefault("pool", WAREHOUSE_POOL)
        super().__init__(**kwargs)
        self.dataset = dataset
        self.source = source
        self.batch_date = batch_date
        self.bucket = bucket
        self.fail_on_rejected_file = fail_on_rejected_file
        self.aws_conn_id = aws_conn_id
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context) -> dict:
        from dataops.datasets import load_dataset
        from dataops.ingest import ingest_batch
        from dataops_airflow.hooks import WarehouseHook
        from dataops_airflow.hooks.landing_s3 import landing_s3_client

        report = ingest_batch(
            landing_s3_client(self.aws_conn_id),
            landing_bucket(self.bucket),
            load_dataset(self.dataset),
            self.source,
            self.batch_date,
            WarehouseHook(self.warehouse_conn_id).get_location(),
        )
        self.log.info("%s", report.summary())
        if report.rejected and self.fail_on_rejected_file:
            reasons = "; ".join(f.message for f in report.rejected)
            raise AirflowException(
                f"{len(report.rejected)} file(s) of {self.dataset}.{self.source} {self.batch_date} broke the file "
                f"contract and were moved to the quarantine prefix (their rows are in raw.quarantine): {reasons}"
            )
        return {"version": report.version, "status": report.status, "rows_landed": report.rows_landed,
                "rows_loaded": report.rows_loaded, "rows_quarantined": report.rows_quarantined}
