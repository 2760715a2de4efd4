"""Configuration of a simulation run."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

#: Day 0 of the growth curve when the world has no epoch.
TREND_ORIGIN = dt.date(2026, 1, 1)
#: Day of the year the yearly season peaks (mid-December shopping).
SEASON_PEAK_DAY = 349
#: the id formats (``C`` + 7 digits, ``T`` + 6 digits) the dataset's contract checks hold this many
MAX_CUSTOMERS, MAX_TERMINALS = 9_999_999, 999_999


@dataclass(frozen=True)
class SimConfig:
    """Parameters of the synthetic card-transaction world.

    The population (customers, terminals) depends on ``seed``, ``n_customers`` and ``n_terminals``;
    a day's data depends on those plus the day and the active faults. Keep them fixed across runs to
    keep landed batches and their late chargebacks consistent.

    :param seed: simulation seed.
    :param tx_per_day: weekly average of legitimate transactions per day.
    :param n_customers: number of cards; default ``tx_per_day / 1.5`` (at least 500).
    :param n_terminals: number of terminals; default ``tx_per_day / 10`` (at least 300).
    :param fraud_scale: multiplier on the rate of every fraud scenario (1.0 gives about 0.4 %).
    :param label_delay_median_days: median of the lognormal chargeback delay.
    :param label_delay_sigma: sigma of the lognormal chargeback delay (log scale).
    :param label_delay_min_days: smallest delay between a fraud and its chargeback.
    :param label_delay_cap_days: largest delay; later reports are reported on the cap.
    :param epoch: first day of the world; no fraud (hence no chargeback) exists before it. ``None``
        means the world has always existed, so early chargebacks can refer to never-landed days.
    :param volume_growth: yearly growth of the business (0.4: 40 % more transactions a year later),
        compounded daily from ``epoch`` (or 2026-01-01).
    :param volume_season: amplitude of the yearly season (0.15: +15 % around mid-December, -15 % mid-June).
    :param volume_noise: relative standard deviation of the day-to-day volume (weather, paydays...).
    """

    seed: int = 7
    tx_per_day: int = 5000
    n_customers: int | None = None
    n_terminals: int | None = None
    fraud_scale: float = 1.0
    label_delay_median_days: float = 10.0
    label_delay_sigma: float = 0.7
    label_delay_min_days: float = 1.0
    label_delay_cap_days: float = 40.0
    epoch: dt.date | None = None
    volume_growth: float = 0.0
    volume_season: float = 0.0
    volume_noise: float = 0.0

    def __post_init__(self) -> None:
        if self.tx_per_day < 1:
            raise ValueError(f"tx_per_day must be positive, got {self.tx_per_day}")
        if not 0 < self.label_delay_min_days <= self.label_delay_median_days <= self.label_delay_cap_days:
            raise ValueError("label delays must satisfy 0 < min <= median <= cap")
        if self.fraud_scale < 0:
            raise ValueError("fraud_scale must be >= 0")
        if self.volume_growth <= -1 or not 0 <= self.volume_season < 1 or self.volume_noise < 0:
            raise ValueError("volume_growth must be > -1, volume_season in [0, 1) and volume_noise >= 0")
        if self.customers > MAX_CUSTOMERS or self.terminals > MAX_TERMINALS:
            raise ValueError(f"at most {MAX_CUSTOMERS:,} customers and {MAX_TERMINALS:,} terminals fit the id "
                             "formats (C + 7 digits, T + 6 digits: the dataset's contract)")

    def volume_factor(self, day: dt.date) -> float:
        """Multiplier of the day's volume from growth, yearly season and day-to-day noise (1.0 by default).

        :param day: calendar day.
        """
        if not (self.volume_growth or self.volume_season or self.volume_noise):
            return 1.0
        years = (day - (self.epoch or TREND_ORIGIN)).days / 365.25
        season = 1.0 + self.volume_season * math.cos(2 * math.pi * (day.timetuple().tm_yday - SEASON_PEAK_DAY) / 365.25)
        noise = 1.0
        if self.volume_noise:
            rng = np.random.default_rng([self.seed, day.toordinal(), 0x5EA5])
            noise = math.exp(self.volume_noise * rng.standard_normal() - self.volume_noise**2 / 2)
        return (1.0 + self.volume_growth) ** years * season * noise

    @property
    def customers(self) -> int:
        """Effective number of customers (by default one per 1.5 transactions of a day, as many as the id
        format holds on the largest days)."""
        return self.n_customers or min(MAX_CUSTOMERS, max(500, round(self.tx_per_day / 1.5)))

    @property
    def terminals(self) -> int:
        """Effective number of terminals (by default one per 10 transactions of a day, as many as the id
        format holds from 10 million a day on)."""
        return self.n_terminals or min(MAX_TERMINALS, max(300, round(self.tx_per_day / 10)))

    @property
    def label_lookback_days(self) -> int:
        """How many days before a landing day can have frauds reported on it."""
        return math.ceil(self.label_delay_cap_days) + 1
