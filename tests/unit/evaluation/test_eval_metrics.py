"""Hand-written metrics against hand-computed values and brute-force definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dataops.metrics.binary import (
    RankedScores,
    average_precision,
    brier_score,
    calibration_table,
    daily_top_k_mask,
    expected_calibration_error,
    precision_at_k_per_day,
    recall_at_fpr,
    roc_auc,
)

Y = [1, 0, 1, 0]
S = [0.9, 0.8, 0.4, 0.1]


def test_roc_auc_by_hand():
    # positive/negative pairs ranked correctly: (.9>.8), (.9>.1), (.4>.1); wrong: (.4<.8) -> 3/4
    assert roc_auc(Y, S) == pytest.approx(0.75)
    # a tie between a positive and a negative counts one half: (.5=.5)->.5, (.5>.1)->1, (.3<.5)->0, (.3>.1)->1
    assert roc_auc([1, 0, 1, 0], [0.5, 0.5, 0.3, 0.1]) == pytest.approx(2.5 / 4)
    assert roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert roc_auc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]) == 0.0


def test_average_precision_by_hand():
    # ranks: .9 (P=1, R=.5), .8 (P=.5, R=.5), .4 (P=2/3, R=1): AP = .5*1 + 0*.5 + .5*2/3
    assert average_precision(Y, S) == pytest.approx(0.5 + 1 / 3)
    # tie at .5 is one threshold: (P=.5, R=.5), then .3 (P=2/3, R=1): AP = .5*.5 + .5*2/3
    assert average_precision([1, 0, 1, 0], [0.5, 0.5, 0.3, 0.1]) == pytest.approx(0.25 + 1 / 3)
    assert average_precision([1, 1, 0], [0.9, 0.8, 0.1]) == 1.0


def test_brier_by_hand():
    # (.1^2 + .8^2 + .6^2 + .1^2) / 4
    assert brier_score(Y, S) == pytest.approx((0.01 + 0.64 + 0.36 + 0.01) / 4)
    assert brier_score(Y, S, sample_weight=[1, 0, 0, 0]) == pytest.approx(0.01)


def test_recall_at_fpr_by_hand():
    pos = [0.95, 0.9, 0.5, 0.2]
    neg = [0.92, 0.8, 0.7, 0.6, 0.4, 0.3, 0.25, 0.15, 0.1, 0.05]
    y = [1] * 4 + [0] * 10
    s = pos + neg
    # walking down: .95 (tp1 fp0), .92 (tp1 fp1), .9 (tp2 fp1), .8 (tp2 fp2 -> fpr .2)
    assert recall_at_fpr(y, s, max_fpr=0.1) == pytest.approx(0.5)
    assert recall_at_fpr(y, s, max_fpr=0.0) == pytest.approx(0.25)
    assert recall_at_fpr(y, s, max_fpr=1.0) == pytest.approx(1.0)
    recall, threshold = RankedScores(y, s).recall_at_fpr(0.1)
    assert threshold == 0.9  # flag score >= 0.9


def test_precision_at_k_per_day_by_hand():
    days = ["d1", "d1", "d1", "d2", "d2", "d2"]
    s = [0.9, 0.8, 0.1, 0.7, 0.6, 0.5]
    y = [1, 0, 1, 0, 1, 0]
    r = precision_at_k_per_day(y, s, days, k=2)
    # d1 alerts .9 (fraud) .8 (legit); d2 alerts .7 (legit) .6 (fraud): 2 true alerts of 4, 3 frauds in all
    assert (r["alerts"], r["true_alerts"], r["positives"], r["days"]) == (4, 2, 3, 2)
    assert r["precision"] == pytest.approx(0.5) and r["recall"] == pytest.approx(2 / 3)
    r1 = precision_at_k_per_day(y, s, days, k=1)
    assert r1["precision"] == pytest.approx(0.5) and r1["recall"] == pytest.approx(1 / 3)
    # k larger than a day's volume alerts everything that day
    assert precision_at_k_per_day(y, s, days, k=10)["alerts"] == 6
    # ties at the budget edge are broken by input order
    assert precision_at_k_per_day([0, 1, 0], [0.5, 0.5, 0.5], ["d"] * 3, k=1)["true_alerts"] == 0
    with pytest.raises(ValueError):
        precision_at_k_per_day(y, s, days, k=0)
    # the alerted rows themselves: the two best of each day, in input positions
    assert daily_top_k_mask(s, days, 2).tolist() == [True, True, False, True, True, False]
    assert daily_top_k_mask([0.1, 0.9, 0.5], ["d", "e", "d"], 1).tolist() == [False, True, True]


def test_calibration_table_by_hand():
    p = [0.05, 0.15, 0.12, 0.95, 1.0]
    y = [0, 1, 0, 1, 1]
    table = calibration_table(y, p, n_bins=10)
    assert len(table) == 10
    assert (table[0]["count"], table[0]["mean_predicted"], table[0]["observed_rate"]) == (1, 0.05, 0.0)
    assert table[1]["count"] == 2 and table[1]["mean_predicted"] == pytest.approx(0.135)
    assert table[1]["observed_rate"] == pytest.approx(0.5)
    assert table[9]["count"] == 2 and table[9]["mean_predicted"] == pytest.approx(0.975)  # 1.0 in last bin
    assert table[9]["observed_rate"] == 1.0
    assert table[5]["count"] == 0 and math.isnan(table[5]["mean_predicted"])
    # ECE = (1*.05 + 2*|.5-.135| + 2*|1-.975|) / 5
    assert expected_calibration_error(table) == pytest.approx((0.05 + 2 * 0.365 + 2 * 0.025) / 5)


def _auc_pairs(y, s):
    pos, neg = s[y == 1], s[y == 0]
    diff = pos[:, None] - neg[None, :]
    return ((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size


def _ap_by_rank(y, s):
    order = np.argsort(-s)
    hits = y[order]
    precision_at_hit = np.cumsum(hits)[hits == 1] / (np.flatnonzero(hits == 1) + 1)
    return precision_at_hit.mean()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_brute_force_definitions(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 300)
    tied = np.round(rng.random(300) + 0.3 * y, 1)  # many ties
    assert roc_auc(y, tied) == pytest.approx(_auc_pairs(y, tied))
    distinct = rng.random(300) + 0.3 * y  # no ties: AP = mean precision at each positive
    assert average_precision(y, distinct) == pytest.approx(_ap_by_rank(y, distinct))


def test_integer_weights_equal_repeated_rows():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 200)
    s = np.round(rng.random(200) + 0.2 * y, 2)
    w = rng.integers(0, 4, 200)
    rep = np.repeat(np.arange(200), w)
    assert average_precision(y, s, w) == pytest.approx(average_precision(y[rep], s[rep]))
    assert roc_auc(y, s, w) == pytest.approx(roc_auc(y[rep], s[rep]))
    assert brier_score(y, s, w) == pytest.approx(brier_score(y[rep], s[rep]))


def test_undefined_and_invalid_inputs():
    assert math.isnan(roc_auc([0, 0, 0], [0.1, 0.2, 0.3]))
    assert math.isnan(average_precision([0, 0], [0.1, 0.2]))
    assert math.isnan(roc_auc([], []))
    with pytest.raises(ValueError, match="0/1"):
        roc_auc([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="shape"):
        average_precision([0, 1], [0.1])
    with pytest.raises(ValueError, match="finite"):
        average_precision([0, 1], [0.1, float("nan")])
