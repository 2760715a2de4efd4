"""Bounded retries with exponential backoff, then one error naming the service (no service needed: the calls
fail or succeed as scripted, the waits are recorded instead of slept)."""

from __future__ import annotations

import pickle

import pytest

from dataops.unreachable import ServiceUnreachable, backoff_delays, call_with_retries


class Flaky:
    """Fails with ``error`` on the first ``failures`` calls, then returns ``"done"``."""

    def __init__(self, failures: int, error: BaseException) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "done"


def test_backoff_doubles_from_the_base():
    assert backoff_delays(attempts=5, base_delay=0.5) == [0.5, 1.0, 2.0, 4.0]
    assert backoff_delays(attempts=1, base_delay=3) == []


def test_a_service_back_within_the_attempts_answers_the_call():
    call, waits = Flaky(3, ConnectionRefusedError("refused")), []
    result = call_with_retries(call, service="S3", where="http://127.0.0.1:1", attempts=5, base_delay=1.0,
                               transient=(ConnectionRefusedError,), sleep=waits.append)
    assert result == "done" and call.calls == 4 and waits == [1.0, 2.0, 4.0]


def test_every_attempt_failing_raises_one_error_naming_the_service_and_what_to_do():
    call, waits = Flaky(99, ConnectionRefusedError("[Errno 111] Connection refused")), []
    with pytest.raises(ServiceUnreachable) as caught:
        call_with_retries(call, service="S3", where="http://127.0.0.1:9", attempts=3, base_delay=0.25,
                          transient=(ConnectionRefusedError,), hint="check the connection 'aws_default'",
                          sleep=waits.append)
    assert call.calls == 3 and waits == [0.25, 0.5]
    assert str(caught.value) == ("S3 at http://127.0.0.1:9 unreachable after 3 attempt(s) (ConnectionRefusedError: "
                                 "[Errno 111] Connection refused): check the connection 'aws_default'")
    assert isinstance(caught.value, ConnectionError) and isinstance(caught.value.cause, ConnectionRefusedError)
    again = pickle.loads(pickle.dumps(caught.value))  # Airflow may carry it across processes
    assert str(again) == str(caught.value) and again.attempts == 3


def test_an_answer_from_the_service_is_not_retried():
    call, waits = Flaky(1, KeyError("NoSuchKey")), []
    with pytest.raises(KeyError):
        call_with_retries(call, service="S3", where="x", attempts=5, base_delay=1.0,
                          transient=(ConnectionRefusedError,), sleep=waits.append)
    assert call.calls == 1 and waits == []
