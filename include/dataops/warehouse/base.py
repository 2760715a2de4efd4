"""The one warehouse interface of the core library, written once for DuckDB and PostgreSQL.

Every module that reads or writes the warehouse goes through a :class:`Warehouse` (built by
:func:`dataops.warehouse.open_warehouse` from a :class:`~dataops.warehouse.WarehouseLocation`):

* ``connect()`` -- a connection with DuckDB's calling conventions on both engines: ``execute(sql, params)``
  with ``?`` placeholders returning something with ``fetchone()``/``fetchall()``, autocommit outside
  :func:`transaction`;
* ``fetchall`` / ``fetchone`` / ``execute`` / ``table_exists`` -- one statement on a short-lived connection;
* ``stream(sql, params, batch_size)`` -- the rows of a query as pandas frames of at most ``batch_size`` rows,
  so memory does not grow with the result (DuckDB: Arrow record batches; PostgreSQL: a server-side cursor);
* ``staging()`` -- a DuckDB connection where bulk data is prepared (parsing CSV, collecting scores); on DuckDB it
  is the warehouse file itself, on PostgreSQL an in-memory database;
* ``replace(staging, deletes=..., loads=..., rows=...)`` -- the write every idempotent task needs: delete a
  partition and load its new rows from the staging connection, in ONE transaction (DuckDB: ``INSERT ... SELECT``
  on the same connection; PostgreSQL: ``COPY ... FROM STDIN`` of the staged rows);
* ``engine()`` -- a SQLAlchemy engine for the libraries that need one (Great Expectations, the registry);
* ``hash_bucket(expr, n)`` -- the engine's stable hash of a column, modulo ``n`` (scale-out partitions).

Placeholders are ``?`` everywhere; SQL text must not contain a literal ``?`` (PostgreSQL translates them).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from dataops.warehouse.location import WarehouseLocation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Params = Sequence[Any] | None
T = TypeVar("T")


class Connection(Protocol):
    """What :meth:`Warehouse.connect` yields (a native DuckDB connection conforms as it is)."""

    def execute(self, sql: str, params: Params = None) -> Any: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...

    def begin(self) -> Any: ...

    def commit(self) -> Any: ...

    def rollback(self) -> Any: ...


@contextmanager
def transaction(con: Connection) -> Iterator[Connection]:
    """``BEGIN`` ... ``COMMIT``, or ``ROLLBACK`` when the block raises."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


@dataclass(frozen=True)
class StagedLoad:
    """Rows to load into a warehouse table: the result of ``select`` run on the staging connection.

    :param table: the target table (``schema.table``).
    :param columns: the target columns, in the order ``select`` returns them.
    :param select: a query on the staging connection (its temp tables).
    :param params: the query's ``?`` parameters.
    """

    table: str
    columns: Sequence[str]
    select: str
    params: Params = None


@dataclass(frozen=True)
class RowsInsert:
    """A few literal rows to insert (ledger or log rows), in the same transaction as the loads."""

    table: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]


class Warehouse(ABC):
    """A warehouse: DuckDB file or PostgreSQL database. Build it with :func:`dataops.warehouse.open_warehouse`.

    :param location: where the warehouse is.
    """

    kind: str = ""

    #: named in the warehouse's retries and its final error (:mod:`dataops.warehouse.retries`)
    service: str = ""
    hint: str = ""

    def __init__(self, location: WarehouseLocation) -> None:
        self.location = location
        self.retry_sleep: Callable[[float], None] = time.sleep  # the waits between attempts (tests record them)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location.path or self.location.database!r})"

    # -- connections ---------------------------------------------------------------------------------------
    @abstractmethod
    def _open(self) -> Any:
        """A new open connection with the conventions of :class:`Connection` (and ``close()``)."""

    @abstractmethod
    def _gone(self, err: BaseException) -> bool:
        """Does ``err`` mean the warehouse did not take the call (locked, refused, session ended)?"""

    @abstractmethod
    def where(self) -> str:
        """The file, or ``host:port/database`` (named in the final error)."""

    def _retrying(self, call: Callable[[], T]) -> T:
        from dataops.warehouse.retries import retrying

        return retrying(call, gone=self._gone, service=self.service, where=self.where(), hint=self.hint,
                        sleep=self.retry_sleep)

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A :class:`Connection`, closed on exit; opening it is retried while the warehouse does not answer."""
        con = self._retrying(self._open)
        try:
            yield con
        finally:
            con.close()

    @abstractmethod
    def staging(self) -> Any:
        """A context manager yielding a DuckDB connection to prepare bulk data in (see the module doc)."""

    def engine(self, **kwargs: Any) -> Any:
        """A SQLAlchemy engine (dispose it when done)."""
        return self.location.engine(**kwargs)

    # -- one statement -------------------------------------------------------------------------------------
    def execute(self, sql: str, params: Params = None) -> None:
        with self.connect() as con:
            con.execute(sql, params)

    def fetchall(self, sql: str, params: Params = None) -> list[tuple]:
        with self.connect() as con:
            return [tuple(r) for r in con.execute(sql, params).fetchall()]

    def fetchone(self, sql: str, params: Params = None) -> tuple | None:
        with self.connect() as con:
            row = con.execute(sql, params).fetchone()
        return tuple(row) if row is not None else None

    def table_exists(self, qualified: str) -> bool:
        """Does ``schema.table`` exist?"""
        schema, _, table = qualified.rpartition(".")
        row = self.fetchone("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                            "AND table_name = ?", [schema or self.default_schema, table])
        return bool(row and row[0])

    default_schema = "main"

    # -- bulk ----------------------------------------------------------------------------------------------
    @abstractmethod
    def stream(self, sql: str, params: Params = None, *, batch_size: int = 100_000) -> Iterator[pd.DataFrame]:
        """The query's rows as frames of at most ``batch_size`` rows (NUMERIC columns as floats)."""

    def replace(self, staging: Any, *, deletes: Sequence[tuple[str, Params]] = (),
                loads: Sequence[StagedLoad] = (), rows: Sequence[RowsInsert] = ()) -> None:
        """Run ``deletes``, then ``loads`` from ``staging``, then ``rows``, all in one transaction.

        The whole transaction is tried again when the warehouse ended the session in its middle (a PostgreSQL
        restart): it died with the session, so nothing of it is visible (:mod:`dataops.warehouse.retries`).

        :param staging: the connection yielded by :meth:`staging` that holds the rows of ``loads``.
        """
        self._retrying(lambda: self._replace_once(staging, deletes, loads, rows))

    def _replace_once(self, staging: Any, deletes: Sequence[tuple[str, Params]], loads: Sequence[StagedLoad],
                      rows: Sequence[RowsInsert]) -> None:
        with self._writer(staging) as con, transaction(con):
            for sql, params in deletes:
                con.execute(sql, params)
            for load in loads:
                self._load(con, staging, load)
            for insert in rows:
                if insert.rows:
                    marks = ", ".join("?" for _ in insert.columns)
                    con.executemany(f"INSERT INTO {insert.table} ({', '.join(insert.columns)}) VALUES ({marks})",
                                    [list(r) for r in insert.rows])

    def _writer(self, staging: Any) -> Any:
        """The connection ``replace`` writes through (a context manager); a new one by default."""
        return self.connect()

    @abstractmethod
    def _load(self, con: Any, staging: Any, load: StagedLoad) -> None:
        """Copy the rows of ``load.select`` (run on ``staging``) into ``load.table`` inside ``con``'s transaction."""

    # -- dialect -------------------------------------------------------------------------------------------
    @abstractmethod
    def hash_bucket(self, expr: str, count: int) -> str:
        """SQL for a stable hash of ``expr`` modulo ``count`` (0 .. count-1)."""
