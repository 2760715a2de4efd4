"""The landing S3 client's retry settings (no endpoint needed: botocore configs and the wrapper's bookkeeping)."""

from __future__ import annotations

import boto3
from boto3.exceptions import RetriesExceededError
from botocore.config import Config
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from dataops.ingest.s3_retry import S3_UNREACHABLE_ERRORS, RetryingS3, single_attempt_config, with_s3_retries


def test_botocore_retries_are_off_and_the_connection_settings_kept():
    config = single_attempt_config(Config(s3={"addressing_style": "path"}, connect_timeout=7))
    assert config.retries["total_max_attempts"] == 1
    assert config.s3 == {"addressing_style": "path"} and config.connect_timeout == 7


def test_settings_give_the_attempts_and_the_backoff_and_wrapping_twice_is_once(monkeypatch):
    monkeypatch.setenv("DATAOPS_S3_ATTEMPTS", "3")
    monkeypatch.setenv("DATAOPS_S3_BACKOFF", "0.25")
    client = boto3.client("s3", endpoint_url="http://127.0.0.1:1", region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="y", config=single_attempt_config())
    wrapped = with_s3_retries(client, connection="aws_landing")
    assert isinstance(wrapped, RetryingS3) and with_s3_retries(wrapped) is wrapped
    assert (wrapped.attempts, wrapped.base_delay, wrapped.endpoint) == (3, 0.25, "http://127.0.0.1:1")
    assert "connection 'aws_landing'" in wrapped.hint
    assert wrapped.meta is client.meta  # attributes pass through unwrapped


def test_the_errors_retried_are_the_ones_of_an_endpoint_that_does_not_answer():
    for error in (EndpointConnectionError(endpoint_url="http://x"), ConnectTimeoutError(endpoint_url="http://x"),
                  ReadTimeoutError(endpoint_url="http://x"), RetriesExceededError(OSError("reset"))):
        assert isinstance(error, S3_UNREACHABLE_ERRORS)
    assert not isinstance(KeyError("NoSuchKey"), S3_UNREACHABLE_ERRORS)
