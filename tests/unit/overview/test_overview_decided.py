"""Who decided each batch: the view's read of ``marts.predictions.decides``, on both warehouses."""

from __future__ import annotations

from datetime import date

from dataops.overview.decided import decided_by
from dataops.release.plan import Slot
from dataops.scoring.batch import score_batch


class Model:
    features = ["amount"]

    def __init__(self, version: str) -> None:
        self.version = version

    def predict_proba(self, frame):
        return frame["amount"].to_numpy(dtype=float) / 100.0


def test_the_champion_and_the_canary_shares_of_each_day_newest_first(warehouse):
    from dataops.datasets import load_dataset

    cfg = load_dataset("transactions")
    assert decided_by(warehouse, "transactions") == []  # nothing scored yet: an empty table, not an error
    warehouse.execute("CREATE SCHEMA IF NOT EXISTS marts")
    warehouse.execute("CREATE TABLE marts.fct_transaction_features (tx_id VARCHAR, batch_date DATE, "
                      "amount DOUBLE PRECISION)")
    for d in ("2026-03-01", "2026-03-02"):
        values = ", ".join(f"('{d.replace('-', '')}-{n:08d}', DATE '{d}', {n % 100})" for n in range(400))
        warehouse.execute(f"INSERT INTO marts.fct_transaction_features VALUES {values}")
    score_batch(warehouse, cfg, "2026-03-01", Model("v1"))
    score_batch(warehouse, cfg, "2026-03-02", Model("v1"), slot=Slot("champion", "v1", 0.25))
    score_batch(warehouse, cfg, "2026-03-02", Model("v2"), slot=Slot("canary", "v2", 0.25))
    shares = decided_by(warehouse, "transactions")
    assert [(s.batch_date, s.version, s.role) for s in shares] == [
        (date(2026, 3, 2), "v1", "champion"), (date(2026, 3, 2), "v2", "canary"), (date(2026, 3, 1), "v1", "champion")]
    assert sum(s.transactions for s in shares[:2]) == 400 and 0.15 < shares[1].share < 0.35
    assert (shares[2].transactions, shares[2].share) == (400, 1.0)
    assert [s.batch_date for s in decided_by(warehouse, "transactions", days=1)] == [date(2026, 3, 2)] * 2
