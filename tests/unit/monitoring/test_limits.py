"""Fixed-limit checks: the verdict and the evaluation shape the gate, history and alerts take."""

from __future__ import annotations

from dataops.monitoring.limits import RULE, limit_evaluation, limit_verdict


def test_a_value_above_a_limit_takes_its_severity():
    assert limit_verdict(0, None, 0) == "in_control"
    assert limit_verdict(1, None, 0) == "critical"
    assert limit_verdict(30, 35, 120) == "in_control"
    assert limit_verdict(36, 35, 120) == "warning"
    assert limit_verdict(121, 35, 120) == "critical"


def test_the_evaluation_names_what_and_the_limit():
    ev = limit_evaluation("model_age_days", "2026-05-01", 40.0, warning=35, critical=120,
                          description="the champion v1 is 40 days old")
    assert ev["verdict"] == "warning" and not ev["blocking"] and ev["ucl"] == 120
    assert ev["findings"] == [{"rule": RULE, "severity": "warning", "magnitude": 5.0,
                               "description": "the champion v1 is 40 days old (limit 35)"}]
    clean = limit_evaluation("stability.features", "2026-05-01", 0.0, warning=None, critical=0, description="")
    assert clean["verdict"] == "in_control" and clean["findings"] == []
