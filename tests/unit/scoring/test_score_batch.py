"""Batch scoring on both warehouses: bounded chunks, predictions replaced per (dataset, date, role, part) in one
transaction, datasets kept apart, and the migration of a predictions table of the old shape."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from dataops.datasets import load_dataset
from dataops.scoring.batch import PREDICTIONS, score_batch

DAY = "2026-03-14"
AMOUNTS = [10.0, 95.0, 30.0, 99.0, 55.0]


class FakeModel:
    """Scores a row by its amount (``amount / 100``): predictable, so the tests can check the numbers."""

    features = ["amount", "tx_hour"]

    def __init__(self, version: str, id_column: str = "tx_id") -> None:
        self.version = version
        self.id_column = id_column
        self.chunk_sizes: list[int] = []

    def predict_proba(self, frame):
        self.chunk_sizes.append(len(frame))
        assert list(frame.columns) == [self.id_column, *self.features]
        return np.clip(frame["amount"].to_numpy(dtype=float) / 100.0, 0.0, 1.0)


def _features(warehouse, table: str = "marts.fct_transaction_features", id_column: str = "tx_id",
              amounts=AMOUNTS, prefix: str = "20260314-") -> list[str]:
    warehouse.execute("CREATE SCHEMA IF NOT EXISTS marts")
    warehouse.execute(f"CREATE TABLE {table} ({id_column} VARCHAR, batch_date DATE, amount NUMERIC(12, 2), "
                      "tx_hour INTEGER)")
    ids = [f"{prefix}{i:08d}" for i in range(len(amounts))]
    rows = [(i, date(2026, 3, 14), a, n) for n, (i, a) in enumerate(zip(ids, amounts, strict=True))]
    rows.append((f"{prefix}99999999", date(2026, 3, 15), 99.0, 1))  # another day: never scored with DAY
    with warehouse.connect() as con:
        con.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?)", rows)
    return ids


@pytest.fixture
def transactions():
    return load_dataset("transactions")


def test_scores_stream_in_chunks_and_a_rerun_replaces_the_role_of_the_date(warehouse, transactions):
    ids = _features(warehouse)
    model = FakeModel("v1")
    report = score_batch(warehouse, transactions, DAY, model, threshold=0.5, chunk_size=2)
    assert (report.rows, report.chunks, report.flagged) == (5, 3, 3)
    assert model.chunk_sizes == [2, 2, 1]
    assert warehouse.fetchall(f"SELECT dataset, id, score, decision, model_version, role, batch_date "
                              f"FROM {PREDICTIONS} ORDER BY id") == [
        ("transactions", i, a / 100, a / 100 >= 0.5, "v1", "champion", date(2026, 3, 14))
        for i, a in zip(ids, AMOUNTS, strict=True)]

    score_batch(warehouse, transactions, DAY, FakeModel("v1"), role="shadow", threshold=0.5, chunk_size=2)
    score_batch(warehouse, transactions, DAY, FakeModel("v2"), threshold=0.5, chunk_size=10)
    assert warehouse.fetchall(f"SELECT role, model_version, count(*), count(DISTINCT id) FROM {PREDICTIONS} "
                              "GROUP BY 1, 2 ORDER BY 1") == [("champion", "v2", 5, 5), ("shadow", "v1", 5, 5)]


def test_a_second_dataset_keeps_its_own_predictions(warehouse, transactions):
    _features(warehouse)
    orders = replace(transactions, name="orders", feature_table="marts.order_features", id_column="order_id")
    _features(warehouse, "marts.order_features", "order_id", [60.0, 70.0])  # same ids as the transactions
    score_batch(warehouse, transactions, DAY, FakeModel("t1"), threshold=0.5)
    score_batch(warehouse, orders, DAY, FakeModel("o1", "order_id"), threshold=0.5)
    score_batch(warehouse, transactions, DAY, FakeModel("t2"), threshold=0.5)  # a rerun of the first dataset
    assert warehouse.fetchall(f"SELECT dataset, model_version, count(*) FROM {PREDICTIONS} "
                              "GROUP BY 1, 2 ORDER BY 1") == [("orders", "o1", 2), ("transactions", "t2", 5)]


def test_parts_cover_every_row_once_and_a_part_rerun_replaces_only_its_part(warehouse, transactions):
    ids = _features(warehouse, amounts=[float(a) for a in range(1, 41)])
    reports = [score_batch(warehouse, transactions, DAY, FakeModel(f"p{i}"), part=(i, 3)) for i in range(3)]
    assert sum(r.rows for r in reports) == 40 and all(r.rows for r in reports)
    by_part = dict(warehouse.fetchall(f"SELECT model_version, count(*) FROM {PREDICTIONS} GROUP BY 1"))
    assert by_part == {f"p{i}": r.rows for i, r in enumerate(reports)}
    assert sorted(r[0] for r in warehouse.fetchall(f"SELECT id FROM {PREDICTIONS}")) == ids

    score_batch(warehouse, transactions, DAY, FakeModel("again"), part=(1, 3))
    assert dict(warehouse.fetchall(f"SELECT model_version, count(*) FROM {PREDICTIONS} GROUP BY 1")) == {
        "p0": reports[0].rows, "again": reports[1].rows, "p2": reports[2].rows}
    with pytest.raises(ValueError, match="outside"):
        score_batch(warehouse, transactions, DAY, FakeModel("x"), part=(3, 3))


def test_the_replace_is_one_transaction(warehouse, transactions):
    """A load failing after the delete leaves the old predictions in place."""
    _features(warehouse)
    warehouse.execute(f"CREATE TABLE {PREDICTIONS} (dataset VARCHAR, id VARCHAR, batch_date DATE, "
                      "score DOUBLE PRECISION, decision BOOLEAN, model_version VARCHAR, role VARCHAR, "
                      "scored_at TIMESTAMP, audit INTEGER NOT NULL)")
    warehouse.execute(f"INSERT INTO {PREDICTIONS} (dataset, id, batch_date, role, model_version, audit) "
                      "VALUES ('transactions', 'old', CAST(? AS DATE), 'champion', 'v0', 1)", [DAY])
    with pytest.raises(Exception, match="(?i)null"):
        score_batch(warehouse, transactions, DAY, FakeModel("v1"))
    assert warehouse.fetchall(f"SELECT id, model_version FROM {PREDICTIONS}") == [("old", "v0")]


def test_a_predictions_table_of_the_old_shape_is_migrated(warehouse, transactions):
    _features(warehouse)
    warehouse.execute(f"CREATE TABLE {PREDICTIONS} (tx_id VARCHAR, batch_date DATE, score DOUBLE PRECISION, "
                      "decision BOOLEAN, model_version VARCHAR, role VARCHAR, scored_at TIMESTAMP)")
    warehouse.execute(f"INSERT INTO {PREDICTIONS} (tx_id, batch_date, role, model_version) VALUES "
                      "('a', DATE '2026-03-13', 'champion', 'v0'), ('b', DATE '2026-03-14', 'champion', 'v0'), "
                      "('c', DATE '2026-03-13', 'shadow', 'v9')")
    score_batch(warehouse, transactions, DAY, FakeModel("v1"))
    assert warehouse.fetchall(f"SELECT dataset, id, model_version, decides FROM {PREDICTIONS} WHERE model_version "
                              "IN ('v0', 'v9') ORDER BY id") \
        == [("transactions", "a", "v0", True), ("transactions", "c", "v9", False)]  # the other day is kept
    assert warehouse.fetchone(f"SELECT count(*) FROM {PREDICTIONS} WHERE model_version = 'v1' AND decides") == (5,)


def test_a_canary_slot_and_the_champion_s_decide_each_transaction_once(warehouse, transactions):
    from dataops.release.plan import Slot

    ids = _features(warehouse, amounts=[float(a) for a in range(1, 201)], prefix="20260314-")
    score_batch(warehouse, transactions, DAY, FakeModel("v1"), slot=Slot("champion", "v1", 0.25))
    score_batch(warehouse, transactions, DAY, FakeModel("v2"), slot=Slot("canary", "v2", 0.25))
    score_batch(warehouse, transactions, DAY, FakeModel("v3"), role="shadow")
    rows = warehouse.fetchall(f"SELECT id, role, decides FROM {PREDICTIONS} WHERE batch_date = DATE '{DAY}'")
    deciding = sorted((i, r) for i, r, d in rows if d)
    assert [i for i, _ in deciding] == sorted(ids)  # every transaction decided, none twice, never by the shadow
    canary = sum(1 for _, r in deciding if r == "canary")
    assert 30 <= canary <= 70, canary  # about a quarter of 200
    # the day rerun once the canary is gone: the champion takes every decision back
    score_batch(warehouse, transactions, DAY, FakeModel("v1"), slot=Slot("champion", "v1"))
    again = warehouse.fetchall(f"SELECT id, role FROM {PREDICTIONS} WHERE batch_date = DATE '{DAY}' AND decides")
    assert sorted(i for i, _ in again) == sorted(ids) and {r for _, r in again} == {"champion"}
    with pytest.raises(ValueError, match="the plan's canary slot is version v2"):
        score_batch(warehouse, transactions, DAY, FakeModel("v7"), slot=Slot("canary", "v2", 0.25))


def test_the_scoring_model_s_training_reference_is_kept_for_feature_drift(warehouse, transactions):
    from dataops.monitoring.reference import FORMAT, load_reference

    _features(warehouse)
    model = FakeModel("v3")
    model.documents = {"reference.json": {"format": FORMAT, "training_cutoff": "2026-03-01", "rows": 5,
                                          "features": {"amount": {"type": "numeric", "edges": [50.0],
                                                                  "shares": [0.4, 0.6], "null_share": 0.0}}}}
    score_batch(warehouse, transactions, DAY, model, threshold=0.5)
    score_batch(warehouse, transactions, DAY, model, threshold=0.5)  # a rerun keeps one record
    assert load_reference(warehouse, "transactions", "v3") == model.documents["reference.json"]
    assert warehouse.fetchall("SELECT count(*) FROM monitoring.model_reference") == [(1,)]
    score_batch(warehouse, transactions, DAY, FakeModel("v4"), threshold=0.5)  # no reference: nothing recorded
    assert load_reference(warehouse, "transactions", "v4") is None
