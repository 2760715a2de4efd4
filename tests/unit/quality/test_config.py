from __future__ import annotations

import pytest

from dataops.quality.config import load_quality_config


def test_metrics_expand_per_column_and_category():
    cfg = load_quality_config("transactions")
    names = [m.name for m in cfg.metrics]
    assert "null_rate.mcc" in names and "channel_share.other" in names and "mcc_share.5411" in names
    assert cfg.metric("row_count").spc.seasonality == "weekday"
    assert cfg.metric("null_rate.mcc").spc.chart == "laney_p"
    post_score = {m.name for m in cfg.stage("post_score")}
    assert {"score_mean", "score_flag_rate", "invalid_features", "invalid_scores", "model_age_days"} < post_score


def test_feature_drift_is_one_metric_per_feature_and_limits_are_fixed():
    from dataops.datasets import load_dataset

    cfg = load_quality_config("transactions")
    psi = [m for m in cfg.metrics if m.kind == "feature_psi"]
    assert [m.column for m in psi] == load_dataset("transactions").feature_names
    assert psi[0].name == "feature_psi.amount" and psi[0].stage == "post_score" and not psi[0].is_limit
    age = cfg.metric("model_age_days")
    assert age.is_limit and age.limits == (35.0, 120.0)
    assert cfg.metric("invalid_features").limits == (None, 0.0)


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
    ("{kind: feature_psi, features: [amount]}", "needs stage: post_score"),
    ("{kind: model_age_days, stage: post_score}", "limits needs 'warning' and/or 'critical'"),
    ("{kind: model_age_days, stage: post_score, limits: {warn: 3}}", r"got \['warn'\]"),
    ("{kind: feature_psi, stage: post_score, features: ['Amount; DROP']}", "is not a name"),
])
def test_malformed_label_feed_metric_is_named(tmp_path, entry, message):
    bad = tmp_path / "x.yaml"
    bad.write_text(f"dataset: x\nmetrics:\n  late: {entry}\n")
    with pytest.raises(ValueError, match=message):
        load_quality_config("x", bad)
