"""Hook that builds the core ``ModelRegistry`` from Airflow connections."""

from __future__ import annotations

from airflow.sdk import BaseHook

from dataops.settings import artifact_bucket, database_url


class RegistryHook(BaseHook):
    """The model registry: metadata in SQL (``registry_default``: SQLite file on the embedded stack,
    Postgres in production) and artifacts in S3 (``aws_default``).

    :param registry_conn_id: connection of the registry database.
    :param aws_conn_id: connection of the S3 endpoint holding the artifacts.
    :param model_name: the registered model (one per dataset).
    """

    conn_name_attr = "registry_conn_id"
    default_conn_name = "registry_default"
    conn_type = "sqlite"
    hook_name = "DataOps model registry"

    def __init__(self, registry_conn_id: str = default_conn_name, aws_conn_id: str = "aws_default",
                 model_name: str = "transactions") -> None:
        super().__init__()
        self.registry_conn_id = registry_conn_id
        self.aws_conn_id = aws_conn_id
        self.model_name = model_name

    def sqlalchemy_url(self) -> str:
        conn = self.get_connection(self.registry_conn_id)
        if conn.conn_type == "sqlite":
            return database_url("sqlite", path=conn.host)
        if conn.conn_type in ("postgres", "postgresql"):
            return database_url("postgres", host=conn.host, port=conn.port, user=conn.login, password=conn.password,
                                database=conn.schema)
        raise ValueError(f"connection {self.registry_conn_id!r} has type {conn.conn_type!r}; "
                         "expected 'sqlite' or 'postgres'")

    def get_conn(self):
        """A :class:`dataops.registry.ModelRegistry` (tables created if missing)."""
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook
        from sqlalchemy import create_engine

        from dataops.registry import ModelRegistry

        return ModelRegistry(create_engine(self.sqlalchemy_url()), S3Hook(aws_conn_id=self.aws_conn_id).get_conn(),
                             model_name=self.model_name, bucket=artifact_bucket())
