"""The landing bucket's S3 client with bounded retries: an endpoint that is down is tried again with backoff,
then the task fails with one error naming S3 and its endpoint.

:func:`with_s3_retries` wraps a boto3 S3 client: every call (``head_object``, ``get_object``,
``download_file``, ``copy_object`` ...) is tried up to ``DATAOPS_S3_ATTEMPTS`` times while the endpoint does
not answer (connection refused, connect or read timeout, connection dropped), waiting
``DATAOPS_S3_BACKOFF`` seconds, then twice as long each time; an answer (``NoSuchKey``, ``AccessDenied``) is
never retried. The client itself should not retry as well (botocore would multiply the attempts and the
waits): make it with :func:`single_attempt_config`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from boto3.exceptions import RetriesExceededError
from botocore.config import Config
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from botocore.exceptions import ReadTimeoutError, ResponseStreamingError

from dataops import settings
from dataops.unreachable import call_with_retries

#: Errors that mean the endpoint did not answer (``EndpointConnectionError``, ``ConnectTimeoutError`` and
#: ``ConnectionClosedError`` are botocore ``ConnectionError`` s; ``RetriesExceededError``: ``download_file``'s
#: transfer manager saw the body's stream break on each of its own attempts).
S3_UNREACHABLE_ERRORS: tuple[type[BaseException], ...] = (BotocoreConnectionError, ReadTimeoutError,
                                                          ResponseStreamingError, RetriesExceededError)


def single_attempt_config(base: Config | None = None) -> Config:
    """``base`` (e.g. the connection's ``config_kwargs``) with botocore's own retries turned off.

    :param base: a botocore config to keep (addressing style, signature ...), or ``None``.
    """
    own = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    return base.merge(own) if base is not None else own


class RetryingS3:
    """A boto3 S3 client whose calls are retried while the endpoint does not answer (see the module).

    :param client: the boto3 S3 client.
    :param attempts: attempts per call in all.
    :param base_delay: seconds before the second attempt (doubling after).
    :param hint: what to do, ending the final error (the task's connection and what to retry).
    :param sleep: the wait between attempts (tests: a counter, or a function that brings S3 back).
    """

    def __init__(self, client: Any, *, attempts: int, base_delay: float, hint: str,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client, self.attempts, self.base_delay, self.hint, self.sleep = client, attempts, base_delay, hint, sleep

    @property
    def endpoint(self) -> str:
        """The endpoint URL the client calls (named in the error)."""
        return str(getattr(getattr(self.client, "meta", None), "endpoint_url", "") or "AWS S3")

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.client, name)
        if name.startswith("_") or name in ("meta", "exceptions", "get_paginator", "get_waiter") \
                or not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            return call_with_retries(lambda: target(*args, **kwargs), service="S3", where=self.endpoint,
                                     attempts=self.attempts, base_delay=self.base_delay,
                                     transient=S3_UNREACHABLE_ERRORS, hint=self.hint, sleep=self.sleep)

        return call

    def read_object(self, *, bucket: str, key: str) -> bytes:
        """The object's bytes: the request and the reading of its body retried together.

        :param bucket: the bucket.
        :param key: the key.
        """
        return call_with_retries(lambda: self.client.get_object(Bucket=bucket, Key=key)["Body"].read(),
                                 service="S3", where=self.endpoint, attempts=self.attempts,
                                 base_delay=self.base_delay, transient=S3_UNREACHABLE_ERRORS, hint=self.hint,
                                 sleep=self.sleep)


def with_s3_retries(client: Any, *, attempts: int | None = None, base_delay: float | None = None,
                    connection: str = "aws_default", sleep: Callable[[float], None] = time.sleep) -> RetryingS3:
    """``client`` with retries (a client already wrapped is returned as it is).

    :param client: a boto3 S3 client.
    :param attempts: attempts per call (default ``DATAOPS_S3_ATTEMPTS``).
    :param base_delay: seconds before the second attempt (default ``DATAOPS_S3_BACKOFF``).
    :param connection: the Airflow connection of the endpoint, named in the error.
    :param sleep: the wait between attempts.
    """
    if isinstance(client, RetryingS3):
        return client
    return RetryingS3(
        client,
        attempts=attempts if attempts is not None else settings.get_int("DATAOPS_S3_ATTEMPTS"),
        base_delay=base_delay if base_delay is not None else float(settings.require("DATAOPS_S3_BACKOFF")),
        hint=f"check the S3 endpoint / connection {connection!r} and retry the task", sleep=sleep)


def read_object(s3: Any, *, bucket: str, key: str) -> bytes:
    """An object's bytes through ``s3`` (retried as one unit when it is a :class:`RetryingS3`).

    :param s3: a boto3 S3 client or a :class:`RetryingS3`.
    :param bucket: the bucket.
    :param key: the key.
    """
    if isinstance(s3, RetryingS3):
        return s3.read_object(bucket=bucket, key=key)
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
