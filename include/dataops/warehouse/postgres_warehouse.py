"""The warehouse interface on PostgreSQL (the production stack).

Connections are psycopg2 connections behind DuckDB's calling conventions (:class:`PostgresConnection`).
Bulk data is prepared in an in-memory DuckDB (:meth:`PostgresWarehouse.staging`) and crosses over with
``COPY ... FROM STDIN`` in CSV; large reads stream through a server-side (named) cursor.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from dataops.warehouse.base import Params, StagedLoad, Warehouse


def qmark_to_format(sql: str) -> str:
    """``?`` placeholders to psycopg2's ``%s`` (a literal ``%`` becomes ``%%``)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresConnection:
    """A psycopg2 connection with DuckDB's calling conventions (autocommit unless inside ``begin()``).

    :param raw: an open psycopg2 connection; it is switched to autocommit.
    """

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.raw.autocommit = True
        self._cursor = raw.cursor()

    def execute(self, sql: str, params: Params = None) -> Any:
        """Run one statement; returns the cursor (``fetchone()``, ``fetchall()``)."""
        if params:
            self._cursor.execute(qmark_to_format(sql), list(params))
        else:
            self._cursor.execute(sql)
        return self._cursor

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        self._cursor.executemany(qmark_to_format(sql), [list(r) for r in rows])
        return self._cursor

    def copy_csv(self, table: str, columns: Sequence[str], fh: Any) -> None:
        """``COPY table (columns) FROM STDIN`` of a header-less CSV file object."""
        self._cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, "
                                 "ENCODING 'UTF8')", fh)

    def begin(self) -> None:
        self._cursor.execute("BEGIN")

    def commit(self) -> None:
        self._cursor.execute("COMMIT")

    def rollback(self) -> None:
        if not self.raw.closed:  # a session the server ended took its transaction with it
            self._cursor.execute("ROLLBACK")

    def close(self) -> None:
        if not self.raw.closed:
            self._cursor.close()
            self.raw.close()


def _floats(frame: Any) -> Any:
    """NUMERIC columns (``Decimal`` objects) as floats, like DuckDB hands them out."""
    for name in frame.columns:
        if frame[name].dtype == object:
            sample = frame[name].dropna()
            if len(sample) and isinstance(sample.iloc[0], Decimal):
                frame[name] = frame[name].astype(float)
    return frame


class PostgresWarehouse(Warehouse):
    kind = "postgres"
    default_schema = "public"
    service = "PostgreSQL"
    hint = "check that the server is up and takes connections (connection 'warehouse_default'), then retry the task"

    def where(self) -> str:
        loc = self.location
        return f"{loc.host}:{loc.port}/{loc.database}"

    def _gone(self, err: BaseException) -> bool:
        from dataops.warehouse.retries import postgres_lost

        return postgres_lost(err)

    def _raw(self) -> Any:
        import psycopg2

        loc = self.location
        return psycopg2.connect(host=loc.host, port=loc.port, user=loc.user, password=loc.password,
                                dbname=loc.database)

    def _open(self) -> PostgresConnection:
        return PostgresConnection(self._raw())

    @contextmanager
    def staging(self) -> Iterator[Any]:
        """An in-memory DuckDB (spilling to a temporary folder) to prepare rows before ``COPY``."""
        import duckdb

        with tempfile.TemporaryDirectory(prefix="dataops-staging-") as tmp:
            con = duckdb.connect(config={"temp_directory": tmp})
            try:
                yield con
            finally:
                con.close()

    def stream(self, sql: str, params: Params = None, *, batch_size: int = 100_000) -> Iterator[Any]:
        import pandas as pd

        raw = self._raw()
        try:
            with raw.cursor(name=f"dataops_{uuid.uuid4().hex[:12]}") as cur:
                cur.itersize = batch_size
                cur.execute(qmark_to_format(sql), list(params) if params else None)
                columns: list[str] | None = None
                while rows := cur.fetchmany(batch_size):
                    columns = columns or [d[0] for d in cur.description]
                    yield _floats(pd.DataFrame.from_records(rows, columns=columns))
        finally:
            raw.close()

    def _load(self, con: Any, staging: Any, load: StagedLoad) -> None:
        """Export the staged rows to CSV (NULL unquoted-empty, empty strings quoted) and ``COPY`` them in."""
        with tempfile.TemporaryDirectory(prefix="dataops-copy-") as tmp:
            path = Path(tmp) / "rows.csv"
            target = str(path).replace("'", "''")
            staging.execute(f"COPY ({load.select}) TO '{target}' (FORMAT csv, HEADER false)", load.params)
            with open(path, "rb") as fh:
                con.copy_csv(load.table, load.columns, fh)

    def hash_bucket(self, expr: str, count: int) -> str:
        return f"mod(abs(hashtext({expr})::bigint), {int(count)})"

