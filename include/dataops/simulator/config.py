"""Configuration of a simulation run."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass


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

    def __post_init__(self) -> None:
        if self.tx_per_day < 1:
            raise ValueError(f"tx_per_day must be positive, got {self.tx_per_day}")
        if not 0 < self.label_delay_min_days <= self.label_delay_median_days <= self.label_delay_cap_days:
            raise ValueError("label delays must satisfy 0 < min <= median <= cap")
        if self.fraud_scale < 0:
            raise ValueError("fraud_scale must be >= 0")
        if self.customers > 9_999_999 or self.terminals > 999_999:
            raise ValueError("at most 9,999,999 customers and 999,999 terminals fit the id formats")

    @property
    def customers(self) -> int:
        """Effective number of customers."""
        return self.n_customers or max(500, round(self.tx_per_day / 1.5))

    @property
    def terminals(self) -> int:
        """Effective number of terminals."""
        return self.n_terminals or max(300, round(self.tx_per_day / 10))

    @property
    def label_lookback_days(self) -> int:
        """How many days before a landing day can have frauds reported on it."""
        return math.ceil(self.label_delay_cap_days) + 1
