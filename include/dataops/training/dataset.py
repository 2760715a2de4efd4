"""Point-in-time training sets with matured labels and an out-of-time split.

Definitions (``cutoff`` is a date; "knowledge time" K is ``cutoff 00:00 UTC``):

* label: a transaction is positive iff ``raw.chargebacks`` holds a chargeback for it with
  ``reported_at < K``. Chargebacks reported at or after K are unknown at training time and ignored.
* maturity: chargebacks arrive within ``label_maturity_days`` (M) of the transaction, so a label is final
  once ``tx_ts + M days <= K``. Only transactions with ``tx_ts < K - M days`` (strictly) are used: no
  transaction whose label could still change enters training, validation or the holdout.
* split (out of time, by ``tx_ts``), ending at ``matured_before = K - M days``:
  ``train [mb - H - V - T, mb - H - V)``, ``valid [mb - H - V, mb - H)`` (early stopping),
  ``holdout [mb - H, mb)`` (the most recent matured days, for evaluation), with T/V/H in days.
* features are read as stored in the feature table, which dbt computes point-in-time (windows over
  prior transactions; terminal fraud features only from chargebacks reported before the row's batch day).
* excluded batch dates (the quality gate's out-of-control / known-bad days) are dropped unless
  ``drop_excluded=False``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd

from dataops.identifiers import checked_table
from dataops.training.fingerprint import frame_fingerprint

SPLITS = ("train", "valid", "holdout")


@dataclass(frozen=True)
class Window:
    """A half-open date window ``[start, end)`` over ``tx_ts``."""

    start: date
    end: date

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end_exclusive": self.end.isoformat()}


@dataclass
class TrainingSet:
    """The three splits of a training run and how they were made.

    :param train: training rows (features, ids, ``label``).
    :param valid: validation rows (early stopping).
    :param holdout: most recent matured rows (evaluation only).
    """

    train: pd.DataFrame
    valid: pd.DataFrame
    holdout: pd.DataFrame
    dataset: str
    feature_table: str
    cutoff: date
    knowledge_time: datetime
    matured_before: datetime
    label_maturity_days: int
    windows: dict[str, Window]
    excluded_batch_dates: list[date]
    drop_excluded: bool
    dropped_rows: int
    fingerprint: dict = field(default_factory=dict)

    def split(self, name: str) -> pd.DataFrame:
        return {"train": self.train, "valid": self.valid, "holdout": self.holdout}[name]

    def describe(self) -> dict[str, Any]:
        """The ``training.json`` document (windows, label rule, data fingerprint)."""
        return {
            "dataset": self.dataset,
            "feature_table": self.feature_table,
            "cutoff": self.cutoff.isoformat(),
            "knowledge_time": self.knowledge_time.isoformat(),
            "matured_before": self.matured_before.isoformat(),
            "label_maturity_days": self.label_maturity_days,
            "label_rule": "positive iff a chargeback with reported_at < knowledge_time exists; only "
                          "transactions with tx_ts < matured_before (= knowledge_time - label_maturity_days)",
            "windows": {k: w.to_dict() for k, w in self.windows.items()},
            "window_days": {k: (w.end - w.start).days for k, w in self.windows.items()},
            "excluded_batch_dates": [d.isoformat() for d in self.excluded_batch_dates],
            "drop_excluded": self.drop_excluded,
            "dropped_rows": self.dropped_rows,
            "fingerprint": self.fingerprint,
        }


def training_windows(cutoff: date, train_days: int, valid_days: int, holdout_days: int,
                     label_maturity_days: int) -> dict[str, Window]:
    """The train/valid/holdout windows ending at ``cutoff - label_maturity_days`` (see module docstring)."""
    for name, n in (("train_days", train_days), ("valid_days", valid_days), ("holdout_days", holdout_days)):
        if n <= 0:
            raise ValueError(f"{name} must be positive, got {n}")
    if label_maturity_days < 0:
        raise ValueError("label_maturity_days must be >= 0")
    end = cutoff - timedelta(days=label_maturity_days)
    h0 = end - timedelta(days=holdout_days)
    v0 = h0 - timedelta(days=valid_days)
    t0 = v0 - timedelta(days=train_days)
    return {"train": Window(t0, v0), "valid": Window(v0, h0), "holdout": Window(h0, end)}


def _read_frame(conn: Any, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    """Run ``sql`` (``:name`` parameters) on a duckdb connection, SQLAlchemy engine or connection."""
    import sqlalchemy as sa

    if isinstance(conn, sa.Engine):
        if conn.dialect.name == "duckdb":  # fast path: DuckDB's own DataFrame export
            raw = conn.raw_connection()
            try:
                return _read_frame(raw.driver_connection, sql, params)
            finally:
                raw.close()
        with conn.connect() as c:
            return _read_frame(c, sql, params)
    if isinstance(conn, sa.Connection):
        result = conn.execute(sa.text(sql), params)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    duck_sql = re.sub(r"(?<!:):([A-Za-z_]\w*)", r"$\1", sql)
    return conn.execute(duck_sql, params).df()


def load_labelled_rows(conn: Any, cfg: Any, start: datetime, matured_before: datetime, knowledge_time: datetime,
                       extra_columns: Sequence[str] = (), label_column: str = "label",
                       ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Feature rows with ``start <= tx_ts < matured_before`` and their label as known at ``knowledge_time``.

    :param conn: warehouse: duckdb connection, SQLAlchemy engine or connection.
    :param cfg: dataset config (feature table, id column, features, chargeback source).
    :param start: first tx_ts included.
    :param matured_before: tx_ts upper bound (exclusive).
    :param knowledge_time: chargebacks with ``reported_at`` before this are known.
    :param extra_columns: more feature-table columns to return (e.g. slice columns).
    :param label_column: name of the 0/1 label column.
    :param ids: only these ids (the training/serving skew check rebuilds a sample of scored rows this way).
    """
    cb = cfg.sources["chargebacks"] if "chargebacks" in cfg.sources else None
    cb_table = checked_table(cb.raw_table if cb else "raw.chargebacks")
    cb_key = cb.key if cb else cfg.id_column
    cols = list(dict.fromkeys([cfg.id_column, "batch_date", "tx_ts", *cfg.feature_names, *extra_columns]))
    for c in [*cols, cb_key, label_column]:
        if not re.match(r"^[A-Za-z_]\w*$", c):
            raise ValueError(f"not a plain column name: {c!r}")
    select = ", ".join(f"f.{c}" for c in cols)
    sql = (
        f"SELECT {select}, CASE WHEN EXISTS (SELECT 1 FROM {cb_table} c WHERE c.{cb_key} = f.{cfg.id_column} "
        f"AND c.reported_at < :knowledge_time) THEN 1 ELSE 0 END AS {label_column} "
        f"FROM {checked_table(cfg.feature_table)} f WHERE f.tx_ts >= :start AND f.tx_ts < :matured_before"
    )
    params: dict[str, Any] = {"start": start, "matured_before": matured_before, "knowledge_time": knowledge_time}
    if ids is not None:
        marks = ", ".join(f":id{i}" for i in range(len(ids)))
        sql += f" AND CAST(f.{cfg.id_column} AS VARCHAR) IN ({marks or 'NULL'})"
        params.update({f"id{i}": str(v) for i, v in enumerate(ids)})
    frame = _read_frame(conn, sql, params)
    frame["tx_ts"] = pd.to_datetime(frame["tx_ts"]).astype("datetime64[us]")
    frame["batch_date"] = pd.to_datetime(frame["batch_date"]).dt.date
    frame[label_column] = frame[label_column].astype("int64")
    return frame


def _as_dates(values: Iterable[date | str]) -> list[date]:
    return sorted({v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values})


def build_training_set(conn: Any, cutoff: date, train_days: int, valid_days: int, holdout_days: int, cfg: Any, *,
                       excluded_batch_dates: Iterable[date | str] = (), drop_excluded: bool = True,
                       extra_columns: Sequence[str] = (), label_column: str = "label") -> TrainingSet:
    """Build the out-of-time train/valid/holdout splits of matured, point-in-time labelled rows.

    :param conn: warehouse: duckdb connection, SQLAlchemy engine or connection.
    :param cutoff: knowledge date; labels reported before ``cutoff 00:00`` are known.
    :param train_days: days of training data.
    :param valid_days: days of validation data (early stopping), after the training days.
    :param holdout_days: most recent matured days, held out for evaluation.
    :param cfg: dataset config (:func:`dataops.datasets.load_dataset`).
    :param excluded_batch_dates: batch dates the quality gate flagged (out of control / known bad).
    :param drop_excluded: drop the excluded batch dates (default); False keeps them (recorded either way).
    :param extra_columns: more feature-table columns to carry (e.g. slice columns that are not features).
    :param label_column: name of the label column.
    :raises ValueError: train or valid split empty or without both classes.
    """
    if isinstance(cutoff, datetime):
        cutoff = cutoff.date()
    windows = training_windows(cutoff, train_days, valid_days, holdout_days, cfg.label_maturity_days)
    knowledge_time = datetime.combine(cutoff, time())
    matured_before = datetime.combine(windows["holdout"].end, time())
    frame = load_labelled_rows(conn, cfg, datetime.combine(windows["train"].start, time()), matured_before,
                               knowledge_time, extra_columns, label_column)
    excluded = _as_dates(excluded_batch_dates)
    dropped = 0
    if excluded and drop_excluded:
        mask = frame["batch_date"].isin(set(excluded))
        dropped = int(mask.sum())
        frame = frame.loc[~mask]

    splits = {}
    for name, w in windows.items():
        lo, hi = pd.Timestamp(w.start), pd.Timestamp(w.end)
        part = frame.loc[(frame["tx_ts"] >= lo) & (frame["tx_ts"] < hi)]
        # The warehouse gives no row order; training is only reproducible on a fixed one.
        splits[name] = part.sort_values(["tx_ts", cfg.id_column], kind="mergesort").reset_index(drop=True)
    for name in ("train", "valid"):
        part = splits[name]
        positives = int(part[label_column].sum())
        if len(part) == 0 or positives == 0 or positives == len(part):
            w = windows[name]
            raise ValueError(
                f"{name} split {w.start}..{w.end} (cutoff {cutoff}, maturity {cfg.label_maturity_days}d) has "
                f"{len(part)} rows and {positives} positives: need both classes"
            )
    hashed = list(dict.fromkeys([cfg.id_column, "batch_date", "tx_ts", label_column, *cfg.feature_names]))
    fingerprint = {name: frame_fingerprint(splits[name], hashed, cfg.id_column, label_column) for name in SPLITS}
    return TrainingSet(
        train=splits["train"], valid=splits["valid"], holdout=splits["holdout"], dataset=cfg.name,
        feature_table=cfg.feature_table, cutoff=cutoff, knowledge_time=knowledge_time,
        matured_before=matured_before, label_maturity_days=cfg.label_maturity_days, windows=windows,
        excluded_batch_dates=excluded, drop_excluded=drop_excluded, dropped_rows=dropped,
        fingerprint=fingerprint,
    )
