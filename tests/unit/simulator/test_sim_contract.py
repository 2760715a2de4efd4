"""Generated rows follow the landing contract of ``transactions.yaml``."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from dataops.datasets import load_dataset
from dataops.simulator import CHARGEBACK_COLUMNS, TRANSACTION_COLUMNS
from dataops.simulator.geography import COUNTRIES

DAY = dt.date(2026, 3, 11)


@pytest.fixture(scope="module")
def frame(small_sim):
    return small_sim.transactions(DAY).to_table().to_pandas()


def test_header_matches_contract():
    cfg = load_dataset("transactions")
    assert list(TRANSACTION_COLUMNS) == cfg.sources["transactions"].column_names
    assert list(CHARGEBACK_COLUMNS) == cfg.sources["chargebacks"].column_names


def test_values_match_contract_patterns(frame):
    spec = load_dataset("transactions").sources["transactions"]
    for column in spec.columns:
        values = frame[column.name]
        assert values.notna().all(), column.name
        if column.pattern:
            bad = [v for v in values if not re.fullmatch(column.pattern, v)]
            assert not bad, (column.name, bad[:3])
        if column.allowed:
            assert set(values) <= set(column.allowed), column.name
    assert all(re.fullmatch(r"\d+\.\d{2}", v) for v in frame["amount"])
    assert (frame["amount"].astype(float) >= 0.01).all()
    assert all(re.fullmatch(r"2026-03-11 \d{2}:\d{2}:\d{2}", v) for v in frame["tx_ts"])
    assert frame["tx_id"].str.startswith("20260311-").all()
    assert frame["tx_id"].is_unique


def test_currency_matches_country_and_atm_mcc(frame):
    expected = frame["country"].map(lambda c: COUNTRIES[c][0])
    assert (frame["currency"] == expected).all()
    assert {"EUR", "GBP", "USD"} <= set(frame["currency"])
    assert (frame.loc[frame["channel"] == "atm", "mcc"] == "6011").all()
    assert set(frame["channel"]) == {"pos", "ecom", "atm"}


def test_most_customers_domestic(small_sim):
    pop = small_sim.population
    from dataops.simulator.population import COUNTRY_INDEX

    nl_share = np.mean(pop.cust_country == COUNTRY_INDEX["NL"])
    assert 0.75 < nl_share < 0.9
    assert len(np.unique(pop.cust_country)) >= 5


def test_a_day_of_ten_million_rows_or_more_gets_as_many_customers_and_terminals_as_the_id_formats_hold():
    from dataops.simulator import SimConfig
    from dataops.simulator.config import MAX_CUSTOMERS, MAX_TERMINALS

    ten_million = SimConfig(tx_per_day=10_000_000)
    assert (ten_million.customers, ten_million.terminals) == (6_666_667, MAX_TERMINALS)
    huge = SimConfig(tx_per_day=30_000_000)
    assert (huge.customers, huge.terminals) == (MAX_CUSTOMERS, MAX_TERMINALS)
    pattern = {c.name: c.pattern for c in load_dataset("transactions").sources["transactions"].columns}
    assert re.fullmatch(pattern["customer_id"], f"C{MAX_CUSTOMERS:07d}")
    assert re.fullmatch(pattern["terminal_id"], f"T{MAX_TERMINALS:06d}")
    with pytest.raises(ValueError, match="fit the id formats"):
        SimConfig(tx_per_day=10_000_000, n_terminals=MAX_TERMINALS + 1)
