"""Fixtures for the registry tests: a real S3 endpoint (moto server) and a small trained model."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date

import boto3
import duckdb
import pytest
import sqlalchemy as sa
from moto.server import ThreadedMotoServer

from dataops.datasets import load_dataset
from dataops.training import build_artifacts, build_training_set, train_model
from dataops.training.synthetic import make_chargebacks, make_feature_rows, write_warehouse

FAST = {"learning_rate": 0.2, "num_leaves": 7, "min_data_in_leaf": 20}


@pytest.fixture(scope="session")
def moto_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(moto_endpoint):
    """A boto3 client on the moto endpoint (fake credentials, local only)."""
    return boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def bucket():
    """A fresh bucket name per test, so tests never see each other's artifacts."""
    return f"models-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def cfg():
    """The transactions dataset config, with the label maturity pinned so the tests' windows do not move
    when the YAML is tuned."""
    return dataclasses.replace(load_dataset("transactions"), label_maturity_days=45)


@pytest.fixture(scope="session")
def trained_bundle(tmp_path_factory, cfg):
    """(TrainingSet, TrainedModel, artifact files) of a small model on synthetic data in a DuckDB file."""
    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    frame, fraud = make_feature_rows(9_000, date(2026, 1, 1), 60, seed=11)
    con = duckdb.connect(str(path))
    write_warehouse(con, frame, make_chargebacks(frame, fraud, seed=11))
    ts = build_training_set(con, date(2026, 3, 31), 25, 10, 10, cfg)
    con.close()
    trained = train_model(ts.train, ts.valid, cfg, FAST, {"num_boost_round": 40, "early_stopping_rounds": 10})
    return ts, trained, build_artifacts(trained, ts)


@pytest.fixture(params=["duckdb", "sqlite"])
def engine(request, tmp_path):
    """A registry database: DuckDB file (schema) or SQLite file (table prefix)."""
    if request.param == "duckdb":
        eng = sa.create_engine(f"duckdb:///{tmp_path / 'reg.duckdb'}", poolclass=sa.pool.NullPool)
    else:
        eng = sa.create_engine(f"sqlite:///{tmp_path / 'registry.sqlite'}")
    yield eng
    eng.dispose()
