"""The simulator facade: one configuration, one fault schedule, any day on demand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cached_property

import numpy as np
import pyarrow as pa

from dataops.simulator.chargebacks import chargebacks_for_day
from dataops.simulator.config import SimConfig
from dataops.simulator.faults import FaultSchedule, FaultSpec
from dataops.simulator.frauds import DayFrauds, FraudModel
from dataops.simulator.population import Population, build_population
from dataops.simulator.transactions import DayTransactions, assemble_day


class Simulator:
    """Synthetic card transactions and their late chargebacks, deterministic per ``(seed, day)``.

    :param config: simulation configuration.
    :param faults: fault schedule (or an iterable of faults).

    Example::

        sim = Simulator(SimConfig(seed=7, tx_per_day=5000))
        day = sim.transactions(dt.date(2026, 3, 14))   # DayTransactions, with ground truth
        cb = sim.chargebacks(dt.date(2026, 3, 14))     # pyarrow Table of the frauds reported that day
    """

    def __init__(self, config: SimConfig, faults: FaultSchedule | Iterable[FaultSpec] = ()) -> None:
        self.config = config
        self.schedule = faults if isinstance(faults, FaultSchedule) else FaultSchedule(tuple(faults))

    @cached_property
    def population(self) -> Population:
        """Customers and terminals (built on first use)."""
        return build_population(self.config)

    @cached_property
    def fraud_model(self) -> FraudModel:
        """Fraud scenarios of this run (memoises the frauds of each day)."""
        return FraudModel(
            self.population,
            self.config,
            drift_of=self.schedule.drift_of,
            volume_drop_of=self.schedule.volume_drop_of,
        )

    def _check(self, day: dt.date) -> None:
        if self.config.epoch is not None and day < self.config.epoch:
            raise ValueError(f"{day} is before the simulation epoch {self.config.epoch}")

    def frauds(self, day: dt.date) -> DayFrauds:
        """The frauds of ``day`` (cheap: the bulk is not generated)."""
        return self.fraud_model.frauds(day)

    def compromised_terminals(self, day: dt.date) -> np.ndarray:
        """Terminals on which every transaction of ``day`` is fraud."""
        return self.fraud_model.compromised_terminals(day)

    def transactions(self, day: dt.date) -> DayTransactions:
        """All transactions of ``day`` before file-level faults (volume drop and drift included)."""
        self._check(day)
        model = self.fraud_model
        return assemble_day(
            self.population,
            self.config.seed,
            day,
            model.n_bulk(day),
            model.frauds(day),
            model.compromised_terminals(day),
        )

    def chargebacks(self, day: dt.date) -> pa.Table:
        """The chargeback feed landed on ``day``."""
        self._check(day)
        return chargebacks_for_day(self.fraud_model, day)
