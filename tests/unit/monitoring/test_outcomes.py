"""Outcome quality: the champion's precision, recall and average precision on a scoring day whose labels
matured, from its predictions and the chargebacks known by then (both engines)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from dataops.datasets import load_dataset
from dataops.monitoring.outcomes import (
    knowledge_time,
    labelled_scores,
    measure_outcomes,
    outcome_of,
    scoring_day,
)
from dataops.quality.config import load_quality_config
from dataops.warehouse import transaction
from tests.unit.monitoring.features import write_scores

DAY = "2026-03-02"


def test_the_matured_scoring_day_and_its_knowledge_time():
    assert scoring_day("2026-04-11", 40) == DAY
    assert knowledge_time(DAY, 40) == datetime(2026, 4, 12)  # the end of the run day


def test_precision_at_k_recall_at_fpr_and_average_precision_of_a_known_ranking():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    labels = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    out = outcome_of(scores, labels, DAY, top_k=4, max_fpr=0.15)
    assert out.rows == 10 and out.frauds == 3
    assert out.values["precision_at_k"] == 0.5  # 2 frauds in the 4 highest scores
    assert out.values["recall_at_fpr"] == pytest.approx(2 / 3)  # one false positive of 7 allowed: down to 0.7
    assert out.values["average_precision"] == pytest.approx((1 + 2 / 3 + 3 / 10) / 3)
    nothing = outcome_of(scores, np.zeros(10, dtype=int), DAY, top_k=4, max_fpr=0.15)
    assert nothing.values == {"precision_at_k": None, "recall_at_fpr": None, "average_precision": None}


def _chargebacks(warehouse, rows: list[tuple[str, str]]) -> None:
    with warehouse.connect() as con, transaction(con):
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.execute("CREATE TABLE IF NOT EXISTS raw.chargebacks (tx_id VARCHAR, tx_ts TIMESTAMP, "
                    "reported_at TIMESTAMP, reason_code VARCHAR, batch_date DATE)")
        con.executemany("INSERT INTO raw.chargebacks VALUES (?, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), "
                        "'10.4', CAST(? AS DATE))", [(i, f"{DAY} 12:00:00", at, at[:10]) for i, at in rows])


def test_labels_are_the_chargebacks_reported_before_the_knowledge_time(warehouse):
    write_scores(warehouse, "transactions", DAY, [0.9, 0.2, 0.7, 0.1])
    _chargebacks(warehouse, [(f"{DAY}-0", "2026-03-20 08:00:00"),   # known
                             (f"{DAY}-1", "2026-04-11 23:59:00"),   # known: the last minute of the run day
                             (f"{DAY}-2", "2026-04-12 00:00:00")])  # reported after: not known yet
    scores, labels = labelled_scores(warehouse, load_dataset("transactions"), DAY, knowledge_time(DAY, 40))
    assert list(zip(scores, labels, strict=True)) == [(0.9, 1), (0.2, 1), (0.7, 0), (0.1, 0)]
    empty = labelled_scores(warehouse, load_dataset("transactions"), "2026-03-03", knowledge_time(DAY, 40))
    assert len(empty[0]) == 0


def test_the_outcome_stage_measures_every_configured_outcome_metric(warehouse):
    rng = np.random.default_rng(1)
    labels = rng.random(400) < 0.05
    scores = np.clip(np.where(labels, rng.beta(5, 2, 400), rng.beta(1, 8, 400)), 0, 1)
    write_scores(warehouse, "transactions", DAY, [float(s) for s in scores])
    _chargebacks(warehouse, [(f"{DAY}-{i}", "2026-03-10 10:00:00") for i in np.flatnonzero(labels)])
    specs = load_quality_config("transactions").stage("outcome")
    values = {v.metric: v for v in measure_outcomes(warehouse, specs, load_dataset("transactions"), DAY)}
    assert set(values) == {"outcome_precision_at_k", "outcome_recall_at_fpr", "outcome_average_precision",
                           "outcome_recall_at_fpr_ewma"}  # the EWMA companion measures the same recall
    assert values["outcome_recall_at_fpr_ewma"].value == values["outcome_recall_at_fpr"].value
    assert all(v.n == 400 and 0.3 < v.value <= 1.0 for v in values.values()), values


def _scored_day(warehouse, day: str, seed: int, *, skill: float) -> None:
    """400 predictions of ``day`` whose frauds (5 %) score higher the more ``skill`` the model has."""
    rng = np.random.default_rng(seed)
    labels = rng.random(400) < 0.05
    scores = np.where(labels, rng.beta(1 + 6 * skill, 2, 400), rng.beta(1, 2 + 6 * skill, 400))
    write_scores(warehouse, "transactions", day, [float(s) for s in scores])
    _chargebacks(warehouse, [(f"{day}-{i}", f"{day} 23:00:00") for i in np.flatnonzero(labels)])


def test_a_champion_whose_outcome_drops_is_flagged_below_its_centre_and_signals_a_retraining(warehouse, tmp_path,
                                                                                            monkeypatch):
    from datetime import date, timedelta

    from dataops.quality.drift import outcome_drift
    from dataops.quality.gate import run_gate

    monkeypatch.setenv("DATAOPS_QUALITY_SPC_OVERRIDES", '{"min_baseline_points": 7}')
    days = [(date(2026, 3, 1) + timedelta(days=i)).isoformat() for i in range(9)]
    for i, day in enumerate(days):
        _scored_day(warehouse, day, seed=i, skill=1.0 if i < 8 else 0.0)  # the last day: the model lost it
        result = run_gate(warehouse.location, "transactions", day, stage="outcome", docs_dir=tmp_path)
        if i < 8:
            assert not result.findings and outcome_drift(warehouse, "transactions", day) == [], (day, result.findings)
    flagged = {f["metric"] for f in result.findings}
    assert flagged and flagged <= {"outcome_precision_at_k", "outcome_recall_at_fpr", "outcome_average_precision",
                                   "outcome_recall_at_fpr_ewma"}
    assert {f["severity"] for f in result.findings} == {"warning"} and not result.blocking
    assert outcome_drift(warehouse, "transactions", days[-1]) == sorted(flagged)


def test_a_better_outcome_than_usual_is_no_alert_and_no_retraining(warehouse, tmp_path, monkeypatch):
    from datetime import date, timedelta

    from dataops.quality.drift import outcome_drift
    from dataops.quality.gate import run_gate

    monkeypatch.setenv("DATAOPS_QUALITY_SPC_OVERRIDES", '{"min_baseline_points": 7}')
    days = [(date(2026, 3, 1) + timedelta(days=i)).isoformat() for i in range(9)]
    for i, day in enumerate(days):
        _scored_day(warehouse, day, seed=i, skill=0.0 if i < 8 else 1.0)  # the last day: far better
        result = run_gate(warehouse.location, "transactions", day, stage="outcome", docs_dir=tmp_path)
    assert not result.findings, result.findings
    above = warehouse.fetchall("SELECT metric, verdict FROM quality.metric_history WHERE batch_date = ? "
                               "AND metric LIKE 'outcome_%' AND value > ucl", [days[-1]])
    assert above and {v for _, v in above} == {"in_control"}, above  # beyond the upper limit, not alerted
    assert outcome_drift(warehouse, "transactions", days[-1]) == []
