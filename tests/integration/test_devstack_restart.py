"""Issue #9: the embedded stack keeps its S3 objects across ``make down`` / ``make up``.

The S3 service is started and stopped through the devstack code itself (``start_services`` /
``stop_services``, real processes on free ports); a landed batch and a registered model are read back
after the restart, the model with every artifact's SHA-256 verified.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from datetime import date
from pathlib import Path

import boto3
import duckdb
import numpy as np
import pytest
import sqlalchemy as sa

from dataops.datasets import load_dataset
from dataops.devstack import processes
from dataops.devstack.__main__ import start_services, stop_services
from dataops.devstack.settings import StackSettings
from dataops.devstack.smtp_sink import free_port
from dataops.ingest.landing import batch_landed, read_manifest
from dataops.registry import ModelRegistry
from dataops.simulator.cli import main as simulator
from dataops.training import build_artifacts, build_training_set, train_model
from dataops.training.synthetic import make_chargebacks, make_feature_rows, write_warehouse

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def stack(tmp_path, monkeypatch):
    """Embedded-stack settings on free ports with the state in a temporary folder; stopped afterwards."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO / "include"), os.environ.get("PYTHONPATH", "")]))
    settings = StackSettings(state=tmp_path / "state", s3_port=free_port(), smtp_port=free_port(),
                             api_port=free_port())
    yield settings
    stop_services(settings)


@pytest.fixture
def model_files(tmp_path):
    """The artifact files of a small model trained on synthetic warehouse data."""
    cfg = dataclasses.replace(load_dataset("transactions"), label_maturity_days=45)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    frame, fraud = make_feature_rows(4_000, date(2026, 1, 1), 60, seed=3)
    write_warehouse(con, frame, make_chargebacks(frame, fraud, seed=3))
    ts = build_training_set(con, date(2026, 3, 31), 25, 10, 10, cfg)
    con.close()
    trained = train_model(ts.train, ts.valid, cfg, {"learning_rate": 0.3, "num_leaves": 7, "min_data_in_leaf": 20},
                          {"num_boost_round": 15, "early_stopping_rounds": 5})
    return ts, build_artifacts(trained, ts)


def _s3(settings: StackSettings):
    return boto3.client("s3", endpoint_url=settings.s3_endpoint, region_name="us-east-1",
                        aws_access_key_id="local-access-key", aws_secret_access_key="local-secret-key")


def _registry(settings: StackSettings) -> ModelRegistry:
    engine = sa.create_engine(f"sqlite:///{settings.state / 'registry.sqlite'}", poolclass=sa.pool.NullPool)
    return ModelRegistry(engine, _s3(settings), bucket="models")


def test_landed_batch_and_registered_model_survive_down_and_up(stack, model_files, monkeypatch):
    ts, files = model_files
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local-access-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local-secret-key")
    start_services(stack, airflow=False)
    assert processes.running("s3", stack.run_dir)

    assert simulator(["land", "--start", "2026-02-01", "--tx-per-day", "200", "--bucket", "landing",
                      "--endpoint-url", stack.s3_endpoint]) == 0
    landed = read_manifest(_s3(stack), "landing", "transactions", "2026-02-01")
    registry = _registry(stack)
    version = registry.register(files, created_by="test")
    registry.promote(version, actor="test", reason="restart test")
    expected_scores = registry.load("champion").predict_proba(ts.holdout)

    stop_services(stack)  # make down
    assert not processes.running("s3", stack.run_dir) and not processes.port_open(stack.s3_port)
    start_services(stack, airflow=False)  # make up

    s3 = _s3(stack)
    assert batch_landed(s3, "landing", "transactions", "2026-02-01")
    assert read_manifest(s3, "landing", "transactions", "2026-02-01") == landed
    for part in landed.parts:
        body = s3.get_object(Bucket="landing", Key=part.key)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == part.sha256
    model = _registry(stack).load("champion")  # every artifact's SHA-256 checked against the registry
    assert model.version == version
    np.testing.assert_array_equal(model.predict_proba(ts.holdout), expected_scores)
    assert (stack.s3_dir / "objects" / "models" / "models" / "transactions" / version / "model.txt").read_bytes() \
        == files["model.txt"]
