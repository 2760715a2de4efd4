"""The landing bucket's S3 client of an Airflow connection, with the core's bounded retries."""

from __future__ import annotations

from typing import Any


def landing_s3_client(aws_conn_id: str = "aws_default") -> Any:
    """A boto3 S3 client of ``aws_conn_id`` whose calls are retried while the endpoint does not answer.

    The connection's own botocore settings (``config_kwargs``: addressing style ...) are kept; botocore's
    retries are turned off so that ``DATAOPS_S3_ATTEMPTS`` and ``DATAOPS_S3_BACKOFF`` alone say how often and
    how long (:mod:`dataops.ingest.s3_retry`). When every attempt fails the task fails with
    :class:`~dataops.unreachable.ServiceUnreachable` naming S3, the endpoint and the connection.

    :param aws_conn_id: the Airflow connection of the S3 endpoint.
    """
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    from dataops.ingest.s3_retry import single_attempt_config, with_s3_retries

    own = S3Hook(aws_conn_id=aws_conn_id).conn_config.botocore_config
    client = S3Hook(aws_conn_id=aws_conn_id, config=single_attempt_config(own)).get_conn()
    return with_s3_retries(client, connection=aws_conn_id)
