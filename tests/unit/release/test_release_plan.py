"""Who decides which transaction: the canary's schedule, the stable hash split and the plan's round trip."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from dataops.release.config import ReleaseConfig
from dataops.release.plan import ScorePlan, Slot, canary_share
from dataops.release.shares import buckets, in_share

START = date(2026, 3, 2)
IDS = np.array([f"20260302-{i:08d}" for i in range(20_000)])


def test_the_canary_schedule_raises_the_share_by_batch_date_and_holds_at_the_full_rollout():
    config = ReleaseConfig()  # 5 % x 2, 25 % x 2, 100 % x 2
    shares = [canary_share(config, START, START + timedelta(days=i)) for i in range(-1, 8)]
    assert [s for s, _ in shares] == [0.0, 0.05, 0.05, 0.25, 0.25, 1.0, 1.0, 1.0, 1.0]
    assert [i for _, i in shares] == list(range(-1, 8))  # a batch before the start is not the canary's


def test_champion_and_canary_decide_every_transaction_exactly_once_at_every_share():
    for share in (0.0, 0.05, 0.25, 1.0):
        champion, canary = Slot("champion", "v1", share).decides(IDS), Slot("canary", "v2", share).decides(IDS)
        assert np.all(champion ^ canary), share  # one of the two, never both, never none
        assert abs(canary.mean() - share) < 0.01, (share, canary.mean())
    assert not Slot("green", "v3").decides(IDS).any() and not Slot("standby", "v0").decides(IDS).any()


def test_the_split_is_stable_and_the_shares_nest():
    assert np.array_equal(buckets(IDS), buckets(list(IDS)))  # the same ids, however they come
    assert buckets(["20260302-00000007"])[0] == buckets(IDS[7:8])[0]
    five, quarter = in_share(IDS, 0.05), in_share(IDS, 0.25)
    assert np.all(quarter[five])  # decided by the canary at 5 %: still the canary's at 25 %


def test_the_plan_round_trips_as_a_small_xcom():
    plan = ScorePlan("2026-03-03", (Slot("champion", "v1", 0.25), Slot("canary", "v2", 0.25)),
                     {"alias": "canary", "share": 0.25, "day": 3, "days": 6})
    again = ScorePlan.from_dict(plan.to_dict())
    assert again == plan and again.challenger == Slot("canary", "v2", 0.25)
    assert ScorePlan("2026-03-03").challenger is None


def test_a_slot_says_which_share_it_decides():
    from dataops.release.plan import Slot

    assert [Slot(r, "v1", s).decision_share() for r, s in [("champion", 0.0), ("champion", 0.05), ("canary", 0.05),
                                                           ("green", 0.0), ("standby", 0.0)]] == \
        ["all", "95%", "5%", "none", "none"]
