"""Registers the DataOps suite's Airflow extensions (the only file Airflow scans in plugins/)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from dataops_airflow.operators.quality import DataDocsLink


class DataOpsPlugin(AirflowPlugin):
    """Operator extra links of the ``dataops_airflow`` package: Data Docs of the quality gate."""

    name = "dataops"
    operator_extra_links = [DataDocsLink()]
