"""The shadow period ends in a decision on the batches scored in shadow, once their labels have matured."""

from __future__ import annotations

from datetime import date, timedelta

from dataops.evaluation import PromotionRule
from dataops.evaluation.shadow import review_shadow

from .test_eval_decide import _register, engine, registry, ts  # noqa: F401 (fixtures)

RULE = PromotionRule(n_boot=200)


def test_shadow_waits_for_matured_labels_then_decides_on_the_shadow_batches(registry, ts, cfg, engine):  # noqa: F811
    weak = _register(registry, ts, cfg, {"num_leaves": 2, "feature_fraction": 0.3, "seed": 3},
                     {"num_boost_round": 2, "early_stopping_rounds": 1})
    registry.promote(weak, actor="setup", reason="weak champion")
    assert review_shadow(registry, engine, cfg, shadow_days=7, today=date(2026, 3, 1))["status"] == "no_shadow"

    strong = _register(registry, ts, cfg)
    registry.promote(strong, actor="dag", reason="shadow period", alias="shadow")
    start = date.today()  # the alias moved now: the shadow batches start today
    waiting = review_shadow(registry, engine, cfg, shadow_days=7, today=start + timedelta(days=7))
    assert waiting["status"] == "waiting"
    assert waiting["decide_on"] == (start + timedelta(days=7 + cfg.label_maturity_days)).isoformat()
    assert registry.get_alias_version("champion") == weak

    decided = review_shadow(registry, engine, cfg, shadow_days=7, today=date(2026, 3, 31),
                            started_on=date(2026, 2, 1), rule=RULE, actor="dag")
    assert decided["status"] == "decided" and decided["promote"], decided
    assert decided["shadow_batches"] == ["2026-02-01", "2026-02-08"] and decided["rows"] > 0
    assert registry.get_alias_version("champion") == strong
    [record] = [d for d in registry.decisions() if d["challenger_version"] == strong]
    assert record["promote"]
