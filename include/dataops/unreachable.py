"""A service that did not answer: bounded retries with exponential backoff, then one error naming the service.

:func:`call_with_retries` runs a call up to ``attempts`` times while it fails with one of the errors that mean
"the service is not reachable" (refused, timed out, connection dropped), waiting ``base_delay``, then twice as
long, and so on, between attempts; when every attempt failed it raises :class:`ServiceUnreachable`, whose
message names the service, where it was looked for, how often, the last cause and what to do.
Any other error (an answer from the service, e.g. "no such key") is raised at once, unchanged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from dataops.textsafe import printable

log = logging.getLogger(__name__)

T = TypeVar("T")


class ServiceUnreachable(ConnectionError):
    """A service did not answer after every attempt.

    A :class:`ConnectionError` (an ``OSError``): code that already treats a refused connection as "not
    delivered, try later" (the alert outbox) treats this one the same way.

    :param service: what was called (``S3``, ``SMTP``).
    :param where: its address (an endpoint URL, ``host:port``).
    :param attempts: how many attempts failed.
    :param cause: the last attempt's error.
    :param hint: what the operator should do (ends the message).
    """

    def __init__(self, *, service: str, where: str, attempts: int, cause: BaseException, hint: str = "") -> None:
        self.service, self.where, self.attempts, self.cause, self.hint = service, where, attempts, cause, hint
        text = (f"{service} at {where} unreachable after {attempts} attempt(s) "
                f"({type(cause).__name__}: {printable(cause, 300)})")
        super().__init__(f"{text}: {hint}" if hint else text)

    def __reduce__(self):  # keyword-only __init__: rebuild from the fields (pickling across processes)
        return _rebuild, (self.service, self.where, self.attempts, self.cause, self.hint)


def _rebuild(service: str, where: str, attempts: int, cause: BaseException, hint: str) -> ServiceUnreachable:
    return ServiceUnreachable(service=service, where=where, attempts=attempts, cause=cause, hint=hint)


def backoff_delays(*, attempts: int, base_delay: float) -> list[float]:
    """The waits between ``attempts`` attempts: ``base_delay``, doubled each time (``attempts - 1`` of them).

    :param attempts: attempts in all (at least 1).
    :param base_delay: seconds before the second attempt.
    """
    return [base_delay * 2 ** n for n in range(max(attempts, 1) - 1)]


def call_with_retries(call: Callable[[], T], *, service: str, where: str, attempts: int, base_delay: float,
                      transient: tuple[type[BaseException], ...], hint: str = "",
                      sleep: Callable[[float], None] = time.sleep) -> T:
    """``call()``, tried again after a growing wait while it fails with a ``transient`` error.

    :param call: the work (no argument).
    :param service: named in the log and the error (``S3``).
    :param where: the service's address.
    :param attempts: attempts in all (at least 1).
    :param base_delay: seconds before the second attempt; each later wait doubles.
    :param transient: the errors that mean the service did not answer.
    :param hint: what the operator should do, for the final error.
    :param sleep: waits between attempts (tests pass one that counts, or that brings the service back).
    :raises ServiceUnreachable: every attempt failed with a ``transient`` error.
    """
    delays = backoff_delays(attempts=attempts, base_delay=base_delay)
    for attempt in range(1, len(delays) + 2):
        try:
            return call()
        except transient as err:
            if attempt > len(delays):
                raise ServiceUnreachable(service=service, where=where, attempts=attempt, cause=err,
                                         hint=hint) from err
            log.warning("%s at %s did not answer (attempt %d of %d: %s: %s); next attempt in %.2f s", service,
                        where, attempt, len(delays) + 1, type(err).__name__, printable(err, 200), delays[attempt - 1])
            sleep(delays[attempt - 1])
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
