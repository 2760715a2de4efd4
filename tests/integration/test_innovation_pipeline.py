"""Innovation Pipeline end to end on simulated concept drift.

The simulator switches on a new fraud pattern on DRIFT. A champion trained before it ages; the Innovation
Pipeline (dag.test) trains a challenger on post-drift data, evaluates both on the same out-of-time holdout and
promotes it; the Value Pipeline's next run scores with the new version. A challenger trained on the same data
as the champion and a deliberately worse one are rejected with reasons; rollback restores the old champion
and the alias history shows every move.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

pytestmark = pytest.mark.slow

START = date(2025, 10, 1)
DAYS = 100
DRIFT = date(2025, 11, 5)
LAST = START + timedelta(days=DAYS - 1)  # 2026-01-08
OLD_CUTOFF = date(2025, 12, 15)  # matured labels end at 2025-11-05: the champion never sees the drift


@pytest.fixture(scope="module")
def world(tmp_path_factory, s3_endpoint):
    """Land, ingest and transform 100 simulated days once for the whole module."""
    import boto3

    from dataops.backfill import dbt_build_all, ingest_history
    from dataops.datasets import load_dataset
    from dataops.simulator.cli import main as simulate
    from dataops.warehouse import WarehouseLocation

    root = tmp_path_factory.mktemp("innovation")
    bucket = "landing-innovation"
    assert simulate(["land", "--start", START.isoformat(), "--days", str(DAYS), "--tx-per-day", "2500",
                     "--seed", "5", "--epoch", START.isoformat(), "--endpoint-url", s3_endpoint,
                     "--bucket", bucket, "--fault", f"{DRIFT.isoformat()}:concept_drift"]) == 0
    location = WarehouseLocation.duckdb(root / "warehouse.duckdb")
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    dates = [(START + timedelta(days=i)).isoformat() for i in range(DAYS)]
    ingest_history(s3, bucket, load_dataset("transactions"), dates, location)
    dbt_build_all(_repo() / "dbt_project", location, target_path=root / "dbt-target")
    return {"root": root, "location": location, "bucket": bucket}


def _repo():
    from pathlib import Path

    return Path(__file__).resolve().parents[2]


def _registry(world, s3_endpoint):
    import boto3
    from sqlalchemy import create_engine

    from dataops.registry import ModelRegistry

    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    if "models" not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket="models")
    return ModelRegistry(create_engine(f"sqlite:///{world['root'] / 'registry.sqlite'}"), s3,
                         model_name="transactions", bucket="models")


def _train(world, registry, cutoff: date, train_days=21, params=None, options=None):
    from dataops.datasets import load_dataset
    from dataops.training.pipeline import train_and_register

    return train_and_register(world["location"].engine(), registry, load_dataset("transactions"), cutoff=cutoff,
                              train_days=train_days, valid_days=7, holdout_days=7, params=params,
                              training_options=options, created_by="test")


def test_drift_retrain_promote_score_reject_and_rollback(world, airflow_db, stack_connections, monkeypatch,
                                                         s3_endpoint):
    import duckdb
    from airflow.dag_processing.dagbag import DagBag

    from dataops.evaluation import decide
    from dataops.evaluation.decide import rebuild_holdout

    # the DAG tasks must see this module's warehouse and registry
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_DEFAULT",
                       f'{{"conn_type": "duckdb", "host": "{world["location"].path}"}}')
    monkeypatch.setenv("AIRFLOW_CONN_REGISTRY_DEFAULT",
                       f'{{"conn_type": "sqlite", "host": "{world["root"] / "registry.sqlite"}"}}')
    monkeypatch.setenv("DATAOPS_LANDING_BUCKET", world["bucket"])
    monkeypatch.setenv("DATAOPS_ARTIFACT_BUCKET", "models")
    # the training task must not fall back on the environment: point it nowhere
    monkeypatch.setenv("DATAOPS_WAREHOUSE_PATH", str(world["root"] / "nowhere.duckdb"))
    monkeypatch.setenv("DATAOPS_REGISTRY_URL", f"sqlite:///{world['root'] / 'nowhere.sqlite'}")
    registry = _registry(world, s3_endpoint)

    old = _train(world, registry, OLD_CUTOFF)
    registry.promote(old.version, actor="test", reason="first champion, trained before the drift")

    bag = DagBag(dag_folder=str(_repo() / "dags"))
    assert not bag.import_errors, bag.import_errors
    innovation = bag.get_dag("innovation_pipeline_transactions")
    for t in innovation.tasks:
        t.retries = 0
    run = innovation.test(logical_date=datetime(2026, 1, 8, tzinfo=UTC),
                          run_conf={"cutoff": LAST.isoformat(), "train_days": 14})
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == "success", states
    assert states["promote_or_reject"] == "success", "the aged champion should be beaten"
    assert states["review_shadow_challenger"] == "skipped"  # no shadow: nothing promoted, nothing emitted
    new_version = registry.get_alias_version("champion")
    assert new_version != old.version
    [decision] = [d for d in registry.decisions() if d["challenger_version"] == new_version]
    assert decision["promote"] and decision["ci_low"] > 0
    assert decision["run_key"] == f"innovation_pipeline_transactions/{run.run_id}"
    assert registry.get_version(new_version)["run_key"] == decision["run_key"]
    # the evaluation task's "Evaluation report" extra link opens this decision's report in the /dataops app
    from dataops.weblinks import evaluation_report_url
    from dataops_airflow.ui.links import EvaluationReportLink

    [evaluated] = [ti for ti in run.get_task_instances() if ti.task_id == "evaluate_challenger"]
    link = EvaluationReportLink().get_link(innovation.get_task("evaluate_challenger"), ti_key=evaluated.key)
    assert link == evaluation_report_url("transactions", new_version, decision["decision_id"])

    value = bag.get_dag("value_pipeline_transactions")
    for t in value.tasks:
        t.retries = 0
    run = value.test(logical_date=datetime(2026, 1, 8, tzinfo=UTC))
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["score.score_champion"] == "success", states
    with duckdb.connect(str(world["location"].path)) as con:
        versions = con.execute("SELECT DISTINCT model_version FROM marts.predictions WHERE batch_date = ? "
                               "AND role = 'champion'", [LAST]).fetchall()
    assert versions == [(new_version,)]

    champion = registry.load("champion")
    holdout, _ = rebuild_holdout(world["location"].engine(), champion)
    same = _train(world, registry, LAST, train_days=14)  # same data, same seed: no real improvement
    rejected = decide(registry, same.version, holdout=holdout, actor="test")
    assert not rejected.promote
    assert any("lower bound" in r or "CI" in r or "confidence" in r for r in rejected.reasons), rejected.reasons

    worse = _train(world, registry, LAST, train_days=14, params={"learning_rate": 0.0005, "num_leaves": 2},
                   options={"num_boost_round": 2, "early_stopping_rounds": 1})
    rejected = decide(registry, worse.version, holdout=holdout, actor="test")
    assert not rejected.promote and rejected.reasons
    assert rejected.delta < 0

    move = registry.rollback("champion", reason="test: undo the promotion", actor="test")
    assert (move.from_version, move.to_version) == (new_version, old.version)
    assert registry.get_alias_version("champion") == old.version
    history = registry.history("champion")
    assert [(h["action"], h["to_version"]) for h in history] == [
        ("promote", old.version), ("promote", new_version), ("rollback", old.version)]
