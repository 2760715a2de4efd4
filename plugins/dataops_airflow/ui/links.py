"""The "Evaluation report" extra link of the task that evaluates a challenger.

The task pushes the report's URL (:func:`dataops.weblinks.evaluation_report_url`, served by the ``/dataops``
app) to XCom under :data:`EVALUATION_REPORT_XCOM_KEY`; the link is registered globally by the plugin and is
empty (so the UI shows no button) on every task that did not push it.
"""

from __future__ import annotations

from airflow.sdk import BaseOperatorLink

#: XCom key holding the evaluation report URL of the task's run (read by :class:`EvaluationReportLink`).
EVALUATION_REPORT_XCOM_KEY = "evaluation_report_url"


class EvaluationReportLink(BaseOperatorLink):
    """Button on the evaluation task's page that opens this run's champion-vs-challenger report."""

    name = "Evaluation report"

    def get_link(self, operator, *, ti_key) -> str:
        # A global link is resolved by the API server, outside any task: the Task SDK's XCom.get_value needs
        # the task supervisor there (ImportError SUPERVISOR_COMMS, and the whole extra-links answer fails).
        # Airflow's own XComOperatorLink reads the row from the metadata database instead.
        from airflow.serialization.definitions.operatorlink import XComOperatorLink

        return XComOperatorLink(name=self.name, xcom_key=EVALUATION_REPORT_XCOM_KEY).get_link(operator,
                                                                                              ti_key=ti_key)
