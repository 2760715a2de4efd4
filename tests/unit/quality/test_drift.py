"""Score drift is read from the post-score SPC history on both engines."""

from __future__ import annotations

from dataops.quality.drift import score_drift
from dataops.quality.history import HistoryRow, ensure_tables, write_points

DAY = "2026-03-14"


def test_no_history_means_no_drift(warehouse):
    assert score_drift(warehouse.location, "transactions", DAY) == []


def test_drift_names_the_flagged_score_metrics_of_the_day(warehouse):
    ensure_tables(warehouse)
    write_points(warehouse, "transactions", DAY, [HistoryRow("score_mean", 0.31, None, "critical"),
                                                  HistoryRow("score_flag_rate", 0.02, 500, "in_control"),
                                                  HistoryRow("amount_log_mean", 4.1, None, "critical")], "r")
    write_points(warehouse, "transactions", "2026-03-15", [HistoryRow("score_flag_rate", 0.2, 500, "warning")], "r")
    write_points(warehouse, "other", DAY, [HistoryRow("score_flag_rate", 0.2, 500, "critical")], "r")
    assert score_drift(warehouse.location, "transactions", DAY) == ["score_mean"]
    assert score_drift(warehouse.location, "transactions", "2026-03-15") == ["score_flag_rate"]
    assert score_drift(warehouse, "transactions", "2026-03-16") == []
