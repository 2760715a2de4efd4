"""Score one batch date's feature rows into ``marts.predictions``.

Features are streamed from the warehouse (:meth:`Warehouse.stream`) in frames of ``chunk_size`` rows, so memory
does not grow with the batch. Scores are collected in a staging table; the date's rows for this dataset and
model role are then replaced in one transaction (:meth:`Warehouse.replace`), so a rerun never duplicates
predictions and another dataset's scores are never touched. For scale-out, ``part=(i, n)`` scores only the
rows whose id hashes to bucket ``i`` of ``n`` (one mapped task per part).

``marts.predictions`` is generic: ``dataset, id, batch_date, score, decision, model_version, role, scored_at,
decides``; ``id`` holds the value of the dataset's ``id_column`` (as text). ``decides`` marks the row whose
``decision`` is acted on: one row per transaction, the champion's, or the canary's for its share during a canary
release (:mod:`dataops.release`); shadow, green and standby rows decide nothing. A table of an older shape (no
``dataset``, ``tx_id`` instead of ``id``, no ``decides``) is migrated in place the first time it is scored into
(:func:`ensure_predictions`).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from dataops.datasets.config import DatasetConfig
from dataops.release.plan import Slot
from dataops.warehouse import StagedLoad, Warehouse, WarehouseLocation, open_warehouse

log = logging.getLogger(__name__)

PREDICTIONS = "marts.predictions"
COLUMNS = ("dataset", "id", "batch_date", "score", "decision", "model_version", "role", "scored_at", "decides")
_DDL = f"""CREATE TABLE IF NOT EXISTS {PREDICTIONS} (
    dataset VARCHAR, id VARCHAR, batch_date DATE, score DOUBLE PRECISION, decision BOOLEAN,
    model_version VARCHAR, role VARCHAR, scored_at TIMESTAMP, decides BOOLEAN)"""


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


def ensure_predictions(warehouse: Warehouse, dataset: str) -> None:
    """Create ``marts.predictions`` if missing; migrate a table of the old shape (no ``dataset``, ``tx_id``).

    The old table could only hold the one configured dataset, so its rows are attributed to ``dataset``.
    """
    warehouse.execute("CREATE SCHEMA IF NOT EXISTS marts")
    warehouse.execute(_DDL)
    columns = {r[0] for r in warehouse.fetchall(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
        "AND table_name = 'predictions'")}
    if "tx_id" in columns and "id" not in columns:
        warehouse.execute(f"ALTER TABLE {PREDICTIONS} RENAME COLUMN tx_id TO id")
    if "dataset" not in columns:
        log.warning("%s: adding column dataset (existing rows are attributed to %s)", PREDICTIONS, dataset)
        warehouse.execute(f"ALTER TABLE {PREDICTIONS} ADD COLUMN dataset VARCHAR")
        warehouse.execute(f"UPDATE {PREDICTIONS} SET dataset = ? WHERE dataset IS NULL", [dataset])
    if "decides" not in columns:  # before releases, the champion's rows were the decisions
        warehouse.execute(f"ALTER TABLE {PREDICTIONS} ADD COLUMN IF NOT EXISTS decides BOOLEAN")  # two scorers
        warehouse.execute(f"UPDATE {PREDICTIONS} SET decides = (role = 'champion') WHERE decides IS NULL")


def _part_filter(warehouse: Warehouse, id_expr: str, part: tuple[int, int] | None) -> str:
    """SQL condition keeping one hash partition of the rows (the id hashed as text on every table)."""
    if part is None:
        return ""
    index, count = part
    if not 0 <= index < count:
        raise ValueError(f"part index {index} is outside 0..{count - 1}")
    return f" AND {warehouse.hash_bucket(f'CAST({id_expr} AS VARCHAR)', count)} = {int(index)}"


def _record_reference(warehouse: Warehouse, dataset: str, model) -> None:
    """The model's training reference into the warehouse, for feature drift (:mod:`dataops.monitoring`)."""
    from dataops.monitoring.reference import FILE, record_reference

    reference = (getattr(model, "documents", None) or {}).get(FILE)
    if reference is None:
        log.warning("model %s has no %s: feature drift is not measured for the batches it scores",
                    model.version, FILE)
        return
    record_reference(warehouse, dataset, model.version, reference)


def _sample_keeper(id_column: str, model, role: str, part: tuple[int, int] | None):
    """What the champion received for a sample of the batch (training/serving skew, :mod:`dataops.monitoring`);
    None for a shadow model or one hash partition of a batch (its sample would be partial)."""
    if role != "champion" or part is not None:
        return None
    from dataops.monitoring.skew import SampleKeeper

    return SampleKeeper(id_column, list(model.features))


def _slot(role: str, slot: Slot | None, model) -> Slot:
    if slot is None:
        return Slot(role, model.version)
    if slot.version != model.version:
        raise ValueError(f"the plan's {slot.role} slot is version {slot.version}, the model given is {model.version}")
    return slot


def _stale_deciders(warehouse: Warehouse, dataset: str, batch_date: str, slot: Slot,
                    part: tuple[int, int] | None) -> list[tuple[str, list]]:
    """A champion deciding its whole batch takes the decisions back from canary rows of an earlier plan (a day
    rerun after its canary was rolled back or removed): kept as scored, deciding nothing."""
    if slot.role != "champion" or slot.share:
        return []
    return [(f"UPDATE {PREDICTIONS} SET decides = FALSE WHERE dataset = ? AND batch_date = CAST(? AS DATE) "
             f"AND role = 'canary' AND decides{_part_filter(warehouse, 'id', part)}", [dataset, batch_date])]


def score_batch(location: Warehouse | WarehouseLocation, dataset: DatasetConfig, batch_date: str, model, *,
                role: str = "champion", threshold: float | None = None, chunk_size: int = 100_000,
                part: tuple[int, int] | None = None, slot: Slot | None = None) -> ScoreReport:
    """Score the feature rows of ``batch_date`` and replace their predictions for (dataset, role).

    :param location: the warehouse (a :class:`~dataops.warehouse.Warehouse` or its location).
    :param dataset: dataset configuration (name, feature table, id column, decision threshold).
    :param batch_date: ``YYYY-MM-DD``.
    :param model: a :class:`dataops.registry.LoadedModel` (anything with ``version``, ``features`` and
        ``predict_proba``).
    :param role: ``champion`` (its decisions are used) or ``shadow`` (recorded alongside, not acted on).
    :param slot: the batch's :class:`~dataops.release.plan.Slot` for this model (its role and which
        transactions it decides, e.g. a canary's share); overrides ``role``.
    :param threshold: decision threshold; the dataset's ``decision_threshold`` by default.
    :param chunk_size: rows per chunk; bounds memory (DuckDB hands out at most 122,880 rows per batch).
    :param part: ``(index, count)`` to score one hash partition of the batch only.
    """
    slot = _slot(role, slot, model)
    role = slot.role
    warehouse = open_warehouse(location)
    threshold = dataset.decision_threshold if threshold is None else threshold
    idc = dataset.id_column
    features = f"SELECT {', '.join([idc, *model.features])} FROM {dataset.feature_table} " \
               f"WHERE batch_date = CAST(? AS DATE){_part_filter(warehouse, idc, part)}"
    ensure_predictions(warehouse, dataset.name)
    scored_at = datetime.now(UTC).replace(tzinfo=None)
    rows = flagged = chunks = 0
    keeper = _sample_keeper(idc, model, role, part)
    with warehouse.staging() as staging:
        staging.execute("CREATE OR REPLACE TEMP TABLE scored (id VARCHAR, score DOUBLE, decides BOOLEAN)")
        for frame in warehouse.stream(features, [batch_date], batch_size=chunk_size):
            if keeper is not None:
                keeper.add(frame)
            scores = np.asarray(model.predict_proba(frame), dtype=np.float64)
            ids = frame[idc].astype(str).to_numpy()
            staging.register("scored_chunk", pa.table({"id": ids, "score": scores, "decides": slot.decides(ids)}))
            staging.execute("INSERT INTO scored SELECT id, score, decides FROM scored_chunk")
            staging.unregister("scored_chunk")
            rows += len(frame)
            flagged += int((scores >= threshold).sum())
            chunks += 1
        warehouse.replace(
            staging,
            deletes=[(f"DELETE FROM {PREDICTIONS} WHERE dataset = ? AND batch_date = CAST(? AS DATE) AND role = ?"
                      f"{_part_filter(warehouse, 'id', part)}", [dataset.name, batch_date, role]),
                     *_stale_deciders(warehouse, dataset.name, batch_date, slot, part)],
            loads=[StagedLoad(PREDICTIONS, COLUMNS,
                              "SELECT CAST(? AS VARCHAR), id, CAST(? AS DATE), score, score >= ?, "
                              "CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS TIMESTAMP), decides FROM scored",
                              [dataset.name, batch_date, threshold, model.version, role, scored_at])])
    _record_reference(warehouse, dataset.name, model)
    if keeper is not None:
        from dataops.monitoring.skew import record_sample

        record_sample(warehouse, dataset.name, batch_date, model.version, keeper)
    report = ScoreReport(batch_date, role, model.version, rows, flagged, chunks)
    log.info("scored %s rows of %s %s with %s %s in %s chunks: %s at or above %.3f", rows, dataset.name,
             batch_date, role, model.version, chunks, flagged, threshold)
    return report
