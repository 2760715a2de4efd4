"""Which transactions a canary decides: a stable hash of the id column, in basis points.

A transaction's bucket (0..9999) depends on its id alone, so the same id always lands in the same bucket, on
every engine and every rerun; a share ``s`` takes the buckets below ``s * 10000``. Shares only grow, so a
transaction decided by the canary at 5 % is decided by it at 25 % too. The split is recorded with the
predictions (``decides``), so tracing a decision to its model never needs the hash again.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

BUCKETS = 10_000
_HASH_KEY = "dataops-release1"  # 16 characters: pandas' SipHash key; changing it reshuffles every canary


def buckets(ids: Iterable[object]) -> np.ndarray:
    """The bucket (0..9999) of each id (its text form hashed with SipHash-2-4)."""
    text = pd.Series(ids, dtype="object").astype(str)
    hashed = pd.util.hash_pandas_object(text, index=False, hash_key=_HASH_KEY).to_numpy()
    return (hashed % np.uint64(BUCKETS)).astype(np.int64)


def in_share(ids: Iterable[object], share: float) -> np.ndarray:
    """True for the ids a canary of ``share`` (0..1) decides."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"a share is in [0, 1], not {share}")
    return buckets(ids) < round(share * BUCKETS)
