"""Feature drift: the PSI of each feature of a batch, counted in the warehouse (DuckDB and PostgreSQL)."""

from __future__ import annotations

import math

import pytest

from dataops.monitoring.drift import FLOOR, feature_drift, psi
from dataops.monitoring.reference import build_reference
from tests.unit.monitoring.features import FEATURES, frame, write_batch


def test_psi_of_identical_shares_is_zero_and_grows_with_the_shift():
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0.0
    assert psi([0.5, 0.5], [0.6, 0.4]) == pytest.approx(0.1 * math.log(0.6 / 0.5) - 0.1 * math.log(0.4 / 0.5))
    assert psi([0.5, 0.5], [0.9, 0.1]) > psi([0.5, 0.5], [0.6, 0.4])
    # an empty bin is floored, not infinite
    assert psi([0.5, 0.5], [1.0, 0.0]) == pytest.approx(0.5 * math.log(1 / 0.5) + (FLOOR - 0.5) * math.log(FLOOR / 0.5))
    with pytest.raises(ValueError, match="as many bins"):
        psi([1.0], [0.5, 0.5])


@pytest.fixture
def reference():
    return build_reference(frame(20000, seed=1), ["amount", "tx_hour"], ["channel"], training_cutoff="2026-03-01")


def test_a_batch_like_the_training_data_has_a_small_psi(warehouse, reference):
    write_batch(warehouse, "2026-04-01", frame(2000, seed=2))
    drift = feature_drift(warehouse, FEATURES, "2026-04-01", reference)
    assert set(drift) == {"amount", "tx_hour", "channel"}
    assert all(d.psi < 0.02 and d.rows == 2000 for d in drift.values()), drift


def test_tripled_amounts_move_the_amount_only_and_the_worst_bin_is_named(warehouse, reference):
    write_batch(warehouse, "2026-04-02", frame(2000, seed=3, amount_factor=3.0))
    drift = feature_drift(warehouse, FEATURES, "2026-04-02", reference)
    assert drift["amount"].psi > 0.5, drift["amount"]
    assert drift["tx_hour"].psi < 0.02 and drift["channel"].psi < 0.02
    top = drift["amount"]
    assert top.worst_bin.startswith(">= ") and top.actual > 0.3 and top.expected == pytest.approx(0.1, abs=0.01)
    assert "amount: PSI" in top.describe() and "in training" in top.describe()


def test_missing_values_and_unseen_levels_are_bins_of_their_own(warehouse, reference):
    data = frame(1000, seed=4)
    data["amount"] = data["amount"].astype(object)
    data.loc[:299, "amount"] = None
    data.loc[:199, "channel"] = "crypto"
    write_batch(warehouse, "2026-04-03", data)
    drift = feature_drift(warehouse, FEATURES, "2026-04-03", reference, ["amount", "channel"])
    assert set(drift) == {"amount", "channel"}
    assert drift["amount"].worst_bin == "missing" and drift["amount"].actual == pytest.approx(0.3)
    assert drift["channel"].worst_bin == "unseen levels" and drift["channel"].actual == pytest.approx(0.2)


def test_a_day_without_rows_has_no_drift(warehouse, reference):
    write_batch(warehouse, "2026-04-01", frame(10, seed=5))
    assert feature_drift(warehouse, FEATURES, "2026-05-01", reference) == {}
