"""Notifiers: the SMTP send function of the quality alerts and the ops failure e-mail."""

from dataops_airflow.notifiers.ops_failure import OpsFailureNotifier
from dataops_airflow.notifiers.smtp_sender import smtp_send_function

__all__ = ["OpsFailureNotifier", "smtp_send_function"]
