"""The operations e-mail of a batch that has not landed by its expected time (short, one action)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from dataops.alerts.message import build_message


@dataclass(frozen=True)
class LateBatch:
    """A batch whose manifest was still missing when the sensor gave up.

    :param prefix: the source's folder in the landing bucket (e.g. ``transactions``).
    :param batch_date: ``YYYY-MM-DD``.
    :param bucket: the landing bucket.
    :param key: the missing manifest's key (``<prefix>/batch_date=<date>/_manifest.json``).
    :param expected_by: when the batch was due at the latest (aware UTC): the sensor's deadline, i.e. the
        moment it gave up (its start plus its timeout, to within one poke interval).
    :param waited: how long the sensor waited.
    """

    prefix: str
    batch_date: str
    bucket: str
    key: str
    expected_by: datetime
    waited: timedelta

    @property
    def url(self) -> str:
        """``s3://<bucket>/<key>``."""
        return f"s3://{self.bucket}/{self.key}"


def _when(moment: datetime) -> str:
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%d %H:%M UTC")


def _hours(waited: timedelta) -> str:
    seconds = waited.total_seconds()
    if seconds >= 3600:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 60:.3g} min" if seconds >= 60 else f"{seconds:.3g} s"


def late_batch_subject(late: LateBatch) -> str:
    """``[LATE BATCH] transactions 2026-03-14: s3://landing/.../_manifest.json not landed by 2026-03-15 06:00 UTC``."""
    return f"[LATE BATCH] {late.prefix} {late.batch_date}: {late.url} not landed by {_when(late.expected_by)}"


def late_batch_message(late: LateBatch, *, task: str, log_url: str, sender: str, recipients: list[str],
                       now: datetime | None = None) -> EmailMessage:
    """The short e-mail to operations: the missing key, the expected time, what to do, the task log.

    :param late: the late batch.
    :param task: ``dag_id.task_id`` of the sensor.
    :param log_url: the sensor's log in the Airflow UI (``""`` when unknown).
    :param sender: ``From``.
    :param recipients: operations' addresses.
    :param now: the clock (tests).
    """
    lines = [f"The batch {late.prefix} {late.batch_date} has not landed.", "",
             f"Missing: {late.url}",
             f"Expected by: {_when(late.expected_by)} (waited {_hours(late.waited)})", "",
             "Ask the upstream team whether it was sent; once the manifest is there, clear the task "
             f"{task} to run the day.", "", f"Log: {log_url or 'not available'}"]
    e = {k: html.escape(v) for k, v in {"url": late.url, "task": task, "log": log_url,
                                        "batch": f"{late.prefix} {late.batch_date}"}.items()}
    log_html = f'<a href="{e["log"]}">{e["log"]}</a>' if log_url.startswith(("http://", "https://")) \
        else (e["log"] or "not available")
    page = (f"<p>The batch <b>{e['batch']}</b> has not landed.</p>"
            f"<p>Missing: <code>{e['url']}</code><br>Expected by: {_when(late.expected_by)} "
            f"(waited {_hours(late.waited)})</p>"
            f"<p>Ask the upstream team whether it was sent; once the manifest is there, clear the task "
            f"<code>{e['task']}</code> to run the day.</p><p>Log: {log_html}</p>")
    return build_message(subject=late_batch_subject(late), sender=sender, recipients=recipients,
                         text="\n".join(lines) + "\n", html=page, charts=[], now=now or datetime.now(UTC),
                         headers={"X-DataOps-Batch-Date": late.batch_date, "X-DataOps-Missing-Key": late.url})
