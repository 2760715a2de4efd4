"""The warehouse side of ingest on PostgreSQL: DDL, ledger lookups and the one-transaction publish.

Parsing and validation stay in an in-memory DuckDB connection (temp tables ``good`` and ``bad``, see
:mod:`dataops.ingest.loader`); only their result crosses to PostgreSQL. The publish exports both tables
from DuckDB to CSV files and bulk-loads them with ``COPY ... FROM STDIN``, inside the same PostgreSQL
transaction that deletes the date's previous partition and quarantine rows and adds the ledger rows.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from dataops.datasets.config import SourceSpec
from dataops.ingest.report import FileOutcome, IngestReport
from dataops.ingest.rules import postgres_type, quote_literal
from dataops.ingest.tables import LEDGER, QUARANTINE, ensure_raw_tables
from dataops.warehouse import WarehouseLocation

_QUARANTINE_COLUMNS = ("dataset, source, batch_date, source_file, source_line, reason, raw_record, "
                       "ingest_version, quarantined_at")


def connect(location: WarehouseLocation) -> Any:
    """A psycopg2 connection to the warehouse (not autocommit: ``with conn:`` is one transaction).

    :param location: a ``postgres`` warehouse.
    """
    if location.kind != "postgres":
        raise ValueError(f"a PostgreSQL warehouse is needed, got {location.kind!r}")
    import psycopg2

    return psycopg2.connect(host=location.host, port=location.port, user=location.user,
                            password=location.password, dbname=location.database)


class PostgresRaw:
    """The raw layer in PostgreSQL, seen by the loader.

    :param pg: an open psycopg2 connection (the caller closes it).
    """

    def __init__(self, pg: Any) -> None:
        self.pg = pg

    def ensure(self, source: SourceSpec) -> None:
        """Create schema ``raw``, the source's table, the quarantine and the ledger if missing."""
        with self.pg, self.pg.cursor() as cur:
            ensure_raw_tables(cur, source, type_of=postgres_type)

    def previous(self, dataset: str, source: str, batch_date: str) -> tuple[int, str | None]:
        """(last version, its batch fingerprint) of the date; ``(0, None)`` if never loaded."""
        with self.pg, self.pg.cursor() as cur:
            cur.execute(f"SELECT version, batch_fingerprint FROM {LEDGER} WHERE dataset = %s AND source = %s "
                        "AND batch_date = %s ORDER BY version DESC LIMIT 1", [dataset, source, batch_date])
            row = cur.fetchone()
        return (row[0] or 0, row[1]) if row else (0, None)

    def ledger_report(self, dataset: str, source: str, batch_date: str, version: int) -> IngestReport:
        """The report of an already loaded version, rebuilt from the ledger (status ``unchanged``)."""
        with self.pg, self.pg.cursor() as cur:
            cur.execute(f"SELECT file_key, sha256, rows_landed, rows_loaded, rows_quarantined, status, message "
                        f"FROM {LEDGER} WHERE dataset = %s AND source = %s AND batch_date = %s AND version = %s "
                        "ORDER BY file_key", [dataset, source, batch_date, version])
            rows = cur.fetchall()
        return IngestReport(dataset, source, batch_date, version, "unchanged", [FileOutcome(*r) for r in rows])

    def publish(self, con: Any, dataset: str, source: SourceSpec, batch_date: str, version: int,
                fingerprint: str, report: IngestReport) -> None:
        """Replace the date's partition and quarantine rows and add the ledger rows, in one transaction.

        :param con: the DuckDB connection holding temp tables ``good`` and ``bad``.
        """
        cols = ", ".join(source.column_names)
        raw_cols = f"{cols}, batch_date, source_file, source_line, ingest_version, loaded_at"
        with tempfile.TemporaryDirectory(prefix="dataops-publish-") as tmp, self.pg, self.pg.cursor() as cur:
            cur.execute("SELECT localtimestamp")
            now: datetime = cur.fetchone()[0]
            day, stamp = quote_literal(batch_date), quote_literal(now.isoformat(sep=" "))
            good, bad = Path(tmp) / "good.csv", Path(tmp) / "bad.csv"
            _export(con, f"SELECT {cols}, CAST({day} AS DATE), source_file, source_line, {int(version)}, "
                         f"CAST({stamp} AS TIMESTAMP) FROM good ORDER BY source_file, source_line", good)
            _export(con, f"SELECT {quote_literal(dataset)}, {quote_literal(source.name)}, CAST({day} AS DATE), "
                         f"source_file, source_line, reason, raw_record, {int(version)}, "
                         f"CAST({stamp} AS TIMESTAMP) FROM bad ORDER BY source_file, source_line", bad)
            cur.execute(f"DELETE FROM {source.raw_table} WHERE batch_date = %s", [batch_date])
            cur.execute(f"DELETE FROM {QUARANTINE} WHERE dataset = %s AND source = %s AND batch_date = %s",
                        [dataset, source.name, batch_date])
            _copy_in(cur, source.raw_table, raw_cols, good)
            _copy_in(cur, QUARANTINE, _QUARANTINE_COLUMNS, bad)
            cur.executemany(f"INSERT INTO {LEDGER} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                            [(dataset, source.name, batch_date, version, f.key, f.sha256, fingerprint,
                              f.rows_landed, f.rows_loaded, f.rows_quarantined, f.status, f.message, now)
                             for f in report.files])


def _export(con: Any, select: str, path: Path) -> None:
    """Write a DuckDB query to a header-less CSV (NULL unquoted-empty, empty strings quoted)."""
    con.execute(f"COPY ({select}) TO {quote_literal(str(path))} (FORMAT csv, HEADER false)")


def _copy_in(cur: Any, table: str, columns: str, path: Path) -> None:
    """Bulk-load a CSV file written by :func:`_export` into ``table``."""
    with open(path, "rb") as fh:
        cur.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, ENCODING 'UTF8')", fh)
