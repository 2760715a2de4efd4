"""The pipeline's own speed: task seconds from a run's task-instance records, rows per second from the warehouse
(DuckDB and PostgreSQL), and the metrics file's ``pipeline`` entries."""

from __future__ import annotations

import pytest
import yaml

from dataops.monitoring.speed import describe, measure_speed, task_seconds
from dataops.quality.config import load_quality_config
from tests.unit.monitoring.features import write_scores

#: what the execution API's breadcrumbs of a run look like (finished task instances only)
CRUMBS = [
    {"task_id": "ingest.load_transactions", "map_index": -1, "state": "success", "operator": "IngestBatchOperator",
     "duration": 4.0},
    {"task_id": "score.score_champion", "map_index": 0, "state": "success", "operator": "ScoreBatchOperator",
     "duration": 1.5},
    {"task_id": "score.score_champion", "map_index": 1, "state": "success", "operator": "ScoreBatchOperator",
     "duration": 2.5},
    {"task_id": "score.score_shadow", "map_index": -1, "state": "skipped", "operator": "ScoreBatchOperator",
     "duration": 0.4},
    {"task_id": "quality.open_triage", "map_index": -1, "state": "failed", "operator": "OpenTriageOperator",
     "duration": 3.0},
    {"task_id": "transform.dbt_producer_watcher_done", "map_index": -1, "state": "success",
     "operator": "EmptyOperator", "duration": None},
]


def test_task_seconds_add_up_mapped_instances_and_count_only_successes():
    seconds = task_seconds(CRUMBS)
    assert seconds == {"ingest.load_transactions": 4.0, "score.score_champion": 4.0}
    assert describe(seconds) == "ingest.load_transactions 4.0 s, score.score_champion 4.0 s"
    assert describe({}) == "no finished task"


def test_rows_per_second_divides_the_batch_s_rows_by_the_task_s_seconds(warehouse):
    specs = load_quality_config("transactions").stage("pipeline")
    write_scores(warehouse, "transactions", "2026-05-02", [0.1] * 300)
    values = {v.metric: v.value for v in measure_speed(warehouse, specs, "transactions", "raw.transactions",
                                                       "2026-05-02", task_seconds(CRUMBS))}
    assert values["task_seconds.score.score_champion"] == 4.0
    assert values["task_rows_per_second.score.score_champion"] == 75.0  # 300 rows in 4 s
    assert values["task_seconds.quality.spc_gate"] is None  # not in the run: learning, not zero
    assert values["task_rows_per_second.ingest.load_transactions"] is None  # no raw table yet


@pytest.mark.parametrize(("entry", "message"), [
    ({"kind": "task_seconds", "stage": "pipeline"}, "needs 'tasks', a list of task ids"),
    ({"kind": "task_seconds", "stage": "pipeline", "tasks": {"score.x": "rows_scored"}}, "a list of task ids"),
    ({"kind": "task_rows_per_second", "stage": "pipeline", "tasks": ["score.x"]}, "a mapping task_id"),
    ({"kind": "task_rows_per_second", "stage": "pipeline", "tasks": {"score.x": "rows"}}, "not one of"),
    ({"kind": "task_seconds", "stage": "pipeline", "tasks": ["score.x; DROP"]}, "is not a task id"),
    ({"kind": "task_seconds", "tasks": ["score.x"]}, "only they have stage: pipeline"),
    ({"kind": "row_count", "stage": "pipeline"}, "only they have stage: pipeline"),
])
def test_a_pipeline_entry_of_the_metrics_file_is_checked(tmp_path, entry, message):
    path = tmp_path / "transactions.yaml"
    path.write_text(yaml.safe_dump({"dataset": "transactions", "source": "transactions", "metrics": {"m": entry}}))
    with pytest.raises(ValueError, match=message):
        load_quality_config("transactions", path)


def test_the_transactions_file_watches_the_working_tasks_for_operations():
    specs = load_quality_config("transactions").stage("pipeline")
    assert {m.family for m in specs} == {"pipeline speed"} and {m.notify for m in specs} == {"operations"}
    assert {m.spc.chart for m in specs} == {"individuals", "ewma"}
    assert "task_seconds.transform.dbt_producer_watcher" in {m.name for m in specs}
