"""Data fingerprints: row counts, date ranges and an order-independent content hash of a frame."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd


def _column_bytes(col: pd.Series) -> tuple[bytes, bytes]:
    """(kind tag, canonical bytes) of a column; equal values give equal bytes whatever the pandas dtype."""
    if pd.api.types.is_datetime64_any_dtype(col):
        values = col.astype("datetime64[us]").to_numpy()
        ints = values.astype(np.int64)
        ints[np.isnat(values)] = np.iinfo(np.int64).min
        return b"ts", ints.tobytes()
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
        values = np.where(np.isnan(values), np.nan, values)  # one NaN bit pattern
        return b"num", values.tobytes()
    text = "\x1f".join("\x00" if pd.isna(v) else str(v) for v in col.tolist())
    return b"str", text.encode("utf-8")


def content_hash(frame: pd.DataFrame, columns: Sequence[str], sort_by: str) -> str:
    """SHA-256 over ``columns`` of ``frame`` with rows ordered by ``sort_by`` (so row order does not matter).

    :param frame: the data.
    :param columns: columns to hash, in this order.
    :param sort_by: a unique key column.
    """
    ordered = frame.sort_values(sort_by, kind="mergesort")
    h = hashlib.sha256()
    for name in columns:
        tag, data = _column_bytes(ordered[name])
        h.update(name.encode() + b"\x1e" + tag + b"\x1e" + hashlib.sha256(data).digest())
    return h.hexdigest()


def frame_fingerprint(frame: pd.DataFrame, columns: Sequence[str], id_column: str,
                      label_column: str = "label", ts_column: str = "tx_ts") -> dict:
    """Row count, positives, timestamp range and content hash of a training split.

    :param frame: the split.
    :param columns: the columns that feed training (ids, label, features).
    :param id_column: unique key column.
    :param label_column: 0/1 label column.
    :param ts_column: event timestamp column.
    """
    ts = frame[ts_column] if len(frame) else pd.Series([], dtype="datetime64[us]")
    return {
        "rows": int(len(frame)),
        "positives": int(frame[label_column].sum()) if len(frame) else 0,
        "min_tx_ts": ts.min().isoformat() if len(frame) else None,
        "max_tx_ts": ts.max().isoformat() if len(frame) else None,
        "columns": list(columns),
        "content_sha256": content_hash(frame, columns, id_column),
    }
