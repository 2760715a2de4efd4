"""Delivery with a fallback: a message the SMTP server refuses waits in ``quality.alert_outbox``."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from typing import Any

from dataops.alerts import tables
from dataops.alerts.message import MAIL_POLICY
from dataops.warehouse import transaction

log = logging.getLogger(__name__)

#: Errors that mean "the mail server did not take it": keep the message and carry on.
DELIVERY_ERRORS: tuple[type[BaseException], ...] = (OSError, smtplib.SMTPException)

Send = Callable[[EmailMessage], None]


def describe(exc: BaseException) -> str:
    """``ExceptionType: message`` (short, for the ``last_error`` column)."""
    return f"{type(exc).__name__}: {exc}"[:1000]


def flush_outbox(con: Any, send: Send, now: datetime) -> int:
    """Send queued messages oldest first; delete each on success; stop at the first failure.

    :param con: an open connection from :meth:`dataops.warehouse.Warehouse.connect` (tables exist).
    :param send: delivers one message; raises ``OSError`` / ``smtplib.SMTPException`` when it cannot.
    :param now: timestamp for the log rows of the messages that went out.
    :return: number of messages sent.
    """
    sent = 0
    for entry in tables.queued(con):
        message = message_from_bytes(entry.raw, policy=MAIL_POLICY)
        try:
            send(message)
        except DELIVERY_ERRORS as exc:
            log.warning("outbox: %s still not delivered (%s); %d queued", entry.run_key, describe(exc),
                        len(tables.queued(con)))
            tables.record_attempt(con, entry.id, describe(exc))
            break
        with transaction(con):
            tables.dequeue(con, entry.id)
            tables.mark_sent(con, entry.run_key, entry.dataset, now)
        sent += 1
        log.info("outbox: delivered %s (%s) after %d failed attempt(s)", entry.run_key, entry.subject,
                 entry.attempts)
    return sent
