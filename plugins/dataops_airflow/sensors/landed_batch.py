"""Wait for the upstream system's manifest of a batch (it is written last, after every part file)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from airflow.sdk import BaseSensorOperator
from airflow.sdk.exceptions import AirflowSensorTimeout

from dataops_airflow.exceptions import BatchLate
from dataops_airflow.settings import landing_bucket

if TYPE_CHECKING:
    from dataops.alerts.late_batch import LateBatch


class LandedBatchSensor(BaseSensorOperator):
    """Succeeds once ``<prefix>/batch_date=<batch_date>/_manifest.json`` exists in the landing bucket.

    Runs in ``reschedule`` mode by default, so no worker slot is held while waiting. When ``timeout``
    passes, it fails with :class:`~dataops_airflow.exceptions.BatchLate` naming the missing key and the
    expected time; the DAG's ``OpsFailureNotifier`` turns it into operations' "late batch" e-mail.

    :param prefix: the source's folder in the bucket (e.g. ``transactions``).
    :param batch_date: ``YYYY-MM-DD`` (templated; default ``{{ ds }}``).
    :param bucket: landing bucket (templated; default: env ``DATAOPS_LANDING_BUCKET``, else ``landing``).
    :param aws_conn_id: Airflow connection of the S3 endpoint; a poke retries while it does not answer, then
        fails naming S3 and the endpoint (:func:`~dataops_airflow.hooks.landing_s3.landing_s3_client`).
    """

    template_fields: Sequence[str] = ("prefix", "batch_date", "bucket")
    ui_color = "#e8f4fd"

    def __init__(
        self,
        *,
        prefix: str,
        batch_date: str = "{{ ds }}",
        bucket: str | None = None,
        aws_conn_id: str = "aws_default",
        mode: str = "reschedule",
        poke_interval: float = 60,
        timeout: float = timedelta(hours=6).total_seconds(),
        **kwargs,
    ) -> None:
        super().__init__(mode=mode, poke_interval=poke_interval, timeout=timeout, **kwargs)
        self.prefix = prefix
        self.batch_date = batch_date
        self.bucket = bucket
        self.aws_conn_id = aws_conn_id

    def _bucket(self) -> str:
        return landing_bucket(self.bucket)

    def poke(self, context) -> bool:
        from dataops.ingest.landing import batch_landed, manifest_key
        from dataops_airflow.hooks.landing_s3 import landing_s3_client

        key = manifest_key(self.prefix, self.batch_date)
        self.log.info("Waiting for s3://%s/%s", self._bucket(), key)
        return batch_landed(landing_s3_client(self.aws_conn_id), self._bucket(), self.prefix,
                            self.batch_date)

    def execute(self, context):
        try:
            return super().execute(context)
        except AirflowSensorTimeout as err:
            late = self.late_batch(datetime.now(UTC))
            raise BatchLate(late, (
                f"Batch {self.prefix} {self.batch_date} is late: {late.url} did not appear within "
                f"{self.timeout:.0f}s. Ask the upstream team whether it was sent; the run can be cleared once it "
                "lands.")) from err

    def late_batch(self, gave_up_at: datetime) -> LateBatch:
        """The missing key and the expected time (``gave_up_at``: the sensor's deadline, start + timeout)."""
        from dataops.alerts.late_batch import LateBatch
        from dataops.ingest.landing import manifest_key

        return LateBatch(prefix=self.prefix, batch_date=self.batch_date, bucket=self._bucket(),
                         key=manifest_key(self.prefix, self.batch_date), expected_by=gave_up_at,
                         waited=timedelta(seconds=float(self.timeout)))
