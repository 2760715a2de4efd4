"""Tiles, charts and incidents read from a history the real gate wrote (DuckDB file, analysts' labels)."""

from __future__ import annotations

from datetime import date

import pytest

from dataops.overview import dataset_tiles, metric_chart, open_incidents, tile_state
from dataops.quality.labels import apply_label
from dataops.weblinks import triage_url
from tests.unit.overview.history import FALSE_POSITIVE_DAY, KNOWN_BAD_DAY, LATEST, OPEN


@pytest.mark.parametrize(("verdict", "status", "state"), [
    ("in_control", "in_baseline", "ok"),
    ("learning", "in_baseline", "ok"),
    ("warning", "in_baseline", "warning"),
    ("critical", "out_of_control", "critical"),
    ("critical", "known_bad", "excluded"),
    ("in_control", "known_bad", "excluded"),
    ("critical", "false_positive", "ok"),
])
def test_tile_state(verdict, status, state):
    assert tile_state(verdict, status) == state


def test_latest_batch_tiles_follow_the_quality_config(location):
    tiles = dataset_tiles(location, "transactions")
    assert tiles.batch_date == date.fromisoformat(LATEST)
    names = [t.metric for t in tiles.tiles]
    assert names[:2] == ["row_count", "null_rate.tx_id"] and "contract.rejected_files" in names
    assert {t.state for t in tiles.tiles} == {"ok"} and tiles.count("ok") == len(names)
    assert "score_mean" in tiles.missing  # post-score metrics: never measured in this history


def test_tiles_are_grouped_by_what_they_watch_and_unmeasured_families_are_named(location):
    from dataops.quality.history import HistoryRow, write_points

    families = {f.family: f for f in dataset_tiles(location, "transactions").families()}
    assert list(families) == ["batch data", "scores", "feature drift", "training/serving skew", "numerical stability",
                              "staleness", "outcome quality", "pipeline speed"]
    assert families["batch data"].tiles and not families["batch data"].missing
    assert not families["feature drift"].tiles and "feature_psi.amount" in families["feature drift"].missing
    # the champion scored the latest batch: its model metrics are recorded and shown in their families
    write_points(location, "transactions", LATEST, [
        HistoryRow("feature_psi.amount", 0.31, None, "warning", 0.02, 0.12, -0.08, rules=("nelson_1",)),
        HistoryRow("model_age_days", 40.0, None, "warning", None, 120.0, None, rules=("fixed_limit",))], "run")
    families = {f.family: f for f in dataset_tiles(location, "transactions").families()}
    assert [t.metric for t in families["feature drift"].tiles] == ["feature_psi.amount"]
    assert families["feature drift"].count("warning") == 1 and "feature_psi.log_amount" in families["feature drift"].missing
    assert [(t.metric, t.state, t.ucl) for t in families["staleness"].tiles] == [("model_age_days", "warning", 120.0)]


def test_tiles_as_of_a_batch_show_its_verdicts_and_labels(location):
    shifted = {t.metric: t for t in dataset_tiles(location, "transactions", as_of=OPEN).tiles}
    assert shifted["amount_log_mean"].state == "critical" and shifted["amount_log_mean"].rules == ("nelson_1",)
    assert shifted["amount_log_mean_ewma"].state == "warning"
    assert shifted["row_count"].state == "ok"
    excluded = {t.metric: t for t in dataset_tiles(location, "transactions", as_of=KNOWN_BAD_DAY).tiles}
    assert excluded["amount_log_mean"].state == "excluded" and "known bad" in excluded["amount_log_mean"].note
    acknowledged = {t.metric: t for t in dataset_tiles(location, "transactions", as_of=FALSE_POSITIVE_DAY).tiles}
    assert acknowledged["amount_log_mean"].state == "ok"
    assert "false positive" in acknowledged["amount_log_mean"].note
    nothing = dataset_tiles(location, "transactions", as_of="2025-01-01")
    assert nothing.batch_date is None and nothing.tiles == ()


def test_open_incidents_are_the_unlabelled_critical_batches(location):
    incidents = open_incidents(location)
    assert [(i.dataset, i.batch_date.isoformat()) for i in incidents] == [("transactions", OPEN)]
    fired = incidents[0].fired
    assert [(f.metric, f.rules) for f in fired] == [("amount_log_mean", ("nelson_1",))]
    assert fired[0].value > fired[0].ucl
    assert incidents[0].triage_url == triage_url("transactions", OPEN) and "ui.example:8080" in incidents[0].triage_url
    assert open_incidents(location, ["another"]) == []
    apply_label(location, "transactions", OPEN, "known_bad", comment="feed outage", labelled_by="ana")
    assert open_incidents(location) == []


def test_chart_of_the_last_batches_with_limits_flags_and_statuses(location):
    chart = metric_chart(location, "transactions", "amount_log_mean")
    assert chart.chart == "individuals" and len(chart.points) == 26
    assert chart.points[-1].batch_date.isoformat() == LATEST
    assert [p.batch_date.isoformat() for p in chart.flagged] == [OPEN, KNOWN_BAD_DAY, FALSE_POSITIVE_DAY]
    assert {p.batch_date.isoformat(): p.status for p in chart.hollow} == {
        OPEN: "out_of_control", KNOWN_BAD_DAY: "known_bad", FALSE_POSITIVE_DAY: "false_positive"}
    judged = [p for p in chart.points if p.verdict != "learning"]
    assert judged and all(p.lcl < p.zone_2_lower < p.zone_1_lower < p.centre < p.zone_1_upper < p.zone_2_upper
                          < p.ucl for p in judged)
    shifted = next(p for p in chart.points if p.batch_date.isoformat() == OPEN)
    assert shifted.value > shifted.ucl and shifted.verdict == "critical" and shifted.rules == ("nelson_1",)
    window = metric_chart(location, "transactions", "amount_log_mean", last_n=5, until=OPEN)
    assert [p.batch_date.isoformat() for p in window.points][-1] == OPEN and len(window.points) == 5


def test_a_metric_without_spc_settings_is_charted_from_its_recorded_limits(location):
    chart = metric_chart(location, "transactions", "contract.rejected_files")
    assert chart.chart == "recorded" and len(chart.points) == 26
    assert all(p.value == 0.0 and p.ucl == 0.0 and p.zone_1_upper is None for p in chart.points)
    assert metric_chart(location, "transactions", "no_such_metric").points == ()
