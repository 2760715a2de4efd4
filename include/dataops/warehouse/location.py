"""Where the warehouse is, independent of how the caller learned it (Airflow connection, env, CLI)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


def duckdb_creator(path: str):
    """A SQLAlchemy ``creator``: a plain ``duckdb.connect(path)`` wrapped for duckdb-engine."""

    def connect():
        import duckdb
        from duckdb_engine import ConnectionWrapper

        return ConnectionWrapper(duckdb.connect(path))

    return connect


@dataclass(frozen=True)
class WarehouseLocation:
    """A DuckDB file or a PostgreSQL database.

    :param kind: ``duckdb`` or ``postgres``.
    :param path: the DuckDB file (kind ``duckdb``).
    :param host: PostgreSQL host; ``port``, ``user``, ``password`` and ``database`` likewise.
    """

    kind: str
    path: str | None = None
    host: str | None = None
    port: int = 5432
    user: str | None = None
    password: str | None = None
    database: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("duckdb", "postgres"):
            raise ValueError(f"warehouse kind must be 'duckdb' or 'postgres', got {self.kind!r}")
        if self.kind == "duckdb" and not self.path:
            raise ValueError("a DuckDB warehouse needs a file path (the connection's host field)")

    @classmethod
    def duckdb(cls, path: str | os.PathLike) -> WarehouseLocation:
        return cls(kind="duckdb", path=str(path))

    @classmethod
    def from_env(cls) -> WarehouseLocation:
        """``DATAOPS_WAREHOUSE_URL`` (``postgresql://...``) or ``DATAOPS_WAREHOUSE_PATH`` (DuckDB file)."""
        from dataops import settings

        url = settings.get("DATAOPS_WAREHOUSE_URL")
        if url:
            return cls.from_url(url)
        path = settings.get("DATAOPS_WAREHOUSE_PATH")
        if not path:
            raise RuntimeError("set DATAOPS_WAREHOUSE_PATH (DuckDB file) or DATAOPS_WAREHOUSE_URL (PostgreSQL)")
        return cls.duckdb(path)

    @classmethod
    def from_url(cls, url: str) -> WarehouseLocation:
        """A ``postgresql://`` / ``postgresql+psycopg2://`` or ``duckdb:///path`` URL (escaped parts decoded)."""
        from sqlalchemy.engine import make_url

        u = make_url(url)
        if u.get_backend_name() == "duckdb":
            return cls.duckdb(u.database or "")
        if u.get_backend_name() != "postgresql":
            raise ValueError(f"a warehouse URL must be postgresql:// or duckdb:///, got {u.drivername}://")
        return cls(kind="postgres", host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                   database=u.database)

    @property
    def sqlalchemy_url(self) -> str:
        from dataops.settings import database_url

        return database_url(self.kind, host=self.host, port=self.port, user=self.user, password=self.password,
                            database=self.database, path=self.path)

    def engine(self, **kwargs: Any):
        """A SQLAlchemy engine (DuckDB through duckdb-engine, PostgreSQL through psycopg2).

        On DuckDB every checkout is a plain ``duckdb.connect(path)`` (no pooling: DuckDB locks the file per
        process). duckdb-engine's own connect adds a ``custom_user_agent`` setting, and DuckDB refuses a second
        connection to a file already open in the same process with other settings (dbt-duckdb, ingest or the
        scorer in a ``dag.test()`` or in-process executor); plain connections share the process's instance.
        """
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        if self.kind == "duckdb":
            assert self.path is not None  # __post_init__: a DuckDB location has its file
            kwargs.setdefault("poolclass", NullPool)
            return create_engine("duckdb://", creator=duckdb_creator(self.path), **kwargs)
        return create_engine(self.sqlalchemy_url, **kwargs)
