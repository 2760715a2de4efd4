"""Single writer: every task that opens the warehouse runs in the ``warehouse`` pool.

A DuckDB file takes one writer process at a time, and even a reader fails while another process holds the
write lock; the Airflow pool ``warehouse`` (one slot on the embedded stack) queues those tasks instead.

The rule, checked on every task of every DAG: a task is in the pool unless it is

* a sensor (sensors poke the landing bucket, never the warehouse), or
* listed in :data:`WAREHOUSE_FREE` by task-id suffix, i.e. known not to open the warehouse (Asset
  announcements, the smoke check's S3 and e-mail steps, registry-only moves of an alias).

So a new task is in the pool by default: leaving it out means adding it to :data:`WAREHOUSE_FREE` here.
Task ids are matched by their last part, so moving a task in or out of a task group changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: Tasks that never open the warehouse (task-id suffix -> why).
WAREHOUSE_FREE = {
    "publish_marts": "announces Assets only",
    "publish_predictions": "announces Assets only",
    "write_s3_marker": "smoke check: S3 only",
    "send_email": "smoke check: SMTP only",
    "promote_or_reject": "moves a registry alias (registry_default), reads no warehouse table",
    "rollback_champion": "moves a registry alias (registry_default), reads no warehouse table",
    "release_plan": "reads the registry's aliases (registry_default), no warehouse table",
    "needs_approval": "reads the evaluation's XCom and the settings",
    "approve_promotion": "human-in-the-loop wait; records the answer in the registry only",
    "analyst_verdict": "human-in-the-loop wait (the analysts' answer)",
    "open_triage": "triggers the triage run from the gate's XCom",
    "rerun_batch": "clears a Value Pipeline run through the scheduler's API",
}

#: Tasks known to open the warehouse: they must exist (so the rule is never checked on nothing).
WAREHOUSE_TASKS = ("plan_training", "train_challenger", "evaluate_challenger", "review_shadow_challenger",
                   "signal_score_drift", "spc_gate", "score_champion", "score_challenger", "release_step", "record_in_warehouse", "apply_label",
                   "apply_verdict")


@pytest.fixture(scope="module")
def tasks():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert not bag.import_errors, bag.import_errors
    return [(dag_id, task) for dag_id, dag in sorted(bag.dags.items()) for task in dag.tasks]


def _suffix(task_id: str) -> str:
    return task_id.rsplit(".", 1)[-1]


def _is_sensor(task) -> bool:
    from airflow.sdk.bases.sensor import BaseSensorOperator

    return isinstance(task, BaseSensorOperator)


def test_every_task_that_opens_the_warehouse_is_in_the_pool(tasks):
    from dataops_airflow.settings import WAREHOUSE_POOL

    outside = [f"{dag_id}.{task.task_id} (pool {task.pool!r})" for dag_id, task in tasks
               if not _is_sensor(task) and _suffix(task.task_id) not in WAREHOUSE_FREE and task.pool != WAREHOUSE_POOL]
    assert not outside, "tasks that open the warehouse outside the warehouse pool:\n" + "\n".join(outside)


def test_the_rule_sees_the_known_warehouse_tasks(tasks):
    suffixes = {_suffix(task.task_id) for _, task in tasks}
    assert set(WAREHOUSE_TASKS) <= suffixes, set(WAREHOUSE_TASKS) - suffixes
    assert set(WAREHOUSE_FREE) <= suffixes, "stale entries in WAREHOUSE_FREE: " + str(set(WAREHOUSE_FREE) - suffixes)


def test_in_watcher_mode_only_the_dbt_producer_writes_and_it_is_in_the_pool(monkeypatch):
    """Under the scheduler the transform is cosmos's WATCHER mode (the suite's dag.test() runs use LOCAL)."""
    from airflow.dag_processing.dagbag import DagBag

    from dataops_airflow.settings import WAREHOUSE_POOL

    monkeypatch.setenv("DATAOPS_DBT_EXECUTION_MODE", "watcher")
    bag = DagBag(dag_folder=str(REPO / "dags" / "value_pipeline.py"))
    assert not bag.import_errors, bag.import_errors
    transform = [t for dag in bag.dags.values() for t in dag.tasks if t.task_id.startswith("transform.")]
    producers = [t for t in transform if _suffix(t.task_id) == "dbt_producer_watcher"]
    assert producers and all(t.pool == WAREHOUSE_POOL for t in producers)
    others = [t for t in transform if t not in producers and _suffix(t.task_id) != "dbt_producer_watcher_done"]
    assert others and all(_is_sensor(t) for t in others), [t.task_id for t in others if not _is_sensor(t)]
