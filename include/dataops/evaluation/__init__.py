"""Evaluation of champion vs challenger on the same holdout, and the promotion rule.

The DAG calls :func:`decide` (evaluate + report + record) and then :func:`apply_decision`.
"""

from dataops.evaluation.bootstrap import BootstrapResult, paired_bootstrap
from dataops.evaluation.decide import apply_decision, decide, rebuild_holdout
from dataops.evaluation.evaluate import Evaluation, EvaluationConfig, evaluate_models
from dataops.evaluation.report import write_report
from dataops.evaluation.rule import Check, Decision, PromotionRule, apply_rule
from dataops.metrics.binary import (
    average_precision,
    brier_score,
    calibration_table,
    precision_at_k_per_day,
    recall_at_fpr,
    roc_auc,
)

__all__ = [
    "BootstrapResult",
    "Check",
    "Decision",
    "Evaluation",
    "EvaluationConfig",
    "PromotionRule",
    "apply_decision",
    "apply_rule",
    "average_precision",
    "brier_score",
    "calibration_table",
    "decide",
    "evaluate_models",
    "paired_bootstrap",
    "precision_at_k_per_day",
    "rebuild_holdout",
    "recall_at_fpr",
    "roc_auc",
    "write_report",
]
