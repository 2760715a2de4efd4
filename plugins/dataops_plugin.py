"""Registers the DataOps suite's Airflow extensions (the only file Airflow scans in plugins/)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from dataops.weblinks import APP_PREFIX
from dataops_airflow.operators.quality import DataDocsLink
from dataops_airflow.ui.app import app
from dataops_airflow.ui.links import EvaluationReportLink


class DataOpsPlugin(AirflowPlugin):
    """Extra links of the ``dataops_airflow`` package and the reports app they point to.

    * "Data Docs" of the quality gate and "Evaluation report" of the evaluation task (a global link: empty,
      hence hidden, on tasks that pushed no report URL);
    * the ``/dataops`` app serving Data Docs, gate results and evaluation reports to logged-in users.
    """

    name = "dataops"
    operator_extra_links = [DataDocsLink()]
    global_operator_extra_links = [EvaluationReportLink()]
    fastapi_apps = [{"app": app, "url_prefix": APP_PREFIX, "name": "DataOps reports"}]
