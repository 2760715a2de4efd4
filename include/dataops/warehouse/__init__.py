"""Warehouse access: a DuckDB file (embedded default) or PostgreSQL (production), behind one interface."""

from __future__ import annotations

from dataops.warehouse.base import Connection, RowsInsert, StagedLoad, Warehouse, transaction
from dataops.warehouse.location import WarehouseLocation

__all__ = ["Connection", "RowsInsert", "StagedLoad", "Warehouse", "WarehouseLocation", "open_warehouse",
           "transaction"]


def open_warehouse(where: Warehouse | WarehouseLocation | str) -> Warehouse:
    """The :class:`Warehouse` for a location, a URL (``postgresql://...``, ``duckdb:///path``) or a warehouse.

    The implementation follows the location's kind, which comes from the Airflow connection's type inside
    Airflow (``WarehouseHook``) and from ``DATAOPS_WAREHOUSE_URL`` / ``DATAOPS_WAREHOUSE_PATH`` outside it.
    """
    if isinstance(where, Warehouse):
        return where
    location = WarehouseLocation.from_url(where) if isinstance(where, str) else where
    if location.kind == "postgres":
        from dataops.warehouse.postgres_warehouse import PostgresWarehouse

        return PostgresWarehouse(location)
    from dataops.warehouse.duckdb_warehouse import DuckDBWarehouse

    return DuckDBWarehouse(location)
