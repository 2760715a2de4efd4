"""Score one batch date's feature rows into ``marts.predictions``.

Features are streamed from the warehouse in Arrow record batches of ``chunk_size`` rows, so memory does
not grow with the batch. Scores go to a staging table first; the date's rows for this model role are then
replaced in one transaction, so a rerun never duplicates predictions. For scale-out, ``part=(i, n)``
scores only the rows whose ``hash(tx_id) % n == i`` (one mapped task per part).
"""

from __future__ import annotations

import io
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa

from dataops.datasets.config import DatasetConfig
from dataops.warehouse import WarehouseLocation

log = logging.getLogger(__name__)

PREDICTIONS = "marts.predictions"
_DDL = f"""CREATE TABLE IF NOT EXISTS {PREDICTIONS} (
    tx_id VARCHAR, batch_date DATE, score DOUBLE, decision BOOLEAN, model_version VARCHAR,
    role VARCHAR, scored_at TIMESTAMP)"""
_POSTGRES_DDL = _DDL.replace("score DOUBLE", "score DOUBLE PRECISION")


@dataclass(frozen=True)
class ScoreReport:
    batch_date: str
    role: str
    model_version: str
    rows: int
    flagged: int
    chunks: int

    def to_dict(self) -> dict:
        return asdict(self)


def _part_filter(id_column: str, part: tuple[int, int] | None, kind: str = "duckdb") -> str:
    """SQL condition keeping one hash partition of the rows (``hashtext`` on PostgreSQL)."""
    if part is None:
        return ""
    index, count = part
    if not 0 <= index < count:
        raise ValueError(f"part index {index} is outside 0..{count - 1}")
    if kind == "postgres":
        return f" AND mod(abs(hashtext({id_column})::bigint), {int(count)}) = {int(index)}"
    return f" AND hash({id_column}) % {int(count)} = {int(index)}"


def score_batch(location: WarehouseLocation, dataset: DatasetConfig, batch_date: str, model, *,
                role: str = "champion", threshold: float | None = None, chunk_size: int = 100_000,
                part: tuple[int, int] | None = None) -> ScoreReport:
    """Score the feature rows of ``batch_date`` and replace their predictions for ``role``.

    :param location: the warehouse (DuckDB file or PostgreSQL).
    :param dataset: dataset configuration (feature table, id column, decision threshold).
    :param batch_date: ``YYYY-MM-DD``.
    :param model: a :class:`dataops.registry.LoadedModel` (anything with ``version`` and ``predict_proba``).
    :param role: ``champion`` (its decisions are used) or ``shadow`` (recorded alongside, not acted on).
    :param threshold: decision threshold; the dataset's ``decision_threshold`` by default.
    :param chunk_size: rows per chunk; bounds memory (DuckDB hands out at most 122,880 rows per batch).
    :param part: ``(index, count)`` to score one hash partition of the batch only.
    """
    threshold = dataset.decision_threshold if threshold is None else threshold
    if location.kind == "postgres":
        return _score_postgres(location, dataset, batch_date, model, role=role, threshold=threshold,
                               chunk_size=chunk_size, part=part)
    idc = dataset.id_column
    where = f"batch_date = CAST(? AS DATE){_part_filter(idc, part)}"
    columns = ", ".join([idc, *model.features])
    scored_at = datetime.now(UTC).replace(tzinfo=None)
    rows = flagged = chunks = 0
    with location.duckdb_connection() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(_DDL)
        con.execute("CREATE OR REPLACE TEMP TABLE scored (tx_id VARCHAR, score DOUBLE)")
        # .sql(...).to_arrow_reader streams; .execute(...).to_arrow_reader would copy the whole result first.
        reader = con.cursor().sql(f"SELECT {columns} FROM {dataset.feature_table} WHERE {where}",
                                  params=[batch_date]).to_arrow_reader(chunk_size)
        for batch in reader:
            frame = batch.to_pandas()
            scores = model.predict_proba(frame)
            chunk = pa.table({"tx_id": frame[idc].astype(str).to_numpy(), "score": scores})  # noqa: F841
            con.execute("INSERT INTO scored SELECT tx_id, score FROM chunk")
            rows += len(frame)
            flagged += int((scores >= threshold).sum())
            chunks += 1
        con.execute("BEGIN TRANSACTION")
        con.execute(f"DELETE FROM {PREDICTIONS} WHERE batch_date = CAST(? AS DATE) AND role = ?"
                    f"{_part_filter('tx_id', part)}", [batch_date, role])
        con.execute(f"INSERT INTO {PREDICTIONS} SELECT tx_id, CAST(? AS DATE), score, score >= ?, ?, ?, ? "
                    "FROM scored", [batch_date, threshold, model.version, role, scored_at])
        con.execute("COMMIT")
    return _report(batch_date, role, model.version, rows, flagged, chunks, threshold)


def _report(batch_date: str, role: str, version: str, rows: int, flagged: int, chunks: int,
            threshold: float) -> ScoreReport:
    report = ScoreReport(batch_date, role, version, rows, flagged, chunks)
    log.info("scored %s rows of %s with %s %s in %s chunks: %s at or above %.3f",
             rows, batch_date, role, version, chunks, flagged, threshold)
    return report


def _frame(rows: list, columns: list[str]) -> pd.DataFrame:
    """A chunk of fetched rows as a frame; NUMERIC columns (``Decimal``) become floats."""
    frame = pd.DataFrame.from_records(rows, columns=columns)
    for name in columns:
        if frame[name].dtype == object:
            sample = frame[name].dropna()
            if len(sample) and isinstance(sample.iloc[0], Decimal):
                frame[name] = frame[name].astype(float)
    return frame


def _score_postgres(location: WarehouseLocation, dataset: DatasetConfig, batch_date: str, model, *, role: str,
                    threshold: float, chunk_size: int, part: tuple[int, int] | None) -> ScoreReport:
    """:func:`score_batch` on PostgreSQL.

    Feature rows are streamed through a server-side cursor (``stream_results``) in chunks of ``chunk_size``;
    each chunk's scores are bulk-loaded with ``COPY`` into a temp table; the date's predictions for the role
    are then replaced from it. Everything runs in one transaction, so a failure leaves the old predictions.
    """
    from sqlalchemy import text

    idc = dataset.id_column
    columns = [idc, *model.features]
    where = f"batch_date = CAST(:day AS DATE){_part_filter(idc, part, 'postgres')}"
    scored_at = datetime.now(UTC).replace(tzinfo=None)
    rows = flagged = chunks = 0
    engine = location.engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE SCHEMA IF NOT EXISTS marts"))
            conn.execute(text(_POSTGRES_DDL))
            conn.execute(text("CREATE TEMP TABLE scored (tx_id VARCHAR, score DOUBLE PRECISION) ON COMMIT DROP"))
            raw = conn.connection.dbapi_connection
            result = conn.execute(text(f"SELECT {', '.join(columns)} FROM {dataset.feature_table} WHERE {where}"),
                                  {"day": batch_date},
                                  execution_options={"stream_results": True, "yield_per": chunk_size})
            for chunk_rows in result.partitions(chunk_size):
                frame = _frame(chunk_rows, columns)
                scores = np.asarray(model.predict_proba(frame), dtype=np.float64)
                buf = io.StringIO()
                pd.DataFrame({"tx_id": frame[idc].astype(str), "score": scores}).to_csv(
                    buf, index=False, header=False)
                buf.seek(0)
                with raw.cursor() as cur:
                    cur.copy_expert("COPY scored (tx_id, score) FROM STDIN WITH (FORMAT csv)", buf)
                rows += len(frame)
                flagged += int((scores >= threshold).sum())
                chunks += 1
            result.close()
            conn.execute(text(f"DELETE FROM {PREDICTIONS} WHERE batch_date = CAST(:day AS DATE) AND role = :role"
                              f"{_part_filter('tx_id', part, 'postgres')}"), {"day": batch_date, "role": role})
            conn.execute(text(f"INSERT INTO {PREDICTIONS} (tx_id, batch_date, score, decision, model_version, "
                              "role, scored_at) SELECT tx_id, CAST(:day AS DATE), score, score >= :threshold, "
                              ":version, :role, :scored_at FROM scored"),
                         {"day": batch_date, "threshold": threshold, "version": model.version, "role": role,
                          "scored_at": scored_at})
            conn.commit()
    finally:
        engine.dispose()
    return _report(batch_date, role, model.version, rows, flagged, chunks, threshold)
