"""The smoke check's warehouse step on both engines: one row per day, replaced on rerun."""

from __future__ import annotations

from dataops.smoke import record_run


def test_record_run_replaces_the_days_row(warehouse_location, warehouse):
    assert record_run(warehouse_location, "2026-03-14", "smoke/day=2026-03-14/marker.json") == 1
    assert record_run(warehouse_location, "2026-03-14", "smoke/day=2026-03-14/again.json") == 1
    assert record_run(warehouse_location, "2026-03-15", "smoke/day=2026-03-15/marker.json") == 2
    rows = warehouse.fetchall("SELECT CAST(day AS VARCHAR), s3_key FROM smoke.runs ORDER BY day")
    assert rows == [("2026-03-14", "smoke/day=2026-03-14/again.json"), ("2026-03-15", "smoke/day=2026-03-15/marker.json")]
