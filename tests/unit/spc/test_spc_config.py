"""MetricConfig: defaults, plain-data parsing, and clear errors for anything unknown."""

from __future__ import annotations

import pytest
import yaml

from dataops.spc import DEFAULT_RULES, MetricConfig, default_rules


def test_default_rule_set():
    cfg = MetricConfig.from_dict({"metric": "rows"})
    assert dict(cfg.rules) == {"nelson_1": "critical", "nelson_2": "warning", "nelson_3": "warning",
                               "nelson_5": "warning"}
    assert dict(MetricConfig(metric="rows").rules) == DEFAULT_RULES
    assert default_rules("ewma")["ewma"] == "critical" and default_rules("cusum")["cusum"] == "critical"
    assert "ewma" not in default_rules("individuals")


def test_from_yaml_with_all_keys_round_trips():
    text = """
    chart: laney_p
    rules: {nelson_1: critical, nelson_2: warning, nelson_4: "off", we_2: warning, we_4: warning}
    min_baseline_points: 20
    baseline_window: 60
    min_practical_change: 0.0
    min_practical_change_relative: 0.05
    seasonality: weekday
    """
    cfg = MetricConfig.from_dict(yaml.safe_load(text), metric="fraud_rate")
    assert cfg.metric == "fraud_rate" and cfg.chart == "laney_p" and cfg.is_p_chart
    assert dict(cfg.rules) == {"nelson_1": "critical", "nelson_2": "warning", "we_2": "warning",
                               "we_4": "warning"}
    assert cfg.seasonality == "weekday" and cfg.min_practical_change_relative == 0.05
    assert MetricConfig.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize(("data", "message"), [
    ({"metric": "m", "windw": 3}, r"unknown SPC config key\(s\) \['windw'\]"),
    ({"metric": "m", "chart": "xbar"}, "unknown chart 'xbar'"),
    ({"metric": "m", "rules": {"nelson_9": "critical"}}, "unknown SPC rule 'nelson_9'"),
    ({"metric": "m", "rules": {"nelson_1": "fatal"}}, "unknown severity 'fatal'"),
    ({"metric": "m", "rules": {"ewma": "critical"}}, "only applies to chart 'ewma'"),
    ({"metric": "m", "rules": ["nelson_1"]}, "must be a mapping"),
    ({"metric": "m", "seasonality": "monthly"}, "unknown seasonality"),
    ({"metric": "m", "min_baseline_points": 30, "baseline_window": 20}, "baseline_window"),
    ({"metric": "m", "min_baseline_points": 1}, "min_baseline_points"),
    ({"metric": "m", "min_baseline_points": 20.5}, "must be an integer"),
    ({"metric": "m", "min_practical_change": -1}, "min_practical_change"),
    ({"metric": "m", "ewma_lambda": 0}, "ewma_lambda"),
    ({"metric": "m", "ewma_lambda": 1.5}, "ewma_lambda"),
    ({"metric": "m", "cusum_h": 0}, "cusum_h"),
    ({"metric": "m", "mr_screening": "yes"}, "mr_screening"),
    ({"chart": "individuals"}, "metric name"),
])
def test_invalid_config_raises_clear_value_error(data, message):
    with pytest.raises(ValueError, match=message):
        MetricConfig.from_dict(data)


def test_config_must_be_a_mapping():
    with pytest.raises(ValueError, match="mapping"):
        MetricConfig.from_dict(["chart", "individuals"])  # type: ignore[arg-type]
