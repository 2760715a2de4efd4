"""An open warehouse connection for the alert tables: DuckDB as is, PostgreSQL behind the same interface.

The alert code (:mod:`.tables`, :mod:`.outbox`, :mod:`.dispatch`) speaks the DuckDB connection's dialect of
DB-API: ``execute(sql, params)`` returning something with ``fetchone()``/``fetchall()``, ``?`` placeholders,
and explicit ``begin()``/``commit()``/``rollback()``; outside ``begin()`` every statement commits on its own.
:class:`PostgresConnection` gives exactly that over psycopg2, so the SQL is written once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from dataops.warehouse import WarehouseLocation


def qmark_to_format(sql: str) -> str:
    """``?`` placeholders to psycopg2's ``%s`` (a literal ``%`` becomes ``%%``).

    The alert SQL never has ``?`` or ``%`` inside string literals, so no SQL parsing is needed.
    """
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresConnection:
    """A psycopg2 connection with DuckDB's calling conventions (autocommit unless inside ``begin()``).

    :param raw: an open psycopg2 connection; it is switched to autocommit.
    """

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.raw.autocommit = True
        self._cursor = raw.cursor()

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """Run one statement; returns the cursor (``fetchone()``, ``fetchall()``)."""
        if params:
            self._cursor.execute(qmark_to_format(sql), list(params))
        else:
            self._cursor.execute(sql)
        return self._cursor

    def begin(self) -> None:
        self._cursor.execute("BEGIN")

    def commit(self) -> None:
        self._cursor.execute("COMMIT")

    def rollback(self) -> None:
        self._cursor.execute("ROLLBACK")

    def close(self) -> None:
        self._cursor.close()
        self.raw.close()


@contextmanager
def alert_connection(location: WarehouseLocation) -> Iterator[Any]:
    """An open connection to the warehouse holding the alert tables, closed on exit.

    :param location: a DuckDB file (native DuckDB connection) or PostgreSQL (:class:`PostgresConnection`).
    """
    if location.kind != "postgres":
        with location.duckdb_connection() as con:
            yield con
        return
    import psycopg2

    con = PostgresConnection(psycopg2.connect(host=location.host, port=location.port, user=location.user,
                                              password=location.password, dbname=location.database))
    try:
        yield con
    finally:
        con.close()
