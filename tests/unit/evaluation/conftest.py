"""Fixtures for the evaluation tests: synthetic warehouse, real S3 endpoint, simple column scorers."""

from __future__ import annotations

import dataclasses
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from dataops.datasets import load_dataset
from dataops.training.synthetic import make_chargebacks, make_feature_rows, write_warehouse


class ColumnScorer:
    """A stand-in model whose score is a column of the frame."""

    def __init__(self, column: str, version: str | None = None) -> None:
        self.column, self.version = column, version

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[self.column].to_numpy(dtype=np.float64)


@pytest.fixture(scope="session")
def column_scorer():
    return ColumnScorer


@pytest.fixture(scope="session")
def scored_holdout():
    """4000 labelled rows over 10 days with several candidate score columns.

    ``champ``: decent; ``better``: clearly better everywhere; ``atm_broken``: better except random on the
    (large) atm slice; ``xx_broken``: better except random on the tiny country XX slice.
    """
    rng = np.random.default_rng(42)
    n = 4000
    y = (rng.random(n) < 0.1).astype(int)
    channel = rng.choice(["pos", "ecom", "atm"], n, p=[0.5, 0.25, 0.25])
    country = np.where(rng.random(n) < 0.03, "XX", rng.choice(["FR", "DE"], n))
    noise = rng.normal(0, 1, n)

    def sig(x):
        return 1 / (1 + np.exp(-x))

    champ = sig(1.2 * y + noise - 2)
    better = sig(3.0 * y + noise - 2)
    random_score = sig(rng.normal(0, 1, n) - 2)
    return pd.DataFrame({
        "label": y,
        "batch_date": pd.to_datetime("2026-02-01") + pd.to_timedelta(rng.integers(0, 10, n), unit="D"),
        "channel": channel,
        "country": country,
        "champ": champ,
        "better": better,
        "atm_broken": np.where(channel == "atm", random_score, better),
        "xx_broken": np.where(country == "XX", random_score, better),
        "noise": random_score,
    })


@pytest.fixture(scope="session")
def cfg():
    """The transactions dataset config, with the label maturity pinned so the tests' windows do not move
    when the YAML is tuned."""
    return dataclasses.replace(load_dataset("transactions"), label_maturity_days=45)


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory):
    """DuckDB file with 90 days of synthetic features (2026-01-01..03-31) and their chargebacks."""
    path = tmp_path_factory.mktemp("eval-wh") / "warehouse.duckdb"
    frame, fraud = make_feature_rows(16_000, date(2026, 1, 1), 90, seed=21, fraud_shift=0.3)
    con = duckdb.connect(str(path))
    write_warehouse(con, frame, make_chargebacks(frame, fraud, seed=21))
    con.close()
    return path



