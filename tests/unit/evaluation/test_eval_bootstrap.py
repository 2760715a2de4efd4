"""Paired bootstrap of a metric difference."""

from __future__ import annotations

import numpy as np
import pytest

from dataops.evaluation.bootstrap import paired_bootstrap
from dataops.metrics.binary import average_precision, brier_score


def test_seeded_and_reproducible(scored_holdout):
    h = scored_holdout
    a = paired_bootstrap(h["label"], h["better"], h["champ"], n_boot=200, seed=3)
    b = paired_bootstrap(h["label"], h["better"], h["champ"], n_boot=200, seed=3)
    c = paired_bootstrap(h["label"], h["better"], h["champ"], n_boot=200, seed=4)
    assert a == b
    assert (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)
    assert a.delta == pytest.approx(average_precision(h["label"], h["better"])
                                    - average_precision(h["label"], h["champ"]))


def test_identical_models_have_a_zero_interval(scored_holdout):
    h = scored_holdout
    r = paired_bootstrap(h["label"], h["champ"], h["champ"], n_boot=100, seed=0)
    assert (r.delta, r.ci_low, r.ci_high, r.p_improvement) == (0.0, 0.0, 0.0, 0.0)


def test_clearly_better_and_clearly_worse(scored_holdout):
    h = scored_holdout
    up = paired_bootstrap(h["label"], h["better"], h["champ"], n_boot=300, seed=1)
    down = paired_bootstrap(h["label"], h["noise"], h["champ"], n_boot=300, seed=1)
    assert 0 < up.ci_low < up.delta < up.ci_high and up.p_improvement == 1.0
    assert down.ci_low < down.delta < down.ci_high < 0
    assert up.n_valid == 300 and up.unit == "transaction"


def test_pairing_narrows_the_interval(scored_holdout):
    """Scoring both models on the same resample cancels shared noise: a model barely different from the
    champion gets a much narrower interval than independent bootstraps would give."""
    h = scored_holdout
    y = h["label"].to_numpy()
    nudged = h["champ"].to_numpy() + 0.01 * y
    paired = paired_bootstrap(y, nudged, h["champ"], n_boot=300, seed=2)
    rng = np.random.default_rng(2)
    indep = []
    for _ in range(300):
        i, j = rng.integers(0, len(y), len(y)), rng.integers(0, len(y), len(y))
        indep.append(average_precision(y[i], nudged[i]) - average_precision(y[j], h["champ"].to_numpy()[j]))
    lo, hi = np.quantile(indep, [0.025, 0.975])
    assert (paired.ci_high - paired.ci_low) < 0.25 * (hi - lo)


def test_lower_is_better_metric_and_day_resampling(scored_holdout):
    h = scored_holdout
    r = paired_bootstrap(h["label"], h["better"], h["champ"], metric="brier", n_boot=200, seed=0,
                         groups=h["batch_date"])
    expected = brier_score(h["label"], h["champ"]) - brier_score(h["label"], h["better"])
    assert r.delta == pytest.approx(expected) and r.unit == "day"
    assert r.ci_low <= r.delta <= r.ci_high
    with pytest.raises(ValueError, match="bootstrap metric"):
        paired_bootstrap(h["label"], h["better"], h["champ"], metric="precision_at_k")
