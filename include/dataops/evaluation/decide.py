"""Champion vs challenger: evaluate on the same holdout, apply the rule, write the report, record it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from dataops.evaluation.evaluate import EvaluationConfig, evaluate_models
from dataops.evaluation.report import write_report
from dataops.evaluation.rule import Decision, PromotionRule, apply_rule
from dataops.registry import AliasMove, LoadedModel, ModelRegistry
from dataops.registry.registry import new_decision_id


def rebuild_holdout(warehouse: Any, challenger: LoadedModel, cfg: Any = None,
                    extra_columns: Sequence[str] = ()) -> tuple[pd.DataFrame, dict]:
    """Rebuild the challenger's holdout from the warehouse exactly as recorded in its ``training.json``
    (cutoff, window lengths, label maturity, excluded batch dates), whatever the dataset YAML says today.

    :param warehouse: warehouse connection or engine.
    :param challenger: the loaded challenger.
    :param cfg: dataset config (default: the challenger's dataset).
    :param extra_columns: more columns to read (e.g. the champion's features).
    :returns: (holdout rows, facts for the report incl. whether its content hash still matches).
    """
    from dataops.training.dataset import build_training_set

    doc = challenger.documents.get("training.json")
    if not doc:
        raise ValueError(f"version {challenger.version} has no training.json: pass the holdout explicitly")
    if cfg is None:
        from dataops.datasets import load_dataset

        cfg = load_dataset(doc["dataset"])
    from dataops.datasets.config import DatasetConfig

    if isinstance(cfg, DatasetConfig) and cfg.label_maturity_days != doc["label_maturity_days"]:
        cfg = dataclasses.replace(cfg, label_maturity_days=int(doc["label_maturity_days"]))
    days = doc["window_days"]
    ts = build_training_set(
        warehouse, date.fromisoformat(doc["cutoff"]), days["train"], days["valid"], days["holdout"], cfg,
        excluded_batch_dates=doc.get("excluded_batch_dates", []), drop_excluded=doc.get("drop_excluded", True),
        extra_columns=[c for c in dict.fromkeys([*challenger.features, *extra_columns])
                       if c not in cfg.feature_names],
    )
    recorded = (doc.get("fingerprint") or {}).get("holdout", {}).get("content_sha256")
    actual = ts.fingerprint["holdout"]["content_sha256"]
    window = doc["windows"]["holdout"]
    info = {"window": f"{window['start']} .. {window['end_exclusive']} (exclusive)", "cutoff": doc["cutoff"],
            "content_sha256": actual, "recorded_sha256": recorded, "fingerprint_matches": recorded == actual}
    return ts.holdout, info


def _overlap_note(champion: LoadedModel, holdout: pd.DataFrame) -> str | None:
    doc = champion.documents.get("training.json") or {}
    valid = (doc.get("windows") or {}).get("valid")
    if not valid or len(holdout) == 0 or "tx_ts" not in holdout:
        return None
    seen_until = pd.Timestamp(valid["end_exclusive"])
    if holdout["tx_ts"].min() < seen_until:
        return (f"champion {champion.version} saw data up to {valid['end_exclusive']} in training/validation, "
                "which overlaps this holdout: its holdout metrics are optimistic (the comparison favours it)")
    return None


def _add_notes(decision: Decision, info: dict, champion: LoadedModel | None, holdout: pd.DataFrame) -> None:
    if info and not info.get("fingerprint_matches", True):
        decision.note("holdout drift", "the holdout content differs from the one recorded at training time "
                                       f"({info['recorded_sha256']} -> {info['content_sha256']})")
    note = _overlap_note(champion, holdout) if champion is not None else None
    if note:
        decision.note("champion overlap", note)


def deployment_rule() -> PromotionRule:
    """The promotion rule of this deployment: the YAML file ``DATAOPS_PROMOTION_RULE`` names (keys of
    :class:`PromotionRule`, as ``python -m dataops evaluate --rule`` takes), else the defaults."""
    from dataops import settings

    path = settings.get("DATAOPS_PROMOTION_RULE")
    return PromotionRule.from_yaml(path) if path else PromotionRule()


def decide(registry: ModelRegistry, challenger_version: str, *, holdout: pd.DataFrame | None = None,
           warehouse: Any = None, cfg: Any = None, rule: PromotionRule | None = None,
           eval_config: EvaluationConfig | None = None, actor: str = "pipeline", champion_alias: str = "champion",
           report: bool = True, record: bool = True, run_key: str | None = None) -> Decision:
    """Evaluate ``challenger_version`` against the current champion and decide whether to promote it.

    Both models are loaded from the registry (artifacts verified) and scored on the same holdout: the one
    passed in, or the challenger's own holdout rebuilt from ``warehouse`` using its ``training.json``.
    The decision (promote or reject, with reasons) is written as a report next to the challenger's artifacts
    (``report/<decision_id>/``) and recorded in the registry's decisions table. Nothing is promoted here: see
    :func:`apply_decision`. With ``run_key`` a decision already recorded for that key (a retry of the same
    run, or the same shadow period) is returned as recorded: nothing is evaluated, written or recorded again.

    :param registry: the model registry.
    :param challenger_version: the version to judge.
    :param holdout: labelled holdout rows; None rebuilds it from ``warehouse``.
    :param warehouse: warehouse connection/engine (needed when ``holdout`` is None).
    :param cfg: dataset config (default: the challenger's dataset).
    :param rule: promotion rule (default: :func:`deployment_rule`).
    :param eval_config: what to measure (defaults if None).
    :param actor: recorded on the decision.
    :param champion_alias: alias of the incumbent.
    :param report: write the report to S3.
    :param record: record the decision in the registry.
    :param run_key: what the decision belongs to (``dag_id/run_id``, or a shadow period), recorded with it.
    """
    earlier = registry.decision_for_run(run_key) if run_key is not None else None
    if earlier is not None:
        return Decision.from_record(earlier)
    rule = rule or deployment_rule()
    eval_config = eval_config or EvaluationConfig()
    challenger = registry.load_version(challenger_version)
    champion_version = registry.get_alias_version(champion_alias)
    same = champion_version == challenger_version
    models: dict[str, LoadedModel] = {"challenger": challenger}
    if champion_version is not None and not same:
        models["champion"] = registry.load_version(champion_version)
    info: dict = {}
    if holdout is None:
        if warehouse is None:
            raise ValueError("pass either holdout or warehouse")
        champion_features = models["champion"].features if "champion" in models else []
        holdout, info = rebuild_holdout(warehouse, challenger, cfg, champion_features)
    ev = evaluate_models(holdout, models, eval_config, holdout_info=info)
    ev.versions["champion"] = champion_version
    decision = apply_rule(ev, rule)
    if same:
        decision.reject("already champion", f"{challenger_version} is already the {champion_alias}")
    _add_notes(decision, info, models.get("champion"), holdout)
    decision.decision_id = new_decision_id()
    if report:
        write_report(registry.store, registry.prefix(challenger_version), ev, decision, rule,
                     {"model_name": registry.model_name, "champion_alias": champion_alias})
    if record:
        registry.record_decision(
            decision_id=decision.decision_id, run_key=run_key,
            challenger_version=challenger_version, champion_version=champion_version, promote=decision.promote,
            reasons=decision.reasons, actor=actor, metric=decision.metric, delta=decision.delta,
            ci_low=decision.ci_low, ci_high=decision.ci_high, report_uri=decision.report_uri,
            details={"checks": [c.__dict__ for c in decision.checks], "bootstrap": decision.bootstrap,
                     "rule": rule.to_dict()},
        )
    return decision


def apply_decision(registry: ModelRegistry, decision: Decision, *, actor: str,
                   alias: str = "champion") -> AliasMove | None:
    """Promote the challenger if the decision says so, compare-and-set against the champion it was judged
    against (a champion that moved meanwhile raises :class:`~dataops.registry.ConcurrentAliasUpdate`).

    :returns: the alias move, or None for a rejection.
    """
    if not decision.promote:
        return None
    if decision.challenger_version is None:
        raise ValueError("a promoting decision names its challenger version")
    reason = f"decision {decision.decision_id or '(unrecorded)'}: {decision.reasons[0]}"
    # None = "the alias must still be unset", exactly what the first-run decision assumed.
    return registry.promote(decision.challenger_version, actor=actor, reason=reason, alias=alias,
                            expected_version=decision.champion_version)
