"""Registers the DataOps suite's Airflow extensions (the only file Airflow scans in plugins/)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin


class DataOpsPlugin(AirflowPlugin):
    """Operator extra links (reports, Data Docs) of the ``dataops_airflow`` package."""

    name = "dataops"
