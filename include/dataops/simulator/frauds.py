"""Fraud scenarios, generated per day independently of the bulk of legitimate transactions.

Scenarios (share of the day's volume at ``fraud_scale=1``):

* ``compromised_terminal`` (~0.15 %): a skimmed pos/atm terminal; for 7-28 days every transaction on it is
  fraud. Victims live nearby, amounts and times look ordinary: only the terminal's history
  (``term_fraud_count_30d``, ``term_risk_30d``) gives it away once earlier chargebacks have arrived.
* ``compromised_card`` (~0.2 %): stolen card details used for 1-10 days beside the owner's own use, mostly
  online and abroad, often at night, at 2-3x the customer's usual amount.
* ``account_takeover`` (~0.08 %): 1-3 online payments within an hour, mostly at night, at 5-15x the
  customer's mean amount, often electronics or money transfer merchants.
* ``card_testing_burst`` (only after a ``concept_drift`` date): bursts of 3-8 small domestic daytime pos
  payments at a previously safe merchant category, while the older scenarios become rarer.

Everything for day ``d`` derives from ``(seed, d)`` streams, so the chargeback feed of any later day can
regenerate the frauds of ``d`` cheaply, and a day's transaction ids of frauds are fixed before the bulk
is drawn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dataops.simulator import geography as geo
from dataops.simulator.amounts import legit_amount_cents, to_local_cents
from dataops.simulator.config import SimConfig
from dataops.simulator.population import (
    ATM,
    COUNTRY_INDEX,
    ECOM,
    MCC_INDEX,
    N_COUNTRIES,
    POS,
    Population,
)
from dataops.simulator.rhythm import day_volume, draw_flat_seconds, draw_seconds
from dataops.simulator.rng import day_rng

SCENARIOS: tuple[str, ...] = (
    "legit",
    "compromised_terminal",
    "compromised_card",
    "account_takeover",
    "card_testing_burst",
)
LEGIT, TERMINAL, CARD, ATO, BURST = range(len(SCENARIOS))

TERMINAL_SHARE = 0.0015
CARD_SHARE = 0.0020
ATO_SHARE = 0.0008
TERMINAL_DAYS = (7, 28)
CARD_DAYS = (1, 10)
CARD_TX_PER_DAY = 0.9
ATO_TX = (1, 3)
BURST_TX = (3, 8)
EPOCH = dt.date(1970, 1, 1)
#: Days of memoised frauds and events kept (a forward run only revisits the last ~45 days).
MEMO_DAYS = 128


@dataclass(frozen=True)
class DriftParams:
    """A concept drift active from ``start`` on.

    :param start: first day of the new fraud pattern.
    :param mcc: previously safe merchant category the new scenario hits.
    :param share: share of the day's volume the new scenario adds.
    :param old_scale: multiplier on the older scenarios from ``start`` on.
    """

    start: dt.date
    mcc: str = "5814"
    share: float = 0.003
    old_scale: float = 0.5


@dataclass(frozen=True)
class DayFrauds:
    """The frauds of one day and when they will be reported.

    :param tx_index: number in the day's ``tx_id`` (``YYYYMMDD-<tx_index>``).
    :param ts: transaction time, seconds since 1970-01-01 (UTC).
    :param reported_ts: chargeback time, seconds since 1970-01-01 (UTC).
    :param n_total: total rows of the day (bulk + frauds), the range the ids are drawn from.
    """

    day: dt.date
    tx_index: np.ndarray
    ts: np.ndarray
    customer: np.ndarray
    terminal: np.ndarray
    amount_cents: np.ndarray
    scenario: np.ndarray
    reported_ts: np.ndarray
    n_total: int

    def __len__(self) -> int:
        return len(self.ts)


def day_start_seconds(day: dt.date) -> int:
    """Seconds since 1970-01-01 at midnight UTC of ``day``."""
    return (day - EPOCH).days * 86_400


def _remember(cache: dict, key: dt.date, value):
    """Store ``value`` and forget the oldest entries beyond :data:`MEMO_DAYS`."""
    cache[key] = value
    while len(cache) > MEMO_DAYS:
        del cache[next(iter(cache))]
    return value


def _span(rng: np.random.Generator, bounds: tuple[int, int], n: int) -> np.ndarray:
    return rng.integers(bounds[0], bounds[1] + 1, size=n)


class FraudModel:
    """Generates (and memoises) the fraud of each day for one population and configuration.

    :param pop: population.
    :param config: simulation configuration.
    :param drift_of: the concept drift active on a day, if any.
    :param volume_drop_of: share of the day's transactions lost to an upstream outage (0 normally).
    """

    def __init__(
        self,
        pop: Population,
        config: SimConfig,
        drift_of: Callable[[dt.date], DriftParams | None] = lambda _d: None,
        volume_drop_of: Callable[[dt.date], float] = lambda _d: 0.0,
    ) -> None:
        self.pop = pop
        self.config = config
        self.drift_of = drift_of
        self.volume_drop_of = volume_drop_of
        self._terminal_events: dict[dt.date, tuple[np.ndarray, np.ndarray]] = {}
        self._card_events: dict[dt.date, tuple[np.ndarray, np.ndarray]] = {}
        self._frauds: dict[dt.date, DayFrauds] = {}
        physical = np.flatnonzero(pop.term_channel != ECOM)
        busy = physical[pop.term_load[physical] * config.tx_per_day >= 1.0]
        self._eligible_terminals = busy if len(busy) else physical
        self._mean_eligible_load = float(pop.term_load[self._eligible_terminals].mean()) or 1.0

    # -- helpers -------------------------------------------------------------------------------------
    def _exists(self, day: dt.date) -> bool:
        return self.config.epoch is None or day >= self.config.epoch

    def _volume(self, day: dt.date) -> float:
        """Average daily volume of the business on ``day`` (frauds grow with it: a constant fraud rate)."""
        return self.config.tx_per_day * self.config.volume_factor(day)

    def _old_scale(self, day: dt.date) -> float:
        drift = self.drift_of(day)
        return self.config.fraud_scale * (drift.old_scale if drift else 1.0)

    def n_bulk(self, day: dt.date) -> int:
        """Legitimate rows of ``day`` after any volume drop."""
        volume = day_volume(self.config.tx_per_day, day) * self.config.volume_factor(day)
        return int(round(volume * (1.0 - self.volume_drop_of(day))))

    # -- events spanning several days ----------------------------------------------------------------
    def terminal_events(self, day: dt.date) -> tuple[np.ndarray, np.ndarray]:
        """Terminals compromised on ``day`` and for how many days."""
        if day not in self._terminal_events:
            rng = day_rng(self.config.seed, day, "terminal_events")
            mean_days = sum(TERMINAL_DAYS) / 2
            lam = TERMINAL_SHARE * self._old_scale(day) / (mean_days * self._mean_eligible_load)
            n = rng.poisson(lam) if self._exists(day) else 0
            terms = rng.choice(self._eligible_terminals, size=n)
            return _remember(self._terminal_events, day, (terms, _span(rng, TERMINAL_DAYS, n)))
        return self._terminal_events[day]

    def compromised_terminals(self, day: dt.date) -> np.ndarray:
        """Sorted terminals on which every transaction of ``day`` is fraud."""
        active = []
        for back in range(TERMINAL_DAYS[1]):
            terms, days = self.terminal_events(day - dt.timedelta(days=back))
            active.append(terms[days > back])
        return np.unique(np.concatenate(active)).astype(np.int64)

    def card_events(self, day: dt.date) -> tuple[np.ndarray, np.ndarray]:
        """Cards whose details are stolen on ``day`` and for how many days they are abused."""
        if day not in self._card_events:
            rng = day_rng(self.config.seed, day, "card_events")
            per_event = CARD_TX_PER_DAY * sum(CARD_DAYS) / 2
            lam = CARD_SHARE * self._volume(day) * self._old_scale(day) / per_event
            n = rng.poisson(lam) if self._exists(day) else 0
            custs = rng.integers(0, self.pop.n_customers, size=n)
            return _remember(self._card_events, day, (custs, _span(rng, CARD_DAYS, n)))
        return self._card_events[day]

    # -- scenarios of one day ------------------------------------------------------------------------
    def _terminal_tx(self, day: dt.date) -> tuple[np.ndarray, ...]:
        rng = day_rng(self.config.seed, day, "terminal_tx")
        terms = self.compromised_terminals(day)
        volume = day_volume(self.config.tx_per_day, day) * self.config.volume_factor(day)
        counts = rng.poisson(self.pop.term_load[terms] * volume)
        terminal = np.repeat(terms, counts)
        customer = self.pop.regular_of(rng, terminal)
        secs = draw_seconds(rng, len(terminal), day)
        return secs, customer, terminal, legit_amount_cents(rng, self.pop, customer, terminal)

    def _card_tx(self, day: dt.date) -> tuple[np.ndarray, ...]:
        rng = day_rng(self.config.seed, day, "card_tx")
        active = []
        for back in range(CARD_DAYS[1]):
            custs, days = self.card_events(day - dt.timedelta(days=back))
            active.append(custs[days > back])
        custs = np.concatenate(active).astype(np.int64)
        customer = np.repeat(custs, rng.poisson(CARD_TX_PER_DAY, size=len(custs)))
        n = len(customer)
        channel = rng.choice([ECOM, POS, ATM], size=n, p=[0.65, 0.25, 0.10])
        home = self.pop.cust_country[customer].astype(np.int64)
        fraud_idx = np.array([COUNTRY_INDEX[c] for c in geo.FRAUD_COUNTRY_WEIGHTS])
        fraud_w = np.array(list(geo.FRAUD_COUNTRY_WEIGHTS.values()))
        abroad = rng.choice(fraud_idx, size=n, p=fraud_w / fraud_w.sum())
        country = np.where(rng.random(n) < 0.75, abroad, home)
        mcc = np.array([MCC_INDEX[m] for m in geo.FRAUD_ECOM_MCCS])[rng.integers(0, len(geo.FRAUD_ECOM_MCCS), n)]
        prefer = (channel == ECOM) & (rng.random(n) < 0.5)
        terminal = self.pop.pick_terminal(rng, channel, country, np.where(prefer, mcc, -1) if n else None)
        secs = draw_flat_seconds(rng, n, night_share=0.2)
        eur = self.pop.cust_mean_eur[customer] * rng.lognormal(np.log(2.5), 0.5, size=n)
        return secs, customer, terminal, to_local_cents(self.pop, terminal, eur)

    def _ato_tx(self, day: dt.date) -> tuple[np.ndarray, ...]:
        rng = day_rng(self.config.seed, day, "account_takeover")
        lam = ATO_SHARE * self._volume(day) * self._old_scale(day) / (sum(ATO_TX) / 2)
        n_events = rng.poisson(lam) if self._exists(day) else 0
        victims = rng.integers(0, self.pop.n_customers, size=n_events)
        sizes = _span(rng, ATO_TX, n_events)
        start = draw_flat_seconds(rng, n_events, night_share=0.75)
        customer = np.repeat(victims, sizes)
        n = len(customer)
        first = np.repeat(np.cumsum(sizes) - sizes, sizes)
        rank = np.arange(n) - first
        secs = np.minimum(np.repeat(start, sizes) + rank * rng.integers(300, 1800, size=n), 86_399)
        home = self.pop.cust_country[customer].astype(np.int64)
        country = np.where(rng.random(n) < 0.6, home, rng.integers(0, N_COUNTRIES, size=n))
        mcc = np.array([MCC_INDEX["5732"], MCC_INDEX["4829"]])[rng.integers(0, 2, size=n)]
        terminal = self.pop.pick_terminal(rng, np.full(n, ECOM), country, mcc if n else None)
        eur = self.pop.cust_mean_eur[customer] * rng.uniform(5.0, 15.0, size=n)
        return secs, customer, terminal, to_local_cents(self.pop, terminal, eur)

    def _burst_tx(self, day: dt.date, drift: DriftParams) -> tuple[np.ndarray, ...]:
        rng = day_rng(self.config.seed, day, "card_testing_burst")
        lam = drift.share * self._volume(day) * self.config.fraud_scale / (sum(BURST_TX) / 2)
        n_events = rng.poisson(lam) if self._exists(day) else 0
        victims = rng.integers(0, self.pop.n_customers, size=n_events)
        sizes = _span(rng, BURST_TX, n_events)
        start = rng.integers(9 * 3600, 18 * 3600, size=n_events)
        customer = np.repeat(victims, sizes)
        n = len(customer)
        first = np.repeat(np.cumsum(sizes) - sizes, sizes)
        rank = np.arange(n) - first
        secs = np.minimum(np.repeat(start, sizes) + rank * rng.integers(120, 900, size=n), 86_399)
        home = self.pop.cust_country[customer].astype(np.int64)
        mcc_code = MCC_INDEX.get(drift.mcc, MCC_INDEX["5814"])
        terminal = self.pop.pick_terminal(rng, np.full(n, POS), home, np.full(n, mcc_code) if n else None)
        eur = rng.uniform(2.0, 25.0, size=n)
        return secs, customer, terminal, to_local_cents(self.pop, terminal, eur)

    # -- the day -------------------------------------------------------------------------------------
    def frauds(self, day: dt.date) -> DayFrauds:
        """All frauds of ``day`` with their transaction ids and report times (memoised)."""
        if day in self._frauds:
            return self._frauds[day]
        parts = [(TERMINAL, self._terminal_tx(day)), (CARD, self._card_tx(day)), (ATO, self._ato_tx(day))]
        drift = self.drift_of(day)
        if drift is not None:
            parts.append((BURST, self._burst_tx(day, drift)))
        secs = np.concatenate([p[0] for _, p in parts]).astype(np.int64)
        customer = np.concatenate([p[1] for _, p in parts]).astype(np.int64)
        terminal = np.concatenate([p[2] for _, p in parts]).astype(np.int64)
        amount = np.concatenate([p[3] for _, p in parts]).astype(np.int64)
        scenario = np.concatenate([np.full(len(p[0]), code, dtype=np.int8) for code, p in parts])
        if not self._exists(day):
            secs = secs[:0]
            customer, terminal, amount, scenario = customer[:0], terminal[:0], amount[:0], scenario[:0]

        drop = self.volume_drop_of(day)
        if drop > 0:
            keep = day_rng(self.config.seed, day, "volume_drop_fraud").random(len(secs)) >= drop
            secs, customer, terminal, amount, scenario = (
                a[keep] for a in (secs, customer, terminal, amount, scenario)
            )

        ts = day_start_seconds(day) + secs
        delay_rng = day_rng(self.config.seed, day, "label_delay")
        cfg = self.config
        delay_days = np.clip(
            delay_rng.lognormal(np.log(cfg.label_delay_median_days), cfg.label_delay_sigma, size=len(ts)),
            cfg.label_delay_min_days,
            cfg.label_delay_cap_days,
        )
        reported = ts + np.round(delay_days * 86_400).astype(np.int64)

        n_total = self.n_bulk(day) + len(ts)
        id_rng = day_rng(self.config.seed, day, "tx_ids")
        tx_index = np.sort(id_rng.choice(n_total, size=len(ts), replace=False)).astype(np.int64)
        # Ids are sorted, rows are shuffled to them so neither order nor position reveals the scenario.
        perm = id_rng.permutation(len(ts))
        result = DayFrauds(
            day=day,
            tx_index=tx_index,
            ts=ts[perm],
            customer=customer[perm],
            terminal=terminal[perm],
            amount_cents=amount[perm],
            scenario=scenario[perm],
            reported_ts=reported[perm],
            n_total=n_total,
        )
        return _remember(self._frauds, day, result)
