"""The promotion rule on controlled scores (no training involved)."""

from __future__ import annotations

import pytest

from dataops.evaluation import EvaluationConfig, PromotionRule, apply_rule, evaluate_models

RULE = PromotionRule(n_boot=300, min_slice_positives=30, slice_tolerance=0.02,
                     floors={"roc_auc": 0.6, "average_precision": 0.15})


def _decide(holdout, scorer, challenger: str, champion: str | None, rule=RULE):
    models = {"challenger": scorer(challenger, "v2")}
    if champion:
        models["champion"] = scorer(champion, "v1")
    ev = evaluate_models(holdout, models, EvaluationConfig(top_k_per_day=20))
    return ev, apply_rule(ev, rule)


def test_better_challenger_is_promoted(scored_holdout, column_scorer):
    ev, d = _decide(scored_holdout, column_scorer, "better", "champ")
    assert d.promote, d.reasons
    assert d.reasons[0].startswith("promote: all")
    assert d.ci_low > 0 and d.delta > d.ci_low
    assert (d.challenger_version, d.champion_version) == ("v2", "v1")
    assert any(r.startswith("PASS: average_precision improvement") for r in d.reasons)


def test_same_model_is_rejected_by_the_ci_rule(scored_holdout, column_scorer):
    _, d = _decide(scored_holdout, column_scorer, "champ", "champ")
    assert not d.promote
    assert "bootstrap CI" in d.reasons[0]
    assert d.delta == 0.0 and d.ci_low == 0.0


def test_regressing_large_slice_blocks(scored_holdout, column_scorer):
    _, d = _decide(scored_holdout, column_scorer, "atm_broken", "champ")
    assert not d.promote
    assert any(r.startswith("FAIL: slice channel=atm") and "regresses beyond tolerance" in r for r in d.reasons)
    # overall it is still better: only the slice check fails
    assert [c.name for c in d.checks if c.blocking and not c.passed] == ["slice channel=atm"]


def test_regressing_small_slice_is_reported_but_does_not_block(scored_holdout, column_scorer):
    assert (scored_holdout.loc[scored_holdout["country"] == "XX", "label"].sum()) < 30
    _, d = _decide(scored_holdout, column_scorer, "xx_broken", "champ")
    assert d.promote, d.reasons
    line = next(r for r in d.reasons if "slice country=XX" in r)
    assert line.startswith("INFO:") and "regresses" in line and "not blocking" in line


def test_worse_challenger_fails_floors_and_ci(scored_holdout, column_scorer):
    _, d = _decide(scored_holdout, column_scorer, "noise", "champ")
    assert not d.promote
    failed = {c.name for c in d.checks if c.blocking and not c.passed}
    assert {"floor roc_auc", "floor average_precision", "bootstrap CI"} <= failed


def test_first_model_needs_only_the_floors(scored_holdout, column_scorer):
    _, ok = _decide(scored_holdout, column_scorer, "champ", None)
    assert ok.promote and ok.champion_version is None and ok.delta is None
    assert any("no champion yet" in r for r in ok.reasons)
    _, bad = _decide(scored_holdout, column_scorer, "noise", None)
    assert not bad.promote and "floor" in bad.reasons[0]


def test_min_delta_and_day_bootstrap(scored_holdout, column_scorer):
    strict = PromotionRule.from_mapping({**RULE.to_dict(), "min_delta": 0.5, "bootstrap_unit": "day"})
    _, d = _decide(scored_holdout, column_scorer, "better", "champ", strict)
    assert not d.promote and d.bootstrap["unit"] == "day"
    assert "min_delta 0.5" in next(r for r in d.reasons if "improvement" in r)


def test_rule_configuration(tmp_path):
    path = tmp_path / "rule.yaml"
    path.write_text("promotion:\n  metric: roc_auc\n  min_delta: 0.01\n  floors: {roc_auc: 0.8}\n")
    rule = PromotionRule.from_yaml(path)
    assert (rule.metric, rule.min_delta, dict(rule.floors)) == ("roc_auc", 0.01, {"roc_auc": 0.8})
    with pytest.raises(ValueError, match="unknown promotion rule keys"):
        PromotionRule.from_mapping({"min_dleta": 0.1})
    with pytest.raises(ValueError, match="promotion metric"):
        PromotionRule(metric="f1")
    with pytest.raises(ValueError, match="floors on unknown"):
        PromotionRule(floors={"accuracy": 0.9})


def test_evaluation_reports_every_metric_per_role_and_slice(scored_holdout, column_scorer):
    ev, _ = _decide(scored_holdout, column_scorer, "better", "champ")
    m = ev.metrics["challenger"]
    for key in ("roc_auc", "average_precision", "recall_at_fpr", "brier", "calibration", "precision_at_k"):
        assert key in m
    assert m["precision_at_k"]["alerts"] == 20 * 10 and len(m["calibration"]) == 10
    assert set(ev.slices["champion"]["channel"]) == {"pos", "ecom", "atm"}
    assert sum(s["rows"] for s in ev.slices["challenger"]["country"].values()) == len(scored_holdout)
    # the alert budget is global: the slices share out exactly the day's top-k alerts
    channel = ev.slices["challenger"]["channel"]
    assert sum(s["alerts"] for s in channel.values()) == m["precision_at_k"]["alerts"]
    true_alerts = sum(s["alerts"] * s["precision_at_k"] for s in channel.values() if s["alerts"])
    assert true_alerts == pytest.approx(m["precision_at_k"]["true_alerts"])
    assert len(channel["atm"]["calibration"]) == 10 and channel["atm"]["expected_calibration_error"] >= 0
