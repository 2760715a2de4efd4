from __future__ import annotations

import pytest

from dataops.quality.config import load_quality_config


def test_metrics_expand_per_column_and_category():
    cfg = load_quality_config("transactions")
    names = [m.name for m in cfg.metrics]
    assert "null_rate.mcc" in names and "channel_share.other" in names and "mcc_share.5411" in names
    assert cfg.metric("row_count").spc.seasonality == "weekday"
    assert cfg.metric("null_rate.mcc").spc.chart == "laney_p"
    assert {m.name for m in cfg.stage("post_score")} == {"score_mean", "score_flag_rate"}


def test_env_override_applies_to_every_metric(monkeypatch):
    monkeypatch.setenv("DATAOPS_QUALITY_SPC_OVERRIDES", '{"min_baseline_points": 7}')
    assert {m.spc.min_baseline_points for m in load_quality_config("transactions").metrics} == {7}


def test_malformed_metric_is_named(tmp_path):
    bad = tmp_path / "x.yaml"
    bad.write_text("dataset: x\nmetrics:\n  oops: {kind: nope}\n")
    with pytest.raises(ValueError, match="oops"):
        load_quality_config("x", bad)


def test_label_feed_metrics_are_configured_on_their_own_source():
    cfg = load_quality_config("transactions")
    assert cfg.sources == ("transactions", "chargebacks")
    label = {m.name: m for m in cfg.stage("batch") if cfg.source_of(m) == "chargebacks"}
    assert {m.kind for m in label.values()} == {"row_count", "lateness_days", "quarantine_rate"}
    lateness = next(m for m in label.values() if m.kind == "lateness_days")
    assert (lateness.since, lateness.column) == ("tx_ts", "reported_at")
    assert cfg.source_of(cfg.metric("row_count")) == "transactions"


@pytest.mark.parametrize("entry, message", [
    ("{kind: lateness_days, column: reported_at}", "needs 'since'"),
    ("{kind: lateness_days, since: tx_ts}", "needs 'column'"),
    ("{kind: score_mean, stage: post_score, source: chargebacks}", "only for batch-stage"),
])
def test_malformed_label_feed_metric_is_named(tmp_path, entry, message):
    bad = tmp_path / "x.yaml"
    bad.write_text(f"dataset: x\nmetrics:\n  late: {entry}\n")
    with pytest.raises(ValueError, match=message):
        load_quality_config("x", bad)
