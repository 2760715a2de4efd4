"""Where the view reads from: the warehouse connection, the configured datasets, a pipeline run's batch."""

from __future__ import annotations

from datetime import date

from dataops.datasets import list_datasets
from dataops.warehouse import WarehouseLocation

VALUE_PIPELINE_PREFIX = "value_pipeline_"


def hook_warehouse() -> WarehouseLocation:
    """The warehouse of the ``warehouse_default`` Airflow connection (the view's default)."""
    from dataops_airflow.hooks import WarehouseHook

    return WarehouseHook().get_location()


def datasets() -> list[str]:
    """The configured datasets (one registered model each, named like the dataset)."""
    return list_datasets()


def dataset_of_dag(dag_id: str) -> str | None:
    """The dataset of a Value Pipeline DAG (``value_pipeline_<dataset>``), None for any other DAG.

    :param dag_id: the DAG id.
    """
    name = dag_id.removeprefix(VALUE_PIPELINE_PREFIX)
    return name if dag_id.startswith(VALUE_PIPELINE_PREFIX) and name in datasets() else None


def _date_in_run_id(run_id: str) -> date | None:
    """``scheduled__2026-02-23T00:00:00+00:00`` -> 2026-02-23 (run ids carry the logical date)."""
    _, _, stamp = run_id.partition("__")
    try:
        return date.fromisoformat(stamp[:10])
    except ValueError:
        return None


def run_batch_date(dag_id: str, run_id: str) -> date | None:
    """The batch date (``ds``: the data interval's start) of a run, from the metadata database, else from
    the run id.

    :param dag_id: the DAG id.
    :param run_id: the run id.
    """
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        run = session.query(DagRun).filter(DagRun.dag_id == dag_id, DagRun.run_id == run_id).one_or_none()
        stamp = run and (run.data_interval_start or run.logical_date or run.run_after)
        if stamp is not None:
            return stamp.date()
    return _date_in_run_id(run_id)
