"""The deployment's promotion rule: ``DATAOPS_PROMOTION_RULE`` names a YAML of PromotionRule keys."""

from __future__ import annotations

import pytest

from dataops.evaluation.decide import deployment_rule
from dataops.evaluation.rule import PromotionRule


def test_without_the_setting_the_defaults_apply(monkeypatch):
    monkeypatch.delenv("DATAOPS_PROMOTION_RULE", raising=False)
    assert deployment_rule() == PromotionRule()


def test_the_file_the_setting_names_is_the_rule(monkeypatch, tmp_path):
    rule = tmp_path / "rule.yaml"
    rule.write_text("floors: {roc_auc: 0.75}\nmin_delta: 0.01\n")
    monkeypatch.setenv("DATAOPS_PROMOTION_RULE", str(rule))
    assert deployment_rule().floors == {"roc_auc": 0.75} and deployment_rule().min_delta == 0.01
    rule.write_text("flors: {roc_auc: 0.75}\n")
    with pytest.raises(ValueError, match="unknown promotion rule keys"):
        deployment_rule()
