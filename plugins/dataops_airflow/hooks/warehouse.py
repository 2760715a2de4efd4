"""Hook that turns the ``warehouse_default`` Airflow connection into a core ``WarehouseLocation``."""

from __future__ import annotations

from airflow.sdk import BaseHook

from dataops.warehouse import Warehouse, WarehouseLocation, open_warehouse


class WarehouseHook(BaseHook):
    """The analytical warehouse: a DuckDB file (conn type ``duckdb``, path in *host*) or PostgreSQL
    (conn type ``postgres``).

    :param warehouse_conn_id: the Airflow connection id.
    """

    conn_name_attr = "warehouse_conn_id"
    default_conn_name = "warehouse_default"
    conn_type = "duckdb"
    hook_name = "DataOps warehouse"

    def __init__(self, warehouse_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.warehouse_conn_id = warehouse_conn_id

    def get_location(self) -> WarehouseLocation:
        conn = self.get_connection(self.warehouse_conn_id)
        if conn.conn_type == "duckdb":
            return WarehouseLocation.duckdb(conn.host or "")  # no host: refused (not a file named 'None')
        if conn.conn_type in ("postgres", "postgresql"):
            return WarehouseLocation(
                kind="postgres", host=conn.host, port=conn.port or 5432, user=conn.login,
                password=conn.password, database=conn.schema,
            )
        raise ValueError(
            f"connection {self.warehouse_conn_id!r} has type {conn.conn_type!r}; expected 'duckdb' or 'postgres'"
        )

    def get_conn(self) -> Warehouse:
        """The core's :class:`~dataops.warehouse.Warehouse`: DuckDB or PostgreSQL by the connection's type."""
        return open_warehouse(self.get_location())
