"""DDL of the raw layer: one table per landed source, the quarantine and the ingest ledger."""

from __future__ import annotations

from typing import Any

from dataops.datasets.config import SourceSpec
from dataops.ingest.rules import sql_type

QUARANTINE = "raw.quarantine"
LEDGER = "raw.ingest_files"

_QUARANTINE_DDL = f"""
CREATE TABLE IF NOT EXISTS {QUARANTINE} (
    dataset VARCHAR, source VARCHAR, batch_date DATE, source_file VARCHAR, source_line INTEGER,
    reason VARCHAR, raw_record VARCHAR, ingest_version INTEGER, quarantined_at TIMESTAMP
)"""

_LEDGER_DDL = f"""
CREATE TABLE IF NOT EXISTS {LEDGER} (
    dataset VARCHAR, source VARCHAR, batch_date DATE, version INTEGER, file_key VARCHAR, sha256 VARCHAR,
    batch_fingerprint VARCHAR, rows_landed INTEGER, rows_loaded INTEGER, rows_quarantined INTEGER,
    status VARCHAR, message VARCHAR, ingested_at TIMESTAMP
)"""


def raw_table_ddl(source: SourceSpec) -> str:
    """``CREATE TABLE IF NOT EXISTS`` of the source's raw table (valid on DuckDB and PostgreSQL)."""
    cols = ", ".join(f"{c.name} {sql_type(c)}" for c in source.columns)
    return (f"CREATE TABLE IF NOT EXISTS {source.raw_table} ({cols}, batch_date DATE, source_file VARCHAR, "
            f"source_line INTEGER, ingest_version INTEGER, loaded_at TIMESTAMP)")


def ensure_raw_tables(con: Any, source: SourceSpec) -> None:
    """Create the raw schema, the source's table, the quarantine and the ledger if missing.

    :param con: anything with ``execute(sql)``: a :class:`dataops.warehouse.Warehouse`, one of its connections
        or a DuckDB connection (the DDL is valid on DuckDB and PostgreSQL).
    """
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(raw_table_ddl(source))
    con.execute(_QUARANTINE_DDL)
    con.execute(_LEDGER_DDL)
