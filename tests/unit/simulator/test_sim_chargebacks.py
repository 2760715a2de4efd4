"""Late labels: only frauds, reported once, after the transaction and within the cap."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dataops.simulator import TRANSACTION_COLUMNS, SimConfig, Simulator

FRAUD_DAY = dt.date(2026, 2, 5)


def _feed(sim: Simulator, start: dt.date, days: int) -> pd.DataFrame:
    frames = []
    for k in range(days):
        landed = start + dt.timedelta(days=k)
        df = sim.chargebacks(landed).to_pandas()
        df["landed"] = landed
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def feed(busy_sim) -> pd.DataFrame:
    # Every report about a fraud of FRAUD_DAY lands within the 42 days after it.
    return _feed(busy_sim, FRAUD_DAY, 43)


def test_every_fraud_reported_exactly_once(busy_sim, feed):
    day = busy_sim.transactions(FRAUD_DAY)
    table = day.to_table().to_pandas()
    fraud_ids = set(table.loc[day.is_fraud, "tx_id"])
    legit_ids = set(table.loc[~day.is_fraud, "tx_id"])
    reported = feed[feed["tx_id"].str.startswith(FRAUD_DAY.strftime("%Y%m%d"))]
    assert reported["tx_id"].is_unique
    assert set(reported["tx_id"]) == fraud_ids
    assert not set(feed["tx_id"]) & legit_ids
    # The chargeback carries the transaction's own timestamp.
    ts = table.set_index("tx_id")["tx_ts"]
    assert (reported.set_index("tx_id")["tx_ts"] == ts.loc[reported["tx_id"]]).all()


def test_reported_after_tx_within_cap_on_landing_day(busy_sim, feed):
    tx_ts = pd.to_datetime(feed["tx_ts"])
    reported = pd.to_datetime(feed["reported_at"])
    delay_days = (reported - tx_ts).dt.total_seconds() / 86_400
    cfg = busy_sim.config
    assert (delay_days >= cfg.label_delay_min_days - 1e-9).all()
    assert (delay_days <= cfg.label_delay_cap_days + 1e-9).all()
    assert (reported.dt.date == feed["landed"]).all()
    assert 7 <= delay_days.median() <= 13, "median around 10 days"
    assert delay_days.quantile(0.9) > 15, "some take weeks"
    assert set(feed["reason_code"]) == {"10.3", "10.4"}


def test_feed_columns_never_in_transactions(busy_sim):
    table = busy_sim.chargebacks(FRAUD_DAY)
    assert table.column_names == ["tx_id", "tx_ts", "reported_at", "reason_code"]
    assert not {"reported_at", "reason_code", "is_fraud", "scenario"} & set(TRANSACTION_COLUMNS)


def test_delay_distribution_is_configurable():
    sim = Simulator(SimConfig(seed=2, tx_per_day=5000, label_delay_median_days=2, label_delay_cap_days=4,
                              label_delay_min_days=0.5))
    feed = _feed(sim, dt.date(2026, 1, 10), 10)
    delay = (pd.to_datetime(feed["reported_at"]) - pd.to_datetime(feed["tx_ts"])).dt.total_seconds() / 86_400
    assert len(feed) > 50
    assert delay.max() <= 4 and delay.min() >= 0.5


def test_no_fraud_before_epoch():
    epoch = dt.date(2026, 1, 1)
    sim = Simulator(SimConfig(seed=2, tx_per_day=5000, epoch=epoch))
    assert sim.chargebacks(epoch).num_rows == 0  # no fraud is reported on the day it happens (min 1 day)
    feed = _feed(sim, epoch, 20)
    assert len(feed) > 0
    assert (pd.to_datetime(feed["tx_ts"]).dt.date >= epoch).all()
    with pytest.raises(ValueError, match="epoch"):
        sim.transactions(epoch - dt.timedelta(days=1))
    assert np.all(sim.frauds(epoch - dt.timedelta(days=3)).ts.size == 0)
