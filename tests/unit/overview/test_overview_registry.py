"""The registry read model and the view's rollback, on a real registry (SQLite + the S3 endpoint)."""

from __future__ import annotations

import pytest

from dataops.overview import RollbackRefused, registry_overview, roll_back_champion
from dataops.weblinks import evaluation_report_url


def test_champion_shadow_timeline_and_decisions(registry, monkeypatch):
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://ui.example:8080")
    r = registry_overview(registry)
    assert (r.champion, r.shadow, r.rollback_to) == ("v2", "v3", "v1")
    assert [(s.alias, s.action, s.from_version, s.to_version) for s in r.timeline] == [
        ("shadow", "promote", None, "v3"), ("champion", "promote", "v1", "v2"), ("champion", "promote", None, "v1")]
    assert r.timeline[1].actor == "innovation_pipeline" and r.timeline[1].reason == "beats v1 on PR-AUC"
    (decision,) = r.decisions
    assert decision.report_url == evaluation_report_url("transactions", "v2", "d2")
    assert decision.report_url.startswith("http://ui.example:8080/dataops/models/transactions/versions/v2/report")
    assert decision.promote and decision.reasons == ("PR-AUC +0.04 (CI above 0)",)


@pytest.mark.parametrize(("reason", "confirmed", "actor", "message"), [
    ("", True, "ana", "at least 5 characters"),
    ("  bad ", True, "ana", "at least 5 characters"),
    ("v2 misbehaves", False, "ana", "confirmation"),
    ("v2 misbehaves", True, " ", "authenticated user"),
])
def test_invalid_requests_change_nothing(registry, reason, confirmed, actor, message):
    with pytest.raises(RollbackRefused, match=message) as refused:
        roll_back_champion(registry, reason=reason, confirmed=confirmed, actor=actor, expected_version="v2")
    assert refused.value.kind == "invalid" and registry.get_alias_version("champion") == "v2"


def test_rollback_records_the_actor_then_there_is_nothing_left(registry):
    with pytest.raises(RollbackRefused, match="changed since") as stale:
        roll_back_champion(registry, reason="v1 misbehaves", confirmed=True, actor="ana", expected_version="v1")
    assert stale.value.kind == "stale" and registry.get_alias_version("champion") == "v2"
    move = roll_back_champion(registry, reason=" v2 flags too much ", confirmed=True, actor="ana",
                              expected_version="v2")
    assert (move.from_version, move.to_version, move.actor, move.reason) == ("v2", "v1", "ana", "v2 flags too much")
    last = registry.history("champion")[-1]
    assert (last["action"], last["actor"], last["reason"]) == ("rollback", "ana", "v2 flags too much")
    assert registry_overview(registry).rollback_to is None
    with pytest.raises(RollbackRefused, match="nothing to roll back") as nothing:
        roll_back_champion(registry, reason="once more", confirmed=True, actor="ana", expected_version="v1")
    assert nothing.value.kind == "nothing_to_roll_back" and registry.get_alias_version("champion") == "v1"


def test_a_release_s_aliases_show_and_the_rollback_goes_to_the_warm_standby(registry):
    with registry.transaction(actor="release_step") as tx:  # v3 switched in by blue/green, v2 kept warm
        tx.remove("shadow", reason="test: no shadow during a release")
        tx.set("champion", "v3", reason="blue/green switch", expected_version="v2")
        tx.set("standby", "v2", reason="kept warm", expected_version=None)
    r = registry_overview(registry)
    assert (r.champion, r.releasing, r.rollback_to) == ("v3", (("standby", "v2"),), "v2")
    move = roll_back_champion(registry, reason="v3 flags too much", confirmed=True, actor="ana",
                              expected_version="v3")
    assert (move.from_version, move.to_version) == ("v3", "v2") and registry.aliases() == {"champion": "v2"}
