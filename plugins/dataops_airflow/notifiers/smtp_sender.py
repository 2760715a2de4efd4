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

    Connection problems surface as ``OSError`` or ``smtplib.SMTPException`` (the hook's own
    ``AirflowException`` for "cannot connect" / "connection not found" is re-raised as
    ``smtplib.SMTPException``), which the dispatcher answers by keeping the message in its outbox.

    :param smtp_conn_id: the Airflow SMTP connection.
    """

    def send(message: EmailMessage) -> None:
        from airflow.providers.common.compat.sdk import AirflowException
        from airflow.providers.smtp.hooks.smtp import SmtpHook

        hook = SmtpHook(smtp_conn_id=smtp_conn_id)
        try:
            hook.get_conn()
        except AirflowException as exc:
            raise smtplib.SMTPException(f"SMTP connection {smtp_conn_id!r}: {exc}") from exc
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
