"""The warehouse when it does not answer: a locked DuckDB file, a PostgreSQL that refuses or ends the session.

Two places are retried with the bounded backoff of :mod:`dataops.unreachable` (``DATAOPS_WAREHOUSE_ATTEMPTS``
attempts, waiting ``DATAOPS_WAREHOUSE_BACKOFF`` seconds, then twice as long each time):

* opening a connection: DuckDB's "Could not set lock on file" (another process holds the file), PostgreSQL
  refusing connections or still starting (``57P03``);
* the one-transaction write of a partition (:meth:`~dataops.warehouse.base.Warehouse.replace`), retried whole
  when PostgreSQL ended the session in its middle (a restart: ``57P01`` admin shutdown, ``57P02`` crash,
  "server closed the connection unexpectedly"): the transaction died with the session, so nothing of it is
  visible and the next attempt deletes and loads the partition again.

Then one :class:`~dataops.unreachable.ServiceUnreachable` names the engine, the file or ``host:port/database``
and what to do. An answer of the database (a syntax error, a constraint, a deadlock) is raised at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from dataops import settings
from dataops.unreachable import call_with_retries

T = TypeVar("T")

#: SQLSTATE classes and codes of a session the server ended or would not start (PostgreSQL appendix A)
LOST_SQLSTATES = ("08", "57P01", "57P02", "57P03")


class WarehouseGone(ConnectionError):
    """The warehouse did not take the call (the original error is its ``__cause__``): worth another attempt."""


def duckdb_locked(err: BaseException) -> bool:
    """Another process holds the DuckDB file."""
    import duckdb

    return isinstance(err, duckdb.IOException) and "lock" in str(err).lower()


def postgres_lost(err: BaseException) -> bool:
    """PostgreSQL refused the connection or ended the session (not an answer to the statement)."""
    import psycopg2

    if isinstance(err, psycopg2.InterfaceError):  # "connection already closed"
        return True
    code = getattr(err, "pgcode", None)
    return isinstance(err, psycopg2.OperationalError) and (code is None or code.startswith(LOST_SQLSTATES))


def retrying(call: Callable[[], T], *, gone: Callable[[BaseException], bool], service: str, where: str, hint: str,
             sleep: Callable[[float], None] = time.sleep) -> T:
    """``call()`` with the warehouse's retries: the errors ``gone`` recognises are tried again.

    :param call: the work.
    :param gone: does an error mean the warehouse did not take the call?
    :param service: ``DuckDB`` or ``PostgreSQL`` (named in the log and the final error).
    :param where: the file, or ``host:port/database``.
    :param hint: what to do, ending the final error.
    :param sleep: the waits (tests record them).
    :raises ServiceUnreachable: every attempt failed that way.
    """

    def attempt() -> T:
        try:
            return call()
        except Exception as err:
            if gone(err):
                raise WarehouseGone(f"{type(err).__name__}: {str(err).strip()}") from err
            raise

    return call_with_retries(attempt, service=service, where=where, transient=(WarehouseGone,), hint=hint,
                             attempts=settings.get_int("DATAOPS_WAREHOUSE_ATTEMPTS"),
                             base_delay=float(settings.require("DATAOPS_WAREHOUSE_BACKOFF")), sleep=sleep)
