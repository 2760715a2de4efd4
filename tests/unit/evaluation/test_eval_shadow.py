"""The shadow period ends in a decision on the batches scored in shadow, once their labels have matured."""

from __future__ import annotations

from datetime import date, timedelta

from dataops.evaluation import PromotionRule
from dataops.evaluation.shadow import review_shadow, start_shadow

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


def test_the_shadow_period_length_is_the_one_recorded_when_it_started(registry, ts, cfg, engine):  # noqa: F811
    weak = _register(registry, ts, cfg, {"num_leaves": 2, "seed": 3}, {"num_boost_round": 2, "early_stopping_rounds": 1})
    registry.promote(weak, actor="setup", reason="weak champion")
    strong = _register(registry, ts, cfg)
    start_shadow(registry, strong, shadow_days=14, actor="dag", reason="decision d0: shadow first")
    start = date.today()
    waiting = review_shadow(registry, engine, cfg, today=start)  # the reviewing run says nothing about it
    assert waiting["shadow_batches"] == [start.isoformat(), (start + timedelta(days=14)).isoformat()]
    assert waiting["decide_on"] == (start + timedelta(days=14 + cfg.label_maturity_days)).isoformat()


def test_the_final_decision_ends_the_shadow_period_once(registry, ts, cfg, engine, s3, bucket):  # noqa: F811
    weak = _register(registry, ts, cfg, {"num_leaves": 2, "feature_fraction": 0.3, "seed": 3},
                     {"num_boost_round": 2, "early_stopping_rounds": 1})
    registry.promote(weak, actor="setup", reason="weak champion")
    strong = _register(registry, ts, cfg)
    start_shadow(registry, strong, shadow_days=7, actor="dag", reason="shadow period")
    review = dict(today=date(2026, 3, 31), started_on=date(2026, 2, 1), rule=RULE, actor="dag")

    recorded_only = review_shadow(registry, engine, cfg, promote=False, **review)  # e.g. a crash after deciding
    assert registry.get_alias_version("shadow") == strong and registry.get_alias_version("champion") == weak
    decided = review_shadow(registry, engine, cfg, **review)
    assert decided["decision_id"] == recorded_only["decision_id"] and decided["promoted"], decided
    assert registry.get_alias_version("champion") == strong and registry.get_alias_version("shadow") is None
    removal = registry.history("shadow")[-1]
    assert (removal["action"], removal["from_version"], removal["to_version"], removal["actor"]) == (
        "remove", strong, None, "dag")
    assert decided["decision_id"] in removal["reason"] and "promoted" in removal["reason"]

    assert review_shadow(registry, engine, cfg, **review) == {"status": "no_shadow"}  # next week's run
    assert len([d for d in registry.decisions() if d["challenger_version"] == strong]) == 1


def test_a_rejected_shadow_is_cleared_and_the_champion_stays(registry, ts, cfg, engine):  # noqa: F811
    strong = _register(registry, ts, cfg)
    registry.promote(strong, actor="setup", reason="champion")
    weak = _register(registry, ts, cfg, {"num_leaves": 2, "feature_fraction": 0.3, "seed": 3},
                     {"num_boost_round": 2, "early_stopping_rounds": 1})
    start_shadow(registry, weak, shadow_days=7, actor="dag", reason="shadow period")
    decided = review_shadow(registry, engine, cfg, today=date(2026, 3, 31), started_on=date(2026, 2, 1),
                            rule=RULE, actor="dag")
    assert decided["status"] == "decided" and not decided["promote"] and not decided["promoted"]
    assert registry.get_alias_version("champion") == strong and registry.get_alias_version("shadow") is None
    assert "rejected" in registry.history("shadow")[-1]["reason"]
