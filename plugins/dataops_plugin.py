"""Registers the DataOps suite's Airflow extensions (the only file Airflow scans in plugins/)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from dataops.weblinks import APP_PREFIX
from dataops_airflow.operators.quality import DataDocsLink
from dataops_airflow.ui.app import app
from dataops_airflow.ui.links import EvaluationReportLink
from dataops_airflow.ui.view.nav import external_views as dataops_views


class DataOpsPlugin(AirflowPlugin):
    """Extra links of the ``dataops_airflow`` package and the reports app they point to.

    * "Data Docs" of the quality gate and "Evaluation report" of the evaluation task (a global link: empty,
      hence hidden, on tasks that pushed no report URL);
    * the ``/dataops`` app serving Data Docs, gate results and evaluation reports to logged-in users;
    * the DataOps view in the UI's navigation (a top-level "DataOps" item) and on every Value Pipeline run (a "DataOps"
      tab: that run's batch), see :mod:`dataops_airflow.ui.view.nav`.
    """

    name = "dataops"
    operator_extra_links = [DataDocsLink()]
    global_operator_extra_links = [EvaluationReportLink()]
    fastapi_apps = [{"app": app, "url_prefix": APP_PREFIX, "name": "DataOps reports"}]
    external_views = dataops_views()
