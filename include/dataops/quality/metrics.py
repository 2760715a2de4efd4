"""Compute a batch's quality metrics in the warehouse (SQL pushdown: the batch never leaves the database).

Three aggregate queries per batch and measured source, whatever the number of metrics: one over the batch's
rows in the raw table, one over its quarantined rows (``raw.quarantine``) and one over the ingest ledger
(``raw.ingest_files``, latest version of the batch). After scoring, one more over ``marts.predictions``.
Metrics may measure another source than the main one (the chargeback label feed): its files rejected by the
contract are added to the batch's ``rejected`` facts, so the gate's contract check covers the label feed.
The SQL is plain (``count(*) FILTER (WHERE ...)``, ``ln``, ``stddev_samp``) and runs on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dataops.quality.config import OTHER, MetricSpec, QualityConfig

LEDGER = "raw.ingest_files"
QUARANTINE = "raw.quarantine"
PREDICTIONS = "marts.predictions"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def _ident(name: str) -> str:
    if not _IDENT.match(name or ""):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


@dataclass(frozen=True)
class MetricValue:
    """One metric of one batch.

    :param metric: metric name.
    :param value: the value (a proportion for rates); None when the batch has no data for it.
    :param n: batch size behind a rate (None for other metrics).
    """

    metric: str
    value: float | None
    n: int | None = None


@dataclass
class BatchFacts:
    """What the ingest ledger says about the batch (latest version).

    :param version: ingest version (0 when the batch was never ingested).
    :param landed: rows landed (all files).
    :param quarantined: rows quarantined.
    :param rejected: ``(file_key, message)`` of every file that broke the file contract.
    """

    version: int = 0
    landed: int = 0
    quarantined: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)


def _table_exists(con, qualified: str) -> bool:
    from sqlalchemy import inspect

    schema, _, table = qualified.rpartition(".")
    return inspect(con).has_table(table, schema=schema or None)


def batch_facts(con, dataset: str, source: str, batch_date: str) -> BatchFacts:
    """Ledger totals of the batch's latest ingest version.

    :param con: SQLAlchemy connection to the warehouse.
    :param dataset: dataset name.
    :param source: landed source.
    :param batch_date: ``YYYY-MM-DD``.
    """
    from sqlalchemy import text

    if not _table_exists(con, LEDGER):
        return BatchFacts()
    where = "dataset = :ds AND source = :src AND batch_date = CAST(:d AS DATE)"
    params = {"ds": dataset, "src": source, "d": batch_date}
    rows = con.execute(text(
        f"SELECT version, file_key, rows_landed, rows_quarantined, status, message FROM {LEDGER} "
        f"WHERE {where} AND version = (SELECT max(version) FROM {LEDGER} WHERE {where}) ORDER BY file_key"),
        params).fetchall()
    facts = BatchFacts(version=int(rows[0][0]) if rows else 0)
    for _, key, landed, quarantined, status, message in rows:
        facts.landed += int(landed or 0)
        facts.quarantined += int(quarantined or 0)
        if status == "rejected":
            facts.rejected.append((key, message or ""))
    return facts


def _null_count_sql(i: int, m: MetricSpec, col: str, params: dict[str, Any]) -> str:
    return f"count(*) - count({col}) AS m{i}"


def _log_mean_sql(i: int, m: MetricSpec, col: str, params: dict[str, Any]) -> str:
    return f"avg(ln({col})) FILTER (WHERE {col} > 0) AS m{i}"


def _log_std_sql(i: int, m: MetricSpec, col: str, params: dict[str, Any]) -> str:
    return f"stddev_samp(ln({col})) FILTER (WHERE {col} > 0) AS m{i}"


def _category_count_sql(i: int, m: MetricSpec, col: str, params: dict[str, Any]) -> str:
    if m.value == OTHER:
        listed = ", ".join(f":v{i}_{j}" for j in range(len(m.values)))
        params.update({f"v{i}_{j}": v for j, v in enumerate(m.values)})
        return f"count(*) FILTER (WHERE {col} IS NOT NULL AND CAST({col} AS VARCHAR) NOT IN ({listed})) AS m{i}"
    params[f"v{i}"] = m.value
    return f"count(*) FILTER (WHERE CAST({col} AS VARCHAR) = :v{i}) AS m{i}"


def _lateness_sql(i: int, m: MetricSpec, col: str, params: dict[str, Any]) -> str:
    return f"avg(EXTRACT(EPOCH FROM ({col} - {_ident(m.since or '')})) / 86400.0) AS m{i}"


# Metric kind -> the aggregate over the batch's raw rows behind it, as ``sql(i, spec, column, params)``
# returning the ``... AS m<i>`` expression (and adding its bind parameters to ``params``).
_RAW_AGGREGATE: dict[str, Callable[[int, MetricSpec, str, dict[str, Any]], str]] = {
    "null_rate": _null_count_sql,
    "log_mean": _log_mean_sql,
    "log_std": _log_std_sql,
    "category_share": _category_count_sql,
    "lateness_days": _lateness_sql,
}
ROW_KINDS = tuple(_RAW_AGGREGATE)


def _raw_aggregates(con, table: str, specs: list[MetricSpec], batch_date: str) -> dict[str, Any]:
    from sqlalchemy import text

    exprs = ["count(*) AS row_count"]
    params: dict[str, Any] = {"d": batch_date}
    for i, m in enumerate(specs):
        exprs.append(_RAW_AGGREGATE[m.kind](i, m, _ident(m.column or ""), params))
    sql = f"SELECT {', '.join(exprs)} FROM {_ident(table)} WHERE batch_date = CAST(:d AS DATE)"
    row = con.execute(text(sql), params).mappings().one()
    return dict(row)


def _quarantine_aggregates(con, dataset: str, source: str, columns: list[str], batch_date: str) -> dict[str, int]:
    from sqlalchemy import text

    if not _table_exists(con, QUARANTINE):
        return {}
    exprs = ["count(*) FILTER (WHERE reason LIKE 'duplicate_key:%') AS duplicate_key"]
    params: dict[str, Any] = {"ds": dataset, "src": source, "d": batch_date}
    for i, c in enumerate(columns):
        params[f"r{i}"] = f"{c}: missing value"
        exprs.append(f"count(*) FILTER (WHERE reason = :r{i}) AS null_{i}")
    row = con.execute(text(
        f"SELECT {', '.join(exprs)} FROM {QUARANTINE} "
        "WHERE dataset = :ds AND source = :src AND batch_date = CAST(:d AS DATE)"), params).mappings().one()
    out = {"duplicate_key": int(row["duplicate_key"] or 0)}
    out.update({c: int(row[f"null_{i}"] or 0) for i, c in enumerate(columns)})
    return out


def _rate(count: int | None, n: int) -> tuple[float | None, int | None]:
    if n <= 0 or count is None:
        return None, None
    return min(1.0, float(count) / n), n


@dataclass(frozen=True)
class _Measured:
    """What a batch metric's value is made from: its raw-row aggregate (None when the kind has none), the
    batch's row count, the ledger facts and the quarantine counts (``duplicate_key`` and per column)."""

    agg: Any
    rows: int
    facts: BatchFacts
    quarantined: dict[str, int]


def _row_count(m: MetricSpec, x: _Measured) -> tuple[float | None, int | None]:
    return float(x.rows), None


def _null_rate(m: MetricSpec, x: _Measured) -> tuple[float | None, int | None]:
    nulls = int(x.agg or 0) + x.quarantined.get(m.column or "", 0)
    return _rate(nulls, x.facts.landed)


def _duplicate_key_rate(m: MetricSpec, x: _Measured) -> tuple[float | None, int | None]:
    return _rate(x.quarantined.get("duplicate_key", 0), x.facts.landed)


def _quarantine_rate(m: MetricSpec, x: _Measured) -> tuple[float | None, int | None]:
    return _rate(x.facts.quarantined, x.facts.landed)


def _category_share(m: MetricSpec, x: _Measured) -> tuple[float | None, int | None]:
    return _rate(int(x.agg or 0), x.rows)


def _aggregate_value(m: MetricSpec, x: _Measured) -> tuple[float | None, int | None]:
    return (None if x.agg is None else float(x.agg)), None


# Metric kind -> its ``(value, n)`` from what was measured (``batch`` stage kinds).
_BATCH_VALUE: dict[str, Callable[[MetricSpec, _Measured], tuple[float | None, int | None]]] = {
    "row_count": _row_count,
    "null_rate": _null_rate,
    "duplicate_key_rate": _duplicate_key_rate,
    "quarantine_rate": _quarantine_rate,
    "category_share": _category_share,
    "log_mean": _aggregate_value,
    "log_std": _aggregate_value,
    "lateness_days": _aggregate_value,
}


def _value(m: MetricSpec, measured: _Measured) -> MetricValue | None:
    handler = _BATCH_VALUE.get(m.kind)
    return None if handler is None else MetricValue(m.name, *handler(m, measured))


def _measure_source(con, dataset: str, source: str, table: str, specs: list[MetricSpec], batch_date: str
                    ) -> tuple[list[MetricValue], BatchFacts]:
    """The metrics of one landed source of the batch, and that source's ledger facts."""
    row_specs = [m for m in specs if m.kind in ROW_KINDS]
    null_columns = [m.column for m in specs if m.kind == "null_rate" and m.column]
    facts = batch_facts(con, dataset, source, batch_date)
    agg = _raw_aggregates(con, table, row_specs, batch_date) if _table_exists(con, table) else {}
    quarantined = _quarantine_aggregates(con, dataset, source, null_columns, batch_date)
    rows = int(agg.get("row_count") or 0)
    index = {m.name: i for i, m in enumerate(row_specs)}
    out = []
    for m in specs:
        measured = _Measured(agg.get(f"m{index[m.name]}") if m.name in index else None, rows, facts, quarantined)
        value = _value(m, measured)
        if value is not None:
            out.append(value)
    return out, facts


def _source_tables(config: QualityConfig, raw_table: str) -> dict[str, str]:
    """Raw table of every measured source: ``raw_table`` for the main one, the others in the same schema."""
    tables = {config.source: raw_table}
    others = [s for s in config.sources if s != config.source]
    if others:
        from dataops.datasets import load_dataset

        schema = raw_table.rpartition(".")[0]
        sources = load_dataset(config.dataset).sources
        for source in others:
            if source not in sources:
                raise ValueError(f"quality metrics of {config.dataset!r} measure source {source!r}, which the "
                                 f"dataset does not have (sources: {sorted(sources)})")
            name = sources[source].raw_table.rpartition(".")[2]
            tables[source] = f"{schema}.{name}" if schema else name
    return tables


def compute_batch_metrics(location_or_engine, config: QualityConfig, raw_table: str, batch_date: str
                          ) -> tuple[list[MetricValue], BatchFacts]:
    """The ``batch`` stage metrics of one batch, and the ledger facts behind them.

    The facts are the main source's; ``rejected`` also lists the rejected files of every other measured
    source (e.g. the chargeback label feed), so a contract break there is judged like one on the main feed.

    :param location_or_engine: a :class:`~dataops.warehouse.WarehouseLocation` or a SQLAlchemy engine.
    :param config: the dataset's quality configuration.
    :param raw_table: the measured raw table of the main source, e.g. ``raw.transactions`` (the other
        sources' raw tables are taken from the dataset configuration, in the same schema).
    :param batch_date: ``YYYY-MM-DD``.
    """
    engine = _engine(location_or_engine)
    specs = config.stage("batch")
    tables = _source_tables(config, raw_table)
    measured: dict[str, MetricValue] = {}
    facts, other_rejected = BatchFacts(), []
    with engine.connect() as con:
        for source in config.sources:
            own = [m for m in specs if config.source_of(m) == source]
            values, source_facts = _measure_source(con, config.dataset, source, tables[source], own, batch_date)
            measured.update({v.metric: v for v in values})
            if source == config.source:
                facts = source_facts
            else:
                other_rejected += source_facts.rejected
    facts.rejected.extend(other_rejected)
    return [measured[m.name] for m in specs if m.name in measured], facts


def compute_score_metrics(location_or_engine, config: QualityConfig, batch_date: str, threshold: float,
                          role: str = "champion") -> list[MetricValue]:
    """The ``post_score`` metrics: mean score and share at or above the decision threshold.

    :param location_or_engine: warehouse location or SQLAlchemy engine.
    :param config: the dataset's quality configuration.
    :param batch_date: ``YYYY-MM-DD``.
    :param threshold: the decision threshold.
    :param role: which model's predictions (``champion``).
    """
    from sqlalchemy import text

    engine = _engine(location_or_engine)
    specs = config.stage("post_score")
    with engine.connect() as con:
        if not _table_exists(con, PREDICTIONS):
            rows, mean, flagged = 0, None, 0
        else:
            rows, mean, flagged = con.execute(text(
                f"SELECT count(*), avg(score), count(*) FILTER (WHERE score >= :t) FROM {PREDICTIONS} "
                "WHERE dataset = :ds AND batch_date = CAST(:d AS DATE) AND role = :r"),
                {"t": threshold, "ds": config.dataset, "d": batch_date, "r": role}).one()
    values = {"score_mean": (None if mean is None else float(mean), None),
              "score_flag_rate": _rate(int(flagged or 0), int(rows or 0))}  # metric kind -> (value, n)
    return [MetricValue(m.name, *values[m.kind]) for m in specs if m.kind in values]


def _engine(location_or_engine):
    """The warehouse's SQLAlchemy engine (``Warehouse.engine()``, unpooled); an engine is used as it is.

    :param location_or_engine: a :class:`~dataops.warehouse.Warehouse`, its location or URL, or an engine.
    """
    import sqlalchemy as sa

    from dataops.warehouse import open_warehouse

    if isinstance(location_or_engine, sa.Engine):
        return location_or_engine
    return open_warehouse(location_or_engine).engine(poolclass=sa.pool.NullPool)
