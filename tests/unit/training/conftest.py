"""Fixtures for the training tests: a synthetic DuckDB warehouse and a real S3 endpoint (moto server)."""

from __future__ import annotations

import dataclasses
from datetime import date

import duckdb
import pytest

from dataops.datasets import load_dataset
from dataops.training.synthetic import make_chargebacks, make_feature_rows, write_warehouse


@pytest.fixture(scope="session")
def fast():
    """(LightGBM params, training options) small enough for unit tests."""
    return {"learning_rate": 0.2, "num_leaves": 7, "min_data_in_leaf": 20}, \
        {"num_boost_round": 60, "early_stopping_rounds": 10}


@pytest.fixture(scope="session")
def cfg():
    """The transactions dataset config, with the label maturity pinned so the tests' windows do not move
    when the YAML is tuned."""
    return dataclasses.replace(load_dataset("transactions"), label_maturity_days=45)


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory):
    """DuckDB file with 90 days of synthetic features (2026-01-01..03-31) and their chargebacks."""
    path = tmp_path_factory.mktemp("training-wh") / "warehouse.duckdb"
    frame, fraud = make_feature_rows(12_000, date(2026, 1, 1), 90, seed=5)
    con = duckdb.connect(str(path))
    write_warehouse(con, frame, make_chargebacks(frame, fraud, seed=5))
    con.close()
    return path



