"""The training plan reads the quality history through the warehouse interface (DuckDB and PostgreSQL).

``warehouse_location`` is the session-wide parametrised fixture (this folder's ``warehouse`` is a DuckDB
file of training data).
"""

from __future__ import annotations

import pytest

from dataops.quality.history import HistoryRow, ensure_tables, set_label, write_points
from dataops.training.plan import excluded_batch_dates, plan_training_run
from dataops.warehouse import open_warehouse


def _point(metric: str, verdict: str) -> HistoryRow:
    return HistoryRow(metric, 1.0, None, verdict)


@pytest.fixture
def history(warehouse_location):
    """Five judged days: data-quality findings, an analyst's labels, and a score-drift-only day."""
    wh = open_warehouse(warehouse_location)
    ensure_tables(wh)
    write_points(wh, "transactions", "2026-03-01", [_point("amount_log_mean", "critical"),
                                                    _point("row_count", "in_control")], "r")
    write_points(wh, "transactions", "2026-03-02", [_point("row_count", "in_control")], "r")
    set_label(wh, "transactions", "2026-03-02", "known_bad", labelled_by="ana", comment="replayed feed")
    write_points(wh, "transactions", "2026-03-03", [_point("null_rate.mcc", "critical")], "r")
    set_label(wh, "transactions", "2026-03-03", "false_positive", labelled_by="ana", comment="planned")
    write_points(wh, "transactions", "2026-03-04", [_point("contract.rejected_files", "critical")], "r")
    write_points(wh, "transactions", "2026-03-05", [_point("row_count", "in_control")], "r")
    write_points(wh, "other", "2026-03-06", [_point("row_count", "critical")], "r")
    return warehouse_location


def test_no_history_means_nothing_excluded(warehouse_location):
    assert excluded_batch_dates(warehouse_location, "transactions") == []
    plan = plan_training_run(warehouse_location, "transactions", cutoff="2026-03-31")
    assert plan == {"cutoff": "2026-03-31", "excluded": [], "flagged": [], "keep_excluded": False}


def test_data_quality_findings_and_known_bad_labels_exclude_a_batch(history):
    plan = plan_training_run(history, "transactions", cutoff="2026-03-31")
    assert plan["excluded"] == ["2026-03-01", "2026-03-02", "2026-03-04"]
    kept = plan_training_run(history, "transactions", cutoff="2026-03-31", keep_excluded=True)
    assert kept["excluded"] == [] and kept["flagged"] == plan["excluded"]
    with pytest.raises(ValueError):
        plan_training_run(history, "transactions", cutoff="31/03/2026")


def test_a_score_drift_day_stays_in_the_training_set(history):
    """Defect 8: the post-score SPC (score mean, flag rate) triggers retraining; it must not remove its own day."""
    wh = open_warehouse(history)
    write_points(wh, "transactions", "2026-03-05", [_point("score_mean", "critical"),
                                                    _point("score_flag_rate", "critical")], "r")
    set_label(wh, "transactions", "2026-03-05", "known_bad", labelled_by="ana", metrics=["score_flag_rate"])
    assert wh.fetchone("SELECT count(*) FROM quality.metric_history WHERE batch_date = DATE '2026-03-05' "
                       "AND status IN ('out_of_control', 'known_bad')") == (2,)
    assert "2026-03-05" not in excluded_batch_dates(history, "transactions")
