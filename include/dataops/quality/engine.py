"""SQLAlchemy engine of the warehouse for the quality step.

On DuckDB the engine opens connections with ``duckdb.connect(path)`` and no extra settings (wrapped for
duckdb-engine). duckdb-engine's own ``connect`` adds a ``custom_user_agent`` setting, and DuckDB refuses a
second connection to a file that is already open *in the same process* with different settings ("Can't open
a connection to same database file with a different configuration"): that happens when dbt-duckdb, the
ingest or the scorer still hold a native connection in the process (``dag.test()``, a local executor running
tasks in-process). Plain connections share the process's database instance instead.
"""

from __future__ import annotations

from dataops.warehouse import WarehouseLocation
from dataops.warehouse.location import duckdb_creator

__all__ = ["duckdb_creator", "warehouse_engine"]


def warehouse_engine(location: WarehouseLocation):
    """The engine to use for quality metrics and tables (see :meth:`WarehouseLocation.engine`).

    :param location: the warehouse.
    """
    return location.engine()
