"""Fixtures for the registry tests: a real S3 endpoint (moto server) and a small trained model."""

from __future__ import annotations

import dataclasses
from datetime import date

import duckdb
import pytest
import sqlalchemy as sa

from dataops.datasets import load_dataset
from dataops.training import build_artifacts, build_training_set, train_model
from dataops.training.synthetic import make_chargebacks, make_feature_rows, write_warehouse

FAST = {"learning_rate": 0.2, "num_leaves": 7, "min_data_in_leaf": 20}





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
