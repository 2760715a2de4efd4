"""Alert e-mails of the SPC quality gate: one digest per run and dataset, no storms, nothing lost.

Entry point: :func:`dispatch_alerts` (see :mod:`.dispatch`); the e-mail leads with the root cause (a file the
ingest rejected, see :mod:`.causes`) and links critical findings to the analysts' triage action. Tables ``quality.alert_log``,
``quality.alert_state`` and ``quality.alert_outbox`` live in the warehouse (:mod:`.tables`).
Pure Python plus Jinja2 and matplotlib; no Airflow (the SMTP sender lives in ``dataops_airflow.notifiers``).
"""

from dataops.alerts.dispatch import CHART_POINTS, MAX_CHARTS, dispatch_alerts
from dataops.alerts.labels import label_command, label_steps
from dataops.alerts.outbox import DELIVERY_ERRORS, flush_outbox
from dataops.alerts.tables import ALERT_LOG, ALERT_OUTBOX, ALERT_STATE, ensure_alert_tables

__all__ = [
    "ALERT_LOG", "ALERT_OUTBOX", "ALERT_STATE", "CHART_POINTS", "DELIVERY_ERRORS", "MAX_CHARTS",
    "dispatch_alerts", "ensure_alert_tables", "flush_outbox", "label_command", "label_steps",
]
