"""Reminders of an unanswered triage action, sent by the human-in-the-loop task itself.

The triage task waits ``reminder_after`` for an answer; the wait's timeout fails the try and the task is
retried at once (``retries`` = the number of reminders). Every try calls its notifiers when it starts waiting:
this one mails the analysts a reminder from the second try on (the first try's request was announced by
the quality alert e-mail). After the last reminder the task fails and operations get the failure e-mail:
an unanswered incident is never settled by a silent default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.sdk import BaseNotifier

from dataops_airflow.notifiers.smtp_sender import smtp_send_function

if TYPE_CHECKING:
    from airflow.sdk import Context


class TriageReminderNotifier(BaseNotifier):
    """Reminder e-mail to the dataset's analysts from the second try of the triage task on.

    :param reminder_after: seconds each try waits (for the "unanswered for" line).
    :param smtp_conn_id: Airflow SMTP connection.
    """

    def __init__(self, *, reminder_after: float, smtp_conn_id: str = "smtp_default") -> None:
        super().__init__()
        self.reminder_after = reminder_after
        self.smtp_conn_id = smtp_conn_id

    def notify(self, context: Context) -> None:
        from dataops.alerts.reminder import build_reminder
        from dataops.datasets import load_dataset
        from dataops.weblinks import triage_url

        ti = context["ti"]
        reminder = int(ti.try_number) - 1
        if reminder < 1:
            return
        conf = dict(context["dag_run"].conf or {})
        recipients = list(load_dataset(conf["dataset"]).alert_recipients)
        message = build_reminder(conf, action_url=triage_url(conf["dataset"], conf["batch_date"]),
                                 waited_hours=reminder * self.reminder_after / 3600, reminder=reminder,
                                 reminders=int(context["task"].retries or 0), sender="dataops@localhost",
                                 recipients=recipients)
        smtp_send_function(self.smtp_conn_id)(message)
        self.log.info("reminder %s sent to %s", reminder, ", ".join(recipients))
