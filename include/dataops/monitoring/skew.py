"""Training/serving skew: a sample of what the champion scored, rebuilt through the training-set path.

While a batch is scored, :class:`SampleKeeper` keeps the feature values the model actually received for a
deterministic sample of the batch (the :data:`SAMPLE_SIZE` ids with the smallest CRC-32, whatever the chunking);
:func:`record_sample` stores them in ``monitoring.scored_sample`` (long format: one row per id and feature).
After scoring, :func:`compare_sample` rebuilds the same ids with the training set's own loader
(:func:`dataops.training.dataset.load_labelled_rows`) and compares feature by feature: numbers within a relative
:data:`TOLERANCE`, text equal, missing on both sides. Any difference is a skew between what the model is
trained on and what it serves on (a window computed differently, a type cast, a late rebuild of the mart).
"""

from __future__ import annotations

import heapq
import math
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

SAMPLE = "monitoring.scored_sample"
SAMPLE_SIZE = 200
TOLERANCE = 1e-9
_DDL = ("CREATE SCHEMA IF NOT EXISTS monitoring",
        f"""CREATE TABLE IF NOT EXISTS {SAMPLE} (
            dataset VARCHAR(100) NOT NULL, batch_date DATE NOT NULL, id VARCHAR(200) NOT NULL,
            feature VARCHAR(100) NOT NULL, num_value DOUBLE PRECISION, text_value VARCHAR(1000),
            model_version VARCHAR(100), PRIMARY KEY (dataset, batch_date, id, feature))""")


def _key(value: Any) -> int:
    return zlib.crc32(str(value).encode())


class SampleKeeper:
    """The :data:`SAMPLE_SIZE` rows with the smallest CRC-32 of their id, over every chunk scored.

    :param id_column: the dataset's id column.
    :param features: the model's feature columns.
    :param size: rows kept.
    """

    def __init__(self, id_column: str, features: list[str], size: int = SAMPLE_SIZE) -> None:
        self.id_column, self.features, self.size = id_column, list(features), size
        self._heap: list[tuple[int, str, tuple]] = []  # max-heap on the key (negated)

    def add(self, frame: pd.DataFrame) -> None:
        """Offer one scored chunk."""
        for row in frame[[self.id_column, *self.features]].itertuples(index=False, name=None):
            item = (-_key(row[0]), str(row[0]), tuple(row[1:]))
            if len(self._heap) < self.size:
                heapq.heappush(self._heap, item)
            elif item > self._heap[0]:
                heapq.heapreplace(self._heap, item)

    def rows(self) -> list[tuple[str, str, float | None, str | None]]:
        """``(id, feature, num_value, text_value)`` of every kept row, ordered by id."""
        out = []
        for _, ident, values in sorted(self._heap, key=lambda i: i[1]):
            for feature, value in zip(self.features, values, strict=True):
                out.append((ident, feature, *_split(value)))
        return out


def _split(value: Any) -> tuple[float | None, str | None]:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None, None
    if isinstance(value, str):
        return None, value
    return float(value), None


def ensure_table(warehouse: Any) -> None:
    with warehouse.connect() as con:
        for ddl in _DDL:
            con.execute(ddl)


def record_sample(warehouse: Any, dataset: str, batch_date: str, model_version: str, keeper: SampleKeeper) -> int:
    """Replace the batch's recorded sample (one transaction: a rerun never duplicates it).

    :returns: rows recorded.
    """
    from dataops.warehouse import transaction

    ensure_table(warehouse)
    rows = keeper.rows()
    with warehouse.connect() as con, transaction(con):
        con.execute(f"DELETE FROM {SAMPLE} WHERE dataset = ? AND batch_date = CAST(? AS DATE)", [dataset, batch_date])
        if rows:
            con.executemany(f"INSERT INTO {SAMPLE} VALUES (?, CAST(? AS DATE), ?, ?, ?, ?, ?)",
                            [(dataset, batch_date, i, f, n, t, model_version) for i, f, n, t in rows])
    return len(rows)


@dataclass
class Skew:
    """The comparison of one batch's sample.

    :param rows: sampled ids compared.
    :param differing: feature -> ids whose value differs.
    :param examples: feature -> ``(id, scored value, rebuilt value)`` of its first difference.
    """

    rows: int = 0
    differing: dict[str, int] = field(default_factory=dict)
    examples: dict[str, tuple[str, Any, Any]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.differing.values())

    def describe(self) -> str:
        return "; ".join(f"{f}: {n} of {self.rows} rows (e.g. {self.examples[f][0]}: scored {self.examples[f][1]!r}, "
                         f"training path {self.examples[f][2]!r})" for f, n in sorted(self.differing.items(),
                                                                                         key=lambda kv: -kv[1]))


def _same(scored: tuple[float | None, str | None], rebuilt: Any) -> bool:
    num, text = scored
    other_num, other_text = _split(rebuilt)
    if text is not None or other_text is not None:
        return text == (other_text if other_text is not None else None if other_num is None else str(rebuilt))
    if num is None or other_num is None:
        return num is None and other_num is None
    return abs(num - other_num) <= TOLERANCE * max(1.0, abs(num), abs(other_num))


def compare_sample(warehouse: Any, ds_cfg: Any, batch_date: str) -> Skew | None:
    """Rebuild the batch's recorded sample through the training-set path and compare (None: no sample).

    :param warehouse: a :class:`~dataops.warehouse.Warehouse`.
    :param ds_cfg: the dataset configuration.
    :param batch_date: ``YYYY-MM-DD``.
    """
    from dataops.training.dataset import load_labelled_rows

    if not warehouse.table_exists(SAMPLE):
        return None
    recorded = warehouse.fetchall(f"SELECT id, feature, num_value, text_value FROM {SAMPLE} WHERE dataset = ? "
                                  "AND batch_date = CAST(? AS DATE)", [ds_cfg.name, batch_date])
    if not recorded:
        return None
    scored: dict[str, dict[str, tuple[float | None, str | None]]] = {}
    for ident, feature, num, text in recorded:
        scored.setdefault(ident, {})[feature] = (None if num is None else float(num), text)
    day = datetime.fromisoformat(batch_date)
    engine = warehouse.engine()
    try:  # the training window of one day, as the training set would read it, restricted to the sampled ids
        rebuilt = load_labelled_rows(engine, ds_cfg, day - timedelta(days=1), day + timedelta(days=2),
                                     day + timedelta(days=2), ids=sorted(scored))
    finally:
        engine.dispose()
    by_id = {str(r[ds_cfg.id_column]): r for r in rebuilt.to_dict("records")}
    skew = Skew(rows=len(scored))
    for ident, values in scored.items():
        row = by_id.get(ident)
        for feature, value in values.items():
            other = None if row is None else row.get(feature)
            if row is None or not _same(value, other):
                skew.differing[feature] = skew.differing.get(feature, 0) + 1
                skew.examples.setdefault(feature, (ident, value[1] if value[1] is not None else value[0],
                                                   "no such row" if row is None else other))
    return skew
