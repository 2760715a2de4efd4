"""The training reference: bins of the training split, kept in the warehouse per model version (both engines)."""

from __future__ import annotations

import numpy as np
import pytest

from dataops.monitoring.reference import build_reference, check_reference, load_reference, record_reference
from tests.unit.monitoring.features import frame


def test_numeric_bins_are_the_training_deciles_and_shares_sum_to_one():
    data = frame(5000, seed=1)
    data.loc[:99, "amount"] = np.nan  # 2 % missing
    ref = build_reference(data, ["amount", "tx_hour"], ["channel"], training_cutoff="2026-03-01")
    amount = ref["features"]["amount"]
    assert len(amount["edges"]) == 9 and amount["edges"] == sorted(amount["edges"])
    assert amount["null_share"] == pytest.approx(0.02)
    assert sum(amount["shares"]) + amount["null_share"] == pytest.approx(1.0)
    assert all(s == pytest.approx(0.098, abs=0.01) for s in amount["shares"])  # ~10 % of the rows per decile
    channel = ref["features"]["channel"]
    assert channel["levels"] == ["atm", "ecom", "pos"]
    assert channel["shares"] == pytest.approx([0.1, 0.3, 0.6], abs=0.03)
    assert ref["training_cutoff"] == "2026-03-01" and ref["rows"] == 5000


def test_a_feature_with_few_values_has_fewer_edges():
    data = frame(1000, seed=2)
    data["tx_hour"] = (data["tx_hour"] < 6).astype(float)  # a 0/1 flag
    ref = build_reference(data, ["tx_hour"], [], training_cutoff="2026-03-01")["features"]["tx_hour"]
    assert ref["edges"] == [0.0, 1.0]
    assert len(ref["shares"]) == 3 and ref["shares"][0] == 0.0


def test_a_malformed_reference_is_refused_with_its_feature_named():
    ref = build_reference(frame(200, seed=3), ["amount"], [], training_cutoff="2026-03-01")
    ref["features"]["amount"]["shares"] = ref["features"]["amount"]["shares"][:-1]
    with pytest.raises(ValueError, match="'amount'.*9 edges need 10 shares"):
        check_reference(ref)
    with pytest.raises(ValueError, match="not a dataops.reference/v1"):
        check_reference({"format": "something else"})


def test_recorded_per_version_and_replaced_on_a_rerun(warehouse):
    ref = build_reference(frame(500, seed=4), ["amount"], ["channel"], training_cutoff="2026-03-01")
    assert load_reference(warehouse, "transactions", "v1") is None  # nothing recorded yet
    record_reference(warehouse, "transactions", "v1", ref)
    record_reference(warehouse, "transactions", "v1", ref)
    assert load_reference(warehouse, "transactions", "v1") == ref
    assert load_reference(warehouse, "transactions", "v2") is None
    rows = warehouse.fetchall("SELECT model_version, training_cutoff FROM monitoring.model_reference")
    assert [(v, str(c)) for v, c in rows] == [("v1", "2026-03-01")]
