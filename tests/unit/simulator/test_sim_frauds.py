"""Fraud rate, scenarios, and the signal the model can learn from."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dataops.simulator import SCENARIOS, SimConfig, Simulator, make_fault
from dataops.simulator.population import ECOM, MCC_INDEX, POS

START = dt.date(2026, 2, 2)


def _frame(sim: Simulator, start: dt.date, days: int) -> pd.DataFrame:
    pop = sim.population
    frames = []
    for k in range(days):
        tx = sim.transactions(start + dt.timedelta(days=k))
        frames.append(pd.DataFrame({
            "day": k, "ts": tx.ts, "customer": tx.customer, "terminal": tx.terminal,
            "amount": tx.amount_cents / 100.0, "scenario": np.asarray(SCENARIOS)[tx.scenario],
        }))
    df = pd.concat(frames, ignore_index=True)
    df["hour"] = (df["ts"] % 86_400) // 3600
    df["night"] = df["hour"] < 6
    df["foreign"] = pop.term_country[df["terminal"]] != pop.cust_country[df["customer"]]
    df["channel"] = pop.term_channel[df["terminal"]]
    df["mcc"] = pop.term_mcc[df["terminal"]]
    legit_mean = df[df["scenario"] == "legit"].groupby("customer")["amount"].mean()
    df["ratio"] = df["amount"] / df["customer"].map(legit_mean)
    return df


@pytest.fixture(scope="module")
def month(busy_sim) -> pd.DataFrame:
    return _frame(busy_sim, START, 28)


def test_fraud_rate_in_range(month):
    rate = (month["scenario"] != "legit").mean()
    assert 0.001 <= rate <= 0.01
    daily = month.groupby("day")["scenario"].apply(lambda s: (s != "legit").mean())
    assert daily.max() < 0.02


def test_all_base_scenarios_occur(month):
    counts = month["scenario"].value_counts()
    for name in ("compromised_terminal", "compromised_card", "account_takeover"):
        assert counts.get(name, 0) > 20, name
    assert "card_testing_burst" not in counts  # only after a concept drift


def test_every_transaction_on_a_compromised_terminal_is_fraud(busy_sim, month):
    hits = 0
    for k in range(28):
        day = START + dt.timedelta(days=k)
        compromised = busy_sim.compromised_terminals(day)
        rows = month[(month["day"] == k) & month["terminal"].isin(compromised)]
        assert (rows["scenario"] == "compromised_terminal").all()
        hits += len(rows)
        on_other = month[(month["day"] == k) & ~month["terminal"].isin(compromised)]
        assert not (on_other["scenario"] == "compromised_terminal").any()
    assert hits > 0
    lengths = month[month["scenario"] == "compromised_terminal"].groupby("terminal")["day"].nunique()
    assert lengths.max() >= 3, "a terminal stays compromised for several days"


def test_frauds_differ_from_legit_on_contract_features(month):
    legit = month[month["scenario"] == "legit"]
    card = month[month["scenario"] == "compromised_card"]
    ato = month[month["scenario"] == "account_takeover"]
    # amount vs the customer's usual amount
    assert ato["ratio"].median() > 4 * legit["ratio"].median()
    assert card["ratio"].median() > 1.5 * legit["ratio"].median()
    # night
    assert ato["night"].mean() > 5 * legit["night"].mean()
    assert card["night"].mean() > 3 * legit["night"].mean()
    # foreign country and online channel
    assert card["foreign"].mean() > 5 * legit["foreign"].mean()
    assert (card["channel"] == ECOM).mean() > (legit["channel"] == ECOM).mean() + 0.2
    # compromised terminals look ordinary apart from the terminal itself
    term = month[month["scenario"] == "compromised_terminal"]
    assert term["ratio"].median() < 2 * legit["ratio"].median()


def test_fraud_scale_scales_the_rate():
    day = dt.date(2026, 2, 10)
    base = Simulator(SimConfig(seed=3, tx_per_day=20_000))
    double = Simulator(SimConfig(seed=3, tx_per_day=20_000, fraud_scale=3.0))
    n_base = sum(len(base.frauds(day + dt.timedelta(days=k))) for k in range(7))
    n_double = sum(len(double.frauds(day + dt.timedelta(days=k))) for k in range(7))
    assert n_double > 2 * n_base


def test_concept_drift_changes_the_fraud_pattern():
    drift_day = dt.date(2026, 3, 2)
    config = SimConfig(seed=5, tx_per_day=20_000)
    sim = Simulator(config, [make_fault(drift_day, "concept_drift")])
    before = _frame(sim, drift_day - dt.timedelta(days=14), 14)
    after = _frame(sim, drift_day, 14)
    assert "card_testing_burst" not in set(before["scenario"])
    burst = after[after["scenario"] == "card_testing_burst"]
    assert len(burst) > 100
    # A previously safe pattern: domestic, daytime, small amounts at pos, one merchant category.
    assert not burst["foreign"].any()
    assert not burst["night"].any()
    assert (burst["channel"] == POS).all()
    assert (burst["mcc"] == MCC_INDEX["5814"]).mean() > 0.9
    assert burst["amount"].max() <= 30
    before_mcc = before[before["mcc"] == MCC_INDEX["5814"]]
    assert (before_mcc["scenario"] != "legit").mean() < 0.005
    # Bursts: several frauds of the same card within hours.
    per_card = burst.groupby(["day", "customer"]).size()
    assert per_card.median() >= 3
    # The older scenarios become rarer.
    old = ("compromised_card", "account_takeover")
    assert after["scenario"].isin(old).sum() < 0.75 * before["scenario"].isin(old).sum()
    # The world before the drift is untouched by it.
    plain = Simulator(config)
    assert (plain.transactions(drift_day - dt.timedelta(days=1)).scenario
            == sim.transactions(drift_day - dt.timedelta(days=1)).scenario).all()
