"""Make GX's SQL path return real results on DuckDB (duckdb-engine), in one small documented patch.

The problem (GX 1.24.1, SQLAlchemy 2.x, duckdb-engine): GX's SQL execution engine runs a query as
``with engine.connect() as con: result = con.execute(q)`` and reads ``result.fetchall()`` only after the
``with`` block. Closing the SQLAlchemy connection rolls back its (auto-begun) transaction; on DuckDB the
cursor *is* the connection, so the rollback discards the pending result set and ``fetchall()`` returns
``[]`` (QueuePool, StaticPool) or raises "No open result set" (NullPool). Symptoms: the daily batch
definition finds no batch ("No available batches found", "'batch_date' column ... is not a date type")
and metrics come back empty. ``pool_reset_on_return=None`` does not help (the rollback comes from the
connection, not the pool) and ``isolation_level="AUTOCOMMIT"`` is not supported by duckdb-engine.

The fix: GX already keeps one persisted connection for the dialects where a connection must outlive a
query (SQLite, SQL Server, BigQuery, Databricks: ``_PERSISTED_CONNECTION_DIALECTS``), with a
``StaticPool`` engine. Registering ``duckdb`` there makes GX hold one open connection for the execution
engine's lifetime, so results survive. Within one process DuckDB shares the database instance between
connections to the same file, so the gate's own writes are not blocked by it. ``create_temp_table:
false`` on the data source keeps GX from materialising each batch as a temp table first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

DIALECT = "duckdb"


class _Dialect(str):
    """A dialect name GX can compare (``== "duckdb"``) and read ``.value`` of, like its GXSqlDialect enum."""

    @property
    def value(self) -> str:
        return str(self)


def _engine_module():
    import great_expectations.execution_engine.sqlalchemy_execution_engine as sae

    return sae


def is_enabled() -> bool:
    """Whether GX currently keeps a persisted connection for DuckDB."""
    return any(str(getattr(d, "value", d)) == DIALECT for d in _engine_module()._PERSISTED_CONNECTION_DIALECTS)


def enable() -> None:
    """Register DuckDB as a persisted-connection dialect (idempotent)."""
    sae = _engine_module()
    if not is_enabled():
        sae._PERSISTED_CONNECTION_DIALECTS = (*sae._PERSISTED_CONNECTION_DIALECTS, _Dialect(DIALECT))


def disable() -> None:
    """Undo :func:`enable` (used by the test that shows the bug without the fix)."""
    sae = _engine_module()
    sae._PERSISTED_CONNECTION_DIALECTS = tuple(
        d for d in sae._PERSISTED_CONNECTION_DIALECTS if str(getattr(d, "value", d)) != DIALECT)


@contextmanager
def persisted_duckdb_connection() -> Iterator[None]:
    """Enable the fix for the duration of a block, restoring the previous state afterwards."""
    was = is_enabled()
    enable()
    try:
        yield
    finally:
        if not was:
            disable()
