"""Plain SMTP delivery for code outside Airflow (the reliability run, the CLI, tests): one attempt per message.

A server that does not answer (refused, timed out, dropped the connection) is reported as
:class:`~dataops.unreachable.ServiceUnreachable` naming ``SMTP at host:port``; the dispatcher keeps the message
in ``quality.alert_outbox`` with that text as ``last_error`` and the next dispatch sends it (the outbox is the
retry, across runs, with no alert lost or sent twice). Inside Airflow the ``smtp_default`` connection is used
instead (``dataops_airflow.notifiers.smtp_send_function``), with the same error.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from email.message import EmailMessage

from dataops.unreachable import ServiceUnreachable

#: What a server that is down or went away raises (``ConnectionRefusedError``, ``TimeoutError`` are ``OSError`` s).
SMTP_UNREACHABLE_ERRORS: tuple[type[BaseException], ...] = (OSError, smtplib.SMTPConnectError,
                                                            smtplib.SMTPServerDisconnected)
#: Ends the error: what becomes of the message.
OUTBOX_HINT = "the alert stays in quality.alert_outbox and goes out with the next dispatch"


def smtp_unreachable(*, host: str, port: int, attempts: int, cause: BaseException) -> ServiceUnreachable:
    """The error of an SMTP server that did not answer.

    :param host: the server's host.
    :param port: its port.
    :param attempts: how many connection attempts failed.
    :param cause: the last one's error.
    """
    return ServiceUnreachable(service="SMTP", where=f"{host}:{port}", attempts=attempts, cause=cause,
                              hint=OUTBOX_HINT)


def smtp_send(*, host: str, port: int, timeout: float = 10.0) -> Callable[[EmailMessage], None]:
    """A ``send(message)`` for :func:`dataops.alerts.dispatch_alerts` over plain SMTP (no login, no TLS).

    :param host: the SMTP server.
    :param port: its port.
    :param timeout: seconds to connect and for each reply.
    :raises ServiceUnreachable: (from the returned callable) the server did not answer.
    """

    def send(message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(host, port, timeout=timeout) as client:
                client.send_message(message)
        except SMTP_UNREACHABLE_ERRORS as err:
            raise smtp_unreachable(host=host, port=port, attempts=1, cause=err) from err

    return send
