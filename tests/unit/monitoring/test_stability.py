"""Numerical stability: NaN, infinite and out-of-range values counted in the warehouse (DuckDB and PostgreSQL)."""

from __future__ import annotations

import math

from dataops.datasets.config import FeatureSpec
from dataops.monitoring.stability import feature_stability, score_stability
from tests.unit.monitoring.features import FEATURES, frame, write_batch, write_scores

SPECS = [FeatureSpec("amount", "numeric", min=0.01), FeatureSpec("tx_hour", "numeric", min=0, max=23),
         FeatureSpec("channel", "categorical")]


def test_a_clean_batch_has_nothing_invalid(warehouse):
    write_batch(warehouse, "2026-04-01", frame(500, seed=1))
    st = feature_stability(warehouse, FEATURES, "2026-04-01", SPECS)
    assert st.rows == 500 and st.total == 0 and st.invalid == {}


def test_nan_infinite_and_out_of_range_values_are_counted_per_feature(warehouse):
    data = frame(500, seed=2)
    data["amount"] = data["amount"].astype(object)
    data.loc[0, "amount"] = math.nan
    data.loc[1, "amount"] = math.inf
    data.loc[2, "amount"] = -math.inf
    data.loc[3, "amount"] = None  # missing is not invalid (LightGBM's missing value)
    data.loc[4, "tx_hour"] = 24
    data.loc[5, "tx_hour"] = -1
    write_batch(warehouse, "2026-04-02", data)
    st = feature_stability(warehouse, FEATURES, "2026-04-02", SPECS)
    assert st.invalid == {"amount": 3, "tx_hour": 2}
    assert st.detail == {"amount": "3 non-finite", "tx_hour": "1 below 0, 1 above 23"}
    assert st.describe() == "amount: 3 non-finite; tx_hour: 1 below 0, 1 above 23"


def test_missing_non_finite_and_out_of_unit_scores_are_counted(warehouse):
    write_scores(warehouse, "transactions", "2026-04-01", [0.1, 0.9, None, math.nan, 1.5, -0.1, 0.0, 1.0])
    st = score_stability(warehouse, "transactions", "2026-04-01")
    assert st.rows == 8 and st.total == 4
    assert st.detail == {"score": "1 missing, 1 non-finite, 2 outside [0, 1]"}
    assert score_stability(warehouse, "transactions", "2026-04-02").rows == 0
