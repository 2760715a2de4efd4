"""The reminder e-mail of an unanswered triage action (analysts), one per reminder."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from dataops.alerts.message import build_message


def build_reminder(conf: dict[str, Any], *, action_url: str, waited_hours: float, reminder: int, reminders: int,
                   sender: str, recipients: list[str], now: datetime | None = None) -> EmailMessage:
    """``[REMINDER 1/3] Critical finding on transactions 2026-03-14: ... unanswered for 24 h``.

    :param conf: the triage run's conf (:func:`dataops.quality.incident.triage_conf`).
    :param action_url: the Required Action to answer.
    :param waited_hours: how long the action has waited.
    :param reminder: this reminder's number (1-based).
    :param reminders: how many reminders there are before operations take over.
    :param sender: ``From``.
    :param recipients: the dataset's analysts.
    """
    subject = (f"[REMINDER {reminder}/{reminders}] {conf.get('subject') or conf['dataset']}: "
               f"unanswered for {waited_hours:.0f} h")
    last = ("This is the last reminder: without an answer the action is handed to operations."
            if reminder >= reminders else "")
    text = "\n".join([f"The triage of {conf['dataset']} {conf['batch_date']} is still open.", "",
                      f"Answer it (known_bad or false_positive): {action_url}", "", last]).strip() + "\n"
    page = (f"<p>The triage of <b>{html.escape(conf['dataset'])} {html.escape(conf['batch_date'])}</b> is still "
            f"open.</p><p><a href=\"{html.escape(action_url)}\">Answer it</a> (known_bad or false_positive)</p>"
            + (f"<p>{html.escape(last)}</p>" if last else ""))
    return build_message(subject=subject, sender=sender, recipients=recipients, text=text, html=page, charts=[],
                         now=now or datetime.now(UTC),
                         headers={"X-DataOps-Dataset": conf["dataset"], "X-DataOps-Batch-Date": conf["batch_date"]})
