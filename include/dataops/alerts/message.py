"""Assemble the alert as a MIME message.

Structure::

    multipart/alternative
    +-- text/plain                  (the plain-text alternative)
    +-- multipart/related
        +-- text/html               (<img src="cid:...">)
        +-- image/png               (Content-ID: <...>, one per chart)
"""

from __future__ import annotations

import re
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from dataops.alerts.render import ChartRef

#: RFC 5322 allows 998 characters a line; Python's default of 78 folds a long subject right after
#: ``Subject:``, which then reads back with a leading space.
MAIL_POLICY = policy.default.clone(max_line_length=998)


def mail_domain(sender: str) -> str:
    """The domain of the sender address (for Message-ID and Content-ID), ``localhost`` without one."""
    domain = sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else ""
    return domain or "localhost"


def new_cid(sender: str) -> str:
    """A unique Content-ID without the angle brackets."""
    return make_msgid(idstring="chart", domain=mail_domain(sender))[1:-1]


def build_message(*, subject: str, sender: str, recipients: list[str], text: str, html: str,
                  charts: list[ChartRef], now: datetime, headers: dict[str, str] | None = None) -> EmailMessage:
    """The e-mail, ready for ``smtplib.SMTP.send_message``.

    :param charts: inline PNG charts referenced from the HTML by ``cid:<ChartRef.cid>``.
    :param headers: extra ``X-...`` headers (run key, dataset, batch date).
    """
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(idstring="quality-alert", domain=mail_domain(sender))
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    html_part = msg.get_body(preferencelist=("html",))
    if html_part is None:  # add_alternative above made it
        raise RuntimeError("the alert e-mail has no HTML part")
    for chart in charts:
        html_part.add_related(chart.png, maintype="image", subtype="png", cid=f"<{chart.cid}>",
                              filename=re.sub(r"[^A-Za-z0-9._-]+", "_", chart.metric) + ".png")
    return msg
