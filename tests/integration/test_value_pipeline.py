"""The Value Pipeline end to end with dag.test(): real local S3, real DuckDB file, real dbt, real registry.

Four consecutive days are landed by the simulator; day 3 carries duplicated and unparseable rows, day 4 a
schema change. Asserted: row conservation, quarantine reasons, the contract rejection, dbt models built and
tested, predictions written once per transaction, and that rerunning a date changes no table.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pytest

pytestmark = pytest.mark.slow

DAYS = ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]
TABLE_SNAPSHOTS = {
    "raw.transactions": "SELECT * EXCLUDE (loaded_at) FROM raw.transactions ORDER BY tx_id",
    "raw.quarantine": "SELECT * EXCLUDE (quarantined_at) FROM raw.quarantine ORDER BY source_file, source_line",
    "raw.ingest_files": "SELECT * EXCLUDE (ingested_at) FROM raw.ingest_files ORDER BY file_key, version",
    "marts.fct_transactions": "SELECT * FROM marts.fct_transactions ORDER BY tx_id",
    "marts.fct_transaction_features": "SELECT * FROM marts.fct_transaction_features ORDER BY tx_id",
    "marts.predictions": "SELECT * EXCLUDE (scored_at) FROM marts.predictions ORDER BY dataset, id, role",
}


def _land(endpoint: str) -> None:
    from dataops.simulator.cli import main

    assert main(["land", "--start", DAYS[0], "--days", str(len(DAYS)), "--tx-per-day", "1200", "--seed", "11",
                 "--epoch", DAYS[0], "--endpoint-url", endpoint, "--bucket", "landing",
                 "--fault", f"{DAYS[2]}:duplicated_rows", "--fault", f"{DAYS[2]}:unparseable_rows",
                 "--fault", f"{DAYS[3]}:schema_change:renamed"]) == 0


def _register_champion(tmp_path, s3_endpoint: str, registry_path) -> str:
    """Train a small model on synthetic feature rows and make it the champion."""
    import boto3
    from sqlalchemy import create_engine

    from dataops.datasets import load_dataset
    from dataops.registry import ModelRegistry
    from dataops.training.pipeline import train_and_register
    from dataops.training.synthetic import make_chargebacks, make_feature_rows, write_warehouse

    features, is_fraud = make_feature_rows(6000, date(2025, 9, 1), 60, seed=3, fraud_shift=1.5)
    con = duckdb.connect(str(tmp_path / "training.duckdb"))
    write_warehouse(con, features, make_chargebacks(features, is_fraud, seed=3))
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="models")
    registry = ModelRegistry(create_engine(f"sqlite:///{registry_path}"), s3, model_name="transactions",
                             bucket="models")
    run = train_and_register(con, registry, load_dataset("transactions"), cutoff=date(2025, 12, 14),
                             train_days=30, valid_days=7, holdout_days=7)
    con.close()
    registry.promote(run.version, actor="test", reason="first champion")
    return run.version


def _dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder="dags/value_pipeline.py")
    assert not bag.import_errors, bag.import_errors
    dag = bag.get_dag("value_pipeline_transactions")
    for t in dag.tasks:  # dag.test() really waits out retry delays; a failure here should fail fast
        t.retries = 0
    return dag


def _run(dag, day: str):
    run = dag.test(logical_date=datetime.fromisoformat(day).replace(tzinfo=UTC))
    return run, {ti.task_id: ti.state for ti in run.get_task_instances()}


def _asset_events(run) -> list[str]:
    """URIs of the ``warehouse://`` Asset events the run emitted, as recorded in the Airflow metadata database
    (cosmos adds its own ``duckdb:`` events per dbt model; those are not the publication)."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return sorted(uri.rstrip("/") for uri in session.scalars(
            select(AssetModel.uri).join(AssetEvent, AssetEvent.asset_id == AssetModel.id)
            .where(AssetEvent.source_dag_id == run.dag_id, AssetEvent.source_run_id == run.run_id,
                   AssetModel.uri.like("warehouse://%"))))


PUBLISHED = sorted(["warehouse://marts.fct_transactions", "warehouse://marts.fct_transaction_features",
                    "warehouse://marts.predictions/transactions"])


def _snapshot(con) -> dict:
    return {name: con.execute(sql).fetchall() for name, sql in TABLE_SNAPSHOTS.items()}


def test_value_pipeline_over_consecutive_days(airflow_db, stack_connections, s3_client, tmp_path):
    wh = str(stack_connections["warehouse"])
    _land(stack_connections["s3_endpoint"])
    version = _register_champion(tmp_path, stack_connections["s3_endpoint"], tmp_path / "registry.sqlite")
    dag = _dag()

    for day in DAYS[:3]:
        run, states = _run(dag, day)
        assert run.state == "success", states
        assert states["score.score_champion"] == "success"
        assert states["score.score_challenger"] == "skipped"  # no release in progress
        assert states["score.release_plan"] == "success" and states["score.release_step"] == "success", states
        assert states["transform.fct_transaction_features_model_build"] == "success"
        # a clean day publishes its marts and predictions although the shadow task skipped
        assert states["score.score_metrics"] == "success", states
        assert states["publish.publish_marts"] == states["publish.publish_predictions"] == "success", states
        assert states["pipeline_speed"] == "success", states  # the run's own task-instance records, judged
        assert _asset_events(run) == PUBLISHED, day

    with duckdb.connect(wh) as con:  # the scoring's seconds of work and rows per second, as Airflow timed them
        speed = dict(con.execute("SELECT metric, value FROM quality.metric_history WHERE batch_date = ? AND "
                                 "metric LIKE 'task_%score_champion'", [DAYS[2]]).fetchall())
    assert speed["task_seconds.score.score_champion"] > 0, speed
    assert speed["task_rows_per_second.score.score_champion"] > 0, speed

    with duckdb.connect(wh) as con:
        for day in DAYS[:3]:
            landed, loaded, quarantined = con.execute(
                "SELECT sum(rows_landed), sum(rows_loaded), sum(rows_quarantined) FROM raw.ingest_files "
                "WHERE source = 'transactions' AND batch_date = ?", [day]).fetchone()
            in_raw = con.execute("SELECT count(*) FROM raw.transactions WHERE batch_date = ?", [day]).fetchone()[0]
            in_q = con.execute("SELECT count(*) FROM raw.quarantine WHERE source = 'transactions' "
                               "AND batch_date = ?", [day]).fetchone()[0]
            assert landed == in_raw + in_q == loaded + quarantined, day
            features = con.execute("SELECT count(*) FROM marts.fct_transaction_features WHERE batch_date = ?",
                                   [day]).fetchone()[0]
            assert features == in_raw, f"{day}: every loaded transaction gets one feature row"
            preds, distinct, versions = con.execute(
                "SELECT count(*), count(DISTINCT id), list(DISTINCT model_version) FROM marts.predictions "
                "WHERE dataset = 'transactions' AND batch_date = ? AND role = 'champion'", [day]).fetchone()
            assert preds == distinct == features, f"{day}: one prediction per transaction"
            assert versions == [version]
        reasons = [r[0] for r in con.execute(
            "SELECT DISTINCT split_part(reason, ':', 1) FROM raw.quarantine WHERE batch_date = ?", [DAYS[2]])
            .fetchall()]
        assert {"duplicate_key", "unparseable"} <= set(reasons), reasons
        clean = con.execute("SELECT count(*) FROM raw.quarantine WHERE batch_date IN (?, ?)",
                            DAYS[:2]).fetchone()[0]
        assert clean == 0
        before = _snapshot(con)

    run, states = _run(dag, DAYS[1])  # rerun a date: nothing may change
    assert run.state == "success", states
    with duckdb.connect(wh) as con:
        assert _snapshot(con) == before

    run, states = _run(dag, DAYS[3])  # schema change: the file is rejected whole, nothing is scored
    assert run.state == "failed"
    assert states["quality.spc_gate"] == "failed", states
    assert states["score.score_champion"] != "success"
    assert states["publish.publish_marts"] != "success" and states["publish.publish_predictions"] != "success"
    assert _asset_events(run) == [], "a batch that failed the quality gate must publish nothing"
    with duckdb.connect(wh) as con:
        status, message = con.execute(
            "SELECT status, message FROM raw.ingest_files WHERE source = 'transactions' AND batch_date = ? "
            "LIMIT 1", [DAYS[3]]).fetchone()
        assert status == "rejected"
        assert f"transactions/batch_date={DAYS[3]}/part-00000.csv.gz" in message
        assert "column 'amount'" in message and "expected a column of type double" in message
        assert con.execute("SELECT count(*) FROM marts.predictions WHERE batch_date = ?",
                           [DAYS[3]]).fetchone()[0] == 0
        landed = con.execute("SELECT sum(rows_landed) FROM raw.ingest_files WHERE batch_date = ? "
                             "AND source = 'transactions'", [DAYS[3]]).fetchone()[0]
        assert con.execute("SELECT count(*) FROM raw.quarantine WHERE batch_date = ? AND reason LIKE 'contract:%'",
                           [DAYS[3]]).fetchone()[0] == landed
    keys = [o["Key"] for o in s3_client.list_objects_v2(Bucket="landing", Prefix="quarantine/")["Contents"]]
    assert f"quarantine/transactions/batch_date={DAYS[3]}/part-00000.csv.gz" in keys
