"""quality.metric_history: idempotent rewrites, analysts' labels kept, audit, baseline membership (both engines)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dataops.quality.history import HistoryRow, ensure_tables, load_history, set_label, write_points
from dataops.spc import MetricConfig, Point, evaluate_point


@pytest.fixture
def wh(warehouse):
    """The warehouse (DuckDB file, then PostgreSQL) with the quality tables."""
    ensure_tables(warehouse)
    return warehouse


def _rows(warehouse, sql, *params):
    return warehouse.fetchall(sql, list(params))


def test_rerun_replaces_rows_and_keeps_analyst_labels(wh):
    write_points(wh, "transactions", "2026-03-14", [HistoryRow("m1", 1.0, None, "critical"),
                                                    HistoryRow("m2", 2.0, None, "in_control")], "run1")
    write_points(wh, "transactions", "2026-03-14", [HistoryRow("m1", 1.5, None, "critical"),
                                                    HistoryRow("m2", 2.5, None, "in_control")], "run2")
    rows = _rows(wh, "SELECT metric, value, status, run_id FROM quality.metric_history ORDER BY metric")
    assert rows == [("m1", 1.5, "out_of_control", "run2"), ("m2", 2.5, "in_baseline", "run2")]

    assert set_label(wh, "transactions", "2026-03-14", "false_positive", labelled_by="ana",
                     comment="holiday", metrics=["m1"]) == ["m1"]
    statuses = write_points(wh, "transactions", "2026-03-14", [HistoryRow("m1", 1.6, None, "critical")], "run3")
    assert statuses == {"m1": "false_positive"}
    assert _rows(wh, "SELECT status, value FROM quality.metric_history WHERE metric = 'm1'") == [("false_positive", 1.6)]
    audit = _rows(wh, "SELECT metric, old_status, new_status, labelled_by, comment FROM quality.label_audit")
    assert audit == [("m1", "out_of_control", "false_positive", "ana", "holiday")]


def test_label_of_unknown_batch_is_refused(wh):
    with pytest.raises(ValueError, match="run the quality gate first"):
        set_label(wh, "transactions", "2026-01-01", "known_bad", labelled_by="ana")
    with pytest.raises(ValueError, match="label must be"):
        set_label(wh, "transactions", "2026-01-01", "in_baseline", labelled_by="ana")


def test_false_positive_goes_back_into_the_baseline(wh):
    cfg = MetricConfig(metric="m", min_baseline_points=5)
    start = date(2026, 3, 1)
    for k in range(8):
        verdict = "critical" if k == 6 else "in_control"
        write_points(wh, "t", start + timedelta(days=k), [HistoryRow("m", 10.0 + (k % 3) + (20 if k == 6 else 0),
                                                                     None, verdict)], "r")
    today = Point(start + timedelta(days=8), 11.0)
    before = evaluate_point(load_history(wh, "t", ["m"], today.batch_date)["m"], today, cfg)
    assert start + timedelta(days=6) not in before.baseline_dates
    assert [e.status for e in before.excluded_dates] == ["out_of_control"]
    set_label(wh, "t", start + timedelta(days=6), "false_positive", labelled_by="ana")
    after = evaluate_point(load_history(wh, "t", ["m"], today.batch_date)["m"], today, cfg)
    assert start + timedelta(days=6) in after.baseline_dates and not after.excluded_dates
    set_label(wh, "t", start + timedelta(days=6), "known_bad", labelled_by="ana")
    bad = evaluate_point(load_history(wh, "t", ["m"], today.batch_date)["m"], today, cfg)
    assert [e.status for e in bad.excluded_dates] == ["known_bad"]
