"""Fixtures of the release tests: a registry with three ready versions, and a warehouse of scored days."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from tests.unit.registry.conftest import cfg, trained_bundle  # noqa: F401  (shared fixtures)

START = date(2026, 3, 2)
ROWS = 2000
HISTORY_DAYS = 20


def day(offset: int) -> str:
    return (START + timedelta(days=offset)).isoformat()


class FakeModel:
    """Scores a row from its amount; ``behaviour`` can be changed mid-test (a model that turns bad)."""

    features = ["amount"]

    def __init__(self, version: str, behaviour: str = "good") -> None:
        self.version, self.behaviour = version, behaviour

    def predict_proba(self, frame):
        amount = np.asarray(frame["amount"], dtype=float)
        if self.behaviour == "nan":  # a corrupt artifact: no score at all
            return np.full(len(amount), np.nan)
        if self.behaviour == "bad":  # miscalibrated: flags nearly everything
            return np.clip(0.6 + amount / 1000.0, 0.0, 1.0)
        shift = 0.01 if self.behaviour == "close" else 0.0
        return np.clip(amount / 100.0 + shift, 0.0, 1.0)


@pytest.fixture
def registry(tmp_path, s3, bucket, trained_bundle):  # noqa: F811
    """Registry of versions v1..v3 (the artifacts are a real small model; scoring uses :class:`FakeModel`)."""
    from dataops.registry import ModelRegistry

    _, _, files = trained_bundle
    reg = ModelRegistry(sa.create_engine(f"sqlite:///{tmp_path / 'registry.sqlite'}"), s3, bucket=bucket)
    for _ in range(3):
        reg.register(files)
    reg.promote("v1", actor="setup", reason="first champion")
    return reg


@pytest.fixture
def scored_world(warehouse):
    """Feature rows of 10 days from START, and the champion's score-metric history of the 20 days before (the
    values :class:`FakeModel` gives on days drawn like them, recorded as the post-score gate records them)."""
    from dataops.datasets import load_dataset
    from dataops.quality.history import HistoryRow, ensure_tables, write_points

    ds_cfg = load_dataset("transactions")
    rng = np.random.default_rng(7)
    ensure_tables(warehouse)
    champion = FakeModel("v1")
    for i in range(-HISTORY_DAYS, 0):
        scores = champion.predict_proba({"amount": _amounts(rng)})
        write_points(warehouse, ds_cfg.name, day(i), [
            HistoryRow("score_mean", float(scores.mean()), None, "in_control"),
            HistoryRow("score_flag_rate", float((scores >= ds_cfg.decision_threshold).mean()), ROWS, "in_control")],
            "setup")
    warehouse.execute("CREATE SCHEMA IF NOT EXISTS marts")
    warehouse.execute("CREATE TABLE marts.fct_transaction_features (tx_id VARCHAR, batch_date DATE, "
                      "amount DOUBLE PRECISION)")
    with warehouse.connect() as con:
        for i in range(10):
            d = START + timedelta(days=i)
            values = ", ".join(f"('{d:%Y%m%d}-{n:08d}', DATE '{d}', {a:.4f})" for n, a in enumerate(_amounts(rng)))
            con.execute(f"INSERT INTO marts.fct_transaction_features VALUES {values}")
    return {"warehouse": warehouse, "cfg": ds_cfg}


def _amounts(rng: np.random.Generator) -> np.ndarray:
    return np.round(rng.gamma(2.0, 15.0, ROWS), 4)
