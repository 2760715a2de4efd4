"""Each Nelson / Western Electric rule fires on a crafted z sequence and not on a near miss."""

from __future__ import annotations

import numpy as np
import pytest

from dataops.spc.rules import RULES, rule_masks, rules_on_last


def alternating(n: int, first: float = 0.5) -> list[float]:
    return [first if i % 2 == 0 else -first for i in range(n)]


CASES = {
    # rule: (fires on the last point, near miss)
    "nelson_1": ([0.1, -0.2, 3.01], [0.1, -0.2, 2.99]),
    "nelson_2": ([-0.5] + [0.5] * 9, [-0.5] + [0.5] * 8),
    "nelson_3": ([0.9, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0.9, 0.8, 0.2, 0.3, 0.4, 0.5, 0.6]),
    # the point before the alternation is its first point: 0.1 then 13 alternating = 14 points
    "nelson_4": ([0.0, 0.1] + alternating(13), [0.0, 0.1] + alternating(12)),
    "nelson_5": ([0.0, 2.1, 0.5, 2.2], [0.0, 2.1, 0.5, 1.99]),
    "nelson_6": ([0.0, 1.1, 1.2, 0.5, 1.3, 1.4], [0.0, 1.1, 1.2, 0.5, 0.99, 1.4]),
    "nelson_7": ([2.0] + alternating(15, 0.9), [2.0] + alternating(14, 0.9)),
    "nelson_8": ([0.0, 1.5, -1.5, 1.2, -1.2, 1.1, -1.1, 1.3, -1.3], [0.0, 1.5, -1.5, 1.2, -1.2, 1.1, -1.1, 1.3, -0.99]),
    "we_1": ([0.0, -3.2], [0.0, -3.0]),
    "we_2": ([0.0, -2.5, 0.1, -2.01], [0.0, -2.5, 0.1, -2.0]),
    "we_3": ([0.0, -1.5, -1.2, -1.1, 0.3, -1.01], [0.0, -1.5, -1.2, 0.3, 0.3, -1.01]),
    "we_4": ([0.5] + [-0.3] * 8, [0.5] + [-0.3] * 7),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_fires_on_crafted_sequence(rule):
    fires, _ = CASES[rule]
    assert rules_on_last(fires, [rule]) == [rule]


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_quiet_on_near_miss(rule):
    _, near_miss = CASES[rule]
    assert rules_on_last(near_miss, [rule]) == []


def test_every_rule_has_cases():
    assert set(CASES) == set(RULES)
    assert len(RULES) == 12  # eight Nelson rules and four Western Electric rules


def test_point_on_the_centre_line_breaks_a_run():
    assert rules_on_last([0.5] * 4 + [0.0] + [0.5] * 4, ["nelson_2"]) == []
    assert rules_on_last([0.5] * 9, ["nelson_2"]) == ["nelson_2"]


def test_equal_consecutive_points_break_a_trend():
    assert rules_on_last([0.1, 0.2, 0.3, 0.3, 0.4, 0.5], ["nelson_3"]) == []
    assert rules_on_last([0.6, 0.5, 0.4, 0.3, 0.2, 0.1], ["nelson_3"]) == ["nelson_3"]


@pytest.mark.parametrize("rule", ["nelson_5", "we_2"])
def test_two_of_three_needs_same_side(rule):
    assert rules_on_last([0.0, -2.1, 0.5, 2.2], [rule]) == []


def test_m_of_n_reported_on_the_completing_point_only():
    """2 of 3 beyond 2 sigma completed yesterday: today (quiet) does not repeat the finding."""
    z = [0.0, 2.1, 2.2, 0.5]
    mask = rule_masks(z, ["nelson_5"])["nelson_5"]
    assert mask.tolist() == [False, False, True, False]


def test_mixture_needs_both_sides():
    assert rules_on_last([1.5] * 8, ["nelson_8"]) == []


def test_long_run_keeps_firing_while_it_lasts():
    """A run of 12 above the centre line: the 9th to the 12th point each complete a run of nine."""
    mask = rule_masks([-1.0] + [0.4] * 12, ["nelson_2"])["nelson_2"]
    assert mask.tolist() == [False] * 9 + [True] * 4


def test_short_sequences_do_not_fire_or_fail():
    for rule in RULES:
        assert rules_on_last([], [rule]) == []
        assert rules_on_last([0.5], [rule]) == []
    assert rule_masks(np.array([4.0]), ["nelson_1"])["nelson_1"].tolist() == [True]


def test_western_electric_1_is_nelson_1():
    z = np.random.default_rng(1).standard_normal(100_000) * 1.5
    assert (RULES["we_1"].mask(z) == RULES["nelson_1"].mask(z)).all() and RULES["we_1"].mask(z).any()
