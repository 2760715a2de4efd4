"""Warehouse access: a DuckDB file (embedded default) or PostgreSQL (production)."""

from dataops.warehouse.location import WarehouseLocation

__all__ = ["WarehouseLocation"]
