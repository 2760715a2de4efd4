"""The quality gate's ``post_score`` stage measures the model-monitoring metrics (both engines).

A champion ``v1`` trained with data up to 2026-03-01 scores eight clean days (the baseline), then a batch
whose amounts tripled (feature drift: a warning naming the amount); on its first day a batch with an infinite
feature value and a score above 1 (numerical stability: critical, blocking: fixed limits need no baseline)
and, 40 days after its cutoff, a clean batch (model age: a warning). Every point is recorded in
``quality.metric_history`` like the gate's other metrics.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest

from dataops.datasets import load_dataset
from dataops.monitoring.reference import build_reference, record_reference
from dataops.quality.gate import reevaluate_batch, run_gate
from dataops.quality.labels import apply_label
from tests.unit.monitoring.features import dataset_frame, write_dataset_batch, write_scores

CUTOFF = date(2026, 3, 1)
BASELINE = 8


def _day(i: int) -> str:
    return (CUTOFF + timedelta(days=i + 1)).isoformat()


def _score(warehouse, day: str, rows: int, seed: int, bad: float | None = None) -> None:
    scores = list(np.random.default_rng(seed).beta(1, 30, rows))
    if bad is not None:
        scores[0] = bad
    write_scores(warehouse, "transactions", day, scores)


def _gate(warehouse, day: str, tmp_path):
    return run_gate(warehouse.location, "transactions", day, stage="post_score", docs_dir=tmp_path / "docs")


@pytest.fixture(autouse=True)
def short_baseline(monkeypatch):
    """Judge after 7 baseline batches instead of 20 (the limits widen for so short a baseline)."""
    monkeypatch.setenv("DATAOPS_QUALITY_SPC_OVERRIDES", '{"min_baseline_points": 7}')


@pytest.fixture
def champion(warehouse):
    """``v1``'s training reference recorded in the warehouse (what its scoring task does)."""
    ds = load_dataset("transactions")
    ref = build_reference(dataset_frame(5000, seed=1), ds.numeric_features, ds.categorical_features,
                          training_cutoff=CUTOFF.isoformat())
    record_reference(warehouse, "transactions", "v1", ref)
    return warehouse


def test_clean_days_stay_quiet_and_tripled_amounts_are_a_drift_warning_naming_the_amount(champion, tmp_path):
    for i in range(BASELINE):
        write_dataset_batch(champion, _day(i), dataset_frame(300, seed=10 + i))
        _score(champion, _day(i), 300, seed=10 + i)
        result = _gate(champion, _day(i), tmp_path)
        assert not result.findings, result.findings  # a clean day stays quiet
    rows = champion.fetchall("SELECT metric, count(*), avg(value), max(value) FROM quality.metric_history "
                             "WHERE metric LIKE 'feature_psi.%' OR metric IN ('invalid_features', "
                             "'invalid_scores', 'model_age_days') GROUP BY metric")
    by_metric = {m: (int(n), mean, top) for m, n, mean, top in rows}
    assert len(by_metric) == len(load_dataset("transactions").features) + 3
    assert all(n == BASELINE for n, _, _ in by_metric.values())
    assert all(mean < 0.05 for m, (_, mean, _) in by_metric.items() if m.startswith("feature_psi."))  # noise
    assert by_metric["invalid_features"][2] == 0 and by_metric["invalid_scores"][2] == 0
    assert by_metric["model_age_days"][2] == BASELINE

    day = _day(BASELINE)
    write_dataset_batch(champion, day, dataset_frame(300, seed=99, amount_factor=3.0))
    _score(champion, day, 300, seed=99)
    result = _gate(champion, day, tmp_path)
    flagged = {f["metric"]: f for f in result.findings}
    assert set(flagged) == {"feature_psi.amount"}, flagged
    assert flagged["feature_psi.amount"]["severity"] == "warning" and not result.blocking
    assert result.metrics["feature_psi.amount"]["value"] > 0.5


def test_an_infinite_feature_and_a_score_above_one_are_critical_and_name_what(champion, tmp_path):
    day = _day(0)
    data = dataset_frame(300, seed=98)
    data.loc[7, "cust_amount_avg_7d"] = math.inf
    data.loc[8, "tx_hour"] = 25
    write_dataset_batch(champion, day, data)
    _score(champion, day, 300, seed=98, bad=1.5)
    result = _gate(champion, day, tmp_path)
    flagged = {f["metric"]: f for f in result.findings}
    assert result.blocking and set(flagged) == {"invalid_features", "invalid_scores"}, flagged
    assert "2 invalid feature value(s) in 300 rows: " in flagged["invalid_features"]["description"]
    assert "cust_amount_avg_7d: 1 non-finite" in flagged["invalid_features"]["description"]
    assert "tx_hour: 1 above 23" in flagged["invalid_features"]["description"]
    assert "score: 1 outside [0, 1]" in flagged["invalid_scores"]["description"]
    # an analyst who knows better labels it; the re-judged batch no longer blocks
    apply_label(champion.location, "transactions", day, "false_positive", comment="test data",
                labelled_by="analyst", metrics=["invalid_features", "invalid_scores"])
    again = reevaluate_batch(champion.location, "transactions", day)
    assert not again.blocking and {f["metric"] for f in again.acknowledged} == {"invalid_features", "invalid_scores"}


def test_a_champion_older_than_its_limit_is_a_warning(champion, tmp_path):
    day = _day(39)  # 40 days after the cutoff; the warning limit is 35
    write_dataset_batch(champion, day, dataset_frame(300, seed=97))
    _score(champion, day, 300, seed=97)
    result = _gate(champion, day, tmp_path)
    flagged = {f["metric"]: f for f in result.findings}
    assert set(flagged) == {"model_age_days"} and flagged["model_age_days"]["severity"] == "warning"
    assert "trained with data up to 2026-03-01: 40 days old" in flagged["model_age_days"]["description"]
    assert not result.blocking


def test_a_champion_without_reference_leaves_drift_unmeasured(warehouse, tmp_path):
    write_dataset_batch(warehouse, _day(0), dataset_frame(100, seed=5))
    _score(warehouse, _day(0), 100, seed=5)
    result = _gate(warehouse, _day(0), tmp_path)
    assert not result.findings
    assert "feature_psi.amount" not in result.metrics  # no value: recorded as learning
    assert "model_age_days" not in result.metrics
    rows = warehouse.fetchall("SELECT verdict FROM quality.metric_history WHERE metric = 'feature_psi.amount'")
    assert rows == [("learning",)]
