"""Warehouse -> model -> artifacts -> registry, through the Python API and the ``train`` CLI."""

from __future__ import annotations

import argparse
import json
from datetime import date

import numpy as np
import sqlalchemy as sa

from dataops.registry import ModelRegistry
from dataops.training import cli as training_cli
from dataops.training import train_and_register


def _doc(s3, bucket, key):
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def test_train_and_register_writes_complete_artifacts(warehouse, cfg, s3, bucket, fast, monkeypatch, tmp_path):
    monkeypatch.setenv("DATAOPS_CODE_REVISION", "abc1234")
    engine = sa.create_engine(f"duckdb:///{warehouse}", poolclass=sa.pool.NullPool)
    reg = ModelRegistry(sa.create_engine(f"sqlite:///{tmp_path / 'r.sqlite'}"), s3, bucket=bucket)
    run = train_and_register(engine, reg, cfg, cutoff=date(2026, 3, 31), train_days=25, valid_days=10,
                             holdout_days=10, excluded_batch_dates=["2026-01-15"], params=fast[0],
                             training_options=fast[1], created_by="tester")
    assert run.version == "v1"
    prefix = "models/transactions/v1/"
    training = _doc(s3, bucket, prefix + "training.json")
    assert training["cutoff"] == "2026-03-31" and training["label_maturity_days"] == 45
    assert training["excluded_batch_dates"] == ["2026-01-15"] and training["dropped_rows"] > 0
    assert training["fingerprint"]["train"]["rows"] == len(run.training_set.train)
    assert len(training["fingerprint"]["holdout"]["content_sha256"]) == 64
    features = _doc(s3, bucket, prefix + "features.json")
    assert [f["name"] for f in features["features"]] == cfg.feature_names
    assert next(f for f in features["features"] if f["name"] == "channel")["levels"] == ["atm", "ecom", "pos"]
    params = _doc(s3, bucket, prefix + "params.json")
    assert params["lightgbm"]["deterministic"] is True and params["lightgbm"]["learning_rate"] == 0.2
    assert params["best_iteration"] == run.trained.best_iteration
    metrics = _doc(s3, bucket, prefix + "metrics.json")
    assert set(metrics["feature_importance"]) == set(cfg.feature_names)
    assert 0.5 < metrics["holdout"]["roc_auc"] <= 1.0 and len(metrics["holdout"]["calibration"]) == 10
    env = _doc(s3, bucket, prefix + "environment.json")
    assert env["code_revision"] == "abc1234" and env["libraries"]["lightgbm"] == "4.7.0"
    reference = _doc(s3, bucket, prefix + "reference.json")  # what production batches are compared with
    assert reference["training_cutoff"] == "2026-03-31" and reference["rows"] == len(run.training_set.train)
    assert set(reference["features"]) == set(cfg.feature_names)
    assert reference["features"]["channel"]["levels"] == ["atm", "ecom", "pos"]
    assert len(reference["features"]["amount"]["edges"]) == 9

    row = reg.get_version("v1")
    assert row["code_revision"] == "abc1234" and row["cutoff"] == "2026-03-31" and row["dataset"] == "transactions"
    loaded = reg.load_version("v1")
    np.testing.assert_allclose(loaded.predict_proba(run.training_set.holdout),
                               run.trained.predict_proba(run.training_set.holdout), rtol=0, atol=0)


def test_train_cli_registers_a_version(warehouse, moto_endpoint, bucket, monkeypatch, tmp_path, capsys, s3):
    for k, v in {"DATAOPS_S3_ENDPOINT_URL": moto_endpoint, "DATAOPS_ARTIFACT_BUCKET": bucket,
                 "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_DEFAULT_REGION": "us-east-1", "DATAOPS_WAREHOUSE_PATH": str(warehouse)}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("DATAOPS_WAREHOUSE_URL", raising=False)
    params = tmp_path / "params.yaml"
    params.write_text("params:\n  learning_rate: 0.3\n  num_leaves: 7\ntraining:\n  early_stopping_rounds: 5\n")
    excluded = tmp_path / "excluded.json"
    excluded.write_text('["2026-01-20", "2026-01-21"]')
    registry_url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    parser = argparse.ArgumentParser()
    training_cli.add_subcommands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["train", "--cutoff", "2026-03-31", "--train-days", "25", "--valid-days", "10",
                              "--holdout-days", "10", "--params", str(params), "--num-boost-round", "30",
                              "--params-json", '{"num_leaves": 5, "seed": 3}',
                              "--exclude-file", str(excluded), "--exclude-batch-date", "2026-01-22",
                              "--exclude-json", '["2026-01-23"]', "--one-line",
                              "--registry-url", registry_url, "--actor", "cli-test"])
    assert args.func(args) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1  # --one-line: a single JSON line for the Airflow operator
    out = json.loads(printed[0])
    assert out["version"] == "v1" and out["best_iteration"] <= 30 and out["dropped_rows"] > 0
    reg = ModelRegistry(sa.create_engine(registry_url), s3, bucket=bucket)
    (version,) = reg.versions()
    assert version["created_by"] == "cli-test" and version["status"] == "ready"
    training = json.loads(reg.read_artifact("v1", "training.json"))
    assert training["excluded_batch_dates"] == ["2026-01-20", "2026-01-21", "2026-01-22", "2026-01-23"]
    lgbm = json.loads(reg.read_artifact("v1", "params.json"))["lightgbm"]
    # YAML first, then --params-json on top
    assert (lgbm["learning_rate"], lgbm["num_leaves"], lgbm["seed"]) == (0.3, 5, 3)


def test_train_cli_reports_bad_input(monkeypatch, tmp_path, capsys, warehouse):
    monkeypatch.setenv("DATAOPS_WAREHOUSE_PATH", str(warehouse))
    monkeypatch.delenv("DATAOPS_WAREHOUSE_URL", raising=False)
    parser = argparse.ArgumentParser()
    training_cli.add_subcommands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["train", "--cutoff", "2026-02-01", "--registry-url",
                              f"sqlite:///{tmp_path / 'x.sqlite'}"])
    assert args.func(args) == 2
    assert "need both classes" in capsys.readouterr().err


def test_a_retry_with_the_same_run_key_registers_one_version(warehouse, cfg, s3, bucket, fast, tmp_path):
    engine = sa.create_engine(f"duckdb:///{warehouse}", poolclass=sa.pool.NullPool)
    reg = ModelRegistry(sa.create_engine(f"sqlite:///{tmp_path / 'r.sqlite'}"), s3, bucket=bucket)
    kwargs = dict(cutoff=date(2026, 3, 31), train_days=25, valid_days=10, holdout_days=10, params=fast[0],
                  training_options=fast[1], created_by="dag", run_key="innovation_pipeline/manual__1")
    first = train_and_register(engine, reg, cfg, **kwargs)
    retry = train_and_register(engine, reg, cfg, **kwargs)
    assert (first.version, retry.version) == ("v1", "v1") and retry.reused and not first.reused
    assert [v["version"] for v in reg.versions()] == ["v1"]
    assert retry.summary() == first.summary()


def test_the_training_result_of_a_containerised_run_is_read_back_by_its_run_key(
        warehouse, moto_endpoint, bucket, monkeypatch, tmp_path, capsys, s3):
    """What the DockerOperator path relies on: the container runs the CLI with ``--run-key`` (its stdout is
    only a log), and the task reads the structured result from the registry by that run key."""
    from dataops.cli import main
    from dataops.training import training_result

    for k, v in {"DATAOPS_S3_ENDPOINT_URL": moto_endpoint, "DATAOPS_ARTIFACT_BUCKET": bucket,
                 "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_DEFAULT_REGION": "us-east-1", "DATAOPS_WAREHOUSE_PATH": str(warehouse),
                 "DATAOPS_REGISTRY_URL": f"sqlite:///{tmp_path / 'c.sqlite'}"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("DATAOPS_WAREHOUSE_URL", raising=False)
    reg = ModelRegistry(sa.create_engine(f"sqlite:///{tmp_path / 'c.sqlite'}"), s3, bucket=bucket)
    key = "innovation_pipeline/scheduled__2026-03-30T04:00:00+00:00"
    assert training_result(reg, key) is None
    argv = ["train", "--cutoff", "2026-03-31", "--train-days", "25", "--valid-days", "10", "--holdout-days", "10",
            "--num-boost-round", "20", "--run-key", key]
    assert main(argv) == 0
    assert main(argv) == 0  # the task's retry
    result = training_result(reg, key)
    assert result["version"] == "v1" and [v["version"] for v in reg.versions()] == ["v1"]
    assert result["rows"]["holdout"] > 0 and 0.5 < result["holdout"]["roc_auc"] <= 1
