"""A cosmos ``DbtTaskGroup`` for the project's dbt models: one Airflow task per model.

The group is rendered from dbt's ``manifest.json`` (``make`` generates it with ``dbt parse``), so parsing
the DAG never runs dbt. The dbt profile is built by cosmos from the ``warehouse_default`` Airflow
connection when a task runs: a DuckDB connection (path in *host*) on the embedded stack, a Postgres
connection in production (``DATAOPS_WAREHOUSE_KIND=postgres``).
"""

from __future__ import annotations

import os
from pathlib import Path

from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior
from cosmos.profiles import DuckDBUserPasswordProfileMapping, PostgresUserPasswordProfileMapping

from dataops_airflow.settings import WAREHOUSE_POOL

DBT_PROJECT_DIR = Path(os.environ.get("DATAOPS_DBT_PROJECT_DIR", Path(__file__).resolve().parents[2] / "dbt_project"))
MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def profile_config(warehouse_conn_id: str = "warehouse_default") -> ProfileConfig:
    """dbt profile from the warehouse connection; the kind (duckdb | postgres) comes from the environment."""
    if os.environ.get("DATAOPS_WAREHOUSE_KIND", "duckdb") == "postgres":
        mapping = PostgresUserPasswordProfileMapping(conn_id=warehouse_conn_id,
                                                     profile_args={"schema": "public", "threads": 2})
        return ProfileConfig(profile_name="dataops", target_name="postgres", profile_mapping=mapping)
    mapping = DuckDBUserPasswordProfileMapping(conn_id=warehouse_conn_id, profile_args={"threads": 1})
    return ProfileConfig(profile_name="dataops", target_name="duckdb", profile_mapping=mapping)


def dbt_transform_group(
    group_id: str = "transform",
    *,
    select: list[str],
    batch_date: str = "{{ ds }}",
    warehouse_conn_id: str = "warehouse_default",
    default_args: dict | None = None,
) -> DbtTaskGroup:
    """Build the dbt models in ``select`` (and their tests, `dbt build` per model) for one batch date.

    :param group_id: the task group's id.
    :param select: dbt selectors, e.g. ``["+fct_transaction_features"]``.
    :param batch_date: passed to dbt as ``--vars {batch_date: ...}`` (templated).
    :param warehouse_conn_id: Airflow connection the dbt profile is built from.
    :param default_args: default arguments for the group's tasks (retries, owner, ...).
    """
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(dbt_project_path=DBT_PROJECT_DIR, manifest_path=MANIFEST,
                                     project_name="dataops"),
        profile_config=profile_config(warehouse_conn_id),
        execution_config=ExecutionConfig(execution_mode=ExecutionMode.LOCAL,
                                         invocation_mode=InvocationMode.DBT_RUNNER),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, select=select,
                                   test_behavior=TestBehavior.BUILD),
        operator_args={"vars": {"batch_date": batch_date}, "install_deps": False, "pool": WAREHOUSE_POOL},
        default_args=default_args or {},
    )
