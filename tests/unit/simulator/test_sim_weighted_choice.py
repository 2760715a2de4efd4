"""The customer draw of a day: the same as ``Generator.choice`` with weights, draw for draw."""

from __future__ import annotations

import numpy as np
import pytest

from dataops.simulator.choice import weighted_choice


@pytest.mark.parametrize(("population", "draws"), [(1, 10), (7, 1000), (50_000, 200_000)])
def test_weighted_choice_draws_what_generator_choice_draws_and_leaves_the_generator_in_the_same_state(population,
                                                                                                      draws):
    weights = np.random.default_rng(3).random(population) ** 3  # skewed, as customers' activity is
    weights /= weights.sum()
    ours, numpy_s = np.random.default_rng(9), np.random.default_rng(9)
    assert np.array_equal(weighted_choice(ours, weights, draws), numpy_s.choice(population, size=draws, p=weights))
    assert ours.random() == numpy_s.random()


def test_a_zero_weight_is_never_drawn():
    weights = np.array([0.5, 0.0, 0.5])
    assert 1 not in set(weighted_choice(np.random.default_rng(1), weights, 10_000))
