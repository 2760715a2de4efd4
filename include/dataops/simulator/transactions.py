"""A day of transactions: the vectorised bulk of legitimate use merged with the day's frauds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataops.simulator import geography as geo
from dataops.simulator.amounts import legit_amount_cents
from dataops.simulator.choice import weighted_choice
from dataops.simulator.frauds import SCENARIOS, DayFrauds, day_start_seconds
from dataops.simulator.population import (
    ATM,
    CROSS_BORDER_ECOM_SHARE,
    CURRENCY_OF_COUNTRY,
    K_ATM,
    K_POS,
    MCC_CODES,
    N_COUNTRIES,
    TRAVEL_SHARE,
    Population,
)
from dataops.simulator.rhythm import draw_seconds
from dataops.simulator.rng import day_rng

TRANSACTION_COLUMNS: tuple[str, ...] = (
    "tx_id", "tx_ts", "customer_id", "terminal_id", "amount", "mcc", "channel", "country", "currency",
)
_ECOM_COUNTRY_P = np.zeros(N_COUNTRIES)
for _code, _w in geo.ECOM_TERMINAL_COUNTRY_WEIGHTS.items():
    _ECOM_COUNTRY_P[geo.COUNTRY_CODES.index(_code)] = _w
_ECOM_COUNTRY_P /= _ECOM_COUNTRY_P.sum()


def format_cents(cents: np.ndarray) -> pa.Array:
    """Amounts as strings with exactly two decimals, e.g. ``1250 -> "12.50"``."""
    cents = np.asarray(cents, dtype=np.int64)
    whole = pc.cast(pa.array(cents // 100), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), width=2, padding="0")
    return pc.binary_join_element_wise(whole, frac, ".")


def format_timestamps(seconds: np.ndarray) -> pa.Array:
    """Epoch seconds as ``YYYY-MM-DD HH:MM:SS`` strings (UTC, no zone)."""
    return pc.cast(pa.array(np.asarray(seconds, dtype="datetime64[s]")), pa.string())


def format_tx_ids(day: dt.date, tx_index: np.ndarray) -> pa.Array:
    """Transaction ids ``YYYYMMDD-00000123`` of a day."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(tx_index, dtype=np.int64)), pa.string()), width=8, padding="0")
    return pc.binary_join_element_wise(day.strftime("%Y%m%d"), digits, "-")


@dataclass(frozen=True)
class DayTransactions:
    """The transactions of one day, sorted by time, with their ground truth (never landed).

    :param tx_index: number in ``tx_id``.
    :param ts: seconds since 1970-01-01 UTC.
    :param scenario: index into :data:`dataops.simulator.frauds.SCENARIOS` (0 = legitimate).
    """

    day: dt.date
    tx_index: np.ndarray
    ts: np.ndarray
    customer: np.ndarray
    terminal: np.ndarray
    amount_cents: np.ndarray
    scenario: np.ndarray
    pop: Population = field(repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.ts)

    @property
    def is_fraud(self) -> np.ndarray:
        """Boolean ground truth per row."""
        return self.scenario != 0

    def to_table(self) -> pa.Table:
        """The landed columns as strings, in contract order."""
        pop, term = self.pop, self.terminal
        country = pop.term_country[term]
        columns = [
            format_tx_ids(self.day, self.tx_index),
            format_timestamps(self.ts),
            pc.take(pop.customer_ids, pa.array(self.customer)),
            pc.take(pop.terminal_ids, pa.array(term)),
            format_cents(self.amount_cents),
            pc.take(pa.array(MCC_CODES), pa.array(pop.term_mcc[term])),
            pc.take(pa.array(geo.CHANNELS), pa.array(pop.term_channel[term])),
            pc.take(pa.array(geo.COUNTRY_CODES), pa.array(country)),
            pc.take(pa.array(CURRENCY_OF_COUNTRY), pa.array(country)),
        ]
        return pa.table(columns, names=list(TRANSACTION_COLUMNS))

    def to_pandas(self):
        """Typed DataFrame of the clean rows plus ``is_fraud`` and ``scenario`` (for tests and analysis)."""
        df = self.to_table().to_pandas()
        df["tx_ts"] = self.ts.astype("datetime64[s]")
        df["amount"] = self.amount_cents / 100.0
        df["is_fraud"] = self.is_fraud
        df["scenario"] = np.asarray(SCENARIOS)[self.scenario]
        return df


def _avoid(
    rng: np.random.Generator, pop: Population, customer: np.ndarray, terminal: np.ndarray, banned: np.ndarray
) -> np.ndarray:
    """Move legitimate transactions off compromised terminals (there every transaction is fraud)."""
    if len(banned) == 0:
        return terminal
    for _ in range(K_POS):
        hit = np.flatnonzero(np.isin(terminal, banned))
        if len(hit) == 0:
            return terminal
        channel = pop.term_channel[terminal[hit]]
        pos_alt = pop.cust_pos_cand[customer[hit], rng.integers(0, K_POS, len(hit))]
        atm_alt = pop.cust_atm_cand[customer[hit], rng.integers(0, K_ATM, len(hit))]
        terminal[hit] = np.where(channel == ATM, atm_alt, pos_alt)
    hit = np.flatnonzero(np.isin(terminal, banned))
    if len(hit):
        clean = np.setdiff1d(pop.pos_terminals, banned)
        terminal[hit] = clean[rng.integers(0, len(clean), len(hit))]
    return terminal


def bulk_transactions(
    pop: Population, seed: int, day: dt.date, n: int, compromised: np.ndarray
) -> tuple[np.ndarray, ...]:
    """``n`` legitimate transactions of ``day``: (seconds of day, customer, terminal, amount cents).

    :param pop: population.
    :param seed: simulation seed.
    :param day: calendar day.
    :param n: number of rows.
    :param compromised: terminals to avoid (all their transactions are fraud that day).
    """
    rng = day_rng(seed, day, "bulk")
    customer = weighted_choice(rng, pop.cust_weight, n)  # rng.choice(n_customers, size=n, p=...), faster
    u = rng.random(n)
    p_ecom = pop.cust_p_ecom[customer]
    is_ecom = u < p_ecom
    is_atm = ~is_ecom & (u < p_ecom + pop.cust_p_atm[customer])
    is_pos = ~is_ecom & ~is_atm

    terminal = np.empty(n, dtype=np.int64)
    pos_rows = np.flatnonzero(is_pos)
    travel = rng.random(len(pos_rows)) < TRAVEL_SHARE
    near = pop.cust_pos_cand[customer[pos_rows], rng.integers(0, K_POS, len(pos_rows))]
    far = pop.pos_terminals[rng.integers(0, len(pop.pos_terminals), len(pos_rows))]
    terminal[pos_rows] = np.where(travel, far, near)
    atm_rows = np.flatnonzero(is_atm)
    terminal[atm_rows] = pop.cust_atm_cand[customer[atm_rows], rng.integers(0, K_ATM, len(atm_rows))]
    ecom_rows = np.flatnonzero(is_ecom)
    home = pop.cust_country[customer[ecom_rows]].astype(np.int64)
    foreign = rng.choice(N_COUNTRIES, size=len(ecom_rows), p=_ECOM_COUNTRY_P)
    wanted = np.where(rng.random(len(ecom_rows)) < CROSS_BORDER_ECOM_SHARE, foreign, home)
    picked = pop.ecom_by_country.draw(rng, wanted)
    anywhere = pop.ecom_any.draw(rng, np.zeros(len(ecom_rows), dtype=np.int64))
    terminal[ecom_rows] = np.where(picked >= 0, picked, anywhere)

    terminal = _avoid(rng, pop, customer, terminal, compromised)
    secs = draw_seconds(rng, n, day)
    amount = legit_amount_cents(rng, pop, customer, terminal)
    return secs, customer, terminal, amount


def assemble_day(
    pop: Population, seed: int, day: dt.date, n_bulk: int, frauds: DayFrauds, compromised: np.ndarray
) -> DayTransactions:
    """Merge the bulk with the day's frauds, give the bulk the ids the frauds left free, sort by time.

    :param pop: population.
    :param seed: simulation seed.
    :param day: calendar day.
    :param n_bulk: number of legitimate rows.
    :param frauds: the day's frauds (their ids are already fixed).
    :param compromised: terminals the bulk must avoid.
    """
    secs, customer, terminal, amount = bulk_transactions(pop, seed, day, n_bulk, compromised)
    free = np.ones(frauds.n_total, dtype=bool)
    free[frauds.tx_index] = False
    bulk_index = np.flatnonzero(free)
    ts = np.concatenate([day_start_seconds(day) + secs, frauds.ts])
    tx_index = np.concatenate([bulk_index, frauds.tx_index])
    order = np.lexsort((tx_index, ts))
    return DayTransactions(
        day=day,
        tx_index=tx_index[order],
        ts=ts[order],
        customer=np.concatenate([customer, frauds.customer])[order],
        terminal=np.concatenate([terminal, frauds.terminal])[order],
        amount_cents=np.concatenate([amount, frauds.amount_cents])[order],
        scenario=np.concatenate([np.zeros(n_bulk, dtype=np.int8), frauds.scenario])[order],
        pop=pop,
    )
