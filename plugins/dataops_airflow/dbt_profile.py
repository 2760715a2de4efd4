"""The dbt profile of the warehouse, chosen from the Airflow connection's type when a task runs.

cosmos fixes a profile mapping class when the DAG is parsed, but the DAG file must not read connections.
:class:`WarehouseProfileMapping` is that fixed class: it reads ``warehouse_default`` only when cosmos asks
for the profile (at execution), and hands every question to cosmos's own DuckDB or PostgreSQL mapping,
according to the connection type (``duckdb``: path in *host*; ``postgres``). So the embedded stack and the
production stack run the same DAG, and nothing but the connection says which warehouse it is.
"""

from __future__ import annotations

from typing import Any

from cosmos.profiles import (
    BaseProfileMapping,
    DuckDBUserPasswordProfileMapping,
    PostgresUserPasswordProfileMapping,
)

#: dbt-duckdb's connect retries: a dbt process finding the DuckDB file locked by another writer waits for it
#: (1 + 2 + ... + 64 s at most) instead of failing. Only the watcher's producer writes in a normal run, but on a
#: cleared or retried run cosmos skips the producer and each model's sensor runs its model itself, in parallel.
DUCKDB_RETRIES = {"connect_attempts": 8}

#: Airflow connection type -> (cosmos mapping, profile arguments)
MAPPINGS: dict[str, tuple[type[BaseProfileMapping], dict[str, Any]]] = {
    "duckdb": (DuckDBUserPasswordProfileMapping, {"threads": 1, "retries": DUCKDB_RETRIES}),
    "postgres": (PostgresUserPasswordProfileMapping, {"schema": "public", "threads": 2}),
    "postgresql": (PostgresUserPasswordProfileMapping, {"schema": "public", "threads": 2}),
}


class WarehouseProfileMapping(BaseProfileMapping):
    """A cosmos profile mapping that becomes the DuckDB or the PostgreSQL mapping of its connection.

    :param conn_id: the warehouse connection (``warehouse_default``).
    """

    airflow_connection_type = "duckdb"
    dbt_profile_type = "duckdb"

    def __init__(self, conn_id: str = "warehouse_default", **kwargs: Any) -> None:
        super().__init__(conn_id=conn_id, **kwargs)
        self._delegate: BaseProfileMapping | None = None

    @property
    def delegate(self) -> BaseProfileMapping:
        """cosmos's own mapping for the connection's type (the connection is read here, once)."""
        if self._delegate is None:
            conn_type = self.conn.conn_type
            if conn_type not in MAPPINGS:
                raise ValueError(f"connection {self.conn_id!r} has type {conn_type!r}; the warehouse must be "
                                 f"one of {', '.join(sorted(MAPPINGS))}")
            cls, args = MAPPINGS[conn_type]
            self._delegate = cls(conn_id=self.conn_id, profile_args={**args, **self.profile_args},
                                 disable_event_tracking=self.disable_event_tracking)
        return self._delegate

    def can_claim_connection(self) -> bool:
        return self.conn.conn_type in MAPPINGS

    @property
    def profile(self) -> dict[str, Any]:
        return self.delegate.profile

    @property
    def mock_profile(self) -> dict[str, Any]:
        return self.delegate.mock_profile

    @property
    def env_vars(self) -> dict[str, str]:
        return self.delegate.env_vars

    def get_profile_file_contents(self, profile_name: str, target_name: str = "cosmos_target",
                                  use_mock_values: bool = False) -> str:
        return self.delegate.get_profile_file_contents(profile_name, target_name, use_mock_values)

    def version(self, profile_name: str, target_name: str, mock_profile: bool = False) -> str:
        return self.delegate.version(profile_name, target_name, mock_profile)
