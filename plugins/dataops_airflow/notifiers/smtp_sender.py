"""Deliver a ready ``EmailMessage`` through an Airflow SMTP connection (``SmtpHook``).

The hook reads the connection (host, port, login, ``disable_tls`` / ``disable_ssl``, ``timeout``,
``retry_limit``, ``from_email``) and logs in; the message itself is sent unchanged with
``smtplib.SMTP.send_message`` so multipart/related parts and inline images survive as built.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage

log = logging.getLogger(__name__)


def smtp_send_function(smtp_conn_id: str = "smtp_default") -> Callable[[EmailMessage], None]:
    """A ``send(message)`` callable for :func:`dataops.alerts.dispatch_alerts`.

    A server that does not answer (refused, timed out, the hook's "Unable to connect" after its
    ``retry_limit``) raises :class:`~dataops.unreachable.ServiceUnreachable` naming ``SMTP at host:port``; other
    problems surface as ``OSError`` or ``smtplib.SMTPException`` (a missing connection is re-raised as
    ``smtplib.SMTPException``). The dispatcher answers all of them by keeping the message in its outbox.

    :param smtp_conn_id: the Airflow SMTP connection.
    """

    def send(message: EmailMessage) -> None:
        from airflow.providers.common.compat.sdk import AirflowException
        from airflow.providers.smtp.hooks.smtp import SmtpHook

        from dataops.alerts.smtp import SMTP_UNREACHABLE_ERRORS, smtp_unreachable

        failures: tuple[type[BaseException], ...] = (AirflowException, *SMTP_UNREACHABLE_ERRORS)
        hook = SmtpHook(smtp_conn_id=smtp_conn_id)
        try:
            hook.get_conn()
        except failures as exc:
            conn = hook.smtp_connection
            gave_up = isinstance(exc, AirflowException) and "Unable to connect" in str(exc)  # after its retry_limit
            if conn is None or not (gave_up or isinstance(exc, SMTP_UNREACHABLE_ERRORS)):
                raise smtplib.SMTPException(f"SMTP connection {smtp_conn_id!r}: {exc}") from exc
            attempts = hook.smtp_retry_limit + 1 if gave_up else 1
            raise smtp_unreachable(host=str(conn.host), port=int(conn.port or 25), attempts=attempts,
                                   cause=exc) from exc
        # The hook keeps the logged-in smtplib client here (its own test_connection() reads it the same way).
        client = hook._smtp_client
        if client is None:
            raise smtplib.SMTPException(f"SMTP connection {smtp_conn_id!r}: no client after login")
        try:
            if message["From"] is None and hook.from_email:
                message["From"] = hook.from_email
            refused = client.send_message(message)  # raises when every recipient is refused
            if refused:  # some got it: retrying would send them duplicates
                log.warning("SMTP server refused some recipients of %r: %s", message["Subject"], refused)
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()

    return send
