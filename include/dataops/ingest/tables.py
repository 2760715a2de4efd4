"""DDL of the raw layer: one table per landed source, the quarantine and the ingest ledger."""

from __future__ import annotations

from collections.abc import Callable

from dataops.datasets.config import ColumnSpec, SourceSpec
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


def raw_table_ddl(source: SourceSpec, type_of: Callable[[ColumnSpec], str] = sql_type) -> str:
    """``CREATE TABLE IF NOT EXISTS`` of the source's raw table.

    :param type_of: maps a contract column to its SQL type (DuckDB by default, ``rules.postgres_type``).
    """
    cols = ", ".join(f"{c.name} {type_of(c)}" for c in source.columns)
    return (f"CREATE TABLE IF NOT EXISTS {source.raw_table} ({cols}, batch_date DATE, source_file VARCHAR, "
            f"source_line INTEGER, ingest_version INTEGER, loaded_at TIMESTAMP)")


def ensure_raw_tables(con, source: SourceSpec, type_of: Callable[[ColumnSpec], str] = sql_type) -> None:
    """Create the raw schema, the source's table, the quarantine and the ledger if missing.

    :param con: a DuckDB connection or a DB-API cursor (the quarantine and ledger DDL is valid on both).
    :param type_of: maps a contract column to its SQL type (DuckDB by default).
    """
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(raw_table_ddl(source, type_of))
    con.execute(_QUARANTINE_DDL)
    con.execute(_LEDGER_DDL)
