"""The daily release step on a real registry and both warehouses: canary, blue/green, watch, retries."""

from __future__ import annotations

from datetime import date

import pytest

from dataops.release.config import ReleaseConfig
from dataops.release.decisions import deciding_rows
from dataops.release.plan import plan_for
from dataops.release.rollback import rollback_champion
from dataops.release.start import ReleaseInProgress, start_release
from dataops.release.step import release_step
from dataops.scoring.batch import score_batch

from .conftest import ROWS, START, FakeModel, day


def _score_day(world, registry, models: dict[str, FakeModel], d: str):
    """What the Value Pipeline does for a batch: the plan, every slot scored, the release step."""
    plan = plan_for(registry, d)
    for slot in plan.slots:
        score_batch(world["warehouse"], world["cfg"], d, models[slot.version], slot=slot)
    return plan, release_step(registry, world["warehouse"], world["cfg"], plan, actor="test")


def _start(registry, strategy: str, version: str = "v2", **config):
    return start_release(registry, version, ReleaseConfig(strategy=strategy, **config), actor="test",
                         reason="decision d1: better", expected_champion=registry.get_alias_version("champion"),
                         started_on=START)


def _decided_once(world, d: str) -> dict[str, int]:
    counts = deciding_rows(world["warehouse"], "transactions", d)
    assert counts.get("1") == ROWS and set(counts) - {"1"} == {k for k in counts if k.startswith("version:")}, counts
    return {k.removeprefix("version:"): v for k, v in counts.items() if k.startswith("version:")}


def test_a_bad_canary_is_rolled_back_on_its_first_day_and_its_share_handed_back(scored_world, registry):
    _start(registry, "canary")
    models = {"v1": FakeModel("v1"), "v2": FakeModel("v2", "bad")}
    plan, outcome = _score_day(scored_world, registry, models, day(0))
    assert plan.challenger.share == 0.05
    assert outcome["action"] == "rollback" and outcome["alert"], outcome
    assert "score_flag_rate" in outcome["reason"] and "critical" in outcome["reason"]
    assert registry.aliases() == {"champion": "v1"}
    assert _decided_once(scored_world, day(0)) == {"v1": ROWS}  # the canary's 5 % went back to the champion
    removal = registry.history("canary")[-1]
    assert removal["action"] == "remove" and removal["details"]["batch_date"] == day(0)
    roles = dict(scored_world["warehouse"].fetchall(
        "SELECT role, count(*) FROM marts.predictions WHERE batch_date = CAST(? AS DATE) GROUP BY role", [day(0)]))
    assert roles == {"champion": ROWS, "rolled_back": ROWS}  # the bad model's scores are kept, deciding nothing
    again = release_step(registry, scored_world["warehouse"], scored_world["cfg"], plan, actor="test (retry)")
    assert again["retried"] and again["action"] == "rollback"  # a retry finds its move and changes nothing
    assert registry.aliases() == {"champion": "v1"} and _decided_once(scored_world, day(0)) == {"v1": ROWS}


def test_a_canary_scoring_nan_is_rolled_back_on_its_first_day_by_its_invalid_scores(scored_world, registry):
    _start(registry, "canary")
    models = {"v1": FakeModel("v1"), "v2": FakeModel("v2", "nan")}
    _, outcome = _score_day(scored_world, registry, models, day(0))
    assert outcome["action"] == "rollback", outcome
    assert f"invalid_scores on {day(0)}: {ROWS}" in outcome["reason"] and "non-finite" in outcome["reason"], outcome
    assert registry.aliases() == {"champion": "v1"} and _decided_once(scored_world, day(0)) == {"v1": ROWS}


def test_a_good_canary_goes_5_25_100_then_is_champion_with_the_old_one_warm(scored_world, registry):
    _start(registry, "canary")
    models = {"v1": FakeModel("v1"), "v2": FakeModel("v2", "close")}
    seen = []
    for i in range(6):
        plan, outcome = _score_day(scored_world, registry, models, day(i))
        decided = _decided_once(scored_world, day(i))
        seen.append((plan.challenger.share, outcome["action"], round(decided.get("v2", 0) / ROWS, 2)))
    assert [s[:2] for s in seen] == [(0.05, "hold"), (0.05, "hold"), (0.25, "hold"), (0.25, "hold"),
                                     (1.0, "hold"), (1.0, "promote")], seen
    assert all(abs(got - share) < 0.02 for share, _, got in seen), seen  # the canary decided its share
    assert registry.aliases() == {"champion": "v2", "standby": "v1"}
    plan, outcome = _score_day(scored_world, registry, models, day(6))  # the new champion under watch
    assert plan.challenger.role == "standby" and outcome["action"] == "hold", outcome
    assert _decided_once(scored_world, day(6)) == {"v2": ROWS}
    move = rollback_champion(registry, actor="oncall", reason="switch back by hand")
    assert (move.from_version, move.to_version) == ("v2", "v1") and registry.aliases() == {"champion": "v1"}


def test_blue_green_switches_in_one_step_and_a_bad_new_champion_is_switched_back(scored_world, registry):
    _start(registry, "blue_green", watch_days=3)
    models = {"v1": FakeModel("v1"), "v2": FakeModel("v2", "close")}
    plan, outcome = _score_day(scored_world, registry, models, day(0))
    assert plan.challenger.role == "green" and outcome["action"] == "switch", outcome
    assert outcome["comparison"]["agreement"] > 0.95
    assert registry.aliases() == {"champion": "v2", "standby": "v1"}
    assert _decided_once(scored_world, day(0)) == {"v2": ROWS}  # the switch moved the day's decisions too
    switch = [h for h in registry.history() if h["details"] and h["details"].get("batch_date") == day(0)]
    assert [(h["alias"], h["to_version"]) for h in registry.history()[-3:]] == [
        ("champion", "v2"), ("green", None), ("standby", "v1")] and switch
    models["v2"].behaviour = "bad"  # the new champion goes wrong on its second day
    plan, outcome = _score_day(scored_world, registry, models, day(1))
    assert outcome["action"] == "rollback" and outcome["rolled_back"] == "v2", outcome
    assert registry.aliases() == {"champion": "v1"}
    assert _decided_once(scored_world, day(1)) == {"v1": ROWS}


def test_a_green_slot_too_far_from_blue_is_dropped_and_the_champion_keeps_deciding(scored_world, registry):
    _start(registry, "blue_green")
    plan, outcome = _score_day(scored_world, registry, {"v1": FakeModel("v1"), "v2": FakeModel("v2", "bad")}, day(0))
    assert outcome["action"] == "reject" and "flag rate" in outcome["reason"], outcome
    assert registry.aliases() == {"champion": "v1"} and _decided_once(scored_world, day(0)) == {"v1": ROWS}


def test_a_green_slot_scoring_nan_is_dropped_for_its_scores_not_only_its_distance(scored_world, registry):
    _start(registry, "blue_green")
    _, outcome = _score_day(scored_world, registry, {"v1": FakeModel("v1"), "v2": FakeModel("v2", "nan")}, day(0))
    assert outcome["action"] == "reject", outcome
    assert f"{ROWS:,} of the green slot's {ROWS:,} scores are missing, not finite" in outcome["reason"], outcome
    assert registry.aliases() == {"champion": "v1"} and _decided_once(scored_world, day(0)) == {"v1": ROWS}


def test_one_release_at_a_time_and_a_standby_is_let_go_after_its_watch(scored_world, registry):
    _start(registry, "canary")
    with pytest.raises(ReleaseInProgress, match="v2 is canary"):
        _start(registry, "blue_green", version="v3")
    registry.remove_alias("canary", actor="test", reason="abandoned")
    _start(registry, "blue_green", watch_days=2)
    models = {"v1": FakeModel("v1"), "v2": FakeModel("v2", "close")}
    actions = [_score_day(scored_world, registry, models, day(i))[1]["action"] for i in range(3)]
    assert actions == ["switch", "hold", "released"] and registry.aliases() == {"champion": "v2"}
    assert date.fromisoformat(registry.history("standby")[0]["details"]["started_on"]) == START.replace(day=3)
