"""Synthetic feature-table rows and chargebacks following the data contract (for tests and benchmarks).

The rows carry the columns of ``marts.fct_transaction_features``; fraud depends on a few of them (amount
relative to the customer's average, night time, e-commerce, risky countries and terminals), so a model
has something real to learn. Chargebacks arrive ``1..max_delay_days`` days after the transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

CHANNELS = np.array(["pos", "ecom", "atm"])
COUNTRIES = np.array(["FR", "DE", "ES", "IT", "NL", "BE", "GB", "US", "BR", "NG"])
RISKY_COUNTRIES = {"BR", "NG", "US"}
MCCS = np.array(["5411", "5812", "5999", "4111", "5732", "7995", "6011", "5311", "4829", "5964"])


def make_feature_rows(n_rows: int, start: date, days: int, seed: int = 0,
                      fraud_shift: float = 0.0) -> tuple[pd.DataFrame, np.ndarray]:
    """Generate feature-table rows spread evenly over ``days`` days from ``start``.

    :param n_rows: number of transactions.
    :param start: first batch date.
    :param days: number of batch dates.
    :param seed: random seed.
    :param fraud_shift: added to the fraud log-odds (raise for more positives).
    :returns: (feature frame, ground-truth fraud flags as a 0/1 int array).
    """
    rng = np.random.default_rng(seed)
    day_idx = np.sort(rng.integers(0, days, n_rows))
    seq = np.arange(n_rows) - np.searchsorted(day_idx, day_idx, side="left")
    secs = rng.integers(0, 86_400, n_rows)
    base = np.datetime64(start, "s")
    tx_ts = base + day_idx.astype("timedelta64[D]") + secs.astype("timedelta64[s]")
    batch = (np.datetime64(start, "D") + day_idx.astype("timedelta64[D]"))
    ymd = pd.DatetimeIndex(batch).strftime("%Y%m%d").to_numpy()
    tx_id = np.char.add(np.char.add(ymd.astype(str), "-"), np.char.zfill(seq.astype(str), 8))

    channel = CHANNELS[rng.choice(3, n_rows, p=[0.6, 0.3, 0.1])]
    country = COUNTRIES[rng.choice(len(COUNTRIES), n_rows, p=[.3, .2, .1, .1, .08, .07, .06, .04, .03, .02])]
    mcc = MCCS[rng.integers(0, len(MCCS), n_rows)]
    cust_avg_30 = rng.lognormal(3.5, 0.7, n_rows)
    ratio = rng.lognormal(0.0, 0.6, n_rows)
    amount = np.round(np.maximum(cust_avg_30 * ratio, 0.01), 2)
    hours = (secs // 3600).astype(np.int64)
    dow = pd.DatetimeIndex(tx_ts).dayofweek.to_numpy()
    cust_30 = rng.poisson(25, n_rows)
    cust_7 = rng.binomial(cust_30, 0.25)
    term_30 = rng.poisson(300, n_rows)
    term_risk_true = rng.beta(0.5, 60, n_rows)
    term_fraud = rng.binomial(term_30, term_risk_true)

    frame = pd.DataFrame({
        "tx_id": tx_id,
        "batch_date": pd.to_datetime(batch).date,
        "tx_ts": pd.to_datetime(tx_ts).astype("datetime64[us]"),
        "customer_id": np.char.add("C", np.char.zfill(rng.integers(0, 10**6, n_rows).astype(str), 7)),
        "terminal_id": np.char.add("T", np.char.zfill(rng.integers(0, 10**5, n_rows).astype(str), 6)),
        "channel": channel,
        "mcc": mcc,
        "country": country,
        "amount": amount,
        "log_amount": np.log1p(amount),
        "tx_hour": hours,
        "tx_dow": dow,
        "is_night": (hours < 6).astype(np.int64),
        "is_weekend": (dow >= 5).astype(np.int64),
        "cust_tx_count_1d": rng.binomial(cust_7, 0.2),
        "cust_tx_count_7d": cust_7,
        "cust_tx_count_30d": cust_30,
        "cust_amount_avg_7d": np.round(cust_avg_30 * rng.lognormal(0, 0.2, n_rows), 2),
        "cust_amount_avg_30d": np.round(cust_avg_30, 2),
        "amount_to_cust_avg_30d": amount / cust_avg_30,
        "secs_since_last_cust_tx": rng.exponential(40_000, n_rows),
        "cust_country_count_30d": 1 + rng.binomial(2, 0.1, n_rows),
        "term_tx_count_1d": rng.poisson(10, n_rows),
        "term_tx_count_7d": rng.poisson(70, n_rows),
        "term_tx_count_30d": term_30,
        "term_fraud_count_30d": term_fraud,
        "term_risk_30d": term_fraud / np.maximum(term_30, 1),
    })
    logit = (-5.0 + fraud_shift + 1.6 * np.log(ratio) + 1.1 * frame["is_night"].to_numpy()
             + 1.0 * (channel == "ecom") + 1.0 * np.isin(country, list(RISKY_COUNTRIES))
             + 40.0 * term_risk_true + 0.8 * (frame["cust_country_count_30d"].to_numpy() > 1)
             + 0.6 * (mcc == "7995"))
    is_fraud = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return frame, is_fraud


def make_chargebacks(frame: pd.DataFrame, is_fraud: np.ndarray, seed: int = 0,
                     max_delay_days: float = 40.0) -> pd.DataFrame:
    """Chargebacks (the contract's ``raw.chargebacks`` columns) for the fraudulent rows.

    :param frame: rows from :func:`make_feature_rows`.
    :param is_fraud: ground-truth flags.
    :param seed: random seed.
    :param max_delay_days: a chargeback is reported 1..max_delay_days days after the transaction.
    """
    rng = np.random.default_rng(seed + 7)
    fraud = frame.loc[np.asarray(is_fraud) == 1, ["tx_id", "tx_ts"]].reset_index(drop=True)
    delay = pd.to_timedelta(rng.uniform(1.0, max_delay_days, len(fraud)), unit="D").round("s")
    reported = (fraud["tx_ts"] + delay).astype("datetime64[us]")
    return pd.DataFrame({
        "tx_id": fraud["tx_id"],
        "tx_ts": fraud["tx_ts"],
        "reported_at": reported,
        "reason_code": "10.4",
        "batch_date": reported.dt.date,
        "source_file": "synthetic",
        "source_line": np.arange(1, len(fraud) + 1, dtype=np.int32),
        "ingest_version": np.ones(len(fraud), dtype=np.int32),
        "loaded_at": pd.Series(pd.Timestamp(datetime(2030, 1, 1)), index=fraud.index).astype("datetime64[us]"),
    })


def write_warehouse(con: Any, features: pd.DataFrame, chargebacks: pd.DataFrame,
                    feature_table: str = "marts.fct_transaction_features",
                    chargeback_table: str = "raw.chargebacks") -> None:
    """(Re)create the feature table and the chargebacks table in a DuckDB connection.

    :param con: a ``duckdb`` connection.
    :param features: feature-table rows.
    :param chargebacks: chargeback rows.
    """
    for table, frame in ((feature_table, features), (chargeback_table, chargebacks)):
        schema = table.split(".")[0]
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.register("_synthetic_frame", frame)
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _synthetic_frame")
        con.unregister("_synthetic_frame")
    con.execute(f"ALTER TABLE {feature_table} ALTER batch_date TYPE DATE")
    con.execute(f"ALTER TABLE {chargeback_table} ALTER batch_date TYPE DATE")


def day_range(start: date, days: int) -> list[date]:
    """``days`` consecutive dates from ``start``."""
    return [start + timedelta(days=i) for i in range(days)]
