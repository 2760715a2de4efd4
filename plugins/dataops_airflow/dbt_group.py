"""A cosmos ``DbtTaskGroup`` for the project's dbt models: one Airflow task per model.

The group is rendered from dbt's ``manifest.json`` (``make`` generates it with ``dbt parse``), so parsing
the DAG never runs dbt. The dbt profile is built by cosmos from the ``warehouse_default`` Airflow
connection when a task runs: a DuckDB connection (path in *host*) on the embedded stack, a Postgres
connection in production: :mod:`dataops_airflow.dbt_profile` picks the mapping from the connection's type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import PRODUCER_WATCHER_TASK_ID, ExecutionMode, InvocationMode, LoadMode, TestBehavior

from dataops import settings
from dataops_airflow.dbt_profile import WarehouseProfileMapping
from dataops_airflow.settings import WAREHOUSE_POOL

DBT_PROJECT_DIR = Path(settings.require("DATAOPS_DBT_PROJECT_DIR"))
MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def profile_config(warehouse_conn_id: str = "warehouse_default") -> ProfileConfig:
    """dbt profile from the warehouse connection; DuckDB or PostgreSQL follows the connection's type."""
    return ProfileConfig(profile_name="dataops", target_name="warehouse",
                         profile_mapping=WarehouseProfileMapping(conn_id=warehouse_conn_id))


def dbt_transform_group(
    group_id: str = "transform",
    *,
    select: list[str],
    batch_date: str = "{{ ds }}",
    warehouse_conn_id: str = "warehouse_default",
    default_args: dict | None = None,
) -> DbtTaskGroup:
    """Build the dbt models in ``select`` (and their tests) for one batch date: one ``dbt build``, one task per
    model to watch it.

    cosmos's WATCHER mode: the producer task runs a single ``dbt build`` of the selection (dbt's start-up and
    parse paid once, not once per model); each model has a deferrable sensor task that turns green or red with
    that model, so the grid still shows every model. In a run's first try only the producer writes the
    warehouse, so only it is in the ``warehouse`` pool (the sensors wait on the triggerer and hold no slot).
    When a run is cleared (or the producer retried), cosmos skips the producer and each sensor runs its own
    model instead: on DuckDB those runs wait for each other's file lock
    (:data:`~dataops_airflow.dbt_profile.DUCKDB_RETRIES`), on PostgreSQL they run side by side.

    ``DATAOPS_DBT_EXECUTION_MODE=local`` renders one ``dbt build`` task per model instead (cosmos LOCAL mode).
    ``dag.test()`` needs it: it runs one task at a time in-process, so a watcher sensor that defers before the
    producer has started would wait for it forever. The test suite's ``dag.test()`` runs set it; the scheduler
    (demo, end-to-end tests, production) runs the watcher.

    :param group_id: the task group's id.
    :param select: dbt selectors, e.g. ``["+fct_transaction_features"]``.
    :param batch_date: passed to dbt as ``--vars {batch_date: ...}`` (templated).
    :param warehouse_conn_id: Airflow connection the dbt profile is built from.
    :param default_args: default arguments for the group's tasks (retries, owner, ...).
    """
    watcher = settings.get("DATAOPS_DBT_EXECUTION_MODE") == "watcher"
    # watcher: the sensors poke every 2 s and only the producer gets the pool (below); local: every task writes
    mode_args: dict[str, Any] = {"poke_interval": 2} if watcher else {"pool": WAREHOUSE_POOL}
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(dbt_project_path=DBT_PROJECT_DIR, manifest_path=MANIFEST,
                                     project_name="dataops"),
        profile_config=profile_config(warehouse_conn_id),
        execution_config=ExecutionConfig(execution_mode=ExecutionMode.WATCHER if watcher else ExecutionMode.LOCAL,
                                         invocation_mode=InvocationMode.DBT_RUNNER),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, select=select,
                                   test_behavior=TestBehavior.AFTER_EACH if watcher else TestBehavior.BUILD),
        operator_args={"vars": {"batch_date": batch_date}, "install_deps": False,
                       **mode_args},
        default_args=default_args or {},
    )
    if watcher:
        group.children[f"{group_id}.{PRODUCER_WATCHER_TASK_ID}"].pool = WAREHOUSE_POOL
    return group
