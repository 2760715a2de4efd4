"""Metric SQL on a small warehouse whose values are known (DuckDB file and PostgreSQL)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dataops.quality.config import load_quality_config
from dataops.quality.metrics import compute_batch_metrics, compute_score_metrics
from tests.unit.quality import synth

DAY = "2026-03-14"


@pytest.fixture
def batch(warehouse):
    synth.add_batch(warehouse, DAY, 200, null_mcc=6, duplicates=4, moto_share=0.1,
                    rejected="contract: transactions/p1.csv.gz: column 'amount': expected a column of type double, "
                             "found no such column")
    synth.add_batch(warehouse, "2026-03-13", 50)  # another day: must not leak into DAY's metrics
    day = "batch_date = CAST(? AS DATE)"
    warehouse.execute(f"UPDATE raw.transactions SET country = NULL WHERE {day} AND source_line < 12", [DAY])
    amounts = [r[0] for r in warehouse.fetchall(f"SELECT amount FROM raw.transactions WHERE {day}", [DAY])]
    channels = [r[0] for r in warehouse.fetchall(f"SELECT channel FROM raw.transactions WHERE {day}", [DAY])]
    return warehouse, amounts, channels


def test_batch_metrics_match_known_values(batch):
    location, amounts, channels = batch
    values, facts = compute_batch_metrics(location, load_quality_config("transactions"), "raw.transactions", DAY)
    got = {v.metric: v for v in values}
    landed = 200 + 6 + 4 + 50  # loaded + quarantined rows + the rejected file's 50 rows
    assert facts.landed == landed and facts.quarantined == 60
    assert len(facts.rejected) == 1 and "column 'amount'" in facts.rejected[0][1]
    assert got["row_count"].value == 200
    assert got["null_rate.mcc"].value == pytest.approx(6 / landed) and got["null_rate.mcc"].n == landed
    assert got["null_rate.country"].value == pytest.approx(10 / landed)  # source_line 2..11 set to NULL
    assert got["null_rate.tx_id"].value == 0
    assert got["duplicate_key_rate"].value == pytest.approx(4 / landed)
    assert got["quarantine_rate"].value == pytest.approx(60 / landed)
    logs = np.log(np.array(amounts))
    assert got["amount_log_mean"].value == pytest.approx(logs.mean(), rel=1e-9)
    assert got["amount_log_std"].value == pytest.approx(logs.std(ddof=1), rel=1e-9)
    for value in ("pos", "ecom", "atm"):
        assert got[f"channel_share.{value}"].value == pytest.approx(channels.count(value) / 200)
    assert got["channel_share.other"].value == pytest.approx(channels.count("moto") / 200)
    assert channels.count("moto") > 0
    shares = sum(got[f"channel_share.{v}"].value for v in ("pos", "ecom", "atm", "other"))
    assert math.isclose(shares, 1.0)


def test_empty_batch_gives_no_values_not_errors(warehouse):
    values, facts = compute_batch_metrics(warehouse, load_quality_config("transactions"), "raw.transactions",
                                          "2030-01-01")
    got = {v.metric: v for v in values}
    assert facts.landed == 0 and got["row_count"].value == 0
    assert got["amount_log_mean"].value is None and got["null_rate.mcc"].value is None


def test_score_metrics_from_champion_predictions(warehouse):
    warehouse.execute("CREATE SCHEMA marts")
    warehouse.execute("CREATE TABLE marts.predictions (dataset VARCHAR, id VARCHAR, batch_date DATE, "
                      "score DOUBLE PRECISION, decision BOOLEAN, model_version VARCHAR, role VARCHAR, "
                      "scored_at TIMESTAMP)")
    with warehouse.connect() as con:
        con.executemany("INSERT INTO marts.predictions VALUES (?, ?, CAST(? AS DATE), ?, ?, ?, ?, CURRENT_TIMESTAMP)",
                        [("transactions", str(i), DAY, i / 10.0, i >= 5, "v1", "champion") for i in range(10)]
                        + [("transactions", str(i), DAY, 0.99, True, "v2", "shadow") for i in range(10)]
                        # another dataset: not counted
                        + [("orders", str(i), DAY, 0.99, True, "v3", "champion") for i in range(30)])
    got = {v.metric: v for v in compute_score_metrics(warehouse, load_quality_config("transactions"), DAY, 0.5)}
    assert got["score_mean"].value == pytest.approx(0.45)
    assert got["score_flag_rate"].value == pytest.approx(0.5) and got["score_flag_rate"].n == 10
