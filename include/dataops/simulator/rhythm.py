"""Day-of-week and hour-of-day rhythm of legitimate card use.

Weekdays peak at lunch and in the early evening with a quiet night; weekends start later, shop through
the afternoon and stay up later. Sunday is the quietest day, Friday the busiest.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

#: Relative volume per weekday (Monday=0); the mean is 1 so ``tx_per_day`` is the weekly average.
DAY_OF_WEEK_FACTOR: tuple[float, ...] = (0.97, 0.98, 1.00, 1.03, 1.12, 1.05, 0.85)

_WEEKDAY_HOURS = (
    0.15, 0.08, 0.05, 0.04, 0.05, 0.12, 0.35, 0.80, 1.10, 1.00, 1.05, 1.40,
    1.90, 1.60, 1.10, 1.05, 1.20, 1.50, 1.80, 1.70, 1.30, 0.95, 0.60, 0.30,
)
_WEEKEND_HOURS = (
    0.35, 0.25, 0.15, 0.08, 0.06, 0.07, 0.12, 0.25, 0.55, 0.90, 1.25, 1.50,
    1.60, 1.55, 1.50, 1.40, 1.35, 1.35, 1.50, 1.60, 1.40, 1.10, 0.80, 0.55,
)
#: Account-takeover fraud happens mostly while the victim sleeps.
NIGHT_HOURS: tuple[int, ...] = (0, 1, 2, 3, 4, 5)


def is_weekend(day: dt.date) -> bool:
    """Whether ``day`` is a Saturday or Sunday."""
    return day.weekday() >= 5


def day_volume(tx_per_day: int, day: dt.date) -> int:
    """Number of legitimate transactions on ``day`` before faults.

    :param tx_per_day: weekly average of transactions per day.
    :param day: calendar day.
    """
    return int(round(tx_per_day * DAY_OF_WEEK_FACTOR[day.weekday()]))


def hour_weights(day: dt.date) -> np.ndarray:
    """Probability of each hour 0..23 for a legitimate transaction on ``day`` (sums to 1)."""
    w = np.asarray(_WEEKEND_HOURS if is_weekend(day) else _WEEKDAY_HOURS, dtype=float)
    return w / w.sum()


def draw_seconds(rng: np.random.Generator, n: int, day: dt.date) -> np.ndarray:
    """Seconds since midnight for ``n`` transactions following the rhythm of ``day``.

    :param rng: random generator of the day.
    :param n: number of draws.
    :param day: calendar day (weekday or weekend profile).
    """
    hours = rng.choice(24, size=n, p=hour_weights(day))
    return hours.astype(np.int64) * 3600 + rng.integers(0, 3600, size=n)


def draw_flat_seconds(rng: np.random.Generator, n: int, night_share: float) -> np.ndarray:
    """Seconds since midnight with ``night_share`` of the draws in the night hours, the rest uniform.

    :param rng: random generator.
    :param n: number of draws.
    :param night_share: probability of a draw falling in 00:00-05:59.
    """
    night = rng.random(n) < night_share
    hours = np.where(night, rng.integers(0, len(NIGHT_HOURS), size=n), rng.integers(0, 24, size=n))
    return hours.astype(np.int64) * 3600 + rng.integers(0, 3600, size=n)
