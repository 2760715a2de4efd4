"""The shadow period: a challenger scores live batches beside the champion, and the final decision is made
on those very batches once their labels have matured.

Timeline: the ``shadow`` alias is set on day S, with the period's length recorded on that move
(:func:`start_shadow`); batches S .. S + shadow_days - 1 are scored in shadow by the Value Pipeline; on or
after S + shadow_days + label_maturity_days every label of those batches is final, and :func:`review_shadow`
judges shadow against champion on exactly those transactions (same rule, same report, same decisions table
as a direct promotion). The decision ends the period: the champion moves (if approved) and ``shadow`` is
removed. One shadow period gets one decision, however often it is reviewed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from dataops.evaluation.decide import apply_decision, decide
from dataops.evaluation.rule import Decision, PromotionRule
from dataops.registry import ANY, AliasMove, ModelRegistry

ALIAS = "shadow"


def start_shadow(registry: ModelRegistry, version: str, *, shadow_days: int, actor: str, reason: str,
                 expected_version: Any = ANY) -> AliasMove:
    """Point ``shadow`` at ``version`` and record the period's length with the move.

    :param shadow_days: number of batches (days) the challenger scores in shadow.
    """
    if shadow_days < 1:
        raise ValueError("a shadow period needs shadow_days >= 1")
    return registry.promote(version, actor=actor, reason=reason, alias=ALIAS, expected_version=expected_version,
                            details={"shadow_days": int(shadow_days)})


def _shadow_move(registry: ModelRegistry, version: str) -> Mapping:
    """The alias_history row that started the current shadow period of ``version``."""
    return [h for h in registry.history(ALIAS) if h["to_version"] == version][-1]


def _day(at: Any) -> date:
    return (at if isinstance(at, datetime) else datetime.fromisoformat(str(at))).date()


def _period_length(move: Mapping, shadow_days: int | None) -> int:
    recorded = (move.get("details") or {}).get("shadow_days")
    days = shadow_days if shadow_days is not None else recorded
    if not days:
        raise ValueError(f"the shadow move of {move['to_version']} (revision {move['revision']}) records no "
                         "shadow_days: pass shadow_days explicitly")
    return int(days)


def _finish(registry: ModelRegistry, decision: Decision, version: str, actor: str) -> bool:
    """Apply the final decision and end the period; returns whether the champion moved (now)."""
    promoted = False
    if decision.promote and registry.get_alias_version("champion") != version:
        apply_decision(registry, decision, actor=actor)
        promoted = True
    verdict = "promoted" if decision.promote else "rejected"
    registry.remove_alias(ALIAS, actor=actor, expected_version=version,
                          reason=f"decision {decision.decision_id}: shadow challenger {verdict}")
    return promoted


def review_shadow(registry: ModelRegistry, warehouse: Any, cfg: Any, *, today: date, shadow_days: int | None = None,
                  started_on: date | None = None, actor: str = "pipeline", rule: PromotionRule | None = None,
                  promote: bool = True) -> dict:
    """Decide on the shadow challenger if its shadow period is over and its labels have matured.

    :param registry: the model registry.
    :param warehouse: warehouse engine/connection (feature table and chargebacks).
    :param cfg: dataset config.
    :param today: the knowledge date: chargebacks reported before it are known.
    :param shadow_days: length of the shadow period in batches (default: as recorded when the shadow
        started, see :func:`start_shadow`; pass it when replaying batches, e.g. in a backfill).
    :param started_on: first shadow batch date (default: the day the ``shadow`` alias was moved; pass it
        when batches are replayed, e.g. in a backfill).
    :param actor: recorded on the decision and the alias moves.
    :param rule: promotion rule (defaults if None).
    :param promote: finish the period: move ``champion`` when the decision says so and remove ``shadow``
        (False only records the decision).
    :returns: small JSON: ``status`` is ``no_shadow``, ``waiting`` (with ``decide_on``) or ``decided``
        (with ``promote``, ``promoted`` -- whether this call moved the champion --, ``reasons``,
        ``report_uri``, ``decision_id``).
    """
    from dataops.training.dataset import load_labelled_rows

    version = registry.get_alias_version(ALIAS)
    if version is None:
        return {"status": "no_shadow"}
    move = _shadow_move(registry, version)
    start = started_on or _day(move["at"])
    end = start + timedelta(days=_period_length(move, shadow_days))
    decide_on = end + timedelta(days=cfg.label_maturity_days)
    batches = [start.isoformat(), end.isoformat()]
    if today < decide_on:
        return {"status": "waiting", "version": version, "shadow_batches": batches,
                "decide_on": decide_on.isoformat()}
    holdout = load_labelled_rows(warehouse, cfg, datetime.combine(start, datetime.min.time()),
                                 datetime.combine(end, datetime.min.time()),
                                 datetime.combine(today, datetime.min.time()))
    # one decision per shadow period: a re-review (or a retry) finds the one recorded for this period
    period = f"shadow/{registry.model_name}/{version}/r{move['revision']}"
    decision = decide(registry, version, holdout=holdout, rule=rule, actor=actor, run_key=period)
    promoted = _finish(registry, decision, version, actor) if promote else False
    return {"status": "decided", "version": version, "promote": decision.promote, "promoted": promoted,
            "reasons": decision.reasons, "report_uri": decision.report_uri, "decision_id": decision.decision_id,
            "shadow_batches": batches, "rows": len(holdout)}
