"""Alias moves: promotion, rollback, append-only history, compare-and-set on DuckDB and SQLite."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from dataops.registry import ConcurrentAliasUpdate, ModelRegistry, NoPreviousVersion, VersionNotFound
from dataops.registry.aliases import lineage


@pytest.fixture
def reg3(engine, s3, bucket, trained_bundle):
    """A registry with three ready versions v1..v3 and no alias set."""
    _, _, files = trained_bundle
    reg = ModelRegistry(engine, s3, bucket=bucket)
    for _ in range(3):
        reg.register(files)
    return reg


def test_rollback_restores_the_previous_champion_and_history_shows_every_move(reg3):
    for v in ("v1", "v2", "v3"):
        reg3.promote(v, actor="ci", reason=f"promote {v}")
    move = reg3.rollback("champion", reason="v3 misbehaves", actor="oncall")
    assert (move.from_version, move.to_version, move.action) == ("v3", "v2", "rollback")
    assert reg3.get_alias_version("champion") == "v2"
    assert reg3.load("champion").version == "v2"
    # A second rollback goes further back along the promotions, not "forward" to v3 again.
    reg3.rollback("champion", reason="v2 too", actor="oncall")
    assert reg3.get_alias_version("champion") == "v1"
    with pytest.raises(NoPreviousVersion):
        reg3.rollback("champion", reason="nothing left", actor="oncall")

    hist = reg3.history("champion")
    assert [(h["action"], h["from_version"], h["to_version"]) for h in hist] == [
        ("promote", None, "v1"), ("promote", "v1", "v2"), ("promote", "v2", "v3"),
        ("rollback", "v3", "v2"), ("rollback", "v2", "v1"),
    ]
    assert [h["revision"] for h in hist] == [1, 2, 3, 4, 5]
    assert [h["actor"] for h in hist] == ["ci", "ci", "ci", "oncall", "oncall"]
    assert hist[3]["reason"] == "v3 misbehaves"
    # The failed rollback changed nothing.
    assert reg3.get_alias_version("champion") == "v1" and len(reg3.history()) == 5


def test_rollback_without_history_fails(reg3):
    with pytest.raises(NoPreviousVersion):
        reg3.rollback("champion", reason="no champion", actor="oncall")
    reg3.promote("v1", actor="ci", reason="first")
    with pytest.raises(NoPreviousVersion):
        reg3.rollback("champion", reason="only one version", actor="oncall")


def test_stale_expected_version_is_refused_and_nothing_changes(reg3):
    reg3.promote("v1", actor="a", reason="first", expected_version=None)
    reg3.promote("v2", actor="a", reason="second", expected_version="v1")
    with pytest.raises(ConcurrentAliasUpdate, match="expected 'v1'"):
        reg3.promote("v3", actor="b", reason="decided against v1", expected_version="v1")
    with pytest.raises(ConcurrentAliasUpdate):
        reg3.promote("v3", actor="b", reason="thought it was unset", expected_version=None)
    assert reg3.get_alias_version("champion") == "v2"
    assert len(reg3.history("champion")) == 2


def test_aliases_are_independent_and_listed(reg3):
    reg3.promote("v1", actor="a", reason="champ")
    reg3.promote("v2", actor="a", reason="try in shadow", alias="shadow")
    reg3.promote("v3", actor="a", reason="next", alias="challenger")
    assert reg3.aliases() == {"champion": "v1", "shadow": "v2", "challenger": "v3"}
    by_version = {v["version"]: v["aliases"] for v in reg3.versions()}
    assert by_version == {"v1": ["champion"], "v2": ["shadow"], "v3": ["challenger"]}
    assert len(reg3.history("shadow")) == 1 and len(reg3.history()) == 3


def test_promote_validates_version_and_reason(reg3):
    with pytest.raises(VersionNotFound):
        reg3.promote("v9", actor="a", reason="no such version")
    with pytest.raises(ValueError, match="reason"):
        reg3.promote("v1", actor="a", reason="  ")
    assert reg3.history() == []


def test_racing_promotions_one_wins_the_others_fail(reg3, trained_bundle):
    _, _, files = trained_bundle
    for _ in range(3):
        reg3.register(files)  # v4..v6
    reg3.promote("v1", actor="setup", reason="start")
    contenders = ["v2", "v3", "v4", "v5", "v6"]
    barrier = threading.Barrier(len(contenders))
    outcome: dict[str, str] = {}

    def attempt(version: str) -> None:
        barrier.wait()
        try:
            reg3.promote(version, actor=f"worker-{version}", reason="race", expected_version="v1")
            outcome[version] = "won"
        except ConcurrentAliasUpdate:
            outcome[version] = "lost"

    threads = [threading.Thread(target=attempt, args=(v,)) for v in contenders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [v for v, o in outcome.items() if o == "won"]
    assert len(outcome) == len(contenders) and len(winners) == 1
    assert reg3.get_alias_version("champion") == winners[0]
    hist = reg3.history("champion")
    assert [(h["from_version"], h["to_version"]) for h in hist] == [(None, "v1"), ("v1", winners[0])]


def test_lineage_pops_rolled_back_steps():
    rows = [SimpleNamespace(action=a, to_version=v) for a, v in [
        ("promote", "v1"), ("promote", "v2"), ("rollback", "v1"), ("promote", "v3"), ("promote", "v4"),
        ("rollback", "v3"),
    ]]
    assert lineage(rows) == ["v1", "v3"]


def test_remove_alias_is_compare_and_set_and_recorded_in_the_history(reg3):
    reg3.promote("v1", actor="ci", reason="champ")
    reg3.promote("v2", actor="dag", reason="shadow period", alias="shadow", details={"shadow_days": 7})
    with pytest.raises(ConcurrentAliasUpdate, match="expected 'v3'"):
        reg3.remove_alias("shadow", actor="dag", reason="stale", expected_version="v3")
    assert reg3.get_alias_version("shadow") == "v2"

    move = reg3.remove_alias("shadow", actor="dag", reason="decision d1: rejected", expected_version="v2")
    assert (move.action, move.from_version, move.to_version) == ("remove", "v2", None)
    assert reg3.get_alias_version("shadow") is None and reg3.aliases() == {"champion": "v1"}
    with pytest.raises(ConcurrentAliasUpdate):
        reg3.remove_alias("shadow", actor="dag", reason="twice", expected_version="v2")

    # the history is append-only: a later shadow continues the revision counter
    reg3.promote("v3", actor="dag", reason="next shadow", alias="shadow", expected_version=None)
    hist = reg3.history("shadow")
    assert [(h["action"], h["from_version"], h["to_version"], h["revision"]) for h in hist] == [
        ("promote", None, "v2", 1), ("remove", "v2", None, 2), ("promote", None, "v3", 3)]
    assert (hist[1]["actor"], hist[1]["reason"]) == ("dag", "decision d1: rejected")
    assert hist[0]["details"] == {"shadow_days": 7} and hist[2]["details"] is None
    with pytest.raises(NoPreviousVersion):  # a removal ends the lineage: nothing to roll back to
        reg3.rollback("shadow", reason="undo", actor="oncall")


def test_lineage_ends_at_a_removal():
    rows = [SimpleNamespace(action=a, to_version=v) for a, v in [
        ("promote", "v1"), ("promote", "v2"), ("remove", None), ("promote", "v3")]]
    assert lineage(rows) == ["v3"]
