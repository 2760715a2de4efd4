"""Hour-of-day and day-of-week rhythm."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

MONDAY = dt.date(2026, 3, 9)


@pytest.fixture(scope="module")
def week(small_sim) -> dict[dt.date, np.ndarray]:
    """Hour histogram (24 counts) of each day of one week."""
    days = [MONDAY + dt.timedelta(days=k) for k in range(7)]
    return {d: np.bincount((small_sim.transactions(d).ts % 86_400) // 3600, minlength=24) for d in days}


def test_more_daytime_than_night(week):
    for day, hours in week.items():
        night_per_hour = hours[1:5].mean()
        day_per_hour = hours[10:20].mean()
        assert day_per_hour > 5 * night_per_hour, day


def test_weekday_peaks_at_lunch_and_evening(week):
    hours = sum(week[MONDAY + dt.timedelta(days=k)] for k in range(5))
    assert hours[12] > 1.3 * hours[10]
    assert hours[18] > 1.3 * hours[15]
    assert hours[3] < 0.05 * hours[12]


def test_weekend_differs_from_weekdays(week):
    weekday = sum(week[MONDAY + dt.timedelta(days=k)] for k in range(5)).astype(float)
    weekend = sum(week[MONDAY + dt.timedelta(days=k)] for k in (5, 6)).astype(float)
    weekday /= weekday.sum()
    weekend /= weekend.sum()
    assert weekday[7:9].sum() > 1.5 * weekend[7:9].sum(), "weekday mornings are busier"
    assert weekend[0:3].sum() > 1.5 * weekday[0:3].sum(), "weekend nights are later"
    totals = {d.weekday(): h.sum() for d, h in week.items()}
    assert totals[6] < 0.9 * totals[4], "Sunday is quieter than Friday"
