"""Training sets: matured labels only, nothing known after the cutoff, out-of-time split, exclusions."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from dataops.training import build_training_set, training_windows
from dataops.training.fingerprint import content_hash
from dataops.training.synthetic import make_chargebacks, make_feature_rows, write_warehouse

CUTOFF = date(2026, 4, 1)  # knowledge time K = 2026-04-01 00:00; maturity 45 days -> matured before 02-15


def _crafted(template: pd.Series, tx_id: str, ts: str) -> dict:
    row = template.to_dict()
    row.update(tx_id=tx_id, tx_ts=pd.Timestamp(ts), batch_date=pd.Timestamp(ts).date())
    return row


@pytest.fixture(scope="module")
def leak_warehouse(tmp_path_factory):
    """Background rows whose chargebacks can arrive up to 60 days late, plus hand-placed edge cases."""
    frame, fraud = make_feature_rows(8_000, date(2025, 12, 20), 110, seed=9, fraud_shift=0.5)
    background_cb = make_chargebacks(frame, fraud, seed=9, max_delay_days=60)
    t = frame.iloc[0]
    crafted = {
        # id: (tx_ts, chargeback reported_at)
        "20260110-90000001": ("2026-01-10 12:00:00", "2026-04-01 00:00:00"),  # reported exactly at K: unknown
        "20260111-90000002": ("2026-01-11 12:00:00", "2026-04-15 09:00:00"),  # reported after the cutoff
        "20260112-90000003": ("2026-01-12 12:00:00", "2026-03-31 23:59:59"),  # reported 1 s before K: known
        "20260214-90000004": ("2026-02-14 23:59:59", "2026-02-20 10:00:00"),  # last matured second
        "20260215-90000005": ("2026-02-15 00:00:00", "2026-02-16 10:00:00"),  # first immature second
        "20260320-90000006": ("2026-03-20 08:00:00", "2026-03-25 10:00:00"),  # young, label already known
    }
    rows = pd.DataFrame([_crafted(t, k, ts) for k, (ts, _) in crafted.items()])
    rows["tx_ts"] = rows["tx_ts"].astype("datetime64[us]")
    cb = pd.DataFrame({
        "tx_id": list(crafted), "tx_ts": rows["tx_ts"].to_numpy(),
        "reported_at": pd.to_datetime([r for _, r in crafted.values()]).astype("datetime64[us]"),
        "reason_code": "10.4", "batch_date": [pd.Timestamp(r).date() for _, r in crafted.values()],
        "source_file": "crafted", "source_line": np.arange(1, 7, dtype=np.int32),
        "ingest_version": np.ones(6, dtype=np.int32),
        "loaded_at": pd.Series(pd.Timestamp("2026-04-20"), index=range(6)).astype("datetime64[us]"),
    })
    features = pd.concat([frame, rows], ignore_index=True)
    chargebacks = pd.concat([background_cb, cb], ignore_index=True)
    path = tmp_path_factory.mktemp("leak") / "wh.duckdb"
    con = duckdb.connect(str(path))
    write_warehouse(con, features, chargebacks)
    con.close()
    return path, chargebacks


def test_windows_end_at_cutoff_minus_maturity():
    w = training_windows(CUTOFF, 20, 10, 10, 45)
    assert (w["holdout"].start, w["holdout"].end) == (date(2026, 2, 5), date(2026, 2, 15))
    assert (w["valid"].start, w["valid"].end) == (date(2026, 1, 26), date(2026, 2, 5))
    assert (w["train"].start, w["train"].end) == (date(2026, 1, 6), date(2026, 1, 26))
    with pytest.raises(ValueError):
        training_windows(CUTOFF, 0, 10, 10, 45)


def test_no_label_from_after_the_cutoff_and_no_immature_transaction(leak_warehouse, cfg):
    path, chargebacks = leak_warehouse
    con = duckdb.connect(str(path), read_only=True)
    ts = build_training_set(con, CUTOFF, 20, 10, 10, cfg)
    con.close()
    rows = pd.concat([ts.train, ts.valid, ts.holdout], ignore_index=True)
    label = dict(zip(rows["tx_id"], rows["label"], strict=True))

    # Chargebacks reported at/after K do not make their transaction positive; one second before K does.
    assert label["20260110-90000001"] == 0
    assert label["20260111-90000002"] == 0
    assert label["20260112-90000003"] == 1
    # Maturity boundary: tx_ts < K - 45 days is in (holdout), tx_ts >= K - 45 days is out, whatever its label.
    assert label["20260214-90000004"] == 1 and "20260214-90000004" in set(ts.holdout["tx_id"])
    assert "20260215-90000005" not in label and "20260320-90000006" not in label
    assert ts.matured_before == datetime(2026, 2, 15) and ts.knowledge_time == datetime(2026, 4, 1)
    assert rows["tx_ts"].max() < pd.Timestamp("2026-02-15")

    # Every label equals "a chargeback reported before K exists", recomputed independently ...
    known = set(chargebacks.loc[chargebacks["reported_at"] < pd.Timestamp(CUTOFF), "tx_id"])
    assert (rows["label"] == rows["tx_id"].isin(known).astype(int)).all()
    # ... and the check is not vacuous: background frauds reported after K exist among the rows, all negative.
    late = set(chargebacks.loc[chargebacks["reported_at"] >= pd.Timestamp(CUTOFF), "tx_id"]) & set(rows["tx_id"])
    assert len(late) > 10
    assert rows.loc[rows["tx_id"].isin(late), "label"].eq(0).all()


def test_split_is_out_of_time_and_fingerprinted(leak_warehouse, cfg):
    path, _ = leak_warehouse
    con = duckdb.connect(str(path), read_only=True)
    ts = build_training_set(con, CUTOFF, 20, 10, 10, cfg)
    con.close()
    assert ts.train["tx_ts"].max() < ts.valid["tx_ts"].min()
    assert ts.valid["tx_ts"].max() < ts.holdout["tx_ts"].min()
    assert ts.train["tx_ts"].min() >= pd.Timestamp("2026-01-06")
    fp = ts.fingerprint
    for name in ("train", "valid", "holdout"):
        part = ts.split(name)
        assert fp[name]["rows"] == len(part) and fp[name]["positives"] == int(part["label"].sum())
        assert fp[name]["min_tx_ts"] == part["tx_ts"].min().isoformat()
    doc = ts.describe()
    assert doc["windows"]["holdout"] == {"start": "2026-02-05", "end_exclusive": "2026-02-15"}
    assert doc["window_days"] == {"train": 20, "valid": 10, "holdout": 10}


def test_sqlalchemy_engine_and_native_connection_give_the_same_data(leak_warehouse, cfg):
    path, _ = leak_warehouse
    con = duckdb.connect(str(path), read_only=True)
    native = build_training_set(con, CUTOFF, 20, 10, 10, cfg)
    con.close()
    engine = sa.create_engine(f"duckdb:///{path}", poolclass=sa.pool.NullPool)
    via_engine = build_training_set(engine, CUTOFF, 20, 10, 10, cfg)
    with engine.connect() as conn:
        via_connection = build_training_set(conn, CUTOFF, 20, 10, 10, cfg)
    assert native.fingerprint == via_engine.fingerprint == via_connection.fingerprint


def test_excluded_batch_dates_are_dropped_unless_kept(warehouse, cfg):
    con = duckdb.connect(str(warehouse), read_only=True)
    bad = [date(2026, 1, 20), "2026-01-30"]
    full = build_training_set(con, date(2026, 3, 31), 20, 10, 10, cfg)
    dropped = build_training_set(con, date(2026, 3, 31), 20, 10, 10, cfg, excluded_batch_dates=bad)
    kept = build_training_set(con, date(2026, 3, 31), 20, 10, 10, cfg, excluded_batch_dates=bad,
                              drop_excluded=False)
    con.close()
    bad_dates = {date(2026, 1, 20), date(2026, 1, 30)}
    for part in (dropped.train, dropped.valid, dropped.holdout):
        assert not part["batch_date"].isin(bad_dates).any()
    n_bad = sum(int(p["batch_date"].isin(bad_dates).sum()) for p in (full.train, full.valid, full.holdout))
    assert n_bad > 0 and dropped.dropped_rows == n_bad
    assert sum(len(p) for p in (dropped.train, dropped.valid, dropped.holdout)) == \
        sum(len(p) for p in (full.train, full.valid, full.holdout)) - n_bad
    assert kept.fingerprint == full.fingerprint and kept.dropped_rows == 0
    assert dropped.describe()["excluded_batch_dates"] == ["2026-01-20", "2026-01-30"]
    assert kept.describe()["drop_excluded"] is False


def test_content_hash_ignores_row_order_but_sees_a_flipped_label(warehouse, cfg):
    con = duckdb.connect(str(warehouse), read_only=True)
    ts = build_training_set(con, date(2026, 3, 31), 20, 10, 10, cfg)
    con.close()
    cols = ["tx_id", "tx_ts", "label", *cfg.feature_names]
    base = content_hash(ts.train, cols, "tx_id")
    shuffled = ts.train.sample(frac=1.0, random_state=1)
    assert content_hash(shuffled, cols, "tx_id") == base
    flipped = ts.train.copy()
    flipped.loc[0, "label"] = 1 - flipped.loc[0, "label"]
    assert content_hash(flipped, cols, "tx_id") != base


def test_a_window_without_data_is_reported(warehouse, cfg):
    con = duckdb.connect(str(warehouse), read_only=True)
    with pytest.raises(ValueError, match="train split .* need both classes"):
        build_training_set(con, date(2026, 2, 1), 20, 10, 10, cfg)
    con.close()


def test_windows_use_a_fresh_warehouse_layout(tmp_path, cfg):
    """Tables created exactly as the contract's column types (TIMESTAMP, DATE) are read the same way."""
    frame, fraud = make_feature_rows(3_000, date(2026, 1, 1), 60, seed=2, fraud_shift=1.0)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    write_warehouse(con, frame, make_chargebacks(frame, fraud, seed=2))
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'fct_transaction_features'").fetchall())
    ts = build_training_set(con, date(2026, 3, 31), 20, 10, 10, cfg)
    con.close()
    assert types["tx_ts"] == "TIMESTAMP" and types["batch_date"] == "DATE"
    assert len(ts.train) > 0 and ts.train["label"].sum() > 0
