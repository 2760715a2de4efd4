"""``on_failure_callback`` that e-mails ops: which task failed, the exception, where the log is.

Operations get technical failures only, each in its own short e-mail to the ops recipients:

* a task that failed after its retries: ``[AIRFLOW FAILURE] dag.task (run)`` with the exception and the log URL;
* a batch that has not landed (:class:`~dataops_airflow.exceptions.BatchLate` from ``LandedBatchSensor``):
  ``[LATE BATCH] ...`` naming the missing S3 key and the expected time;
* a quality gate that stopped the batch (:class:`~dataops_airflow.exceptions.DataQualityFailure`): nothing.
  That is a data-quality outcome the analysts already have in their alert e-mail, never mixed in here.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseNotifier

from dataops_airflow.exceptions import BatchLate, DataQualityFailure
from dataops_airflow.notifiers.smtp_sender import smtp_send_function

if TYPE_CHECKING:
    from airflow.sdk import Context

MAX_EXCEPTION_CHARS = 4000
#: Python's default folds a long subject right after ``Subject:`` (it then reads back with a leading space).
MAIL_POLICY = policy.default.clone(max_line_length=998)


def _addresses(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        from dataops.settings import ops_recipients

        return ops_recipients()
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    return [a.strip() for a in value if a and a.strip()]


def _log_url(ti: Any, facts: Mapping[str, str]) -> str:
    """The task instance's log page: its own ``log_url``, else built on ``AIRFLOW__API__BASE_URL``."""
    try:
        url = str(getattr(ti, "log_url", "") or "")
    except Exception:  # the URL is a nicety: never fail the callback for it
        url = ""
    if url or ti is None:
        return url
    from dataops.weblinks import task_log_url

    try:
        return task_log_url(facts["dag_id"], facts["run_id"], facts["task_id"], facts["try_number"])
    except RuntimeError:
        return ""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class OpsFailureNotifier(BaseNotifier):
    """Short failure e-mail to ops, usable as ``on_failure_callback=OpsFailureNotifier()``.

    :param to: recipients (list or comma-separated); default env ``DATAOPS_OPS_RECIPIENTS`` or
        ``ops@localhost``.
    :param smtp_conn_id: Airflow SMTP connection.
    :param sender: ``From`` address; default the connection's ``from_email`` or ``dataops@localhost``.
    """

    template_fields = ("to",)

    def __init__(self, to: str | Sequence[str] | None = None, smtp_conn_id: str = "smtp_default",
                 sender: str | None = None) -> None:
        super().__init__()
        self.to = to
        self.smtp_conn_id = smtp_conn_id
        self.sender = sender

    @staticmethod
    def facts(context: Mapping[str, Any]) -> dict[str, str]:
        """dag, task, run, try, log URL and exception text from a task context."""
        ti = context.get("ti") or context.get("task_instance")
        dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", None) or "?"
        exc = context.get("exception")
        exc_text = f"{type(exc).__name__}: {exc}" if isinstance(exc, BaseException) else str(exc or "unknown")
        f = {
            "dag_id": str(dag_id), "task_id": str(getattr(ti, "task_id", "?")),
            "run_id": str(getattr(ti, "run_id", None) or context.get("run_id") or "?"),
            "try_number": str(getattr(ti, "try_number", "?")), "exception": exc_text[:MAX_EXCEPTION_CHARS],
        }
        f["log_url"] = _log_url(ti, f)
        return f

    def build_message(self, context: Mapping[str, Any], sender: str) -> EmailMessage:
        """The e-mail for one failure: plain text plus an escaped HTML alternative."""
        f = self.facts(context)
        msg = EmailMessage(policy=MAIL_POLICY)
        msg["Subject"] = _one_line(f"[AIRFLOW FAILURE] {f['dag_id']}.{f['task_id']} ({f['run_id']})")[:250]
        msg["From"] = sender
        msg["To"] = ", ".join(_addresses(self.to))
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = make_msgid(idstring="ops-failure")
        lines = [f"Task {f['dag_id']}.{f['task_id']} failed (run {f['run_id']}, try {f['try_number']}).", "",
                 "Exception:", f["exception"], "", f"Log: {f['log_url'] or 'not available'}"]
        msg.set_content("\n".join(lines))
        e = {k: html.escape(v) for k, v in f.items()}
        link = (f'<a href="{e["log_url"]}">{e["log_url"]}</a>' if f["log_url"].startswith(("http://", "https://"))
                else e["log_url"] or "not available")
        msg.add_alternative(
            f"<p>Task <b>{e['dag_id']}.{e['task_id']}</b> failed (run {e['run_id']}, try {e['try_number']}).</p>"
            f"<p>Exception:</p><pre>{e['exception']}</pre><p>Log: {link}</p>", subtype="html")
        return msg

    def message_for(self, context: Mapping[str, Any], sender: str) -> EmailMessage | None:
        """The e-mail this failure deserves: none for a data verdict, the late-batch one, or the failure one."""
        exc = context.get("exception")
        if isinstance(exc, DataQualityFailure):
            return None
        if isinstance(exc, BatchLate):
            from dataops.alerts.late_batch import late_batch_message

            f = self.facts(context)
            return late_batch_message(exc.late, task=f"{f['dag_id']}.{f['task_id']}", log_url=f["log_url"],
                                      sender=sender, recipients=_addresses(self.to))
        return self.build_message(context, sender)

    def notify(self, context: Context) -> None:
        sender = self.sender or self._conn_sender() or "dataops@localhost"
        message = self.message_for(context, sender)
        if message is None:
            self.log.info("data-quality verdict, already e-mailed to the analysts: no operations e-mail")
            return
        smtp_send_function(self.smtp_conn_id)(message)

    def _conn_sender(self) -> str | None:
        from airflow.sdk import BaseHook

        try:
            return BaseHook.get_connection(self.smtp_conn_id).extra_dejson.get("from_email")
        except Exception:
            return None
