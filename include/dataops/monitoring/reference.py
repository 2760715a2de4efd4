"""A model's training reference (``reference.json``) and its record in the warehouse.

Built from the training split when a model is trained (:func:`build_reference`): for each numeric feature,
the inner edges of its deciles and the share of training rows in each bin (plus the share of missing
values); for each categorical feature, the share of every level seen in training (values not seen fall in
``other``). With the training cutoff it is what feature drift is measured against.

A model scores with its reference at hand; :func:`record_reference` keeps it in the warehouse table
``monitoring.model_reference`` (one row per dataset and model version, replaced on a rerun), so the drift
of a batch is computed in the warehouse against the reference of the version that scored it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

FORMAT = "dataops.reference/v1"
FILE = "reference.json"
TABLE = "monitoring.model_reference"
QUANTILES = tuple(i / 10 for i in range(1, 10))
_DDL = ("CREATE SCHEMA IF NOT EXISTS monitoring",
        f"""CREATE TABLE IF NOT EXISTS {TABLE} (
            dataset VARCHAR(100) NOT NULL, model_version VARCHAR(100) NOT NULL, training_cutoff DATE,
            reference TEXT NOT NULL, recorded_at TIMESTAMP, PRIMARY KEY (dataset, model_version))""")


def _numeric(values: pd.Series) -> dict[str, Any]:
    x = pd.to_numeric(values, errors="coerce").astype("float64").replace([np.inf, -np.inf], np.nan)
    finite = x.dropna()
    n = len(x)
    if finite.empty:
        return {"type": "numeric", "edges": [], "shares": [], "null_share": 1.0 if n else 0.0, "rows": n}
    edges = sorted({float(e) for e in np.quantile(finite.to_numpy(), QUANTILES)})
    counts = np.bincount(np.searchsorted(edges, finite.to_numpy(), side="right"), minlength=len(edges) + 1)
    return {"type": "numeric", "edges": edges, "shares": [float(c) / n for c in counts],
            "null_share": float(n - len(finite)) / n, "rows": n}


def _categorical(values: pd.Series) -> dict[str, Any]:
    n = len(values)
    present = values.dropna().astype(str)
    shares = (present.value_counts() / n).sort_index() if n else pd.Series(dtype="float64")
    return {"type": "categorical", "levels": [str(v) for v in shares.index], "shares": [float(s) for s in shares],
            "other_share": 0.0, "null_share": float(n - len(present)) / n if n else 0.0, "rows": n}


def build_reference(frame: pd.DataFrame, numeric: Iterable[str], categorical: Iterable[str], *,
                    training_cutoff: str) -> dict[str, Any]:
    """The ``reference.json`` document of a model trained on ``frame``.

    :param frame: the training split (one row per transaction, the feature columns).
    :param numeric: numeric feature names.
    :param categorical: categorical feature names.
    :param training_cutoff: the training's knowledge date, ``YYYY-MM-DD`` (the model's age counts from it).
    """
    features = {name: _numeric(frame[name]) for name in numeric}
    features.update({name: _categorical(frame[name]) for name in categorical})
    return {"format": FORMAT, "training_cutoff": training_cutoff, "rows": int(len(frame)), "features": features}


def check_reference(doc: Mapping[str, Any]) -> dict[str, Any]:
    """``doc`` when it is a reference of this format; ``ValueError`` naming what is wrong otherwise."""
    if doc.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} document (format {doc.get('format')!r})")
    for name, f in (doc.get("features") or {}).items():
        shares = [*f.get("shares", []), f.get("null_share", 0.0), f.get("other_share", 0.0)]
        if not all(isinstance(s, (int, float)) and math.isfinite(s) and s >= 0 for s in shares):
            raise ValueError(f"reference of feature {name!r}: shares must be finite and >= 0")
        if f.get("type") == "numeric" and len(f["shares"]) != len(f["edges"]) + 1 and f["edges"]:
            raise ValueError(f"reference of feature {name!r}: {len(f['edges'])} edges need "
                             f"{len(f['edges']) + 1} shares, got {len(f['shares'])}")
    return dict(doc)


def ensure_table(warehouse: Any) -> None:
    """Create ``monitoring.model_reference`` if missing.

    :param warehouse: a :class:`~dataops.warehouse.Warehouse`.
    """
    with warehouse.connect() as con:
        for ddl in _DDL:
            con.execute(ddl)


def record_reference(warehouse: Any, dataset: str, model_version: str, reference: Mapping[str, Any]) -> None:
    """Keep a model version's reference in the warehouse (replaces that version's row: reruns are harmless).

    :param warehouse: a :class:`~dataops.warehouse.Warehouse`.
    :param dataset: dataset name.
    :param model_version: the registry version the reference belongs to.
    :param reference: its ``reference.json`` document.
    """
    from dataops.warehouse import transaction

    doc = check_reference(reference)
    ensure_table(warehouse)
    now = datetime.now(UTC).replace(tzinfo=None)
    with warehouse.connect() as con, transaction(con):
        con.execute(f"DELETE FROM {TABLE} WHERE dataset = ? AND model_version = ?", [dataset, model_version])
        con.execute(f"INSERT INTO {TABLE} (dataset, model_version, training_cutoff, reference, recorded_at) "
                    "VALUES (?, ?, CAST(? AS DATE), ?, ?)",
                    [dataset, model_version, doc.get("training_cutoff"), json.dumps(doc), now])


def load_reference(warehouse: Any, dataset: str, model_version: str) -> dict[str, Any] | None:
    """The recorded reference of a model version (None when that version scored without one).

    :param warehouse: a :class:`~dataops.warehouse.Warehouse`.
    :param dataset: dataset name.
    :param model_version: registry version.
    """
    if not warehouse.table_exists(TABLE):
        return None
    row = warehouse.fetchone(f"SELECT reference FROM {TABLE} WHERE dataset = ? AND model_version = ?",
                             [dataset, model_version])
    return check_reference(json.loads(row[0])) if row else None
