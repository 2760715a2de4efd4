"""One alert e-mail per run and dataset, only when something is worth telling.

Order of work in :func:`dispatch_alerts`:

1. create the ``quality`` tables if missing, then flush the outbox (queued messages, oldest first);
2. a run key already ``sent``/``queued`` for the dataset sends nothing (task retries);
3. compare today's verdicts with the alert state: new alerts, "still out of control, day N" lines,
   "back in control" notes; a clean day sends nothing;
4. order by cause (:mod:`.causes`): a file the ingest rejected leads, the findings that follow from it are
   grouped under it, then the independent findings worst first, then the recoveries;
5. render (subject, table, inline control charts, the triage link when something is critical, links, label
   steps as the operators' fallback, plain-text part) and send; when the SMTP
   server does not take it (``OSError`` / ``smtplib.SMTPException``) the message goes to the outbox;
6. write the state, the log row (and the outbox row) in one transaction.

Delivery is at least once: a crash between the SMTP server accepting the message and step 6 sends it again
on the retry. The quality verdict never depends on any of this.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from dataops.alerts import tables
from dataops.alerts.causes import (
    AlertPlan,
    load_quarantine_reasons,
    load_rejections,
    metric_origins,
    plan_alert,
    with_reasons,
)
from dataops.alerts.inputs import CRITICAL, MetricResult, as_date, chart_points, fill_zones, metric_result
from dataops.alerts.message import build_message, new_cid
from dataops.alerts.outbox import DELIVERY_ERRORS, describe, flush_outbox
from dataops.alerts.render import ChartRef, context, display_name, render_html, render_text, subject_line
from dataops.alerts.state import Digest, build_digest
from dataops.warehouse import Warehouse, WarehouseLocation, open_warehouse, transaction

log = logging.getLogger(__name__)

#: At most this many inline charts per e-mail (worst metrics first).
MAX_CHARTS = 3
#: Batches drawn per chart.
CHART_POINTS = 60


def _clock(now: datetime | None) -> tuple[datetime, datetime]:
    """(aware UTC for the Date header, naive UTC for TIMESTAMP columns)."""
    aware = (now or datetime.now(UTC))
    aware = aware.replace(tzinfo=UTC) if aware.tzinfo is None else aware.astimezone(UTC)
    return aware, aware.replace(tzinfo=None)


def _charts(dataset: str, batch_date: str, plan: AlertPlan, series: Mapping[str, Any], sender: str
            ) -> tuple[list[ChartRef], dict[str, str]]:
    from dataops.alerts.chart import control_chart_png

    charts: list[ChartRef] = []
    errors: dict[str, str] = {}
    today = as_date(batch_date)
    for item in plan.flagged:  # the leading findings first
        if len(charts) >= MAX_CHARTS:
            break
        r = item.result
        points = chart_points(series.get(r.metric), CHART_POINTS)
        if not points:
            continue
        if points[-1]["batch_date"] < today and r.value is not None:
            points = _with_today(points, r, today)[-CHART_POINTS:]
        try:
            png = control_chart_png(display_name(dataset, r.metric), points, today)
        except Exception as exc:  # a chart is a nice-to-have: the alert goes out without it
            log.warning("no chart for %s: %s", r.metric, describe(exc))
            errors[r.metric] = describe(exc)
            continue
        charts.append(ChartRef(metric=r.metric, cid=new_cid(sender), png=png))
    return charts, errors


def _with_today(points: list[dict[str, Any]], r: MetricResult, today) -> list[dict[str, Any]]:
    """Append the batch under test when the series stops before it."""
    p = {"batch_date": today, "value": r.value, "status": "in_baseline", "verdict": r.verdict,
         "rules": tuple(f.rule for f in r.findings), "centre": r.centre, "ucl": r.ucl, "lcl": r.lcl,
         "sigma": r.sigma, "zone_1_upper": None, "zone_1_lower": None, "zone_2_upper": None,
         "zone_2_lower": None}
    fill_zones(p)
    return [*points, p]


def _plan(con: Any, dataset: str, batch_date: str, digest: Digest) -> AlertPlan:
    """The digest ordered by cause, with the batch's ingest rejections read from the warehouse."""
    rejections, loaded = load_rejections(con, dataset, batch_date)
    main, origins = metric_origins(dataset, [i.result.metric for i in digest.items])
    plan = plan_alert(digest, rejections, loaded, origins, main_source=main)
    reasons = load_quarantine_reasons(con, dataset, batch_date, [r.file_key for r in rejections])
    return with_reasons(plan, reasons, origins)


def _links(dataset: str, batch_date: str, digest: Digest, links: Mapping[str, str]) -> dict[str, str]:
    """``links`` plus ``triage`` (:func:`dataops.weblinks.triage_url`) when a finding is critical."""
    out = {k: v for k, v in links.items() if v}
    if "triage" not in out and any(i.result.severity == CRITICAL for i in digest.flagged):
        from dataops.weblinks import triage_url

        try:
            out["triage"] = triage_url(dataset, batch_date)
        except RuntimeError as exc:  # no public base URL: the CLI fallback of the e-mail still works
            log.warning("no triage link in the alert: %s", exc)
    return out


def _result(sent: bool = False, subject: str | None = None, message_id: str | None = None,
            queued: bool = False, flushed: int = 0, reason: str = "") -> dict[str, Any]:
    return {"sent": sent, "subject": subject, "message_id": message_id, "queued_in_outbox": queued,
            "flushed_from_outbox": flushed, "reason": reason}


def dispatch_alerts(location: Warehouse | WarehouseLocation, *, dataset: str, batch_date: str, run_key: str,
                    evaluations: list[dict], series: dict[str, dict], links: dict[str, str],
                    recipients: list[str], send: Callable[[EmailMessage], None],
                    sender: str = "dataops@localhost", now: datetime | None = None) -> dict[str, Any]:
    """Send (or queue) the quality alert of one run and dataset; see the module docstring.

    :param location: the warehouse (a :class:`~dataops.warehouse.Warehouse` or its location).
    :param dataset: e.g. ``transactions``.
    :param batch_date: the batch under test, ``YYYY-MM-DD``.
    :param run_key: identifies the run (e.g. ``dag_id/run_id``); the same key never sends twice.
    :param evaluations: ``Evaluation.to_dict()`` of every metric of the batch (and contract findings).
    :param series: metric -> serialised chart series of the last batches; a missing one means no chart.
    :param links: ``data_docs`` (the run's served Data Docs page) and ``task`` URLs (others are listed too);
        ``triage`` defaults to :func:`dataops.weblinks.triage_url` of the batch when a finding is critical.
    :param recipients: ``To`` addresses.
    :param send: delivers one message; raises ``OSError`` / ``smtplib.SMTPException`` on failure.
    :param sender: ``From`` address.
    :param now: the clock (tests); default the current UTC time.
    :return: ``sent``, ``subject``, ``message_id``, ``queued_in_outbox``, ``flushed_from_outbox``, ``reason``.
    """
    aware_now, db_now = _clock(now)
    day = as_date(batch_date)
    batch_date = day.isoformat()
    with open_warehouse(location).connect() as con:
        tables.ensure_alert_tables(con)
        flushed = flush_outbox(con, send, db_now)
        done = tables.logged_status(con, run_key, dataset)
        if done is not None:
            return _result(subject=done[1], flushed=flushed,
                           reason=f"run key {run_key!r} already handled for {dataset} ({done[0]})")
        results = [metric_result(e, batch_date) for e in evaluations]
        stored = tables.load_states(con, dataset)
        digest = build_digest(results, stored, batch_date)
        if digest.empty or not recipients:
            status = tables.NOTHING if digest.empty else tables.NO_RECIPIENTS
            with transaction(con):
                tables.write_states(con, dataset, dict(digest.updates), stored, db_now)
                tables.write_log(con, run_key=run_key, dataset=dataset, batch_date=day, subject=None,
                                 status=status, now=db_now)
            reason = "nothing worth telling" if digest.empty else "alert due but no recipients configured"
            return _result(flushed=flushed, reason=reason)

        plan = _plan(con, dataset, batch_date, digest)
        subject = subject_line(dataset, batch_date, plan)
        charts, chart_errors = _charts(dataset, batch_date, plan, series or {}, sender)
        ctx = context(dataset, batch_date, run_key, plan, _links(dataset, batch_date, digest, links or {}),
                      charts, chart_errors)
        msg = build_message(subject=subject, sender=sender, recipients=list(recipients), text=render_text(ctx),
                            html=render_html(ctx), charts=charts, now=aware_now,
                            headers={"X-DataOps-Run-Key": run_key, "X-DataOps-Dataset": dataset,
                                     "X-DataOps-Batch-Date": batch_date})
        message_id = str(msg["Message-ID"])
        error: str | None = None
        try:
            send(msg)
        except DELIVERY_ERRORS as exc:
            error = describe(exc)
            log.warning("alert %r not delivered (%s): kept in %s", subject, error, tables.ALERT_OUTBOX)

        with transaction(con):
            tables.write_states(con, dataset, dict(digest.updates), stored, db_now)
            tables.write_log(con, run_key=run_key, dataset=dataset, batch_date=day, subject=subject,
                             status=tables.SENT if error is None else tables.QUEUED, now=db_now,
                             message_id=message_id, recipients=list(recipients))
            if error is not None:
                tables.enqueue(con, run_key=run_key, dataset=dataset, batch_date=day, subject=subject,
                               raw=msg.as_bytes(), error=error, now=db_now)
    if error is None:
        return _result(sent=True, subject=subject, message_id=message_id, flushed=flushed, reason="sent")
    return _result(subject=subject, message_id=message_id, queued=True, flushed=flushed,
                   reason=f"SMTP unavailable ({error}); queued in {tables.ALERT_OUTBOX}")

