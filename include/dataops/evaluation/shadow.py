"""The shadow period: a challenger scores live batches beside the champion, and the final decision is made
on those very batches once their labels have matured.

Timeline: the ``shadow`` alias is set on day S; batches S .. S + shadow_days - 1 are scored in shadow by the
Value Pipeline; on or after S + shadow_days + label_maturity_days every label of those batches is final, and
:func:`review_shadow` judges shadow against champion on exactly those transactions (same rule, same report,
same decisions table as a direct promotion).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from dataops.evaluation.decide import apply_decision, decide
from dataops.evaluation.rule import PromotionRule
from dataops.registry import ModelRegistry


def _moved_on(registry: ModelRegistry, alias: str, version: str) -> date:
    moves = [h for h in registry.history(alias) if h["to_version"] == version]
    at = moves[-1]["at"]
    return (at if isinstance(at, datetime) else datetime.fromisoformat(str(at))).date()


def review_shadow(registry: ModelRegistry, warehouse: Any, cfg: Any, *, shadow_days: int, today: date,
                  started_on: date | None = None, actor: str = "pipeline", rule: PromotionRule | None = None,
                  promote: bool = True) -> dict:
    """Decide on the shadow challenger if its shadow period is over and its labels have matured.

    :param registry: the model registry.
    :param warehouse: warehouse engine/connection (feature table and chargebacks).
    :param cfg: dataset config.
    :param shadow_days: length of the shadow period in batches (days).
    :param today: the knowledge date: chargebacks reported before it are known.
    :param started_on: first shadow batch date (default: the day the ``shadow`` alias was moved; pass it
        when batches are replayed, e.g. in a backfill).
    :param actor: recorded on the decision and the alias move.
    :param rule: promotion rule (defaults if None).
    :param promote: move ``champion`` when the decision says so.
    :returns: small JSON: ``status`` is ``no_shadow``, ``waiting`` (with ``decide_on``) or ``decided``
        (with ``promote``, ``reasons``, ``report_uri``).
    """
    from dataops.training.dataset import load_labelled_rows

    version = registry.get_alias_version("shadow")
    if version is None:
        return {"status": "no_shadow"}
    start = started_on or _moved_on(registry, "shadow", version)
    end = start + timedelta(days=shadow_days)
    decide_on = end + timedelta(days=cfg.label_maturity_days)
    if today < decide_on:
        return {"status": "waiting", "version": version, "shadow_batches": [start.isoformat(), end.isoformat()],
                "decide_on": decide_on.isoformat()}
    holdout = load_labelled_rows(warehouse, cfg, datetime.combine(start, datetime.min.time()),
                                 datetime.combine(end, datetime.min.time()),
                                 datetime.combine(today, datetime.min.time()))
    decision = decide(registry, version, holdout=holdout, rule=rule, actor=actor)
    if promote:
        apply_decision(registry, decision, actor=actor)
    return {"status": "decided", "version": version, "promote": decision.promote, "reasons": decision.reasons,
            "report_uri": decision.report_uri, "shadow_batches": [start.isoformat(), end.isoformat()],
            "rows": len(holdout)}
