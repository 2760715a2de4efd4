"""Score one batch date's feature rows into ``marts.predictions``.

Features are streamed from the warehouse in Arrow record batches of ``chunk_size`` rows, so memory does
not grow with the batch. Scores go to a staging table first; the date's rows for this model role are then
replaced in one transaction, so a rerun never duplicates predictions. For scale-out, ``part=(i, n)``
scores only the rows whose ``hash(tx_id) % n == i`` (one mapped task per part).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import pyarrow as pa

from dataops.datasets.config import DatasetConfig
from dataops.warehouse import WarehouseLocation

log = logging.getLogger(__name__)

PREDICTIONS = "marts.predictions"
_DDL = f"""CREATE TABLE IF NOT EXISTS {PREDICTIONS} (
    tx_id VARCHAR, batch_date DATE, score DOUBLE, decision BOOLEAN, model_version VARCHAR,
    role VARCHAR, scored_at TIMESTAMP)"""


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


def _part_filter(id_column: str, part: tuple[int, int] | None) -> str:
    if part is None:
        return ""
    index, count = part
    if not 0 <= index < count:
        raise ValueError(f"part index {index} is outside 0..{count - 1}")
    return f" AND hash({id_column}) % {int(count)} = {int(index)}"


def score_batch(location: WarehouseLocation, dataset: DatasetConfig, batch_date: str, model, *,
                role: str = "champion", threshold: float | None = None, chunk_size: int = 100_000,
                part: tuple[int, int] | None = None) -> ScoreReport:
    """Score the feature rows of ``batch_date`` and replace their predictions for ``role``.

    :param location: the warehouse (DuckDB).
    :param dataset: dataset configuration (feature table, id column, decision threshold).
    :param batch_date: ``YYYY-MM-DD``.
    :param model: a :class:`dataops.registry.LoadedModel` (anything with ``version`` and ``predict_proba``).
    :param role: ``champion`` (its decisions are used) or ``shadow`` (recorded alongside, not acted on).
    :param threshold: decision threshold; the dataset's ``decision_threshold`` by default.
    :param chunk_size: rows per chunk; bounds memory (DuckDB hands out at most 122,880 rows per batch).
    :param part: ``(index, count)`` to score one hash partition of the batch only.
    """
    if location.kind != "duckdb":
        raise NotImplementedError("batch scoring writes to DuckDB; Postgres scoring is not implemented yet")
    threshold = dataset.decision_threshold if threshold is None else threshold
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
                    f"{_part_filter(idc, part)}", [batch_date, role])
        con.execute(f"INSERT INTO {PREDICTIONS} SELECT tx_id, CAST(? AS DATE), score, score >= ?, ?, ?, ? "
                    "FROM scored", [batch_date, threshold, model.version, role, scored_at])
        con.execute("COMMIT")
    report = ScoreReport(batch_date, role, model.version, rows, flagged, chunks)
    log.info("scored %s rows of %s with %s %s in %s chunks: %s at or above %.3f",
             rows, batch_date, role, model.version, chunks, flagged, threshold)
    return report
