"""DAG integrity: every file in dags/ imports cleanly, fast, and follows the house rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAG_FILES = sorted(p for p in (REPO / "dags").glob("*.py") if not p.name.startswith("_"))
HEAVY = ["pandas", "lightgbm", "great_expectations", "dbt", "duckdb", "statsmodels", "matplotlib", "numpy"]


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags"))


def test_no_import_errors(dagbag):
    assert not dagbag.import_errors, dagbag.import_errors


def test_every_dag_file_defines_a_dag(dagbag):
    files_with_dags = {Path(d.fileloc).name for d in dagbag.dags.values()}
    assert {p.name for p in DAG_FILES} <= files_with_dags


def test_dags_follow_house_rules(dagbag):
    problems = []
    for dag_id, dag in dagbag.dags.items():
        if not dag.tags:
            problems.append(f"{dag_id}: no tags")
        if not dag.doc_md or len(dag.doc_md.strip()) < 40:
            problems.append(f"{dag_id}: no meaningful doc_md")
        for task in dag.tasks:
            if not task.owner or task.owner == "airflow":
                problems.append(f"{dag_id}.{task.task_id}: no owner")
            if task.retries < 1:
                problems.append(f"{dag_id}.{task.task_id}: retries < 1")
    assert not problems, "\n".join(problems)


def _callbacks(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def test_every_task_notifies_ops_when_it_fails(dagbag):
    """A technical failure after the retries must reach operations: the ops notifier on every task."""
    from dataops_airflow.notifiers import OpsFailureNotifier

    missing = [f"{dag_id}.{task.task_id}" for dag_id, dag in dagbag.dags.items() for task in dag.tasks
               if not any(isinstance(cb, OpsFailureNotifier) for cb in _callbacks(task.on_failure_callback))]
    assert dagbag.dags and not missing, "tasks without the ops failure notifier:\n" + "\n".join(missing)


def test_no_cycles(dagbag):
    from airflow.utils.dag_cycle_tester import check_cycle

    for dag in dagbag.dags.values():
        check_cycle(dag)  # raises AirflowDagCycleException on a cycle


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda p: p.name)
def test_importing_a_dag_file_loads_no_heavy_module(dag_file):
    """Checked in a fresh interpreter through sys.modules, so other tests' imports do not interfere."""
    code = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('dag_under_test', {str(dag_file)!r})\n"
        "mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], f"{dag_file.name} imports {loaded} at parse time"


def test_the_dag_set_follows_the_dataset_files(dagbag):
    """One Value and one Innovation Pipeline per dataset YAML; the forms offer exactly those datasets."""
    from dataops.datasets import list_datasets, load_dataset

    names = list_datasets()
    assert names, "no dataset configured"
    per_dataset = {d for d in dagbag.dags if d.startswith(("value_pipeline_", "innovation_pipeline_"))}
    assert per_dataset == {f"{kind}_{n}" for n in names for kind in ("value_pipeline", "innovation_pipeline")}
    for name in names:
        cfg = load_dataset(name)
        value = dagbag.dags[f"value_pipeline_{name}"]
        assert {t.task_id for t in value.tasks} >= {f"ingest.load_{s}" for s in cfg.sources}
        marts = value.get_task("publish.publish_marts").outlets
        assert [a.uri.rstrip("/") for a in marts] == [f"warehouse://{t}" for t in cfg.marts]
        assert [a.uri.rstrip("/") for a in value.get_task("publish.publish_predictions").outlets] == [
            f"warehouse://marts.predictions/{name}"]
    labels = dagbag.dags["quality_labels"].params.get_param("dataset").schema["enum"]
    models = dagbag.dags["model_rollback"].params.get_param("model").schema["enum"]
    assert labels == names and models == sorted(load_dataset(n).model_name for n in names)


def test_a_new_dataset_file_adds_its_dags_without_python(tmp_path, monkeypatch):
    """Copying a dataset YAML under another name is enough for both pipelines and the forms to offer it."""
    import shutil

    import yaml

    from dataops.datasets import list_datasets

    for name in list_datasets():
        shutil.copy(REPO / "include" / "dataops" / "datasets" / f"{name}.yaml", tmp_path)
    raw = yaml.safe_load((tmp_path / "transactions.yaml").read_text())
    (tmp_path / "payments.yaml").write_text(yaml.safe_dump({**raw, "name": "payments"}))
    monkeypatch.setenv("DATAOPS_DATASETS_DIR", str(tmp_path))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert not bag.import_errors, bag.import_errors
    assert {"value_pipeline_payments", "innovation_pipeline_payments", "value_pipeline_transactions",
            "innovation_pipeline_transactions"} <= set(bag.dags)
    assert "payments" in bag.dags["quality_labels"].params.get_param("dataset").schema["enum"]
    assert "payments" in bag.dags["model_rollback"].params.get_param("model").schema["enum"]
    drift = bag.dags["innovation_pipeline_payments"].timetable.asset_condition
    assert "quality://payments/score_drift" in str(drift)


def test_innovation_pipeline_passes_task_outputs_and_has_no_one_task_groups(dagbag):
    dag = dagbag.dags["innovation_pipeline_transactions"]
    ids = {t.task_id for t in dag.tasks}
    assert ids == {"review_shadow_challenger", "plan_training", "train_challenger", "evaluate_challenger",
                   "needs_approval", "approve_promotion", "promote_or_reject"}
    up = {t.task_id: set(t.upstream_task_ids) for t in dag.tasks}
    assert up["plan_training"] == {"review_shadow_challenger"}
    assert up["train_challenger"] == {"plan_training"}  # set by the plan output it consumes
    assert up["evaluate_challenger"] == {"train_challenger"} and up["needs_approval"] == {"evaluate_challenger"}
    # the approval is optional: skipping it (no approval needed) must not skip the promotion
    assert up["approve_promotion"] == {"needs_approval"}
    assert up["promote_or_reject"] == {"evaluate_challenger", "approve_promotion"}
    assert dag.get_task("promote_or_reject").trigger_rule == "none_failed_min_one_success"
    assert dag.get_task("approve_promotion").defaults == ["Reject"]  # the timeout rejects
    assert dag.get_task("promote_or_reject").op_kwargs["run_key"] == "{{ dag.dag_id }}/{{ run_id }}"
    # decisions and versions are keyed on the run: the key is a rendered argument, not a function default
    assert dag.get_task("evaluate_challenger").op_kwargs["run_key"] == "{{ dag.dag_id }}/{{ run_id }}"
    assert dag.get_task("train_challenger").run_key == "{{ dag.dag_id }}/{{ run_id }}"
    # the review skips when it promoted nothing; planning still runs
    assert dag.get_task("plan_training").trigger_rule == "none_failed"
    source = (REPO / "dags" / "innovation_pipeline.py").read_text()
    assert "xcom_pull" not in source and "task_group" not in source


def test_the_shadow_review_emits_the_champion_asset(dagbag):
    """Its outlet is the champion Asset (a task with outlets emits on success; it skips unless it promoted)."""
    dag = dagbag.dags["innovation_pipeline_transactions"]
    outlets = [a.uri for a in dag.get_task("review_shadow_challenger").outlets]
    assert outlets == [a.uri for a in dag.get_task("promote_or_reject").outlets] == ["model://transactions/champion"]
