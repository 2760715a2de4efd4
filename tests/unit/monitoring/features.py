"""A small feature table and predictions written straight into a warehouse (both engines), for monitoring tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dataops.warehouse import transaction

FEATURES = "marts.fct_transaction_features"
COLUMNS = ("tx_id", "batch_date", "amount", "tx_hour", "channel")


def frame(rows: int, seed: int, *, amount_factor: float = 1.0) -> pd.DataFrame:
    """Log-normal amounts, uniform hours, a 60/30/10 channel mix."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "amount": np.round(rng.lognormal(3.5, 1.0, rows) * amount_factor, 2),
        "tx_hour": rng.integers(0, 24, rows).astype("float64"),
        "channel": rng.choice(["pos", "ecom", "atm"], rows, p=[0.6, 0.3, 0.1]),
    })


def write_batch(warehouse, day: str, data: pd.DataFrame) -> None:
    """Replace ``day``'s rows of the feature table with ``data`` (an ``amount`` of None is NULL, NaN stays NaN:
    give the column the object dtype to hold both)."""
    with warehouse.connect() as con, transaction(con):
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(f"CREATE TABLE IF NOT EXISTS {FEATURES} (tx_id VARCHAR, batch_date DATE, "
                    "amount DOUBLE PRECISION, tx_hour DOUBLE PRECISION, channel VARCHAR)")
        con.execute(f"DELETE FROM {FEATURES} WHERE batch_date = CAST(? AS DATE)", [day])
        con.executemany(f"INSERT INTO {FEATURES} VALUES (?, CAST(? AS DATE), ?, ?, ?)",
                        [(f"{day}-{i}", day, None if a is None else float(a), float(h), c)
                         for i, (a, h, c) in enumerate(data[["amount", "tx_hour", "channel"]].itertuples(index=False))])


def write_scores(warehouse, dataset: str, day: str, scores: list[float | None], version: str = "v1") -> None:
    """``day``'s champion predictions by ``version``."""
    from dataops.scoring.batch import PREDICTIONS, ensure_predictions
    from dataops.warehouse import open_warehouse

    ensure_predictions(open_warehouse(warehouse.location), dataset)
    with warehouse.connect() as con, transaction(con):
        con.executemany(f"INSERT INTO {PREDICTIONS} (dataset, id, batch_date, score, decision, model_version, role) "
                        "VALUES (?, ?, CAST(? AS DATE), ?, ?, ?, 'champion')",
                        [(dataset, f"{day}-{i}", day, None if s is None else float(s), s is not None and bool(s >= 0.5), version)
                         for i, s in enumerate(scores)])


def dataset_frame(rows: int, seed: int, *, amount_factor: float = 1.0) -> pd.DataFrame:
    """Every feature of the ``transactions`` dataset: bounded numeric ones uniform over their range, the others
    log-normal, categorical ones from a few levels."""
    from dataops.datasets import load_dataset

    rng = np.random.default_rng(seed)
    out = {}
    for f in load_dataset("transactions").features:
        if f.type == "categorical":
            out[f.name] = rng.choice(["a1", "b2", "c3"], rows, p=[0.5, 0.3, 0.2])
        elif f.max is not None:
            out[f.name] = rng.integers(int(f.min or 0), int(f.max) + 1, rows).astype("float64")
        else:
            out[f.name] = np.round(rng.lognormal(2.0, 1.0, rows), 3) + (f.min or 0)
    data = pd.DataFrame(out)
    data["amount"] = data["amount"] * amount_factor
    return data


def write_dataset_batch(warehouse, day: str, data: pd.DataFrame) -> None:
    """Replace ``day``'s rows of the dataset's feature table (every feature column) with ``data`` (staged in
    DuckDB and loaded in one transaction, :meth:`Warehouse.replace`: fast on both engines)."""
    from dataops.warehouse import StagedLoad

    columns = list(data.columns)
    types = {c: "VARCHAR" if isinstance(data[c].iloc[0], str) else "DOUBLE PRECISION" for c in columns}
    with warehouse.connect() as con, transaction(con):
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(f"CREATE TABLE IF NOT EXISTS {FEATURES} (tx_id VARCHAR, batch_date DATE, tx_ts TIMESTAMP, "
                    f"{', '.join(f'{c} {types[c]}' for c in columns)})")
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.execute("CREATE TABLE IF NOT EXISTS raw.chargebacks (tx_id VARCHAR, tx_ts TIMESTAMP, "
                    "reported_at TIMESTAMP, reason_code VARCHAR, batch_date DATE)")
    staged = data.copy()
    staged.insert(0, "tx_ts", pd.Timestamp(day) + pd.to_timedelta(np.arange(len(data)), unit="s"))
    staged.insert(0, "batch_date", pd.Timestamp(day).date())
    staged.insert(0, "tx_id", [f"{day}-{i}" for i in range(len(data))])
    with warehouse.staging() as staging:
        staging.register("batch_frame", staged)
        warehouse.replace(staging, deletes=[(f"DELETE FROM {FEATURES} WHERE batch_date = CAST(? AS DATE)", [day])],
                          loads=[StagedLoad(FEATURES, ["tx_id", "batch_date", "tx_ts", *columns],
                                            "SELECT * FROM batch_frame")])
